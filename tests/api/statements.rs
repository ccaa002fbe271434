//! The number of SQL statements of a nested query depends on its shape, never on how many rows it
//! returns: every edge and lookup goes through the per-request dataloader.

use serde_json::json;

use crate::support::{
    CUSTOMER, TestApp, assign_role, consumer, contact, customer, customer_under, household, member,
};

/// How many parents (and households) the tests create: more than the largest page.
const ROWS: usize = 105;

/// Statements for `query` with `$n` = 1, 20 and 100, checking each page is full.
async fn statements_per_page_size(app: &TestApp, query: &str, list: &str) -> Vec<(usize, u64)> {
    let admin = app.admin();
    let mut counts = Vec::new();
    for n in [1usize, 20, 100] {
        let reply = app.gql(Some(&admin), query, json!({"n": n})).await;
        let data = reply.data();
        let edges = data[list]["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), n, "page of {n}");
        assert!(
            reply.statements > 0,
            "the server reports its statement count"
        );
        counts.push((n, reply.statements));
    }
    counts
}

const ACCOUNTS: &str = "query($n: Int!) { accounts(first: $n) { edges { node {
    name
    parent { name }
    children(first: 5) { totalCount nodes { name ... on Account { contacts(first: 5) { nodes { name roles } } } } }
    contacts(first: 5) { nodes { name account { name } } }
} } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_account_query_costs_the_same_for_1_20_and_100_rows() {
    let app = TestApp::spawn().await;
    // Names sort the parents first: AP001.. < BC001.. (children) < CROOT.
    let root = customer(&app, "CROOT").await;
    for i in 1..=ROWS {
        let parent = customer_under(&app, &format!("AP{i:03}"), &root).await;
        let child = customer_under(&app, &format!("BC{i:03}"), &parent).await;
        contact(&app, &parent, &format!("CP{i:03}"), None).await;
        let contact = contact(&app, &child, &format!("CC{i:03}"), None).await;
        if i <= 3 {
            assign_role(&app, &contact, CUSTOMER).await;
        }
    }

    // The rows are really there and nested as the query expects.
    let reply = app.gql(Some(&app.admin()), ACCOUNTS, json!({"n": 1})).await;
    let first = &reply.data()["accounts"]["edges"][0]["node"];
    assert_eq!(
        *first,
        json!({
            "name": "AP001",
            "parent": {"name": "CROOT"},
            "children": {"totalCount": 1, "nodes": [
                {"name": "BC001", "contacts": {"nodes": [{"name": "CC001", "roles": [CUSTOMER]}]}}
            ]},
            "contacts": {"nodes": [{"name": "CP001", "account": {"name": "AP001"}}]},
        })
    );

    let counts = statements_per_page_size(&app, ACCOUNTS, "accounts").await;
    let (_, one) = counts[0];
    for (n, count) in &counts {
        assert_eq!(
            *count, one,
            "statements for a page of {n} differ from a page of 1: {counts:?}"
        );
    }
    assert!(
        one <= 8,
        "too many statements for the nested query: {counts:?}"
    );
}

const HOUSEHOLDS: &str = "query($n: Int!) { households(first: $n) { edges { node {
    name
    head { name }
    members(first: 5) { totalCount nodes { name households(first: 5) { nodes { name } } } }
} } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_household_query_costs_the_same_for_1_20_and_100_rows() {
    let app = TestApp::spawn().await;
    for i in 1..=ROWS {
        let head = consumer(&app, &format!("K{i:03}A"), None).await;
        let other = consumer(&app, &format!("K{i:03}B"), None).await;
        let home = household(&app, &format!("H{i:03}"), Some(&head)).await;
        member(&app, &home, &other, None, None).await;
    }

    let reply = app
        .gql(Some(&app.admin()), HOUSEHOLDS, json!({"n": 1}))
        .await;
    assert_eq!(
        reply.data()["households"]["edges"][0]["node"],
        json!({
            "name": "H001",
            "head": {"name": "K001A"},
            "members": {"totalCount": 2, "nodes": [
                {"name": "K001A", "households": {"nodes": [{"name": "H001"}]}},
                {"name": "K001B", "households": {"nodes": [{"name": "H001"}]}},
            ]},
        })
    );

    let counts = statements_per_page_size(&app, HOUSEHOLDS, "households").await;
    let (_, one) = counts[0];
    for (n, count) in &counts {
        assert_eq!(
            *count, one,
            "statements for a page of {n} differ from a page of 1: {counts:?}"
        );
    }
    assert!(
        one <= 8,
        "too many statements for the nested query: {counts:?}"
    );
}
