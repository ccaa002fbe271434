//! Responsibility definitions (DOMAIN.md §4): the four shipped ones, admin-only maintenance,
//! validation, and deleting a definition with its contact relationships after a dry run.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    ADMIN, AGENT, CREATE_DEFINITION, TestApp, admin_ok, assert_only_roles, assert_refused, contact,
    customer, define_responsibility, definition_count, id_of, link, link_count, manager, node,
    node_visible, nodes, partner, partner_account_type, relate, responsibility,
};

const UPDATE_DEFINITION: &str = "mutation($i: UpdateResponsibilityDefinitionInput!) { updateResponsibilityDefinition(input: $i) { responsibilityDefinition { id name kind isUnique requiredRole description } } }";
const DELETE_DEFINITION: &str = "mutation($id: ID!, $dry: Boolean!) { deleteResponsibilityDefinition(id: $id, dryRun: $dry) { dryRun deletedId removed { kind count ids } } }";
const DEFINITIONS: &str = "{ responsibilityDefinitions(first: 100) { totalCount nodes { id name kind isUnique requiredRole description } } }";

async fn definitions(app: &TestApp) -> Vec<Value> {
    nodes(&admin_ok(app, DEFINITIONS, json!({})).await["responsibilityDefinitions"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_four_shipped_definitions_exist() {
    let app = TestApp::spawn().await;
    let data = app
        .ok(
            &app.token("someone", &[AGENT]),
            "{ responsibilityDefinitions { totalCount nodes { name kind isUnique requiredRole } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["responsibilityDefinitions"]["totalCount"], 4);
    let shipped: BTreeSet<String> = nodes(&data["responsibilityDefinitions"])
        .iter()
        .map(|d| d.to_string())
        .collect();
    let expected: BTreeSet<String> = [
        json!({"name": "Account Manager", "kind": "USER", "isUnique": true,
               "requiredRole": "RELATIONSHIP_AGENT"}),
        json!({"name": "Relationship Manager", "kind": "USER", "isUnique": true,
               "requiredRole": "RELATIONSHIP_AGENT"}),
        json!({"name": "Authorized Representative", "kind": "NONE", "isUnique": false,
               "requiredRole": null}),
        json!({"name": "Authorized Contact", "kind": "CONTACT", "isUnique": false,
               "requiredRole": null}),
    ]
    .iter()
    .map(|d| d.to_string())
    .collect();
    assert_eq!(shipped, expected);
    // Every shipped definition says what it means.
    for definition in definitions(&app).await {
        assert!(
            definition["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{definition}"
        );
    }
    // Filtered by kind.
    let data = admin_ok(
        &app,
        "{ user: responsibilityDefinitions(kind: USER) { totalCount } contact: responsibilityDefinitions(kind: CONTACT) { nodes { name } } consumer: responsibilityDefinitions(kind: CONSUMER) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(data["user"]["totalCount"], 2);
    assert_eq!(
        nodes(&data["contact"]),
        vec![json!({"name": "Authorized Contact"})]
    );
    assert_eq!(data["consumer"]["totalCount"], 0);
    // Anonymous callers read nothing.
    let reply = app
        .gql(
            None,
            "{ responsibilityDefinitions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_updates_and_validates_definitions() {
    let app = TestApp::spawn().await;
    let created = admin_ok(
        &app,
        CREATE_DEFINITION,
        json!({"i": {"name": " Escalation Contact ", "kind": "CONTACT", "isUnique": true,
                     "requiredRole": "CUSTOMER_ADMIN",
                     "description": "Who we call when a case escalates."}}),
    )
    .await;
    let created = &created["createResponsibilityDefinition"]["responsibilityDefinition"];
    assert_eq!(created["name"], "Escalation Contact");
    assert_eq!(created["kind"], "CONTACT");
    assert_eq!(created["isUnique"], true);
    assert_eq!(created["requiredRole"], "CUSTOMER_ADMIN");
    let id = id_of(&created["id"]);
    let read = node(
        &app,
        &id,
        "... on ResponsibilityDefinition { name description }",
    )
    .await;
    assert_eq!(read["description"], "Who we call when a case escalates.");
    let defaults = define_responsibility(&app, "Plain", "ACCOUNT", false, None).await;
    let read = node(
        &app,
        &defaults,
        "... on ResponsibilityDefinition { isUnique requiredRole description }",
    )
    .await;
    assert_eq!(
        read,
        json!({"isUnique": false, "requiredRole": null, "description": null})
    );

    let before = definitions(&app).await;
    let admin = app.admin();
    let bad_creates = [
        (
            json!({"name": "Account Manager", "kind": "USER"}),
            "CONFLICT",
            "name",
        ),
        (
            json!({"name": "  ", "kind": "USER"}),
            "BAD_USER_INPUT",
            "name",
        ),
    ];
    for (input, code, field) in bad_creates {
        let reply = app
            .gql(Some(&admin), CREATE_DEFINITION, json!({ "i": input }))
            .await;
        assert_refused(&reply, code, Some(field));
    }
    let bad_updates = [
        (
            json!({"id": id, "name": "Authorized Contact"}),
            "CONFLICT",
            "name",
        ),
        (json!({"id": id, "name": ""}), "BAD_USER_INPUT", "name"),
    ];
    for (input, code, field) in bad_updates {
        let reply = app
            .gql(Some(&admin), UPDATE_DEFINITION, json!({ "i": input }))
            .await;
        assert_refused(&reply, code, Some(field));
    }
    // A role the service does not know is not a value of the `Role` enum.
    for (query, input) in [
        (
            CREATE_DEFINITION,
            json!({"name": "Fresh", "kind": "USER", "requiredRole": "superhero"}),
        ),
        (
            UPDATE_DEFINITION,
            json!({"id": id, "requiredRole": "sn_customerservice_agent", "description": "changed"}),
        ),
    ] {
        let reply = app.gql(Some(&admin), query, json!({ "i": input })).await;
        assert_refused(&reply, "GRAPHQL_VALIDATION_FAILED", None);
    }
    assert_eq!(definitions(&app).await, before, "nothing was written");

    // Absent fields stay, empty text (and a null role) clears.
    let updated = admin_ok(
        &app,
        UPDATE_DEFINITION,
        json!({"i": {"id": id, "name": "Escalation Lead", "isUnique": false, "requiredRole": null, "description": ""}}),
    )
    .await;
    assert_eq!(
        updated["updateResponsibilityDefinition"]["responsibilityDefinition"],
        json!({"id": id, "name": "Escalation Lead", "kind": "CONTACT", "isUnique": false,
               "requiredRole": null, "description": null})
    );
    // The kind may change while nothing uses the definition...
    let updated = admin_ok(
        &app,
        UPDATE_DEFINITION,
        json!({"i": {"id": id, "kind": "NONE"}}),
    )
    .await;
    assert_eq!(
        updated["updateResponsibilityDefinition"]["responsibilityDefinition"]["kind"],
        "NONE"
    );
    assert_eq!(definition_count(&app).await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kind_is_fixed_while_contact_relationships_use_the_definition() {
    let app = TestApp::spawn().await;
    let (account, helper) = related_pair(&app).await;
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    link(&app, &account, &helper, &duty).await;
    let reply = app
        .gql(
            Some(&app.admin()),
            UPDATE_DEFINITION,
            json!({"i": {"id": duty, "kind": "USER"}}),
        )
        .await;
    assert_refused(&reply, "BAD_USER_INPUT", Some("kind"));
    // Same kind again, and other fields, are fine.
    let updated = admin_ok(
        &app,
        UPDATE_DEFINITION,
        json!({"i": {"id": duty, "kind": "CONTACT", "description": "still a contact duty"}}),
    )
    .await;
    assert_eq!(
        updated["updateResponsibilityDefinition"]["responsibilityDefinition"]["kind"],
        "CONTACT"
    );
}

/// A customer account and a contact of a partner related to it, ready for contact relationships.
async fn related_pair(app: &TestApp) -> (String, String) {
    let kind = partner_account_type(app).await;
    let gsi = partner(app, "GSITECH").await;
    let abc = customer(app, "ABCCORP").await;
    relate(app, &kind, &gsi, &abc).await;
    let helper = contact(app, &gsi, "HELPER", None).await;
    (abc, helper)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_definition_previews_then_removes_its_contact_relationships() {
    let app = TestApp::spawn().await;
    let (abc, helper) = related_pair(&app).await;
    let kind = partner_account_type(&app).await;
    let gsi_two = partner(&app, "GSITWO").await;
    relate(&app, &kind, &gsi_two, &abc).await;
    let second = contact(&app, &gsi_two, "SECOND", None).await;
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    let l1 = link(&app, &abc, &helper, &duty).await;
    let l2 = link(&app, &abc, &second, &duty).await;
    let kept = link(&app, &abc, &helper, &authorized).await;
    assert_eq!(link_count(&app).await, 3);

    let preview = admin_ok(&app, DELETE_DEFINITION, json!({"id": duty, "dry": true})).await;
    let preview = &preview["deleteResponsibilityDefinition"];
    assert_eq!(preview["dryRun"], true);
    assert!(preview["deletedId"].is_null());
    assert_eq!(preview["removed"].as_array().expect("removed").len(), 1);
    assert_eq!(preview["removed"][0]["kind"], "ContactRelationship");
    assert_eq!(preview["removed"][0]["count"], 2);
    let ids: BTreeSet<String> = preview["removed"][0]["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, BTreeSet::from([l1.clone(), l2.clone()]));
    assert_eq!(link_count(&app).await, 3, "a dry run removes nothing");
    assert_eq!(definition_count(&app).await, 5);

    let done = admin_ok(&app, DELETE_DEFINITION, json!({"id": duty, "dry": false})).await;
    let done = &done["deleteResponsibilityDefinition"];
    assert_eq!(done["dryRun"], false);
    assert_eq!(done["deletedId"], duty.as_str());
    assert_eq!(done["removed"][0]["count"], 2);
    let admin = app.admin();
    assert!(!node_visible(&app, &admin, &duty).await);
    assert!(!node_visible(&app, &admin, &l1).await);
    assert!(!node_visible(&app, &admin, &l2).await);
    assert!(node_visible(&app, &admin, &kept).await);
    assert_eq!(link_count(&app).await, 1);
    assert_eq!(definition_count(&app).await, 4);
    let lists = admin_ok(
        &app,
        "query($a: ID!, $c: ID!) { a: node(id: $a) { ... on Account { contactRelationships { totalCount nodes { responsibility { name } } } } }
                                   c: node(id: $c) { ... on Contact { actsFor { totalCount } } } }",
        json!({"a": abc, "c": second}),
    )
    .await;
    assert_eq!(lists["a"]["contactRelationships"]["totalCount"], 1);
    assert_eq!(
        nodes(&lists["a"]["contactRelationships"])[0]["responsibility"]["name"],
        "Authorized Contact"
    );
    assert_eq!(lists["c"]["actsFor"]["totalCount"], 0);

    // An unused definition goes without removing anything, and then it is gone.
    let unused = define_responsibility(&app, "Unused", "ACCOUNT", false, None).await;
    let done = admin_ok(&app, DELETE_DEFINITION, json!({"id": unused, "dry": false})).await;
    assert_eq!(done["deleteResponsibilityDefinition"]["removed"], json!([]));
    let again = app
        .gql(
            Some(&admin),
            DELETE_DEFINITION,
            json!({"id": unused, "dry": true}),
        )
        .await;
    assert_refused(&again, "NOT_FOUND", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_maintain_definitions() {
    let app = TestApp::spawn().await;
    let (abc, helper) = related_pair(&app).await;
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    link(&app, &abc, &helper, &duty).await;
    let before = definitions(&app).await;

    assert_only_roles(
        &app,
        &[ADMIN],
        CREATE_DEFINITION,
        json!({"i": {"name": "Intruder", "kind": "CONTACT"}}),
    )
    .await;
    assert_only_roles(
        &app,
        &[ADMIN],
        UPDATE_DEFINITION,
        json!({"i": {"id": duty, "name": "Hijacked", "isUnique": true}}),
    )
    .await;
    for dry in [true, false] {
        assert_only_roles(
            &app,
            &[ADMIN],
            DELETE_DEFINITION,
            json!({"id": duty, "dry": dry}),
        )
        .await;
    }
    assert_eq!(definitions(&app).await, before, "nothing was written");
    assert_eq!(link_count(&app).await, 1);

    // The manager in particular: FORBIDDEN, although managers maintain contact relationships.
    let reply = app
        .gql(
            Some(&manager(&app)),
            DELETE_DEFINITION,
            json!({"id": duty, "dry": false}),
        )
        .await;
    assert_refused(&reply, "FORBIDDEN", None);
}
