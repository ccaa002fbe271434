//! Global IDs: garbage and wrongly typed IDs are refused with the offending field, IDs of missing
//! rows resolve to null, `nodes` keeps order, and an organisation has an Account and a Partner face.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::support::{
    TestApp, account, admin_ok, as_kind, consumer, contact, customer, customer_under, global_id,
    household, internal_user, uuid_of,
};

const MISSING: &str = "0190f5a2-0000-7000-8000-000000000000";

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_ids_are_refused_with_the_field() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    let admin = app.admin();
    for garbage in [
        "garbage".to_owned(),
        String::new(),
        "%%%".to_owned(),
        URL_SAFE_NO_PAD.encode("no colon here"),
        URL_SAFE_NO_PAD.encode(format!("Spaceship:{MISSING}")),
        URL_SAFE_NO_PAD.encode("Account:not-a-uuid"),
        URL_SAFE_NO_PAD.encode(format!("account:{}", uuid_of(&account))),
        URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x3a, 0x00]),
        // The right text in standard (padded) base64 is not the API's encoding.
        uuid_of(&account).to_string(),
    ] {
        let reply = app.gql(Some(&admin), NODE, json!({"id": garbage})).await;
        assert_eq!(
            reply.code(),
            "BAD_USER_INPUT",
            "node({garbage:?}): {}",
            reply.body
        );
        assert_eq!(reply.field(), "id");

        let reply = app
            .gql(
                Some(&admin),
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({"ids": [account, garbage]}),
            )
            .await;
        assert_eq!(
            reply.code(),
            "BAD_USER_INPUT",
            "nodes(..{garbage:?}): {}",
            reply.body
        );
        assert_eq!(reply.field(), "ids");
    }
    // The well-formed ID still works.
    let data = app.ok(&admin, NODE, json!({"id": account})).await;
    assert_eq!(data["node"]["id"], account);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_the_wrong_type_are_refused_with_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    let contact = contact(&app, &account, "CARL", None).await;
    let consumer = consumer(&app, "KIM", None).await;
    let household = household(&app, "HOME", None).await;
    let user = internal_user(&app, "UMA", None).await;
    let admin = app.admin();
    let audit_before = app.audit_count().await;

    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "a Contact ID as parentId",
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({"i": {"name": "CHILD", "isCustomer": true, "parentId": contact}}),
            "parentId",
        ),
        (
            "a Household ID as updateAccount parentId",
            "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
            json!({"i": {"id": account, "parentId": household}}),
            "parentId",
        ),
        (
            "a Contact ID as updateAccount id",
            "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
            json!({"i": {"id": contact, "name": "X"}}),
            "id",
        ),
        (
            "a Consumer ID as accountId",
            "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
            json!({"i": {"accountId": consumer, "name": "NEW"}}),
            "accountId",
        ),
        (
            "an Account ID as a contact to update",
            "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }",
            json!({"i": {"id": account, "name": "X"}}),
            "id",
        ),
        (
            "an Account ID as a contact to delete",
            "mutation($id: ID!) { deleteContact(id: $id) { deletedId } }",
            json!({"id": account}),
            "id",
        ),
        (
            "a Household ID as consumerId",
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            json!({"i": {"householdId": household, "consumerId": household}}),
            "consumerId",
        ),
        (
            "a Consumer ID as householdId",
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            json!({"i": {"householdId": consumer, "consumerId": consumer}}),
            "householdId",
        ),
        (
            "a Contact ID as head",
            "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
            json!({"i": {"name": "NEWHOME", "headId": contact}}),
            "headId",
        ),
        (
            "an Account ID as principalId",
            "mutation($i: RoleInput!) { assignRole(input: $i) { role } }",
            json!({"i": {"principalId": account, "role": "ADMIN"}}),
            "principalId",
        ),
        (
            "a Consumer ID as an internal user",
            "mutation($id: ID!) { deleteInternalUser(id: $id) { deletedId } }",
            json!({"id": consumer}),
            "id",
        ),
        (
            "an InternalUser ID as a membership",
            "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { membership { id } } }",
            json!({"i": {"membershipId": user}}),
            "membershipId",
        ),
        (
            "a Contact ID in the accountId filter",
            "query($id: ID!) { contacts(filter: {accountId: $id}) { totalCount } }",
            json!({"id": contact}),
            "accountId",
        ),
        (
            "a Consumer ID in the parentId filter",
            "query($id: ID!) { accounts(filter: {parentId: $id}) { totalCount } }",
            json!({"id": consumer}),
            "parentId",
        ),
    ];
    for (what, query, variables, field) in cases {
        let reply = app.gql(Some(&admin), query, variables).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{what}: {}", reply.body);
        assert_eq!(reply.field(), field, "{what}: {}", reply.body);
    }
    assert_eq!(
        app.audit_count().await,
        audit_before,
        "a refused mutation wrote"
    );
    let data = app
        .ok(
            &admin,
            "{ accounts { totalCount } contacts { totalCount } households { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({"accounts": {"totalCount": 1}, "contacts": {"totalCount": 1}, "households": {"totalCount": 1}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_of_missing_rows_resolve_to_null() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for kind in [
        "Account",
        "Partner",
        "Contact",
        "Consumer",
        "Household",
        "HouseholdMembership",
        "InternalUser",
    ] {
        let reply = app
            .gql(Some(&admin), NODE, json!({"id": global_id(kind, MISSING)}))
            .await;
        assert_eq!(reply.data()["node"], Value::Null, "{kind}");
    }
    // A deleted row's ID resolves to null as well.
    let account = customer(&app, "GONE").await;
    app.ok(
        &admin,
        "mutation($id: ID!) { deleteAccount(id: $id) { deletedId } }",
        json!({"id": account}),
    )
    .await;
    let data = app.ok(&admin, NODE, json!({"id": account})).await;
    assert_eq!(data["node"], Value::Null);
    // Changing a missing row is NOT_FOUND.
    let reply = app
        .gql(
            Some(&admin),
            "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
            json!({"i": {"id": account, "name": "BACK"}}),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND", "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_returns_objects_in_order_with_nulls() {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ACME").await;
    let contact = contact(&app, &account, "CARL", None).await;
    let consumer = consumer(&app, "KIM", None).await;
    let household = household(&app, "HOME", Some(&consumer)).await;
    let user = internal_user(&app, "UMA", None).await;
    let ids = json!([
        household,
        global_id("Contact", MISSING),
        contact,
        account,
        global_id("Household", MISSING),
        user,
        consumer,
        account,
        as_kind(&account, "Partner"),
    ]);
    let data = admin_ok(
        &app,
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
                ... on Account { name } ... on Contact { name } ... on Consumer { name }
                ... on Household { name } ... on InternalUser { name } } }",
        json!({"ids": ids}),
    )
    .await;
    let node = |typename: &str, id: &str, name: &str| json!({"__typename": typename, "id": id, "name": name});
    assert_eq!(
        data["nodes"],
        json!([
            node("Household", &household, "HOME"),
            null,
            node("Contact", &contact, "CARL"),
            node("Account", &account, "ACME"),
            null,
            node("InternalUser", &user, "UMA"),
            node("Consumer", &consumer, "KIM"),
            node("Account", &account, "ACME"),
            null,
        ])
    );
    let data = admin_ok(&app, "{ nodes(ids: []) { id } }", json!({})).await;
    assert_eq!(data["nodes"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_is_reachable_through_each_face_it_has() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let both = account(&app, "BOTHCO", true, true, None).await;
    let partner_only = account(&app, "PARTNERCO", false, true, None).await;
    let customer_only = customer(&app, "CUSTOMERCO").await;
    let query = "query($id: ID!) { node(id: $id) { __typename id
        ... on Organization { name isCustomer isPartner }
        ... on Account { asPartner { id } asAccount { id } }
        ... on Partner { asPartner { id } asAccount { id } } } }";

    // Flagged both: the Account face and the Partner face are two IDs of the same organisation.
    assert_eq!(uuid_of(&both), uuid_of(&as_kind(&both, "Partner")));
    let account_id = as_kind(&both, "Account");
    let partner_id = as_kind(&both, "Partner");
    let as_account = app.ok(&admin, query, json!({"id": account_id})).await["node"].clone();
    let as_partner = app.ok(&admin, query, json!({"id": partner_id})).await["node"].clone();
    assert_eq!(as_account["__typename"], "Account");
    assert_eq!(as_account["id"], account_id);
    assert_eq!(as_partner["__typename"], "Partner");
    assert_eq!(as_partner["id"], partner_id);
    for face in [&as_account, &as_partner] {
        assert_eq!(face["name"], "BOTHCO");
        assert_eq!(face["isCustomer"], true);
        assert_eq!(face["isPartner"], true);
        assert_eq!(face["asAccount"]["id"], account_id);
        assert_eq!(face["asPartner"]["id"], partner_id);
    }

    // Partner only: the Account-face ID resolves to null, the Partner one to the partner.
    assert_eq!(
        app.ok(
            &admin,
            query,
            json!({"id": as_kind(&partner_only, "Account")})
        )
        .await["node"],
        Value::Null
    );
    let partner = app
        .ok(
            &admin,
            query,
            json!({"id": as_kind(&partner_only, "Partner")}),
        )
        .await["node"]
        .clone();
    assert_eq!(partner["__typename"], "Partner");
    assert_eq!(partner["asAccount"], Value::Null);
    assert_eq!(
        partner["id"], partner_only,
        "the API hands out the Partner face"
    );

    // Customer only: the Partner-face ID resolves to null.
    assert_eq!(
        app.ok(
            &admin,
            query,
            json!({"id": as_kind(&customer_only, "Partner")})
        )
        .await["node"],
        Value::Null
    );
    let customer = app.ok(&admin, query, json!({"id": customer_only})).await["node"].clone();
    assert_eq!(customer["__typename"], "Account");
    assert_eq!(customer["asPartner"], Value::Null);

    // The lists show each face: `accounts` the customers, `partners` the partners.
    let data = app
        .ok(
            &admin,
            "{ accounts { nodes { id name } } partners { nodes { id name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["accounts"]["nodes"],
        json!([{"id": account_id, "name": "BOTHCO"}, {"id": customer_only, "name": "CUSTOMERCO"}])
    );
    assert_eq!(
        data["partners"]["nodes"],
        json!([{"id": partner_id, "name": "BOTHCO"}, {"id": partner_only, "name": "PARTNERCO"}])
    );

    // Either face is accepted where an organisation is expected.
    let child = customer_under(&app, "CHILD", &partner_id).await;
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Account { parent { __typename id } } } }",
            json!({"id": child}),
        )
        .await;
    assert_eq!(
        uuid_of(data["node"]["parent"]["id"].as_str().unwrap()),
        uuid_of(&both)
    );
    let contact = contact(&app, &as_kind(&partner_only, "Partner"), "PAT", None).await;
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Contact { account { __typename id } } } }",
            json!({"id": contact}),
        )
        .await;
    assert_eq!(
        data["node"]["account"],
        json!({"__typename": "Partner", "id": partner_only})
    );
}
