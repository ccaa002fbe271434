//! Records created through the GraphQL API as an admin, for tests that need data to look at.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::harness::TestApp;

fn id_at(data: &Value, pointer: &str) -> String {
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no ID at {pointer} in {data}"))
        .to_owned()
}

/// Creates an account and returns the global ID of the face the API hands back.
pub async fn account(
    app: &TestApp,
    name: &str,
    is_customer: bool,
    is_partner: bool,
    parent: Option<&str>,
) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({"i": {"name": name, "isCustomer": is_customer, "isPartner": is_partner, "parentId": parent}}),
        )
        .await;
    id_at(&data, "/createAccount/account/id")
}

/// Creates a customer account.
pub async fn customer(app: &TestApp, name: &str, parent: Option<&str>) -> String {
    account(app, name, true, false, parent).await
}

/// Creates a contact on `account` and returns its ID.
pub async fn contact(app: &TestApp, account: &str, name: &str, subject: Option<&str>) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
            json!({"i": {"accountId": account, "name": name, "subject": subject}}),
        )
        .await;
    id_at(&data, "/createContact/contact/id")
}

/// Creates a consumer and returns its ID.
pub async fn consumer(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
            json!({"i": {"name": name, "subject": subject}}),
        )
        .await;
    id_at(&data, "/createConsumer/consumer/id")
}

/// Creates a household (with `head` as a current member) and returns its ID.
pub async fn household(app: &TestApp, name: &str, head: Option<&str>) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
            json!({"i": {"name": name, "headId": head}}),
        )
        .await;
    id_at(&data, "/createHousehold/household/id")
}

/// Adds `consumer` to `household` for the given period and returns the membership ID.
pub async fn member(
    app: &TestApp,
    household: &str,
    consumer: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            json!({"i": {"householdId": household, "consumerId": consumer, "startDate": start, "endDate": end}}),
        )
        .await;
    id_at(&data, "/addHouseholdMember/membership/id")
}

/// Creates an internal user and returns its ID.
pub async fn internal_user(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateInternalUserInput!) { createInternalUser(input: $i) { internalUser { id } } }",
            json!({"i": {"name": name, "subject": subject}}),
        )
        .await;
    id_at(&data, "/createInternalUser/internalUser/id")
}

/// Stores `role` for a contact or internal user.
pub async fn assign_role(app: &TestApp, principal: &str, role: &str) {
    app.ok(
        &app.admin(),
        "mutation($i: RoleInput!) { assignRole(input: $i) { role } }",
        json!({"i": {"principalId": principal, "role": role}}),
    )
    .await;
}

/// Everything an admin can see, to prove a refused mutation changed nothing.
const SNAPSHOT: &str = "{
  accounts(first: 50) { totalCount nodes { id name number isCustomer isPartner updatedAt parent { id } } }
  partners(first: 50) { totalCount nodes { id name updatedAt } }
  contacts(first: 50) { totalCount nodes { id name email phone subject roles updatedAt account { id } } }
  consumers(first: 50) { totalCount nodes { id name email subject updatedAt primaryHousehold { id } } }
  households(first: 20) { totalCount nodes { id name updatedAt head { id }
    memberships(first: 20) { totalCount nodes { id startDate endDate consumer { id } } } } }
  internalUsers(first: 50) { totalCount nodes { id name email subject roles updatedAt } }
}";

/// The data an admin sees and the number of audit entries.
pub async fn snapshot(app: &TestApp) -> (Value, u64) {
    (
        app.ok(&app.admin(), SNAPSHOT, json!({})).await,
        app.audit_count().await,
    )
}

/// The uuid inside a global ID.
pub fn uuid_of(id: &str) -> uuid::Uuid {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).expect("base64")).expect("utf-8");
    let (_, uuid) = text.split_once(':').expect("kind:uuid");
    uuid.parse().expect("uuid")
}

/// A global ID of `kind` for `uuid`, built the way the API builds them.
pub fn global_id(kind: &str, uuid: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{uuid}"))
}
