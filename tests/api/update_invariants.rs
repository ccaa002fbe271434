//! Invariants on update paths: a change that would break a rule the create path enforces is
//! refused with CONFLICT naming what blocks it, and nothing is written (rows compared before and
//! after); the same change is accepted once nothing blocks it.

use entity::{contact_relationship, team_member};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::support::{
    RELATIONSHIP_AGENT, TestApp, account, admin_ok, consumer, contact, create_type, customer,
    customer_under, day, define_responsibility, household, link, member, partner_account_type,
    relate, relationship_agent, snapshot,
};

const UPDATE_DEFINITION: &str = "mutation($i: UpdateResponsibilityDefinitionInput!) { updateResponsibilityDefinition(input: $i) { responsibilityDefinition { id isUnique } } }";
const UPDATE_ACCOUNT: &str =
    "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }";
const UPDATE_CONTACT: &str = "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id account { name } } } }";
const UPDATE_TYPE: &str = "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id isSymmetric } } }";
const RENAME_TYPE: &str = "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id name } } }";
const END_MEMBERSHIP: &str = "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { membership { id endDate } } }";

/// Every relationship type and responsibility definition with their records, as the admin reads
/// them, next to the directory snapshot: what a refused update must leave as it was.
async fn everything(app: &TestApp) -> (Value, Value, Value, u64) {
    let (directory, audit) = snapshot(app).await;
    let definitions = admin_ok(
        app,
        "{ accountRelationshipTypes(first: 50) { nodes { id name forwardLabel reverseLabel isActive isSymmetric
             relationships(first: 50) { totalCount nodes { id accountFrom { id } accountTo { id } } } } }
           responsibilityDefinitions(first: 50) { nodes { id name kind isUnique requiredRole description } } }",
        json!({}),
    )
    .await;
    let links = contact_relationship::Entity::find()
        .all(&app.db)
        .await
        .expect("links");
    let teams = team_member::Entity::find()
        .all(&app.db)
        .await
        .expect("teams");
    (
        directory,
        definitions,
        json!({"links": format!("{links:?}"), "teams": format!("{teams:?}")}),
        audit,
    )
}

