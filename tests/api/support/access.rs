//! Asking the API what a caller may see and do: case lists, `accessCheck` and access explanations,
//! and the accounts a portal caller lists.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{
    graphql::{Reply, id, names, sorted},
    server::TestApp,
};

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
    let numbers = data["viewer"]["cases"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["number"].as_str().expect("number").to_owned())
        .collect();
    sorted(numbers)
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

/// The rules an explanation's grants name, in order.
pub fn granting_rules(explanation: &Value) -> Vec<String> {
    explanation["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| g["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// `accessCheck(action, caseId)` for the viewer: (allowed, explanation.allowed, granting rules);
/// (allowed, false, none) when there is no explanation.
pub async fn check(
    app: &TestApp,
    token: &str,
    action: &str,
    case: &str,
) -> (bool, bool, Vec<String>) {
    let data = app
        .ok(
            token,
            "query($a: CaseAction!, $c: ID!) { accessCheck(action: $a, caseId: $c) { allowed explanation { allowed grants { rule } } } }",
            json!({"a": action, "c": case}),
        )
        .await;
    let d = &data["accessCheck"];
    if d["explanation"].is_null() {
        // A portal principal's unreadable case is explained as a missing one: not at all.
        return (d["allowed"].as_bool().expect("allowed"), false, Vec::new());
    }
    (
        d["allowed"].as_bool().expect("allowed"),
        d["explanation"]["allowed"]
            .as_bool()
            .expect("explanation.allowed"),
        granting_rules(&d["explanation"]),
    )
}

/// `accessCheck(action: CREATE_FOR)` for the viewer and an account or consumer
/// (`{"account": id}` or `{"consumer": id}`).
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

/// `Case.accessExplanation(principalId)` as `token`.
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
