//! The account hierarchy (DOMAIN.md §2): a tree 8 levels deep with 200 accounts side by side,
//! ancestors, hierarchy root and descendants at any depth with pagination, statement counts that do
//! not depend on depth or width, and refused cycles and self-parenting.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    TestApp, admin_ok, assert_refused, customer, customer_under, deleted_account, manager, names,
    node, nodes, strings,
};

const WIDTH: usize = 200;
const DEPTH: usize = 8;
/// The level the 200 accounts hang under.
const FAN_OUT_LEVEL: usize = 4;

const UPDATE_ACCOUNT: &str = "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { name ... on Account { parent { name } } } } }";
const PLACE: &str = "query($id: ID!) { node(id: $id) { ... on Account { name parent { name } ancestors { name } hierarchyRoot { name } descendants(first: 100) { totalCount } } } }";

fn level(n: usize) -> String {
    format!("LEVEL{n}")
}

fn wide(n: usize) -> String {
    format!("WIDE{n:03}")
}

/// LEVEL1 (root) .. LEVEL8 in a chain, and WIDE001..WIDE200 under LEVEL4, created out of name
/// order so that creation order and name order differ. Returns the level IDs and the wide IDs by
/// number (index 0 is WIDE001).
async fn build_tree(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let mut levels: Vec<String> = Vec::new();
    for n in 1..=DEPTH {
        let id = match levels.last() {
            None => customer(app, &level(n)).await,
            Some(parent) => customer_under(app, &level(n), parent).await,
        };
        levels.push(id);
    }
    let mut wides = vec![String::new(); WIDTH];
    for i in 0..WIDTH {
        // 73 is coprime with 200, so this visits every number once, out of order.
        let n = (i * 73) % WIDTH + 1;
        wides[n - 1] = customer_under(app, &wide(n), &levels[FAN_OUT_LEVEL - 1]).await;
    }
    (levels, wides)
}

/// The depth every account of the tree has below LEVEL1.
fn expected_depths() -> Vec<(i64, String)> {
    let mut all: Vec<(i64, String)> = (2..=DEPTH).map(|n| (n as i64 - 1, level(n))).collect();
    all.extend((1..=WIDTH).map(|n| (FAN_OUT_LEVEL as i64, wide(n))));
    all
}

