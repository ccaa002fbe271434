//! Which stored person a token's subject names is looked up once and then kept, so a request
//! does not spend a statement on it, but every committed change (on this server or, on
//! PostgreSQL, on another one sharing the database) makes the next request look it up again.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{ADMIN_SUBJECT, CUSTOMER, TestApp, admin_ok, contact, customer, postgres};

const WHO_AM_I: &str = "{ viewer { subject node { id } } }";

/// The stored person `token` acts as (null when none) and what the request cost.
async fn who(app: &TestApp, token: &str) -> (Value, u64) {
    let reply = app.gql(Some(token), WHO_AM_I, json!({})).await;
    assert_eq!(reply.data()["viewer"]["subject"], "peter");
    (
        reply.data()["viewer"]["node"]["id"].clone(),
        reply.statements,
    )
}

async fn set_subject(app: &TestApp, contact: &str, subject: &str) {
    admin_ok(
        app,
        "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }",
        json!({"i": {"id": contact, "subject": subject}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subject_is_looked_up_once_and_again_after_any_change() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "acme").await;
    let peter = app.token("peter", &[CUSTOMER]);

    let (nobody, looked_up) = who(&app, &peter).await;
    assert!(nobody.is_null(), "no contact signs in as peter yet");
    let (still_nobody, kept) = who(&app, &peter).await;
    assert!(still_nobody.is_null());
    assert_eq!(kept, looked_up - 1, "the second request skips the lookup");

    // The change is seen by the very next request, not after some delay.
    let id = contact(&app, &acme, "Peter", Some("peter")).await;
    let (found, cost) = who(&app, &peter).await;
    assert_eq!(found, id.as_str(), "the new contact is peter");
    let (_, cost_kept) = who(&app, &peter).await;
    assert_eq!(cost_kept, cost - 1);

    set_subject(&app, &id, "peter.parker").await;
    let (gone, _) = who(&app, &peter).await;
    assert!(gone.is_null(), "peter no longer names the contact");

    // Any committed change empties the cache, not only changes to people.
    set_subject(&app, &id, "peter").await;
    let (_, first) = who(&app, &peter).await;
    let (_, second) = who(&app, &peter).await;
    assert_eq!(second, first - 1);
    customer(&app, "globex").await;
    let (back, after_change) = who(&app, &peter).await;
    assert_eq!(back, id.as_str());
    assert_eq!(
        after_change, first,
        "looked up again after an unrelated change"
    );
    let admin = app.admin();
    let reply = app.gql(Some(&admin), WHO_AM_I, json!({})).await;
    assert_eq!(reply.data()["viewer"]["subject"], ADMIN_SUBJECT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_another_server_reaches_this_servers_lookups() {
    if !postgres() {
        // SQLite is one process per database file; its bus does not reach other processes.
        return;
    }
    let first = TestApp::spawn().await;
    let second = TestApp::spawn_sharing(&first).await;
    let acme = customer(&first, "acme").await;
    let id = contact(&first, &acme, "Peter", Some("peter")).await;
    let peter = second.token("peter", &[CUSTOMER]);

    // The second server's bus may take a moment to hear the first's commits after it starts.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut costs = Vec::new();
    loop {
        let (found, cost) = who(&second, &peter).await;
        assert_eq!(found, id.as_str());
        costs.push(cost);
        if costs.len() >= 2 && costs[costs.len() - 1] < costs[costs.len() - 2] {
            break;
        }
        assert!(Instant::now() < deadline, "never kept: {costs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    set_subject(&first, &id, "peter.parker").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (found, _) = who(&second, &peter).await;
        if found.is_null() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second server still maps peter to the contact"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
