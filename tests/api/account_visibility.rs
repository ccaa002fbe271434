//! Which accounts portal principals see: their own, those related by a
//! relationship in force in either direction, and (customer_case_manager, customer_admin) their
//! descendants; never more, in any list, edge or `node` lookup. Staff see everything.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    ADMIN, AGENT, CONSUMER, CUSTOMER, CUSTOMER_ADMIN, CUSTOMER_CASE_MANAGER, MANAGER, PARTNER,
    PARTNER_ADMIN, PortalContact, RELATIONSHIP_AGENT, TestApp, account, assign_role, contact,
    create_type, customer, customer_under, day, names, node_visible, nodes, partner,
    partner_account_type, relate, relate_with, sorted, strings, visible_accounts,
};

/// OWN sits under ABOVE and has KID, which has GRANDKID. Around OWN:
/// - FWD (OWN -> FWD) and REV (REV -> OWN), in force and open-ended;
/// - PARTNERX, a partner-only account, is OWN's partner (PARTNERX -> OWN);
/// - ENDSOON (OWN -> ENDSOON) ends today, PAST (OWN -> PAST) ended yesterday, FUTURE (FUTURE -> OWN)
///   starts in five days;
/// - FWD is also related to STRANGER, which has nothing to do with OWN.
///
/// Every account has a contact named after it with a C suffix; OWN's contact signs in as "me".
struct Ids {
    own: String,
    above: String,
    kid: String,
    grandkid: String,
    fwd: String,
    past: String,
    future: String,
    stranger: String,
    partnerx: String,
}

async fn world(app: &TestApp) -> Ids {
    let above = customer(app, "ABOVE").await;
    let own = customer_under(app, "OWN", &above).await;
    let kid = customer_under(app, "KID", &own).await;
    let grandkid = customer_under(app, "GRANDKID", &kid).await;
    let fwd = customer(app, "FWD").await;
    let rev = customer(app, "REV").await;
    let endsoon = customer(app, "ENDSOON").await;
    let past = customer(app, "PAST").await;
    let future = customer(app, "FUTURE").await;
    let stranger = customer(app, "STRANGER").await;
    let partnerx = partner(app, "PARTNERX").await;
    for (id, name) in [
        (&above, "ABOVEC"),
        (&kid, "KIDC"),
        (&grandkid, "GRANDKIDC"),
        (&fwd, "FWDC"),
        (&rev, "REVC"),
        (&endsoon, "ENDSOONC"),
        (&past, "PASTC"),
        (&future, "FUTUREC"),
        (&stranger, "STRANGERC"),
        (&partnerx, "PARTNERXC"),
    ] {
        contact(app, id, name, None).await;
    }
    let link = create_type(app, "Link", "ACCOUNT", "ACCOUNT", "Links to", "Linked from").await;
    let partner_type = partner_account_type(app).await;
    relate(app, &link, &own, &fwd).await;
    relate(app, &link, &rev, &own).await;
    relate(app, &partner_type, &partnerx, &own).await;
    relate(app, &link, &fwd, &stranger).await;
    relate_with(
        app,
        json!({"typeId": link, "fromId": own, "toId": endsoon, "validTo": day(app, 0)}),
    )
    .await;
    relate_with(
        app,
        json!({"typeId": link, "fromId": own, "toId": past,
               "validFrom": day(app, -20), "validTo": day(app, -1)}),
    )
    .await;
    relate_with(
        app,
        json!({"typeId": link, "fromId": future, "toId": own, "validFrom": day(app, 5)}),
    )
    .await;
    Ids {
        own,
        above,
        kid,
        grandkid,
        fwd,
        past,
        future,
        stranger,
        partnerx,
    }
}

/// OWN's contact "me", stored with every portal role (tokens pick which one applies).
async fn me(app: &TestApp, own: &str) {
    let id = PortalContact::customer(app, own, "OWNC", "me").await.id;
    for role in [
        CUSTOMER_CASE_MANAGER,
        CUSTOMER_ADMIN,
        PARTNER,
        PARTNER_ADMIN,
    ] {
        assign_role(app, &id, role).await;
    }
}

