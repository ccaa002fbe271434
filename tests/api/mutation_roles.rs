//! Who may call which mutation: every mutation of the schema refuses anonymous callers with
//! `UNAUTHENTICATED` and callers without the right role with `FORBIDDEN`, and writes nothing.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    AGENT, CONSUMER, CUSTOMER, CUSTOMER_ADMIN, MANAGER, PARTNER_ADMIN, PortalContact,
    RELATIONSHIP_AGENT, SET_PRIMARY_HOUSEHOLD, TestApp, assign_role, consumer, customer, household,
    internal_user, member, partner, snapshot,
};

/// Every record the refusal table's mutations point at.
struct World {
    account: String,
    empty_account: String,
    contact: String,
    consumer: String,
    other_consumer: String,
    outsider: String,
    household: String,
    membership: String,
    user: String,
}

async fn world(app: &TestApp) -> World {
    let acme = customer(app, "ACME").await;
    let empty_account = customer(app, "EMPTY").await;
    let partner_co = partner(app, "PARTNERCO").await;
    let carl = PortalContact::customer(app, &acme, "CARL", "carl.contact").await;
    PortalContact::partner_admin(app, &partner_co, "PAT", "pat.partner").await;
    let kim = consumer(app, "KIM", Some("kim.consumer")).await;
    let other_consumer = consumer(app, "LEE", None).await;
    let outsider = consumer(app, "MAX", None).await;
    let kims_home = household(app, "KIMHOME", Some(&kim)).await;
    let membership = member(app, &kims_home, &other_consumer, None, None).await;
    let user = internal_user(app, "UMA", Some("uma.user")).await;
    assign_role(app, &user, AGENT).await;
    World {
        account: acme,
        empty_account,
        contact: carl.id,
        consumer: kim,
        other_consumer,
        outsider,
        household: kims_home,
        membership,
        user,
    }
}

/// One mutation call with inputs that an admin could run successfully.
struct Call {
    name: &'static str,
    query: &'static str,
    variables: Value,
    admin_only: bool,
}

fn calls(w: &World) -> Vec<Call> {
    let call = |name, query, variables, admin_only| Call {
        name,
        query,
        variables,
        admin_only,
    };
    // In an order an admin can run them one after the other.
    vec![
        call(
            "createAccount",
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({"i": {"name": "NEWACCOUNT", "isCustomer": true}}),
            false,
        ),
        call(
            "updateAccount",
            "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
            json!({"i": {"id": w.account, "name": "RENAMED", "isPartner": true}}),
            false,
        ),
        call(
            "deleteAccount",
            "mutation($id: ID!) { deleteAccount(id: $id) { deletedId } }",
            json!({"id": w.empty_account}),
            false,
        ),
        call(
            "createContact",
            "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
            json!({"i": {"accountId": w.account, "name": "NEWCONTACT"}}),
            false,
        ),
        call(
            "updateContact",
            "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }",
            json!({"i": {"id": w.contact, "name": "RENAMED", "email": "x@example.com"}}),
            false,
        ),
        call(
            "deleteContact",
            "mutation($id: ID!) { deleteContact(id: $id) { deletedId } }",
            json!({"id": w.contact}),
            false,
        ),
        call(
            "createConsumer",
            "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
            json!({"i": {"name": "NEWCONSUMER"}}),
            false,
        ),
        call(
            "updateConsumer",
            "mutation($i: UpdateConsumerInput!) { updateConsumer(input: $i) { consumer { id } } }",
            json!({"i": {"id": w.consumer, "name": "RENAMED"}}),
            false,
        ),
        call(
            "setPrimaryHousehold",
            SET_PRIMARY_HOUSEHOLD,
            json!({"i": {"consumerId": w.consumer, "householdId": w.household}}),
            false,
        ),
        call(
            "createHousehold",
            "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
            json!({"i": {"name": "NEWHOME", "headId": w.outsider}}),
            false,
        ),
        call(
            "updateHousehold",
            "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
            json!({"i": {"id": w.household, "name": "RENAMED", "clearHead": true}}),
            false,
        ),
        call(
            "addHouseholdMember",
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            json!({"i": {"householdId": w.household, "consumerId": w.outsider}}),
            false,
        ),
        call(
            "endHouseholdMembership",
            "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { membership { id } } }",
            json!({"i": {"membershipId": w.membership}}),
            false,
        ),
        call(
            "removeHouseholdMembership",
            "mutation($id: ID!) { removeHouseholdMembership(id: $id) { deletedId } }",
            json!({"id": w.membership}),
            false,
        ),
        call(
            "deleteConsumer",
            "mutation($id: ID!) { deleteConsumer(id: $id) { deletedId } }",
            json!({"id": w.other_consumer}),
            false,
        ),
        call(
            "deleteHousehold",
            "mutation($id: ID!) { deleteHousehold(id: $id) { deletedId } }",
            json!({"id": w.household}),
            false,
        ),
        call(
            "createInternalUser",
            "mutation($i: CreateInternalUserInput!) { createInternalUser(input: $i) { internalUser { id } } }",
            json!({"i": {"name": "NEWUSER", "subject": "new.user"}}),
            true,
        ),
        call(
            "updateInternalUser",
            "mutation($i: UpdateInternalUserInput!) { updateInternalUser(input: $i) { internalUser { id } } }",
            json!({"i": {"id": w.user, "name": "RENAMED"}}),
            true,
        ),
        call(
            "deleteInternalUser",
            "mutation($id: ID!) { deleteInternalUser(id: $id) { deletedId } }",
            json!({"id": w.user}),
            true,
        ),
        call(
            "assignRole",
            "mutation($i: RoleInput!) { assignRole(input: $i) { role } }",
            json!({"i": {"principalId": w.user, "role": "MANAGER"}}),
            true,
        ),
        call(
            "revokeRole",
            "mutation($i: RoleInput!) { revokeRole(input: $i) { role } }",
            json!({"i": {"principalId": w.user, "role": "AGENT"}}),
            true,
        ),
    ]
}

