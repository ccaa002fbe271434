//! Builders for the issue-3 tests (account relationships, hierarchy, responsibilities, contact
//! relationships, portal visibility). Everything goes through GraphQL over HTTP as an admin or a
//! manager would do it; each builder fails the test when the server refuses.

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::harness::{
    ADMIN, AGENT, CONSUMER, CUSTOMER, CUSTOMER_ADMIN, MANAGER, PARTNER_ADMIN, RELATIONSHIP_AGENT,
    Reply, TestApp,
};

/// Portal role not named in the harness.
pub const CUSTOMER_CASE_MANAGER: &str = "sn_customerservice.customer_case_manager";
/// Portal role not named in the harness.
pub const PARTNER: &str = "sn_customerservice.partner";

/// Every role of DOMAIN.md §1.
pub const ALL_ROLES: [&str; 10] = [
    ADMIN,
    MANAGER,
    AGENT,
    RELATIONSHIP_AGENT,
    CUSTOMER,
    CUSTOMER_CASE_MANAGER,
    CUSTOMER_ADMIN,
    PARTNER,
    PARTNER_ADMIN,
    CONSUMER,
];

/// A token for a customer service manager.
pub fn manager(app: &TestApp) -> String {
    app.token("test.manager", &[MANAGER])
}

/// A token for a customer service agent.
pub fn agent(app: &TestApp) -> String {
    app.token("test.agent", &[AGENT])
}

/// Today as the server sees it (before any clock advance of the test).
pub fn today(app: &TestApp) -> NaiveDate {
    app.clock.today()
}

/// `date` as the GraphQL `NaiveDate` text.
pub fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The server's today shifted by `days`, as GraphQL date text.
pub fn days_from_today(app: &TestApp, days: i64) -> String {
    day(today(app) + chrono::Duration::days(days))
}

/// Runs `query` as the admin and returns `data`.
pub async fn admin_ok(app: &TestApp, query: &str, variables: Value) -> Value {
    app.ok(&app.admin(), query, variables).await
}

/// The `nodes` array at `value[path...]` as a vector.
pub fn nodes(value: &Value) -> Vec<Value> {
    value["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {value}"))
        .clone()
}

/// The `name` of every node of a connection, in order.
pub fn names(connection: &Value) -> Vec<String> {
    nodes(connection)
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect()
}

/// The same names, sorted (for lists whose order is not what a test is about).
pub fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// Owned strings from literals.
pub fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// An ID string out of a JSON value.
pub fn id_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not an ID: {value}"))
        .to_owned()
}

const CREATE_ACCOUNT: &str =
    "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id name } } }";

/// Creates an organisation as the admin and returns its global ID (an Account ID when it is a
/// customer, a Partner ID otherwise).
pub async fn create_account(
    app: &TestApp,
    name: &str,
    is_customer: bool,
    is_partner: bool,
    parent: Option<&str>,
) -> String {
    let mut input = json!({"name": name, "isCustomer": is_customer, "isPartner": is_partner});
    if let Some(parent) = parent {
        input["parentId"] = json!(parent);
    }
    let data = admin_ok(app, CREATE_ACCOUNT, json!({ "i": input })).await;
    id_of(&data["createAccount"]["account"]["id"])
}

/// A customer account.
pub async fn customer(app: &TestApp, name: &str) -> String {
    create_account(app, name, true, false, None).await
}

/// A customer account below `parent`.
pub async fn customer_under(app: &TestApp, name: &str, parent: &str) -> String {
    create_account(app, name, true, false, Some(parent)).await
}

/// A partner account.
pub async fn partner(app: &TestApp, name: &str) -> String {
    create_account(app, name, false, true, None).await
}

/// An account that does not exist any more (created, then deleted): a well-formed ID of nothing.
pub async fn deleted_account(app: &TestApp, name: &str) -> String {
    let id = customer(app, name).await;
    admin_ok(
        app,
        "mutation($id: ID!) { deleteAccount(id: $id) { deletedId } }",
        json!({"id": id}),
    )
    .await;
    id
}

/// Creates a contact on `account` (with a sign-in subject when given) and returns its ID.
pub async fn contact(app: &TestApp, account: &str, name: &str, subject: Option<&str>) -> String {
    let mut input = json!({"accountId": account, "name": name});
    if let Some(subject) = subject {
        input["subject"] = json!(subject);
    }
    let data = admin_ok(
        app,
        "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
        json!({ "i": input }),
    )
    .await;
    id_of(&data["createContact"]["contact"]["id"])
}

/// Stores `role` for the contact or internal user `principal` (assignRole, as the admin).
pub async fn assign_role(app: &TestApp, principal: &str, role: &str) {
    let data = admin_ok(
        app,
        "mutation($i: RoleInput!) { assignRole(input: $i) { principalId role } }",
        json!({"i": {"principalId": principal, "role": role}}),
    )
    .await;
    assert_eq!(data["assignRole"]["role"], role);
}

