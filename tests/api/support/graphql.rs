//! Sending GraphQL operations to a test server and reading what comes back.

use serde_json::{Value, json};

use super::server::TestApp;

/// A GraphQL response with its HTTP status and SQL statement count.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub statements: u64,
}

impl Reply {
    /// The `data` object, failing the test when there were errors.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The `extensions.code` of the first error, failing the test when there was none.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {}", self.body))
    }

    /// The `extensions.field` of the first error.
    pub fn field(&self) -> &str {
        self.body["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field in {}", self.body))
    }
}

impl TestApp {
    /// Sends one query as `token` so that its subject's identity lookup is kept: the statement
    /// counts of the requests that follow (until the next change) leave that lookup out.
    pub async fn warm_up(&self, token: &str) {
        self.gql(Some(token), "{ viewer { subject } }", json!({}))
            .await
            .data();
    }

    /// POSTs a GraphQL operation with an optional bearer token.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Reply {
        let mut request = self
            .http()
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let statements = response
            .headers()
            .get("x-sql-statements")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let body = response.json().await.expect("json body");
        Reply {
            status,
            body,
            statements,
        }
    }

    /// Runs `query` as `token` and returns `data`, failing on errors.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql(Some(token), query, variables).await.data().clone()
    }
}

/// The root lists of directory records, each a connection with `totalCount`.
pub const ROOT_LISTS: [&str; 6] = [
    "accounts",
    "partners",
    "contacts",
    "consumers",
    "households",
    "internalUsers",
];

/// Runs `query` as the admin and returns `data`.
pub async fn admin_ok(app: &TestApp, query: &str, variables: Value) -> Value {
    app.ok(&app.admin(), query, variables).await
}

/// `node(id)` with `selection` as the admin reads it.
pub async fn node(app: &TestApp, id: &str, selection: &str) -> Value {
    let query = format!("query($id: ID!) {{ node(id: $id) {{ {selection} }} }}");
    admin_ok(app, &query, json!({ "id": id })).await["node"].clone()
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

/// The `nodes` array of a connection as a vector.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {connection}"))
        .clone()
}

/// The `name` of every node of a connection, in order.
pub fn names(connection: &Value) -> Vec<String> {
    nodes(connection)
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect()
}

/// A list of strings, sorted (for lists whose order is not what a test is about).
pub fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

/// The sorted values of `key` on each element of a JSON array.
pub fn sorted_field(list: &Value, key: &str) -> Vec<String> {
    let values = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("no {key} in {item}"))
                .to_owned()
        })
        .collect();
    sorted(values)
}

/// The sorted names of a JSON array of objects with `name`.
pub fn sorted_names(list: &Value) -> Vec<String> {
    sorted_field(list, "name")
}

/// The sorted `relationship.id` of each node of a list of relationship sides.
pub fn relationship_ids(sides: &Value) -> Vec<String> {
    let ids = sides
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {sides}"))
        .iter()
        .map(|n| id(&n["relationship"]))
        .collect();
    sorted(ids)
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

/// The `id` of a JSON object.
pub fn id(object: &Value) -> String {
    id_of(&object["id"])
}

/// The ID at the JSON `pointer` of a reply's data.
pub fn id_at(data: &Value, pointer: &str) -> String {
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no ID at {pointer} in {data}"))
        .to_owned()
}