/// Walks `descendants` of `id` forward with pages of `size`; returns (depth, name) in list order.
async fn walk_descendants(app: &TestApp, id: &str, size: i64) -> Vec<(i64, String)> {
    let query = "query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Account { descendants(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { depth account { name } } } } } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = admin_ok(app, query, json!({"id": id, "first": size, "after": after})).await;
        let page = &data["node"]["descendants"];
        let edges = page["edges"].as_array().expect("edges").clone();
        assert!(edges.len() as i64 <= size);
        assert_eq!(
            page["pageInfo"]["hasPreviousPage"],
            pages > 0,
            "hasPreviousPage on page {pages}"
        );
        if let Some(last) = edges.last() {
            assert_eq!(page["pageInfo"]["endCursor"], last["cursor"]);
        }
        for edge in &edges {
            seen.push((
                edge["node"]["depth"].as_i64().expect("depth"),
                edge["node"]["account"]["name"]
                    .as_str()
                    .expect("name")
                    .to_owned(),
            ));
        }
        pages += 1;
        assert!(pages < 100, "pagination does not end");
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert_eq!(edges.len() as i64, size, "only the last page is short");
        after = page["pageInfo"]["endCursor"].clone();
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ancestors_and_descendants_are_complete_and_cost_the_same_anywhere_in_a_deep_wide_tree() {
    let app = TestApp::spawn().await;
    let (levels, wides) = build_tree(&app).await;
    let root = &levels[0];
    let middle = &levels[FAN_OUT_LEVEL - 1];
    let deepest = &levels[DEPTH - 1];

    // From the deepest account: every ancestor, nearest first, and the root.
    let place = admin_ok(&app, PLACE, json!({"id": deepest})).await;
    let expected: Vec<String> = (1..DEPTH).rev().map(level).collect();
    assert_eq!(names_of(&place["node"]["ancestors"]), expected);
    assert_eq!(place["node"]["hierarchyRoot"]["name"], "LEVEL1");
    assert_eq!(place["node"]["parent"]["name"], "LEVEL7");
    assert_eq!(place["node"]["descendants"]["totalCount"], 0);

    // From one of the wide accounts.
    let place = admin_ok(&app, PLACE, json!({"id": wides[122]})).await;
    assert_eq!(place["node"]["name"], "WIDE123");
    assert_eq!(
        names_of(&place["node"]["ancestors"]),
        strings(&["LEVEL4", "LEVEL3", "LEVEL2", "LEVEL1"])
    );
    assert_eq!(place["node"]["hierarchyRoot"]["name"], "LEVEL1");

    // The root is its own hierarchy root and has no ancestors.
    let place = admin_ok(&app, PLACE, json!({"id": root})).await;
    assert_eq!(names_of(&place["node"]["ancestors"]), Vec::<String>::new());
    assert!(place["node"]["parent"].is_null());
    assert_eq!(place["node"]["hierarchyRoot"]["name"], "LEVEL1");
    assert_eq!(
        place["node"]["descendants"]["totalCount"],
        (DEPTH - 1 + WIDTH) as i64
    );

    // Every descendant of the root exactly once, with its depth, nearest levels first, whatever the
    // page size.
    let mut expected = expected_depths();
    expected.sort();
    for size in [100, 50, 7] {
        let walked = walk_descendants(&app, root, size).await;
        assert_eq!(walked.len(), DEPTH - 1 + WIDTH, "page size {size}");
        assert!(
            walked.windows(2).all(|w| w[0].0 <= w[1].0),
            "nearest levels first (page size {size})"
        );
        let mut sorted = walked.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "page size {size}");
    }
    // From the middle: four levels below and the 200 at depth 1.
    let walked = walk_descendants(&app, middle, 100).await;
    assert_eq!(walked.len(), 4 + WIDTH);
    let at_depth = |d: i64| -> BTreeSet<String> {
        walked
            .iter()
            .filter(|(depth, _)| *depth == d)
            .map(|(_, n)| n.clone())
            .collect()
    };
    let mut first_level: BTreeSet<String> = (1..=WIDTH).map(wide).collect();
    first_level.insert(level(5));
    assert_eq!(at_depth(1), first_level);
    assert_eq!(at_depth(4), BTreeSet::from([level(8)]));

    // Backward: the last three are the three deepest levels.
    let data = node(&app, root, "... on Account { descendants(last: 3) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { depth account { name } } } }").await;
    let page = &data["descendants"];
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(
        nodes(page),
        vec![
            json!({"depth": 5, "account": {"name": "LEVEL6"}}),
            json!({"depth": 6, "account": {"name": "LEVEL7"}}),
            json!({"depth": 7, "account": {"name": "LEVEL8"}}),
        ]
    );

    // Direct children, and the list filters built on the hierarchy.
    let data = admin_ok(
        &app,
        "query($id: ID!) { node(id: $id) { ... on Account { children(first: 3) { totalCount nodes { name } } } }
                          roots: accounts(filter: {rootsOnly: true}) { totalCount nodes { name } }
                          under: accounts(filter: {parentId: $id}, first: 1) { totalCount } }",
        json!({"id": middle}),
    )
    .await;
    assert_eq!(data["node"]["children"]["totalCount"], (WIDTH + 1) as i64);
    assert_eq!(
        names(&data["node"]["children"]),
        strings(&["LEVEL5", "WIDE001", "WIDE002"]),
        "children are listed by name"
    );
    assert_eq!(names(&data["roots"]), vec!["LEVEL1"]);
    assert_eq!(data["under"]["totalCount"], (WIDTH + 1) as i64);

    // Statement counts do not depend on where in the tree the account is: the inner levels L2, L4
    // and L7 (1, 3 and 6 ancestors; 206, 204 and 1 descendants) cost exactly the same. The root has
    // no ancestors to load and a leaf no descendants to check, and the server skips the statement
    // that would read nothing, so those may cost less, never more.
    let query = "query($id: ID!) { node(id: $id) { ... on Account { name ancestors { name } hierarchyRoot { name } descendants(first: 100) { totalCount nodes { depth account { name } } } } } }";
    let manager = manager(&app);
    app.warm_up(&manager).await;
    let mut counts = Vec::new();
    for id in [root, &levels[1], middle, &levels[6], deepest, &wides[0]] {
        let reply = app.gql(Some(&manager), query, json!({"id": id})).await;
        reply.data();
        counts.push(reply.statements);
    }
    let inner = &counts[1..4];
    assert!(inner[0] > 0, "the statement header is present");
    assert!(
        inner.iter().all(|c| *c == inner[0]),
        "inner levels (L2, L4, L7) differ: {counts:?}"
    );
    for (what, count) in [
        ("root", counts[0]),
        ("LEVEL8", counts[4]),
        ("WIDE001", counts[5]),
    ] {
        assert!(
            count <= inner[0],
            "{what} costs more than an inner level: {counts:?} (root, L2, L4, L7, L8, WIDE001)"
        );
    }

    // The same edges on every row of a list: one page of 1 costs what a page of 50 costs.
    let query = "query($first: Int!) { accounts(filter: {nameContains: \"WIDE\"}, first: $first) { nodes { name ancestors { name } hierarchyRoot { name } } } }";
    let mut list_counts = Vec::new();
    for first in [1, 50] {
        let reply = app
            .gql(Some(&manager), query, json!({ "first": first }))
            .await;
        let rows = nodes(&reply.data()["accounts"]);
        assert_eq!(rows.len(), first as usize);
        for row in &rows {
            assert_eq!(
                names_of(&row["ancestors"]),
                strings(&["LEVEL4", "LEVEL3", "LEVEL2", "LEVEL1"])
            );
            assert_eq!(row["hierarchyRoot"]["name"], "LEVEL1");
        }
        list_counts.push(reply.statements);
    }
    assert_eq!(
        list_counts[0], list_counts[1],
        "accounts(first: 1) vs accounts(first: 50): {list_counts:?}"
    );
    // Rows at every depth in one page: still the same count.
    let reply = app
        .gql(
            Some(&manager),
            "{ accounts(filter: {nameContains: \"LEVEL\"}, first: 50) { nodes { name ancestors { name } hierarchyRoot { name } } } }",
            json!({}),
        )
        .await;
    let rows = nodes(&reply.data()["accounts"]);
    assert_eq!(rows.len(), DEPTH);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["ancestors"].as_array().expect("ancestors").len(), i);
        assert_eq!(row["hierarchyRoot"]["name"], "LEVEL1");
    }
    assert_eq!(reply.statements, list_counts[0]);
}

