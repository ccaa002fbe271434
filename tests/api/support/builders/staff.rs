//! Internal users, stored roles and team members.

use serde_json::{Value, json};

use crate::support::{
    graphql::{admin_ok, id_at},
    roles::{RELATIONSHIP_AGENT, api_role},
    server::TestApp,
};

/// Creates an internal user without stored roles (who signs in as `subject` when given) and
/// returns its ID.
pub async fn internal_user(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let data = admin_ok(
        app,
        "mutation($i: CreateInternalUserInput!) { createInternalUser(input: $i) { internalUser { id } } }",
        json!({"i": {"name": name, "subject": subject}}),
    )
    .await;
    id_at(&data, "/createInternalUser/internalUser/id")
}

/// Stores `role` for the contact or internal user `principal`.
pub async fn assign_role(app: &TestApp, principal: &str, role: &str) {
    let data = admin_ok(
        app,
        "mutation($i: RoleInput!) { assignRole(input: $i) { principalId role } }",
        json!({"i": {"principalId": principal, "role": api_role(role)}}),
    )
    .await;
    assert_eq!(data["assignRole"]["role"], api_role(role));
}

/// Creates an internal user holding the stored relationship agent role and returns its ID.
pub async fn relationship_agent(app: &TestApp, name: &str, subject: Option<&str>) -> String {
    let id = internal_user(app, name, subject).await;
    assign_role(app, &id, RELATIONSHIP_AGENT).await;
    id
}

/// `addTeamMember` reading back everything a test compares.
pub const ADD_TEAM_MEMBER: &str = "mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { teamMember { id target user { name } responsibility { name } validFrom validTo isCurrent order } } }";

/// Puts `user` on the team of `target` (an account, consumer or household), with the default
/// responsibility when `responsibility` is absent, and returns the team member ID.
pub async fn team_member(
    app: &TestApp,
    user: &str,
    target: &str,
    responsibility: Option<&str>,
) -> String {
    team_member_with(
        app,
        json!({ "userId": user, "targetId": target, "responsibilityId": responsibility }),
    )
    .await
}

/// Adds a team member from a full `AddTeamMemberInput` and returns its ID.
pub async fn team_member_with(app: &TestApp, input: Value) -> String {
    let data = admin_ok(app, ADD_TEAM_MEMBER, json!({ "i": input })).await;
    id_at(&data, "/addTeamMember/teamMember/id")
}
