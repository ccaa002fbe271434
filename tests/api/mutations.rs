//! What every mutation does: its effects, its input rules with the offending field, that a refused
//! mutation writes nothing, and that every change leaves an audit entry naming the actor.

use entity::{household_membership, role_assignment};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    ADMIN_SUBJECT, AGENT, CUSTOMER, CUSTOMER_ADMIN, MANAGER, TestApp, account, assert_logged_by,
    assign_role, audit_log, audit_log_since, consumer, contact, customer, customer_under, day,
    global_id, household, internal_user, member, node, snapshot, today, uuid_of,
};

const CREATE_ACCOUNT: &str =
    "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account {
    __typename id number name isCustomer isPartner
    ... on Account { createdAt updatedAt parent { id } }
    ... on Partner { createdAt updatedAt parent { id } } } } }";
const UPDATE_ACCOUNT: &str =
    "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account {
    __typename id name isCustomer isPartner
    ... on Account { createdAt updatedAt parent { id } }
    ... on Partner { createdAt updatedAt parent { id } } } } }";
const DELETE_ACCOUNT: &str = "mutation($id: ID!) { deleteAccount(id: $id) { deletedId } }";
const CREATE_CONTACT: &str =
    "mutation($i: CreateContactInput!) { createContact(input: $i) { contact {
    id name email phone subject roles account { id } } } }";
const UPDATE_CONTACT: &str =
    "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact {
    id name email phone subject roles account { id } } } }";
const DELETE_CONTACT: &str = "mutation($id: ID!) { deleteContact(id: $id) { deletedId } }";
const CREATE_CONSUMER: &str =
    "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer {
    id name email subject primaryHousehold { id } } } }";
const UPDATE_CONSUMER: &str =
    "mutation($i: UpdateConsumerInput!) { updateConsumer(input: $i) { consumer {
    id name email subject primaryHousehold { id } } } }";
const SET_PRIMARY: &str =
    "mutation($i: SetPrimaryHouseholdInput!) { setPrimaryHousehold(input: $i) {
    consumer { id primaryHousehold { id } } } }";
const DELETE_CONSUMER: &str = "mutation($id: ID!) { deleteConsumer(id: $id) { deletedId } }";
const CREATE_HOUSEHOLD: &str =
    "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household {
    id name head { id } members { nodes { id } }
    memberships { nodes { id startDate endDate isCurrent consumer { id } } } } } }";
const UPDATE_HOUSEHOLD: &str =
    "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household {
    id name head { id } members { nodes { id } } } } }";
const DELETE_HOUSEHOLD: &str = "mutation($id: ID!) { deleteHousehold(id: $id) { deletedId } }";
const ADD_MEMBER: &str =
    "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership {
    id startDate endDate isCurrent household { id } consumer { id } } } }";
const END_MEMBERSHIP: &str =
    "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) {
    membership { id startDate endDate isCurrent } } }";
const REMOVE_MEMBERSHIP: &str =
    "mutation($id: ID!) { removeHouseholdMembership(id: $id) { deletedId } }";
const CREATE_USER: &str = "mutation($i: CreateInternalUserInput!) { createInternalUser(input: $i) {
    internalUser { id name email subject roles } } }";
const UPDATE_USER: &str = "mutation($i: UpdateInternalUserInput!) { updateInternalUser(input: $i) {
    internalUser { id name email subject roles } } }";
const DELETE_USER: &str = "mutation($id: ID!) { deleteInternalUser(id: $id) { deletedId } }";
const ASSIGN_ROLE: &str = "mutation($i: RoleInput!) { assignRole(input: $i) { principalId role } }";
const REVOKE_ROLE: &str = "mutation($i: RoleInput!) { revokeRole(input: $i) { principalId role } }";

/// Runs a mutation as admin and returns its payload, failing on errors.
async fn run(app: &TestApp, query: &str, variables: Value) -> Value {
    let data = app.ok(&app.admin(), query, variables).await;
    let (_, payload) = data
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("one mutation field");
    payload.clone()
}