const BASE_VISIBLE: [&str; 4] = ["ENDSOON", "FWD", "OWN", "REV"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_sees_its_own_account_and_accounts_related_in_force_either_way() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    me(&app, &ids.own).await;

    for role in [CUSTOMER, PARTNER, PARTNER_ADMIN] {
        let token = app.token("me", &[role]);
        assert_eq!(
            visible_accounts(&app, &token).await,
            strings(&BASE_VISIBLE),
            "role {role}: own, FWD (forward), REV (reverse), ENDSOON (ends today); not PAST, FUTURE, STRANGER, KID, ABOVE"
        );
        let partners = app
            .ok(&token, "{ partners { nodes { name } } }", json!({}))
            .await;
        assert_eq!(names(&partners["partners"]), vec!["PARTNERX"]);
        assert!(node_visible(&app, &token, &ids.partnerx).await);
        assert!(node_visible(&app, &token, &ids.fwd).await);
        for (what, id) in [
            ("PAST", &ids.past),
            ("FUTURE", &ids.future),
            ("STRANGER", &ids.stranger),
            ("KID", &ids.kid),
            ("GRANDKID", &ids.grandkid),
            ("ABOVE", &ids.above),
        ] {
            assert!(
                !node_visible(&app, &token, id).await,
                "role {role} must not see {what} through node()"
            );
        }
        let many = app
            .ok(
                &token,
                "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Account { name } } }",
                json!({"ids": [ids.fwd, ids.past, ids.own, ids.stranger]}),
            )
            .await;
        assert_eq!(
            many["nodes"],
            json!([{"name": "FWD"}, null, {"name": "OWN"}, null])
        );
    }

    // Contacts follow the accounts.
    let token = app.token("me", &[CUSTOMER]);
    let contacts = app
        .ok(
            &token,
            "{ contacts(first: 100) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        sorted(names(&contacts["contacts"])),
        strings(&["ENDSOONC", "FWDC", "OWNC", "PARTNERXC", "REVC"])
    );

    // Tomorrow ENDSOON has ended; in five days FUTURE has started.
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        visible_accounts(&app, &token).await,
        strings(&["FWD", "OWN", "REV"])
    );
    app.clock.advance(chrono::Duration::days(4));
    assert_eq!(
        visible_accounts(&app, &token).await,
        strings(&["FUTURE", "FWD", "OWN", "REV"])
    );
    assert!(node_visible(&app, &token, &ids.future).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_managers_and_customer_admins_also_see_their_descendants() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    me(&app, &ids.own).await;
    let mut with_descendants: Vec<String> = strings(&BASE_VISIBLE);
    with_descendants.extend(strings(&["GRANDKID", "KID"]));
    let with_descendants = sorted(with_descendants);
    let edges = "query($id: ID!) { node(id: $id) { ... on Account { parent { name } ancestors { name } hierarchyRoot { name } children { totalCount nodes { name } } descendants { totalCount nodes { depth account { name } } } } } }";

    for role in [CUSTOMER_CASE_MANAGER, CUSTOMER_ADMIN] {
        let token = app.token("me", &[role]);
        assert_eq!(
            visible_accounts(&app, &token).await,
            with_descendants,
            "role {role}"
        );
        assert!(node_visible(&app, &token, &ids.grandkid).await);
        assert!(
            !node_visible(&app, &token, &ids.above).await,
            "never ancestors"
        );
        let data = app.ok(&token, edges, json!({"id": ids.own})).await;
        let own = &data["node"];
        assert_eq!(own["children"]["totalCount"], 1);
        assert_eq!(names(&own["children"]), vec!["KID"]);
        assert_eq!(own["descendants"]["totalCount"], 2);
        assert_eq!(
            nodes(&own["descendants"]),
            vec![
                json!({"depth": 1, "account": {"name": "KID"}}),
                json!({"depth": 2, "account": {"name": "GRANDKID"}})
            ]
        );
        assert!(own["parent"].is_null(), "the parent is not visible");
        assert_eq!(own["ancestors"], json!([]));
        assert!(own["hierarchyRoot"].is_null(), "the root is not visible");
        // From GRANDKID: the chain up is visible as far as OWN, and no further.
        let data = app.ok(&token, edges, json!({"id": ids.grandkid})).await;
        assert_eq!(
            data["node"]["ancestors"],
            json!([{"name": "KID"}, {"name": "OWN"}])
        );
    }

    // The plain customer sees no descendants, in lists or edges.
    let token = app.token("me", &[CUSTOMER]);
    assert_eq!(visible_accounts(&app, &token).await, strings(&BASE_VISIBLE));
    assert!(!node_visible(&app, &token, &ids.kid).await);
    let data = app.ok(&token, edges, json!({"id": ids.own})).await;
    let own = &data["node"];
    assert_eq!(own["children"], json!({"totalCount": 0, "nodes": []}));
    assert_eq!(own["descendants"], json!({"totalCount": 0, "nodes": []}));
    assert!(own["parent"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationship_edges_show_no_account_the_viewer_may_not_see() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    me(&app, &ids.own).await;
    let token = app.token("me", &[CUSTOMER]);
    let query = "query($id: ID!) { node(id: $id) { ... on Account { relationships(first: 100) { nodes { label otherAccount { name } relationship { accountFrom { name } accountTo { name } } } } current: relationships(filter: {currentOnly: true}) { nodes { otherAccount { name } } } partners { nodes { name } } } } }";
    let visible: BTreeSet<String> = [&BASE_VISIBLE[..], &["PARTNERX"]]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for account in [&ids.own, &ids.fwd] {
        let data = app.ok(&token, query, json!({"id": account})).await;
        let mut shown = BTreeSet::new();
        collect_names(&data, &mut shown);
        assert!(
            shown.is_subset(&visible),
            "names the viewer may not see: {:?}",
            shown.difference(&visible).collect::<Vec<_>>()
        );
    }
    // From OWN, the relationships in force lead to exactly the related accounts.
    let data = app.ok(&token, query, json!({"id": ids.own})).await;
    let current: BTreeSet<String> = nodes(&data["node"]["current"])
        .iter()
        .map(|n| {
            n["otherAccount"]["name"]
                .as_str()
                .expect("visible")
                .to_owned()
        })
        .collect();
    assert_eq!(
        current,
        ["ENDSOON", "FWD", "PARTNERX", "REV"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_eq!(names(&data["node"]["partners"]), vec!["PARTNERX"]);
    // STRANGER is behind FWD's relationship: the edge exists, the account stays hidden.
    let data = app.ok(&token, query, json!({"id": ids.fwd})).await;
    let others: Vec<Value> = nodes(&data["node"]["relationships"])
        .iter()
        .map(|n| n["otherAccount"].clone())
        .collect();
    assert!(others.contains(&json!({"name": "OWN"})));
    assert!(!others.contains(&json!({"name": "STRANGER"})));
}

/// Every `name` anywhere in `value`.
fn collect_names(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "name"
                    && let Some(name) = child.as_str()
                {
                    out.insert(name.to_owned());
                }
                collect_names(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_names(i, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_every_account_and_strangers_see_none() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    me(&app, &ids.own).await;
    // A customer-and-partner organisation shows in both lists.
    account(&app, "BOTHCO", true, true, None).await;
    let all_customers = strings(&[
        "ABOVE", "BOTHCO", "ENDSOON", "FUTURE", "FWD", "GRANDKID", "KID", "OWN", "PAST", "REV",
        "STRANGER",
    ]);
    for role in [ADMIN, MANAGER, AGENT, RELATIONSHIP_AGENT] {
        let token = app.token(&format!("staff.{role}"), &[role]);
        assert_eq!(
            visible_accounts(&app, &token).await,
            all_customers,
            "staff role {role}"
        );
        let partners = app
            .ok(&token, "{ partners { nodes { name } } }", json!({}))
            .await;
        assert_eq!(
            sorted(names(&partners["partners"])),
            strings(&["BOTHCO", "PARTNERX"])
        );
        assert!(node_visible(&app, &token, &ids.stranger).await);
        assert!(node_visible(&app, &token, &ids.past).await);
    }
    // A portal role whose subject is no stored contact, and the consumer role, see no accounts.
    for (subject, role) in [("nobody", CUSTOMER_ADMIN), ("me", CONSUMER)] {
        let token = app.token(subject, &[role]);
        assert_eq!(
            visible_accounts(&app, &token).await,
            Vec::<String>::new(),
            "{subject} with {role}"
        );
        assert!(!node_visible(&app, &token, &ids.own).await);
    }
    // Nor does an anonymous caller.
    let reply = app
        .gql(None, "{ accounts { nodes { name } } }", json!({}))
        .await;
    if reply.body.get("errors").is_some() {
        assert_eq!(reply.code(), "UNAUTHENTICATED");
    } else {
        assert_eq!(reply.body["data"]["accounts"]["nodes"], json!([]));
    }
}
