//! Account relationship records (DOMAIN.md §2): every validation rule refused with its code and field
//! and nothing written, updates, deleting from both sides, the two-sided list with filters and
//! pagination, role refusals, and statement counts that do not grow with the number of accounts.

use serde_json::{Value, json};

use crate::support::{
    ADMIN, CREATE_ACCOUNT_RELATIONSHIP, CREATE_TYPE, MANAGER, TestApp, account, admin_ok,
    assert_only_roles, assert_refused, contact, create_type, customer, day, deleted_account, id_of,
    link, manager, node, node_visible, nodes, partner, partner_account_type, relate, relate_with,
    relationship_count, responsibility, side, sides_of, try_relate,
};

const UPDATE_RELATIONSHIP: &str = "mutation($i: UpdateAccountRelationshipInput!) { updateAccountRelationship(input: $i) { accountRelationship { id order validFrom validTo isCurrent accountFrom { name } accountTo { name } } } }";
const DELETE_RELATIONSHIP: &str =
    "mutation($id: ID!) { deleteAccountRelationship(id: $id) { deletedId } }";

/// Sends a create that must be refused with `code` on `field`, as a manager.
async fn refused(app: &TestApp, input: Value, code: &str, field: &str) {
    let reply = try_relate(app, Some(&manager(app)), input).await;
    assert_refused(&reply, code, Some(field));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_validation_rule_is_refused_with_its_code_and_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let partner_type = partner_account_type(&app).await;
    let sibling = create_type(
        &app,
        "Sibling",
        "ACCOUNT",
        "ACCOUNT",
        "Sibling of",
        "Sibling of",
    )
    .await;
    let parent = create_type(
        &app,
        "Parent Company",
        "ACCOUNT",
        "ACCOUNT",
        "Parent of",
        "Subsidiary of",
    )
    .await;
    let inactive = admin_ok(
        &app,
        CREATE_TYPE,
        json!({"i": {"name": "Retired", "sourceKind": "ACCOUNT", "targetKind": "ACCOUNT",
                     "forwardLabel": "Old", "reverseLabel": "Older", "isActive": false}}),
    )
    .await;
    let inactive =
        id_of(&inactive["createAccountRelationshipType"]["accountRelationshipType"]["id"]);
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    let xyz = customer(&app, "XYZCORP").await;
    let both = account(&app, "BOTHCO", true, true, None).await;
    let gone = deleted_account(&app, "GONECO").await;

    // The records the duplicate rules collide with.
    relate(&app, &partner_type, &gsi, &abc).await;
    relate(&app, &sibling, &abc, &xyz).await;
    relate(&app, &parent, &abc, &xyz).await;
    let count = relationship_count(&app).await;
    assert_eq!(count, 3);
    let sides_before = (
        sides_of(&app, &abc).await,
        sides_of(&app, &xyz).await,
        sides_of(&app, &gsi).await,
    );

    // From and To differ.
    refused(
        &app,
        json!({"typeId": sibling, "fromId": abc, "toId": abc}),
        "BAD_USER_INPUT",
        "toId",
    )
    .await;
    // Flags match kinds: the source of Partner Account must be a partner...
    refused(
        &app,
        json!({"typeId": partner_type, "fromId": xyz, "toId": abc}),
        "BAD_USER_INPUT",
        "fromId",
    )
    .await;
    // ... and its target a customer.
    refused(
        &app,
        json!({"typeId": partner_type, "fromId": both, "toId": gsi}),
        "BAD_USER_INPUT",
        "toId",
    )
    .await;
    // An ACCOUNT-to-ACCOUNT type refuses a partner-only account on either side.
    refused(
        &app,
        json!({"typeId": parent, "fromId": gsi, "toId": abc}),
        "BAD_USER_INPUT",
        "fromId",
    )
    .await;
    refused(
        &app,
        json!({"typeId": parent, "fromId": abc, "toId": gsi}),
        "BAD_USER_INPUT",
        "toId",
    )
    .await;
    // Accounts that do not exist.
    refused(
        &app,
        json!({"typeId": parent, "fromId": gone, "toId": abc}),
        "BAD_USER_INPUT",
        "fromId",
    )
    .await;
    refused(
        &app,
        json!({"typeId": parent, "fromId": abc, "toId": gone}),
        "BAD_USER_INPUT",
        "toId",
    )
    .await;
    // (type, from, to) is unique.
    refused(
        &app,
        json!({"typeId": partner_type, "fromId": gsi, "toId": abc}),
        "CONFLICT",
        "toId",
    )
    .await;
    refused(
        &app,
        json!({"typeId": parent, "fromId": abc, "toId": xyz, "validFrom": day(&app, 30)}),
        "CONFLICT",
        "toId",
    )
    .await;
    // The mirror of a symmetric type's record is the same relationship.
    refused(
        &app,
        json!({"typeId": sibling, "fromId": xyz, "toId": abc}),
        "CONFLICT",
        "toId",
    )
    .await;
    // An inactive type cannot be used for new records.
    refused(
        &app,
        json!({"typeId": inactive, "fromId": abc, "toId": both}),
        "BAD_USER_INPUT",
        "typeId",
    )
    .await;
    // Validity dates in order.
    refused(
        &app,
        json!({"typeId": parent, "fromId": xyz, "toId": abc,
               "validFrom": day(&app, 10), "validTo": day(&app, 9)}),
        "BAD_USER_INPUT",
        "validTo",
    )
    .await;
    // IDs of the wrong kind.
    refused(
        &app,
        json!({"typeId": abc, "fromId": xyz, "toId": abc}),
        "BAD_USER_INPUT",
        "typeId",
    )
    .await;
    refused(
        &app,
        json!({"typeId": parent, "fromId": sibling, "toId": abc}),
        "BAD_USER_INPUT",
        "fromId",
    )
    .await;

    assert_eq!(relationship_count(&app).await, count, "nothing was written");
    assert_eq!(
        (
            sides_of(&app, &abc).await,
            sides_of(&app, &xyz).await,
            sides_of(&app, &gsi).await,
        ),
        sides_before
    );

    // The mirror of an asymmetric type is a different relationship and is allowed, and so is a
    // one-day period.
    let mirror = relate_with(
        &app,
        json!({"typeId": parent, "fromId": xyz, "toId": abc,
               "validFrom": day(&app, 0), "validTo": day(&app, 0)}),
    )
    .await;
    assert!(node_visible(&app, &app.admin(), &mirror).await);
    assert_eq!(
        sides_of(&app, &xyz).await,
        vec![
            side("Sibling of", "REVERSE", "ABCCORP"),
            side("Subsidiary of", "REVERSE", "ABCCORP"),
            side("Parent of", "FORWARD", "ABCCORP"),
        ]
    );
    // Re-activating the type makes it usable again.
    admin_ok(
        &app,
        "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { isActive } } }",
        json!({"i": {"id": inactive, "isActive": true}}),
    )
    .await;
    relate(&app, &inactive, &abc, &both).await;
    assert_eq!(relationship_count(&app).await, count + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_type_keeps_its_records_but_refuses_new_ones() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    let xyz = customer(&app, "XYZCORP").await;
    relate(&app, &kind, &gsi, &abc).await;
    admin_ok(
        &app,
        "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { isActive } } }",
        json!({"i": {"id": kind, "isActive": false}}),
    )
    .await;
    refused(
        &app,
        json!({"typeId": kind, "fromId": gsi, "toId": xyz}),
        "BAD_USER_INPUT",
        "typeId",
    )
    .await;
    assert_eq!(
        sides_of(&app, &abc).await,
        vec![side("Customer of", "REVERSE", "GSITECH")],
        "existing records stay"
    );
    assert_eq!(relationship_count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updating_sets_order_and_validity_and_refuses_dates_out_of_order() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    let id = relate_with(
        &app,
        json!({"typeId": kind, "fromId": gsi, "toId": abc, "order": 3,
               "validFrom": day(&app, -10)}),
    )
    .await;
    let manager = manager(&app);
    let to = day(&app, -1);
    let updated = app
        .ok(
            &manager,
            UPDATE_RELATIONSHIP,
            json!({"i": {"id": id, "order": 7, "validFrom": day(&app, -10), "validTo": to}}),
        )
        .await;
    let updated = &updated["updateAccountRelationship"]["accountRelationship"];
    assert_eq!(updated["order"], 7);
    assert_eq!(updated["validTo"], to.as_str());
    assert_eq!(updated["isCurrent"], false);
    assert_eq!(updated["accountFrom"]["name"], "GSITECH");
    let read = node(&app, &abc, "... on Account { relationships { nodes { order validTo isCurrent } } current: relationships(filter: {currentOnly: true}) { totalCount } }").await;
    assert_eq!(
        nodes(&read["relationships"])[0],
        json!({"order": 7, "validTo": to, "isCurrent": false}),
        "the target side shows the change too"
    );
    assert_eq!(read["current"]["totalCount"], 0);

    // Dates out of order are refused and nothing changes.
    let reply = app
        .gql(
            Some(&manager),
            UPDATE_RELATIONSHIP,
            json!({"i": {"id": id, "order": 1, "validFrom": day(&app, 5), "validTo": day(&app, 4)}}),
        )
        .await;
    assert_refused(&reply, "BAD_USER_INPUT", Some("validTo"));
    let read = node(&app, &id, "... on AccountRelationship { order validTo }").await;
    assert_eq!(read, json!({"order": 7, "validTo": to}));

    // Absent fields clear: the relationship becomes open-ended and current again.
    let cleared = app
        .ok(&manager, UPDATE_RELATIONSHIP, json!({"i": {"id": id}}))
        .await;
    let cleared = &cleared["updateAccountRelationship"]["accountRelationship"];
    assert!(
        cleared["order"].is_null()
            && cleared["validFrom"].is_null()
            && cleared["validTo"].is_null()
    );
    assert_eq!(cleared["isCurrent"], true);

    // A missing relationship is NOT_FOUND.
    app.ok(&manager, DELETE_RELATIONSHIP, json!({"id": id}))
        .await;
    let reply = app
        .gql(
            Some(&manager),
            UPDATE_RELATIONSHIP,
            json!({"i": {"id": id}}),
        )
        .await;
    assert_refused(&reply, "NOT_FOUND", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_relationship_removes_it_from_both_sides_only() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    let xyz = customer(&app, "XYZCORP").await;
    let first = relate(&app, &kind, &gsi, &abc).await;
    relate(&app, &kind, &gsi, &xyz).await;
    let deleted = admin_ok(&app, DELETE_RELATIONSHIP, json!({"id": first})).await;
    assert_eq!(
        deleted["deleteAccountRelationship"]["deletedId"],
        first.as_str()
    );
    assert!(sides_of(&app, &abc).await.is_empty());
    assert_eq!(
        sides_of(&app, &gsi).await,
        vec![side("Partner of", "FORWARD", "XYZCORP")]
    );
    let by_type = node(&app, &kind, "... on AccountRelationshipType { relationships { totalCount nodes { accountTo { name } } } }").await;
    assert_eq!(
        by_type["relationships"],
        json!({"totalCount": 1, "nodes": [{"accountTo": {"name": "XYZCORP"}}]})
    );
    // Deleting again: the record no longer exists.
    let reply = app
        .gql(
            Some(&manager(&app)),
            DELETE_RELATIONSHIP,
            json!({"id": first}),
        )
        .await;
    assert_refused(&reply, "NOT_FOUND", None);
    // The accounts themselves are untouched.
    assert!(node_visible(&app, &app.admin(), &abc).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_lists_its_relationships_filtered_and_paginated() {
    let app = TestApp::spawn().await;
    let partner_type = partner_account_type(&app).await;
    let parent = create_type(
        &app,
        "Parent Company",
        "ACCOUNT",
        "ACCOUNT",
        "Parent of",
        "Subsidiary of",
    )
    .await;
    let hub = account(&app, "HUBCO", true, true, None).await;
    let p1 = partner(&app, "PARTNER1").await;
    let c1 = customer(&app, "CUSTOMER1").await;
    let c2 = customer(&app, "CUSTOMER2").await;
    let c3 = customer(&app, "CUSTOMER3").await;
    relate(&app, &partner_type, &p1, &hub).await; // REVERSE on HUBCO
    relate(&app, &partner_type, &hub, &c1).await; // FORWARD
    relate(&app, &parent, &hub, &c2).await; // FORWARD
    relate(&app, &parent, &c3, &hub).await; // REVERSE
    relate_with(
        &app,
        json!({"typeId": parent, "fromId": hub, "toId": c3, "validFrom": day(&app, 5)}),
    )
    .await; // FORWARD, not yet in force

    let query = "query($id: ID!, $f: AccountRelationshipFilter, $first: Int, $after: String) { node(id: $id) { ... on Account { relationships(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { label direction otherAccount { name } } } } } }";
    let list = |filter: Value| {
        let app = &app;
        let hub = hub.clone();
        async move {
            let data = admin_ok(app, query, json!({"id": hub, "f": filter, "first": 50})).await;
            nodes(&data["node"]["relationships"])
                .iter()
                .map(|n| {
                    format!(
                        "{}|{}|{}",
                        n["label"].as_str().unwrap(),
                        n["direction"].as_str().unwrap(),
                        n["otherAccount"]["name"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(Value::Null).await,
        vec![
            "Customer of|REVERSE|PARTNER1",
            "Partner of|FORWARD|CUSTOMER1",
            "Parent of|FORWARD|CUSTOMER2",
            "Subsidiary of|REVERSE|CUSTOMER3",
            "Parent of|FORWARD|CUSTOMER3",
        ],
        "every record from this account's side, in creation order"
    );
    assert_eq!(
        list(json!({"direction": "REVERSE"})).await,
        vec![
            "Customer of|REVERSE|PARTNER1",
            "Subsidiary of|REVERSE|CUSTOMER3"
        ]
    );
    assert_eq!(
        list(json!({"typeId": parent, "direction": "FORWARD"})).await,
        vec!["Parent of|FORWARD|CUSTOMER2", "Parent of|FORWARD|CUSTOMER3"]
    );
    assert_eq!(
        list(json!({"typeId": parent, "currentOnly": true})).await,
        vec![
            "Parent of|FORWARD|CUSTOMER2",
            "Subsidiary of|REVERSE|CUSTOMER3"
        ]
    );
    // The Partner face of the same organisation reads the same list.
    let as_partner = node(
        &app,
        &hub,
        "... on Account { asPartner { relationships { totalCount } } }",
    )
    .await;
    assert_eq!(as_partner["asPartner"]["relationships"]["totalCount"], 5);

    // Pages of two walk the whole list once, in order.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = admin_ok(
            &app,
            query,
            json!({"id": hub, "f": null, "first": 2, "after": after}),
        )
        .await;
        let page = &data["node"]["relationships"];
        assert_eq!(page["totalCount"], 5);
        for n in nodes(page) {
            seen.push(n["otherAccount"]["name"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
        assert!(seen.len() < 5, "hasNextPage on the last page");
    }
    assert_eq!(
        seen,
        vec![
            "PARTNER1",
            "CUSTOMER1",
            "CUSTOMER2",
            "CUSTOMER3",
            "CUSTOMER3"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_managers_and_admins_may_create_update_or_delete_relationships() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    let xyz = customer(&app, "XYZCORP").await;
    let existing = relate(&app, &kind, &gsi, &abc).await;
    let before = (sides_of(&app, &gsi).await, sides_of(&app, &abc).await);

    assert_only_roles(
        &app,
        &[ADMIN, MANAGER],
        CREATE_ACCOUNT_RELATIONSHIP,
        json!({"i": {"typeId": kind, "fromId": gsi, "toId": xyz}}),
    )
    .await;
    assert_only_roles(
        &app,
        &[ADMIN, MANAGER],
        UPDATE_RELATIONSHIP,
        json!({"i": {"id": existing, "order": 9, "validTo": day(&app, -1)}}),
    )
    .await;
    assert_only_roles(
        &app,
        &[ADMIN, MANAGER],
        DELETE_RELATIONSHIP,
        json!({"id": existing}),
    )
    .await;
    assert_eq!(relationship_count(&app).await, 1, "nothing was written");
    assert_eq!(
        (sides_of(&app, &gsi).await, sides_of(&app, &abc).await),
        before
    );
    let record = node(
        &app,
        &existing,
        "... on AccountRelationship { order validTo }",
    )
    .await;
    assert_eq!(record, json!({"order": null, "validTo": null}));

    // Both allowed roles can do all three.
    for token in [manager(&app), app.admin()] {
        let created = try_relate(
            &app,
            Some(&token),
            json!({"typeId": kind, "fromId": gsi, "toId": xyz}),
        )
        .await;
        let id = id_of(&created.data()["createAccountRelationship"]["accountRelationship"]["id"]);
        app.ok(
            &token,
            UPDATE_RELATIONSHIP,
            json!({"i": {"id": id, "order": 1}}),
        )
        .await;
        app.ok(&token, DELETE_RELATIONSHIP, json!({"id": id})).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_counts_of_nested_relationship_lists_do_not_grow_with_accounts() {
    let limits = liaison::config::Limits {
        max_complexity: 10_000_000,
        ..liaison::config::Limits::default()
    };
    let app = TestApp::spawn_with(limits).await;
    let partner_type = partner_account_type(&app).await;
    let chain = create_type(&app, "Next", "ACCOUNT", "ACCOUNT", "Before", "After").await;
    let authorized = responsibility(&app, "Authorized Contact").await;
    let gsi = partner(&app, "GSITECH").await;
    let helper = contact(&app, &gsi, "HELPER", None).await;
    let mut accounts: Vec<String> = Vec::new();
    for i in 1..=50 {
        let id = customer(&app, &format!("ACCT{i:02}")).await;
        relate(&app, &partner_type, &gsi, &id).await;
        if let Some(previous) = accounts.last() {
            relate(&app, &chain, previous, &id).await;
        }
        link(&app, &id, &helper, &authorized).await;
        accounts.push(id);
    }
    let query = "query($n: Int!) { accounts(first: $n) { nodes { name relationships { nodes { label otherAccount { name ... on Account { relationships { nodes { label } } } ... on Partner { relationships { nodes { label } } } } } } contactRelationships { nodes { contact { name } } } } } }";
    app.warm_up(&manager(&app)).await;
    let mut counts = Vec::new();
    for n in [1, 20, 50] {
        let reply = app
            .gql(Some(&manager(&app)), query, json!({ "n": n }))
            .await;
        let data = reply.data();
        let rows = nodes(&data["accounts"]);
        assert_eq!(rows.len(), n as usize);
        for row in &rows {
            assert!(!nodes(&row["relationships"]).is_empty());
            assert_eq!(
                nodes(&row["contactRelationships"])[0]["contact"]["name"],
                "HELPER"
            );
        }
        // ACCT02 reads GSI Tech's link, its link from ACCT01 and its link to ACCT03.
        if n > 1 {
            let second: Vec<String> = nodes(&rows[1]["relationships"])
                .iter()
                .map(|s| {
                    format!(
                        "{}|{}",
                        s["label"].as_str().unwrap(),
                        s["otherAccount"]["name"].as_str().unwrap()
                    )
                })
                .collect();
            assert_eq!(
                second,
                vec!["Customer of|GSITECH", "After|ACCT01", "Before|ACCT03"]
            );
        }
        assert!(reply.statements > 0, "the statement header is present");
        counts.push(reply.statements);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 1 vs 20 accounts: {counts:?}"
    );
    assert_eq!(
        counts[1], counts[2],
        "statements for 20 vs 50 accounts: {counts:?}"
    );
}