/// Sends `query` with input `i` as the admin, expects CONFLICT on `field` and no change at all.
async fn assert_blocked(app: &TestApp, query: &str, i: Value, field: &str, names: &str) {
    let before = everything(app).await;
    let reply = app.gql(Some(&app.admin()), query, json!({ "i": i })).await;
    assert_eq!(reply.code(), "CONFLICT", "{}", reply.body);
    assert_eq!(reply.field(), field, "{}", reply.body);
    let message = reply.body["errors"][0]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains(names),
        "the refusal should name {names}: {message}"
    );
    assert_eq!(
        everything(app).await,
        before,
        "a refused update changed data"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_responsibility_cannot_become_unique_while_an_account_has_two_holders() {
    let app = TestApp::spawn().await;
    let parent = customer(&app, "Parent").await;
    let child = customer_under(&app, "Child", &parent).await;
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    let ann = contact(&app, &child, "Ann", None).await;
    let bob = contact(&app, &child, "Bob", None).await;
    link(&app, &parent, &ann, &duty).await;
    let second = link(&app, &parent, &bob, &duty).await;
    assert_blocked(
        &app,
        UPDATE_DEFINITION,
        json!({"id": duty, "isUnique": true}),
        "isUnique",
        "Parent",
    )
    .await;
    admin_ok(
        &app,
        "mutation($id: ID!) { deleteContactRelationship(id: $id) { deletedId } }",
        json!({"id": second}),
    )
    .await;
    let data = admin_ok(
        &app,
        UPDATE_DEFINITION,
        json!({"i": {"id": duty, "isUnique": true}}),
    )
    .await;
    assert_eq!(
        data["updateResponsibilityDefinition"]["responsibilityDefinition"]["isUnique"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_responsibility_cannot_become_unique_while_a_team_has_two_holders() {
    let app = TestApp::spawn().await;
    let target = customer(&app, "Crowded").await;
    let helper =
        define_responsibility(&app, "Helper", "USER", false, Some(RELATIONSHIP_AGENT)).await;
    let ann = relationship_agent(&app, "Ann", None).await;
    let bob = relationship_agent(&app, "Bob", None).await;
    crate::support::team_member(&app, &ann, &target, Some(&helper)).await;
    crate::support::team_member(&app, &bob, &target, Some(&helper)).await;
    assert_blocked(
        &app,
        UPDATE_DEFINITION,
        json!({"id": helper, "isUnique": true}),
        "isUnique",
        "Crowded",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_or_customer_flag_cannot_be_cleared_while_relationships_need_it() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = account(&app, "GSI", true, true, None).await;
    let abc = account(&app, "ABC", true, true, None).await;
    relate(&app, &kind, &gsi, &abc).await;
    assert_blocked(
        &app,
        UPDATE_ACCOUNT,
        json!({"id": gsi, "isPartner": false}),
        "isPartner",
        "Partner Account",
    )
    .await;
    assert_blocked(
        &app,
        UPDATE_ACCOUNT,
        json!({"id": abc, "isCustomer": false}),
        "isCustomer",
        "Partner Account",
    )
    .await;
    // The flags no relationship needs can go.
    admin_ok(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": gsi, "isCustomer": false}}),
    )
    .await;
    admin_ok(
        &app,
        UPDATE_ACCOUNT,
        json!({"i": {"id": abc, "isPartner": false}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_cannot_move_onto_the_account_it_acts_for() {
    let app = TestApp::spawn().await;
    let parent = customer(&app, "Parent").await;
    let child = customer_under(&app, "Child", &parent).await;
    let other = customer(&app, "Elsewhere").await;
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    let ann = contact(&app, &child, "Ann", None).await;
    link(&app, &parent, &ann, &duty).await;
    assert_blocked(
        &app,
        UPDATE_CONTACT,
        json!({"id": ann, "accountId": parent}),
        "accountId",
        "contact relationship",
    )
    .await;
    let data = admin_ok(
        &app,
        UPDATE_CONTACT,
        json!({"i": {"id": ann, "accountId": other}}),
    )
    .await;
    assert_eq!(
        data["updateContact"]["contact"]["account"]["name"],
        "Elsewhere"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_cannot_become_symmetric_while_pairs_are_related_both_ways() {
    let app = TestApp::spawn().await;
    let kind = create_type(&app, "Peer", "ACCOUNT", "ACCOUNT", "Peer of", "Peered by").await;
    let x = customer(&app, "X").await;
    let y = customer(&app, "Y").await;
    relate(&app, &kind, &x, &y).await;
    let mirror = relate(&app, &kind, &y, &x).await;
    assert_blocked(
        &app,
        UPDATE_TYPE,
        json!({"id": kind, "reverseLabel": "Peer of"}),
        "reverseLabel",
        "both directions",
    )
    .await;
    admin_ok(
        &app,
        "mutation($id: ID!) { deleteAccountRelationship(id: $id) { deletedId } }",
        json!({"id": mirror}),
    )
    .await;
    let data = admin_ok(
        &app,
        UPDATE_TYPE,
        json!({"i": {"id": kind, "reverseLabel": "Peer of"}}),
    )
    .await;
    assert_eq!(
        data["updateAccountRelationshipType"]["accountRelationshipType"]["isSymmetric"],
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_cannot_be_extended_over_a_later_period() {
    let app = TestApp::spawn().await;
    let home = household(&app, "Home", None).await;
    let pat = consumer(&app, "Pat", None).await;
    let (start, end) = (day(&app, -30), day(&app, -20));
    let earlier = member(&app, &home, &pat, Some(&start), Some(&end)).await;
    member(&app, &home, &pat, Some(&day(&app, -10)), None).await;
    assert_blocked(
        &app,
        END_MEMBERSHIP,
        json!({"membershipId": earlier, "endDate": day(&app, -5)}),
        "endDate",
        "overlap",
    )
    .await;
    let data = admin_ok(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": earlier, "endDate": day(&app, -15)}}),
    )
    .await;
    assert_eq!(
        data["endHouseholdMembership"]["membership"]["endDate"],
        day(&app, -15)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_to_another_name_in_other_letter_case_is_a_conflict() {
    let app = TestApp::spawn().await;
    let kind = create_type(
        &app,
        "Reseller",
        "PARTNER",
        "ACCOUNT",
        "Resells to",
        "Buys from",
    )
    .await;
    assert_blocked(
        &app,
        RENAME_TYPE,
        json!({"id": kind, "name": "PARTNER ACCOUNT"}),
        "name",
        "PARTNER ACCOUNT",
    )
    .await;
    let duty = define_responsibility(&app, "Billing Contact", "CONTACT", false, None).await;
    assert_blocked(
        &app,
        "mutation($i: UpdateResponsibilityDefinitionInput!) { updateResponsibilityDefinition(input: $i) { responsibilityDefinition { id } } }",
        json!({"id": duty, "name": "account manager"}),
        "name",
        "account manager",
    )
    .await;
    // A change of case of its own name is not a collision.
    let data = admin_ok(
        &app,
        RENAME_TYPE,
        json!({"i": {"id": kind, "name": "RESELLER"}}),
    )
    .await;
    assert_eq!(
        data["updateAccountRelationshipType"]["accountRelationshipType"]["name"],
        "RESELLER"
    );
}
