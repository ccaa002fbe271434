//! Consumer relationships: Consumer to Consumer and Household Member Relationships,
//! listed from both ends with their labels, changed, removed, and refused for every broken rule
//! without writing anything.

use serde_json::{Value, json};

use crate::support::{
    CREATE_CONSUMER_RELATIONSHIP, TestApp, admin_ok, assert_audited,
    assert_each_refused_writing_nothing, assert_refused_writing_nothing, consumer, day, household,
    member, membership_of, node, represent, responsibility,
};

/// A consumer's relationships as it reads them.
async fn sides_of(app: &TestApp, consumer: &str) -> Value {
    let data = node(app, consumer, "... on Consumer { relationships {
                totalCount
                nodes { direction label otherConsumer { name } household { name } responsibility { name }
                        validFrom validTo isCurrent relationship { id consumer { name } relatedConsumer { name } } }
            } }").await;
    data["relationships"].clone()
}

/// A household's member relationships.
async fn member_links_of(app: &TestApp, household: &str) -> Value {
    let data = node(app, household, "... on Household { memberRelationships {
                totalCount
                nodes { id consumer { name } relatedConsumer { name } household { name } responsibility { name } isCurrent }
            } }").await;
    data["memberRelationships"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_to_consumer_is_listed_from_both_ends_with_labels() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Moreau", None).await;
    let ben = consumer(&app, "Ben Moreau", None).await;
    let created = admin_ok(
        &app,
        CREATE_CONSUMER_RELATIONSHIP,
        json!({ "i": { "consumerId": ann, "relatedConsumerId": ben, "order": 2,
                           "validFrom": day(&app, -3), "validTo": day(&app, 300) } }),
    )
    .await;
    let row = &created["createConsumerRelationship"]["consumerRelationship"];
    assert_eq!(row["consumer"]["name"], "Ann Moreau");
    assert_eq!(row["relatedConsumer"]["name"], "Ben Moreau");
    assert_eq!(row["household"], Value::Null);
    assert_eq!(row["responsibility"]["name"], "Authorized Representative");
    assert_eq!(row["order"], 2);
    assert_eq!(row["validFrom"], day(&app, -3));
    assert_eq!(row["validTo"], day(&app, 300));
    assert_eq!(row["isCurrent"], true);
    let id = row["id"].as_str().unwrap().to_owned();
    assert_audited(&app, "create", "consumer_relationship", &[&id]).await;

    let anns = sides_of(&app, &ann).await;
    assert_eq!(anns["totalCount"], 1);
    let side = &anns["nodes"][0];
    assert_eq!(side["direction"], "FORWARD");
    assert_eq!(side["label"], "Authorized Representative of");
    assert_eq!(side["otherConsumer"]["name"], "Ben Moreau");
    assert_eq!(side["household"], Value::Null);
    assert_eq!(side["responsibility"]["name"], "Authorized Representative");
    assert_eq!(side["validFrom"], day(&app, -3));
    assert_eq!(side["validTo"], day(&app, 300));
    assert_eq!(side["isCurrent"], true);
    assert_eq!(side["relationship"]["id"], id);
    assert_eq!(side["relationship"]["consumer"]["name"], "Ann Moreau");

    let bens = sides_of(&app, &ben).await;
    assert_eq!(bens["totalCount"], 1);
    let side = &bens["nodes"][0];
    assert_eq!(side["direction"], "REVERSE");
    assert_eq!(side["label"], "Has Authorized Representative");
    assert_eq!(side["otherConsumer"]["name"], "Ann Moreau");
    assert_eq!(side["relationship"]["id"], id);
    assert_eq!(side["relationship"]["consumer"]["name"], "Ann Moreau");
    assert_eq!(
        side["relationship"]["relatedConsumer"]["name"],
        "Ben Moreau"
    );
    assert_eq!(side["validTo"], day(&app, 300));

    // The other direction is a different relationship, not a duplicate.
    represent(&app, &ben, &ann, None).await;
    let anns = sides_of(&app, &ann).await;
    assert_eq!(anns["totalCount"], 2);
    let mut labels: Vec<&str> = anns["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["label"].as_str().unwrap())
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        [
            "Authorized Representative of",
            "Has Authorized Representative"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_consumer_to_consumer_rules_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Moreau", None).await;
    let ben = consumer(&app, "Ben Moreau", None).await;
    represent(&app, &ann, &ben, None).await;
    let manager_duty = responsibility(&app, "Account Manager").await;
    let contact_duty = responsibility(&app, "Authorized Contact").await;
    let input = |extra: Value| {
        let mut input = json!({ "consumerId": ann, "relatedConsumerId": ben });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        json!({ "i": input })
    };

    assert_each_refused_writing_nothing(
        &app,
        Some(&admin),
        CREATE_CONSUMER_RELATIONSHIP,
        [
            // The same consumer on both ends.
            (
                input(json!({ "relatedConsumerId": ann })),
                "BAD_USER_INPUT",
                Some("relatedConsumerId"),
            ),
            // The same relationship again.
            (input(json!({})), "CONFLICT", None),
        ],
    )
    .await;
    // A responsibility consumers cannot carry (USER, CONTACT).
    for duty in [&manager_duty, &contact_duty] {
        assert_refused_writing_nothing(
            &app,
            Some(&admin),
            CREATE_CONSUMER_RELATIONSHIP,
            input(json!({ "responsibilityId": duty })),
            "BAD_USER_INPUT",
            Some("responsibilityId"),
        )
        .await;
    }
    // Dates out of order.
    assert_refused_writing_nothing(&app, Some(&admin), CREATE_CONSUMER_RELATIONSHIP, input(json!({ "relatedConsumerId": ann, "consumerId": ben, "validFrom": day(&app, 5), "validTo": day(&app, 4) })), "BAD_USER_INPUT", Some("validTo"))
    .await;
    assert_eq!(sides_of(&app, &ann).await["totalCount"], 1);
    assert_eq!(sides_of(&app, &ben).await["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_member_relationship_is_listed_on_the_household_and_both_consumers() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Moreau", None).await;
    let ben = consumer(&app, "Ben Moreau", None).await;
    let home = household(&app, "Moreau Home", Some(&ann)).await;
    member(&app, &home, &ben, Some(&day(&app, -1)), None).await;
    let created = admin_ok(
        &app,
        CREATE_CONSUMER_RELATIONSHIP,
        json!({ "i": { "consumerId": ann, "relatedConsumerId": ben, "householdId": home } }),
    )
    .await;
    let row = &created["createConsumerRelationship"]["consumerRelationship"];
    assert_eq!(row["household"]["name"], "Moreau Home");
    assert_eq!(row["responsibility"]["name"], "Authorized Representative");
    let id = row["id"].as_str().unwrap().to_owned();
    assert_audited(&app, "create", "consumer_relationship", &[&id]).await;

    let links = member_links_of(&app, &home).await;
    assert_eq!(links["totalCount"], 1);
    assert_eq!(links["nodes"][0]["id"], id);
    assert_eq!(links["nodes"][0]["consumer"]["name"], "Ann Moreau");
    assert_eq!(links["nodes"][0]["relatedConsumer"]["name"], "Ben Moreau");
    assert_eq!(links["nodes"][0]["household"]["name"], "Moreau Home");
    assert_eq!(links["nodes"][0]["isCurrent"], true);

    let anns = sides_of(&app, &ann).await;
    assert_eq!(anns["totalCount"], 1);
    assert_eq!(anns["nodes"][0]["direction"], "FORWARD");
    assert_eq!(anns["nodes"][0]["label"], "Authorized Representative of");
    assert_eq!(anns["nodes"][0]["household"]["name"], "Moreau Home");
    let bens = sides_of(&app, &ben).await;
    assert_eq!(bens["nodes"][0]["direction"], "REVERSE");
    assert_eq!(bens["nodes"][0]["label"], "Has Authorized Representative");
    assert_eq!(bens["nodes"][0]["household"]["name"], "Moreau Home");
    assert_eq!(bens["nodes"][0]["otherConsumer"]["name"], "Ann Moreau");

    // The same pair outside the household is a separate Consumer to Consumer relationship.
    let plain = represent(&app, &ann, &ben, None).await;
    assert_eq!(sides_of(&app, &ann).await["totalCount"], 2);
    let links = member_links_of(&app, &home).await;
    assert_eq!(links["totalCount"], 1);
    assert_ne!(links["nodes"][0]["id"], plain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_household_member_rules_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Moreau", None).await;
    let ben = consumer(&app, "Ben Moreau", None).await;
    let cleo = consumer(&app, "Cleo Moreau", None).await;
    let dora = consumer(&app, "Dora Moreau", None).await;
    let eli = consumer(&app, "Eli Moreau", None).await;
    let home = household(&app, "Moreau Home", Some(&ann)).await;
    member(&app, &home, &ben, None, None).await;
    // Dora has left; Eli joins only next month; Cleo never joined.
    member(
        &app,
        &home,
        &dora,
        Some(&day(&app, -60)),
        Some(&day(&app, -1)),
    )
    .await;
    member(&app, &home, &eli, Some(&day(&app, 30)), None).await;
    represent(&app, &ann, &ben, Some(&home)).await;
    let link = |from: &str, to: &str| json!({ "i": { "consumerId": from, "relatedConsumerId": to, "householdId": home } });

    for (from, to, field) in [
        (&cleo, &ann, "consumerId"),
        (&ann, &cleo, "relatedConsumerId"),
        (&dora, &ben, "consumerId"),
        (&ben, &dora, "relatedConsumerId"),
        (&eli, &ann, "consumerId"),
        (&ann, &eli, "relatedConsumerId"),
    ] {
        assert_refused_writing_nothing(
            &app,
            Some(&admin),
            CREATE_CONSUMER_RELATIONSHIP,
            link(from, to),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    // The same member relationship again.
    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        CREATE_CONSUMER_RELATIONSHIP,
        link(&ann, &ben),
        "CONFLICT",
        None,
    )
    .await;
    // Ending Ben's membership today makes him no longer eligible for new member relationships
    // once the day has passed.
    let bens = membership_of(&app, &home, &ben).await;
    app.ok(
        &admin,
        "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun } }",
        json!({ "i": { "membershipId": bens, "endDate": day(&app, 0) } }),
    )
    .await;
    app.clock.advance(chrono::Duration::days(1));
    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        CREATE_CONSUMER_RELATIONSHIP,
        link(&ben, &ann),
        "BAD_USER_INPUT",
        Some("consumerId"),
    )
    .await;
    assert_eq!(member_links_of(&app, &home).await["totalCount"], 0);
    for someone in [&cleo, &dora, &eli] {
        assert_eq!(sides_of(&app, someone).await["totalCount"], 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_relationship_is_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Moreau", None).await;
    let ben = consumer(&app, "Ben Moreau", None).await;
    let id = represent(&app, &ann, &ben, None).await;
    const UPDATE: &str = "mutation($i: UpdateConsumerRelationshipInput!) { updateConsumerRelationship(input: $i) { consumerRelationship { id order validFrom validTo isCurrent } } }";

    let updated = app
        .ok(
            &admin,
            UPDATE,
            json!({ "i": { "id": id, "order": 3, "validTo": day(&app, -1) } }),
        )
        .await;
    let row = &updated["updateConsumerRelationship"]["consumerRelationship"];
    assert_eq!(row["order"], 3);
    assert_eq!(row["validTo"], day(&app, -1));
    assert_eq!(row["isCurrent"], false);
    assert_audited(&app, "update", "consumer_relationship", &[&id]).await;
    let current = app
        .ok(
            &admin,
            "query($c: ID!) { node(id: $c) { ... on Consumer { relationships(currentOnly: true) { totalCount } } } }",
            json!({ "c": ben }),
        )
        .await;
    assert_eq!(current["node"]["relationships"]["totalCount"], 0);
    let bens = sides_of(&app, &ben).await;
    assert_eq!(bens["totalCount"], 1);
    assert_eq!(bens["nodes"][0]["isCurrent"], false);

    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        UPDATE,
        json!({ "i": { "id": id, "validFrom": day(&app, 2), "validTo": day(&app, 1) } }),
        "BAD_USER_INPUT",
        Some("validTo"),
    )
    .await;

    let deleted = app
        .ok(
            &admin,
            "mutation($id: ID!) { deleteConsumerRelationship(id: $id) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["deleteConsumerRelationship"]["deletedId"], id);
    assert_audited(&app, "delete", "consumer_relationship", &[id]).await;
    assert_eq!(sides_of(&app, &ann).await["totalCount"], 0);
    assert_eq!(sides_of(&app, &ben).await["totalCount"], 0);
}
