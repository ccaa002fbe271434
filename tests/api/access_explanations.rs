//! Explanations: every grant names its rule, the role that made it count and the path of records
//! (with labels and validity dates); a refusal lists what is missing; only admins and managers ask
//! about others; `whoCanAccess` lists exactly the principals with access and their rules.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::{
    ADMIN, AGENT, CONSUMER, CUSTOMER, CUSTOMER_CASE_MANAGER, EXPLANATION, PARTNER_ADMIN,
    PortalContact, RELATIONSHIP_AGENT, StaffUser, TestApp, account_case, admin_ok, api_role,
    assert_error, assign_role, consumer, consumer_case, contact, create_case, customer,
    customer_under, day, explain_for, explanation, household, id, manager, partner,
    partner_account_type, relationship_agent, represent, set_policy, team_member, try_relate,
    unrelate,
};

/// The entry for `rule` in an explanation's `list` (`grants` or `denials`).
fn entry<'a>(explanation: &'a Value, list: &str, rule: &str) -> &'a Value {
    explanation[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {explanation}"))
        .iter()
        .find(|g| g["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in the {list} of {explanation}"))
}

/// The viewer's own explanation of a case it can read.
async fn own(app: &TestApp, token: &str, case: &str) -> Value {
    explanation(app, token, case, None).await.data()["node"]["accessExplanation"].clone()
}

/// Peter Robinson of GSI Tech (partner_admin) and ABC Corp, linked from `from` to `to` days.
struct Scene {
    app: TestApp,
    gsi: String,
    abc: String,
    peter: String,
    token: String,
}

async fn scene() -> Scene {
    let app = TestApp::spawn().await;
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let PortalContact { id: peter, token } =
        PortalContact::partner_admin(&app, &gsi, "Peter Robinson", "peter.robinson").await;
    Scene {
        app,
        gsi,
        abc,
        peter,
        token,
    }
}

