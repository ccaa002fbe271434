//! Append-only record of every change: who did what to which row, and when.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor: Option<String>,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    /// Commit-ordered position of the entry's transaction; set as the transaction's last write.
    pub feed_position: Option<i64>,
    /// The record's fields before the change (JSON), when it existed.
    #[sea_orm(column_type = "Text", nullable)]
    pub before_state: Option<String>,
    /// The record's fields after the change (JSON), when it still exists.
    #[sea_orm(column_type = "Text", nullable)]
    pub after_state: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
