//! Builders and checks shared by the issue-4 tests: consumers, households, memberships, internal
//! users with stored roles, team members, consumer relationships, cascade reports and audit rows.
//! Everything is created through GraphQL; only the audit checks read the database directly.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{AGENT, MANAGER, RELATIONSHIP_AGENT, TestApp};

/// A manager's token (no stored user record needed).
pub fn manager(app: &TestApp) -> String {
    app.token("test.manager", &[MANAGER])
}

/// An agent's token (no stored user record needed).
pub fn agent(app: &TestApp) -> String {
    app.token("test.agent", &[AGENT])
}

/// The server's today moved by `offset` days, as a GraphQL `NaiveDate`.
pub fn day(app: &TestApp, offset: i64) -> String {
    (app.clock.today() + Duration::days(offset)).to_string()
}

/// The id of `data[field][object]["id"]` as text.
fn id_at(data: &Value, field: &str, object: &str) -> String {
    data[field][object]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no {field}.{object}.id in {data}"))
        .to_owned()
}

/// Creates a consumer (admin) and returns its ID.
pub async fn consumer(app: &TestApp, name: &str) -> String {
    create_consumer(app, json!({ "name": name })).await
}

/// Creates a consumer who signs in as `subject` (admin) and returns its ID.
pub async fn consumer_with_subject(app: &TestApp, name: &str, subject: &str) -> String {
    create_consumer(app, json!({ "name": name, "subject": subject })).await
}

async fn create_consumer(app: &TestApp, input: Value) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
            json!({ "i": input }),
        )
        .await;
    id_at(&data, "createConsumer", "consumer")
}

/// Creates a household, optionally with a head (admin), and returns its ID.
pub async fn household(app: &TestApp, name: &str, head: Option<&str>) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
            json!({ "i": { "name": name, "headId": head } }),
        )
        .await;
    id_at(&data, "createHousehold", "household")
}

/// Adds `consumer` to `household` for the given period (admin) and returns the membership ID.
pub async fn member(
    app: &TestApp,
    household: &str,
    consumer: &str,
    start: Option<String>,
    end: Option<String>,
) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            json!({ "i": { "householdId": household, "consumerId": consumer, "startDate": start, "endDate": end } }),
        )
        .await;
    id_at(&data, "addHouseholdMember", "membership")
}

/// The ID of `consumer`'s only membership of `household` (admin view).
pub async fn membership_of(app: &TestApp, household: &str, consumer: &str) -> String {
    let data = app
        .ok(
            &app.admin(),
            "query($h: ID!) { node(id: $h) { ... on Household { memberships(currentOnly: false) { nodes { id consumer { id } } } } } }",
            json!({ "h": household }),
        )
        .await;
    let found: Vec<&Value> = data["node"]["memberships"]["nodes"]
        .as_array()
        .expect("memberships")
        .iter()
        .filter(|m| m["consumer"]["id"] == consumer)
        .collect();
    assert_eq!(found.len(), 1, "expected one membership in {data}");
    found[0]["id"].as_str().expect("membership id").to_owned()
}

/// Creates a customer account (admin) and returns its ID.
pub async fn account(app: &TestApp, name: &str) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({ "i": { "name": name, "isCustomer": true } }),
        )
        .await;
    id_at(&data, "createAccount", "account")
}

/// Creates an internal user without stored roles (admin) and returns its ID.
pub async fn user(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateInternalUserInput!) { createInternalUser(input: $i) { internalUser { id } } }",
            json!({ "i": { "name": name, "subject": subject } }),
        )
        .await;
    id_at(&data, "createInternalUser", "internalUser")
}

/// Stores `role` for the internal user (admin).
pub async fn grant(app: &TestApp, user: &str, role: &str) {
    app.ok(
        &app.admin(),
        "mutation($i: RoleInput!) { assignRole(input: $i) { role } }",
        json!({ "i": { "principalId": user, "role": role } }),
    )
    .await;
}

/// Creates an internal user holding the stored relationship_agent role and returns its ID.
pub async fn relationship_agent(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let id = user(app, name, subject).await;
    grant(app, &id, RELATIONSHIP_AGENT).await;
    id
}

/// The ID of the responsibility definition called `name`.
pub async fn responsibility(app: &TestApp, name: &str) -> String {
    let data = app
        .ok(
            &app.admin(),
            "{ responsibilityDefinitions(first: 100) { nodes { id name } } }",
            json!({}),
        )
        .await;
    data["responsibilityDefinitions"]["nodes"]
        .as_array()
        .expect("definitions")
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no responsibility {name} in {data}"))["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Defines a responsibility (admin) and returns its ID.
pub async fn define_responsibility(
    app: &TestApp,
    name: &str,
    kind: &str,
    unique: bool,
    required_role: Option<&str>,
) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($i: CreateResponsibilityDefinitionInput!) { createResponsibilityDefinition(input: $i) { responsibilityDefinition { id } } }",
            json!({ "i": { "name": name, "kind": kind, "isUnique": unique, "requiredRole": required_role } }),
        )
        .await;
    id_at(
        &data,
        "createResponsibilityDefinition",
        "responsibilityDefinition",
    )
}

pub const ADD_TEAM_MEMBER: &str = "mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { teamMember { id target user { name } responsibility { name } validFrom validTo isCurrent order } } }";

