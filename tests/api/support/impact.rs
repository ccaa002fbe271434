//! Checking an access-impact report against the API itself: the principals' case lists before and
//! after the change, the dry run against the real run, and a dry run against the database (every
//! table's rows, the audit log included, must be unchanged).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{DbBackend, FromQueryResult, JsonValue, Statement};
use serde_json::Value;

use super::{access::visible_cases, server::TestApp};

/// A principal whose case list a change may alter: its global ID, its subject, and the tokens it
/// signs in with before and after the change (they differ when the change is to its roles).
pub struct Watched {
    pub id: String,
    pub subject: String,
    pub before: String,
    pub after: String,
}

impl Watched {
    /// A principal signing in with the same token before and after.
    pub fn new(id: &str, subject: &str, token: &str) -> Self {
        Self {
            id: id.to_owned(),
            subject: subject.to_owned(),
            before: token.to_owned(),
            after: token.to_owned(),
        }
    }

    /// The same principal signing in with `token` after the change.
    pub fn then(mut self, token: &str) -> Self {
        self.after = token.to_owned();
        self
    }
}

/// Selection of an `accessChanges` list.
pub const ACCESS_CHANGES: &str = "accessChanges { principal { id } subject gained lost }";

/// An `accessChanges` list as subject -> (principal ID or null, gained, lost), failing on repeats.
pub fn access_changes(payload: &Value) -> BTreeMap<String, (Value, u64, u64)> {
    let mut out = BTreeMap::new();
    for change in payload["accessChanges"].as_array().expect("accessChanges") {
        let subject = change["subject"].as_str().expect("subject").to_owned();
        let entry = (
            change["principal"]["id"].clone(),
            change["gained"].as_u64().expect("gained"),
            change["lost"].as_u64().expect("lost"),
        );
        assert!(
            out.insert(subject, entry).is_none(),
            "a principal is listed twice: {payload}"
        );
    }
    out
}

/// Every row of every table, as JSON text per table, to prove a dry run wrote nothing.
pub async fn database_rows(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let backend = app.db.get_database_backend();
    let tables_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        _ => {
            "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        }
    };
    let tables = JsonValue::find_by_statement(Statement::from_string(backend, tables_sql))
        .all(&app.db)
        .await
        .expect("list tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let name = table["t"].as_str().expect("table name").to_owned();
        let sql = match backend {
            DbBackend::Sqlite => format!("SELECT * FROM \"{name}\""),
            _ => format!("SELECT row_to_json(x)::text AS r FROM \"{name}\" x"),
        };
        let rows = JsonValue::find_by_statement(Statement::from_string(backend, sql))
            .all(&app.db)
            .await
            .unwrap_or_else(|e| panic!("read {name}: {e}"));
        let mut rows: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        rows.sort();
        out.insert(name, rows);
    }
    out
}

/// Runs `change` as a dry run and then for real, and asserts: the dry run wrote nothing (every
/// table unchanged, audit log included) and left every case list as it was; both runs report the
/// same `accessChanges` (a principal the change deletes resolves only on the dry run); each watched principal's report equals the difference of its case lists
/// (through the API) before and after; every reported principal is watched; and at least one
/// watched principal's access changed. Returns the dry run's and the real run's payloads.
pub async fn assert_exact_impact(
    app: &TestApp,
    watched: &[Watched],
    change: impl AsyncFn(bool) -> Value,
) -> (Value, Value) {
    let (dry, real) = assert_impact_matches(app, watched, change).await;
    assert!(
        !access_changes(&real).is_empty(),
        "the change altered nobody's access"
    );
    (dry, real)
}

/// `assert_exact_impact` without requiring that anybody's access changed: for changes whose
/// effect depends on rules the engine may not enforce yet, the report must still match the lists.
pub async fn assert_impact_matches(
    app: &TestApp,
    watched: &[Watched],
    change: impl AsyncFn(bool) -> Value,
) -> (Value, Value) {
    let mut before = Vec::new();
    for w in watched {
        before.push(visible_cases(app, &w.before).await);
    }
    let rows = database_rows(app).await;
    let dry = change(true).await;
    assert_eq!(dry["dryRun"], true, "{dry}");
    assert_eq!(
        database_rows(app).await,
        rows,
        "the dry run wrote something"
    );
    for (w, seen) in watched.iter().zip(&before) {
        assert_eq!(&visible_cases(app, &w.before).await, seen, "{}", w.subject);
    }
    let real = change(false).await;
    assert_eq!(real["dryRun"], false, "{real}");
    let counts = |changes: &BTreeMap<String, (Value, u64, u64)>| -> BTreeMap<String, (u64, u64)> {
        changes
            .iter()
            .map(|(subject, (_, gained, lost))| (subject.clone(), (*gained, *lost)))
            .collect()
    };
    let reported = access_changes(&real);
    let reported_counts = counts(&reported);
    assert_eq!(
        counts(&access_changes(&dry)),
        reported_counts,
        "the dry run predicted another change"
    );
    let mut expected = BTreeMap::new();
    for (w, seen) in watched.iter().zip(before) {
        let now: BTreeSet<String> = visible_cases(app, &w.after).await;
        let gained = now.difference(&seen).count() as u64;
        let lost = seen.difference(&now).count() as u64;
        if gained + lost > 0 {
            expected.insert(w.subject.clone(), (gained, lost));
        }
    }
    assert_eq!(
        reported_counts, expected,
        "the report differs from the case lists"
    );
    for (subject, (principal, _, _)) in &reported {
        let w = watched
            .iter()
            .find(|w| &w.subject == subject)
            .expect("reported principal is watched");
        assert!(
            principal.is_null() || principal == &Value::String(w.id.clone()),
            "{subject} reported as {principal}, expected {}",
            w.id
        );
    }
    (dry, real)
}
