//! Partner access to cases (the seed 004 outcome): Peter Robinson, partner_admin contact of GSI Tech, works ABC
//! Corp's cases once a manager links GSI Tech to ABC Corp with the shipped Partner Account type:
//! every one of them under DERIVED (the default, older cases too), only those stamped with GSI
//! Tech under STAMPED, and none once the relationship is gone.

use std::collections::BTreeSet;

use serde_json::json;

use crate::support::{
    PortalContact, TestApp, account_case, assert_error, check, comment, create_case,
    create_case_as, customer, id, id_of, may_create_for, node, node_visible, partner,
    partner_account_type, relate, relationship_type, set_policy, try_create_case, unrelate,
    visible_cases,
};

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peter_robinson_works_abc_corp_cases_through_the_partner_relationship() {
    let app = TestApp::spawn().await;
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let xyz = customer(&app, "XYZ Ltd").await;
    let PortalContact { id: peter, token } =
        PortalContact::partner_admin(&app, &gsi, "Peter Robinson", "peter.robinson").await;
    let alan = PortalContact::customer(&app, &abc, "Alan Buyer", "alan.buyer")
        .await
        .id;

    // Cases opened before any relationship exists: one plain, one already stamped with GSI Tech.
    let older = id(&create_case(
        &app,
        json!({"shortDescription": "Printer jams", "accountId": abc, "contactId": alan}),
    )
    .await);
    let stamped = id(&create_case(
        &app,
        json!({"shortDescription": "Router reboots", "accountId": abc, "partnerId": gsi, "partnerContactId": peter}),
    )
    .await);
    let elsewhere = account_case(&app, &xyz, "Unrelated").await;

    // Before the relationship Peter sees none of them and may not open cases for ABC Corp.
    assert!(visible_cases(&app, &token).await.is_empty());
    for case in [&older, &stamped, &elsewhere] {
        assert!(!node_visible(&app, &token, case).await);
        assert_eq!(
            check(&app, &token, "READ", case).await,
            (false, false, vec![])
        );
    }
    assert_error(
        &comment(&app, Some(&token), &older, "hello?").await,
        "NOT_FOUND",
        None,
    );
    assert!(!may_create_for(&app, &token, json!({"account": abc})).await);
    let refused = try_create_case(
        &app,
        Some(&token),
        json!({"shortDescription": "Too early", "accountId": abc}),
    )
    .await;
    assert_error(&refused, "FORBIDDEN", None);

    // The manager links GSI Tech to ABC Corp with the shipped type, whose policy is DERIVED.
    let kind = relationship_type(&app, "Partner Account").await;
    assert_eq!(kind["grantsPartnerCaseAccess"], true);
    let type_id = partner_account_type(&app).await;
    let policy = node(
        &app,
        &type_id,
        "... on AccountRelationshipType { partnerAccessPolicy }",
    )
    .await;
    assert_eq!(policy["partnerAccessPolicy"], "DERIVED");
    let link = relate(&app, &id_of(&kind["id"]), &gsi, &abc).await;

    // DERIVED: every ABC Corp case, the older ones too; nothing of XYZ Ltd.
    assert_eq!(visible_cases(&app, &token).await, set(&[&older, &stamped]));
    for case in [&older, &stamped] {
        assert!(node_visible(&app, &token, case).await);
        let (allowed, explained, grants) = check(&app, &token, "READ", case).await;
        assert!(allowed && explained && !grants.is_empty());
    }
    assert!(!node_visible(&app, &token, &elsewhere).await);
    let said = comment(&app, Some(&token), &older, "GSI Tech is on it").await;
    assert_eq!(
        said.data()["addCaseComment"]["comment"]["authorSubject"],
        "peter.robinson"
    );
    let thread = app
        .ok(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Case { comments { nodes { body } } viewerCan { read comment update close } } } }",
            json!({"id": older}),
        )
        .await;
    assert_eq!(
        thread["node"]["comments"]["nodes"],
        json!([{"body": "GSI Tech is on it"}])
    );
    assert_eq!(
        thread["node"]["viewerCan"],
        json!({"read": true, "comment": true, "update": false, "close": true})
    );

    // Peter opens a case for ABC Corp: GSI Tech and Peter are stamped as partner and partner contact.
    assert!(may_create_for(&app, &token, json!({"account": abc})).await);
    assert!(!may_create_for(&app, &token, json!({"account": xyz})).await);
    let opened = create_case_as(
        &app,
        &token,
        json!({"shortDescription": "Opened by the partner", "accountId": abc}),
    )
    .await;
    assert_eq!(opened["account"]["name"], "ABC Corp");
    assert_eq!(opened["partner"]["name"], "GSI Tech");
    assert_eq!(opened["partnerContact"]["name"], "Peter Robinson");
    assert!(opened["contact"].is_null());
    assert_eq!(opened["openedBySubject"], "peter.robinson");
    let mine = id(&opened);
    assert_error(
        &try_create_case(
            &app,
            Some(&token),
            json!({"shortDescription": "Not a customer of GSI", "accountId": xyz}),
        )
        .await,
        "FORBIDDEN",
        None,
    );
    assert_eq!(
        visible_cases(&app, &token).await,
        set(&[&older, &stamped, &mine])
    );

    // STAMPED: only the cases whose partner is GSI Tech.
    set_policy(&app, &type_id, "STAMPED").await;
    assert_eq!(visible_cases(&app, &token).await, set(&[&stamped, &mine]));
    assert!(!node_visible(&app, &token, &older).await);
    assert!(node_visible(&app, &token, &stamped).await);
    assert_error(
        &comment(&app, Some(&token), &older, "still there?").await,
        "NOT_FOUND",
        None,
    );
    assert!(
        comment(&app, Some(&token), &stamped, "stamped one")
            .await
            .body
            .get("errors")
            .is_none()
    );
    // A new case Peter opens is stamped, so STAMPED still lets him open it.
    let under_stamped = id(&create_case_as(
        &app,
        &token,
        json!({"shortDescription": "Opened under STAMPED", "accountId": abc}),
    )
    .await);
    assert_eq!(
        visible_cases(&app, &token).await,
        set(&[&stamped, &mine, &under_stamped])
    );

    // Back to DERIVED: all of them again.
    set_policy(&app, &type_id, "DERIVED").await;
    assert_eq!(
        visible_cases(&app, &token).await,
        set(&[&older, &stamped, &mine, &under_stamped])
    );

    // The relationship is deleted: Peter sees none of ABC Corp's cases, even those he opened.
    unrelate(&app, &link).await;
    assert!(visible_cases(&app, &token).await.is_empty());
    for case in [&older, &stamped, &mine, &under_stamped] {
        assert!(
            !node_visible(&app, &token, case).await,
            "{case} still visible"
        );
        assert!(!check(&app, &token, "READ", case).await.0);
        assert_error(
            &comment(&app, Some(&token), case, "anyone?").await,
            "NOT_FOUND",
            None,
        );
    }
    assert!(!may_create_for(&app, &token, json!({"account": abc})).await);
    // The cases themselves are untouched: the admin still sees all five.
    assert_eq!(visible_cases(&app, &app.admin()).await.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stamped_from_the_start_never_shows_older_unstamped_cases() {
    let app = TestApp::spawn().await;
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let PortalContact { id: _peter, token } =
        PortalContact::partner_admin(&app, &gsi, "Peter Robinson", "peter.robinson").await;
    let type_id = partner_account_type(&app).await;
    set_policy(&app, &type_id, "STAMPED").await;
    let older = account_case(&app, &abc, "Before the link").await;
    let stamped = id(&create_case(
        &app,
        json!({"shortDescription": "Stamped before the link", "accountId": abc, "partnerId": gsi}),
    )
    .await);
    relate(&app, &type_id, &gsi, &abc).await;
    assert_eq!(visible_cases(&app, &token).await, set(&[&stamped]));
    assert!(!node_visible(&app, &token, &older).await);
    let (allowed, explained, _) = check(&app, &token, "READ", &older).await;
    assert!(!allowed && !explained);
    // Peter's own account's cases are his regardless of the policy.
    let own = account_case(&app, &gsi, "GSI internal").await;
    assert_eq!(visible_cases(&app, &token).await, set(&[&stamped, &own]));
}
