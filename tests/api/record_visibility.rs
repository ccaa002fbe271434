//! Who sees what: portal contacts see their own account, consumers their current household, staff
//! everything, and a token whose subject matches no stored person sees nothing. Lists, edges and
//! `node` agree.

use serde_json::{Value, json};

use crate::support::{
    ADMIN, AGENT, CONSUMER, CUSTOMER, CUSTOMER_ADMIN, HouseholdHead, MANAGER, PARTNER_ADMIN,
    PortalContact, RELATIONSHIP_AGENT, ROOT_LISTS, TestApp, account, admin_ok, consumer, contact,
    customer, customer_under, day, household, internal_user, member, node_visible,
};

const LISTS: &str = "{
  accounts { totalCount nodes { name } }
  partners { totalCount nodes { name } }
  contacts { totalCount nodes { name } }
  consumers { totalCount nodes { name } }
  households { totalCount nodes { name } }
  internalUsers { totalCount nodes { name } }
}";

fn names(data: &Value, list: &str) -> Vec<String> {
    data[list]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {data}"))
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The directory of the portal tests.
struct Portal {
    acme: String,
    acme_child: String,
    other: String,
    partner: String,
    carl: String,
    alice: String,
    bob: String,
    pat: String,
    kim: String,
    home: String,
    uma: String,
}

async fn portal(app: &TestApp) -> Portal {
    let root = customer(app, "ROOTCO").await;
    let acme = customer_under(app, "ACME", &root).await;
    let acme_child = customer_under(app, "ACMEKID", &acme).await;
    let other = customer(app, "OTHERCO").await;
    let partner = account(app, "PARTNERCO", false, true, None).await;
    let carl = PortalContact::customer(app, &acme, "CARL", "carl.contact")
        .await
        .id;
    let alice = PortalContact::new(app, &acme, "ALICE", "alice.contact", CUSTOMER_ADMIN)
        .await
        .id;
    let bob = contact(app, &other, "BOB", Some("bob.contact")).await;
    let pat = contact(app, &partner, "PAT", Some("pat.partner")).await;
    contact(app, &acme_child, "KIDCONTACT", None).await;
    let kim = consumer(app, "KIM", Some("kim.consumer")).await;
    let home = household(app, "HOME", Some(&kim)).await;
    let uma = internal_user(app, "UMA", Some("uma.user")).await;
    Portal {
        acme,
        acme_child,
        other,
        partner,
        carl,
        alice,
        bob,
        pat,
        kim,
        home,
        uma,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_contact_sees_its_own_account_and_its_contacts() {
    let app = TestApp::spawn().await;
    let w = portal(&app).await;
    // A customer_admin also sees its account's descendants (account_visibility.rs covers that).
    {
        let role = CUSTOMER;
        let carl = app.token("carl.contact", &[role]);
        let data = app.ok(&carl, LISTS, json!({})).await;
        assert_eq!(names(&data, "accounts"), ["ACME"], "{role}");
        assert_eq!(data["accounts"]["totalCount"], 1);
        assert_eq!(names(&data, "partners"), Vec::<String>::new());
        assert_eq!(names(&data, "contacts"), ["ALICE", "CARL"]);
        assert_eq!(data["contacts"]["totalCount"], 2);
        for list in ["consumers", "households", "internalUsers"] {
            assert_eq!(data[list]["totalCount"], 0, "{role} {list}");
        }

        // node() agrees with the lists.
        for (id, seen) in [
            (&w.acme, true),
            (&w.carl, true),
            (&w.alice, true),
            (&w.acme_child, false),
            (&w.other, false),
            (&w.partner, false),
            (&w.bob, false),
            (&w.pat, false),
            (&w.kim, false),
            (&w.home, false),
            (&w.uma, false),
        ] {
            assert_eq!(
                node_visible(&app, &carl, id).await,
                seen,
                "{role}: node {id}"
            );
        }

        // Edges are scoped too: no parent, no child accounts, only the account's contacts.
        let account = app
            .ok(
                &carl,
                "query($id: ID!) { node(id: $id) { ... on Account { parent { name }
                    children { totalCount nodes { name } }
                    contacts { totalCount nodes { name account { name } } } } } }",
                json!({"id": w.acme}),
            )
            .await;
        assert_eq!(
            account["node"],
            json!({
                "parent": null,
                "children": {"totalCount": 0, "nodes": []},
                "contacts": {"totalCount": 2, "nodes": [
                    {"name": "ALICE", "account": {"name": "ACME"}},
                    {"name": "CARL", "account": {"name": "ACME"}},
                ]},
            })
        );

        let viewer = app
            .ok(
                &carl,
                "{ viewer { subject node { __typename ... on Contact { name roles account { name } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(viewer["viewer"]["subject"], "carl.contact");
        assert_eq!(
            viewer["viewer"]["node"],
            json!({"__typename": "Contact", "name": "CARL", "roles": ["CUSTOMER"], "account": {"name": "ACME"}})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_contact_sees_its_partner_account() {
    let app = TestApp::spawn().await;
    let w = portal(&app).await;
    let pat = app.token("pat.partner", &[PARTNER_ADMIN]);
    let data = app.ok(&pat, LISTS, json!({})).await;
    assert_eq!(names(&data, "partners"), ["PARTNERCO"]);
    assert_eq!(
        data["accounts"]["totalCount"], 0,
        "a partner-only account is no customer"
    );
    assert_eq!(names(&data, "contacts"), ["PAT"]);
    assert!(node_visible(&app, &pat, &w.partner).await);
    assert!(!node_visible(&app, &pat, &w.acme).await);
    assert!(!node_visible(&app, &pat, &w.carl).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_contact_sees_its_new_account() {
    let app = TestApp::spawn().await;
    let w = portal(&app).await;
    let carl = app.token("carl.contact", &[CUSTOMER]);
    assert!(node_visible(&app, &carl, &w.acme).await);
    admin_ok(
        &app,
        "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }",
        json!({"i": {"id": w.carl, "accountId": w.other}}),
    )
    .await;
    let data = app.ok(&carl, LISTS, json!({})).await;
    assert_eq!(names(&data, "accounts"), ["OTHERCO"]);
    assert_eq!(names(&data, "contacts"), ["BOB", "CARL"]);
    assert!(!node_visible(&app, &carl, &w.acme).await);
    assert!(!node_visible(&app, &carl, &w.alice).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_sees_itself_and_its_current_household_only_while_a_member() {
    let app = TestApp::spawn().await;
    let kim = consumer(&app, "KIM", Some("kim.consumer")).await;
    let HouseholdHead {
        id: lee,
        household: home,
        ..
    } = HouseholdHead::new(&app, "HOME", "LEE", "lee.consumer").await;
    let max = consumer(&app, "MAX", None).await;
    let ned = consumer(&app, "NED", None).await;
    let kims = member(&app, &home, &kim, None, None).await;
    let away = household(&app, "AWAY", Some(&max)).await;
    // Lee also lives elsewhere, which Kim must not see.
    member(&app, &away, &lee, None, None).await;
    // Ned was a member long ago.
    member(&app, &home, &ned, Some("2000-01-01"), Some("2000-12-31")).await;
    // Kim joins AWAY in three days.
    member(&app, &away, &kim, Some(&day(&app, 3)), None).await;
    let account = customer(&app, "ACME").await;
    contact(&app, &account, "CARL", None).await;

    let token = app.token("kim.consumer", &[CONSUMER]);
    let data = app.ok(&token, LISTS, json!({})).await;
    assert_eq!(names(&data, "consumers"), ["KIM", "LEE"]);
    assert_eq!(names(&data, "households"), ["HOME"]);
    for list in ["accounts", "partners", "contacts", "internalUsers"] {
        assert_eq!(data[list]["totalCount"], 0, "{list}");
    }
    for (id, seen) in [
        (&kim, true),
        (&lee, true),
        (&home, true),
        (&kims, true),
        (&max, false),
        (&ned, false),
        (&away, false),
        (&account, false),
    ] {
        assert_eq!(node_visible(&app, &token, id).await, seen, "node {id}");
    }
    let household = app
        .ok(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Household { head { name }
                members { nodes { name households { nodes { name } } } } } } }",
            json!({"id": home}),
        )
        .await;
    assert_eq!(
        household["node"],
        json!({"head": {"name": "LEE"}, "members": {"nodes": [
            {"name": "LEE", "households": {"nodes": [{"name": "HOME"}]}},
            {"name": "KIM", "households": {"nodes": [{"name": "HOME"}]}},
        ]}})
    );
    let viewer = app
        .ok(
            &token,
            "{ viewer { node { __typename ... on Consumer { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"]["node"],
        json!({"__typename": "Consumer", "name": "KIM"})
    );

    // Kim's membership ends today: still visible today, gone tomorrow.
    admin_ok(&app, "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { membership { id } } }",
        json!({"i": {"membershipId": kims}}),
    )
    .await;
    let data = app.ok(&token, LISTS, json!({})).await;
    assert_eq!(names(&data, "households"), ["HOME"]);
    app.clock.advance(chrono::Duration::days(1));
    let data = app.ok(&token, LISTS, json!({})).await;
    assert_eq!(names(&data, "consumers"), ["KIM"]);
    assert_eq!(data["households"]["totalCount"], 0);
    for (id, seen) in [(&kim, true), (&lee, false), (&home, false), (&kims, false)] {
        assert_eq!(
            node_visible(&app, &token, id).await,
            seen,
            "after leaving, node {id}"
        );
    }

    // Two days later Kim's AWAY membership has started: its household and members are visible.
    app.clock.advance(chrono::Duration::days(2));
    let data = app.ok(&token, LISTS, json!({})).await;
    assert_eq!(names(&data, "households"), ["AWAY"]);
    assert_eq!(names(&data, "consumers"), ["KIM", "LEE", "MAX"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_roles_see_everything() {
    let app = TestApp::spawn().await;
    let w = portal(&app).await;
    let expected = admin_ok(&app, LISTS, json!({})).await;
    assert_eq!(expected["accounts"]["totalCount"], 4);
    assert_eq!(expected["partners"]["totalCount"], 1);
    assert_eq!(expected["contacts"]["totalCount"], 5);
    assert_eq!(expected["consumers"]["totalCount"], 1);
    assert_eq!(expected["households"]["totalCount"], 1);
    assert_eq!(expected["internalUsers"]["totalCount"], 1);
    for (subject, role) in [
        ("uma.user", AGENT),
        ("rita.relationship", RELATIONSHIP_AGENT),
        ("max.manager", MANAGER),
        ("ada.admin", ADMIN),
        // A staff role wins over a portal role in the same token.
        ("carl.contact", AGENT),
    ] {
        let token = app.token(subject, &[role]);
        assert_eq!(app.ok(&token, LISTS, json!({})).await, expected, "{role}");
        for id in [
            &w.acme,
            &w.acme_child,
            &w.other,
            &w.partner,
            &w.carl,
            &w.bob,
            &w.pat,
            &w.kim,
            &w.home,
            &w.uma,
        ] {
            assert!(node_visible(&app, &token, id).await, "{role}: node {id}");
        }
    }
    let mixed = app.token("carl.contact", &[CUSTOMER, AGENT]);
    assert_eq!(app.ok(&mixed, LISTS, json!({})).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_role_without_a_stored_person_sees_nothing() {
    let app = TestApp::spawn().await;
    let w = portal(&app).await;
    let tokens = [
        app.token("nobody.stored", &[CUSTOMER]),
        app.token("nobody.stored", &[PARTNER_ADMIN]),
        app.token("nobody.stored", &[CONSUMER]),
        // A contact's subject with the consumer role, and a consumer's with a contact role.
        app.token("carl.contact", &[CONSUMER]),
        app.token("kim.consumer", &[CUSTOMER]),
        // A stored contact without any role.
        app.token("carl.contact", &[]),
        app.token("carl.contact", &["no.such.role"]),
    ];
    for token in tokens {
        let data = app.ok(&token, LISTS, json!({})).await;
        for list in ROOT_LISTS {
            assert_eq!(data[list]["totalCount"], 0, "{list}: {data}");
            assert_eq!(data[list]["nodes"], json!([]));
        }
        for id in [&w.acme, &w.carl, &w.partner, &w.kim, &w.home, &w.uma] {
            assert!(!node_visible(&app, &token, id).await, "node {id}");
        }
        let viewer = app
            .ok(
                &token,
                "{ viewer { isAuthenticated node { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(viewer["viewer"]["isAuthenticated"], true);
    }
}
