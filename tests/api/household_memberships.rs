//! Households and memberships: dates, ending, rejoining with history, overlaps, the head
//! of household and the primary household.

use serde_json::{Value, json};

use crate::support::{
    TestApp, admin_ok, assert_audited, assert_refused_writing_nothing, consumer, day, household,
    member, membership_of, node, sorted_names,
};

const HOUSEHOLD: &str = "query($h: ID!) { node(id: $h) { ... on Household {
    name head { name }
    members { totalCount nodes { name } }
    pastAndPresent: members(currentOnly: false) { totalCount nodes { name } }
    memberships(currentOnly: false) { totalCount nodes { id consumer { name } startDate endDate isCurrent } }
    currentMemberships: memberships(currentOnly: true) { totalCount nodes { id } }
} } }";

async fn read_household(app: &TestApp, id: &str) -> Value {
    admin_ok(app, HOUSEHOLD, json!({ "h": id })).await["node"].clone()
}

const END: &str = "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun removed { kind count ids } membership { id startDate endDate isCurrent } } }";
const ADD: &str = "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id startDate endDate isCurrent } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_with_dates_leaves_and_rejoins_with_history_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let home = household(&app, "Garcia Home", None).await;
    let ann = consumer(&app, "Ann Garcia", None).await;
    let ben = consumer(&app, "Ben Garcia", None).await;

    let joined = app
        .ok(
            &admin,
            ADD,
            json!({ "i": { "householdId": home, "consumerId": ann, "startDate": day(&app, -30) } }),
        )
        .await;
    let first = &joined["addHouseholdMember"]["membership"];
    assert_eq!(first["startDate"], day(&app, -30));
    assert_eq!(first["endDate"], Value::Null);
    assert_eq!(first["isCurrent"], true);
    let first_id = first["id"].as_str().unwrap().to_owned();
    assert_audited(&app, "create", "household_membership", &[&first_id]).await;
    // A member whose start lies ahead is not current yet.
    member(&app, &home, &ben, Some(&day(&app, 5)), None).await;

    let read = read_household(&app, &home).await;
    assert_eq!(sorted_names(&read["members"]["nodes"]), ["Ann Garcia"]);
    assert_eq!(read["memberships"]["totalCount"], 2);
    assert_eq!(read["currentMemberships"]["totalCount"], 1);

    // Ann leaves yesterday: the record stays as history, she is no longer a current member.
    let ended = app
        .ok(
            &admin,
            END,
            json!({ "i": { "membershipId": first_id, "endDate": day(&app, -1) } }),
        )
        .await;
    let ended = &ended["endHouseholdMembership"];
    assert_eq!(ended["dryRun"], false);
    assert_eq!(ended["membership"]["endDate"], day(&app, -1));
    assert_eq!(ended["membership"]["isCurrent"], false);
    assert_audited(&app, "end", "household_membership", &[&first_id]).await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["members"]["totalCount"], 0);
    assert_eq!(
        sorted_names(&read["pastAndPresent"]["nodes"]),
        ["Ann Garcia", "Ben Garcia"]
    );
    assert_eq!(read["memberships"]["totalCount"], 2);
    assert_eq!(read["currentMemberships"]["totalCount"], 0);

    // She rejoins today: both periods are kept, and she is a current member again.
    let rejoined = app
        .ok(
            &admin,
            ADD,
            json!({ "i": { "householdId": home, "consumerId": ann, "startDate": day(&app, 0) } }),
        )
        .await;
    let second_id = rejoined["addHouseholdMember"]["membership"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second_id, first_id);
    let read = read_household(&app, &home).await;
    assert_eq!(sorted_names(&read["members"]["nodes"]), ["Ann Garcia"]);
    assert_eq!(read["currentMemberships"]["totalCount"], 1);
    assert_eq!(read["currentMemberships"]["nodes"][0]["id"], second_id);
    let anns: Vec<&Value> = read["memberships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["consumer"]["name"] == "Ann Garcia")
        .collect();
    assert_eq!(anns.len(), 2, "both of Ann's periods are kept: {read}");
    let mut periods: Vec<(Value, Value, Value)> = anns
        .iter()
        .map(|m| {
            (
                m["startDate"].clone(),
                m["endDate"].clone(),
                m["isCurrent"].clone(),
            )
        })
        .collect();
    periods.sort_by_key(|p| p.0.as_str().unwrap().to_owned());
    assert_eq!(
        periods,
        [
            (json!(day(&app, -30)), json!(day(&app, -1)), json!(false)),
            (json!(day(&app, 0)), Value::Null, json!(true)),
        ]
    );

    // The consumer's side: the household is current again, and both memberships are listed.
    let side = app
        .ok(
            &admin,
            "query($c: ID!) { node(id: $c) { ... on Consumer {
                households { nodes { name } }
                memberships { totalCount nodes { household { name } isCurrent } }
            } } }",
            json!({ "c": ann }),
        )
        .await;
    assert_eq!(
        sorted_names(&side["node"]["households"]["nodes"]),
        ["Garcia Home"]
    );
    assert_eq!(side["node"]["memberships"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_households_lists_current_households_by_default_and_all_on_request() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Lee", None).await;
    let old = household(&app, "Lee Flat", None).await;
    let new = household(&app, "Lee House", None).await;
    member(
        &app,
        &old,
        &ann,
        Some(&day(&app, -400)),
        Some(&day(&app, -10)),
    )
    .await;
    member(&app, &new, &ann, Some(&day(&app, -9)), None).await;
    let read = node(
        &app,
        &ann,
        "... on Consumer {
                households { nodes { name } }
                all: households(currentOnly: false) { nodes { name } }
            }",
    )
    .await;
    assert_eq!(sorted_names(&read["households"]["nodes"]), ["Lee House"]);
    assert_eq!(
        sorted_names(&read["all"]["nodes"]),
        ["Lee Flat", "Lee House"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_membership_is_a_conflict_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let home = household(&app, "Novak Home", None).await;
    let ann = consumer(&app, "Ann Novak", None).await;
    member(&app, &home, &ann, Some(&day(&app, -10)), None).await;

    for (start, end) in [
        (Some(day(&app, 0)), None),
        (None, None),
        (Some(day(&app, 30)), Some(day(&app, 40))),
        (Some(day(&app, -100)), Some(day(&app, -10))),
    ] {
        assert_refused_writing_nothing(&app, Some(&admin), ADD, json!({ "i": { "householdId": home, "consumerId": ann, "startDate": start, "endDate": end } }), "CONFLICT", Some("consumerId"))
        .await;
    }
    // An end before the start is bad input.
    assert_refused_writing_nothing(&app, Some(&admin), ADD, json!({ "i": { "householdId": home, "consumerId": ann, "startDate": day(&app, -20), "endDate": day(&app, -30) } }), "BAD_USER_INPUT", Some("endDate"))
    .await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["memberships"]["totalCount"], 1);

    // A period that ends before the current one starts is history, not an overlap.
    member(
        &app,
        &home,
        &ann,
        Some(&day(&app, -100)),
        Some(&day(&app, -11)),
    )
    .await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["memberships"]["totalCount"], 2);
    assert_eq!(read["currentMemberships"]["totalCount"], 1);
    assert_eq!(sorted_names(&read["members"]["nodes"]), ["Ann Novak"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_is_added_as_a_current_member_when_set() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Okafor", None).await;
    let ben = consumer(&app, "Ben Okafor", None).await;

    // createHousehold with a head makes the head a member from today.
    let home = household(&app, "Okafor Home", Some(&ann)).await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["head"]["name"], "Ann Okafor");
    assert_eq!(sorted_names(&read["members"]["nodes"]), ["Ann Okafor"]);
    assert_eq!(read["memberships"]["nodes"][0]["startDate"], day(&app, 0));
    assert_eq!(read["memberships"]["nodes"][0]["endDate"], Value::Null);
    assert_audited(&app, "create", "household", &[&home]).await;
    let anns = membership_of(&app, &home, &ann).await;
    assert_audited(&app, "create", "household_membership", &[anns]).await;

    // updateHousehold with a head who is not a member adds the membership too.
    let updated = app
        .ok(
            &admin,
            "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { head { name } } } }",
            json!({ "i": { "id": home, "headId": ben } }),
        )
        .await;
    assert_eq!(
        updated["updateHousehold"]["household"]["head"]["name"],
        "Ben Okafor"
    );
    assert_audited(&app, "update", "household", &[&home]).await;
    let read = read_household(&app, &home).await;
    assert_eq!(
        sorted_names(&read["members"]["nodes"]),
        ["Ann Okafor", "Ben Okafor"]
    );
    assert_eq!(read["memberships"]["totalCount"], 2);

    // Making an existing current member head adds no second membership.
    app.ok(
        &admin,
        "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
        json!({ "i": { "id": home, "headId": ann } }),
    )
    .await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["head"]["name"], "Ann Okafor");
    assert_eq!(read["memberships"]["totalCount"], 2);

    // clearHead removes the head and keeps the memberships.
    app.ok(
        &admin,
        "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
        json!({ "i": { "id": home, "clearHead": true } }),
    )
    .await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["head"], Value::Null);
    assert_eq!(read["members"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_who_cannot_be_a_current_member_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let home = household(&app, "Petrov Home", None).await;
    let cara = consumer(&app, "Cara Petrov", None).await;
    // Cara joins only next week: she cannot be head today, and a second period would overlap.
    member(&app, &home, &cara, Some(&day(&app, 7)), None).await;
    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
        json!({ "i": { "id": home, "headId": cara } }),
        "BAD_USER_INPUT",
        Some("headId"),
    )
    .await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["head"], Value::Null);
    assert_eq!(read["memberships"]["totalCount"], 1);
    assert_eq!(read["members"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_primary_household_must_be_a_current_household() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Quinn", None).await;
    let home = household(&app, "Quinn Home", Some(&ann)).await;
    let lake = household(&app, "Quinn Lake House", None).await;
    let past = household(&app, "Quinn Old Home", None).await;
    member(
        &app,
        &past,
        &ann,
        Some(&day(&app, -300)),
        Some(&day(&app, -1)),
    )
    .await;
    const SET: &str = "mutation($i: SetPrimaryHouseholdInput!) { setPrimaryHousehold(input: $i) { consumer { primaryHousehold { name } } } }";

    let set = app
        .ok(
            &admin,
            SET,
            json!({ "i": { "consumerId": ann, "householdId": home } }),
        )
        .await;
    assert_eq!(
        set["setPrimaryHousehold"]["consumer"]["primaryHousehold"]["name"],
        "Quinn Home"
    );
    assert_audited(&app, "set_primary_household", "consumer", &[&ann]).await;

    // A household she never joined, and one she has left, are refused.
    for other in [&lake, &past] {
        assert_refused_writing_nothing(
            &app,
            Some(&admin),
            SET,
            json!({ "i": { "consumerId": ann, "householdId": other } }),
            "BAD_USER_INPUT",
            Some("householdId"),
        )
        .await;
    }
    let read = app
        .ok(
            &admin,
            "query($c: ID!) { node(id: $c) { ... on Consumer { primaryHousehold { name } } } }",
            json!({ "c": ann }),
        )
        .await;
    assert_eq!(read["node"]["primaryHousehold"]["name"], "Quinn Home");

    // No household clears it.
    let cleared = app
        .ok(&admin, SET, json!({ "i": { "consumerId": ann } }))
        .await;
    assert_eq!(
        cleared["setPrimaryHousehold"]["consumer"]["primaryHousehold"],
        Value::Null
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_membership_before_it_started_is_refused() {
    let app = TestApp::spawn().await;
    let home = household(&app, "Reyes Home", None).await;
    let ann = consumer(&app, "Ann Reyes", None).await;
    let membership = member(&app, &home, &ann, Some(&day(&app, -5)), None).await;
    assert_refused_writing_nothing(
        &app,
        Some(&app.admin()),
        END,
        json!({ "i": { "membershipId": membership, "endDate": day(&app, -6) } }),
        "BAD_USER_INPUT",
        Some("endDate"),
    )
    .await;
    let read = read_household(&app, &home).await;
    assert_eq!(read["memberships"]["nodes"][0]["endDate"], Value::Null);
    assert_eq!(sorted_names(&read["members"]["nodes"]), ["Ann Reyes"]);
}
