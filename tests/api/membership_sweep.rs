//! Memberships ending in the future: the member relationship stands until the end date,
//! is ignored by reads from the day after, and the sweep removes the row (reported and audited).

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{
    PortalConsumer, StaffUser, TestApp, admin_ok, agent, assert_audited,
    assert_refused_writing_nothing, audit_entries, consumer, day, expected, household, manager,
    member, membership_of, relationship_ids, removed, represent, set_primary_household,
    sorted_field, sorted_names,
};

const SWEEP: &str = "mutation { sweep { removed { kind count ids } } }";
const END: &str = "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { removed { kind count ids } membership { endDate isCurrent } } }";

/// Runs the sweep as a manager and returns its report.
async fn sweep(app: &TestApp) -> Value {
    app.ok(&manager(app), SWEEP, json!({})).await["sweep"].clone()
}

/// What the household and the consumer show about memberships and member relationships today.
async fn state(app: &TestApp, home: &str, consumer: &str, membership: &str, link: &str) -> Value {
    admin_ok(app, "query($h: ID!, $c: ID!, $m: ID!, $l: ID!) {
            home: node(id: $h) { ... on Household {
                members { nodes { name } }
                allMembers: members(currentOnly: false) { nodes { name } }
                memberRelationships { nodes { id } }
                currentLinks: memberRelationships(currentOnly: true) { nodes { id } }
            } }
            consumer: node(id: $c) { ... on Consumer {
                households { nodes { name } }
                relationships { nodes { relationship { id } } }
                currentRelationships: relationships(currentOnly: true) { nodes { relationship { id } isCurrent } }
            } }
            membership: node(id: $m) { ... on HouseholdMembership { endDate isCurrent } }
            link: node(id: $l) { ... on ConsumerRelationship { id isCurrent } }
        }",
        json!({ "h": home, "c": consumer, "m": membership, "l": link }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_ending_later_keeps_the_relationship_until_then_and_the_sweep_removes_it() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Kowalski", None).await;
    let ben = consumer(&app, "Ben Kowalski", None).await;
    let home = household(&app, "Kowalski Home", None).await;
    let anns = member(&app, &home, &ann, None, None).await;
    member(&app, &home, &ben, None, None).await;
    let link = represent(&app, &ann, &ben, Some(&home)).await;
    let plain = represent(&app, &ann, &ben, None).await;

    // Ann leaves in three days: nothing goes yet.
    let ended = admin_ok(
        &app,
        END,
        json!({ "i": { "membershipId": anns, "endDate": day(&app, 3) } }),
    )
    .await;
    assert_eq!(ended["endHouseholdMembership"]["removed"], json!([]));
    assert_eq!(
        ended["endHouseholdMembership"]["membership"]["isCurrent"],
        true
    );
    assert_eq!(sweep(&app).await["removed"], json!([]));

    // Before the date, and on the last day itself, the relationship stands.
    for step in [0, 3] {
        app.clock.advance(Duration::days(step));
        let now = state(&app, &home, &ann, &anns, &link).await;
        assert_eq!(now["membership"]["isCurrent"], true, "day +{step}: {now}");
        assert_eq!(
            sorted_names(&now["home"]["members"]["nodes"]),
            ["Ann Kowalski", "Ben Kowalski"]
        );
        assert_eq!(
            sorted_field(&now["home"]["currentLinks"]["nodes"], "id"),
            [link.as_str()]
        );
        assert_eq!(now["link"]["isCurrent"], true);
        assert_eq!(
            relationship_ids(&now["consumer"]["currentRelationships"]["nodes"]),
            {
                let mut both = vec![link.clone(), plain.clone()];
                both.sort();
                both
            }
        );
        assert_eq!(
            sorted_names(&now["consumer"]["households"]["nodes"]),
            ["Kowalski Home"]
        );
        assert_eq!(sweep(&app).await["removed"], json!([]), "day +{step}");
    }

    // The day after: the membership is no longer current, and reads ignore it at once.
    app.clock.advance(Duration::days(1));
    let now = state(&app, &home, &ann, &anns, &link).await;
    assert_eq!(now["membership"]["isCurrent"], false, "{now}");
    assert_eq!(now["membership"]["endDate"], day(&app, -1));
    assert_eq!(
        sorted_names(&now["home"]["members"]["nodes"]),
        ["Ben Kowalski"]
    );
    assert_eq!(
        sorted_names(&now["home"]["allMembers"]["nodes"]),
        ["Ann Kowalski", "Ben Kowalski"]
    );
    assert_eq!(now["consumer"]["households"]["nodes"], json!([]));
    assert_eq!(now["link"]["isCurrent"], false, "{now}");
    assert_eq!(now["home"]["currentLinks"]["nodes"], json!([]), "{now}");
    assert_eq!(
        relationship_ids(&now["consumer"]["currentRelationships"]["nodes"]),
        [plain.as_str()],
        "{now}"
    );
    assert_eq!(
        audit_entries(&app, "delete", "consumer_relationship", &link).await,
        0,
        "nothing is removed before the sweep"
    );

    // The sweep removes the row, reports it, and audits it; a second sweep finds nothing.
    let swept = sweep(&app).await;
    assert_eq!(
        removed(&swept),
        expected(&[("ConsumerRelationship", &[&link])])
    );
    assert_audited(&app, "delete", "consumer_relationship", &[&link]).await;
    let now = state(&app, &home, &ann, &anns, &link).await;
    assert_eq!(now["link"], Value::Null);
    assert_eq!(now["home"]["memberRelationships"]["nodes"], json!([]));
    assert_eq!(
        relationship_ids(&now["consumer"]["relationships"]["nodes"]),
        [plain.as_str()]
    );
    assert_eq!(
        now["membership"]["endDate"],
        day(&app, -1),
        "history is kept"
    );
    assert_eq!(sweep(&app).await["removed"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_removes_relationships_of_a_represented_member_who_left_and_nothing_else() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Kowalski", None).await;
    let ben = consumer(&app, "Ben Kowalski", None).await;
    let cleo = consumer(&app, "Cleo Kowalski", None).await;
    let home = household(&app, "Kowalski Home", Some(&ann)).await;
    let cabin = household(&app, "Kowalski Cabin", Some(&ann)).await;
    let bens = member(&app, &home, &ben, None, Some(&day(&app, 1))).await;
    member(&app, &home, &cleo, None, None).await;
    member(&app, &cabin, &ben, None, None).await;
    let represents_ben = represent(&app, &ann, &ben, Some(&home)).await;
    let ben_represents = represent(&app, &ben, &cleo, Some(&home)).await;
    let kept_home = represent(&app, &ann, &cleo, Some(&home)).await;
    let kept_cabin = represent(&app, &ann, &ben, Some(&cabin)).await;
    let kept_plain = represent(&app, &ann, &ben, None).await;

    app.clock.advance(Duration::days(2));
    let gone = [&represents_ben, &ben_represents];
    assert_eq!(
        removed(&sweep(&app).await),
        expected(&[("ConsumerRelationship", &gone)])
    );
    let now = state(&app, &home, &ben, &bens, &kept_home).await;
    assert_eq!(
        sorted_field(&now["home"]["memberRelationships"]["nodes"], "id"),
        [kept_home.as_str()]
    );
    let mut kept = vec![kept_cabin.clone(), kept_plain.clone()];
    kept.sort();
    assert_eq!(
        relationship_ids(&now["consumer"]["relationships"]["nodes"]),
        kept
    );
    assert_eq!(
        sorted_names(&now["consumer"]["households"]["nodes"]),
        ["Kowalski Cabin"]
    );
    assert_audited(
        &app,
        "delete",
        "consumer_relationship",
        &[represents_ben, ben_represents],
    )
    .await;
    for id in [&kept_home, &kept_cabin, &kept_plain] {
        assert_eq!(
            audit_entries(&app, "delete", "consumer_relationship", id).await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_head_and_primary_household_read_as_empty_and_the_sweep_clears_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Kowalski", None).await;
    let ben = consumer(&app, "Ben Kowalski", None).await;
    let home = household(&app, "Kowalski Home", Some(&ann)).await;
    member(&app, &home, &ben, None, None).await;
    for who in [&ann, &ben] {
        set_primary_household(&app, who, &home).await;
    }
    let anns = membership_of(&app, &home, &ann).await;
    app.ok(
        &admin,
        END,
        json!({ "i": { "membershipId": anns, "endDate": day(&app, 2) } }),
    )
    .await;
    const READ: &str = "query($h: ID!, $a: ID!, $b: ID!) {
        home: node(id: $h) { ... on Household { head { name } } }
        ann: node(id: $a) { ... on Consumer { primaryHousehold { name } } }
        ben: node(id: $b) { ... on Consumer { primaryHousehold { name } } } }";
    let vars = json!({ "h": home, "a": ann, "b": ben });
    sweep(&app).await;
    let read = app.ok(&admin, READ, vars.clone()).await;
    assert_eq!(read["home"]["head"]["name"], "Ann Kowalski");
    assert_eq!(read["ann"]["primaryHousehold"]["name"], "Kowalski Home");

    app.clock.advance(Duration::days(3));
    // Reads stop showing a lapsed head or primary household at once, before any sweep.
    let read = app.ok(&admin, READ, vars.clone()).await;
    assert_eq!(read["home"]["head"], Value::Null);
    assert_eq!(read["ann"]["primaryHousehold"], Value::Null);
    assert_eq!(read["ben"]["primaryHousehold"]["name"], "Kowalski Home");
    sweep(&app).await;
    let read = app.ok(&admin, READ, vars).await;
    assert_eq!(read["home"]["head"], Value::Null);
    assert_eq!(read["ann"]["primaryHousehold"], Value::Null);
    assert_eq!(read["ben"]["primaryHousehold"]["name"], "Kowalski Home");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_managers_and_admins_may_sweep() {
    let app = TestApp::spawn().await;
    let rita = StaffUser::relationship_agent(&app, "Rita Shah", "rita").await;
    let ann = PortalConsumer::new(&app, "Ann Kowalski", "ann").await;
    for token in [agent(&app), rita.token, ann.token] {
        assert_refused_writing_nothing(&app, Some(&token), SWEEP, json!({}), "FORBIDDEN", None)
            .await;
    }
    let anonymous = app.gql(None, SWEEP, json!({})).await;
    assert_eq!(anonymous.code(), "UNAUTHENTICATED");
    assert_eq!(sweep(&app).await["removed"], json!([]));
    let admin = admin_ok(&app, SWEEP, json!({})).await;
    assert_eq!(admin["sweep"]["removed"], json!([]));
}
