//! What every directory mutation (accounts, contacts, consumers, households, internal users and
//! roles) does: its effects, its input rules with the offending field, that a refused mutation
//! writes nothing, and that every change leaves an audit entry naming the actor.

mod accounts;
mod households;
mod people;

use serde_json::Value;

use crate::support::{TestApp, admin_ok, node, snapshot};

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
    let data = admin_ok(app, query, variables).await;
    let (_, payload) = data
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("one mutation field");
    payload.clone()
}

/// Runs a mutation as admin and returns the `object` its payload carries.
async fn run_object(app: &TestApp, query: &str, variables: Value, object: &str) -> Value {
    run(app, query, variables).await[object].clone()
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

/// `refused` for each (variables, code, field) of `table`, in order.
async fn refused_each<const N: usize>(
    app: &TestApp,
    query: &str,
    table: [(Value, &str, Option<&str>); N],
) {
    for (variables, code, field) in table {
        refused(app, query, variables, code, field).await;
    }
}

/// The roles stored for the contact or internal user `id` (`on` names which).
async fn stored_roles(app: &TestApp, id: &str, on: &str) -> Value {
    node(app, id, &format!("... on {on} {{ roles }}")).await["roles"].clone()
}
