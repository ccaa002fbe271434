//! Consumers, their households and memberships, and consumer relationships.

use serde_json::{Value, json};

use crate::support::{
    graphql::{admin_ok, id_at, node},
    server::TestApp,
};

/// Creates a consumer (who signs in as `subject` when given) and returns its ID.
pub async fn consumer(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let data = admin_ok(
        app,
        "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
        json!({"i": {"name": name, "subject": subject}}),
    )
    .await;
    id_at(&data, "/createConsumer/consumer/id")
}

/// Creates a household (with `head` as a current member) and returns its ID.
pub async fn household(app: &TestApp, name: &str, head: Option<&str>) -> String {
    let data = admin_ok(
        app,
        "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
        json!({"i": {"name": name, "headId": head}}),
    )
    .await;
    id_at(&data, "/createHousehold/household/id")
}

/// Adds `consumer` to `household` from `start` to `end` (open where absent) and returns the
/// membership ID.
pub async fn member(
    app: &TestApp,
    household: &str,
    consumer: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> String {
    let data = admin_ok(
        app,
        "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
        json!({"i": {"householdId": household, "consumerId": consumer, "startDate": start, "endDate": end}}),
    )
    .await;
    id_at(&data, "/addHouseholdMember/membership/id")
}

/// The ID of `consumer`'s only membership of `household`, current or not.
pub async fn membership_of(app: &TestApp, household: &str, consumer: &str) -> String {
    let household = node(
        app,
        household,
        "... on Household { memberships(currentOnly: false) { nodes { id consumer { id } } } }",
    )
    .await;
    let found: Vec<&Value> = household["memberships"]["nodes"]
        .as_array()
        .expect("memberships")
        .iter()
        .filter(|m| m["consumer"]["id"] == consumer)
        .collect();
    assert_eq!(found.len(), 1, "expected one membership in {household}");
    found[0]["id"].as_str().expect("membership id").to_owned()
}

/// `createConsumerRelationship` reading back everything a test compares.
pub const CREATE_CONSUMER_RELATIONSHIP: &str = "mutation($i: CreateConsumerRelationshipInput!) { createConsumerRelationship(input: $i) { consumerRelationship { id consumer { name } relatedConsumer { name } household { name } responsibility { name } validFrom validTo isCurrent order } } }";

/// Makes `representative` act for `represented` with the default responsibility (Authorized
/// Representative), within `household` when given, and returns the relationship ID.
pub async fn represent(
    app: &TestApp,
    representative: &str,
    represented: &str,
    household: Option<&str>,
) -> String {
    represent_as(app, representative, represented, household, None).await
}

/// Like `represent`, carrying `responsibility` instead of the default when given.
pub async fn represent_as(
    app: &TestApp,
    representative: &str,
    represented: &str,
    household: Option<&str>,
    responsibility: Option<&str>,
) -> String {
    represent_with(
        app,
        json!({ "consumerId": representative, "relatedConsumerId": represented,
                "householdId": household, "responsibilityId": responsibility }),
    )
    .await
}

/// Creates a consumer relationship from a full `CreateConsumerRelationshipInput` and returns its ID.
pub async fn represent_with(app: &TestApp, input: Value) -> String {
    let data = admin_ok(app, CREATE_CONSUMER_RELATIONSHIP, json!({ "i": input })).await;
    id_at(&data, "/createConsumerRelationship/consumerRelationship/id")
}

/// `setPrimaryHousehold`, reading back the consumer's ID.
pub const SET_PRIMARY_HOUSEHOLD: &str = "mutation($i: SetPrimaryHouseholdInput!) { setPrimaryHousehold(input: $i) { consumer { id } } }";

/// Makes `household` (one the consumer currently belongs to) the consumer's primary household.
pub async fn set_primary_household(app: &TestApp, consumer: &str, household: &str) {
    admin_ok(
        app,
        SET_PRIMARY_HOUSEHOLD,
        json!({ "i": { "consumerId": consumer, "householdId": household } }),
    )
    .await;
}
