//! GraphiQL works offline: the page names no external URL, and every script and stylesheet it loads is
//! served by the server itself, byte for byte the vendored file, with its content type and a long cache.

use crate::support::TestApp;

/// The values of every `attribute="..."` in `html`.
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let needle = format!("{attribute}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest[..rest.find('"').expect("closing quote")].to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphiql_page_loads_only_what_the_server_serves() {
    let app = TestApp::spawn().await;
    let html = app
        .http()
        .get(format!("{}/graphql", app.url))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    for external in ["http://", "https://", "src=\"//", "href=\"//", "url("] {
        assert!(
            !html.contains(external),
            "the page names `{external}`: {html}"
        );
    }
    let assets: Vec<String> = attribute_values(&html, "src")
        .into_iter()
        .chain(attribute_values(&html, "href"))
        .collect();
    assert_eq!(
        assets.len(),
        4,
        "React, ReactDOM, GraphiQL and its CSS: {assets:?}"
    );

    let sums = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/graphiql/SHA256SUMS"
    ))
    .expect("SHA256SUMS");
    for asset in assets {
        let name = asset
            .strip_prefix("/graphiql/assets/")
            .unwrap_or_else(|| panic!("{asset} is not served from /graphiql/assets/"));
        assert!(
            sums.lines()
                .any(|line| line.ends_with(&format!("  {name}"))),
            "{name} has no recorded sha256 (tools/vendor-graphiql.sh)"
        );
        let response = app
            .http()
            .get(format!("{}{asset}", app.url))
            .send()
            .await
            .expect("asset");
        assert_eq!(response.status().as_u16(), 200, "{asset}");
        let header = |n: &str| {
            response
                .headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let expected_type = if name.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(
            header("content-type").starts_with(expected_type),
            "{asset}: {}",
            header("content-type")
        );
        assert!(
            header("cache-control").contains("max-age=31536000"),
            "{asset}: {}",
            header("cache-control")
        );
        let vendored = std::fs::read(format!(
            "{}/assets/graphiql/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("vendored file");
        let served = response.bytes().await.expect("bytes");
        assert!(
            served.as_ref() == vendored.as_slice(),
            "{asset} differs from the vendored file"
        );
    }

    let missing = app
        .http()
        .get(format!("{}/graphiql/assets/nothing.js", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status().as_u16(), 404);
}
