//! DOMAIN.md §6 "Decisions" through the API: an inactive type grants nothing, a team member's
//! stored role is a continuous precondition, roles add up, and `accessCheck(CREATE_FOR)` and
//! `createCase` run the same decision.

use serde_json::{Value, json};

use crate::support::{
    CONSUMER, CUSTOMER, PARTNER, PortalContact, StaffUser, TestApp, account_case, admin_ok, check,
    consumer, consumer_case, create_type_with, customer, explain_for, id, may_create_for,
    node_visible, partner, partner_account_type, relate, team_member, try_create_case,
    visible_cases,
};

/// Switches a relationship type on or off as the admin.
async fn set_active(app: &TestApp, type_id: &str, active: bool) {
    let data = admin_ok(
        app,
        "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { isActive } } }",
        json!({"i": {"id": type_id, "isActive": active}}),
    )
    .await;
    assert_eq!(
        data["updateAccountRelationshipType"]["accountRelationshipType"]["isActive"],
        active
    );
}

/// What `token` sees of `case` through every question: (check, listed, node, own explanation).
async fn every_view(app: &TestApp, token: &str, case: &str) -> (bool, bool, bool, bool) {
    let (allowed, explained, _) = check(app, token, "READ", case).await;
    (
        allowed,
        visible_cases(app, token).await.contains(case),
        node_visible(app, token, case).await,
        explained,
    )
}

/// The principal IDs `whoCanAccess` lists for `case`, as the admin asks.
async fn holders(app: &TestApp, case: &str) -> Vec<String> {
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
        .map(|h| id(&h["principal"]))
        .collect()
}

/// The denial reasons of an explanation, joined.
fn reasons(explanation: &Value) -> String {
    explanation["denials"]
        .as_array()
        .expect("denials")
        .iter()
        .map(|d| d["reason"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_partner_granting_type_ends_its_grants_at_once() {
    let app = TestApp::spawn().await;
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let shipped = partner_account_type(&app).await;
    relate(&app, &shipped, &gsi, &abc).await;
    let peter = PortalContact::partner_admin(&app, &gsi, "Peter", "peter").await;
    let case = account_case(&app, &abc, "printer on fire").await;
    let for_abc = json!({"account": abc});

    assert_eq!(
        every_view(&app, &peter.token, &case).await,
        (true, true, true, true)
    );
    assert!(may_create_for(&app, &peter.token, for_abc.clone()).await);

    set_active(&app, &shipped, false).await;
    assert_eq!(
        every_view(&app, &peter.token, &case).await,
        (false, false, false, false)
    );
    assert!(!may_create_for(&app, &peter.token, for_abc.clone()).await);
    let refused = try_create_case(
        &app,
        Some(&peter.token),
        json!({"shortDescription": "new", "accountId": abc}),
    )
    .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    assert!(!holders(&app, &case).await.contains(&peter.id));
    let why = reasons(&explain_for(&app, &case, &peter.id).await);
    assert!(
        why.contains("Partner Account is inactive"),
        "the denial names the inactive type: {why}"
    );

    set_active(&app, &shipped, true).await;
    assert_eq!(
        every_view(&app, &peter.token, &case).await,
        (true, true, true, true)
    );
    assert!(holders(&app, &case).await.contains(&peter.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_stored_role_ends_team_access_while_the_token_still_carries_it() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme").await;
    let ravi = StaffUser::relationship_agent(&app, "Ravi", "ravi").await;
    team_member(&app, &ravi.id, &acme, None).await;
    let case = account_case(&app, &acme, "renewal").await;
    assert_eq!(
        every_view(&app, &ravi.token, &case).await,
        (true, true, true, true)
    );
    assert!(holders(&app, &case).await.contains(&ravi.id));

    admin_ok(
        &app,
        "mutation($i: RoleInput!) { revokeRole(input: $i) { role } }",
        json!({"i": {"principalId": ravi.id, "role": "RELATIONSHIP_AGENT"}}),
    )
    .await;
    // The same token, still carrying the role.
    assert_eq!(
        every_view(&app, &ravi.token, &case).await,
        (false, false, false, false)
    );
    assert!(!holders(&app, &case).await.contains(&ravi.id));
    let theirs = explain_for(&app, &case, &ravi.id).await;
    assert_eq!(theirs["allowed"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_whose_token_also_carries_a_contact_role_keeps_its_consumer_access() {
    let app = TestApp::spawn().await;
    let jane = consumer(&app, "Jane", Some("jane")).await;
    let case = consumer_case(&app, &jane, "billing").await;
    let token = app.token("jane", &[CONSUMER, CUSTOMER]);

    let me = app
        .ok(&token, "{ viewer { node { id } } }", json!({}))
        .await;
    assert_eq!(me["viewer"]["node"]["id"], jane.as_str());
    assert_eq!(
        every_view(&app, &token, &case).await,
        (true, true, true, true)
    );
    assert!(may_create_for(&app, &token, json!({"consumer": jane})).await);
    let opened = try_create_case(
        &app,
        Some(&token),
        json!({"shortDescription": "another", "consumerId": jane}),
    )
    .await;
    let opened = id(&opened.data()["createCase"]["case"]);
    assert!(visible_cases(&app, &token).await.contains(&opened));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_create_agree_for_a_partner_role_contact_of_a_customer_only_account() {
    let app = TestApp::spawn().await;
    let reseller = customer(&app, "Reseller").await;
    let client = customer(&app, "Client").await;
    let kind = create_type_with(
        &app,
        json!({"name": "Reseller of", "sourceKind": "ACCOUNT", "targetKind": "ACCOUNT",
               "forwardLabel": "Resells to", "reverseLabel": "Buys from",
               "grantsPartnerCaseAccess": true}),
    )
    .await;
    relate(&app, &kind, &reseller, &client).await;
    let carl = PortalContact::new(&app, &reseller, "Carl", "carl", PARTNER).await;

    assert!(may_create_for(&app, &carl.token, json!({"account": client})).await);
    let reply = try_create_case(
        &app,
        Some(&carl.token),
        json!({"shortDescription": "for my client", "accountId": client}),
    )
    .await;
    assert!(
        reply.body.get("errors").is_none(),
        "CREATE_FOR said yes, createCase refused: {}",
        reply.body
    );
    let case = &reply.data()["createCase"]["case"];
    assert!(
        case["partner"].is_null(),
        "no partner stamped for a customer-only account: {case}"
    );
    assert!(node_visible(&app, &carl.token, &id(case)).await);
}
