#!/usr/bin/env bash
# Fetches the GraphiQL page's assets from the npm registry at pinned versions into assets/graphiql/
# (the binary embeds them with include_bytes!) and records their sha256 sums in assets/graphiql/SHA256SUMS.
# Run it to change a version; `--check` re-fetches and compares with the checked-in files instead.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL=3.8.3   # the last major version that ships a UMD bundle
REACT=18.3.1     # React 18: GraphiQL 3's UMD bundle expects window.React and window.ReactDOM

out=assets/graphiql
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for package in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir -p "$work/$package"
  tar -xzf "$work/$package.tgz" -C "$work/$package"
done

# name in assets/graphiql  <-  file inside the npm package
files=(
  "graphiql-$GRAPHIQL.min.js|graphiql-$GRAPHIQL/package/graphiql.min.js"
  "graphiql-$GRAPHIQL.min.css|graphiql-$GRAPHIQL/package/graphiql.min.css"
  "react-$REACT.production.min.js|react-$REACT/package/umd/react.production.min.js"
  "react-dom-$REACT.production.min.js|react-dom-$REACT/package/umd/react-dom.production.min.js"
  "LICENSE.graphiql|graphiql-$GRAPHIQL/package/LICENSE"
  "LICENSE.react|react-$REACT/package/LICENSE"
)

target="$out"
if [[ "${1:-}" == "--check" ]]; then
  target="$work/check"
fi
mkdir -p "$target"
for entry in "${files[@]}"; do
  cp "$work/${entry#*|}" "$target/${entry%%|*}"
done
(cd "$target" && sha256sum $(for entry in "${files[@]}"; do echo "${entry%%|*}"; done) > SHA256SUMS)

if [[ "${1:-}" == "--check" ]]; then
  diff "$out/SHA256SUMS" "$target/SHA256SUMS"
  (cd "$out" && sha256sum --check --quiet SHA256SUMS)
  echo "assets/graphiql matches npm: graphiql@$GRAPHIQL, react@$REACT, react-dom@$REACT"
else
  echo "vendored graphiql@$GRAPHIQL, react@$REACT, react-dom@$REACT into $out"
fi
