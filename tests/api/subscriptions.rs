//! Subscriptions over a real WebSocket (`graphql-transport-ws` at /graphql/ws): tokens refused as
//! over HTTP, case events filtered by the access engine per event, access gained and lost with
//! the reason, events across two servers on one PostgreSQL, and slow subscribers dropped.

use serde_json::json;

use crate::support::{
    CUSTOMER_ADMIN, PortalContact, Received, TestApp, WsClient, account_case, affiliate_type,
    comment, customer, link, postgres, relate, responsibility,
};
use liaison::config::SubscriptionLimits;

const CASE_EVENTS: &str =
    "subscription { caseEvents { kind at actor case { id shortDescription } } }";
const ACCESS_EVENTS: &str = "subscription { accessEvents { kind caseId reason recordKind case { shortDescription } explanation { allowed } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_tokens_are_refused_with_4403() {
    let app = TestApp::spawn().await;
    for payload in [
        json!({"Authorization": "Bearer not-a-token"}),
        json!({"token": "still.not.valid"}),
        json!({"Authorization": "Basic abc"}),
    ] {
        let mut client = WsClient::open(&app, payload.clone()).await;
        match client.receive().await {
            Received::Closed(code, reason) => {
                assert_eq!(code, 4403, "{payload}: {reason}");
                assert!(reason.starts_with("FORBIDDEN"), "{reason}");
            }
            other => panic!("{payload}: expected a close, got {other:?}"),
        }
    }
    // A valid token in either place is accepted.
    let token = app.admin();
    let mut client = WsClient::open(&app, json!({ "token": token })).await;
    client.acked().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_and_mutations_go_over_http() {
    let app = TestApp::spawn().await;
    let mut client = WsClient::connect(&app, &app.admin()).await;
    client.subscribe("1", "{ viewer { subject } }").await;
    match client.receive().await {
        Received::Next(payload) => {
            assert_eq!(payload["errors"][0]["extensions"]["code"], "BAD_REQUEST")
        }
        Received::Other(message) => {
            assert_eq!(
                message["payload"][0]["extensions"]["code"], "BAD_REQUEST",
                "{message}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_exactly_the_case_events_it_may_read() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let beta = customer(&app, "beta").await;
    let alice = PortalContact::new(&app, &acme, "alice", "alice", CUSTOMER_ADMIN).await;
    let mut client = WsClient::connect(&app, &alice.token).await;
    client.subscribe("c", CASE_EVENTS).await;
    app.await_subscriptions("alice", 1).await;

    let hidden = account_case(&app, &beta, "beta's printer").await;
    let mine = account_case(&app, &acme, "acme's printer").await;
    comment(&app, Some(&app.admin()), &hidden, "not for alice")
        .await
        .data();
    comment(&app, Some(&alice.token), &mine, "from alice")
        .await
        .data();

    let created = client.next().await;
    assert_eq!(
        created["data"]["caseEvents"]["kind"], "CREATED",
        "{created}"
    );
    assert_eq!(created["data"]["caseEvents"]["case"]["id"], mine.as_str());
    assert_eq!(created["data"]["caseEvents"]["actor"], "test.admin");
    let commented = client.next().await;
    assert_eq!(
        commented["data"]["caseEvents"]["kind"], "COMMENTED",
        "{commented}"
    );
    assert_eq!(commented["data"]["caseEvents"]["case"]["id"], mine.as_str());
    assert_eq!(commented["data"]["caseEvents"]["actor"], "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_ends_with_a_lost_event_and_the_case_events_stop() {
    let app = TestApp::spawn().await;
    let beta = customer(&app, "beta").await;
    let gamma = customer(&app, "gamma").await;
    relate(&app, &affiliate_type(&app).await, &beta, &gamma).await;
    let dana = PortalContact::new(&app, &beta, "dana", "dana", CUSTOMER_ADMIN).await;
    let gammas = account_case(&app, &gamma, "gamma's printer").await;
    let betas = account_case(&app, &beta, "beta's printer").await;
    let mut cases = WsClient::connect(&app, &dana.token).await;
    cases.subscribe("c", CASE_EVENTS).await;
    let mut access = WsClient::connect(&app, &dana.token).await;
    access.subscribe("a", ACCESS_EVENTS).await;
    app.await_subscriptions("dana", 2).await;

    let authorized = responsibility(&app, "Authorized Contact").await;
    let relationship = link(&app, &gamma, &dana.id, &authorized).await;
    let gained = access.next().await;
    let gained = &gained["data"]["accessEvents"];
    assert_eq!(gained["kind"], "GAINED", "{gained}");
    assert_eq!(gained["caseId"], gammas.as_str());
    assert_eq!(gained["recordKind"], "contact_relationship");
    assert_eq!(gained["case"]["shortDescription"], "gamma's printer");
    assert_eq!(gained["explanation"]["allowed"], true);
    assert!(
        gained["reason"]
            .as_str()
            .unwrap()
            .contains("ContactRelationship"),
        "{gained}"
    );

    comment(&app, Some(&app.admin()), &gammas, "while related")
        .await
        .data();
    let seen = cases.next().await;
    assert_eq!(
        seen["data"]["caseEvents"]["case"]["id"],
        gammas.as_str(),
        "{seen}"
    );

    let deleted = app
        .gql(
            Some(&crate::support::manager(&app)),
            "mutation($id: ID!) { deleteContactRelationship(id: $id) { deletedId } }",
            json!({"id": relationship}),
        )
        .await;
    deleted.data();
    let lost = access.next().await;
    let lost = &lost["data"]["accessEvents"];
    assert_eq!(lost["kind"], "LOST", "{lost}");
    assert_eq!(lost["caseId"], gammas.as_str());
    assert_eq!(lost["case"], serde_json::Value::Null);
    assert_eq!(lost["explanation"]["allowed"], false);

    // After the loss gamma's events are not delivered; beta's (its own account's) still are.
    comment(&app, Some(&app.admin()), &gammas, "after the loss")
        .await
        .data();
    comment(&app, Some(&app.admin()), &betas, "own account")
        .await
        .data();
    let next = cases.next().await;
    assert_eq!(
        next["data"]["caseEvents"]["case"]["id"],
        betas.as_str(),
        "{next}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_deliver_each_others_events() {
    if !postgres() {
        return;
    }
    let first = TestApp::spawn().await;
    let second = TestApp::spawn_sharing(&first).await;
    let acme = customer(&first, "acme").await;
    let mut on_first = WsClient::connect(&first, &first.admin()).await;
    on_first.subscribe("1", CASE_EVENTS).await;
    let mut on_second = WsClient::connect(&second, &second.admin()).await;
    on_second.subscribe("2", CASE_EVENTS).await;
    first.await_subscriptions("test.admin", 1).await;
    second.await_subscriptions("test.admin", 1).await;

    let through_first = account_case(&first, &acme, "through the first").await;
    let through_second = account_case(&second, &acme, "through the second").await;
    for client in [&mut on_first, &mut on_second] {
        let a = client.next().await;
        assert_eq!(
            a["data"]["caseEvents"]["case"]["id"],
            through_first.as_str(),
            "{a}"
        );
        let b = client.next().await;
        assert_eq!(
            b["data"]["caseEvents"]["case"]["id"],
            through_second.as_str(),
            "{b}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_per_principal_are_enforced() {
    let app = TestApp::spawn_with_subscriptions(SubscriptionLimits {
        ws_max_connections_per_principal: 1,
        ws_max_subscriptions_per_principal: 1,
        ..SubscriptionLimits::default()
    })
    .await;
    let mut first = WsClient::connect(&app, &app.admin()).await;
    let mut second = WsClient::open(&app, json!({"token": app.admin()})).await;
    match second.receive().await {
        Received::Closed(code, reason) => {
            assert_eq!(code, 4429);
            assert!(reason.starts_with("CONNECTION_LIMIT"), "{reason}");
        }
        other => panic!("expected a close, got {other:?}"),
    }
    first.subscribe("1", CASE_EVENTS).await;
    app.await_subscriptions("test.admin", 1).await;
    first.subscribe("2", CASE_EVENTS).await;
    let refused = first.next().await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "SUBSCRIPTION_LIMIT",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_does_not_read_is_dropped_and_others_are_served() {
    let app = TestApp::spawn_with_subscriptions(SubscriptionLimits {
        ws_buffer_messages: 4,
        ..SubscriptionLimits::default()
    })
    .await;
    let acme = customer(&app, "acme").await;
    let case = account_case(&app, &acme, "busy").await;
    let slow_token = app.token("slow", &[crate::support::ADMIN]);
    let mut slow = WsClient::open_slow(&app, json!({ "token": slow_token })).await;
    slow.acked().await;
    slow.subscribe(
        "s",
        "subscription { caseEvents { kind case { description comments(first: 50) { nodes { body } } } } }",
    )
    .await;
    let mut fast = WsClient::connect(&app, &app.token("fast", &[crate::support::ADMIN])).await;
    fast.subscribe("f", "subscription { caseEvents { kind } }")
        .await;
    app.await_subscriptions("slow", 1).await;
    app.await_subscriptions("fast", 1).await;

    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        loop {
            match fast.receive().await {
                Received::Next(payload) => {
                    if seen_tx.send(payload).is_err() {
                        return;
                    }
                }
                other => panic!("the fast subscriber got {other:?}"),
            }
        }
    });
    let body = "x".repeat(5_000);
    let mut sent = 0;
    while app.ws_connections("slow") > 0 {
        assert!(sent < 2_000, "the slow subscriber was never dropped");
        comment(&app, Some(&app.admin()), &case, &body).await.data();
        sent += 1;
        // The fast subscriber keeps up: every event reaches it.
        let event = seen.recv().await.expect("fast subscriber event");
        assert_eq!(event["data"]["caseEvents"]["kind"], "COMMENTED");
    }
    assert!(sent > 0);
    app.await_subscriptions("slow", 0).await;
    // The server keeps serving the other subscriber.
    comment(&app, Some(&app.admin()), &case, "after the drop")
        .await
        .data();
    let event = seen.recv().await.expect("fast subscriber event");
    assert_eq!(event["data"]["caseEvents"]["kind"], "COMMENTED");
    reader.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_reconnects_after_losing_its_connection() {
    if !postgres() {
        return;
    }
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let case = account_case(&app, &acme, "reconnect").await;
    let mut client = WsClient::connect(&app, &app.admin()).await;
    client.subscribe("1", CASE_EVENTS).await;
    app.await_subscriptions("test.admin", 1).await;
    comment(&app, Some(&app.admin()), &case, "before")
        .await
        .data();
    assert_eq!(
        client.next().await["data"]["caseEvents"]["kind"],
        "COMMENTED"
    );

    let killed: i64 = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .expect("terminate the listener")
        .expect("a row")
        .try_get("", "n")
        .expect("count");
    assert_eq!(killed, 1, "the server holds one LISTEN connection");
    // Events committed while the listener reconnects are missed (at most once); once it is
    // back, events flow again.
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(
            attempts < 200,
            "no event after the listener's connection was lost"
        );
        comment(&app, Some(&app.admin()), &case, "after")
            .await
            .data();
        if let Some(event) = client
            .next_within(std::time::Duration::from_millis(250))
            .await
        {
            assert_eq!(event["data"]["caseEvents"]["kind"], "COMMENTED");
            break;
        }
    }
}
