//! Keyset pagination, forwards and backwards, on root lists and on edges: page contents, `pageInfo`,
//! `totalCount`, orderings, boundaries, and refused arguments and cursors.

use serde_json::{Value, json};

use crate::support::{
    Reply, TestApp, account, admin_ok, consumer, contact, customer, customer_under, household,
    member,
};

/// The selection every paginated list in this module asks for; `key` identifies a row.
const CONNECTION: &str = "totalCount edges { cursor node { key: id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

/// A paginated list: a query declaring `$first $after $last $before` (and `extra` variables),
/// whose connection sits at `path`.
struct List {
    query: String,
    path: Vec<String>,
    vars: Value,
}

/// One page as the API returned it.
#[derive(Debug)]
struct Page {
    keys: Vec<String>,
    cursors: Vec<String>,
    has_next: bool,
    has_previous: bool,
    start: Value,
    end: Value,
    total: u64,
}

impl List {
    /// A root list such as `accounts`, with optional `orderBy` of GraphQL type `order_type`.
    fn root(field: &str, order_type: Option<&str>, order: Value) -> Self {
        Self::build(field, order_type, order, None)
    }

    /// An edge of the node with `id`, reached through the inline fragment on `on`.
    fn edge(on: &str, field: &str, id: &str, order_type: Option<&str>, order: Value) -> Self {
        Self::build(field, order_type, order, Some((on, id)))
    }

    fn build(
        field: &str,
        order_type: Option<&str>,
        order: Value,
        parent: Option<(&str, &str)>,
    ) -> Self {
        let mut decls = "$first: Int, $after: String, $last: Int, $before: String".to_owned();
        let mut args = "first: $first, after: $after, last: $last, before: $before".to_owned();
        let mut vars = json!({});
        if let Some(order_type) = order_type {
            decls.push_str(&format!(", $order: {order_type}"));
            args.push_str(", orderBy: $order");
            vars["order"] = order;
        }
        let (query, mut path) = match parent {
            None => (
                format!("query({decls}) {{ {field}({args}) {{ {CONNECTION} }} }}"),
                vec![],
            ),
            Some((on, id)) => {
                decls.push_str(", $id: ID!");
                vars["id"] = json!(id);
                (
                    format!(
                        "query({decls}) {{ node(id: $id) {{ ... on {on} {{ {field}({args}) {{ {CONNECTION} }} }} }} }}"
                    ),
                    vec!["node".to_owned()],
                )
            }
        };
        path.push(field.to_owned());
        Self { query, path, vars }
    }

    /// The raw reply for page arguments `args` (merged with the list's own variables).
    async fn reply(&self, app: &TestApp, args: Value) -> Reply {
        let mut vars = self.vars.clone();
        for (k, v) in args.as_object().expect("object") {
            vars[k] = v.clone();
        }
        app.gql(Some(&app.admin()), &self.query, vars).await
    }

    /// One page, failing the test on errors.
    async fn page(&self, app: &TestApp, args: Value) -> Page {
        let reply = self.reply(app, args.clone()).await;
        let mut conn = reply.data();
        for step in &self.path {
            conn = &conn[step.as_str()];
        }
        assert!(
            conn.is_object(),
            "no connection for {args} in {}",
            reply.body
        );
        let edges = conn["edges"].as_array().expect("edges");
        Page {
            keys: edges
                .iter()
                .map(|e| e["node"]["key"].as_str().unwrap().to_owned())
                .collect(),
            cursors: edges
                .iter()
                .map(|e| e["cursor"].as_str().unwrap().to_owned())
                .collect(),
            has_next: conn["pageInfo"]["hasNextPage"].as_bool().unwrap(),
            has_previous: conn["pageInfo"]["hasPreviousPage"].as_bool().unwrap(),
            start: conn["pageInfo"]["startCursor"].clone(),
            end: conn["pageInfo"]["endCursor"].clone(),
            total: conn["totalCount"].as_u64().unwrap(),
        }
    }
}

fn check_cursors(page: &Page) {
    assert_eq!(
        page.start,
        json!(page.cursors.first()),
        "startCursor: {page:?}"
    );
    assert_eq!(page.end, json!(page.cursors.last()), "endCursor: {page:?}");
}

