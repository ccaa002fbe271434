//! Organisations (customer accounts and partners) and their contacts.

use serde_json::json;

use crate::support::{
    graphql::{admin_ok, id_at},
    server::TestApp,
};

const CREATE_ACCOUNT: &str =
    "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id name } } }";

/// Creates an organisation as the admin and returns its global ID (an Account ID when it is a
/// customer, a Partner ID otherwise).
pub async fn account(
    app: &TestApp,
    name: &str,
    is_customer: bool,
    is_partner: bool,
    parent: Option<&str>,
) -> String {
    let input = json!({"name": name, "isCustomer": is_customer, "isPartner": is_partner, "parentId": parent});
    let data = admin_ok(app, CREATE_ACCOUNT, json!({ "i": input })).await;
    id_at(&data, "/createAccount/account/id")
}

/// A customer account at the top of its hierarchy.
pub async fn customer(app: &TestApp, name: &str) -> String {
    account(app, name, true, false, None).await
}

/// A customer account below `parent`.
pub async fn customer_under(app: &TestApp, name: &str, parent: &str) -> String {
    account(app, name, true, false, Some(parent)).await
}

/// A partner account (not a customer).
pub async fn partner(app: &TestApp, name: &str) -> String {
    account(app, name, false, true, None).await
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

/// Creates a contact on `account` (who signs in as `subject` when given) and returns its ID.
pub async fn contact(app: &TestApp, account: &str, name: &str, subject: Option<&str>) -> String {
    let data = admin_ok(
        app,
        "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
        json!({"i": {"accountId": account, "name": name, "subject": subject}}),
    )
    .await;
    id_at(&data, "/createContact/contact/id")
}
