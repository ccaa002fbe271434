//! The nested relationship query (accounts -> sides with label and direction -> other account ->
//! its sides -> other account): one statement per level, whatever the page size, with the label
//! and the other account read in the sides' own statement and the viewer's scope applied to both.

use serde_json::{Value, json};

use crate::support::{
    PortalContact, TestApp, create_type, customer, node_visible, nodes, partner,
    partner_account_type, relate,
};

/// The PostGraphile-compared shape (PEERS.md), with `$n` accounts.
const NESTED: &str = "query($n: Int!) { accounts(first: $n) { nodes { name
    relationships(first: 20) { nodes { label direction otherAccount { name
        ... on Account { relationships(first: 20) { nodes { label direction otherAccount { name } } } }
    } } }
} } }";

/// Statements of the nested query as an admin whose identity lookup is kept from an earlier
/// request: the accounts page and one per sides level.
const NESTED_STATEMENTS: u64 = 3;

/// A chain of `count` customers, each related to the next, and a partner related to all of them.
async fn chain(app: &TestApp, count: usize) -> Vec<String> {
    let partner_type = partner_account_type(app).await;
    let next = create_type(app, "Next", "ACCOUNT", "ACCOUNT", "Before", "After").await;
    let gsi = partner(app, "GSITECH").await;
    let mut accounts: Vec<String> = Vec::new();
    for i in 1..=count {
        let account = customer(app, &format!("A{i:02}")).await;
        relate(app, &partner_type, &gsi, &account).await;
        if let Some(previous) = accounts.last() {
            relate(app, &next, previous, &account).await;
        }
        accounts.push(account);
    }
    accounts
}

/// `label|direction|other account's name` of each side of a sides connection.
fn sides(connection: &Value) -> Vec<String> {
    nodes(connection)
        .iter()
        .map(|s| {
            format!(
                "{}|{}|{}",
                s["label"].as_str().unwrap_or("-"),
                s["direction"].as_str().unwrap_or("-"),
                s["otherAccount"]["name"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nested_query_costs_one_statement_per_level_for_any_page_size() {
    let app = TestApp::spawn().await;
    chain(&app, 25).await;
    let first = app.gql(Some(&app.admin()), NESTED, json!({ "n": 1 })).await;
    assert_eq!(
        first.statements,
        NESTED_STATEMENTS + 1,
        "the first request after a change looks its caller up"
    );
    let mut counts = Vec::new();
    for n in [1, 5, 20] {
        let reply = app.gql(Some(&app.admin()), NESTED, json!({ "n": n })).await;
        let accounts = nodes(&reply.data()["accounts"]);
        assert_eq!(accounts.len(), n);
        counts.push(reply.statements);
    }
    assert_eq!(
        counts,
        vec![NESTED_STATEMENTS; 3],
        "statements per page size"
    );

    let reply = app.gql(Some(&app.admin()), NESTED, json!({ "n": 3 })).await;
    let second = &nodes(&reply.data()["accounts"])[1];
    assert_eq!(second["name"], "A02");
    let level_one = nodes(&second["relationships"]);
    assert_eq!(
        sides(&second["relationships"]),
        vec![
            "Customer of|REVERSE|GSITECH",
            "After|REVERSE|A01",
            "Before|FORWARD|A03"
        ]
    );
    assert_eq!(
        sides(&level_one[2]["otherAccount"]["relationships"]),
        vec![
            "Customer of|REVERSE|GSITECH",
            "After|REVERSE|A02",
            "Before|FORWARD|A04"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joined_other_accounts_keep_the_viewers_scope() {
    let app = TestApp::spawn().await;
    let accounts = chain(&app, 4).await;
    let viewer = PortalContact::customer(&app, &accounts[0], "VIEWER", "viewer.a01").await;

    let reply = app
        .gql(Some(&viewer.token), NESTED, json!({ "n": 20 }))
        .await;
    let seen = nodes(&reply.data()["accounts"]);
    let a02 = seen
        .iter()
        .find(|a| a["name"] == "A02")
        .expect("A02 is related to the viewer's account");
    assert!(
        !seen.iter().any(|a| a["name"] == "A03"),
        "A03 is not visible"
    );
    // A02's link to A03 is listed (A02 is visible), its other account is not.
    assert_eq!(
        sides(&a02["relationships"]),
        vec![
            "Customer of|REVERSE|GSITECH",
            "After|REVERSE|A01",
            "Before|FORWARD|-"
        ]
    );
    assert!(nodes(&a02["relationships"])[2]["otherAccount"].is_null());
    assert!(!node_visible(&app, &viewer.token, &accounts[2]).await);
    // The same holds one level down: A01 -> A02 -> A03 stays hidden.
    let a01 = seen
        .iter()
        .find(|a| a["name"] == "A01")
        .expect("own account");
    let to_a02 = &nodes(&a01["relationships"])[1];
    assert_eq!(to_a02["otherAccount"]["name"], "A02");
    assert_eq!(
        sides(&to_a02["otherAccount"]["relationships"])[2],
        "Before|FORWARD|-"
    );
}
