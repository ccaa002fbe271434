//! Reading the audit log straight from the test database: every write appends an entry inside its
//! own transaction, so the log proves what was written and by whom.

use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::{ids::uuid_of, server::TestApp};

impl TestApp {
    /// How many audit entries the database holds.
    pub async fn audit_count(&self) -> u64 {
        audit_log::Entity::find()
            .count(&self.db)
            .await
            .expect("count audit entries")
    }
}

/// Audit entries in the order they were written.
pub async fn audit_log(app: &TestApp) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("read the audit log")
}

/// The audit entries written since `before` entries existed.
pub async fn audit_log_since(app: &TestApp, before: usize) -> Vec<audit_log::Model> {
    audit_log(app).await.split_off(before)
}

/// Asserts an entry for `action` on the `kind` row `id` by `actor` is among `entries`.
pub fn assert_logged_by(
    entries: &[audit_log::Model],
    action: &str,
    kind: &str,
    id: uuid::Uuid,
    actor: &str,
) {
    assert!(
        entries.iter().any(|e| e.action == action
            && e.entity_kind == kind
            && e.entity_id == id
            && e.actor.as_deref() == Some(actor)),
        "no audit entry {action} {kind} {id} by {actor} in {entries:#?}"
    );
}

/// How many audit entries record `action` on the `kind` row with global ID `id`.
pub async fn audit_entries(app: &TestApp, action: &str, kind: &str, id: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::EntityKind.eq(kind))
        .filter(audit_log::Column::EntityId.eq(uuid_of(id)))
        .count(&app.db)
        .await
        .expect("audit rows")
}

/// Fails unless every global ID in `ids` has exactly one audit entry with `action` on `kind`.
pub async fn assert_audited<S: AsRef<str>>(app: &TestApp, action: &str, kind: &str, ids: &[S]) {
    assert!(!ids.is_empty(), "nothing to check");
    for id in ids {
        let id = id.as_ref();
        assert_eq!(
            audit_entries(app, action, kind, id).await,
            1,
            "expected one `{action}` audit entry for {kind} {id}"
        );
    }
}
