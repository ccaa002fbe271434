//! Statement counts of `viewer.cases` with every case edge selected: the same for 1, 20 and 100
//! cases, and the same for a partner_admin (whose list is filtered by the access engine) as for
//! an admin.

use serde_json::json;

use crate::support::{
    ADMIN, PARTNER_ADMIN, TestApp, assign_role, comment, contact, create_case_as, customer,
    household, id, partner, partner_account_type, relate,
};

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
    let peter = contact(&app, &gsi, "Peter Robinson", Some("peter.robinson")).await;
    assign_role(&app, &peter, PARTNER_ADMIN).await;
    let peter_token = app.token("peter.robinson", &[PARTNER_ADMIN]);
    let buyers = [
        contact(&app, &abc, "Alan Buyer", None).await,
        contact(&app, &abc, "Anna Buyer", None).await,
    ];
    let helpers = [
        peter.clone(),
        contact(&app, &gsi, "Greta Helper", None).await,
    ];
    let homes = [
        household(&app, "home one", None).await,
        household(&app, "home two", None).await,
    ];
    // An admin with a stored record, so that `openedBy` and comment authors are filled.
    let staff = app
        .ok(
            &app.admin(),
            "mutation { createInternalUser(input: {name: \"Staff One\", subject: \"staff.one\"}) { internalUser { id } } }",
            json!({}),
        )
        .await;
    let staff = id(&staff["createInternalUser"]["internalUser"]);
    assign_role(&app, &staff, ADMIN).await;
    let staff_token = app.token("staff.one", &[ADMIN]);

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
        ("partner_admin", &peter_token, 100),
    ] {
        let mut mine = Vec::new();
        for first in [1, 20, 100] {
            let reply = app.gql(Some(token), LIST, json!({"n": first})).await;
            let cases = &reply.data()["viewer"]["cases"];
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
            assert!(reply.statements > 0, "no statement header");
            mine.push(reply.statements);
        }
        assert!(
            mine.iter().all(|s| *s == mine[0]),
            "{who}: statements grow with the page size: {mine:?} for first 1, 20, 100"
        );
        eprintln!("{who}: statements {mine:?} for first 1, 20, 100");
        counts.push(mine[0]);
    }
    assert_eq!(
        counts[0], counts[1],
        "a partner_admin's list costs {} statements, an admin's {}",
        counts[1], counts[0]
    );
}
