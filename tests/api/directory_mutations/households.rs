//! Consumer, household and membership mutations: the primary household, the head as a current
//! member, membership periods that must not overlap, ending and removing memberships.

use entity::household_membership;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    ADD_MEMBER, CREATE_CONSUMER, CREATE_HOUSEHOLD, DELETE_CONSUMER, DELETE_HOUSEHOLD,
    END_MEMBERSHIP, REMOVE_MEMBERSHIP, SET_PRIMARY, UPDATE_CONSUMER, UPDATE_HOUSEHOLD, refused,
    refused_each, run, run_object,
};

use crate::support::{
    ADMIN_SUBJECT, TestApp, assert_logged_by, audit_log, audit_log_since, consumer, day, household,
    member, missing_id, node, today, uuid_of,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_are_changed_and_deleted_and_their_primary_household_must_be_current() {
    let app = TestApp::spawn().await;
    let consumer = run_object(
        &app,
        CREATE_CONSUMER,
        json!({"i": {"name": "KIM", "email": "kim@example.com", "subject": "kim.consumer"}}),
        "consumer",
    )
    .await;
    let id = consumer["id"].as_str().unwrap().to_owned();
    assert_eq!(
        consumer,
        json!({"id": id, "name": "KIM", "email": "kim@example.com", "subject": "kim.consumer", "primaryHousehold": null})
    );
    let updated = run_object(
        &app,
        UPDATE_CONSUMER,
        json!({"i": {"id": id, "name": "KIMBERLY", "email": ""}}),
        "consumer",
    )
    .await;
    assert_eq!(updated["name"], "KIMBERLY");
    assert_eq!(updated["email"], Value::Null);
    assert_eq!(updated["subject"], "kim.consumer");
    refused(
        &app,
        CREATE_CONSUMER,
        json!({"i": {"name": ""}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;
    refused(
        &app,
        UPDATE_CONSUMER,
        json!({"i": {"id": id, "name": "  "}}),
        "BAD_USER_INPUT",
        Some("name"),
    )
    .await;

    // The primary household must be one the consumer currently belongs to.
    let home = household(&app, "HOME", None).await;
    refused(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
        "BAD_USER_INPUT",
        Some("householdId"),
    )
    .await;
    let past = member(&app, &home, &id, Some("2001-01-01"), Some("2001-12-31")).await;
    refused(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
        "BAD_USER_INPUT",
        Some("householdId"),
    )
    .await;
    run(&app, REMOVE_MEMBERSHIP, json!({"id": past})).await;
    member(&app, &home, &id, None, None).await;
    let set = run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
    )
    .await;
    assert_eq!(set["consumer"]["primaryHousehold"]["id"], home);
    let cleared = run(&app, SET_PRIMARY, json!({"i": {"consumerId": id}})).await;
    assert_eq!(cleared["consumer"]["primaryHousehold"], Value::Null);
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": id, "householdId": home}}),
    )
    .await;

    // Deleting the consumer deletes its memberships and leaves the household without a head.
    run(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "headId": id}}),
    )
    .await;
    let before = audit_log(&app).await.len();
    let deleted = run(&app, DELETE_CONSUMER, json!({"id": id})).await;
    assert_eq!(deleted["deletedId"], id);
    assert_eq!(node(&app, &id, "id").await, Value::Null);
    let household = node(
        &app,
        &home,
        "... on Household { head { id } members { totalCount } memberships { totalCount } }",
    )
    .await;
    assert_eq!(
        household,
        json!({"head": null, "members": {"totalCount": 0}, "memberships": {"totalCount": 0}})
    );
    let left = household_membership::Entity::find()
        .filter(household_membership::Column::ConsumerId.eq(uuid_of(&id)))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "memberships of a deleted consumer remain: {left:?}"
    );
    let entries = audit_log_since(&app, before).await;
    assert_logged_by(&entries, "delete", "consumer", uuid_of(&id), ADMIN_SUBJECT);
    assert!(
        entries
            .iter()
            .any(|e| e.action == "delete" && e.entity_kind == "household_membership")
    );

    let entries = audit_log(&app).await;
    assert_logged_by(&entries, "create", "consumer", uuid_of(&id), ADMIN_SUBJECT);
    assert_logged_by(&entries, "update", "consumer", uuid_of(&id), ADMIN_SUBJECT);
    assert_logged_by(
        &entries,
        "set_primary_household",
        "consumer",
        uuid_of(&id),
        ADMIN_SUBJECT,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_household_has_its_head_as_a_current_member() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let household = run_object(
        &app,
        CREATE_HOUSEHOLD,
        json!({"i": {"name": " SMITHS ", "headId": head}}),
        "household",
    )
    .await;
    let id = household["id"].as_str().unwrap().to_owned();
    assert_eq!(household["name"], "SMITHS");
    assert_eq!(household["head"]["id"], head);
    assert_eq!(household["members"]["nodes"], json!([{"id": head}]));
    let membership = &household["memberships"]["nodes"][0];
    assert_eq!(membership["consumer"]["id"], head);
    assert_eq!(
        membership["startDate"],
        today(&app),
        "the head is a member from today"
    );
    assert_eq!(membership["endDate"], Value::Null);
    assert_eq!(membership["isCurrent"], true);
    let entries = audit_log(&app).await;
    assert_logged_by(&entries, "create", "household", uuid_of(&id), ADMIN_SUBJECT);
    assert_logged_by(
        &entries,
        "create",
        "household_membership",
        uuid_of(membership["id"].as_str().unwrap()),
        ADMIN_SUBJECT,
    );

    let empty = run_object(
        &app,
        CREATE_HOUSEHOLD,
        json!({"i": {"name": "EMPTY"}}),
        "household",
    )
    .await;
    assert_eq!(empty["head"], Value::Null);
    assert_eq!(empty["members"]["nodes"], json!([]));

    let gone = consumer(&app, "GONE", None).await;
    run(&app, DELETE_CONSUMER, json!({"id": gone})).await;
    refused_each(
        &app,
        CREATE_HOUSEHOLD,
        [
            (
                json!({"i": {"name": "X", "headId": gone}}),
                "BAD_USER_INPUT",
                Some("headId"),
            ),
            (json!({"i": {"name": ""}}), "BAD_USER_INPUT", Some("name")),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memberships_have_periods_that_must_not_overlap() {
    let app = TestApp::spawn().await;
    let home = household(&app, "HOME", None).await;
    let kim = consumer(&app, "KIM", None).await;
    let add = |start: Value, end: Value| json!({"i": {"householdId": home, "consumerId": kim, "startDate": start, "endDate": end}});

    let past = run_object(
        &app,
        ADD_MEMBER,
        add(json!("2020-01-01"), json!("2020-12-31")),
        "membership",
    )
    .await;
    assert_eq!(past["startDate"], "2020-01-01");
    assert_eq!(past["endDate"], "2020-12-31");
    assert_eq!(past["isCurrent"], false);
    assert_eq!(past["household"]["id"], home);
    assert_eq!(past["consumer"]["id"], kim);

    refused_each(
        &app,
        ADD_MEMBER,
        [
            (
                add(json!("2020-06-01"), json!(null)),
                "CONFLICT",
                Some("consumerId"),
            ),
            (
                add(json!(null), json!("2020-01-01")),
                "CONFLICT",
                Some("consumerId"),
            ),
            (
                add(json!("2020-12-31"), json!("2021-06-30")),
                "CONFLICT",
                Some("consumerId"),
            ),
            (
                add(json!("2022-02-01"), json!("2022-01-31")),
                "BAD_USER_INPUT",
                Some("endDate"),
            ),
        ],
    )
    .await;
    let missing_home = missing_id("Household");
    refused(
        &app,
        ADD_MEMBER,
        json!({"i": {"householdId": missing_home, "consumerId": kim}}),
        "BAD_USER_INPUT",
        Some("householdId"),
    )
    .await;
    let missing_consumer = missing_id("Consumer");
    refused(
        &app,
        ADD_MEMBER,
        json!({"i": {"householdId": home, "consumerId": missing_consumer}}),
        "BAD_USER_INPUT",
        Some("consumerId"),
    )
    .await;

    // The day after the old period ends, a new open-ended one may start.
    let current = run_object(
        &app,
        ADD_MEMBER,
        add(json!("2021-01-01"), json!(null)),
        "membership",
    )
    .await;
    assert_eq!(current["isCurrent"], true);
    refused(
        &app,
        ADD_MEMBER,
        add(json!(null), json!(null)),
        "CONFLICT",
        Some("consumerId"),
    )
    .await;

    let household = node(&app, &home, "... on Household { members { nodes { id } }
        memberships { nodes { id isCurrent } } current: memberships(currentOnly: true) { nodes { id } } }").await;
    assert_eq!(household["members"]["nodes"], json!([{"id": kim}]));
    assert_eq!(
        household["memberships"]["nodes"],
        json!([{"id": past["id"], "isCurrent": false}, {"id": current["id"], "isCurrent": true}])
    );
    assert_eq!(
        household["current"]["nodes"],
        json!([{"id": current["id"]}])
    );
    let consumer = node(
        &app,
        &kim,
        "... on Consumer { households { nodes { id } } memberships { totalCount } }",
    )
    .await;
    assert_eq!(
        consumer,
        json!({"households": {"nodes": [{"id": home}]}, "memberships": {"totalCount": 2}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_membership_keeps_it_as_history() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let home = household(&app, "HOME", Some(&head)).await;
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": head, "householdId": home}}),
    )
    .await;
    let kim = consumer(&app, "KIM", None).await;
    let membership = member(&app, &home, &kim, Some("2020-01-01"), None).await;

    refused(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": membership, "endDate": "2019-12-31"}}),
        "BAD_USER_INPUT",
        Some("endDate"),
    )
    .await;

    // Ended today: still a member until the day is over.
    let before = audit_log(&app).await.len();
    let ended = run_object(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": membership}}),
        "membership",
    )
    .await;
    assert_eq!(ended["endDate"], today(&app));
    assert_eq!(ended["startDate"], "2020-01-01");
    assert_eq!(ended["isCurrent"], true);
    assert_logged_by(
        &audit_log_since(&app, before).await,
        "end",
        "household_membership",
        uuid_of(&membership),
        ADMIN_SUBJECT,
    );
    let members = "... on Household { head { id } members { nodes { id } } memberships { nodes { id endDate isCurrent } } }";
    let household = node(&app, &home, members).await;
    assert_eq!(
        household["members"]["nodes"],
        json!([{"id": head}, {"id": kim}])
    );

    app.clock.advance(chrono::Duration::days(1));
    let household = node(&app, &home, members).await;
    assert_eq!(
        household["members"]["nodes"],
        json!([{"id": head}]),
        "gone the next day"
    );
    assert_eq!(
        household["memberships"]["nodes"][1]["isCurrent"], false,
        "history is kept"
    );

    // Ending the head's membership in the past takes the headship and primary household away.
    let head_membership = household["memberships"]["nodes"][0]["id"].clone();
    let ended = run(
        &app,
        END_MEMBERSHIP,
        json!({"i": {"membershipId": head_membership, "endDate": day(&app, -1)}}),
    )
    .await;
    assert_eq!(ended["membership"]["isCurrent"], false);
    let household = node(&app, &home, members).await;
    assert_eq!(household["head"], Value::Null);
    assert_eq!(household["members"]["nodes"], json!([]));
    let consumer = node(&app, &head, "... on Consumer { primaryHousehold { id } }").await;
    assert_eq!(consumer["primaryHousehold"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_heads_membership_clears_the_head() {
    let app = TestApp::spawn().await;
    let head = consumer(&app, "HEAD", None).await;
    let home = household(&app, "HOME", Some(&head)).await;
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": head, "householdId": home}}),
    )
    .await;
    let kim = consumer(&app, "KIM", None).await;
    let kims = member(&app, &home, &kim, None, None).await;
    let query = "... on Household { head { id } members { nodes { id } } memberships { totalCount nodes { id consumer { id } } } }";

    // Removing another member leaves the head alone.
    let removed = run(&app, REMOVE_MEMBERSHIP, json!({"id": kims})).await;
    assert_eq!(removed["deletedId"], kims);
    assert_eq!(node(&app, &kims, "id").await, Value::Null);
    let household = node(&app, &home, query).await;
    assert_eq!(household["head"]["id"], head);
    assert_eq!(household["members"]["nodes"], json!([{"id": head}]));
    assert_eq!(household["memberships"]["totalCount"], 1);

    let heads = household["memberships"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = audit_log(&app).await.len();
    run(&app, REMOVE_MEMBERSHIP, json!({"id": heads})).await;
    assert_logged_by(
        &audit_log_since(&app, before).await,
        "delete",
        "household_membership",
        uuid_of(&heads),
        ADMIN_SUBJECT,
    );
    let household = node(&app, &home, query).await;
    assert_eq!(
        household["head"],
        Value::Null,
        "the head is always a current member"
    );
    assert_eq!(household["memberships"]["totalCount"], 0);
    let consumer = node(&app, &head, "... on Consumer { primaryHousehold { id } }").await;
    assert_eq!(consumer["primaryHousehold"], Value::Null);
    refused(
        &app,
        REMOVE_MEMBERSHIP,
        json!({"id": heads}),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn households_are_renamed_re_headed_and_deleted() {
    let app = TestApp::spawn().await;
    let home = household(&app, "HOME", None).await;
    let kim = consumer(&app, "KIM", None).await;
    let lee = consumer(&app, "LEE", None).await;
    member(&app, &home, &lee, None, None).await;
    run(
        &app,
        SET_PRIMARY,
        json!({"i": {"consumerId": lee, "householdId": home}}),
    )
    .await;

    // A new head who is not yet a member becomes one.
    let updated = run_object(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "name": "RENAMED", "headId": kim}}),
        "household",
    )
    .await;
    assert_eq!(updated["name"], "RENAMED");
    assert_eq!(updated["head"]["id"], kim);
    assert_eq!(
        updated["members"]["nodes"],
        json!([{"id": lee}, {"id": kim}])
    );
    // A head who is already a member gets no second membership.
    let updated = run_object(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "headId": lee}}),
        "household",
    )
    .await;
    assert_eq!(updated["head"]["id"], lee);
    assert_eq!(
        updated["members"]["nodes"],
        json!([{"id": lee}, {"id": kim}])
    );
    let cleared = run_object(
        &app,
        UPDATE_HOUSEHOLD,
        json!({"i": {"id": home, "clearHead": true}}),
        "household",
    )
    .await;
    assert_eq!(cleared["head"], Value::Null);
    assert_eq!(cleared["name"], "RENAMED");
    assert_eq!(
        cleared["members"]["nodes"],
        json!([{"id": lee}, {"id": kim}]),
        "members stay"
    );

    refused_each(
        &app,
        UPDATE_HOUSEHOLD,
        [
            (
                json!({"i": {"id": home, "headId": kim, "clearHead": true}}),
                "BAD_USER_INPUT",
                Some("clearHead"),
            ),
            (
                json!({"i": {"id": home, "name": ""}}),
                "BAD_USER_INPUT",
                Some("name"),
            ),
        ],
    )
    .await;

    let before = audit_log(&app).await.len();
    let deleted = run(&app, DELETE_HOUSEHOLD, json!({"id": home})).await;
    assert_eq!(deleted["deletedId"], home);
    assert_eq!(node(&app, &home, "id").await, Value::Null);
    let lee_now = node(
        &app,
        &lee,
        "... on Consumer { primaryHousehold { id } memberships { totalCount } }",
    )
    .await;
    assert_eq!(
        lee_now,
        json!({"primaryHousehold": null, "memberships": {"totalCount": 0}})
    );
    let entries = audit_log_since(&app, before).await;
    assert_logged_by(
        &entries,
        "delete",
        "household",
        uuid_of(&home),
        ADMIN_SUBJECT,
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.entity_kind == "household_membership" && e.action == "delete")
            .count(),
        2,
        "each removed membership is audited"
    );
    let entries = audit_log(&app).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "update" && e.entity_kind == "household")
            .count(),
        3
    );
}
