//! The number of SQL statements of a query depends on its shape, never on how many rows it
//! returns: every edge and lookup goes through the per-request dataloader. Nested account and
//! household pages, households and consumers with their members, relationships and teams, and
//! `viewer.cases` with every case edge (the same for a partner admin, whose list the access engine
//! filters, as for an admin).

use serde_json::{Value, json};

use crate::support::{
    ADMIN, CUSTOMER, PortalContact, StaffUser, TestApp, assign_role, comment, consumer, contact,
    create_case_as, customer, customer_under, household, id, member, partner, partner_account_type,
    relate, relationship_agent, represent, set_primary_household, team_member,
};

/// How many parents (and households) the nested-page tests create: more than the largest page.
const ROWS: usize = 105;

/// The data and statement count of `query` as `token` for each page size `$n`.
async fn replies_per_page_size(
    app: &TestApp,
    token: &str,
    query: &str,
    sizes: &[usize],
) -> Vec<(Value, u64)> {
    app.warm_up(token).await;
    let mut replies = Vec::new();
    for n in sizes {
        let reply = app.gql(Some(token), query, json!({ "n": n })).await;
        assert!(
            reply.statements > 0,
            "the server reports its statement count"
        );
        replies.push((reply.data().clone(), reply.statements));
    }
    replies
}

/// Statements for `query` with `$n` = 1, 20 and 100, checking each page of `list` is full.
async fn statements_per_page_size(app: &TestApp, query: &str, list: &str) -> Vec<u64> {
    let sizes = [1, 20, 100];
    let replies = replies_per_page_size(app, &app.admin(), query, &sizes).await;
    for (n, (data, _)) in sizes.iter().zip(&replies) {
        let edges = data[list]["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), *n, "page of {n}");
    }
    replies.into_iter().map(|(_, count)| count).collect()
}

/// Fails unless every count equals the first, naming `what` was counted.
fn assert_same_statements(counts: &[u64], what: &str) {
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "statements grow with the page size for {what}: {counts:?}"
    );
}

/// Fails unless a nested page costs the same for every size, and at most eight statements.
fn assert_flat_and_small(counts: &[u64]) {
    assert_same_statements(counts, "the nested query (pages of 1, 20, 100)");
    assert!(
        counts[0] <= 8,
        "too many statements for the nested query: {counts:?}"
    );
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
                {"name": "BC001", "contacts": {"nodes": [{"name": "CC001", "roles": ["CUSTOMER"]}]}}
            ]},
            "contacts": {"nodes": [{"name": "CP001", "account": {"name": "AP001"}}]},
        })
    );

    assert_flat_and_small(&statements_per_page_size(&app, ACCOUNTS, "accounts").await);
}

const NESTED_HOUSEHOLDS: &str = "query($n: Int!) { households(first: $n) { edges { node {
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
        .gql(Some(&app.admin()), NESTED_HOUSEHOLDS, json!({"n": 1}))
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

    assert_flat_and_small(&statements_per_page_size(&app, NESTED_HOUSEHOLDS, "households").await);
}

const HOUSEHOLDS: &str = "query($n: Int!) { households(first: $n) { nodes {
    name head { name }
    members { nodes { name } }
    memberRelationships { nodes { consumer { name } relatedConsumer { name } } }
    team { nodes { user { name } responsibility { name } } }
} } }";

const CONSUMERS: &str = "query($n: Int!) { consumers(first: $n) { nodes {
    name primaryHousehold { name }
    households { nodes { name } }
    memberships { nodes { startDate household { name } } }
    relationships { nodes { direction label otherConsumer { name } household { name } responsibility { name } } }
    team { nodes { user { name } } }
} } }";

