//! Validity boundaries of the relationships that grant case access: the day before valid-from
//! (denied, and the explanation shows the relationship as lapsed), valid-from itself and valid-to
//! itself (allowed), and the day after valid-to (denied again).

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{
    PortalConsumer, PortalContact, StaffUser, TestApp, account_case, affiliate_type, check,
    consumer, consumer_case, customer, day, explain_for, link_with, node_visible, partner,
    partner_account_type, relate, relate_with, represent_with, responsibility, team_member_with,
    visible_cases,
};

/// Valid from the day after tomorrow to five days from now.
const FROM: i64 = 2;
const TO: i64 = 5;

/// Every way of asking agrees with `expected`; the admin's explanation about `principal` shows
/// `record` as a granting step when allowed and as lapsed when denied.
async fn probe(
    app: &TestApp,
    token: &str,
    principal: &str,
    case: &str,
    record: &str,
    expected: bool,
    when: &str,
) {
    let listed = visible_cases(app, token).await.contains(case);
    assert_eq!(listed, expected, "viewer.cases {when}");
    assert_eq!(
        node_visible(app, token, case).await,
        expected,
        "node {when}"
    );
    let (allowed, explained, grants) = check(app, token, "READ", case).await;
    assert_eq!(
        (allowed, explained, !grants.is_empty()),
        (expected, expected, expected),
        "accessCheck {when}"
    );
    let explanation = explain_for(app, case, principal).await;
    assert_eq!(explanation["allowed"], expected, "{when}: {explanation}");
    let steps = |list: &Value, key: &str| -> Vec<Value> {
        list.as_array()
            .expect("list")
            .iter()
            .flat_map(|entry| entry[key].as_array().cloned().unwrap_or_default())
            .collect()
    };
    let granted = steps(&explanation["grants"], "path");
    let lapsed = steps(&explanation["denials"], "lapsed");
    let names = |list: &[Value]| list.iter().any(|s| s["recordId"] == record);
    if expected {
        assert!(
            names(&granted),
            "{when}: {record} not on a grant path: {explanation}"
        );
        assert!(!names(&lapsed), "{when}: {explanation}");
    } else {
        assert!(
            names(&lapsed),
            "{when}: {record} not listed as lapsed: {explanation}"
        );
        assert!(!names(&granted), "{when}: {explanation}");
        let step = lapsed
            .iter()
            .find(|s| s["recordId"] == record)
            .expect("lapsed step");
        assert_eq!(step["validFrom"], json!(day(app, FROM - walked(when))));
        assert_eq!(step["validTo"], json!(day(app, TO - walked(when))));
    }
}

/// How many days the walk has advanced the clock at `when`.
fn walked(when: &str) -> i64 {
    match when {
        "the day before valid-from" => 1,
        "the day after valid-to" => 6,
        _ => 0,
    }
}

/// Walks the clock over the boundaries: today + 1, + 2 (valid-from), + 5 (valid-to), + 6.
async fn walk(app: &TestApp, token: &str, principal: &str, case: &str, record: &str) {
    for (days, expected, when) in [
        (1, false, "the day before valid-from"),
        (1, true, "valid-from"),
        (3, true, "valid-to"),
        (1, false, "the day after valid-to"),
    ] {
        app.clock.advance(Duration::days(days));
        probe(app, token, principal, case, record, expected, when).await;
    }
}

/// `input` with the validity dates of these tests.
fn in_force(app: &TestApp, mut input: Value) -> Value {
    input["validFrom"] = json!(day(app, FROM));
    input["validTo"] = json!(day(app, TO));
    input
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_relationship_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let pco = partner(&app, "partner co").await;
    let acme = customer(&app, "acme").await;
    let pam = PortalContact::partner_admin(&app, &pco, "pam", "pam").await;
    let type_id = partner_account_type(&app).await;
    let record = relate_with(
        &app,
        in_force(
            &app,
            json!({"typeId": type_id, "fromId": pco, "toId": acme}),
        ),
    )
    .await;
    let case = account_case(&app, &acme, "acme case").await;
    walk(&app, &pam.token, &pam.id, &case, &record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_relationship_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let beta = customer(&app, "beta").await;
    let gamma = customer(&app, "gamma").await;
    let affiliate = affiliate_type(&app).await;
    relate(&app, &affiliate, &beta, &gamma).await;
    let eve = PortalContact::customer(&app, &beta, "eve", "eve").await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    let record = link_with(
        &app,
        in_force(
            &app,
            json!({"accountId": gamma, "contactId": eve.id, "responsibilityId": authorized}),
        ),
    )
    .await;
    let case = account_case(&app, &gamma, "gamma case").await;
    walk(&app, &eve.token, &eve.id, &case, &record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_member_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let ravi = StaffUser::relationship_agent(&app, "ravi", "ravi").await;
    let record = team_member_with(
        &app,
        in_force(&app, json!({"userId": ravi.id, "targetId": acme})),
    )
    .await;
    let case = account_case(&app, &acme, "acme case").await;
    walk(&app, &ravi.token, &ravi.id, &case, &record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_relationship_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let rex = PortalConsumer::new(&app, "rex", "rex").await;
    let cora = consumer(&app, "cora", Some("cora")).await;
    let record = represent_with(
        &app,
        in_force(
            &app,
            json!({"consumerId": rex.id, "relatedConsumerId": cora}),
        ),
    )
    .await;
    let case = consumer_case(&app, &cora, "cora's case").await;
    walk(&app, &rex.token, &rex.id, &case, &record).await;
}