/// A contact of `account` who signs in as `subject` and holds `role` (stored and in the token);
/// returns the contact ID and a token for it.
pub async fn portal_contact(
    app: &TestApp,
    account: &str,
    name: &str,
    subject: &str,
    role: &str,
) -> (String, String) {
    let id = contact(app, account, name, Some(subject)).await;
    assign_role(app, &id, role).await;
    (id, app.token(subject, &[role]))
}

const TYPES: &str = "{ accountRelationshipTypes(first: 100) { totalCount nodes { id name sourceKind targetKind forwardLabel reverseLabel isActive grantsPartnerCaseAccess isSymmetric } } }";

/// Every relationship type, as the admin reads it.
pub async fn relationship_types(app: &TestApp) -> Vec<Value> {
    nodes(&admin_ok(app, TYPES, json!({})).await["accountRelationshipTypes"])
}

/// The type named `name`, as the admin reads it.
pub async fn relationship_type(app: &TestApp, name: &str) -> Value {
    relationship_types(app)
        .await
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no relationship type named {name}"))
}

/// The ID of the shipped Partner Account type.
pub async fn partner_account_type(app: &TestApp) -> String {
    id_of(&relationship_type(app, "Partner Account").await["id"])
}

pub const CREATE_TYPE: &str = "mutation($i: CreateAccountRelationshipTypeInput!) { createAccountRelationshipType(input: $i) { accountRelationshipType { id name sourceKind targetKind forwardLabel reverseLabel isActive isSymmetric } } }";

/// Creates a relationship type as the admin and returns its ID.
pub async fn create_type(
    app: &TestApp,
    name: &str,
    source: &str,
    target: &str,
    forward: &str,
    reverse: &str,
) -> String {
    let data = admin_ok(
        app,
        CREATE_TYPE,
        json!({"i": {"name": name, "sourceKind": source, "targetKind": target,
                     "forwardLabel": forward, "reverseLabel": reverse}}),
    )
    .await;
    id_of(&data["createAccountRelationshipType"]["accountRelationshipType"]["id"])
}

pub const CREATE_RELATIONSHIP: &str = "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id accountFrom { name } accountTo { name } validFrom validTo order } } }";

/// Sends `createAccountRelationship` with `input` as `token`.
pub async fn try_relate(app: &TestApp, token: Option<&str>, input: Value) -> Reply {
    app.gql(token, CREATE_RELATIONSHIP, json!({ "i": input }))
        .await
}

/// Relates `from` to `to` with `type_id` as a manager and returns the relationship ID.
pub async fn relate(app: &TestApp, type_id: &str, from: &str, to: &str) -> String {
    relate_with(app, json!({"typeId": type_id, "fromId": from, "toId": to})).await
}

/// Creates a relationship from a full input as a manager and returns its ID.
pub async fn relate_with(app: &TestApp, input: Value) -> String {
    let data = try_relate(app, Some(&manager(app)), input)
        .await
        .data()
        .clone();
    id_of(&data["createAccountRelationship"]["accountRelationship"]["id"])
}

/// How many account relationship records exist, over every type (as the admin sees them).
pub async fn relationship_count(app: &TestApp) -> i64 {
    let data = admin_ok(
        app,
        "{ accountRelationshipTypes(first: 100) { nodes { relationships(first: 1) { totalCount } } } }",
        json!({}),
    )
    .await;
    nodes(&data["accountRelationshipTypes"])
        .iter()
        .map(|t| t["relationships"]["totalCount"].as_i64().expect("count"))
        .sum()
}

/// How many relationship types exist.
pub async fn type_count(app: &TestApp) -> i64 {
    admin_ok(
        app,
        "{ accountRelationshipTypes(first: 1) { totalCount } }",
        json!({}),
    )
    .await["accountRelationshipTypes"]["totalCount"]
        .as_i64()
        .expect("count")
}

const SIDES: &str = "query($id: ID!) { node(id: $id) { ... on Account { relationships(first: 100) { totalCount nodes { label direction otherAccount { name } type { name } relationship { id } } } } ... on Partner { relationships(first: 100) { totalCount nodes { label direction otherAccount { name } type { name } relationship { id } } } } } }";

/// An account's relationships as it reads them: (label, direction, other account's name), in list order.
pub async fn sides_of(app: &TestApp, account: &str) -> Vec<(String, String, String)> {
    let data = admin_ok(app, SIDES, json!({"id": account})).await;
    nodes(&data["node"]["relationships"])
        .iter()
        .map(|s| {
            (
                s["label"].as_str().expect("label").to_owned(),
                s["direction"].as_str().expect("direction").to_owned(),
                s["otherAccount"]["name"]
                    .as_str()
                    .expect("other account")
                    .to_owned(),
            )
        })
        .collect()
}

/// One side as a tuple, for comparisons.
pub fn side(label: &str, direction: &str, other: &str) -> (String, String, String) {
    (label.to_owned(), direction.to_owned(), other.to_owned())
}

/// The ID of the responsibility definition named `name`.
pub async fn responsibility(app: &TestApp, name: &str) -> String {
    let data = admin_ok(
        app,
        "{ responsibilityDefinitions(first: 100) { nodes { id name } } }",
        json!({}),
    )
    .await;
    nodes(&data["responsibilityDefinitions"])
        .iter()
        .find(|d| d["name"] == name)
        .map(|d| id_of(&d["id"]))
        .unwrap_or_else(|| panic!("no responsibility named {name}"))
}

