//! The case life cycle: numbering (also under concurrent creation), B2B and B2C parties,
//! transitions, what portal users and staff may change, audit rows, and anonymous refusals.

use serde_json::{Value, json};

use crate::support::{
    CONSUMER, PortalContact, Reply, TestApp, assert_error, assert_refused_writing_nothing,
    audit_entries, case_number, change_state, comment, consumer, contact, create_case,
    create_case_as, create_case_query, customer, finish, household, id, member, node_visible,
    partner, try_create_case, update_case, visible_numbers,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_run_from_cs0000001_without_gaps() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let person = consumer(&app, "cora", None).await;
    let mut seen = Vec::new();
    for n in 1..=3 {
        let case = create_case(
            &app,
            json!({"shortDescription": format!("case {n}"), "accountId": acme}),
        )
        .await;
        assert_eq!(case["number"], case_number(n));
        assert_eq!(case["state"], "NEW");
        assert_eq!(case["priority"], 4, "priority defaults to 4 (low)");
        seen.push(case_number(n));
    }
    // Refused creations do not use up a number.
    let refused = try_create_case(
        &app,
        Some(&app.admin()),
        json!({"shortDescription": "no parties"}),
    )
    .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("accountId"));
    let b2c = create_case(
        &app,
        json!({"shortDescription": "consumer case", "consumerId": person, "priority": 2}),
    )
    .await;
    assert_eq!(b2c["number"], case_number(4));
    assert_eq!(b2c["priority"], 2);
    assert_eq!(b2c["consumer"]["name"], "cora");
    assert!(b2c["account"].is_null());
    seen.push(case_number(4));
    assert_eq!(visible_numbers(&app, &app.admin()).await, seen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creation_gives_distinct_contiguous_numbers() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let admin = app.admin();
    let query = create_case_query();
    let requests = (0..20).map(|n| {
        app.gql(
            Some(&admin),
            &query,
            json!({"i": {"shortDescription": format!("concurrent {n}"), "accountId": acme}}),
        )
    });
    let replies = futures_util::future::join_all(requests).await;
    let mut numbers: Vec<String> = replies
        .iter()
        .map(|r| {
            r.data()["createCase"]["case"]["number"]
                .as_str()
                .expect("number")
                .to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=20).map(case_number).collect();
    assert_eq!(
        numbers, expected,
        "numbers must be distinct and without gaps"
    );
    assert_eq!(visible_numbers(&app, &admin).await, expected);
    // The sequence continues after the burst.
    let next = create_case(
        &app,
        json!({"shortDescription": "after", "accountId": acme}),
    )
    .await;
    assert_eq!(next["number"], case_number(21));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_with_missing_or_mismatched_parties_is_refused_with_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let acme = customer(&app, "acme").await;
    let beta = customer(&app, "beta").await;
    let pco = partner(&app, "partner co").await;
    let alice = contact(&app, &acme, "alice", None).await;
    let bert = contact(&app, &beta, "bert", None).await;
    let pete = contact(&app, &pco, "pete", None).await;
    let cora = consumer(&app, "cora", None).await;
    let dave = consumer(&app, "dave", None).await;
    let home = household(&app, "home", Some(&cora)).await;
    let before = app.audit_count().await;
    let refusals: Vec<(Value, &str)> = vec![
        (json!({"shortDescription": "neither"}), "accountId"),
        (
            json!({"shortDescription": "both", "accountId": acme, "consumerId": cora}),
            "consumerId",
        ),
        (
            json!({"shortDescription": "foreign contact", "accountId": acme, "contactId": bert}),
            "contactId",
        ),
        (
            json!({"shortDescription": "contact without account", "consumerId": cora, "contactId": alice}),
            "contactId",
        ),
        (
            json!({"shortDescription": "not a partner", "accountId": acme, "partnerId": beta}),
            "partnerId",
        ),
        (
            json!({"shortDescription": "partner contact elsewhere", "accountId": acme, "partnerId": pco, "partnerContactId": alice}),
            "partnerContactId",
        ),
        (
            json!({"shortDescription": "not a member", "consumerId": dave, "householdId": home}),
            "householdId",
        ),
        (
            json!({"shortDescription": "priority", "accountId": acme, "priority": 5}),
            "priority",
        ),
        (
            json!({"shortDescription": "   ", "accountId": acme}),
            "shortDescription",
        ),
    ];
    for (input, field) in refusals {
        let reply = try_create_case(&app, Some(&admin), input.clone()).await;
        assert_error(&reply, "BAD_USER_INPUT", Some(field));
        assert!(reply.body["data"].is_null(), "{}", reply.body);
    }
    assert_eq!(
        app.audit_count().await,
        before,
        "a refused case was written"
    );
    assert!(visible_numbers(&app, &admin).await.is_empty());

    let b2b = create_case(
        &app,
        json!({"shortDescription": "  full B2B  ", "accountId": acme, "contactId": alice,
               "partnerId": pco, "partnerContactId": pete, "priority": 1}),
    )
    .await;
    assert_eq!(b2b["shortDescription"], "full B2B");
    assert_eq!(b2b["account"]["name"], "acme");
    assert_eq!(b2b["contact"]["name"], "alice");
    assert_eq!(b2b["partner"]["name"], "partner co");
    assert_eq!(b2b["partnerContact"]["name"], "pete");
    let b2c = create_case(
        &app,
        json!({"shortDescription": "B2C", "consumerId": cora, "householdId": home}),
    )
    .await;
    assert_eq!(b2c["consumer"]["name"], "cora");
    assert_eq!(b2c["household"]["name"], "home");
    assert_eq!(audit_entries(&app, "create", "case", &id(&b2b)).await, 1);
    assert_eq!(audit_entries(&app, "create", "case", &id(&b2c)).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_move_cases_through_the_allowed_transitions_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let acme = customer(&app, "acme").await;
    let case = id(&create_case(&app, json!({"shortDescription": "flow", "accountId": acme})).await);
    let state_of = |reply: &Reply, field: &str| {
        reply.data()[field]["case"]["state"]
            .as_str()
            .expect("state")
            .to_owned()
    };
    let refuse = async |case: &str, state: &str| {
        let reply = change_state(&app, Some(&admin), case, state).await;
        assert_error(&reply, "BAD_USER_INPUT", Some("state"));
    };
    refuse(&case, "NEW").await;
    refuse(&case, "CLOSED").await;
    for next in ["IN_PROGRESS", "AWAITING_INFO", "IN_PROGRESS", "RESOLVED"] {
        let reply = change_state(&app, Some(&admin), &case, next).await;
        assert_eq!(state_of(&reply, "changeCaseState"), next);
    }
    refuse(&case, "CANCELED").await;
    refuse(&case, "AWAITING_INFO").await;
    // Reopened, resolved again through resolveCase, then closed.
    let reply = change_state(&app, Some(&admin), &case, "IN_PROGRESS").await;
    assert_eq!(state_of(&reply, "changeCaseState"), "IN_PROGRESS");
    assert_error(
        &finish(&app, Some(&admin), "closeCase", &case).await,
        "BAD_USER_INPUT",
        Some("state"),
    );
    let reply = finish(&app, Some(&admin), "resolveCase", &case).await;
    assert_eq!(state_of(&reply, "resolveCase"), "RESOLVED");
    let reply = finish(&app, Some(&admin), "closeCase", &case).await;
    assert_eq!(state_of(&reply, "closeCase"), "CLOSED");
    for next in [
        "NEW",
        "IN_PROGRESS",
        "AWAITING_INFO",
        "RESOLVED",
        "CLOSED",
        "CANCELED",
    ] {
        refuse(&case, next).await;
    }
    assert_eq!(audit_entries(&app, "change_state", "case", &case).await, 7);

    // Canceled is final too.
    let other = id(&create_case(
        &app,
        json!({"shortDescription": "cancel", "accountId": acme}),
    )
    .await);
    let reply = change_state(&app, Some(&admin), &other, "CANCELED").await;
    assert_eq!(state_of(&reply, "changeCaseState"), "CANCELED");
    refuse(&other, "IN_PROGRESS").await;
    assert_error(
        &finish(&app, Some(&admin), "resolveCase", &other).await,
        "BAD_USER_INPUT",
        Some("state"),
    );
    let times = app
        .ok(
            &admin,
            "query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Case { resolvedAt closedAt } } b: node(id: $b) { ... on Case { resolvedAt closedAt } } }",
            json!({"a": case, "b": other}),
        )
        .await;
    assert!(!times["a"]["resolvedAt"].is_null() && !times["a"]["closedAt"].is_null());
    assert!(times["b"]["resolvedAt"].is_null() && !times["b"]["closedAt"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_users_comment_resolve_and_close_while_staff_change_the_rest() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let acme = customer(&app, "acme").await;
    let pco = partner(&app, "partner co").await;
    let PortalContact { id: _alice, token } =
        PortalContact::customer(&app, &acme, "alice", "alice").await;

    // A contact opening a case for its own account becomes its contact.
    let opened = create_case_as(
        &app,
        &token,
        json!({"shortDescription": "my printer", "accountId": acme}),
    )
    .await;
    assert_eq!(opened["contact"]["name"], "alice");
    assert_eq!(opened["openedBySubject"], "alice");
    let case = id(&opened);
    // Portal users may not set partner fields.
    let reply = try_create_case(
        &app,
        Some(&token),
        json!({"shortDescription": "with partner", "accountId": acme, "partnerId": pco}),
    )
    .await;
    assert_error(&reply, "FORBIDDEN", None);

    let said = comment(&app, Some(&token), &case, "  it jams again  ").await;
    assert_eq!(
        said.data()["addCaseComment"]["comment"]["body"],
        "it jams again"
    );
    assert_error(
        &comment(&app, Some(&token), &case, "   ").await,
        "BAD_USER_INPUT",
        Some("body"),
    );
    let can = app
        .ok(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Case { viewerCan { read comment update close } } } }",
            json!({"id": case}),
        )
        .await;
    assert_eq!(
        can["node"]["viewerCan"],
        json!({"read": true, "comment": true, "update": false, "close": true})
    );

    // Changing fields and other transitions is staff work.
    assert_refused_writing_nothing(
        &app,
        Some(&token),
        "mutation($i: UpdateCaseInput!) { updateCase(input: $i) { case { id } } }",
        json!({"i": {"id": case, "priority": 1}}),
        "FORBIDDEN",
        None,
    )
    .await;
    for state in ["IN_PROGRESS", "AWAITING_INFO", "CANCELED"] {
        assert_refused_writing_nothing(&app, Some(&token), "mutation($id: ID!, $s: CaseState!) { changeCaseState(id: $id, state: $s) { case { id } } }", json!({"id": case, "s": state}), "FORBIDDEN", None)
        .await;
    }
    // Closing needs a resolved case, for portal users as for staff.
    assert_error(
        &finish(&app, Some(&token), "closeCase", &case).await,
        "BAD_USER_INPUT",
        Some("state"),
    );
    let reply = finish(&app, Some(&token), "resolveCase", &case).await;
    assert_eq!(reply.data()["resolveCase"]["case"]["state"], "RESOLVED");

    // Staff reopen and change fields; the portal user then closes.
    let reply = change_state(&app, Some(&admin), &case, "IN_PROGRESS").await;
    assert_eq!(
        reply.data()["changeCaseState"]["case"]["state"],
        "IN_PROGRESS"
    );
    let reply = update_case(
        &app,
        Some(&admin),
        json!({"id": case, "shortDescription": "printer jams", "priority": 2, "partnerId": pco}),
    )
    .await;
    assert_eq!(
        reply.data()["updateCase"]["case"],
        json!({"id": case, "shortDescription": "printer jams", "priority": 2, "partner": {"name": "partner co"}})
    );
    assert_error(
        &update_case(&app, Some(&admin), json!({"id": case, "priority": 0})).await,
        "BAD_USER_INPUT",
        Some("priority"),
    );
    let reply = finish(&app, Some(&token), "resolveCase", &case).await;
    assert_eq!(reply.data()["resolveCase"]["case"]["state"], "RESOLVED");
    let reply = finish(&app, Some(&token), "closeCase", &case).await;
    assert_eq!(reply.data()["closeCase"]["case"]["state"], "CLOSED");

    // Audit rows for every change, under the acting subject.
    assert_eq!(audit_entries(&app, "create", "case", &case).await, 1);
    assert_eq!(audit_entries(&app, "comment", "case", &case).await, 1);
    assert_eq!(audit_entries(&app, "update", "case", &case).await, 1);
    assert_eq!(audit_entries(&app, "change_state", "case", &case).await, 4);
    use entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::EntityKind.eq("case"))
        .filter(audit_log::Column::Actor.eq("alice"))
        .all(&app.db)
        .await
        .expect("audit rows");
    assert_eq!(
        rows.len(),
        5,
        "create, comment, two resolves and the close by alice"
    );

    // Someone without access neither reads nor touches the case.
    let stranger = app.token("nobody", &[CONSUMER]);
    assert!(!node_visible(&app, &stranger, &case).await);
    assert_error(
        &comment(&app, Some(&stranger), &case, "hi").await,
        "NOT_FOUND",
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_are_refused_every_case_mutation() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let cora = consumer(&app, "cora", None).await;
    let home = household(&app, "home", None).await;
    member(&app, &home, &cora, None, None).await;
    let case = id(&create_case(
        &app,
        json!({"shortDescription": "target", "accountId": acme}),
    )
    .await);
    let attempts: Vec<(String, Value)> = vec![
        (
            create_case_query(),
            json!({"i": {"shortDescription": "anon", "accountId": acme}}),
        ),
        (
            "mutation($i: UpdateCaseInput!) { updateCase(input: $i) { case { id } } }".into(),
            json!({"i": {"id": case, "priority": 1}}),
        ),
        (
            "mutation($id: ID!) { changeCaseState(id: $id, state: IN_PROGRESS) { case { id } } }"
                .into(),
            json!({"id": case}),
        ),
        (
            "mutation($id: ID!) { resolveCase(id: $id) { case { id } } }".into(),
            json!({"id": case}),
        ),
        (
            "mutation($id: ID!) { closeCase(id: $id) { case { id } } }".into(),
            json!({"id": case}),
        ),
        (
            "mutation($i: AddCaseCommentInput!) { addCaseComment(input: $i) { comment { id } } }"
                .into(),
            json!({"i": {"caseId": case, "body": "anon"}}),
        ),
    ];
    for (query, variables) in attempts {
        assert_refused_writing_nothing(&app, None, &query, variables, "UNAUTHENTICATED", None)
            .await;
    }
    // Anonymous callers list and read nothing either.
    let data = app
        .gql(
            None,
            "query($id: ID!) { viewer { cases { totalCount } } node(id: $id) { id } }",
            json!({"id": case}),
        )
        .await;
    assert_eq!(data.data()["viewer"]["cases"]["totalCount"], 0);
    assert!(data.data()["node"].is_null());
}
