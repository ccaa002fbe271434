//! Contact relationships (DOMAIN.md §3): candidates and why they qualify, every refusal with its
//! code and field, the lists from both ends, who may write and read, and the account a portal
//! contact gains through a contact relationship for as long as it is in force.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::support::{
    ADMIN, CREATE_CONTACT_RELATIONSHIP, CUSTOMER, CUSTOMER_ADMIN, CUSTOMER_CASE_MANAGER, MANAGER,
    PARTNER_ADMIN, PortalContact, TestApp, admin_ok, agent, assert_only_roles, assert_refused,
    contact, create_type, customer, customer_under, day, define_responsibility, id_of, link,
    link_count, link_with, manager, node, node_visible, nodes, partner, partner_account_type,
    relate, relate_with, responsibility, sorted, strings, try_link, visible_accounts,
};

const DELETE_LINK: &str = "mutation($id: ID!) { deleteContactRelationship(id: $id) { deletedId } }";

/// Accounts and contacts around TARGET:
/// - ROOT is TARGET's parent, SIB its sibling, CHILD its child and GRAND its grandchild;
/// - PARTNERP is TARGET's partner (Partner Account), SUPP its supplier (TARGET -> SUPP), and SIB
///   is also TARGET's supplier; EXP was its supplier until yesterday;
/// - UNREL is not related at all.
///
/// Each account has one contact named after it with a C suffix (TARGETC, ROOTC, ...).
struct World {
    accounts: BTreeMap<&'static str, String>,
    contacts: BTreeMap<String, String>,
    relationships: BTreeMap<&'static str, String>,
}

impl World {
    fn account(&self, name: &str) -> &str {
        &self.accounts[name]
    }
    fn contact(&self, name: &str) -> &str {
        &self.contacts[name]
    }
}

async fn world(app: &TestApp) -> World {
    let mut accounts = BTreeMap::new();
    let root = customer(app, "ROOT").await;
    let target = customer_under(app, "TARGET", &root).await;
    accounts.insert("SIB", customer_under(app, "SIB", &root).await);
    let child = customer_under(app, "CHILD", &target).await;
    accounts.insert("GRAND", customer_under(app, "GRAND", &child).await);
    accounts.insert("ROOT", root);
    accounts.insert("TARGET", target);
    accounts.insert("CHILD", child);
    accounts.insert("PARTNERP", partner(app, "PARTNERP").await);
    accounts.insert("SUPP", customer(app, "SUPP").await);
    accounts.insert("EXP", customer(app, "EXP").await);
    accounts.insert("UNREL", customer(app, "UNREL").await);
    let mut contacts = BTreeMap::new();
    for (name, id) in &accounts {
        let person = format!("{name}C");
        let id = contact(app, id, &person, None).await;
        contacts.insert(person, id);
    }
    let partner_type = partner_account_type(app).await;
    let supplier = create_type(
        app,
        "Supplier",
        "ACCOUNT",
        "ACCOUNT",
        "Buys from",
        "Sells to",
    )
    .await;
    let mut relationships = BTreeMap::new();
    relationships.insert(
        "PARTNERP",
        relate(
            app,
            &partner_type,
            &accounts["PARTNERP"],
            &accounts["TARGET"],
        )
        .await,
    );
    relationships.insert(
        "SUPP",
        relate(app, &supplier, &accounts["TARGET"], &accounts["SUPP"]).await,
    );
    relationships.insert(
        "SIB",
        relate(app, &supplier, &accounts["TARGET"], &accounts["SIB"]).await,
    );
    relate_with(
        app,
        json!({"typeId": supplier, "fromId": accounts["TARGET"], "toId": accounts["EXP"],
               "validFrom": day(app, -30), "validTo": day(app, -1)}),
    )
    .await;
    World {
        accounts,
        contacts,
        relationships,
    }
}

const CANDIDATES: &str = "query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Account { contactRelationshipCandidates(first: $first, after: $after) { ...Candidates } } ... on Partner { contactRelationshipCandidates(first: $first, after: $after) { ...Candidates } } } }
  fragment Candidates on ContactRelationshipCandidateConnection { totalCount pageInfo { hasNextPage endCursor } nodes { contact { id name account { name } } reasons { kind viaAccount { name } direction relationship { id } } } }";