/// 30 households, each with two members (the first is head and primary), a member relationship
/// and a team member.
async fn thirty_households(app: &TestApp) {
    let rita = relationship_agent(app, "Rita Shah", None).await;
    for n in 1..=30 {
        let a = consumer(app, &format!("Member {n:02} A"), None).await;
        let b = consumer(app, &format!("Member {n:02} B"), None).await;
        let home = household(app, &format!("Household {n:02}"), Some(&a)).await;
        member(app, &home, &b, None, None).await;
        set_primary_household(app, &a, &home).await;
        represent(app, &a, &b, Some(&home)).await;
        team_member(app, &rita, &home, None).await;
        team_member(app, &rita, &a, None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_page_costs_the_same_statements_for_any_page_size() {
    let app = TestApp::spawn().await;
    thirty_households(&app).await;
    let replies = replies_per_page_size(&app, &app.admin(), HOUSEHOLDS, &[1, 10, 30]).await;
    for (n, (data, _)) in [1, 10, 30].into_iter().zip(&replies) {
        let nodes = data["households"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        for (i, node) in nodes.iter().enumerate() {
            let k = i + 1;
            assert_eq!(node["name"], format!("Household {k:02}"));
            assert_eq!(node["head"]["name"], format!("Member {k:02} A"));
            assert_eq!(node["members"]["nodes"].as_array().unwrap().len(), 2);
            let link = &node["memberRelationships"]["nodes"][0];
            assert_eq!(link["consumer"]["name"], format!("Member {k:02} A"));
            assert_eq!(link["relatedConsumer"]["name"], format!("Member {k:02} B"));
            assert_eq!(node["team"]["nodes"][0]["user"]["name"], "Rita Shah");
            assert_eq!(
                node["team"]["nodes"][0]["responsibility"]["name"],
                "Relationship Manager"
            );
        }
    }
    let statements: Vec<u64> = replies.iter().map(|(_, count)| *count).collect();
    assert_same_statements(&statements, "1, 10, 30 households");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_page_costs_the_same_statements_for_any_page_size() {
    let app = TestApp::spawn().await;
    thirty_households(&app).await;
    let replies = replies_per_page_size(&app, &app.admin(), CONSUMERS, &[1, 10, 30]).await;
    let all = replies[2].0["consumers"]["nodes"].as_array().unwrap();
    assert_eq!(all.len(), 30);
    let first = &all[0];
    assert_eq!(first["name"], "Member 01 A");
    assert_eq!(first["primaryHousehold"]["name"], "Household 01");
    assert_eq!(first["households"]["nodes"][0]["name"], "Household 01");
    assert_eq!(first["relationships"]["nodes"][0]["direction"], "FORWARD");
    assert_eq!(
        first["relationships"]["nodes"][0]["otherConsumer"]["name"],
        "Member 01 B"
    );
    assert_eq!(first["team"]["nodes"][0]["user"]["name"], "Rita Shah");
    let second = &all[1];
    assert_eq!(second["name"], "Member 01 B");
    assert_eq!(
        second["relationships"]["nodes"][0]["label"],
        "Has Authorized Representative"
    );
    let statements: Vec<u64> = replies.iter().map(|(_, count)| *count).collect();
    assert_same_statements(&statements, "1, 10, 30 consumers");
}

const LIST: &str = "query($n: Int!) { viewer { cases(first: $n) { totalCount nodes { number \
    account { name } contact { name } consumer { name } household { name } partner { name } \
    partnerContact { name } openedBy { id } comments { nodes { body author { id } } } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_cases_statements_do_not_grow_with_the_page_or_differ_by_viewer() {
    let app = TestApp::spawn().await;
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let other = customer(&app, "Other Co").await;
    relate(&app, &partner_account_type(&app).await, &gsi, &abc).await;
    let peter = PortalContact::partner_admin(&app, &gsi, "Peter Robinson", "peter.robinson").await;
    let buyers = [
        contact(&app, &abc, "Alan Buyer", None).await,
        contact(&app, &abc, "Anna Buyer", None).await,
    ];
    let helpers = [
        peter.id.clone(),
        contact(&app, &gsi, "Greta Helper", None).await,
    ];
    let homes = [
        household(&app, "home one", None).await,
        household(&app, "home two", None).await,
    ];
    // An admin with a stored record, so that `openedBy` and comment authors are filled.
    let staff_token = StaffUser::new(&app, "Staff One", "staff.one", ADMIN)
        .await
        .token;

    // Cases Peter may not read (opened first: lists show the newest first).
    for n in 0..5 {
        create_case_as(
            &app,
            &staff_token,
            json!({"shortDescription": format!("elsewhere {n}"), "accountId": other}),
        )
        .await;
    }

    for n in 0..100 {
        let case = create_case_as(
            &app,
            &staff_token,
            json!({"shortDescription": format!("case {n}"), "accountId": abc,
                   "contactId": buyers[n % 2], "householdId": homes[n % 2],
                   "partnerId": gsi, "partnerContactId": helpers[n % 2]}),
        )
        .await;
        assert_eq!(case["partnerContact"]["id"], helpers[n % 2]);
        let said = comment(&app, Some(&staff_token), &id(&case), &format!("note {n}")).await;
        said.data();
    }
    let mut counts = Vec::new();
    for (who, token, total) in [
        ("admin", &staff_token, 105),
        ("partner_admin", &peter.token, 100),
    ] {
        let sizes = [1, 20, 100];
        let replies = replies_per_page_size(&app, token, LIST, &sizes).await;
        for (first, (data, _)) in sizes.into_iter().zip(&replies) {
            let cases = &data["viewer"]["cases"];
            assert_eq!(cases["totalCount"], total, "{who}");
            let nodes = cases["nodes"].as_array().expect("nodes");
            assert_eq!(nodes.len(), first, "{who} first: {first}");
            for node in nodes {
                // Households and internal users are for staff (and consumers) to see: for the
                // partner_admin those edges are loaded and come back null.
                let edges: &[&str] = if who == "admin" {
                    &[
                        "account",
                        "contact",
                        "household",
                        "partner",
                        "partnerContact",
                        "openedBy",
                    ]
                } else {
                    &["account", "contact", "partner", "partnerContact"]
                };
                for edge in edges {
                    assert!(!node[edge].is_null(), "{who}: {edge} missing in {node}");
                }
                assert_eq!(node["comments"]["nodes"].as_array().map(Vec::len), Some(1));
            }
            if who == "admin" {
                assert!(!nodes[0]["comments"]["nodes"][0]["author"].is_null());
            }
        }
        let mine: Vec<u64> = replies.iter().map(|(_, count)| *count).collect();
        assert_same_statements(&mine, &format!("{who} (first 1, 20, 100)"));
        eprintln!("{who}: statements {mine:?} for first 1, 20, 100");
        counts.push(mine[0]);
    }
    assert_eq!(
        counts[0], counts[1],
        "a partner_admin's list costs {} statements, an admin's {}",
        counts[1], counts[0]
    );
}