/// Walks the list forwards with `first: size` and backwards with `last: size` and checks both
/// against `expected`, with `pageInfo` and `totalCount` on every page.
async fn check_both_ways(app: &TestApp, list: &List, expected: &[String], size: usize) {
    let n = expected.len();
    let pages = n.div_ceil(size);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for i in 0..pages {
        let page = list.page(app, json!({"first": size, "after": after})).await;
        check_cursors(&page);
        assert_eq!(page.total, n as u64, "totalCount on forward page {i}");
        let want = &expected[i * size..n.min((i + 1) * size)];
        assert_eq!(page.keys, want, "forward page {i}");
        assert_eq!(
            page.has_next,
            i + 1 < pages,
            "hasNextPage on forward page {i}"
        );
        assert_eq!(
            page.has_previous,
            i > 0,
            "hasPreviousPage on forward page {i}"
        );
        seen.extend(page.keys.clone());
        after = page.cursors.last().cloned();
    }
    assert_eq!(seen, expected, "all forward pages");

    let mut seen: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    for i in 0..pages {
        let page = list
            .page(app, json!({"last": size, "before": before}))
            .await;
        check_cursors(&page);
        assert_eq!(page.total, n as u64, "totalCount on backward page {i}");
        let hi = n - i * size;
        let want = &expected[hi.saturating_sub(size)..hi];
        assert_eq!(page.keys, want, "backward page {i}");
        assert_eq!(
            page.has_previous,
            i + 1 < pages,
            "hasPreviousPage on backward page {i}"
        );
        assert_eq!(page.has_next, i > 0, "hasNextPage on backward page {i}");
        let mut keys = page.keys.clone();
        keys.extend(seen);
        seen = keys;
        before = page.cursors.first().cloned();
    }
    assert_eq!(seen, expected, "all backward pages");
}

/// Page sizes and cursors at the edges of the list.
async fn check_boundaries(app: &TestApp, list: &List, expected: &[String]) {
    let n = expected.len();
    assert!(n >= 6, "boundary checks need a few rows");

    let page = list.page(app, json!({"first": 0})).await;
    assert!(page.keys.is_empty(), "first: 0 returns no rows");
    assert_eq!(page.total, n as u64);
    assert!(page.has_next, "first: 0 has rows after it");
    assert!(!page.has_previous);
    assert_eq!(page.start, Value::Null);
    assert_eq!(page.end, Value::Null);

    let page = list.page(app, json!({"last": 0})).await;
    assert!(page.keys.is_empty(), "last: 0 returns no rows");
    assert!(page.has_previous, "last: 0 has rows before it");
    assert!(!page.has_next);

    for size in [n, n + 1, 100] {
        let page = list.page(app, json!({"first": size})).await;
        assert_eq!(page.keys, expected, "first: {size}");
        assert!(!page.has_next && !page.has_previous, "first: {size}");
        let page = list.page(app, json!({"last": size})).await;
        assert_eq!(page.keys, expected, "last: {size}");
        assert!(!page.has_next && !page.has_previous, "last: {size}");
    }

    let all = list.page(app, json!({"first": n})).await;
    let first_cursor = all.cursors.first().unwrap().clone();
    let last_cursor = all.cursors.last().unwrap().clone();

    let page = list
        .page(app, json!({"first": 3, "after": last_cursor}))
        .await;
    assert!(page.keys.is_empty(), "after the last cursor");
    assert!(!page.has_next, "nothing after the last row");
    assert!(page.has_previous, "rows before the last cursor");
    assert_eq!(page.total, n as u64);
    assert_eq!(page.start, Value::Null);

    let page = list
        .page(app, json!({"last": 3, "before": first_cursor}))
        .await;
    assert!(page.keys.is_empty(), "before the first cursor");
    assert!(!page.has_previous, "nothing before the first row");
    assert!(page.has_next, "rows after the first cursor");

    let page = list
        .page(app, json!({"first": 3, "before": first_cursor}))
        .await;
    assert!(page.keys.is_empty(), "first: 3 before the first cursor");

    // Forward from the first cursor starts with the second row; backward from the last ends with
    // the last but one.
    let page = list
        .page(app, json!({"first": 2, "after": first_cursor}))
        .await;
    assert_eq!(page.keys, &expected[1..3]);
    assert!(page.has_previous && page.has_next);
    let page = list
        .page(app, json!({"last": 2, "before": last_cursor}))
        .await;
    assert_eq!(page.keys, &expected[n - 3..n - 1]);
    assert!(page.has_previous && page.has_next);

    // Both cursors: the rows strictly between them.
    let between = json!({"first": 100, "after": all.cursors[1], "before": all.cursors[n - 2]});
    let page = list.page(app, between).await;
    assert_eq!(page.keys, &expected[2..n - 2], "between two cursors");
    assert!(page.has_previous && page.has_next, "rows on both sides");
    let between = json!({"last": 100, "after": all.cursors[1], "before": all.cursors[n - 2]});
    let page = list.page(app, between).await;
    assert_eq!(
        page.keys,
        &expected[2..n - 2],
        "between two cursors, backwards"
    );
    let between = json!({"first": 1, "after": all.cursors[1], "before": all.cursors[n - 2]});
    let page = list.page(app, between).await;
    assert_eq!(page.keys, &expected[2..3], "first row between two cursors");
    assert!(page.has_next);
}

