//! Read-only view: each consumer relationship once from each consumer's side.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consumer_relationship_sides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub relationship_id: Uuid,
    /// The consumer whose side this is.
    pub consumer_id: Uuid,
    pub other_consumer_id: Uuid,
    /// `FORWARD` on the representative's side, `REVERSE` on the represented consumer's side.
    #[sea_orm(primary_key, auto_increment = false)]
    pub direction: String,
    pub household_id: Option<Uuid>,
    pub responsibility_id: Uuid,
    pub sort_order: Option<i32>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