async fn link(s: &Scene, from: Option<i64>, to: Option<i64>) -> String {
    let app = &s.app;
    let reply = try_relate(
        app,
        Some(&manager(app)),
        json!({"typeId": partner_account_type(app).await, "fromId": s.gsi, "toId": s.abc,
               "validFrom": from.map(|d| day(app, d)), "validTo": to.map(|d| day(app, d))}),
    )
    .await;
    id(&reply.data()["createAccountRelationship"]["accountRelationship"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_names_the_rule_the_role_and_the_relationship_path() {
    let s = scene().await;
    let app = &s.app;
    let record = link(&s, Some(-3), Some(30)).await;
    let case = account_case(app, &s.abc, "printer").await;

    let mine = own(app, &s.token, &case).await;
    assert_eq!(mine["allowed"], true);
    assert_eq!(mine["subject"], "peter.robinson");
    assert_eq!(mine["roles"], json!([api_role(PARTNER_ADMIN)]));
    assert_eq!(mine["grants"].as_array().map(Vec::len), Some(1), "{mine}");
    let g = entry(&mine, "grants", "PARTNER_RELATIONSHIP");
    assert_eq!(g["role"], "PARTNER_ADMIN");
    let path = g["path"].as_array().expect("path");
    assert_eq!(path.len(), 1, "{g}");
    let step = &path[0];
    assert_eq!(step["kind"], "ACCOUNT_RELATIONSHIP");
    assert_eq!(
        step["recordId"], record,
        "the step names the relationship by its global ID"
    );
    let label = step["label"].as_str().expect("label");
    assert!(
        label.contains("Partner of") && label.contains("ABC Corp") && label.contains("DERIVED"),
        "{label}"
    );
    assert_eq!(step["validFrom"], day(app, -3));
    assert_eq!(step["validTo"], day(app, 30));
    // The admin asking about Peter gets the same grants.
    let asked = explain_for(app, &case, &s.peter).await;
    assert_eq!(asked["grants"], mine["grants"]);
    // The same explanation comes with accessCheck.
    let checked = app
        .ok(
            &s.token,
            &format!("query($c: ID!) {{ accessCheck(action: READ, caseId: $c) {{ allowed explanation {{ {EXPLANATION} }} }} }}"),
            json!({"c": case}),
        )
        .await;
    assert_eq!(
        checked["accessCheck"]["explanation"]["grants"],
        mine["grants"]
    );

    // Relabelling the type shows at once in the path.
    admin_ok(app, "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
        json!({"i": {"id": partner_account_type(app).await, "forwardLabel": "Reseller for"}}),
    )
    .await;
    let relabelled = own(app, &s.token, &case).await;
    let label = relabelled["grants"][0]["path"][0]["label"]
        .as_str()
        .expect("label");
    assert!(label.contains("Reseller for"), "{label}");

    // A customer_case_manager's grant follows the hierarchy; a consumer's the relationships.
    let group = customer(app, "ABC Group").await;
    let child = customer_under(app, "ABC Labs", &group).await;
    PortalContact::new(app, &group, "Carl Manager", "carl", CUSTOMER_CASE_MANAGER).await;
    let lab_case = account_case(app, &child, "lab").await;
    let carls = own(app, &app.token("carl", &[CUSTOMER_CASE_MANAGER]), &lab_case).await;
    let g = entry(&carls, "grants", "DESCENDANT_ACCOUNT");
    assert_eq!(g["role"], "CUSTOMER_CASE_MANAGER");
    let labels: Vec<&str> = g["path"]
        .as_array()
        .expect("path")
        .iter()
        .map(|s| s["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["account ABC Labs", "account ABC Group"]);
    assert_eq!(g["path"][0]["recordId"], child);

    let rex = consumer(app, "rex", Some("rex")).await;
    let cora = consumer(app, "cora", Some("cora")).await;
    let rel = represent(app, &rex, &cora, None).await;
    let coras = consumer_case(app, &cora, "cora's").await;
    let rexs = own(app, &app.token("rex", &[CONSUMER]), &coras).await;
    let g = entry(&rexs, "grants", "REPRESENTATIVE");
    assert_eq!(g["role"], "CONSUMER");
    assert_eq!(g["path"][0]["kind"], "CONSUMER_RELATIONSHIP");
    assert_eq!(g["path"][0]["recordId"], rel);
    assert!(
        g["path"][0]["label"]
            .as_str()
            .expect("label")
            .contains("cora")
    );

    let ravi = relationship_agent(app, "ravi", Some("ravi")).await;
    let team = team_member(app, &ravi, &cora, None).await;
    let ravis = own(app, &app.token("ravi", &[RELATIONSHIP_AGENT]), &coras).await;
    let g = entry(&ravis, "grants", "TEAM_MEMBER");
    assert_eq!(g["role"], "RELATIONSHIP_AGENT");
    assert_eq!(g["path"][0]["kind"], "TEAM_MEMBER");
    assert_eq!(g["path"][0]["recordId"], team);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_lists_what_is_missing_or_lapsed() {
    let s = scene().await;
    let app = &s.app;
    let case = account_case(app, &s.abc, "printer").await;

    // No relationship at all: every rule of Peter's role says why not.
    let none = explain_for(app, &case, &s.peter).await;
    assert_eq!(none["allowed"], false);
    assert_eq!(none["grants"], json!([]));
    for rule in ["OWN_ACCOUNT", "PARTNER_RELATIONSHIP"] {
        let d = entry(&none, "denials", rule);
        assert_eq!(d["role"], api_role(PARTNER_ADMIN));
        assert!(!d["reason"].as_str().expect("reason").is_empty(), "{d}");
        assert_eq!(d["lapsed"], json!([]));
    }
    assert!(
        entry(&none, "denials", "OWN_ACCOUNT")["reason"]
            .as_str()
            .expect("reason")
            .contains("another account")
    );
    // The viewer may ask about itself through accessCheck even when it cannot read the case, and
    // learns no more than for a case that does not exist (tests/api/existence_oracle.rs).
    let checked = app
        .ok(
            &s.token,
            "query($c: ID!) { accessCheck(action: READ, caseId: $c) { allowed explanation { allowed grants { rule } denials { rule reason } } } }",
            json!({"c": case}),
        )
        .await;
    assert_eq!(checked["accessCheck"]["allowed"], false);
    assert_eq!(checked["accessCheck"]["explanation"], Value::Null);

    // An expired relationship is shown as lapsed, with its dates.
    let record = link(&s, Some(-10), Some(-1)).await;
    let expired = explain_for(app, &case, &s.peter).await;
    assert_eq!(expired["allowed"], false);
    let lapsed = &entry(&expired, "denials", "PARTNER_RELATIONSHIP")["lapsed"];
    assert_eq!(lapsed.as_array().map(Vec::len), Some(1), "{expired}");
    assert_eq!(lapsed[0]["recordId"], record);
    assert_eq!(lapsed[0]["validTo"], day(app, -1));
    assert!(
        lapsed[0]["label"]
            .as_str()
            .expect("label")
            .contains("Partner of")
    );

    // STAMPED and a case not stamped with GSI Tech: the reason names the policy.
    unrelate(app, &record).await;
    link(&s, None, None).await;
    set_policy(app, &partner_account_type(app).await, "STAMPED").await;
    let stamped_out = explain_for(app, &case, &s.peter).await;
    assert_eq!(stamped_out["allowed"], false, "{stamped_out}");
    let reason = entry(&stamped_out, "denials", "PARTNER_RELATIONSHIP")["reason"]
        .as_str()
        .expect("reason");
    assert!(reason.contains("STAMPED"), "{reason}");
    let stamped = id(&create_case(
        app,
        json!({"shortDescription": "stamped", "accountId": s.abc, "partnerId": s.gsi}),
    )
    .await);
    assert_eq!(explain_for(app, &stamped, &s.peter).await["allowed"], true);

    // A stored contact holding no role, as an admin sees it: the one denial says so.
    let roleless = contact(app, &s.abc, "Rolf Less", Some("rolf.less")).await;
    let data = app
        .ok(
            &app.admin(),
            "query($c: ID!, $p: ID!) { accessCheck(action: READ, caseId: $c, principalId: $p) { allowed explanation { allowed grants { rule } denials { rule reason } } } }",
            json!({"c": case, "p": roleless}),
        )
        .await;
    let denials = data["accessCheck"]["explanation"]["denials"]
        .as_array()
        .expect("denials");
    assert_eq!(denials.len(), 1, "{data}");
    assert!(
        denials[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("no role")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_and_managers_ask_about_someone_else() {
    let s = scene().await;
    let app = &s.app;
    link(&s, None, None).await;
    let case = account_case(app, &s.abc, "printer").await;
    let alice = contact(app, &s.abc, "Alice Buyer", Some("alice")).await;
    assign_role(app, &alice, CUSTOMER).await;
    let ravi = relationship_agent(app, "ravi", Some("ravi")).await;
    team_member(app, &ravi, &s.abc, None).await;
    let ravi_token = app.token("ravi", &[RELATIONSHIP_AGENT]);
    let agent = app.token("test.agent", &[AGENT]);

    for (who, token) in [
        ("peter", &s.token),
        ("ravi", &ravi_token),
        ("agent", &agent),
    ] {
        let reply = explanation(app, token, &case, Some(&alice)).await;
        assert_error(&reply, "FORBIDDEN", None);
        let reply = app
            .gql(
                Some(token),
                "query($c: ID!, $p: ID!) { accessCheck(action: READ, caseId: $c, principalId: $p) { allowed } }",
                json!({"c": case, "p": alice}),
            )
            .await;
        assert_eq!(reply.code(), "FORBIDDEN", "{who}: {}", reply.body);
    }
    // Asking about oneself by ID is fine.
    let reply = explanation(app, &s.token, &case, Some(&s.peter)).await;
    assert_eq!(reply.data()["node"]["accessExplanation"]["allowed"], true);
    // Admins and managers ask about anyone.
    for token in [app.admin(), manager(app)] {
        let reply = explanation(app, &token, &case, Some(&alice)).await;
        assert_eq!(reply.data()["node"]["accessExplanation"]["allowed"], false);
        let reply = explanation(app, &token, &case, Some(&s.peter)).await;
        assert_eq!(reply.data()["node"]["accessExplanation"]["allowed"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_can_access_lists_exactly_the_principals_with_access() {
    let s = scene().await;
    let app = &s.app;
    link(&s, None, None).await;
    let group = customer(app, "ABC Group").await;
    admin_ok(
        app,
        "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
        json!({"i": {"id": s.abc, "parentId": group}}),
    )
    .await;
    let other = customer(app, "Other Co").await;

    let alice = PortalContact::customer(app, &s.abc, "Alice Buyer", "alice").await;
    // Bob (not the case's contact), Olga (another account) and Rita (on no team) have no access.
    PortalContact::customer(app, &s.abc, "Bob Buyer", "bob").await;
    PortalContact::new(app, &group, "Carl Manager", "carl", CUSTOMER_CASE_MANAGER).await;
    PortalContact::new(app, &other, "Olga Other", "olga", CUSTOMER_CASE_MANAGER).await;
    StaffUser::new(app, "Staff One", "staff.one", ADMIN).await;
    StaffUser::new(app, "Agent One", "agent.one", AGENT).await;
    let ravi = relationship_agent(app, "ravi", Some("ravi")).await;
    team_member(app, &ravi, &s.abc, None).await;
    relationship_agent(app, "rita", Some("rita")).await;
    let cora = consumer(app, "cora", Some("cora")).await;
    household(app, "home", Some(&cora)).await;

    let case = id(&create_case(
        app,
        json!({"shortDescription": "printer", "accountId": s.abc, "contactId": alice.id}),
    )
    .await);
    let query = "query($c: ID!) { node(id: $c) { ... on Case { whoCanAccess(first: 100) { totalCount nodes { subject roles rules principal { id } } } } } }";
    let data = admin_ok(app, query, json!({"c": case})).await;
    let list = &data["node"]["whoCanAccess"];
    let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for holder in list["nodes"].as_array().expect("nodes") {
        let mut rules: Vec<String> = holder["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("rule").to_owned())
            .collect();
        rules.sort();
        let subject = holder["subject"].as_str().expect("subject").to_owned();
        assert!(
            holders.insert(subject, rules).is_none(),
            "listed twice: {list}"
        );
        assert!(!holder["principal"].is_null(), "{holder}");
    }
    let expected: BTreeMap<String, Vec<String>> = [
        ("staff.one", vec!["INTERNAL_ROLE"]),
        ("agent.one", vec!["INTERNAL_ROLE"]),
        ("ravi", vec!["TEAM_MEMBER"]),
        ("alice", vec!["OWN_CASE"]),
        ("carl", vec!["DESCENDANT_ACCOUNT"]),
        ("peter.robinson", vec!["PARTNER_RELATIONSHIP"]),
    ]
    .into_iter()
    .map(|(s, r)| (s.to_owned(), r.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(holders, expected, "{list}");
    assert_eq!(list["totalCount"], expected.len());

    // The manager may ask too; everyone else is refused.
    let data = app.ok(&manager(app), query, json!({"c": case})).await;
    assert_eq!(data["node"]["whoCanAccess"]["totalCount"], expected.len());
    for token in [
        app.token("test.agent", &[AGENT]),
        app.token("ravi", &[RELATIONSHIP_AGENT]),
        s.token.clone(),
        alice.token.clone(),
    ] {
        let reply = app.gql(Some(&token), query, json!({"c": case})).await;
        assert_error(&reply, "FORBIDDEN", None);
    }
}