fn names_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_and_self_parenting_are_refused_and_clear_parent_works() {
    let app = TestApp::spawn().await;
    let top = customer(&app, "TOP").await;
    let mid = customer_under(&app, "MID", &top).await;
    let low = customer_under(&app, "LOW", &mid).await;
    let other = customer(&app, "OTHER").await;
    let gone = deleted_account(&app, "GONE").await;
    let admin = app.admin();

    let refusals = [
        (json!({"id": mid, "parentId": mid}), "parentId"),
        (json!({"id": top, "parentId": low}), "parentId"),
        (json!({"id": top, "parentId": mid}), "parentId"),
        (json!({"id": mid, "parentId": low}), "parentId"),
        (json!({"id": mid, "parentId": gone}), "parentId"),
        (
            json!({"id": mid, "parentId": other, "clearParent": true}),
            "clearParent",
        ),
    ];
    for (input, field) in refusals {
        let reply = app
            .gql(Some(&admin), UPDATE_ACCOUNT, json!({ "i": input }))
            .await;
        assert_refused(&reply, "BAD_USER_INPUT", Some(field));
    }
    // A new account under a missing parent is refused too, and not created.
    let reply = app
        .gql(
            Some(&admin),
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({"i": {"name": "ORPHAN", "isCustomer": true, "parentId": gone}}),
        )
        .await;
    assert_refused(&reply, "BAD_USER_INPUT", Some("parentId"));

    // Nothing moved.
    let place = admin_ok(&app, PLACE, json!({"id": low})).await;
    assert_eq!(
        names_of(&place["node"]["ancestors"]),
        strings(&["MID", "TOP"])
    );
    let place = admin_ok(&app, PLACE, json!({"id": top})).await;
    assert!(place["node"]["parent"].is_null());
    assert_eq!(place["node"]["descendants"]["totalCount"], 2);
    let all = admin_ok(&app, "{ accounts { totalCount } }", json!({})).await;
    assert_eq!(all["accounts"]["totalCount"], 4, "ORPHAN was not created");

    // Moving a subtree elsewhere is fine, and so is clearing the parent.
    let moved = app
        .ok(
            &manager(&app),
            UPDATE_ACCOUNT,
            json!({"i": {"id": mid, "parentId": other}}),
        )
        .await;
    assert_eq!(moved["updateAccount"]["account"]["parent"]["name"], "OTHER");
    let place = admin_ok(&app, PLACE, json!({"id": low})).await;
    assert_eq!(
        names_of(&place["node"]["ancestors"]),
        strings(&["MID", "OTHER"])
    );
    assert_eq!(place["node"]["hierarchyRoot"]["name"], "OTHER");
    let place = admin_ok(&app, PLACE, json!({"id": top})).await;
    assert_eq!(place["node"]["descendants"]["totalCount"], 0);

    let cleared = app
        .ok(
            &manager(&app),
            UPDATE_ACCOUNT,
            json!({"i": {"id": mid, "clearParent": true}}),
        )
        .await;
    assert!(cleared["updateAccount"]["account"]["parent"].is_null());
    let place = admin_ok(&app, PLACE, json!({"id": mid})).await;
    assert_eq!(names_of(&place["node"]["ancestors"]), Vec::<String>::new());
    assert_eq!(place["node"]["hierarchyRoot"]["name"], "MID");
    assert_eq!(place["node"]["descendants"]["totalCount"], 1);
    let place = admin_ok(&app, PLACE, json!({"id": low})).await;
    assert_eq!(names_of(&place["node"]["ancestors"]), strings(&["MID"]));
    assert_eq!(place["node"]["hierarchyRoot"]["name"], "MID");
    let place = admin_ok(&app, PLACE, json!({"id": other})).await;
    assert_eq!(place["node"]["descendants"]["totalCount"], 0);

    // Now that TOP is no longer above MID, TOP may go under LOW.
    let moved = admin_ok(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": top, "parentId": low}}),
    )
    .await;
    assert_eq!(moved["updateAccount"]["account"]["parent"]["name"], "LOW");
    let place = admin_ok(&app, PLACE, json!({"id": top})).await;
    assert_eq!(
        names_of(&place["node"]["ancestors"]),
        strings(&["LOW", "MID"])
    );
}
