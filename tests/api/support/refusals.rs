//! Checking refusals: the error code and offending field, no data for the refused field, and
//! that nothing was written.

use serde_json::{Value, json};

use super::{
    graphql::{Reply, admin_ok},
    roles::roles_except,
    server::TestApp,
};

/// Asserts the first error's code, and its field when given.
pub fn assert_error(reply: &Reply, code: &str, field: Option<&str>) {
    assert_eq!(reply.code(), code, "unexpected reply {}", reply.body);
    if let Some(field) = field {
        assert_eq!(reply.field(), field, "unexpected field in {}", reply.body);
    }
}

/// Asserts a refusal: the error code, the field when given, and no data for the operation.
pub fn assert_refused(reply: &Reply, code: &str, field: Option<&str>) {
    assert_error(reply, code, field);
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

/// Sends a change as `token` (`None`: anonymously) that must be refused with `code` (and `field`
/// when given), and checks that it wrote nothing: no audit entry appears.
pub async fn assert_refused_writing_nothing(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) {
    let before = app.audit_count().await;
    let reply = app.gql(token, query, variables).await;
    assert_error(&reply, code, field);
    assert!(reply.body["data"].is_null(), "{}", reply.body);
    assert_eq!(
        app.audit_count().await,
        before,
        "a refused change was written: {}",
        reply.body
    );
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
        admin_ok(app, SNAPSHOT, json!({})).await,
        app.audit_count().await,
    )
}

/// `assert_refused_writing_nothing` for each (variables, code, field) of `table`, in order.
pub async fn assert_each_refused_writing_nothing<const N: usize>(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    table: [(Value, &str, Option<&str>); N],
) {
    for (variables, code, field) in table {
        assert_refused_writing_nothing(app, token, query, variables, code, field).await;
    }
}
