//! Validity boundaries of the relationships that grant case access: the day before valid-from
//! (denied, and the explanation shows the relationship as lapsed), valid-from itself and valid-to
//! itself (allowed), and the day after valid-to (denied again).

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{
    ADD_TEAM_MEMBER, CONSUMER, CREATE_CONSUMER_RELATIONSHIP, CUSTOMER, PARTNER_ADMIN,
    RELATIONSHIP_AGENT, TestApp, account_case, assign_role, check, consumer, consumer_case,
    contact, create_type, customer, day, explain_for, manager, node_visible, partner,
    partner_account_type, relate, relationship_agent, responsibility, try_link, try_relate,
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
    app.clock.advance(Duration::days(1));
    probe(
        app,
        token,
        principal,
        case,
        record,
        false,
        "the day before valid-from",
    )
    .await;
    app.clock.advance(Duration::days(1));
    probe(app, token, principal, case, record, true, "valid-from").await;
    app.clock.advance(Duration::days(3));
    probe(app, token, principal, case, record, true, "valid-to").await;
    app.clock.advance(Duration::days(1));
    probe(
        app,
        token,
        principal,
        case,
        record,
        false,
        "the day after valid-to",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_relationship_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let pco = partner(&app, "partner co").await;
    let acme = customer(&app, "acme").await;
    let pam = contact(&app, &pco, "pam", Some("pam")).await;
    assign_role(&app, &pam, PARTNER_ADMIN).await;
    let token = app.token("pam", &[PARTNER_ADMIN]);
    let reply = try_relate(
        &app,
        Some(&manager(&app)),
        json!({"typeId": partner_account_type(&app).await, "fromId": pco, "toId": acme,
               "validFrom": day(&app, FROM), "validTo": day(&app, TO)}),
    )
    .await;
    let record = reply.data()["createAccountRelationship"]["accountRelationship"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let case = account_case(&app, &acme, "acme case").await;
    walk(&app, &token, &pam, &case, &record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_relationship_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let beta = customer(&app, "beta").await;
    let gamma = customer(&app, "gamma").await;
    let affiliate = create_type(
        &app,
        "Affiliate",
        "ACCOUNT",
        "ACCOUNT",
        "Affiliate of",
        "Affiliated with",
    )
    .await;
    relate(&app, &affiliate, &beta, &gamma).await;
    let eve = contact(&app, &beta, "eve", Some("eve")).await;
    assign_role(&app, &eve, CUSTOMER).await;
    let token = app.token("eve", &[CUSTOMER]);
    let reply = try_link(
        &app,
        Some(&manager(&app)),
        json!({"accountId": gamma, "contactId": eve,
               "responsibilityId": responsibility(&app, "Authorized Contact").await,
               "validFrom": day(&app, FROM), "validTo": day(&app, TO)}),
    )
    .await;
    let record = reply.data()["createContactRelationship"]["contactRelationship"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let case = account_case(&app, &gamma, "gamma case").await;
    walk(&app, &token, &eve, &case, &record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_member_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let ravi = relationship_agent(&app, "ravi", Some("ravi")).await;
    let token = app.token("ravi", &[RELATIONSHIP_AGENT]);
    let data = app
        .ok(
            &app.admin(),
            ADD_TEAM_MEMBER,
            json!({"i": {"userId": ravi, "targetId": acme,
                         "validFrom": day(&app, FROM), "validTo": day(&app, TO)}}),
        )
        .await;
    let record = data["addTeamMember"]["teamMember"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let case = account_case(&app, &acme, "acme case").await;
    walk(&app, &token, &ravi, &case, &record).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_relationship_grants_only_within_its_dates() {
    let app = TestApp::spawn().await;
    let rex = consumer(&app, "rex", Some("rex")).await;
    let cora = consumer(&app, "cora", Some("cora")).await;
    let token = app.token("rex", &[CONSUMER]);
    let data = app
        .ok(
            &app.admin(),
            CREATE_CONSUMER_RELATIONSHIP,
            json!({"i": {"consumerId": rex, "relatedConsumerId": cora,
                         "validFrom": day(&app, FROM), "validTo": day(&app, TO)}}),
        )
        .await;
    let record = data["createConsumerRelationship"]["consumerRelationship"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let case = consumer_case(&app, &cora, "cora's case").await;
    walk(&app, &token, &rex, &case, &record).await;
}