/// Puts `user` on `target`'s team (admin), with the default responsibility when `responsibility` is
/// absent, and returns the team member ID.
pub async fn team_member(
    app: &TestApp,
    user: &str,
    target: &str,
    responsibility: Option<&str>,
) -> String {
    let data = app
        .ok(
            &app.admin(),
            ADD_TEAM_MEMBER,
            json!({ "i": { "userId": user, "targetId": target, "responsibilityId": responsibility } }),
        )
        .await;
    id_at(&data, "addTeamMember", "teamMember")
}

pub const CREATE_RELATIONSHIP: &str = "mutation($i: CreateConsumerRelationshipInput!) { createConsumerRelationship(input: $i) { consumerRelationship { id consumer { name } relatedConsumer { name } household { name } responsibility { name } validFrom validTo isCurrent order } } }";

/// Makes `representative` act for `represented` (Authorized Representative), within `household`
/// when given (admin), and returns the relationship ID.
pub async fn relate(
    app: &TestApp,
    representative: &str,
    represented: &str,
    household: Option<&str>,
) -> String {
    relate_as(app, representative, represented, household, None).await
}

/// Like `relate`, carrying `responsibility` instead of the default.
pub async fn relate_as(
    app: &TestApp,
    representative: &str,
    represented: &str,
    household: Option<&str>,
    responsibility: Option<&str>,
) -> String {
    let data = app
        .ok(
            &app.admin(),
            CREATE_RELATIONSHIP,
            json!({ "i": { "consumerId": representative, "relatedConsumerId": represented,
                           "householdId": household, "responsibilityId": responsibility } }),
        )
        .await;
    id_at(&data, "createConsumerRelationship", "consumerRelationship")
}

/// The uuid inside a global ID.
pub fn uuid_of(global_id: &str) -> Uuid {
    let bytes = URL_SAFE_NO_PAD
        .decode(global_id)
        .unwrap_or_else(|_| panic!("not a global ID: {global_id}"));
    let text = String::from_utf8(bytes).expect("utf-8 global ID");
    let (_, uuid) = text.split_once(':').expect("Kind:uuid");
    uuid.parse().expect("uuid")
}

/// How many audit entries exist.
pub async fn audit_count(app: &TestApp) -> u64 {
    audit_log::Entity::find()
        .count(&app.db)
        .await
        .expect("count audit rows")
}

/// How many audit entries record `action` on the `kind` row with global ID `id`.
pub async fn audit_entries(app: &TestApp, action: &str, kind: &str, id: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::EntityKind.eq(kind))
        .filter(audit_log::Column::EntityId.eq(uuid_of(id)))
        .count(&app.db)
        .await
        .expect("audit rows")
}

/// Fails unless every global ID in `ids` has exactly one audit entry with `action` on `kind`.
pub async fn assert_audited<S: AsRef<str>>(app: &TestApp, action: &str, kind: &str, ids: &[S]) {
    assert!(!ids.is_empty(), "nothing to check");
    for id in ids {
        let id = id.as_ref();
        assert_eq!(
            audit_entries(app, action, kind, id).await,
            1,
            "expected one `{action}` audit entry for {kind} {id}"
        );
    }
}

/// Sends a change that must be refused with `code` (and `field` when given), and checks that it
/// wrote nothing: no audit entry appears (every change audits inside its own transaction).
pub async fn assert_refused(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) {
    assert_refused_for(app, Some(token), query, variables, code, field).await;
}

/// `assert_refused` for an optional token (`None`: an anonymous request).
pub async fn assert_refused_for(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) {
    let before = audit_count(app).await;
    let reply = app.gql(token, query, variables).await;
    assert_eq!(reply.code(), code, "{}", reply.body);
    if let Some(field) = field {
        assert_eq!(reply.field(), field, "{}", reply.body);
    }
    assert!(reply.body["data"].is_null(), "{}", reply.body);
    assert_eq!(
        audit_count(app).await,
        before,
        "a refused change was written: {}",
        reply.body
    );
}

/// A cascade report (`removed { kind count ids }`) as kind -> sorted ids, checking each count.
pub fn removed(payload: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for group in payload["removed"].as_array().expect("removed list") {
        let mut ids: Vec<String> = group["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|id| id.as_str().expect("id").to_owned())
            .collect();
        assert_eq!(group["count"].as_u64(), Some(ids.len() as u64), "{group}");
        ids.sort();
        let kind = group["kind"].as_str().expect("kind").to_owned();
        assert!(
            out.insert(kind, ids).is_none(),
            "kind listed twice: {payload}"
        );
    }
    out
}

/// The expected cascade report: kind -> sorted ids.
pub fn expected(groups: &[(&str, &[&String])]) -> BTreeMap<String, Vec<String>> {
    groups
        .iter()
        .map(|(kind, ids)| {
            let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
            ids.sort();
            ((*kind).to_owned(), ids)
        })
        .collect()
}

/// The sorted values of `key` on each element of a JSON array (for order-insensitive checks).
pub fn sorted(list: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = list
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
    out.sort();
    out
}

/// Sorted names of a list of nodes with `name`.
pub fn names(list: &Value) -> Vec<String> {
    sorted(list, "name")
}