/// Asserts the admin's mutation is refused with `code` on `field` and that nothing was written.
async fn refused(app: &TestApp, query: &str, variables: Value, code: &str, field: Option<&str>) {
    let before = snapshot(app).await;
    let reply = app.gql(Some(&app.admin()), query, variables.clone()).await;
    assert_eq!(reply.code(), code, "{variables}: {}", reply.body);
    if let Some(field) = field {
        assert_eq!(reply.field(), field, "{variables}: {}", reply.body);
    }
    assert!(reply.body["data"].is_null(), "{}", reply.body);
    assert_eq!(
        snapshot(app).await,
        before,
        "a refused mutation changed data: {variables}"
    );
}

async fn stored_roles(app: &TestApp, id: &str, on: &str) -> Value {
    node(app, id, &format!("... on {on} {{ roles }}")).await["roles"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_account_generates_numbers_and_is_audited() {
    let app = TestApp::spawn().await;
    let first = run(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "  ACME  ", "isCustomer": true}}),
    )
    .await["account"]
        .clone();
    assert_eq!(first["__typename"], "Account");
    assert_eq!(first["number"], "ACC0000001");
    assert_eq!(first["name"], "ACME", "names are trimmed");
    assert_eq!(first["isCustomer"], true);
    assert_eq!(first["isPartner"], false);
    assert_eq!(first["parent"], Value::Null);
    assert_eq!(first["createdAt"], first["updatedAt"]);

    let partner = run(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "GSI", "isPartner": true}}),
    )
    .await["account"]
        .clone();
    assert_eq!(
        partner["__typename"], "Partner",
        "a partner-only account comes back as Partner"
    );
    assert_eq!(partner["number"], "ACC0000002");

    let explicit = run(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "EXPLICIT", "number": " X-100 ", "isCustomer": true, "isPartner": true, "parentId": first["id"]}}),
    )
    .await["account"]
        .clone();
    assert_eq!(explicit["number"], "X-100");
    assert_eq!(explicit["isPartner"], true);
    assert_eq!(explicit["parent"]["id"], first["id"]);

    // An explicit number does not use up a generated one.
    let next = run(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "NEXT", "isCustomer": true}}),
    )
    .await["account"]
        .clone();
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

    let data = app
        .ok(
            &app.admin(),
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
    let taken = run(
        &app,
        CREATE_ACCOUNT,
        json!({"i": {"name": "TAKEN", "number": "N-1", "isCustomer": true}}),
    )
    .await["account"]
        .clone();
    let id = taken["id"].as_str().unwrap().to_owned();

    let create = |input: Value| json!({"i": input});
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "AGAIN", "number": "N-1", "isCustomer": true})),
        "CONFLICT",
        Some("number"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "AGAIN", "number": " N-1 ", "isCustomer": true})),
        "CONFLICT",
        Some("number"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "BLANK", "number": "   ", "isCustomer": true})),
        "BAD_USER_INPUT",
        Some("number"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "", "isCustomer": true})),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "   ", "isCustomer": true})),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "Y".repeat(201), "isCustomer": true})),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "NOFLAG"})),
        "BAD_USER_INPUT",
        Some("isCustomer"),
    )
    .await;
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "NOFLAG", "isCustomer": false, "isPartner": false})),
        "BAD_USER_INPUT",
        Some("isCustomer"),
    )
    .await;
    let missing = global_id("Account", &Uuid::now_v7().to_string());
    refused(
        &app,
        CREATE_ACCOUNT,
        create(json!({"name": "ORPHAN", "isCustomer": true, "parentId": missing})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;

    let update = |input: Value| json!({"i": input});
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": id, "name": ""})),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": id, "isCustomer": false})),
        "BAD_USER_INPUT",
        Some("isCustomer"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": id, "parentId": missing})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": missing, "name": "GHOST"})),
        "NOT_FOUND",
        None,
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
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": a, "parentId": a})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": a, "parentId": b})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": a, "parentId": c})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": b, "parentId": c})),
        "BAD_USER_INPUT",
        Some("parentId"),
    )
    .await;
    refused(
        &app,
        UPDATE_ACCOUNT,
        update(json!({"id": b, "parentId": d, "clearParent": true})),
        "BAD_USER_INPUT",
        Some("clearParent"),
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
    let updated = run(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": id, "name": " NEW ", "isPartner": true}}),
    )
    .await["account"]
        .clone();
    assert_eq!(updated["__typename"], "Account");
    assert_eq!(updated["name"], "NEW");
    assert_eq!(updated["isCustomer"], true);
    assert_eq!(updated["isPartner"], true);
    assert_ne!(
        updated["updatedAt"], updated["createdAt"],
        "updatedAt moves"
    );

    // No longer a customer: the organisation is only reachable as a Partner now.
    let updated = run(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": id, "isCustomer": false}}),
    )
    .await["account"]
        .clone();
    assert_eq!(updated["__typename"], "Partner");
    assert_eq!(updated["name"], "NEW", "absent fields stay");
    assert_eq!(node(&app, &id, "id").await, Value::Null);
    let partner = global_id("Partner", &uuid_of(&id).to_string());
    assert_eq!(
        node(&app, &partner, "... on Partner { name }").await["name"],
        "NEW"
    );

    // A Partner ID works for updates too.
    let updated = run(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": partner, "name": "NEWER"}}),
    )
    .await["account"]
        .clone();
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

    refused(
        &app,
        DELETE_ACCOUNT,
        json!({"id": with_contact}),
        "CONFLICT",
        None,
    )
    .await;
    refused(
        &app,
        DELETE_ACCOUNT,
        json!({"id": with_child}),
        "CONFLICT",
        None,
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
    let data = app
        .ok(
            &app.admin(),
            "{ accounts { totalCount } partners { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({"accounts": {"totalCount": 0}, "partners": {"totalCount": 0}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_created_changed_moved_and_deleted() {
    let app = TestApp::spawn().await;
    let home = customer(&app, "HOME").await;
    let away = account(&app, "AWAY", false, true, None).await;

    let contact = run(
        &app,
        CREATE_CONTACT,
        json!({"i": {"accountId": home, "name": " Carl ", "email": "carl@example.com", "phone": "+1 555", "subject": " carl.contact "}}),
    )
    .await["contact"]
        .clone();
    let id = contact["id"].as_str().unwrap().to_owned();
    assert_eq!(
        contact,
        json!({"id": id, "name": "Carl", "email": "carl@example.com", "phone": "+1 555",
               "subject": "carl.contact", "roles": [], "account": {"id": home}})
    );

    let updated = run(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": id, "email": "", "phone": "+1 556", "accountId": away}}),
    )
    .await["contact"]
        .clone();
    assert_eq!(updated["email"], Value::Null, "empty text clears");
    assert_eq!(updated["phone"], "+1 556");
    assert_eq!(updated["name"], "Carl", "absent fields stay");
    assert_eq!(updated["subject"], "carl.contact");
    assert_eq!(updated["account"]["id"], away, "moved to a partner account");

    let missing = global_id("Account", &Uuid::now_v7().to_string());
    refused(
        &app,
        CREATE_CONTACT,
        json!({"i": {"accountId": missing, "name": "NOBODY"}}),
        "BAD_USER_INPUT",
        Some("accountId"),
    )
    .await;
    refused(
        &app,
        CREATE_CONTACT,
        json!({"i": {"accountId": home, "name": " "}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": id, "accountId": missing}}),
        "BAD_USER_INPUT",
        Some("accountId"),
    )
    .await;
    refused(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": id, "name": ""}}),
        "BAD_USER_INPUT",
        Some("name"),
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
async fn consumers_and_their_primary_household() {
    let app = TestApp::spawn().await;
    let consumer = run(
        &app,
        CREATE_CONSUMER,
        json!({"i": {"name": "KIM", "email": "kim@example.com", "subject": "kim.consumer"}}),
    )
    .await["consumer"]
        .clone();
    let id = consumer["id"].as_str().unwrap().to_owned();
    assert_eq!(
        consumer,
        json!({"id": id, "name": "KIM", "email": "kim@example.com", "subject": "kim.consumer", "primaryHousehold": null})
    );
    let updated = run(
        &app,
        UPDATE_CONSUMER,
        json!({"i": {"id": id, "name": "KIMBERLY", "email": ""}}),
    )
    .await["consumer"]
        .clone();
    assert_eq!(updated["name"], "KIMBERLY");
    assert_eq!(updated["email"], Value::Null);
    assert_eq!(updated["subject"], "kim.consumer");
    refused(
        &app,
        CREATE_CONSUMER,
        json!({"i": {"name": ""}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        UPDATE_CONSUMER,
        json!({"i": {"id": id, "name": "  "}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;

    // The primary household must be one the consumer currently belongs to.
    let home = household(&app, "HOME", None).await;
    refused(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
        "BAD_USER_INPUT",
        Some("householdId"),
    )
    .await;
    let past = member(&app, &home, &id, Some("2001-01-01"), Some("2001-12-31")).await;
    refused(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
        "BAD_USER_INPUT",
        Some("householdId"),
    )
    .await;
    run(&app, REMOVE_MEMBERSHIP, json!({"id": past})).await;
    member(&app, &home, &id, None, None).await;
    let set = run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
    )
    .await;
    assert_eq!(set["consumer"]["primaryHousehold"]["id"], home);
    let cleared = run(&app, SET_PRIMARY, json!({"i": {"consumerId": id}})).await;
    assert_eq!(cleared["consumer"]["primaryHousehold"], Value::Null);
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
    )
    .await;

    // Deleting the consumer deletes its memberships and leaves the household without a head.
    run(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "headId": id}}),
    )
    .await;
    let before = audit_log(&app).await.len();
    let deleted = run(&app, DELETE_CONSUMER, json!({"id": id})).await;
    assert_eq!(deleted["deletedId"], id);
    assert_eq!(node(&app, &id, "id").await, Value::Null);
    let household = node(
        &app,
        &home,
        "... on Household { head { id } members { totalCount } memberships { totalCount } }",
    )
    .await;
    assert_eq!(
        household,
        json!({"head": null, "members": {"totalCount": 0}, "memberships": {"totalCount": 0}})
    );
    let left = household_membership::Entity::find()
        .filter(household_membership::Column::ConsumerId.eq(uuid_of(&id)))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "memberships of a deleted consumer remain: {left:?}"
    );
    let entries = audit_log_since(&app, before).await;
    assert_logged_by(&entries, "delete", "consumer", uuid_of(&id), ADMIN_SUBJECT);
    assert!(
        entries
            .iter()
            .any(|e| e.action == "delete" && e.entity_kind == "household_membership")
    );

    let entries = audit_log(&app).await;
    assert_logged_by(&entries, "create", "consumer", uuid_of(&id), ADMIN_SUBJECT);
    assert_logged_by(&entries, "update", "consumer", uuid_of(&id), ADMIN_SUBJECT);
    assert_logged_by(
        &entries,
        "set_primary_household",
        "consumer",
        uuid_of(&id),
        ADMIN_SUBJECT,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_household_has_its_head_as_a_current_member() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let household = run(
        &app,
        CREATE_HOUSEHOLD,
        json!({"i": {"name": " SMITHS ", "headId": head}}),
    )
    .await["household"]
        .clone();
    let id = household["id"].as_str().unwrap().to_owned();
    assert_eq!(household["name"], "SMITHS");
    assert_eq!(household["head"]["id"], head);
    assert_eq!(household["members"]["nodes"], json!([{"id": head}]));
    let membership = &household["memberships"]["nodes"][0];
    assert_eq!(membership["consumer"]["id"], head);
    assert_eq!(
        membership["startDate"],
        today(&app),
        "the head is a member from today"
    );
    assert_eq!(membership["endDate"], Value::Null);
    assert_eq!(membership["isCurrent"], true);
    let entries = audit_log(&app).await;
    assert_logged_by(&entries, "create", "household", uuid_of(&id), ADMIN_SUBJECT);
    assert_logged_by(
        &entries,
        "create",
        "household_membership",
        uuid_of(membership["id"].as_str().unwrap()),
        ADMIN_SUBJECT,
    );

    let empty =
        run(&app, CREATE_HOUSEHOLD, json!({"i": {"name": "EMPTY"}})).await["household"].clone();
    assert_eq!(empty["head"], Value::Null);
    assert_eq!(empty["members"]["nodes"], json!([]));

    let gone = consumer(&app, "GONE", None).await;
    run(&app, DELETE_CONSUMER, json!({"id": gone})).await;
    refused(
        &app,
        CREATE_HOUSEHOLD,
        json!({"i": {"name": "X", "headId": gone}}),
        "BAD_USER_INPUT",
        Some("headId"),
    )
    .await;
    refused(
        &app,
        CREATE_HOUSEHOLD,
        json!({"i": {"name": ""}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memberships_have_periods_that_must_not_overlap() {
    let app = TestApp::spawn().await;
    let home = household(&app, "HOME", None).await;
    let kim = consumer(&app, "KIM", None).await;
    let add = |start: Value, end: Value| json!({"i": {"householdId": home, "consumerId": kim, "startDate": start, "endDate": end}});

    let past = run(
        &app,
        ADD_MEMBER,
        add(json!("2020-01-01"), json!("2020-12-31")),
    )
    .await["membership"]
        .clone();
    assert_eq!(past["startDate"], "2020-01-01");
    assert_eq!(past["endDate"], "2020-12-31");
    assert_eq!(past["isCurrent"], false);
    assert_eq!(past["household"]["id"], home);
    assert_eq!(past["consumer"]["id"], kim);

    refused(
        &app,
        ADD_MEMBER,
        add(json!("2020-06-01"), json!(null)),
        "CONFLICT",
        Some("consumerId"),
    )
    .await;
    refused(
        &app,
        ADD_MEMBER,
        add(json!(null), json!("2020-01-01")),
        "CONFLICT",
        Some("consumerId"),
    )
    .await;
    refused(
        &app,
        ADD_MEMBER,
        add(json!("2020-12-31"), json!("2021-06-30")),
        "CONFLICT",
        Some("consumerId"),
    )
    .await;
    refused(
        &app,
        ADD_MEMBER,
        add(json!("2022-02-01"), json!("2022-01-31")),
        "BAD_USER_INPUT",
        Some("endDate"),
    )
    .await;
    let missing_home = global_id("Household", &Uuid::now_v7().to_string());
    refused(
        &app,
        ADD_MEMBER,
        json!({"i": {"householdId": missing_home, "consumerId": kim}}),
        "BAD_USER_INPUT",
        Some("householdId"),
    )
    .await;
    let missing_consumer = global_id("Consumer", &Uuid::now_v7().to_string());
    refused(
        &app,
        ADD_MEMBER,
        json!({"i": {"householdId": home, "consumerId": missing_consumer}}),
        "BAD_USER_INPUT",
        Some("consumerId"),
    )
    .await;

    // The day after the old period ends, a new open-ended one may start.
    let current =
        run(&app, ADD_MEMBER, add(json!("2021-01-01"), json!(null))).await["membership"].clone();
    assert_eq!(current["isCurrent"], true);
    refused(
        &app,
        ADD_MEMBER,
        add(json!(null), json!(null)),
        "CONFLICT",
        Some("consumerId"),
    )
    .await;

    let household = node(&app, &home, "... on Household { members { nodes { id } }
        memberships { nodes { id isCurrent } } current: memberships(currentOnly: true) { nodes { id } } }").await;
    assert_eq!(household["members"]["nodes"], json!([{"id": kim}]));
    assert_eq!(
        household["memberships"]["nodes"],
        json!([{"id": past["id"], "isCurrent": false}, {"id": current["id"], "isCurrent": true}])
    );
    assert_eq!(
        household["current"]["nodes"],
        json!([{"id": current["id"]}])
    );
    let consumer = node(
        &app,
        &kim,
        "... on Consumer { households { nodes { id } } memberships { totalCount } }",
    )
    .await;
    assert_eq!(
        consumer,
        json!({"households": {"nodes": [{"id": home}]}, "memberships": {"totalCount": 2}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_membership_keeps_it_as_history() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let home = household(&app, "HOME", Some(&head)).await;
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": head, "householdId": home}}),
    )
    .await;
    let kim = consumer(&app, "KIM", None).await;
    let membership = member(&app, &home, &kim, Some("2020-01-01"), None).await;

    refused(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": membership, "endDate": "2019-12-31"}}),
        "BAD_USER_INPUT",
        Some("endDate"),
    )
    .await;

    // Ended today: still a member until the day is over.
    let before = audit_log(&app).await.len();
    let ended = run(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": membership}}),
    )
    .await["membership"]
        .clone();
    assert_eq!(ended["endDate"], today(&app));
    assert_eq!(ended["startDate"], "2020-01-01");
    assert_eq!(ended["isCurrent"], true);
    assert_logged_by(
        &audit_log_since(&app, before).await,
        "end",
        "household_membership",
        uuid_of(&membership),
        ADMIN_SUBJECT,
    );
    let members = "... on Household { head { id } members { nodes { id } } memberships { nodes { id endDate isCurrent } } }";
    let household = node(&app, &home, members).await;
    assert_eq!(
        household["members"]["nodes"],
        json!([{"id": head}, {"id": kim}])
    );

    app.clock.advance(chrono::Duration::days(1));
    let household = node(&app, &home, members).await;
    assert_eq!(
        household["members"]["nodes"],
        json!([{"id": head}]),
        "gone the next day"
    );
    assert_eq!(
        household["memberships"]["nodes"][1]["isCurrent"], false,
        "history is kept"
    );

    // Ending the head's membership in the past takes the headship and primary household away.
    let head_membership = household["memberships"]["nodes"][0]["id"].clone();
    let ended = run(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": head_membership, "endDate": day(&app, -1)}}),
    )
    .await;
    assert_eq!(ended["membership"]["isCurrent"], false);
    let household = node(&app, &home, members).await;
    assert_eq!(household["head"], Value::Null);
    assert_eq!(household["members"]["nodes"], json!([]));
    let consumer = node(&app, &head, "... on Consumer { primaryHousehold { id } }").await;
    assert_eq!(consumer["primaryHousehold"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_heads_membership_clears_the_head() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let home = household(&app, "HOME", Some(&head)).await;
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": head, "householdId": home}}),
    )
    .await;
    let kim = consumer(&app, "KIM", None).await;
    let kims = member(&app, &home, &kim, None, None).await;
    let query = "... on Household { head { id } members { nodes { id } } memberships { totalCount nodes { id consumer { id } } } }";

    // Removing another member leaves the head alone.
    let removed = run(&app, REMOVE_MEMBERSHIP, json!({"id": kims})).await;
    assert_eq!(removed["deletedId"], kims);
    assert_eq!(node(&app, &kims, "id").await, Value::Null);
    let household = node(&app, &home, query).await;
    assert_eq!(household["head"]["id"], head);
    assert_eq!(household["members"]["nodes"], json!([{"id": head}]));
    assert_eq!(household["memberships"]["totalCount"], 1);

    let heads = household["memberships"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = audit_log(&app).await.len();
    run(&app, REMOVE_MEMBERSHIP, json!({"id": heads})).await;
    assert_logged_by(
        &audit_log_since(&app, before).await,
        "delete",
        "household_membership",
        uuid_of(&heads),
        ADMIN_SUBJECT,
    );
    let household = node(&app, &home, query).await;
    assert_eq!(
        household["head"],
        Value::Null,
        "the head is always a current member"
    );
    assert_eq!(household["memberships"]["totalCount"], 0);
    let consumer = node(&app, &head, "... on Consumer { primaryHousehold { id } }").await;
    assert_eq!(consumer["primaryHousehold"], Value::Null);
    refused(
        &app,
        REMOVE_MEMBERSHIP,
        json!({"id": heads}),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn households_are_renamed_re_headed_and_deleted() {
    let app = TestApp::spawn().await;
    let home = household(&app, "HOME", None).await;
    let kim = consumer(&app, "KIM", None).await;
    let lee = consumer(&app, "LEE", None).await;
    member(&app, &home, &lee, None, None).await;
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": lee, "householdId": home}}),
    )
    .await;

    // A new head who is not yet a member becomes one.
    let updated = run(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "name": "RENAMED", "headId": kim}}),
    )
    .await["household"]
        .clone();
    assert_eq!(updated["name"], "RENAMED");
    assert_eq!(updated["head"]["id"], kim);
    assert_eq!(
        updated["members"]["nodes"],
        json!([{"id": lee}, {"id": kim}])
    );
    // A head who is already a member gets no second membership.
    let updated = run(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "headId": lee}}),
    )
    .await["household"]
        .clone();
    assert_eq!(updated["head"]["id"], lee);
    assert_eq!(
        updated["members"]["nodes"],
        json!([{"id": lee}, {"id": kim}])
    );
    let cleared = run(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "clearHead": true}}),
    )
    .await["household"]
        .clone();
    assert_eq!(cleared["head"], Value::Null);
    assert_eq!(cleared["name"], "RENAMED");
    assert_eq!(
        cleared["members"]["nodes"],
        json!([{"id": lee}, {"id": kim}]),
        "members stay"
    );

    refused(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "headId": kim, "clearHead": true}}),
        "BAD_USER_INPUT",
        Some("clearHead"),
    )
    .await;
    refused(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "name": ""}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;

    let before = audit_log(&app).await.len();
    let deleted = run(&app, DELETE_HOUSEHOLD, json!({"id": home})).await;
    assert_eq!(deleted["deletedId"], home);
    assert_eq!(node(&app, &home, "id").await, Value::Null);
    let lee_now = node(
        &app,
        &lee,
        "... on Consumer { primaryHousehold { id } memberships { totalCount } }",
    )
    .await;
    assert_eq!(
        lee_now,
        json!({"primaryHousehold": null, "memberships": {"totalCount": 0}})
    );
    let entries = audit_log_since(&app, before).await;
    assert_logged_by(
        &entries,
        "delete",
        "household",
        uuid_of(&home),
        ADMIN_SUBJECT,
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.entity_kind == "household_membership" && e.action == "delete")
            .count(),
        2,
        "each removed membership is audited"
    );
    let entries = audit_log(&app).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "update" && e.entity_kind == "household")
            .count(),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_users_are_created_changed_and_deleted_with_their_roles() {
    let app = TestApp::spawn().await;
    let user = run(
        &app,
        CREATE_USER,
        json!({"i": {"name": " Uma ", "email": "uma@example.com", "subject": "uma.user"}}),
    )
    .await["internalUser"]
        .clone();
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        user,
        json!({"id": id, "name": "Uma", "email": "uma@example.com", "subject": "uma.user", "roles": []})
    );
    let updated = run(
        &app,
        UPDATE_USER,
        json!({"i": {"id": id, "name": "UMA", "email": ""}}),
    )
    .await["internalUser"]
        .clone();
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
    let role = |principal: &str, role: &str| json!({"i": {"principalId": principal, "role": role}});

    let before = audit_log(&app).await.len();
    let assigned = run(&app, ASSIGN_ROLE, role(&contact, CUSTOMER_ADMIN)).await;
    assert_eq!(
        assigned,
        json!({"principalId": contact, "role": CUSTOMER_ADMIN})
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

    let mut carl: Vec<String> =
        serde_json::from_value(stored_roles(&app, &contact, "Contact").await).unwrap();
    carl.sort();
    assert_eq!(carl, [CUSTOMER, CUSTOMER_ADMIN]);
    let mut uma: Vec<String> =
        serde_json::from_value(stored_roles(&app, &user, "InternalUser").await).unwrap();
    uma.sort();
    assert_eq!(uma, ["admin", MANAGER]);

    refused(
        &app,
        ASSIGN_ROLE,
        role(&contact, CUSTOMER),
        "CONFLICT",
        Some("role"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&contact, "admin"),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&contact, "sn_customerservice.consumer"),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&user, CUSTOMER),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&user, "superuser"),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&user, "ADMIN"),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&consumer, CUSTOMER),
        "BAD_USER_INPUT",
        Some("principalId"),
    )
    .await;
    refused(
        &app,
        ASSIGN_ROLE,
        role(&account, CUSTOMER),
        "BAD_USER_INPUT",
        Some("principalId"),
    )
    .await;
    let missing = global_id("Contact", &Uuid::now_v7().to_string());
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
    assert_eq!(revoked, json!({"principalId": contact, "role": CUSTOMER}));
    run(&app, REVOKE_ROLE, role(&user, MANAGER)).await;
    assert_eq!(
        stored_roles(&app, &contact, "Contact").await,
        json!([CUSTOMER_ADMIN])
    );
    assert_eq!(
        stored_roles(&app, &user, "InternalUser").await,
        json!(["admin"])
    );
    let entries = audit_log_since(&app, before).await;
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.action == "revoke_role"));
    refused(
        &app,
        REVOKE_ROLE,
        role(&contact, CUSTOMER),
        "NOT_FOUND",
        None,
    )
    .await;
    refused(
        &app,
        REVOKE_ROLE,
        role(&user, "superuser"),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;

    // A revoked role can be assigned again.
    run(&app, ASSIGN_ROLE, role(&contact, CUSTOMER)).await;
}
