//! Account relationship types (DOMAIN.md §2): the shipped default, relabelling seen at once from both
//! sides, kinds fixed after creation, validation, cascade delete with a dry run, and admin-only rights.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    ADMIN, CREATE_TYPE, CUSTOMER, TestApp, admin_ok, assert_only_roles, assert_refused,
    create_type, customer, id_of, manager, node, node_visible, nodes, partner,
    partner_account_type, relate, relationship_count, relationship_type, relationship_types, side,
    sides_of, type_count,
};

const UPDATE_TYPE: &str = "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id name sourceKind targetKind forwardLabel reverseLabel isActive grantsPartnerCaseAccess partnerAccessPolicy isSymmetric } } }";
const DELETE_TYPE: &str = "mutation($id: ID!, $dry: Boolean!) { deleteAccountRelationshipType(id: $id, dryRun: $dry) { dryRun deletedId removed { kind count ids } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partner_account_type_ships_with_every_database() {
    let app = TestApp::spawn().await;
    let types = relationship_types(&app).await;
    assert_eq!(types.len(), 1, "only the default type ships: {types:?}");
    let full = app
        .ok(
            &manager(&app),
            "{ accountRelationshipTypes { totalCount nodes { name sourceKind targetKind forwardLabel reverseLabel isActive grantsPartnerCaseAccess partnerAccessPolicy isSymmetric relationships { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        full["accountRelationshipTypes"],
        json!({"totalCount": 1, "nodes": [{
            "name": "Partner Account", "sourceKind": "PARTNER", "targetKind": "ACCOUNT",
            "forwardLabel": "Partner of", "reverseLabel": "Customer of", "isActive": true,
            "grantsPartnerCaseAccess": true, "partnerAccessPolicy": "DERIVED", "isSymmetric": false,
            "relationships": {"totalCount": 0}}]})
    );
    // Any signed-in principal may read types; anonymous callers may not.
    let portal = app.token("someone", &[CUSTOMER]);
    let reply = app
        .gql(
            Some(&portal),
            "{ accountRelationshipTypes { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.data()["accountRelationshipTypes"]["totalCount"], 1);
    let reply = app
        .gql(
            None,
            "{ accountRelationshipTypes { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_types_and_filters_them_by_active() {
    let app = TestApp::spawn().await;
    let created = admin_ok(
        &app,
        CREATE_TYPE,
        json!({"i": {"name": "  Sibling  ", "sourceKind": "ACCOUNT", "targetKind": "ACCOUNT",
                     "forwardLabel": " Sibling of ", "reverseLabel": "Sibling of"}}),
    )
    .await;
    let created = &created["createAccountRelationshipType"]["accountRelationshipType"];
    assert_eq!(created["name"], "Sibling", "names are trimmed");
    assert_eq!(created["forwardLabel"], "Sibling of", "labels are trimmed");
    assert_eq!(created["isActive"], true, "active by default");
    assert_eq!(
        created["isSymmetric"], true,
        "same kinds and labels make a symmetric type"
    );
    let dormant = admin_ok(
        &app,
        CREATE_TYPE,
        json!({"i": {"name": "Dormant", "sourceKind": "ACCOUNT", "targetKind": "PARTNER",
                     "forwardLabel": "Serviced by", "reverseLabel": "Services", "isActive": false,
                     "grantsPartnerCaseAccess": true, "partnerAccessPolicy": "STAMPED"}}),
    )
    .await;
    let dormant = &dormant["createAccountRelationshipType"]["accountRelationshipType"];
    assert_eq!(dormant["isActive"], false);
    assert_eq!(dormant["isSymmetric"], false);
    let dormant_id = id_of(&dormant["id"]);
    let read = node(&app, &dormant_id, "... on AccountRelationshipType { name sourceKind targetKind grantsPartnerCaseAccess partnerAccessPolicy }").await;
    assert_eq!(
        read,
        json!({"name": "Dormant", "sourceKind": "ACCOUNT", "targetKind": "PARTNER",
               "grantsPartnerCaseAccess": true, "partnerAccessPolicy": "STAMPED"})
    );
    let filtered = admin_ok(
        &app,
        "{ active: accountRelationshipTypes(active: true) { nodes { name } } inactive: accountRelationshipTypes(active: false) { nodes { name } } all: accountRelationshipTypes { totalCount } }",
        json!({}),
    )
    .await;
    let names = |v: &Value| -> BTreeSet<String> {
        nodes(v)
            .iter()
            .map(|n| n["name"].as_str().expect("name").to_owned())
            .collect()
    };
    assert_eq!(
        names(&filtered["active"]),
        BTreeSet::from(["Partner Account".to_owned(), "Sibling".to_owned()])
    );
    assert_eq!(
        names(&filtered["inactive"]),
        BTreeSet::from(["Dormant".to_owned()])
    );
    assert_eq!(filtered["all"]["totalCount"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relabelling_a_type_shows_at_once_on_every_record_from_both_sides() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let p1 = partner(&app, "PARTNER1").await;
    let p2 = partner(&app, "PARTNER2").await;
    let c1 = customer(&app, "CUSTOMER1").await;
    let c2 = customer(&app, "CUSTOMER2").await;
    relate(&app, &kind, &p1, &c1).await;
    relate(&app, &kind, &p1, &c2).await;
    relate(&app, &kind, &p2, &c1).await;
    assert_eq!(
        sides_of(&app, &c1).await,
        vec![
            side("Customer of", "REVERSE", "PARTNER1"),
            side("Customer of", "REVERSE", "PARTNER2")
        ]
    );

    let updated = admin_ok(
        &app,
        UPDATE_TYPE,
        json!({"i": {"id": kind, "forwardLabel": "Reseller for", "reverseLabel": "Buys through"}}),
    )
    .await;
    let updated = &updated["updateAccountRelationshipType"]["accountRelationshipType"];
    assert_eq!(updated["forwardLabel"], "Reseller for");
    assert_eq!(updated["reverseLabel"], "Buys through");
    assert_eq!(updated["name"], "Partner Account", "absent fields stay");
    assert_eq!(updated["sourceKind"], "PARTNER");
    assert_eq!(updated["targetKind"], "ACCOUNT");
    assert_eq!(updated["grantsPartnerCaseAccess"], true);

    assert_eq!(
        sides_of(&app, &p1).await,
        vec![
            side("Reseller for", "FORWARD", "CUSTOMER1"),
            side("Reseller for", "FORWARD", "CUSTOMER2")
        ]
    );
    assert_eq!(
        sides_of(&app, &p2).await,
        vec![side("Reseller for", "FORWARD", "CUSTOMER1")]
    );
    assert_eq!(
        sides_of(&app, &c1).await,
        vec![
            side("Buys through", "REVERSE", "PARTNER1"),
            side("Buys through", "REVERSE", "PARTNER2")
        ]
    );
    assert_eq!(
        sides_of(&app, &c2).await,
        vec![side("Buys through", "REVERSE", "PARTNER1")]
    );
    // The type reached through a side shows the new labels too.
    let through = node(&app, &c2, "... on Account { relationships { nodes { type { forwardLabel reverseLabel } relationship { type { forwardLabel } } } } }").await;
    assert_eq!(
        nodes(&through["relationships"])[0],
        json!({"type": {"forwardLabel": "Reseller for", "reverseLabel": "Buys through"},
               "relationship": {"type": {"forwardLabel": "Reseller for"}}})
    );

    // Renaming the type and switching policy leaves the records and their labels alone.
    let renamed = admin_ok(
        &app,
        UPDATE_TYPE,
        json!({"i": {"id": kind, "name": "Channel Partner", "partnerAccessPolicy": "STAMPED"}}),
    )
    .await;
    let renamed = &renamed["updateAccountRelationshipType"]["accountRelationshipType"];
    assert_eq!(renamed["name"], "Channel Partner");
    assert_eq!(renamed["partnerAccessPolicy"], "STAMPED");
    assert_eq!(renamed["forwardLabel"], "Reseller for");
    assert_eq!(relationship_count(&app).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kinds_cannot_change_after_creation() {
    let app = TestApp::spawn().await;
    let schema = admin_ok(
        &app,
        "{ update: __type(name: \"UpdateAccountRelationshipTypeInput\") { inputFields { name } }
           create: __type(name: \"CreateAccountRelationshipTypeInput\") { inputFields { name } } }",
        json!({}),
    )
    .await;
    let fields = |v: &Value| -> BTreeSet<String> {
        v["inputFields"]
            .as_array()
            .expect("input fields")
            .iter()
            .map(|f| f["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let update = fields(&schema["update"]);
    assert!(update.contains("id") && update.contains("forwardLabel"));
    assert!(
        !update.contains("sourceKind") && !update.contains("targetKind"),
        "kinds must not be updatable: {update:?}"
    );
    let create = fields(&schema["create"]);
    assert!(create.contains("sourceKind") && create.contains("targetKind"));

    // Trying anyway is a validation error and changes nothing.
    let kind = partner_account_type(&app).await;
    let reply = app
        .gql(
            Some(&app.admin()),
            UPDATE_TYPE,
            json!({"i": {"id": kind, "sourceKind": "ACCOUNT"}}),
        )
        .await;
    assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED", "{}", reply.body);
    let after = relationship_type(&app, "Partner Account").await;
    assert_eq!(after["sourceKind"], "PARTNER");
    assert_eq!(after["targetKind"], "ACCOUNT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn type_validation_refuses_with_code_and_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let sibling = create_type(
        &app,
        "Sibling",
        "ACCOUNT",
        "ACCOUNT",
        "Sibling of",
        "Sibling of",
    )
    .await;
    let before = relationship_types(&app).await;

    let base = json!({"name": "Fresh", "sourceKind": "ACCOUNT", "targetKind": "ACCOUNT",
                      "forwardLabel": "Parent of", "reverseLabel": "Child of"});
    let with = |key: &str, value: Value| {
        let mut input = base.clone();
        input[key] = value;
        json!({ "i": input })
    };
    let cases = [
        (with("name", json!("Sibling")), "CONFLICT", "name"),
        (with("name", json!("Partner Account")), "CONFLICT", "name"),
        (with("name", json!("   ")), "BAD_USER_INPUT", "name"),
        (
            with("forwardLabel", json!("")),
            "BAD_USER_INPUT",
            "forwardLabel",
        ),
        (
            with("forwardLabel", json!("  ")),
            "BAD_USER_INPUT",
            "forwardLabel",
        ),
        (
            with("reverseLabel", json!("")),
            "BAD_USER_INPUT",
            "reverseLabel",
        ),
    ];
    for (variables, code, field) in cases {
        let reply = app.gql(Some(&admin), CREATE_TYPE, variables.clone()).await;
        assert_refused(&reply, code, Some(field));
    }

    let updates = [
        (
            json!({"id": sibling, "name": "Partner Account"}),
            "CONFLICT",
            "name",
        ),
        (
            json!({"id": sibling, "name": " "}),
            "BAD_USER_INPUT",
            "name",
        ),
        (
            json!({"id": sibling, "forwardLabel": ""}),
            "BAD_USER_INPUT",
            "forwardLabel",
        ),
        (
            json!({"id": sibling, "reverseLabel": "  "}),
            "BAD_USER_INPUT",
            "reverseLabel",
        ),
        // A refused field refuses the whole change: the valid label is not written either.
        (
            json!({"id": sibling, "forwardLabel": "Brother of", "reverseLabel": ""}),
            "BAD_USER_INPUT",
            "reverseLabel",
        ),
    ];
    for (input, code, field) in updates {
        let reply = app
            .gql(Some(&admin), UPDATE_TYPE, json!({ "i": input }))
            .await;
        assert_refused(&reply, code, Some(field));
    }
    assert_eq!(
        relationship_types(&app).await,
        before,
        "nothing was written"
    );

    // Renaming a type to its own name is not a conflict.
    let same = admin_ok(
        &app,
        UPDATE_TYPE,
        json!({"i": {"id": sibling, "name": "Sibling"}}),
    )
    .await;
    assert_eq!(
        same["updateAccountRelationshipType"]["accountRelationshipType"]["name"],
        "Sibling"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_type_previews_with_dry_run_then_removes_type_and_records_together() {
    let app = TestApp::spawn().await;
    let doomed = create_type(
        &app,
        "Doomed",
        "ACCOUNT",
        "ACCOUNT",
        "Supplier of",
        "Supplied by",
    )
    .await;
    let partner_type = partner_account_type(&app).await;
    let a = customer(&app, "ACCTA").await;
    let b = customer(&app, "ACCTB").await;
    let c = customer(&app, "ACCTC").await;
    let p = partner(&app, "PARTNERP").await;
    let r1 = relate(&app, &doomed, &a, &b).await;
    let r2 = relate(&app, &doomed, &b, &c).await;
    let r3 = relate(&app, &doomed, &c, &a).await;
    let kept = relate(&app, &partner_type, &p, &a).await;
    assert_eq!(relationship_count(&app).await, 4);

    let preview = admin_ok(&app, DELETE_TYPE, json!({"id": doomed, "dry": true})).await;
    let preview = &preview["deleteAccountRelationshipType"];
    assert_eq!(preview["dryRun"], true);
    assert!(preview["deletedId"].is_null());
    let removed = preview["removed"].as_array().expect("removed");
    assert_eq!(removed.len(), 1, "{preview}");
    assert_eq!(removed[0]["kind"], "AccountRelationship");
    assert_eq!(removed[0]["count"], 3);
    let ids: BTreeSet<String> = removed[0]["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([r1.clone(), r2.clone(), r3.clone()]),
        "the preview names the records by their global IDs"
    );
    // Nothing went.
    assert_eq!(relationship_count(&app).await, 4);
    assert_eq!(type_count(&app).await, 2);
    assert_eq!(sides_of(&app, &b).await.len(), 2);

    let done = admin_ok(&app, DELETE_TYPE, json!({"id": doomed, "dry": false})).await;
    let done = &done["deleteAccountRelationshipType"];
    assert_eq!(done["dryRun"], false);
    assert_eq!(done["deletedId"], doomed.as_str());
    assert_eq!(done["removed"][0]["kind"], "AccountRelationship");
    assert_eq!(done["removed"][0]["count"], 3);

    let admin = app.admin();
    assert!(
        !node_visible(&app, &admin, &doomed).await,
        "the type is gone"
    );
    for record in [&r1, &r2, &r3] {
        assert!(
            !node_visible(&app, &admin, record).await,
            "its records are gone"
        );
    }
    assert!(
        node_visible(&app, &admin, &kept).await,
        "other types' records stay"
    );
    assert_eq!(relationship_count(&app).await, 1);
    assert_eq!(type_count(&app).await, 1);
    assert_eq!(
        sides_of(&app, &a).await,
        vec![side("Customer of", "REVERSE", "PARTNERP")]
    );
    assert!(sides_of(&app, &b).await.is_empty());
    assert!(sides_of(&app, &c).await.is_empty());

    // A type without records reports nothing to remove; a missing type is NOT_FOUND.
    let empty = create_type(&app, "Empty", "ACCOUNT", "PARTNER", "Uses", "Used by").await;
    let preview = admin_ok(&app, DELETE_TYPE, json!({"id": empty, "dry": true})).await;
    assert_eq!(
        preview["deleteAccountRelationshipType"]["removed"],
        json!([])
    );
    admin_ok(&app, DELETE_TYPE, json!({"id": empty, "dry": false})).await;
    let again = app
        .gql(
            Some(&admin),
            DELETE_TYPE,
            json!({"id": empty, "dry": false}),
        )
        .await;
    assert_refused(&again, "NOT_FOUND", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_create_update_or_delete_types() {
    let app = TestApp::spawn().await;
    let kind = create_type(
        &app,
        "Guarded",
        "ACCOUNT",
        "ACCOUNT",
        "Guards",
        "Guarded by",
    )
    .await;
    let a = customer(&app, "ACCTA").await;
    let b = customer(&app, "ACCTB").await;
    relate(&app, &kind, &a, &b).await;
    let before = relationship_types(&app).await;

    assert_only_roles(
        &app,
        &[ADMIN],
        CREATE_TYPE,
        json!({"i": {"name": "Intruder", "sourceKind": "ACCOUNT", "targetKind": "ACCOUNT",
                     "forwardLabel": "x", "reverseLabel": "y"}}),
    )
    .await;
    assert_only_roles(
        &app,
        &[ADMIN],
        UPDATE_TYPE,
        json!({"i": {"id": kind, "forwardLabel": "Hijacked", "isActive": false}}),
    )
    .await;
    for dry in [true, false] {
        assert_only_roles(&app, &[ADMIN], DELETE_TYPE, json!({"id": kind, "dry": dry})).await;
    }
    assert_eq!(
        relationship_types(&app).await,
        before,
        "nothing was written"
    );
    assert_eq!(relationship_count(&app).await, 1);
}