/// The names of the schema's mutations.
fn schema_mutations() -> BTreeSet<String> {
    let sdl = liaison::graphql::sdl();
    let start = sdl.find("type Mutation {").expect("a Mutation type");
    let body = &sdl[start..];
    let body = &body[..body.find("\n}").expect("end of Mutation")];
    body.lines()
        .filter_map(|line| {
            let line = line.trim();
            let name = line.split('(').next()?;
            (line.contains('(') && name.chars().all(|c| c.is_ascii_alphanumeric()))
                .then(|| name.to_owned())
        })
        .collect()
}

/// A caller `who` signing in as `subject` with `roles`, whom every call must refuse as FORBIDDEN.
fn forbidden(
    app: &TestApp,
    who: &'static str,
    subject: &str,
    roles: &[&str],
) -> (&'static str, Option<String>, &'static str) {
    (who, Some(app.token(subject, roles)), "FORBIDDEN")
}

/// Runs every call as each caller and checks the refusal code and that nothing was written.
async fn assert_refused_for(
    app: &TestApp,
    callers: &[(&str, Option<String>, &str)],
    only_admin_only: bool,
) {
    let w = world(app).await;
    let before = snapshot(app).await;
    let mut checked = 0;
    for call in calls(&w) {
        if only_admin_only && !call.admin_only {
            continue;
        }
        for (who, token, expected) in callers {
            let reply = app
                .gql(token.as_deref(), call.query, call.variables.clone())
                .await;
            assert!(
                reply.body["errors"].is_array(),
                "{} as {who} must be refused: {}",
                call.name,
                reply.body
            );
            assert_eq!(
                reply.code(),
                *expected,
                "{} as {who}: {}",
                call.name,
                reply.body
            );
            assert!(
                reply.body["data"].is_null(),
                "{} as {who} returned data: {}",
                call.name,
                reply.body
            );
            assert_eq!(
                snapshot(app).await,
                before,
                "{} as {who} changed data although it was refused",
                call.name
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// Mutations whose role refusals are tested in their own modules.
const TESTED_ELSEWHERE: &[&str] = &[
    // relationship_types.rs
    "createAccountRelationshipType",
    "updateAccountRelationshipType",
    "deleteAccountRelationshipType",
    // account_relationships.rs
    "createAccountRelationship",
    "updateAccountRelationship",
    "deleteAccountRelationship",
    // responsibility_definitions.rs
    "createResponsibilityDefinition",
    "updateResponsibilityDefinition",
    "deleteResponsibilityDefinition",
    // contact_relationships.rs
    "createContactRelationship",
    "deleteContactRelationship",
    // household_and_team_roles.rs
    "addTeamMember",
    "updateTeamMember",
    "removeTeamMember",
    "createConsumerRelationship",
    "updateConsumerRelationship",
    "deleteConsumerRelationship",
    // case_lifecycle.rs
    "createCase",
    "updateCase",
    "changeCaseState",
    "resolveCase",
    "closeCase",
    "addCaseComment",
];

#[test]
fn the_refusal_table_covers_every_mutation_of_the_schema() {
    let w = World {
        account: String::new(),
        empty_account: String::new(),
        contact: String::new(),
        consumer: String::new(),
        other_consumer: String::new(),
        outsider: String::new(),
        household: String::new(),
        membership: String::new(),
        user: String::new(),
    };
    let mut covered: BTreeSet<String> = calls(&w).iter().map(|c| c.name.to_owned()).collect();
    assert_eq!(covered.len(), 21, "directory mutations in this table");
    covered.extend(TESTED_ELSEWHERE.iter().map(|name| name.to_string()));
    assert_eq!(
        covered,
        schema_mutations(),
        "every mutation needs a refusal test"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_are_refused_every_mutation() {
    let app = TestApp::spawn().await;
    assert_refused_for(&app, &[("anonymous", None, "UNAUTHENTICATED")], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_manager_roles_are_refused_every_mutation() {
    let app = TestApp::spawn().await;
    let callers = [
        forbidden(&app, "agent", "agnes.agent", &[AGENT]),
        forbidden(
            &app,
            "relationship agent",
            "rita.relationship",
            &[RELATIONSHIP_AGENT],
        ),
        forbidden(
            &app,
            "agent and relationship agent",
            "agnes.agent",
            &[AGENT, RELATIONSHIP_AGENT],
        ),
        forbidden(&app, "customer", "carl.contact", &[CUSTOMER]),
        forbidden(&app, "customer admin", "carl.contact", &[CUSTOMER_ADMIN]),
        forbidden(&app, "partner admin", "pat.partner", &[PARTNER_ADMIN]),
        forbidden(&app, "consumer", "kim.consumer", &[CONSUMER]),
        forbidden(&app, "no roles", "uma.user", &[]),
        forbidden(&app, "unknown role", "uma.user", &["superuser"]),
    ];
    assert_refused_for(&app, &callers, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_are_refused_the_admin_only_mutations() {
    let app = TestApp::spawn().await;
    let callers = [
        forbidden(&app, "manager", "max.manager", &[MANAGER]),
        forbidden(&app, "manager and agent", "max.manager", &[MANAGER, AGENT]),
    ];
    assert_refused_for(&app, &callers, true).await;
}

/// Runs every directory mutation (all but internal users and roles) as `token`, each succeeding.
async fn run_directory_mutations(app: &TestApp, token: &str) {
    let w = world(app).await;
    let audit_before = app.audit_count().await;
    let mut ran = 0;
    for call in calls(&w) {
        if call.admin_only {
            continue;
        }
        let reply = app
            .gql(Some(token), call.query, call.variables.clone())
            .await;
        assert!(
            reply.body.get("errors").is_none(),
            "{} must succeed: {}",
            call.name,
            reply.body
        );
        assert!(reply.body["data"][call.name].is_object(), "{}", reply.body);
        ran += 1;
    }
    assert_eq!(ran, 16);
    assert!(app.audit_count().await >= audit_before + 16);
    // The effects are visible: the renamed account, the new account and contact, the deleted household.
    let data = app
        .ok(
            token,
            "{ accounts { nodes { name isPartner } } contacts { nodes { name } } households { nodes { name } } }",
            json!({}),
        )
        .await;
    let names = |list: &str| -> Vec<String> {
        data[list]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("accounts"), ["NEWACCOUNT", "RENAMED"]);
    assert_eq!(data["accounts"]["nodes"][1]["isPartner"], true);
    assert_eq!(names("contacts"), ["NEWCONTACT", "PAT"]);
    assert_eq!(names("households"), ["NEWHOME"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_may_call_every_directory_mutation() {
    let app = TestApp::spawn().await;
    run_directory_mutations(&app, &app.admin()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_may_call_every_directory_mutation() {
    let app = TestApp::spawn().await;
    let manager = app.token("max.manager", &[MANAGER]);
    run_directory_mutations(&app, &manager).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_may_call_the_admin_only_mutations() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let admin = app.admin();
    let mut ran = BTreeSet::new();
    // assignRole and revokeRole before the user is deleted.
    let mut admin_calls: Vec<Call> = calls(&w).into_iter().filter(|c| c.admin_only).collect();
    admin_calls.sort_by_key(|c| c.name == "deleteInternalUser");
    for call in admin_calls {
        let reply = app
            .gql(Some(&admin), call.query, call.variables.clone())
            .await;
        assert!(
            reply.body.get("errors").is_none(),
            "{} must succeed: {}",
            call.name,
            reply.body
        );
        ran.insert(call.name);
    }
    assert_eq!(ran.len(), 5);
    let users = app
        .ok(
            &admin,
            "{ internalUsers { nodes { name subject roles } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        users["internalUsers"]["nodes"],
        json!([{"name": "NEWUSER", "subject": "new.user", "roles": []}])
    );
}