/// Arguments the API refuses with `BAD_USER_INPUT` and the offending argument.
async fn check_refusals(app: &TestApp, list: &List, other_ordering: Option<&List>) {
    let cursor = list.page(app, json!({"first": 1})).await.cursors[0].clone();
    let mut cases = vec![
        (json!({"first": 1, "last": 1}), "last"),
        (json!({"first": 101}), "first"),
        (json!({"last": 101}), "last"),
        (json!({"first": -1}), "first"),
        (json!({"last": -1}), "last"),
        (json!({"first": 2, "after": "not-a-cursor"}), "after"),
        (json!({"first": 2, "after": "%%%"}), "after"),
        (json!({"last": 2, "before": "not-a-cursor"}), "before"),
        (
            json!({"first": 2, "after": base64_json(&json!({"x": 1}))}),
            "after",
        ),
        (
            json!({"first": 2, "after": base64_json(&json!({"o": "NAME", "i": "not-a-uuid"}))}),
            "after",
        ),
    ];
    cases.push((json!({"first": 1, "last": 1, "after": cursor}), "last"));
    for (args, field) in cases {
        let reply = list.reply(app, args.clone()).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{args}: {}", reply.body);
        assert_eq!(reply.field(), field, "{args}: {}", reply.body);
    }
    if let Some(other) = other_ordering {
        for (args, field) in [
            (json!({"first": 2, "after": cursor}), "after"),
            (json!({"last": 2, "before": cursor}), "before"),
        ] {
            let reply = other.reply(app, args.clone()).await;
            assert_eq!(
                reply.code(),
                "BAD_USER_INPUT",
                "a cursor of another ordering, {args}: {}",
                reply.body
            );
            assert_eq!(reply.field(), field);
        }
    }
}

