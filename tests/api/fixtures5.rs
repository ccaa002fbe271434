//! Builders and probes shared by the issue-5 tests (cases and the access engine). Everything goes
//! through GraphQL over HTTP; only audit checks read the database directly.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::harness::{Reply, TestApp};

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

/// The `id` of a JSON object.
pub fn id(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// The IDs of the cases `token` lists in `viewer.cases(first: 100)`, checking `totalCount`.
pub async fn visible_cases(app: &TestApp, token: &str) -> BTreeSet<String> {
    let data = app
        .ok(
            token,
            "{ viewer { cases(first: 100) { totalCount nodes { id } } } }",
            json!({}),
        )
        .await;
    let list = &data["viewer"]["cases"];
    let ids: BTreeSet<String> = list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(id)
        .collect();
    assert_eq!(
        list["totalCount"].as_u64(),
        Some(ids.len() as u64),
        "totalCount disagrees with the listed cases (or the list needs more than one page): {list}"
    );
    ids
}

/// The numbers of the cases `token` lists in `viewer.cases(first: 100)`, sorted.
pub async fn visible_numbers(app: &TestApp, token: &str) -> Vec<String> {
    let data = app
        .ok(
            token,
            "{ viewer { cases(first: 100) { nodes { number } } } }",
            json!({}),
        )
        .await;
    let mut out: Vec<String> = data["viewer"]["cases"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["number"].as_str().expect("number").to_owned())
        .collect();
    out.sort();
    out
}

/// Whether `node(id)` returns the case for `token`.
pub async fn case_node_visible(app: &TestApp, token: &str, case: &str) -> bool {
    let data = app
        .ok(
            token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": case}),
        )
        .await;
    !data["node"].is_null()
}

/// `accessCheck(action, caseId)` for the viewer: (allowed, explanation.allowed, grant count).
pub async fn check(app: &TestApp, token: &str, action: &str, case: &str) -> (bool, bool, usize) {
    let data = app
        .ok(
            token,
            "query($a: CaseAction!, $c: ID!) { accessCheck(action: $a, caseId: $c) { allowed explanation { allowed grants { rule } } } }",
            json!({"a": action, "c": case}),
        )
        .await;
    let d = &data["accessCheck"];
    (
        d["allowed"].as_bool().expect("allowed"),
        d["explanation"]["allowed"]
            .as_bool()
            .expect("explanation.allowed"),
        d["explanation"]["grants"].as_array().expect("grants").len(),
    )
}

/// `accessCheck(action: CREATE_FOR)` for the viewer and an account or consumer.
pub async fn may_create_for(app: &TestApp, token: &str, target: Value) -> bool {
    let mut variables = target;
    variables["a"] = json!("CREATE_FOR");
    let data = app
        .ok(
            token,
            "query($a: CaseAction!, $account: ID, $consumer: ID) { accessCheck(action: $a, accountId: $account, consumerId: $consumer) { allowed } }",
            variables,
        )
        .await;
    data["accessCheck"]["allowed"].as_bool().expect("allowed")
}

/// The full explanation selection.
pub const EXPLANATION: &str = "allowed subject roles \
    grants { rule role path { kind recordId label validFrom validTo } } \
    denials { rule role reason lapsed { kind recordId label validFrom validTo } }";

/// `Case.accessExplanation(principalId)` as `token` (the admin by default in callers).
pub async fn explanation(app: &TestApp, token: &str, case: &str, principal: Option<&str>) -> Reply {
    app.gql(
        Some(token),
        &format!(
            "query($c: ID!, $p: ID) {{ node(id: $c) {{ ... on Case {{ accessExplanation(principalId: $p) {{ {EXPLANATION} }} }} }} }}"
        ),
        json!({"c": case, "p": principal}),
    )
    .await
}

/// The admin's explanation of `principal`'s access to `case`.
pub async fn explain_for(app: &TestApp, case: &str, principal: &str) -> Value {
    explanation(app, &app.admin(), case, Some(principal))
        .await
        .data()["node"]["accessExplanation"]
        .clone()
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

/// Sets the partner access policy (DERIVED or STAMPED) of a relationship type as the admin.
pub async fn set_policy(app: &TestApp, type_id: &str, policy: &str) {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id partnerAccessPolicy } } }",
            json!({"i": {"id": type_id, "partnerAccessPolicy": policy}}),
        )
        .await;
    assert_eq!(
        data["updateAccountRelationshipType"]["accountRelationshipType"]["partnerAccessPolicy"],
        policy
    );
}

/// Creates a partner-granting PARTNER -> ACCOUNT type with `policy` as the admin; returns its ID.
pub async fn partner_type(app: &TestApp, name: &str, forward: &str, policy: &str) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateAccountRelationshipTypeInput!) { createAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
            json!({"i": {"name": name, "sourceKind": "PARTNER", "targetKind": "ACCOUNT",
                         "forwardLabel": forward, "reverseLabel": format!("{forward} (reverse)"),
                         "grantsPartnerCaseAccess": true, "partnerAccessPolicy": policy}}),
        )
        .await;
    id(&data["createAccountRelationshipType"]["accountRelationshipType"])
}

/// Deletes an account relationship as the admin.
pub async fn unrelate(app: &TestApp, relationship: &str) {
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { deleteAccountRelationship(id: $id) { deletedId } }",
        json!({"id": relationship}),
    )
    .await;
}

/// Asserts the first error's code, and its field when given.
pub fn assert_code(reply: &Reply, code: &str, field: Option<&str>) {
    assert_eq!(reply.code(), code, "unexpected reply {}", reply.body);
    if let Some(field) = field {
        assert_eq!(reply.field(), field, "unexpected field in {}", reply.body);
    }
}

/// The expected number of the n-th case (1-based).
pub fn number(n: usize) -> String {
    format!("CS{n:07}")
}