/// The candidates of `account`: contact name -> its reasons as "KIND|via|direction|relationship".
async fn candidates(app: &TestApp, token: &str, account: &str) -> BTreeMap<String, Vec<String>> {
    let data = app
        .ok(token, CANDIDATES, json!({"id": account, "first": 100}))
        .await;
    let list = &data["node"]["contactRelationshipCandidates"];
    let rows = nodes(list);
    assert_eq!(list["totalCount"], rows.len());
    rows.iter()
        .map(|c| {
            let mut reasons: Vec<String> = c["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| {
                    format!(
                        "{}|{}|{}|{}",
                        r["kind"].as_str().unwrap(),
                        r["viaAccount"]["name"].as_str().unwrap(),
                        r["direction"].as_str().unwrap_or("-"),
                        r["relationship"]["id"].as_str().unwrap_or("-")
                    )
                })
                .collect();
            reasons.sort();
            (c["contact"]["name"].as_str().unwrap().to_owned(), reasons)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_are_contacts_of_related_accounts_and_of_the_whole_hierarchy() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let manager = manager(&app);
    let found = candidates(&app, &manager, w.account("TARGET")).await;
    let rel = |name: &str, direction: &str| {
        format!(
            "RELATED_ACCOUNT|{name}|{direction}|{}",
            w.relationships[name]
        )
    };
    let hier = |name: &str| format!("HIERARCHY|{name}|-|-");
    let expected: BTreeMap<String, Vec<String>> = [
        ("PARTNERPC", vec![rel("PARTNERP", "REVERSE")]),
        ("SUPPC", vec![rel("SUPP", "FORWARD")]),
        ("ROOTC", vec![hier("ROOT")]),
        ("CHILDC", vec![hier("CHILD")]),
        ("GRANDC", vec![hier("GRAND")]),
        // Related and in the hierarchy: both reasons.
        ("SIBC", sorted(vec![hier("SIB"), rel("SIB", "FORWARD")])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(
        found, expected,
        "no TARGETC (own account), no EXPC (relationship ended), no UNRELC (unrelated)"
    );

    // Ordered by contact name, and paginated.
    let data = app
        .ok(
            &manager,
            CANDIDATES,
            json!({"id": w.account("TARGET"), "first": 4}),
        )
        .await;
    let page = &data["node"]["contactRelationshipCandidates"];
    let first: Vec<String> = nodes(page)
        .iter()
        .map(|c| c["contact"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(first, strings(&["CHILDC", "GRANDC", "PARTNERPC", "ROOTC"]));
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["totalCount"], 6);
    let data = app
        .ok(
            &manager,
            CANDIDATES,
            json!({"id": w.account("TARGET"), "first": 4, "after": page["pageInfo"]["endCursor"]}),
        )
        .await;
    let page = &data["node"]["contactRelationshipCandidates"];
    let rest: Vec<String> = nodes(page)
        .iter()
        .map(|c| c["contact"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(rest, strings(&["SIBC", "SUPPC"]));
    assert_eq!(page["pageInfo"]["hasNextPage"], false);

    // From the bottom of the tree: the whole tree from its root, and nothing related to TARGET.
    let found = candidates(&app, &manager, w.account("GRAND")).await;
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        strings(&["CHILDC", "ROOTC", "SIBC", "TARGETC"])
    );
    assert!(
        found
            .values()
            .flatten()
            .all(|r| r.starts_with("HIERARCHY|"))
    );
    // From the partner's side: the relationship reads FORWARD there.
    let found = candidates(&app, &manager, w.account("PARTNERP")).await;
    assert_eq!(
        found,
        BTreeMap::from([(
            "TARGETC".to_owned(),
            vec![format!(
                "RELATED_ACCOUNT|TARGET|FORWARD|{}",
                w.relationships["PARTNERP"]
            )]
        )])
    );
    // An account on its own has none.
    let found = candidates(&app, &manager, w.account("UNREL")).await;
    assert!(found.is_empty());
    // Agents read candidates too.
    let found = candidates(&app, &agent(&app), w.account("TARGET")).await;
    assert_eq!(found.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_refuses_every_broken_rule_with_its_code_and_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    let account_manager = responsibility(&app, "Account Manager").await;
    let representative = responsibility(&app, "Authorized Representative").await;
    let unique = define_responsibility(&app, "Primary Escalation", "CONTACT", true, None).await;
    let target = w.account("TARGET");
    link(&app, target, w.contact("SUPPC"), &authorized).await;
    link(&app, target, w.contact("ROOTC"), &unique).await;
    let count = link_count(&app).await;
    assert_eq!(count, 2);

    let input = |contact: &str, responsibility: &str| json!({"accountId": target, "contactId": contact, "responsibilityId": responsibility});
    let mut dates = input(w.contact("SIBC"), &authorized);
    dates["validFrom"] = json!(day(&app, 3));
    dates["validTo"] = json!(day(&app, 2));
    let mut duplicate_later = input(w.contact("SUPPC"), &authorized);
    duplicate_later["validFrom"] = json!(day(&app, 100));
    let cases = [
        // Not a candidate: unrelated account, and a relationship no longer in force.
        (
            input(w.contact("UNRELC"), &authorized),
            "BAD_USER_INPUT",
            "contactId",
        ),
        (
            input(w.contact("EXPC"), &authorized),
            "BAD_USER_INPUT",
            "contactId",
        ),
        // A contact of the account itself.
        (
            input(w.contact("TARGETC"), &authorized),
            "BAD_USER_INPUT",
            "contactId",
        ),
        // Responsibilities that are not of type CONTACT.
        (
            input(w.contact("SIBC"), &account_manager),
            "BAD_USER_INPUT",
            "responsibilityId",
        ),
        (
            input(w.contact("SIBC"), &representative),
            "BAD_USER_INPUT",
            "responsibilityId",
        ),
        // IDs of the wrong kind.
        (input(target, &authorized), "BAD_USER_INPUT", "contactId"),
        (
            input(w.contact("SIBC"), target),
            "BAD_USER_INPUT",
            "responsibilityId",
        ),
        // Dates out of order.
        (dates, "BAD_USER_INPUT", "validTo"),
        // (account, contact, responsibility) is unique, whatever the dates.
        (
            input(w.contact("SUPPC"), &authorized),
            "CONFLICT",
            "contactId",
        ),
        (duplicate_later, "CONFLICT", "contactId"),
        // A unique responsibility has one holder per account.
        (
            input(w.contact("SIBC"), &unique),
            "CONFLICT",
            "responsibilityId",
        ),
    ];
    let manager = manager(&app);
    for (variables, code, field) in cases {
        let reply = try_link(&app, Some(&manager), variables.clone()).await;
        assert_refused(&reply, code, Some(field));
    }
    assert_eq!(link_count(&app).await, count, "nothing was written");

    // The same contact may hold another responsibility on the account, and a unique
    // responsibility may have a holder on each account.
    let secondary = define_responsibility(&app, "Secondary Contact", "CONTACT", false, None).await;
    link(&app, target, w.contact("SUPPC"), &secondary).await;
    link(&app, w.account("SIB"), w.contact("TARGETC"), &unique).await;
    assert_eq!(link_count(&app).await, count + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_and_the_contact_both_list_the_relationship() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    let target = w.account("TARGET");
    let now = link_with(
        &app,
        json!({"accountId": target, "contactId": w.contact("PARTNERPC"), "responsibilityId": authorized,
               "order": 2, "validFrom": day(&app, -5)}),
    )
    .await;
    let later = link_with(
        &app,
        json!({"accountId": target, "contactId": w.contact("CHILDC"), "responsibilityId": authorized,
               "validFrom": day(&app, 5)}),
    )
    .await;
    // PARTNERP becomes ROOT's partner too, so its contact may act for ROOT as well.
    let partner_type = partner_account_type(&app).await;
    relate(
        &app,
        &partner_type,
        w.account("PARTNERP"),
        w.account("ROOT"),
    )
    .await;
    let elsewhere = link(&app, w.account("ROOT"), w.contact("PARTNERPC"), &authorized).await;

    let data = app
        .ok(
            &agent(&app),
            "query($a: ID!, $c: ID!) {
               a: node(id: $a) { ... on Account {
                    all: contactRelationships { totalCount nodes { id order isCurrent account { name } contact { name account { name } } responsibility { name kind } } }
                    now: contactRelationships(currentOnly: true) { totalCount nodes { id } } } }
               c: node(id: $c) { ... on Contact { actsFor { totalCount nodes { id account { name } responsibility { name } } } } } }",
            json!({"a": target, "c": w.contact("PARTNERPC")}),
        )
        .await;
    let all = nodes(&data["a"]["all"]);
    assert_eq!(data["a"]["all"]["totalCount"], 2);
    assert_eq!(all[0]["id"], now.as_str());
    assert_eq!(all[0]["order"], 2);
    assert_eq!(all[0]["isCurrent"], true);
    assert_eq!(all[0]["account"]["name"], "TARGET");
    assert_eq!(
        all[0]["contact"],
        json!({"name": "PARTNERPC", "account": {"name": "PARTNERP"}})
    );
    assert_eq!(
        all[0]["responsibility"],
        json!({"name": "Authorized Contact", "kind": "CONTACT"})
    );
    assert_eq!(all[1]["id"], later.as_str());
    assert_eq!(all[1]["isCurrent"], false);
    assert_eq!(
        nodes(&data["a"]["now"]),
        vec![json!({"id": now})],
        "currentOnly leaves out the one not yet in force"
    );
    let acts: BTreeSet<String> = nodes(&data["c"]["actsFor"])
        .iter()
        .map(|n| n["account"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        acts,
        BTreeSet::from(["ROOT".to_owned(), "TARGET".to_owned()])
    );
    assert!(
        nodes(&data["c"]["actsFor"])
            .iter()
            .any(|n| n["id"] == elsewhere.as_str())
    );

    // Deleting removes it from both lists.
    let deleted = app
        .ok(&manager(&app), DELETE_LINK, json!({"id": now}))
        .await;
    assert_eq!(
        deleted["deleteContactRelationship"]["deletedId"],
        now.as_str()
    );
    let data = admin_ok(
        &app,
        "query($a: ID!, $c: ID!) { a: node(id: $a) { ... on Account { contactRelationships { totalCount } } } c: node(id: $c) { ... on Contact { actsFor { nodes { account { name } } } } } }",
        json!({"a": target, "c": w.contact("PARTNERPC")}),
    )
    .await;
    assert_eq!(data["a"]["contactRelationships"]["totalCount"], 1);
    assert_eq!(
        nodes(&data["c"]["actsFor"]),
        vec![json!({"account": {"name": "ROOT"}})]
    );
    let again = app
        .gql(Some(&app.admin()), DELETE_LINK, json!({"id": now}))
        .await;
    assert_refused(&again, "NOT_FOUND", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_and_admins_write_agents_only_read() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    let target = w.account("TARGET");
    let existing = link(&app, target, w.contact("SUPPC"), &authorized).await;

    // Agents read the lists and the node...
    let agent = agent(&app);
    let data = app
        .ok(
            &agent,
            "query($a: ID!, $id: ID!) { a: node(id: $a) { ... on Account { contactRelationships { totalCount } } } r: node(id: $id) { id } }",
            json!({"a": target, "id": existing}),
        )
        .await;
    assert_eq!(data["a"]["contactRelationships"]["totalCount"], 1);
    assert_eq!(data["r"]["id"], existing.as_str());
    // ... but may not write, and neither may anyone but managers and admins.
    let create = json!({"i": {"accountId": target, "contactId": w.contact("SIBC"), "responsibilityId": authorized}});
    let reply = app
        .gql(Some(&agent), CREATE_CONTACT_RELATIONSHIP, create.clone())
        .await;
    assert_refused(&reply, "FORBIDDEN", None);
    let reply = app
        .gql(Some(&agent), DELETE_LINK, json!({"id": existing}))
        .await;
    assert_refused(&reply, "FORBIDDEN", None);
    assert_only_roles(
        &app,
        &[ADMIN, MANAGER],
        CREATE_CONTACT_RELATIONSHIP,
        create.clone(),
    )
    .await;
    assert_only_roles(
        &app,
        &[ADMIN, MANAGER],
        DELETE_LINK,
        json!({"id": existing}),
    )
    .await;
    assert_eq!(link_count(&app).await, 1, "nothing was written");
    assert!(node_visible(&app, &agent, &existing).await);

    // Managers and admins create and delete.
    for token in [app.token("some.manager", &[MANAGER]), app.admin()] {
        let reply = app
            .gql(Some(&token), CREATE_CONTACT_RELATIONSHIP, create.clone())
            .await;
        let id = id_of(&reply.data()["createContactRelationship"]["contactRelationship"]["id"]);
        assert_eq!(link_count(&app).await, 2);
        app.ok(&token, DELETE_LINK, json!({"id": id})).await;
        assert_eq!(link_count(&app).await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_contact_sees_the_account_it_acts_for_while_the_relationship_is_in_force() {
    let app = TestApp::spawn().await;
    // ROOT has two children; nothing relates them but the hierarchy.
    let root = customer(&app, "ROOT").await;
    let target = customer_under(&app, "TARGET", &root).await;
    let sib = customer_under(&app, "SIB", &root).await;
    let later = customer_under(&app, "LATER", &root).await;
    let PortalContact {
        id: sib_admin,
        token: admin_token,
    } = PortalContact::new(&app, &sib, "SIBADMIN", "sib.admin", CUSTOMER_ADMIN).await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    assert_eq!(visible_accounts(&app, &admin_token).await, vec!["SIB"]);
    assert!(!node_visible(&app, &admin_token, &target).await);

    // In force for three more days.
    let until = day(&app, 3);
    let held = link_with(
        &app,
        json!({"accountId": target, "contactId": sib_admin, "responsibilityId": authorized, "validTo": until}),
    )
    .await;
    // Not in force for five days yet.
    link_with(
        &app,
        json!({"accountId": later, "contactId": sib_admin, "responsibilityId": authorized,
               "validFrom": day(&app, 5)}),
    )
    .await;
    assert_eq!(
        visible_accounts(&app, &admin_token).await,
        strings(&["SIB", "TARGET"])
    );
    assert!(node_visible(&app, &admin_token, &target).await);
    assert!(!node_visible(&app, &admin_token, &later).await);
    assert!(
        !node_visible(&app, &admin_token, &root).await,
        "no ancestors"
    );
    // The contact sees the relationship it holds.
    let mine = app
        .ok(
            &admin_token,
            "{ viewer { node { ... on Contact { actsFor { totalCount nodes { id account { name } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["viewer"]["node"]["actsFor"]["totalCount"], 2);

    // The plain customer role gets the same; other portal roles do not.
    let customer_token = app.token("sib.admin", &[CUSTOMER]);
    assert_eq!(
        visible_accounts(&app, &customer_token).await,
        strings(&["SIB", "TARGET"])
    );
    for role in [CUSTOMER_CASE_MANAGER, PARTNER_ADMIN] {
        let token = app.token("sib.admin", &[role]);
        assert_eq!(
            visible_accounts(&app, &token).await,
            vec!["SIB"],
            "role {role} does not see accounts through contact relationships"
        );
    }

    // Six days on: the first relationship has ended, the second has started.
    app.clock.advance(chrono::Duration::days(6));
    assert_eq!(
        visible_accounts(&app, &admin_token).await,
        strings(&["LATER", "SIB"])
    );
    assert!(!node_visible(&app, &admin_token, &target).await);
    assert!(node_visible(&app, &admin_token, &later).await);
    // The ended one still exists for staff, no longer current.
    let record = node(
        &app,
        &held,
        "... on ContactRelationship { isCurrent validTo }",
    )
    .await;
    assert_eq!(record, json!({"isCurrent": false, "validTo": until}));
}
