//! Account relationship types and the relationships between accounts; responsibility definitions
//! and the contact relationships that carry them.

use serde_json::{Value, json};

use crate::support::{
    graphql::{Reply, admin_ok, id, nodes},
    personas::manager,
    roles::api_role,
    server::TestApp,
};

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
    id(&relationship_type(app, "Partner Account").await)
}

/// `createAccountRelationshipType` reading back the type's fields.
pub const CREATE_TYPE: &str = "mutation($i: CreateAccountRelationshipTypeInput!) { createAccountRelationshipType(input: $i) { accountRelationshipType { id name sourceKind targetKind forwardLabel reverseLabel isActive isSymmetric } } }";

/// Creates a relationship type from a full input as the admin and returns its ID.
pub async fn create_type_with(app: &TestApp, input: Value) -> String {
    let data = admin_ok(app, CREATE_TYPE, json!({ "i": input })).await;
    id(&data["createAccountRelationshipType"]["accountRelationshipType"])
}

/// Creates a relationship type that grants no case access and returns its ID.
pub async fn create_type(
    app: &TestApp,
    name: &str,
    source: &str,
    target: &str,
    forward: &str,
    reverse: &str,
) -> String {
    create_type_with(
        app,
        json!({"name": name, "sourceKind": source, "targetKind": target,
               "forwardLabel": forward, "reverseLabel": reverse}),
    )
    .await
}

/// Creates the ACCOUNT -> ACCOUNT "Affiliate" type ("Affiliate of" / "Affiliated with").
pub async fn affiliate_type(app: &TestApp) -> String {
    create_type(
        app,
        "Affiliate",
        "ACCOUNT",
        "ACCOUNT",
        "Affiliate of",
        "Affiliated with",
    )
    .await
}

/// Creates a partner-granting PARTNER -> ACCOUNT type with `policy` (DERIVED or STAMPED) and
/// returns its ID.
pub async fn partner_type(app: &TestApp, name: &str, forward: &str, policy: &str) -> String {
    create_type_with(
        app,
        json!({"name": name, "sourceKind": "PARTNER", "targetKind": "ACCOUNT",
               "forwardLabel": forward, "reverseLabel": format!("{forward} (reverse)"),
               "grantsPartnerCaseAccess": true, "partnerAccessPolicy": policy}),
    )
    .await
}

/// Sets the partner access policy (DERIVED or STAMPED) of a relationship type as the admin.
pub async fn set_policy(app: &TestApp, type_id: &str, policy: &str) {
    let data = admin_ok(
        app,
        "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id partnerAccessPolicy } } }",
        json!({"i": {"id": type_id, "partnerAccessPolicy": policy}}),
    )
    .await;
    assert_eq!(
        data["updateAccountRelationshipType"]["accountRelationshipType"]["partnerAccessPolicy"],
        policy
    );
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

/// `createAccountRelationship` reading back the relationship's fields.
pub const CREATE_ACCOUNT_RELATIONSHIP: &str = "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id accountFrom { name } accountTo { name } validFrom validTo order } } }";

/// Sends `createAccountRelationship` with `input` as `token`.
pub async fn try_relate(app: &TestApp, token: Option<&str>, input: Value) -> Reply {
    app.gql(token, CREATE_ACCOUNT_RELATIONSHIP, json!({ "i": input }))
        .await
}

/// Creates an account relationship from a full input as a manager and returns its ID.
pub async fn relate_with(app: &TestApp, input: Value) -> String {
    let data = try_relate(app, Some(&manager(app)), input)
        .await
        .data()
        .clone();
    id(&data["createAccountRelationship"]["accountRelationship"])
}

/// Relates `from` to `to` with `type_id` as a manager and returns the relationship ID.
pub async fn relate(app: &TestApp, type_id: &str, from: &str, to: &str) -> String {
    relate_with(app, json!({"typeId": type_id, "fromId": from, "toId": to})).await
}

/// Deletes an account relationship as the admin.
pub async fn unrelate(app: &TestApp, relationship: &str) {
    admin_ok(
        app,
        "mutation($id: ID!) { deleteAccountRelationship(id: $id) { deletedId } }",
        json!({"id": relationship}),
    )
    .await;
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
        .map(id)
        .unwrap_or_else(|| panic!("no responsibility named {name}"))
}

/// `createResponsibilityDefinition` reading back the definition's fields.
pub const CREATE_DEFINITION: &str = "mutation($i: CreateResponsibilityDefinitionInput!) { createResponsibilityDefinition(input: $i) { responsibilityDefinition { id name kind isUnique requiredRole description } } }";

/// Defines a responsibility of `kind` (that only holders of `required_role` may carry, when
/// given) as the admin and returns its ID.
pub async fn define_responsibility(
    app: &TestApp,
    name: &str,
    kind: &str,
    unique: bool,
    required_role: Option<&str>,
) -> String {
    let data = admin_ok(
        app,
        CREATE_DEFINITION,
        json!({"i": {"name": name, "kind": kind, "isUnique": unique,
                     "requiredRole": required_role.map(api_role)}}),
    )
    .await;
    id(&data["createResponsibilityDefinition"]["responsibilityDefinition"])
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

/// `createContactRelationship` reading back the relationship's fields.
pub const CREATE_CONTACT_RELATIONSHIP: &str = "mutation($i: CreateContactRelationshipInput!) { createContactRelationship(input: $i) { contactRelationship { id account { name } contact { name } responsibility { name } validFrom validTo isCurrent } } }";

/// Sends `createContactRelationship` with `input` as `token`.
pub async fn try_link(app: &TestApp, token: Option<&str>, input: Value) -> Reply {
    app.gql(token, CREATE_CONTACT_RELATIONSHIP, json!({ "i": input }))
        .await
}

/// Creates a contact relationship from a full input as a manager and returns its ID.
pub async fn link_with(app: &TestApp, input: Value) -> String {
    let data = try_link(app, Some(&manager(app)), input)
        .await
        .data()
        .clone();
    id(&data["createContactRelationship"]["contactRelationship"])
}

/// Gives `contact` the responsibility on `account` as a manager and returns the relationship ID.
pub async fn link(app: &TestApp, account: &str, contact: &str, responsibility: &str) -> String {
    link_with(
        app,
        json!({"accountId": account, "contactId": contact, "responsibilityId": responsibility}),
    )
    .await
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
