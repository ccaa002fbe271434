//! Account mutations: generated numbers, input rules with the offending field, the hierarchy
//! without cycles, the Account and Partner faces, and deleting only accounts no longer in use.

use serde_json::{Value, json};

use super::{
    CREATE_ACCOUNT, DELETE_ACCOUNT, DELETE_CONTACT, UPDATE_ACCOUNT, refused, refused_each, run,
    run_object,
};

use crate::support::{
    ADMIN_SUBJECT, MANAGER, TestApp, account, admin_ok, assert_logged_by, audit_log,
    audit_log_since, contact, customer, customer_under, global_id, missing_id, node, uuid_of,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_account_generates_numbers_and_is_audited() {
    let app = TestApp::spawn().await;
    let first = run_object(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "  ACME  ", "isCustomer": true}}),
        "account",
    )
    .await;
    assert_eq!(first["__typename"], "Account");
    assert_eq!(first["number"], "ACC0000001");
    assert_eq!(first["name"], "ACME", "names are trimmed");
    assert_eq!(first["isCustomer"], true);
    assert_eq!(first["isPartner"], false);
    assert_eq!(first["parent"], Value::Null);
    assert_eq!(first["createdAt"], first["updatedAt"]);

    let partner = run_object(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "GSI", "isPartner": true}}),
        "account",
    )
    .await;
    assert_eq!(
        partner["__typename"], "Partner",
        "a partner-only account comes back as Partner"
    );
    assert_eq!(partner["number"], "ACC0000002");

    let explicit = run_object(&app, CREATE_ACCOUNT, json!({"i": {"name": "EXPLICIT", "number": " X-100 ", "isCustomer": true, "isPartner": true, "parentId": first["id"]}}), "account").await;
    assert_eq!(explicit["number"], "X-100");
    assert_eq!(explicit["isPartner"], true);
    assert_eq!(explicit["parent"]["id"], first["id"]);

    // An explicit number does not use up a generated one.
    let next = run_object(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "NEXT", "isCustomer": true}}),
        "account",
    )
    .await;
    assert_eq!(next["number"], "ACC0000003");

    // A manager's create is audited under the manager's subject.
    let manager = app.token("max.manager", &[MANAGER]);
    let managed = app
        .ok(
            &manager,
            CREATE_ACCOUNT,
            json!({"i": {"name": "MANAGED", "isCustomer": true}}),
        )
        .await["createAccount"]["account"]
        .clone();
    assert_eq!(managed["number"], "ACC0000004");

    let entries = audit_log(&app).await;
    assert_eq!(entries.len(), 5, "one entry per create: {entries:#?}");
    for account in [&first, &partner, &explicit, &next] {
        assert_logged_by(
            &entries,
            "create",
            "account",
            uuid_of(account["id"].as_str().unwrap()),
            ADMIN_SUBJECT,
        );
    }
    assert_logged_by(
        &entries,
        "create",
        "account",
        uuid_of(managed["id"].as_str().unwrap()),
        "max.manager",
    );
    assert!(
        entries[0].details.contains("ACC0000001"),
        "details name the number: {}",
        entries[0].details
    );

    let data = admin_ok(
        &app,
        "{ accounts { nodes { number } } partners { nodes { number } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        data["accounts"]["nodes"],
        json!([{"number": "ACC0000001"}, {"number": "X-100"}, {"number": "ACC0000004"}, {"number": "ACC0000003"}])
    );
    assert_eq!(
        data["partners"]["nodes"],
        json!([{"number": "X-100"}, {"number": "ACC0000002"}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_input_rules_refuse_with_the_field() {
    let app = TestApp::spawn().await;
    let taken = run_object(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "TAKEN", "number": "N-1", "isCustomer": true}}),
        "account",
    )
    .await;
    let id = taken["id"].as_str().unwrap().to_owned();

    let create = |input: Value| json!({"i": input});
    refused_each(
        &app,
        CREATE_ACCOUNT,
        [
            (
                create(json!({"name": "AGAIN", "number": "N-1", "isCustomer": true})),
                "CONFLICT",
                Some("number"),
            ),
            (
                create(json!({"name": "AGAIN", "number": " N-1 ", "isCustomer": true})),
                "CONFLICT",
                Some("number"),
            ),
            (
                create(json!({"name": "BLANK", "number": "   ", "isCustomer": true})),
                "BAD_USER_INPUT",
                Some("number"),
            ),
            (
                create(json!({"name": "", "isCustomer": true})),
                "BAD_USER_INPUT",
                Some("name"),
            ),
            (
                create(json!({"name": "   ", "isCustomer": true})),
                "BAD_USER_INPUT",
                Some("name"),
            ),
            (
                create(json!({"name": "Y".repeat(201), "isCustomer": true})),
                "BAD_USER_INPUT",
                Some("name"),
            ),
            (
                create(json!({"name": "NOFLAG"})),
                "BAD_USER_INPUT",
                Some("isCustomer"),
            ),
            (
                create(json!({"name": "NOFLAG", "isCustomer": false, "isPartner": false})),
                "BAD_USER_INPUT",
                Some("isCustomer"),
            ),
        ],
    )
    .await;
    let missing = missing_id("Account");
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "ORPHAN", "isCustomer": true, "parentId": missing})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;

    let update = |input: Value| json!({"i": input});
    refused_each(
        &app,
        UPDATE_ACCOUNT,
        [
            (
                update(json!({"id": id, "name": ""})),
                "BAD_USER_INPUT",
                Some("name"),
            ),
            (
                update(json!({"id": id, "isCustomer": false})),
                "BAD_USER_INPUT",
                Some("isCustomer"),
            ),
            (
                update(json!({"id": id, "parentId": missing})),
                "BAD_USER_INPUT",
                Some("parentId"),
            ),
            (
                update(json!({"id": missing, "name": "GHOST"})),
                "NOT_FOUND",
                None,
            ),
        ],
    )
    .await;
    refused(
        &app,
        DELETE_ACCOUNT,
        json!({"id": missing}),
        "NOT_FOUND",
        None,
    )
    .await;

    // 200 characters are fine.
    let long = run(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "Z".repeat(200), "isCustomer": true})),
    )
    .await;
    assert_eq!(long["account"]["name"].as_str().unwrap().len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hierarchy_refuses_self_parents_and_cycles() {
    let app = TestApp::spawn().await;
    let a = customer(&app, "A").await;
    let b = customer_under(&app, "B", &a).await;
    let c = customer_under(&app, "C", &b).await;
    let d = customer(&app, "D").await;

    let update = |input: Value| json!({"i": input});
    refused_each(
        &app,
        UPDATE_ACCOUNT,
        [
            (
                update(json!({"id": a, "parentId": a})),
                "BAD_USER_INPUT",
                Some("parentId"),
            ),
            (
                update(json!({"id": a, "parentId": b})),
                "BAD_USER_INPUT",
                Some("parentId"),
            ),
            (
                update(json!({"id": a, "parentId": c})),
                "BAD_USER_INPUT",
                Some("parentId"),
            ),
            (
                update(json!({"id": b, "parentId": c})),
                "BAD_USER_INPUT",
                Some("parentId"),
            ),
            (
                update(json!({"id": b, "parentId": d, "clearParent": true})),
                "BAD_USER_INPUT",
                Some("clearParent"),
            ),
        ],
    )
    .await;

    // Legal moves: C up under A, A under D, B to the root.
    let before = audit_log(&app).await.len();
    let moved = run(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": c, "parentId": a})),
    )
    .await;
    assert_eq!(moved["account"]["parent"]["id"], a);
    let moved = run(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": a, "parentId": d})),
    )
    .await;
    assert_eq!(moved["account"]["parent"]["id"], d);
    let moved = run(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": b, "clearParent": true})),
    )
    .await;
    assert_eq!(moved["account"]["parent"], Value::Null);
    let entries = audit_log_since(&app, before).await;
    assert_eq!(entries.len(), 3);
    for id in [&c, &a, &b] {
        assert_logged_by(&entries, "update", "account", uuid_of(id), ADMIN_SUBJECT);
    }

    let tree = node(&app, &d, "... on Account { children { nodes { name ... on Account { children { nodes { name } } } } } }").await;
    assert_eq!(
        tree["children"]["nodes"],
        json!([{"name": "A", "children": {"nodes": [{"name": "C"}]}}])
    );
    // Now D is A's ancestor: making D a child of C would close a cycle.
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": d, "parentId": c})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_account_changes_fields_and_face() {
    let app = TestApp::spawn().await;
    let id = customer(&app, "OLD").await;
    app.clock.advance(chrono::Duration::minutes(5));
    let updated = run_object(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": id, "name": " NEW ", "isPartner": true}}),
        "account",
    )
    .await;
    assert_eq!(updated["__typename"], "Account");
    assert_eq!(updated["name"], "NEW");
    assert_eq!(updated["isCustomer"], true);
    assert_eq!(updated["isPartner"], true);
    assert_ne!(
        updated["updatedAt"], updated["createdAt"],
        "updatedAt moves"
    );

    // No longer a customer: the organisation is only reachable as a Partner now.
    let updated = run_object(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": id, "isCustomer": false}}),
        "account",
    )
    .await;
    assert_eq!(updated["__typename"], "Partner");
    assert_eq!(updated["name"], "NEW", "absent fields stay");
    assert_eq!(node(&app, &id, "id").await, Value::Null);
    let partner = global_id("Partner", &uuid_of(&id).to_string());
    assert_eq!(
        node(&app, &partner, "... on Partner { name }").await["name"],
        "NEW"
    );

    // A Partner ID works for updates too.
    let updated = run_object(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": partner, "name": "NEWER"}}),
        "account",
    )
    .await;
    assert_eq!(updated["name"], "NEWER");
    let entries = audit_log(&app).await;
    assert_eq!(entries.iter().filter(|e| e.action == "update").count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_account_refuses_accounts_in_use() {
    let app = TestApp::spawn().await;
    let with_contact = customer(&app, "WITHCONTACT").await;
    let contact = contact(&app, &with_contact, "CARL", None).await;
    let with_child = customer(&app, "WITHCHILD").await;
    let child = customer_under(&app, "CHILD", &with_child).await;
    let partner = account(&app, "PARTNERONLY", false, true, None).await;

    refused_each(
        &app,
        DELETE_ACCOUNT,
        [
            (json!({"id": with_contact}), "CONFLICT", None),
            (json!({"id": with_child}), "CONFLICT", None),
        ],
    )
    .await;

    let before = audit_log(&app).await.len();
    run(&app, DELETE_CONTACT, json!({"id": contact})).await;
    run(&app, DELETE_ACCOUNT, json!({"id": child})).await;
    for id in [&with_contact, &with_child, &partner] {
        let deleted = run(&app, DELETE_ACCOUNT, json!({"id": id})).await;
        assert_eq!(deleted["deletedId"], id.as_str());
        assert_eq!(node(&app, id, "id").await, Value::Null);
    }
    let entries = audit_log_since(&app, before).await;
    assert_logged_by(
        &entries,
        "delete",
        "contact",
        uuid_of(&contact),
        ADMIN_SUBJECT,
    );
    for id in [&child, &with_contact, &with_child, &partner] {
        assert_logged_by(&entries, "delete", "account", uuid_of(id), ADMIN_SUBJECT);
    }
    let data = admin_ok(
        &app,
        "{ accounts { totalCount } partners { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        data,
        json!({"accounts": {"totalCount": 0}, "partners": {"totalCount": 0}})
    );
}
