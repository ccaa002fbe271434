//! GraphiQL served from the binary: the page and its pinned, vendored assets (no request leaves the server).

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;

/// Where the page loads its assets from.
const ASSET_PREFIX: &str = "/graphiql/assets/";

/// One file under assets/graphiql, embedded in the binary (fetched by tools/vendor-graphiql.sh).
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every asset the page loads; file names carry the package version, so they may be cached for good.
const ASSETS: &[Asset] = &[
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-18.3.1.production.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-dom-18.3.1.production.min.js"),
    },
    Asset {
        name: "graphiql-3.8.3.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql-3.8.3.min.js"),
    },
    Asset {
        name: "graphiql-3.8.3.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql-3.8.3.min.css"),
    },
];

/// The script that mounts GraphiQL and the demo principal picker (inlined, so it changes with the page).
const BOOT_SCRIPT: &str = include_str!("../../assets/graphiql/liaison-graphiql.js");

/// A set of request headers GraphiQL offers ready to pick, e.g. one demo principal's bearer token.
#[derive(Clone, Debug, Serialize)]
pub struct HeaderPreset {
    /// What the picker shows.
    pub label: String,
    /// The header editor's content: a JSON object of header names to values.
    pub headers: String,
}

impl HeaderPreset {
    /// A preset sending `Authorization: Bearer <token>`.
    pub fn bearer(label: impl Into<String>, token: &str) -> Self {
        Self {
            label: label.into(),
            headers: bearer_headers_json(token),
        }
    }
}

/// `{"Authorization": "Bearer <token>"}`: what GraphiQL's header editor accepts.
pub fn bearer_headers_json(token: &str) -> String {
    format!(
        "{{\"Authorization\": {}}}",
        serde_json::Value::String(format!("Bearer {token}"))
    )
}

/// What the page is configured with.
#[derive(Clone, Debug, Default)]
pub struct GraphiqlPage {
    /// Header presets offered in a picker above the editor; the first is selected when the page opens.
    pub presets: Vec<HeaderPreset>,
}

#[derive(Serialize)]
struct PageConfig<'a> {
    endpoint: &'static str,
    presets: &'a [HeaderPreset],
}

impl GraphiqlPage {
    /// The page's HTML: asset links on this server only, the configuration as inert JSON.
    pub fn html(&self) -> String {
        let config = serde_json::to_string(&PageConfig {
            endpoint: "/graphql",
            presets: &self.presets,
        })
        .expect("the page configuration serializes")
        // Inside <script>, `</script>` or `<!--` would end or corrupt the block.
        .replace('<', "\\u003c");
        let asset = |name: &str| format!("{ASSET_PREFIX}{name}");
        format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liaison GraphiQL</title>
<link rel="stylesheet" href="{css}">
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
  #liaison-presets {{ padding: 6px 12px; font-size: 14px; border-bottom: 1px solid #ddd; }}
  #liaison-presets[hidden] {{ display: none; }}
  #graphiql {{ flex: 1; min-height: 0; }}
</style>
</head>
<body>
<div id="liaison-presets" hidden>
  <label>Demo principal (sets the Headers tab): <select id="liaison-preset"></select></label>
</div>
<div id="graphiql">Loading GraphiQL…</div>
<script id="liaison-graphiql-config" type="application/json">{config}</script>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script>
{BOOT_SCRIPT}</script>
</body>
</html>
"#,
            css = asset("graphiql-3.8.3.min.css"),
            react = asset("react-18.3.1.production.min.js"),
            react_dom = asset("react-dom-18.3.1.production.min.js"),
            graphiql = asset("graphiql-3.8.3.min.js"),
        )
    }

    /// The page as a response (not cached: it carries short-lived demo tokens).
    pub fn response(&self) -> Response {
        ([(header::CACHE_CONTROL, "no-cache")], Html(self.html())).into_response()
    }
}

/// GET /graphiql/assets/{name}: one embedded asset with its content type, cached for a year.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_asset_and_nothing_else() {
        let html = GraphiqlPage::default().html();
        for asset in ASSETS {
            assert!(
                html.contains(&format!("{ASSET_PREFIX}{}", asset.name)),
                "{}",
                asset.name
            );
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    #[test]
    fn presets_are_json_the_header_editor_accepts_and_cannot_break_the_page() {
        let preset = HeaderPreset::bearer("Eve </script><script>alert(1)//", "abc.def");
        let headers: serde_json::Value = serde_json::from_str(&preset.headers).expect("JSON");
        assert_eq!(
            headers,
            serde_json::json!({"Authorization": "Bearer abc.def"})
        );
        let html = GraphiqlPage {
            presets: vec![preset],
        }
        .html();
        assert_eq!(html.matches("</script>").count(), 5, "{html}");
        assert!(html.contains(r#"Eve \u003c/script>"#), "{html}");
    }
}
