//! The audit trail in the API: `auditLog` filters and orders, who may read it, and the `history`
//! of every relationship kind and of cases, batched per query level.

use serde_json::{Value, json};

use crate::support::{
    CUSTOMER_ADMIN, MANAGER, PortalConsumer, PortalContact, TestApp, account_case, admin_ok, agent,
    change_state, comment, consumer, contact, customer, define_responsibility, household, link,
    manager, member, nodes, partner, partner_account_type, relate, relationship_agent, represent,
    team_member,
};

const AUDIT: &str = "query($f: AuditLogFilter, $o: AuditOrder, $n: Int, $a: String) { auditLog(filter: $f, order: $o, first: $n, after: $a) { totalCount pageInfo { endCursor hasNextPage } nodes { id actor at operation recordId recordKind before after feedPosition } } }";

const HISTORY: &str = "query($id: ID!) { node(id: $id) { \
    ... on AccountRelationship { history { ...H } } ... on ContactRelationship { history { ...H } } \
    ... on ConsumerRelationship { history { ...H } } ... on HouseholdMembership { history { ...H } } \
    ... on TeamMember { history { ...H } } ... on Case { history { ...H } } } } \
    fragment H on AuditEntryConnection { totalCount nodes { actor operation recordId recordKind before after } }";

async fn audit(app: &TestApp, token: &str, filter: Value, order: &str) -> Vec<Value> {
    let data = app
        .ok(token, AUDIT, json!({"f": filter, "o": order, "n": 100}))
        .await;
    nodes(&data["auditLog"])
}

fn operations(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["operation"].as_str().expect("operation"))
        .collect()
}

