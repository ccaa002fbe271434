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
}

impl ActiveModelBehavior for ActiveModel {}
