//! Opening cases and sending the case mutations.

use serde_json::{Value, json};

use super::{
    graphql::{Reply, id},
    server::TestApp,
};

/// The fields a created or changed case is read back with.
pub const CASE_FIELDS: &str = "id number shortDescription state priority \
    account { id name } contact { id name } consumer { id name } household { id name } \
    partner { id name } partnerContact { id name } openedBySubject";

/// `createCase` returning `CASE_FIELDS`.
pub fn create_case_query() -> String {
    format!(
        "mutation($i: CreateCaseInput!) {{ createCase(input: $i) {{ case {{ {CASE_FIELDS} }} }} }}"
    )
}

/// Sends `createCase` with `input` as `token`.
pub async fn try_create_case(app: &TestApp, token: Option<&str>, input: Value) -> Reply {
    app.gql(token, &create_case_query(), json!({ "i": input }))
        .await
}

/// Opens a case as `token`, failing the test when refused; returns the case as read back.
pub async fn create_case_as(app: &TestApp, token: &str, input: Value) -> Value {
    let reply = try_create_case(app, Some(token), input).await;
    reply.data()["createCase"]["case"].clone()
}

/// Opens a case as the admin; returns the case as read back.
pub async fn create_case(app: &TestApp, input: Value) -> Value {
    create_case_as(app, &app.admin(), input).await
}

/// Opens a B2B case for `account` as the admin with a short description; returns its ID.
pub async fn account_case(app: &TestApp, account: &str, short: &str) -> String {
    id(&create_case(
        app,
        json!({"shortDescription": short, "accountId": account}),
    )
    .await)
}

/// Opens a B2C case for `consumer` as the admin with a short description; returns its ID.
pub async fn consumer_case(app: &TestApp, consumer: &str, short: &str) -> String {
    id(&create_case(
        app,
        json!({"shortDescription": short, "consumerId": consumer}),
    )
    .await)
}

/// Sends `addCaseComment` as `token`.
pub async fn comment(app: &TestApp, token: Option<&str>, case: &str, body: &str) -> Reply {
    app.gql(
        token,
        "mutation($i: AddCaseCommentInput!) { addCaseComment(input: $i) { comment { id body authorSubject } } }",
        json!({"i": {"caseId": case, "body": body}}),
    )
    .await
}

/// Sends `changeCaseState` as `token`.
pub async fn change_state(app: &TestApp, token: Option<&str>, case: &str, state: &str) -> Reply {
    app.gql(
        token,
        "mutation($id: ID!, $s: CaseState!) { changeCaseState(id: $id, state: $s) { case { id state } } }",
        json!({"id": case, "s": state}),
    )
    .await
}

/// Sends `resolveCase` or `closeCase` (`mutation` names which) as `token`.
pub async fn finish(app: &TestApp, token: Option<&str>, mutation: &str, case: &str) -> Reply {
    app.gql(
        token,
        &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ case {{ id state }} }} }}"),
        json!({"id": case}),
    )
    .await
}

/// Sends `updateCase` as `token`.
pub async fn update_case(app: &TestApp, token: Option<&str>, input: Value) -> Reply {
    app.gql(
        token,
        "mutation($i: UpdateCaseInput!) { updateCase(input: $i) { case { id shortDescription priority partner { name } } } }",
        json!({ "i": input }),
    )
    .await
}

/// The expected number of the n-th case (1-based).
pub fn case_number(n: usize) -> String {
    format!("CS{n:07}")
}