async fn history(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(token, HISTORY, json!({"id": id})).await["node"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_filters_by_actor_record_operation_and_time_in_both_orders() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    customer(&app, "Alpha").await;
    let other = app.token("m.one", &[MANAGER]);
    let beta = app
        .ok(
            &other,
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({"i": {"name": "Beta", "isCustomer": true}}),
        )
        .await["createAccount"]["account"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    admin_ok(
        &app,
        "mutation($id: ID!) { deleteAccount(id: $id) { deletedId } }",
        json!({"id": beta}),
    )
    .await;

    let by_actor = audit(&app, &admin, json!({"actor": "m.one"}), "NEWEST_FIRST").await;
    assert_eq!(operations(&by_actor), ["CREATE"]);
    assert_eq!(by_actor[0]["recordId"], beta.as_str());
    assert_eq!(by_actor[0]["recordKind"], "Account");
    assert_eq!(by_actor[0]["after"]["name"], "Beta");
    assert!(by_actor[0]["before"].is_null());

    let newest = audit(&app, &admin, json!({"record": beta}), "NEWEST_FIRST").await;
    assert_eq!(operations(&newest), ["DELETE", "CREATE"]);
    assert_eq!(newest[0]["before"]["name"], "Beta");
    assert!(newest[0]["after"].is_null());
    let oldest = audit(&app, &admin, json!({"record": beta}), "OLDEST_FIRST").await;
    assert_eq!(operations(&oldest), ["CREATE", "DELETE"]);

    let deletes = audit(
        &app,
        &admin,
        json!({"operations": ["DELETE"]}),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(operations(&deletes), ["DELETE"]);

    let since_2000 = json!({"record": beta, "from": "2000-01-01T00:00:00Z"});
    assert_eq!(
        audit(&app, &admin, since_2000, "NEWEST_FIRST").await.len(),
        2
    );
    let before_2000 = json!({"record": beta, "to": "2000-01-01T00:00:00Z"});
    assert!(
        audit(&app, &admin, before_2000, "NEWEST_FIRST")
            .await
            .is_empty()
    );
    let future = json!({"from": "2999-01-01T00:00:00Z"});
    assert!(audit(&app, &admin, future, "OLDEST_FIRST").await.is_empty());

    // Pages of one, newest first, walk every entry once.
    let everything = audit(&app, &admin, json!({}), "NEWEST_FIRST").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let data = app.ok(&admin, AUDIT, json!({"n": 1, "a": cursor})).await;
        let page = &data["auditLog"];
        seen.extend(nodes(page).into_iter().map(|e| e["id"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        cursor = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let all: Vec<Value> = everything.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(seen, all);

    let bad = app
        .gql(Some(&admin), AUDIT, json!({"f": {"record": "nonsense"}}))
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
    assert_eq!(bad.field(), "filter.record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_read_relationship_entries_only_and_everyone_else_is_forbidden() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC").await;
    let gsi = partner(&app, "GSI").await;
    let kind = partner_account_type(&app).await;
    relate(&app, &kind, &gsi, &abc).await;

    let seen = audit(&app, &manager(&app), json!({}), "NEWEST_FIRST").await;
    let kinds: Vec<&str> = seen
        .iter()
        .map(|e| e["recordKind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["AccountRelationship"], "{seen:?}");
    let admin_sees = audit(&app, &app.admin(), json!({}), "NEWEST_FIRST").await;
    assert!(admin_sees.len() > seen.len());

    let refused = app.gql(Some(&agent(&app)), AUDIT, json!({})).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let anonymous = app.gql(None, AUDIT, json!({})).await;
    assert!(anonymous.body["data"].is_null() || anonymous.body["data"]["auditLog"].is_null());
    assert!(anonymous.body.get("errors").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_relationship_kind_and_cases_carry_their_history_for_those_who_see_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let abc = customer(&app, "ABC").await;
    let gsi = partner(&app, "GSI").await;
    let kind = partner_account_type(&app).await;
    let account_link = relate(&app, &kind, &gsi, &abc).await;
    let helper = contact(&app, &gsi, "HELPER", None).await;
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    let contact_link = link(&app, &abc, &helper, &duty).await;
    let agent_user = relationship_agent(&app, "Ravi", Some("ravi")).await;
    let team = team_member(&app, &agent_user, &abc, None).await;
    let ann = consumer(&app, "Ann", None).await;
    let bob = consumer(&app, "Bob", None).await;
    let home = household(&app, "Home", None).await;
    let membership = member(&app, &home, &ann, None, None).await;
    let consumer_link = represent(&app, &ann, &bob, None).await;
    for (id, kind) in [
        (&account_link, "AccountRelationship"),
        (&contact_link, "ContactRelationship"),
        (&team, "TeamMember"),
        (&membership, "HouseholdMembership"),
        (&consumer_link, "ConsumerRelationship"),
    ] {
        let node = history(&app, &admin, id).await;
        let entries = nodes(&node["history"]);
        assert_eq!(operations(&entries), ["CREATE"], "{kind}: {node}");
        assert_eq!(entries[0]["recordId"], id.as_str());
        assert_eq!(entries[0]["recordKind"], kind);
        assert!(entries[0]["after"].is_object(), "{kind}: {node}");
    }

    let case = account_case(&app, &abc, "Broken").await;
    change_state(&app, Some(&admin), &case, "IN_PROGRESS")
        .await
        .data();
    comment(&app, Some(&admin), &case, "On it").await.data();
    let node = history(&app, &admin, &case).await;
    let entries = nodes(&node["history"]);
    assert_eq!(operations(&entries), ["COMMENT", "CHANGE_STATE", "CREATE"]);
    assert_eq!(entries[1]["before"], json!({"state": "NEW"}));
    assert_eq!(entries[1]["after"], json!({"state": "IN_PROGRESS"}));
    assert!(entries[1]["actor"].is_string());

    // A customer administrator, who can read the case reads its history, without staff subjects.
    let reader = PortalContact::new(&app, &abc, "Reader", "reader", CUSTOMER_ADMIN).await;
    let seen = history(&app, &reader.token, &case).await;
    let entries = nodes(&seen["history"]);
    assert_eq!(operations(&entries), ["COMMENT", "CHANGE_STATE", "CREATE"]);
    assert!(entries.iter().all(|e| e["actor"].is_null()), "{seen}");

    // Somebody who cannot see a record cannot reach its history.
    let stranger = PortalConsumer::new(&app, "Stranger", "stranger").await;
    for id in [
        &case,
        &account_link,
        &contact_link,
        &team,
        &membership,
        &consumer_link,
    ] {
        assert!(history(&app, &stranger.token, id).await.is_null(), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_costs_the_same_statements_for_one_case_or_many() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let abc = customer(&app, "ABC").await;
    for i in 0..6 {
        let case = account_case(&app, &abc, &format!("Case {i}")).await;
        change_state(&app, Some(&admin), &case, "IN_PROGRESS")
            .await
            .data();
    }
    let query = "query($n: Int) { cases(first: $n) { nodes { id history(first: 10) { totalCount nodes { operation after } } } } }";
    app.warm_up(&admin).await;
    let mut counts = Vec::new();
    for n in [1, 6] {
        let reply = app.gql(Some(&admin), query, json!({"n": n})).await;
        let cases = nodes(&reply.data()["cases"]);
        assert_eq!(cases.len(), n);
        assert!(cases.iter().all(|c| c["history"]["totalCount"] == 2));
        counts.push(reply.statements);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements grow with the cases: {counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_records_the_whole_row_as_it_was_and_as_it_is() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let alpha = customer(&app, "Alpha").await;
    admin_ok(
        &app,
        "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
        json!({"i": {"id": alpha, "name": "Alpha Two"}}),
    )
    .await;
    let entries = audit(
        &app,
        &admin,
        json!({"record": alpha, "operations": ["UPDATE"]}),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let (before, after) = (&entries[0]["before"], &entries[0]["after"]);
    assert_eq!(before["name"], "Alpha");
    assert_eq!(after["name"], "Alpha Two");
    // Fields the update did not touch are in both images, unchanged.
    assert_eq!(before["is_customer"], after["is_customer"]);
    assert!(
        after["is_customer"]
            .as_bool()
            .unwrap_or(after["is_customer"] == 1)
    );
    assert_eq!(before["number"], after["number"]);
    assert!(after["number"].is_string() || after["number"].is_number());
}