fn base64_json(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Names in creation order, with repeats so ties across page boundaries are exercised.
const NAMES: [&str; 8] = [
    "DELTA", "ALPHA", "FOXTROT", "BRAVO", "CHARLIE", "BRAVO", "ECHO", "BRAVO",
];

/// `ids` (in creation order, named by `NAMES`) sorted by name, ties by creation.
fn by_name(ids: &[String], names: &[&str]) -> Vec<String> {
    let mut rows: Vec<(&str, usize)> = names.iter().copied().zip(0..).collect();
    rows.sort();
    rows.into_iter().map(|(_, i)| ids[i].clone()).collect()
}

fn reversed(ids: &[String]) -> Vec<String> {
    ids.iter().rev().cloned().collect()
}

fn order(field: &str, direction: &str) -> Value {
    json!({"field": field, "direction": direction})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_page_both_ways_in_every_ordering() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for name in NAMES {
        ids.push(customer(&app, name).await);
    }
    // A partner-only account is not part of `accounts`.
    account(&app, "AAAPARTNER", false, true, None).await;

    let named = by_name(&ids, &NAMES);
    let cases = [
        (json!(null), named.clone()),
        (order("NAME", "ASC"), named.clone()),
        (order("NAME", "DESC"), reversed(&named)),
        (order("CREATED_AT", "ASC"), ids.clone()),
        (order("CREATED_AT", "DESC"), reversed(&ids)),
        (order("NUMBER", "ASC"), ids.clone()),
        (order("NUMBER", "DESC"), reversed(&ids)),
    ];
    for (ordering, expected) in cases {
        let list = List::root("accounts", Some("AccountOrder"), ordering);
        for size in [1, 3, 8] {
            check_both_ways(&app, &list, &expected, size).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_boundaries_and_refusals() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for name in NAMES {
        ids.push(customer(&app, name).await);
    }
    let list = List::root("accounts", Some("AccountOrder"), order("NAME", "ASC"));
    check_boundaries(&app, &list, &by_name(&ids, &NAMES)).await;
    let by_created = List::root("accounts", Some("AccountOrder"), order("CREATED_AT", "ASC"));
    check_boundaries(&app, &by_created, &ids).await;
    let by_number = List::root("accounts", Some("AccountOrder"), order("NUMBER", "ASC"));
    check_refusals(&app, &list, Some(&by_created)).await;
    check_refusals(&app, &by_created, Some(&by_number)).await;
    check_refusals(&app, &by_number, Some(&list)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_page_both_ways_with_boundaries_and_refusals() {
    let app = TestApp::spawn().await;
    let first = customer(&app, "FIRSTCO").await;
    let second = customer(&app, "SECONDCO").await;
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let account = if i % 2 == 0 { &first } else { &second };
        ids.push(contact(&app, account, name, None).await);
    }
    let named = by_name(&ids, &NAMES);
    for (ordering, expected) in [
        (json!(null), named.clone()),
        (order("NAME", "ASC"), named.clone()),
        (order("NAME", "DESC"), reversed(&named)),
        (order("CREATED_AT", "ASC"), ids.clone()),
        (order("CREATED_AT", "DESC"), reversed(&ids)),
    ] {
        let list = List::root("contacts", Some("NameOrder"), ordering);
        for size in [2, 3] {
            check_both_ways(&app, &list, &expected, size).await;
        }
    }
    let list = List::root("contacts", Some("NameOrder"), order("NAME", "DESC"));
    check_boundaries(&app, &list, &reversed(&named)).await;
    let other = List::root("contacts", Some("NameOrder"), order("CREATED_AT", "DESC"));
    check_refusals(&app, &list, Some(&other)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_an_account_page_both_ways() {
    let app = TestApp::spawn().await;
    let parent = customer(&app, "PARENT").await;
    let other = customer(&app, "OTHER").await;
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        // Children of both flavours: partner-only children are listed as `Partner`.
        let partner = i == 2;
        let id = account(&app, name, !partner, partner, Some(&parent)).await;
        ids.push(id);
        // Children of another account interleaved, which must not leak into this edge.
        customer_under(&app, name, &other).await;
    }
    // A grandchild is not a direct child.
    customer_under(&app, "AAAGRANDCHILD", &ids[0]).await;

    let named = by_name(&ids, &NAMES);
    for (ordering, expected) in [
        (json!(null), named.clone()),
        (order("NAME", "DESC"), reversed(&named)),
        (order("CREATED_AT", "ASC"), ids.clone()),
        (order("CREATED_AT", "DESC"), reversed(&ids)),
        (order("NUMBER", "ASC"), ids.clone()),
    ] {
        let list = List::edge(
            "Account",
            "children",
            &parent,
            Some("AccountOrder"),
            ordering,
        );
        for size in [2, 3] {
            check_both_ways(&app, &list, &expected, size).await;
        }
    }
    let list = List::edge(
        "Account",
        "children",
        &parent,
        Some("AccountOrder"),
        order("NAME", "ASC"),
    );
    check_boundaries(&app, &list, &named).await;
    let other_order = List::edge(
        "Account",
        "children",
        &parent,
        Some("AccountOrder"),
        order("CREATED_AT", "ASC"),
    );
    check_refusals(&app, &list, Some(&other_order)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_of_an_account_page_both_ways() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    let other = customer(&app, "OTHER").await;
    let mut ids = Vec::new();
    for name in NAMES {
        ids.push(contact(&app, &account, name, None).await);
        contact(&app, &other, name, None).await;
    }
    let named = by_name(&ids, &NAMES);
    for (ordering, expected) in [
        (json!(null), named.clone()),
        (order("NAME", "ASC"), named.clone()),
        (order("NAME", "DESC"), reversed(&named)),
        (order("CREATED_AT", "ASC"), ids.clone()),
        (order("CREATED_AT", "DESC"), reversed(&ids)),
    ] {
        let list = List::edge("Account", "contacts", &account, Some("NameOrder"), ordering);
        for size in [1, 3] {
            check_both_ways(&app, &list, &expected, size).await;
        }
    }
    let list = List::edge(
        "Account",
        "contacts",
        &account,
        Some("NameOrder"),
        order("CREATED_AT", "DESC"),
    );
    check_boundaries(&app, &list, &reversed(&ids)).await;
    let other_order = List::edge(
        "Account",
        "contacts",
        &account,
        Some("NameOrder"),
        order("NAME", "DESC"),
    );
    check_refusals(&app, &list, Some(&other_order)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_of_a_household_page_both_ways() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let home = household(&app, "HOME", Some(&head)).await;
    let other_home = household(&app, "OTHERHOME", None).await;
    // Members are listed in the order they joined; the head joined first.
    let mut ids = vec![head];
    for name in ["ZULU", "ALPHA", "MIKE", "BRAVO", "YANKEE", "ALPHA"] {
        let consumer = consumer(&app, name, None).await;
        member(&app, &home, &consumer, None, None).await;
        member(&app, &other_home, &consumer, None, None).await;
        ids.push(consumer);
    }
    // A past member is not a current member.
    let former = consumer(&app, "FORMER", None).await;
    member(&app, &home, &former, Some("2000-01-01"), Some("2000-12-31")).await;

    let list = List::edge("Household", "members", &home, None, json!(null));
    for size in [1, 2, 3] {
        check_both_ways(&app, &list, &ids, size).await;
    }
    check_boundaries(&app, &list, &ids).await;
    check_refusals(&app, &list, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edge_over_many_parents_pages_each_parent_separately() {
    let app = TestApp::spawn().await;
    let big = customer(&app, "BIG").await;
    let small = customer(&app, "SMALL").await;
    let lonely = customer(&app, "LONELY").await;
    let mut big_children = Vec::new();
    for name in ["B1", "B2", "B3", "B4", "B5"] {
        big_children.push(customer_under(&app, name, &big).await);
    }
    let small_child = customer_under(&app, "S1", &small).await;
    let data = admin_ok(&app, "{ accounts(filter: {rootsOnly: true}) { nodes { id name
                 children(first: 2) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage } }
                 last: children(last: 2) { nodes { id } pageInfo { hasNextPage hasPreviousPage } } } } }",
            json!({}),
        )
        .await;
    let nodes = data["accounts"]["nodes"].as_array().unwrap();
    let find = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap().clone();
    let b = find(&big);
    assert_eq!(b["children"]["totalCount"], 5);
    assert_eq!(
        b["children"]["nodes"],
        json!([{"id": big_children[0]}, {"id": big_children[1]}])
    );
    assert_eq!(b["children"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        b["last"]["nodes"],
        json!([{"id": big_children[3]}, {"id": big_children[4]}])
    );
    assert_eq!(b["last"]["pageInfo"]["hasPreviousPage"], true);
    let s = find(&small);
    assert_eq!(s["children"]["totalCount"], 1);
    assert_eq!(s["children"]["nodes"], json!([{"id": small_child}]));
    assert_eq!(s["children"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(s["last"]["nodes"], json!([{"id": small_child}]));
    assert_eq!(s["last"]["pageInfo"]["hasPreviousPage"], false);
    let l = find(&lonely);
    assert_eq!(l["children"]["totalCount"], 0);
    assert_eq!(l["children"]["nodes"], json!([]));
    assert_eq!(l["children"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_and_maximum_page_sizes() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    for i in 0..25 {
        contact(&app, &account, &format!("C{i:02}"), None).await;
    }
    // Without first or last, a page holds the default 20 rows.
    let data = admin_ok(
        &app,
        "{ contacts { totalCount nodes { id } pageInfo { hasNextPage } } }",
        json!({}),
    )
    .await;
    assert_eq!(data["contacts"]["totalCount"], 25);
    assert_eq!(data["contacts"]["nodes"].as_array().unwrap().len(), 20);
    assert_eq!(data["contacts"]["pageInfo"]["hasNextPage"], true);
    // 100 is allowed, 101 is not.
    let data = admin_ok(&app, "{ contacts(first: 100) { nodes { id } } }", json!({})).await;
    assert_eq!(data["contacts"]["nodes"].as_array().unwrap().len(), 25);
    let reply = app
        .gql(
            Some(&app.admin()),
            "{ contacts(first: 101) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    assert_eq!(reply.field(), "first");
}
