// Mounts GraphiQL (Liaison's own file, inlined into the page; the vendored files beside it come from npm).
// The page's JSON config names the endpoint and the header presets (demo principals in development mode).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("liaison-graphiql-config").textContent);
  var presets = config.presets || [];
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));

  function render(headers) {
    var props = {
      fetcher: fetcher,
      defaultEditorToolsVisibility: presets.length > 0 ? "headers" : true,
      shouldPersistHeaders: false,
    };
    if (headers !== undefined) {
      props.headers = headers;
    }
    if (presets.length > 0) {
      props.defaultQuery =
        "# The Headers tab below holds the token of the demo principal picked above.\n" +
        "query Me {\n  viewer {\n    subject\n    roles\n    cases(first: 5) {\n" +
        "      totalCount\n      nodes { number shortDescription }\n    }\n  }\n}\n";
    }
    root.render(React.createElement(GraphiQL, props));
  }

  if (presets.length === 0) {
    render(undefined);
    return;
  }
  var bar = document.getElementById("liaison-presets");
  var select = document.getElementById("liaison-preset");
  presets.forEach(function (preset, index) {
    var option = document.createElement("option");
    option.value = String(index);
    option.textContent = preset.label;
    select.appendChild(option);
  });
  select.addEventListener("change", function () {
    render(presets[Number(select.value)].headers);
  });
  bar.hidden = false;
  render(presets[0].headers);
})();