pub const CREATE_DEFINITION: &str = "mutation($i: CreateResponsibilityDefinitionInput!) { createResponsibilityDefinition(input: $i) { responsibilityDefinition { id name kind isUnique requiredRole description } } }";

/// Creates a responsibility definition as the admin and returns its ID.
pub async fn create_definition(app: &TestApp, name: &str, kind: &str, unique: bool) -> String {
    let data = admin_ok(
        app,
        CREATE_DEFINITION,
        json!({"i": {"name": name, "kind": kind, "isUnique": unique}}),
    )
    .await;
    id_of(&data["createResponsibilityDefinition"]["responsibilityDefinition"]["id"])
}

/// How many responsibility definitions exist.
pub async fn definition_count(app: &TestApp) -> i64 {
    admin_ok(
        app,
        "{ responsibilityDefinitions(first: 1) { totalCount } }",
        json!({}),
    )
    .await["responsibilityDefinitions"]["totalCount"]
        .as_i64()
        .expect("count")
}

pub const CREATE_LINK: &str = "mutation($i: CreateContactRelationshipInput!) { createContactRelationship(input: $i) { contactRelationship { id account { name } contact { name } responsibility { name } validFrom validTo isCurrent } } }";

/// Sends `createContactRelationship` with `input` as `token`.
pub async fn try_link(app: &TestApp, token: Option<&str>, input: Value) -> Reply {
    app.gql(token, CREATE_LINK, json!({ "i": input })).await
}

/// Gives `contact` the responsibility on `account` as a manager and returns the relationship ID.
pub async fn link(app: &TestApp, account: &str, contact: &str, responsibility: &str) -> String {
    link_with(
        app,
        json!({"accountId": account, "contactId": contact, "responsibilityId": responsibility}),
    )
    .await
}

/// Creates a contact relationship from a full input as a manager and returns its ID.
pub async fn link_with(app: &TestApp, input: Value) -> String {
    let data = try_link(app, Some(&manager(app)), input)
        .await
        .data()
        .clone();
    id_of(&data["createContactRelationship"]["contactRelationship"]["id"])
}

/// How many contact relationships exist (every one has a contact, so counted over contacts).
pub async fn link_count(app: &TestApp) -> i64 {
    let data = admin_ok(
        app,
        "{ contacts(first: 100) { totalCount nodes { actsFor(first: 1) { totalCount } } } }",
        json!({}),
    )
    .await;
    assert!(
        data["contacts"]["totalCount"].as_i64().expect("count") <= 100,
        "link_count only looks at the first 100 contacts"
    );
    nodes(&data["contacts"])
        .iter()
        .map(|c| c["actsFor"]["totalCount"].as_i64().expect("count"))
        .sum()
}

/// Names of the customer accounts `token` sees in `accounts`, sorted.
pub async fn visible_accounts(app: &TestApp, token: &str) -> Vec<String> {
    let data = app
        .ok(
            token,
            "{ accounts(first: 100) { nodes { name } } }",
            json!({}),
        )
        .await;
    sorted(names(&data["accounts"]))
}

/// Whether `node(id)` returns the object for `token`.
pub async fn node_visible(app: &TestApp, token: &str, id: &str) -> bool {
    let data = app
        .ok(
            token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    !data["node"].is_null()
}

/// Asserts a refusal: the error code, and the field when given, and no data for the mutation.
pub fn assert_refused(reply: &Reply, code: &str, field: Option<&str>) {
    assert_eq!(reply.code(), code, "unexpected error in {}", reply.body);
    if let Some(field) = field {
        assert_eq!(reply.field(), field, "unexpected field in {}", reply.body);
    }
    let data = &reply.body["data"];
    assert!(
        data.is_null()
            || data
                .as_object()
                .is_some_and(|o| o.values().all(Value::is_null)),
        "a refused mutation returned data: {}",
        reply.body
    );
}

/// The roles other than `allowed`, for role-refusal tests.
pub fn roles_except(allowed: &[&str]) -> Vec<&'static str> {
    ALL_ROLES
        .iter()
        .copied()
        .filter(|r| !allowed.contains(r))
        .collect()
}

/// Checks that `query` with `variables` is refused for an anonymous caller (UNAUTHENTICATED) and
/// for a token of every role outside `allowed` (FORBIDDEN).
pub async fn assert_only_roles(app: &TestApp, allowed: &[&str], query: &str, variables: Value) {
    let reply = app.gql(None, query, variables.clone()).await;
    assert_refused(&reply, "UNAUTHENTICATED", None);
    for role in roles_except(allowed) {
        let token = app.token(&format!("someone.{role}"), &[role]);
        let reply = app.gql(Some(&token), query, variables.clone()).await;
        assert_eq!(
            reply.code(),
            "FORBIDDEN",
            "role {role} was not refused: {}",
            reply.body
        );
        assert_refused(&reply, "FORBIDDEN", None);
    }
}
