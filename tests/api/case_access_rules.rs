//! One row per access rule of DOMAIN.md §1 and §6, allowed and refused, each asked through the API
//! with the principal's own token: `viewer.cases`, `node`, `accessCheck(READ)` and the
//! explanation must all agree, and the explanation names the rule that grants.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::support::{
    AGENT, CONSUMER, CUSTOMER, CUSTOMER_ADMIN, CUSTOMER_CASE_MANAGER, MANAGER, PARTNER,
    PARTNER_ADMIN, PortalContact, RELATIONSHIP_AGENT, TestApp, account, affiliate_type,
    assert_error, assign_role, check, consumer, contact, create_case, create_case_as, customer,
    customer_under, explain_for, granting_rules, household, id, link, may_create_for, member,
    node_visible, partner, partner_account_type, relate, relationship_agent, represent,
    responsibility, team_member, try_create_case, visible_cases,
};

/// Someone who asks: a token, and the stored record when there is one.
struct Who {
    token: String,
    id: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_allows_and_refuses_through_the_api() {
    let app = TestApp::spawn().await;

    // Accounts: a hierarchy, a partner linked to its top, and two affiliated customers.
    let acme = customer(&app, "acme").await;
    let east = customer_under(&app, "acme east", &acme).await;
    let beta = customer(&app, "beta").await;
    let gamma = customer(&app, "gamma").await;
    let pco = partner(&app, "partner co").await;
    relate(&app, &partner_account_type(&app).await, &pco, &acme).await;
    let affiliate = affiliate_type(&app).await;
    relate(&app, &affiliate, &beta, &gamma).await;
    let authorized = responsibility(&app, "Authorized Contact").await;

    // Contacts with their portal roles (stored and in their tokens).
    let mut people: BTreeMap<&str, Who> = BTreeMap::new();
    let contacts = [
        ("alice", &acme, CUSTOMER),
        ("bob", &acme, CUSTOMER),
        ("carl", &acme, CUSTOMER_CASE_MANAGER),
        ("dana", &beta, CUSTOMER_ADMIN),
        ("eve", &beta, CUSTOMER),
        ("paul", &pco, PARTNER),
        ("pam", &pco, PARTNER_ADMIN),
    ];
    for (name, account, role) in contacts {
        let person = contact(&app, account, name, Some(name)).await;
        assign_role(&app, &person, role).await;
        people.insert(
            name,
            Who {
                token: app.token(name, &[role]),
                id: Some(person),
            },
        );
    }
    let pid = |people: &BTreeMap<&str, Who>, name: &str| people[name].id.clone().expect("stored");
    link(&app, &gamma, &pid(&people, "dana"), &authorized).await;
    link(&app, &gamma, &pid(&people, "eve"), &authorized).await;

    // Consumers, a household headed by hank with cora and mia, rex representing cora.
    for name in ["cora", "rex", "hank", "mia", "zed"] {
        let person = consumer(&app, name, Some(name)).await;
        people.insert(
            name,
            Who {
                token: app.token(name, &[CONSUMER]),
                id: Some(person),
            },
        );
    }
    let home = household(&app, "home", Some(&pid(&people, "hank"))).await;
    member(&app, &home, &pid(&people, "cora"), None, None).await;
    member(&app, &home, &pid(&people, "mia"), None, None).await;
    represent(&app, &pid(&people, "rex"), &pid(&people, "cora"), None).await;

    // Staff: a relationship agent on three teams, an unregistered one, and the internal roles.
    let ravi = relationship_agent(&app, "ravi", Some("ravi")).await;
    team_member(&app, &ravi, &acme, None).await;
    team_member(&app, &ravi, &pid(&people, "zed"), None).await;
    team_member(&app, &ravi, &home, None).await;
    people.insert(
        "ravi",
        Who {
            token: app.token("ravi", &[RELATIONSHIP_AGENT]),
            id: Some(ravi.clone()),
        },
    );
    people.insert(
        "ghost",
        Who {
            token: app.token("ghost", &[RELATIONSHIP_AGENT]),
            id: None,
        },
    );
    for (name, role) in [("admin", "admin"), ("manager", MANAGER), ("agent", AGENT)] {
        people.insert(
            name,
            Who {
                token: app.token(name, &[role]),
                id: None,
            },
        );
    }

    // Cases.
    let mut cases: BTreeMap<&str, String> = BTreeMap::new();
    let specs = [
        (
            "alice",
            json!({"accountId": acme, "contactId": pid(&people, "alice")}),
        ),
        (
            "acme",
            json!({"accountId": acme, "contactId": pid(&people, "bob")}),
        ),
        ("east", json!({"accountId": east})),
        ("beta", json!({"accountId": beta})),
        ("gamma", json!({"accountId": gamma})),
        ("pco", json!({"accountId": pco})),
        (
            "beta-paul",
            json!({"accountId": beta, "partnerId": pco, "partnerContactId": pid(&people, "paul")}),
        ),
        (
            "beta-pam",
            json!({"accountId": beta, "partnerId": pco, "partnerContactId": pid(&people, "pam")}),
        ),
        ("cora", json!({"consumerId": pid(&people, "cora")})),
        (
            "cora-home",
            json!({"consumerId": pid(&people, "cora"), "householdId": home}),
        ),
        ("mia", json!({"consumerId": pid(&people, "mia")})),
        ("zed", json!({"consumerId": pid(&people, "zed")})),
    ];
    for (name, mut input) in specs {
        input["shortDescription"] = json!(format!("case {name}"));
        cases.insert(name, id(&create_case(&app, input).await));
    }
    // paul opens one himself (through the partner relationship to acme).
    let opened = create_case_as(
        &app,
        &people["paul"].token,
        json!({"shortDescription": "opened by paul", "accountId": acme}),
    )
    .await;
    assert_eq!(opened["partnerContact"]["name"], "paul");
    cases.insert("paul-opened", id(&opened));

    // (principal, case, the rule that grants it or None when refused)
    let rows: &[(&str, &str, Option<&str>)] = &[
        ("admin", "beta", Some("INTERNAL_ROLE")),
        ("admin", "zed", Some("INTERNAL_ROLE")),
        ("manager", "gamma", Some("INTERNAL_ROLE")),
        ("manager", "cora-home", Some("INTERNAL_ROLE")),
        ("agent", "cora", Some("INTERNAL_ROLE")),
        ("agent", "east", Some("INTERNAL_ROLE")),
        ("ravi", "acme", Some("TEAM_MEMBER")),
        ("ravi", "zed", Some("TEAM_MEMBER")),
        ("ravi", "cora-home", Some("TEAM_MEMBER")),
        ("ravi", "east", None),
        ("ravi", "cora", None),
        ("ravi", "beta", None),
        ("ghost", "acme", None),
        ("alice", "alice", Some("OWN_CASE")),
        ("alice", "acme", None),
        ("alice", "gamma", None),
        ("eve", "gamma", Some("CONTACT_RELATIONSHIP")),
        ("eve", "beta", None),
        ("carl", "acme", Some("OWN_ACCOUNT")),
        ("carl", "east", Some("DESCENDANT_ACCOUNT")),
        ("carl", "beta", None),
        ("dana", "beta", Some("OWN_ACCOUNT")),
        ("dana", "gamma", Some("CONTACT_RELATIONSHIP")),
        ("dana", "acme", None),
        ("paul", "beta-paul", Some("PARTNER_CONTACT")),
        ("paul", "paul-opened", Some("OWN_CASE")),
        ("paul", "pco", Some("OWN_ACCOUNT")),
        ("paul", "acme", Some("PARTNER_RELATIONSHIP")),
        ("paul", "beta", None),
        ("paul", "beta-pam", None),
        ("paul", "gamma", None),
        ("pam", "pco", Some("OWN_ACCOUNT")),
        ("pam", "acme", Some("PARTNER_RELATIONSHIP")),
        ("pam", "paul-opened", Some("PARTNER_RELATIONSHIP")),
        ("pam", "beta-pam", None),
        ("pam", "beta", None),
        ("cora", "cora", Some("OWN_CONSUMER_CASE")),
        ("cora", "mia", None),
        ("cora", "zed", None),
        ("rex", "cora", Some("REPRESENTATIVE")),
        ("rex", "mia", None),
        ("mia", "cora-home", Some("HOUSEHOLD_MEMBER")),
        ("mia", "cora", None),
        ("hank", "mia", Some("HEAD_OF_HOUSEHOLD")),
        ("hank", "cora", Some("HEAD_OF_HOUSEHOLD")),
        ("hank", "cora-home", Some("HEAD_OF_HOUSEHOLD")),
        ("hank", "zed", None),
        ("zed", "zed", Some("OWN_CONSUMER_CASE")),
        ("zed", "cora-home", None),
    ];
    let mut lists: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (who, case_name, rule) in rows {
        let person = &people[who];
        let case = &cases[case_name];
        let expected = rule.is_some();
        let row = format!("{who} on case {case_name}");
        if !lists.contains_key(who) {
            lists.insert(who, visible_cases(&app, &person.token).await);
        }
        assert_eq!(lists[who].contains(case), expected, "viewer.cases: {row}");
        assert_eq!(
            node_visible(&app, &person.token, case).await,
            expected,
            "node: {row}"
        );
        let (allowed, explained, rules) = check(&app, &person.token, "READ", case).await;
        assert_eq!(allowed, expected, "accessCheck: {row}");
        assert_eq!(explained, expected, "accessCheck explanation: {row}");
        assert_eq!(!rules.is_empty(), expected, "grants: {row} {rules:?}");
        if let Some(rule) = rule {
            assert!(
                rules.iter().any(|r| r == rule),
                "{row}: expected {rule} in {rules:?}"
            );
        }
        if let Some(principal) = &person.id {
            let asked = explain_for(&app, case, principal).await;
            assert_eq!(asked["allowed"], expected, "admin's explanation: {row}");
            if let Some(rule) = rule {
                assert!(
                    granting_rules(&asked).iter().any(|r| r == rule),
                    "{row}: {asked}"
                );
            }
        }
    }

    // Comment, close and update: anyone who reads may comment and close; update is staff only.
    let actions: &[(&str, &str, &str, bool)] = &[
        ("alice", "alice", "COMMENT", true),
        ("alice", "alice", "CLOSE", true),
        ("alice", "alice", "UPDATE", false),
        ("alice", "acme", "COMMENT", false),
        ("pam", "pco", "COMMENT", true),
        ("pam", "pco", "UPDATE", false),
        ("pam", "acme", "UPDATE", false),
        ("cora", "cora", "UPDATE", false),
        ("hank", "mia", "CLOSE", true),
        ("hank", "mia", "UPDATE", false),
        ("ravi", "acme", "UPDATE", true),
        ("ravi", "beta", "UPDATE", false),
        ("agent", "beta", "UPDATE", true),
        ("manager", "zed", "UPDATE", true),
        ("admin", "gamma", "CLOSE", true),
    ];
    for (who, case_name, action, expected) in actions {
        let (allowed, _, _) = check(&app, &people[who].token, action, &cases[case_name]).await;
        assert_eq!(allowed, *expected, "{who} {action} on case {case_name}");
    }
    let refused = app
        .gql(
            Some(&people["alice"].token),
            "mutation($i: UpdateCaseInput!) { updateCase(input: $i) { case { id } } }",
            json!({"i": {"id": cases["alice"], "priority": 1}}),
        )
        .await;
    assert_error(&refused, "FORBIDDEN", None);

    // CREATE_FOR follows the same rules; createCase is refused with FORBIDDEN where it is not allowed.
    let consumer = |name: &str| json!({"consumer": pid(&people, name)});
    let account = |id: &String| json!({"account": id});
    let creates: Vec<(&str, Value, bool)> = vec![
        ("admin", consumer("zed"), true),
        ("agent", account(&gamma), true),
        ("alice", account(&acme), true),
        ("alice", account(&beta), false),
        ("eve", account(&gamma), true),
        ("carl", account(&east), true),
        ("carl", account(&beta), false),
        ("dana", account(&gamma), true),
        ("dana", account(&acme), false),
        ("paul", account(&acme), true),
        ("paul", account(&gamma), false),
        ("pam", account(&acme), true),
        ("pam", account(&beta), false),
        ("ravi", account(&acme), true),
        ("ravi", consumer("zed"), true),
        ("ravi", account(&beta), false),
        ("ghost", account(&acme), false),
        ("cora", consumer("cora"), true),
        ("rex", consumer("cora"), true),
        ("hank", consumer("mia"), true),
        ("zed", consumer("cora"), false),
        ("mia", consumer("zed"), false),
    ];
    for (who, target, expected) in &creates {
        let token = &people[who].token;
        assert_eq!(
            may_create_for(&app, token, target.clone()).await,
            *expected,
            "{who} CREATE_FOR {target}"
        );
        let mut input = json!({"shortDescription": format!("opened by {who}")});
        if let Some(account) = target.get("account") {
            input["accountId"] = account.clone();
        } else {
            input["consumerId"] = target["consumer"].clone();
        }
        let reply = try_create_case(&app, Some(token), input).await;
        if *expected {
            let created = id(&reply.data()["createCase"]["case"]);
            assert!(
                node_visible(&app, token, &created).await,
                "{who} cannot read the case it opened for {target}"
            );
        } else {
            assert_error(&reply, "FORBIDDEN", None);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_contact_and_a_partner_admin_differ_on_cases_outside_their_customers() {
    let app = TestApp::spawn().await;
    let pco = account(&app, "partner co", false, true, None).await;
    let beta = customer(&app, "beta").await;
    let paul = PortalContact::new(&app, &pco, "paul", "paul", PARTNER)
        .await
        .id;
    let pam = PortalContact::partner_admin(&app, &pco, "pam", "pam")
        .await
        .id;
    let worked_by_paul = id(&create_case(
        &app,
        json!({"shortDescription": "paul works it", "accountId": beta, "partnerId": pco, "partnerContactId": paul}),
    )
    .await);
    let worked_by_pam = id(&create_case(
        &app,
        json!({"shortDescription": "pam works it", "accountId": beta, "partnerId": pco, "partnerContactId": pam}),
    )
    .await);
    let paul_token = app.token("paul", &[PARTNER]);
    let pam_token = app.token("pam", &[PARTNER_ADMIN]);
    assert_eq!(
        visible_cases(&app, &paul_token).await,
        BTreeSet::from([worked_by_paul.clone()])
    );
    assert!(visible_cases(&app, &pam_token).await.is_empty());
    assert!(!node_visible(&app, &pam_token, &worked_by_pam).await);
    // A partner may not open cases for an account it has no relationship to.
    let reply = try_create_case(
        &app,
        Some(&paul_token),
        json!({"shortDescription": "no link", "accountId": beta}),
    )
    .await;
    assert_error(&reply, "FORBIDDEN", None);
}
