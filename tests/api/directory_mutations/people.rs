//! Contact, internal user and role mutations: their effects and input rules, one subject per
//! person, and stored roles by holder kind.

use entity::role_assignment;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    ASSIGN_ROLE, CREATE_CONSUMER, CREATE_CONTACT, CREATE_USER, DELETE_CONTACT, DELETE_USER,
    REVOKE_ROLE, UPDATE_CONSUMER, UPDATE_CONTACT, UPDATE_USER, refused, refused_each, run,
    run_object, stored_roles,
};

use crate::support::{
    ADMIN_SUBJECT, AGENT, ALL_ROLES, CUSTOMER, CUSTOMER_ADMIN, MANAGER, TestApp, account, api_role,
    assert_logged_by, assign_role, audit_log, audit_log_since, consumer, contact, customer,
    internal_user, missing_id, node, uuid_of,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_created_changed_moved_and_deleted() {
    let app = TestApp::spawn().await;
    let home = customer(&app, "HOME").await;
    let away = account(&app, "AWAY", false, true, None).await;

    let contact = run_object(&app, CREATE_CONTACT, json!({"i": {"accountId": home, "name": " Carl ", "email": "carl@example.com", "phone": "+1 555", "subject": " carl.contact "}}), "contact").await;
    let id = contact["id"].as_str().unwrap().to_owned();
    assert_eq!(
        contact,
        json!({"id": id, "name": "Carl", "email": "carl@example.com", "phone": "+1 555",
               "subject": "carl.contact", "roles": [], "account": {"id": home}})
    );

    let updated = run_object(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": id, "email": "", "phone": "+1 556", "accountId": away}}),
        "contact",
    )
    .await;
    assert_eq!(updated["email"], Value::Null, "empty text clears");
    assert_eq!(updated["phone"], "+1 556");
    assert_eq!(updated["name"], "Carl", "absent fields stay");
    assert_eq!(updated["subject"], "carl.contact");
    assert_eq!(updated["account"]["id"], away, "moved to a partner account");

    let missing = missing_id("Account");
    refused_each(
        &app,
        CREATE_CONTACT,
        [
            (
                json!({"i": {"accountId": missing, "name": "NOBODY"}}),
                "BAD_USER_INPUT",
                Some("accountId"),
            ),
            (
                json!({"i": {"accountId": home, "name": " "}}),
                "BAD_USER_INPUT",
                Some("name"),
            ),
        ],
    )
    .await;
    refused_each(
        &app,
        UPDATE_CONTACT,
        [
            (
                json!({"i": {"id": id, "accountId": missing}}),
                "BAD_USER_INPUT",
                Some("accountId"),
            ),
            (
                json!({"i": {"id": id, "name": ""}}),
                "BAD_USER_INPUT",
                Some("name"),
            ),
        ],
    )
    .await;

    // Deleting a contact deletes its stored roles.
    assign_role(&app, &id, CUSTOMER).await;
    assign_role(&app, &id, CUSTOMER_ADMIN).await;
    let stored = || async {
        role_assignment::Entity::find()
            .filter(role_assignment::Column::ContactId.eq(uuid_of(&id)))
            .all(&app.db)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(stored().await, 2);
    let deleted = run(&app, DELETE_CONTACT, json!({"id": id})).await;
    assert_eq!(deleted["deletedId"], id);
    assert_eq!(stored().await, 0);
    assert_eq!(node(&app, &id, "id").await, Value::Null);
    refused(&app, DELETE_CONTACT, json!({"id": id}), "NOT_FOUND", None).await;

    let entries = audit_log(&app).await;
    for action in ["create", "update", "delete"] {
        assert_logged_by(&entries, action, "contact", uuid_of(&id), ADMIN_SUBJECT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subject_belongs_to_one_person_only() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    let sam = contact(&app, &account, "SAM", Some("sam.subject")).await;
    let kim = consumer(&app, "KIM", Some("kim.subject")).await;
    let uma = internal_user(&app, "UMA", Some("uma.subject")).await;

    for taken in ["sam.subject", " kim.subject ", "uma.subject"] {
        refused(
            &app,
            CREATE_CONTACT,
            json!({"i": {"accountId": account, "name": "X", "subject": taken}}),
            "CONFLICT",
            Some("subject"),
        )
        .await;
        refused(
            &app,
            CREATE_CONSUMER,
            json!({"i": {"name": "X", "subject": taken}}),
            "CONFLICT",
            Some("subject"),
        )
        .await;
        refused(
            &app,
            CREATE_USER,
            json!({"i": {"name": "X", "subject": taken}}),
            "CONFLICT",
            Some("subject"),
        )
        .await;
    }
    refused(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": sam, "subject": "kim.subject"}}),
        "CONFLICT",
        Some("subject"),
    )
    .await;
    refused(
        &app,
        UPDATE_CONSUMER,
        json!({"i": {"id": kim, "subject": "uma.subject"}}),
        "CONFLICT",
        Some("subject"),
    )
    .await;
    refused(
        &app,
        UPDATE_USER,
        json!({"i": {"id": uma, "subject": "sam.subject"}}),
        "CONFLICT",
        Some("subject"),
    )
    .await;

    // Keeping one's own subject is fine; a cleared subject is free again.
    let same = run(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": sam, "subject": "sam.subject", "name": "SAMUEL"}}),
    )
    .await;
    assert_eq!(same["contact"]["subject"], "sam.subject");
    let cleared = run(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": sam, "subject": ""}}),
    )
    .await;
    assert_eq!(cleared["contact"]["subject"], Value::Null);
    let reused = run(
        &app,
        UPDATE_CONSUMER,
        json!({"i": {"id": kim, "subject": "sam.subject"}}),
    )
    .await;
    assert_eq!(reused["consumer"]["subject"], "sam.subject");
    // Several people may have no subject at all.
    contact(&app, &account, "NOSUB1", None).await;
    contact(&app, &account, "NOSUB2", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_users_are_created_changed_and_deleted_with_their_roles() {
    let app = TestApp::spawn().await;
    let user = run_object(
        &app,
        CREATE_USER,
        json!({"i": {"name": " Uma ", "email": "uma@example.com", "subject": "uma.user"}}),
        "internalUser",
    )
    .await;
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        user,
        json!({"id": id, "name": "Uma", "email": "uma@example.com", "subject": "uma.user", "roles": []})
    );
    let updated = run_object(
        &app,
        UPDATE_USER,
        json!({"i": {"id": id, "name": "UMA", "email": ""}}),
        "internalUser",
    )
    .await;
    assert_eq!(updated["name"], "UMA");
    assert_eq!(updated["email"], Value::Null);
    assert_eq!(updated["subject"], "uma.user");
    refused(
        &app,
        CREATE_USER,
        json!({"i": {"name": ""}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        UPDATE_USER,
        json!({"i": {"id": id, "name": " "}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;

    // The stored record is what a token with its subject maps to.
    let token = app.token("uma.user", &[AGENT]);
    let viewer = app
        .ok(
            &token,
            "{ viewer { node { __typename ... on InternalUser { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"]["node"],
        json!({"__typename": "InternalUser", "name": "UMA"})
    );

    assign_role(&app, &id, AGENT).await;
    let deleted = run(&app, DELETE_USER, json!({"id": id})).await;
    assert_eq!(deleted["deletedId"], id);
    let roles = role_assignment::Entity::find()
        .filter(role_assignment::Column::InternalUserId.eq(uuid_of(&id)))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        roles.is_empty(),
        "roles of a deleted user remain: {roles:?}"
    );
    assert_eq!(node(&app, &id, "id").await, Value::Null);
    refused(&app, DELETE_USER, json!({"id": id}), "NOT_FOUND", None).await;
    let entries = audit_log(&app).await;
    for action in ["create", "update", "delete"] {
        assert_logged_by(
            &entries,
            action,
            "internal_user",
            uuid_of(&id),
            ADMIN_SUBJECT,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_assigned_and_revoked_by_holder_kind() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    let contact = contact(&app, &account, "CARL", None).await;
    let user = internal_user(&app, "UMA", None).await;
    let consumer = consumer(&app, "KIM", None).await;
    let role = |principal: &str, role: &str| {
        let role = if ALL_ROLES.contains(&role) {
            api_role(role)
        } else {
            role
        };
        json!({"i": {"principalId": principal, "role": role}})
    };

    let before = audit_log(&app).await.len();
    let assigned = run(&app, ASSIGN_ROLE, role(&contact, CUSTOMER_ADMIN)).await;
    assert_eq!(
        assigned,
        json!({"principalId": contact, "role": "CUSTOMER_ADMIN"})
    );
    run(&app, ASSIGN_ROLE, role(&contact, CUSTOMER)).await;
    run(&app, ASSIGN_ROLE, role(&user, MANAGER)).await;
    run(&app, ASSIGN_ROLE, role(&user, "admin")).await;
    let entries = audit_log_since(&app, before).await;
    assert_eq!(entries.len(), 4);
    assert!(
        entries
            .iter()
            .all(|e| e.action == "assign_role" && e.actor.as_deref() == Some(ADMIN_SUBJECT))
    );

    assert_eq!(
        stored_roles(&app, &contact, "Contact").await,
        json!(["CUSTOMER", "CUSTOMER_ADMIN"])
    );
    assert_eq!(
        stored_roles(&app, &user, "InternalUser").await,
        json!(["ADMIN", "MANAGER"])
    );

    refused_each(
        &app,
        ASSIGN_ROLE,
        [
            (role(&contact, CUSTOMER), "CONFLICT", Some("role")),
            (role(&contact, "admin"), "BAD_USER_INPUT", Some("role")),
            (
                role(&contact, "sn_customerservice.consumer"),
                "BAD_USER_INPUT",
                Some("role"),
            ),
            (role(&user, CUSTOMER), "BAD_USER_INPUT", Some("role")),
            (role(&user, "superuser"), "GRAPHQL_VALIDATION_FAILED", None),
            // The stored spelling is not a value of the API's `Role` enum.
            (
                json!({"i": {"principalId": user, "role": MANAGER}}),
                "GRAPHQL_VALIDATION_FAILED",
                None,
            ),
            (
                role(&consumer, CUSTOMER),
                "BAD_USER_INPUT",
                Some("principalId"),
            ),
            (
                role(&account, CUSTOMER),
                "BAD_USER_INPUT",
                Some("principalId"),
            ),
        ],
    )
    .await;
    let missing = missing_id("Contact");
    refused(
        &app,
        ASSIGN_ROLE,
        role(&missing, CUSTOMER),
        "NOT_FOUND",
        None,
    )
    .await;

    let before = audit_log(&app).await.len();
    let revoked = run(&app, REVOKE_ROLE, role(&contact, CUSTOMER)).await;
    assert_eq!(revoked, json!({"principalId": contact, "role": "CUSTOMER"}));
    run(&app, REVOKE_ROLE, role(&user, MANAGER)).await;
    assert_eq!(
        stored_roles(&app, &contact, "Contact").await,
        json!(["CUSTOMER_ADMIN"])
    );
    assert_eq!(
        stored_roles(&app, &user, "InternalUser").await,
        json!(["ADMIN"])
    );
    let entries = audit_log_since(&app, before).await;
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.action == "revoke_role"));
    refused_each(
        &app,
        REVOKE_ROLE,
        [
            (role(&contact, CUSTOMER), "NOT_FOUND", None),
            (role(&user, "superuser"), "GRAPHQL_VALIDATION_FAILED", None),
        ],
    )
    .await;

    // A revoked role can be assigned again.
    run(&app, ASSIGN_ROLE, role(&contact, CUSTOMER)).await;
}
