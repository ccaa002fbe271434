//! Cascades audit and report every row they change, not only the rows they remove: the household
//! a case or consumer named, the head a household named. Each cleared reference appears in the
//! mutation's `cleared` list (on the dry run too, which writes nothing) and has its own audit entry.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{
    TestApp, admin_ok, assert_audited, audit_entries, cleared, consumer, create_case,
    database_rows, day, expected_cleared, household, id, member, membership_of, node,
    set_primary_household, today,
};

const REPORT: &str = "dryRun removed { kind count ids } cleared { kind id field }";

/// Runs `field(id: $id, dryRun: $dry)` as the admin and returns its payload.
async fn deleting(app: &TestApp, field: &str, id: &str, dry: bool) -> Value {
    let query = format!(
        "mutation($id: ID!, $dry: Boolean!) {{ {field}(id: $id, dryRun: $dry) {{ {REPORT} }} }}"
    );
    admin_ok(app, &query, json!({ "id": id, "dry": dry })).await[field].clone()
}

/// Runs `change` as a dry run, checks it wrote nothing, then runs it for real; both payloads'
/// `cleared` lists must equal `expected`.
async fn previewed(
    app: &TestApp,
    expected: &[(String, String, String)],
    change: impl AsyncFn(bool) -> Value,
) -> Value {
    let rows = database_rows(app).await;
    let dry = change(true).await;
    assert_eq!(cleared(&dry), expected, "dry run: {dry}");
    assert_eq!(
        database_rows(app).await,
        rows,
        "the dry run wrote something"
    );
    let real = change(false).await;
    assert_eq!(cleared(&real), expected, "real run: {real}");
    real
}

/// A household headed by a consumer who names it primary, with a case of that household.
struct Home {
    head: String,
    household: String,
    case: String,
}

async fn home(app: &TestApp) -> Home {
    let head = consumer(app, "Marie Martin", None).await;
    let household = household(app, "Martin Home", Some(&head)).await;
    set_primary_household(app, &head, &household).await;
    let case = id(&create_case(
        app,
        json!({"shortDescription": "boiler", "consumerId": head, "householdId": household}),
    )
    .await);
    Home {
        head,
        household,
        case,
    }
}

const HEAD: &str = "... on Household { head { id } }";
const PRIMARY: &str = "... on Consumer { primaryHousehold { id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_household_reports_and_audits_the_case_household_and_primary_household_it_clears()
 {
    let app = TestApp::spawn().await;
    let h = home(&app).await;
    let expected = expected_cleared(&[
        ("Case", &h.case, "household"),
        ("Consumer", &h.head, "primaryHousehold"),
    ]);
    previewed(&app, &expected, async |dry| {
        deleting(&app, "deleteHousehold", &h.household, dry).await
    })
    .await;
    assert_eq!(
        node(&app, &h.case, "... on Case { household { id } }").await["household"],
        Value::Null
    );
    assert_eq!(
        node(&app, &h.head, PRIMARY).await["primaryHousehold"],
        Value::Null
    );
    assert_audited(&app, "update", "case", &[&h.case]).await;
    assert_audited(&app, "update", "consumer", &[&h.head]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_the_heads_membership_today_reports_and_audits_the_head_and_primary_household_cleared()
 {
    let app = TestApp::spawn().await;
    let h = home(&app).await;
    let membership = membership_of(&app, &h.household, &h.head).await;
    let expected = expected_cleared(&[
        ("Household", &h.household, "head"),
        ("Consumer", &h.head, "primaryHousehold"),
    ]);
    let end = "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun cleared { kind id field } } }";
    previewed(&app, &expected, async |dry| {
        let input = json!({"membershipId": membership, "endDate": today(&app), "dryRun": dry});
        admin_ok(&app, end, json!({ "i": input })).await["endHouseholdMembership"].clone()
    })
    .await;
    assert_eq!(node(&app, &h.household, HEAD).await["head"], Value::Null);
    assert_eq!(
        node(&app, &h.head, PRIMARY).await["primaryHousehold"],
        Value::Null
    );
    assert_audited(&app, "update", "household", &[&h.household]).await;
    assert_audited(&app, "update", "consumer", &[&h.head]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_heads_membership_reports_and_audits_the_head_and_primary_household_cleared() {
    let app = TestApp::spawn().await;
    let h = home(&app).await;
    let membership = membership_of(&app, &h.household, &h.head).await;
    let expected = expected_cleared(&[
        ("Household", &h.household, "head"),
        ("Consumer", &h.head, "primaryHousehold"),
    ]);
    let real = previewed(&app, &expected, async |dry| {
        deleting(&app, "removeHouseholdMembership", &membership, dry).await
    })
    .await;
    assert_eq!(real["removed"], json!([]), "{real}");
    assert_eq!(node(&app, &h.household, HEAD).await["head"], Value::Null);
    assert_audited(&app, "update", "household", &[&h.household]).await;
    assert_audited(&app, "update", "consumer", &[&h.head]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_head_of_household_reports_and_audits_the_head_cleared() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "Marie Martin", None).await;
    let first = household(&app, "Martin Home", Some(&head)).await;
    let second = household(&app, "Martin Cabin", Some(&head)).await;
    let expected = expected_cleared(&[
        ("Household", &first, "head"),
        ("Household", &second, "head"),
    ]);
    previewed(&app, &expected, async |dry| {
        deleting(&app, "deleteConsumer", &head, dry).await
    })
    .await;
    assert_eq!(node(&app, &first, HEAD).await["head"], Value::Null);
    assert_audited(&app, "update", "household", &[&first, &second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_reports_and_audits_the_heads_and_primary_households_it_clears() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "Marie Martin", None).await;
    let home = household(&app, "Martin Home", None).await;
    member(&app, &home, &head, None, Some(&day(&app, 1))).await;
    admin_ok(
        &app,
        "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
        json!({"i": {"id": home, "headId": head}}),
    )
    .await;
    set_primary_household(&app, &head, &home).await;
    let edits = audit_entries(&app, "update", "household", &home).await;
    app.clock.advance(Duration::days(2));
    let swept = admin_ok(
        &app,
        "mutation { sweep { cleared { kind id field } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        cleared(&swept["sweep"]),
        expected_cleared(&[
            ("Household", &home, "head"),
            ("Consumer", &head, "primaryHousehold")
        ])
    );
    assert_eq!(
        audit_entries(&app, "update", "household", &home).await,
        edits + 1
    );
    assert_eq!(audit_entries(&app, "update", "consumer", &head).await, 1);
}
