//! Every ID an explanation, an access report or `whoCanAccess` returns resolves through `node`: a
//! partner-only account is named by its `Partner` ID (its `Account` face does not exist), grant
//! paths resolve for the principal they explain, and everything resolves for the admin.

use serde_json::{Value, json};

use crate::support::{
    CUSTOMER_CASE_MANAGER, EXPLANATION, PortalContact, TestApp, account_case, admin_ok, customer,
    customer_under, day, explain_for, node_visible, partner, partner_account_type, relate,
    relate_with,
};

/// Every `recordId` in the steps of `explanation` (grants only, or grants and denials); none when
/// the case is not readable (its explanation is null).
fn record_ids(explanation: &Value, with_denials: bool) -> Vec<String> {
    let mut ids = Vec::new();
    if explanation.is_null() {
        return ids;
    }
    let mut collect = |list: &str, steps: &str| {
        for entry in explanation[list].as_array().expect("entries") {
            for step in entry[steps].as_array().expect("steps") {
                if let Some(id) = step["recordId"].as_str() {
                    ids.push(id.to_owned());
                }
            }
        }
    };
    collect("grants", "path");
    if with_denials {
        collect("denials", "lapsed");
    }
    ids
}

/// `token`'s own explanation of `case`.
async fn own_explanation(app: &TestApp, token: &str, case: &str) -> Value {
    let query = format!(
        "query($c: ID!) {{ node(id: $c) {{ ... on Case {{ accessExplanation {{ {EXPLANATION} }} }} }} }}"
    );
    app.ok(token, &query, json!({"c": case})).await["node"]["accessExplanation"].clone()
}

/// The principal IDs `whoCanAccess` names for `case`.
async fn holder_ids(app: &TestApp, case: &str) -> Vec<String> {
    let data = admin_ok(
        app,
        "query($c: ID!) { node(id: $c) { ... on Case { whoCanAccess(first: 100) { nodes { principal { id } } } } } }",
        json!({"c": case}),
    )
    .await;
    data["node"]["whoCanAccess"]["nodes"]
        .as_array()
        .expect("holders")
        .iter()
        .map(|h| {
            h["principal"]["id"]
                .as_str()
                .expect("a holder id")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_id_in_explanations_reports_and_holder_lists_resolves() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let group = customer(&app, "Group").await;
    let branch = customer_under(&app, "Branch", &group).await;
    let shipped = partner_account_type(&app).await;
    relate(&app, &shipped, &gsi, &abc).await;
    relate_with(
        &app,
        json!({"typeId": shipped, "fromId": gsi, "toId": group,
               "validFrom": day(&app, -30), "validTo": day(&app, -5)}),
    )
    .await;
    let peter = PortalContact::partner_admin(&app, &gsi, "Peter", "peter").await;
    let mia = PortalContact::new(&app, &group, "Mia", "mia", CUSTOMER_CASE_MANAGER).await;
    let cases = [
        account_case(&app, &gsi, "the partner's own").await,
        account_case(&app, &abc, "a customer's").await,
        account_case(&app, &group, "a lapsed customer's").await,
        account_case(&app, &branch, "below the group").await,
    ];

    let mut for_admin: Vec<String> = Vec::new();
    let mut checked_own = 0;
    for who in [&peter, &mia] {
        for case in &cases {
            let own = own_explanation(&app, &who.token, case).await;
            for record in record_ids(&own, false) {
                assert!(
                    node_visible(&app, &who.token, &record).await,
                    "{record} in its own explanation of {case} does not resolve for the principal"
                );
                checked_own += 1;
            }
            for_admin.extend(record_ids(&explain_for(&app, case, &who.id).await, true));
        }
    }
    for case in &cases {
        for_admin.extend(holder_ids(&app, case).await);
    }
    // An access report: the principals a new relationship affects.
    let report = admin_ok(
        &app,
        "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accessChanges { principal { id } } } }",
        json!({"i": {"typeId": shipped, "fromId": gsi, "toId": branch}}),
    )
    .await;
    for change in report["createAccountRelationship"]["accessChanges"]
        .as_array()
        .expect("access changes")
    {
        for_admin.push(
            change["principal"]["id"]
                .as_str()
                .expect("a principal")
                .to_owned(),
        );
    }
    assert!(checked_own >= 4, "the grants named records: {checked_own}");
    assert!(for_admin.len() >= 8, "ids to resolve: {for_admin:?}");
    for record in &for_admin {
        assert!(
            node_visible(&app, &admin, record).await,
            "{record} does not resolve through node"
        );
    }
}
