//! Read-only view: each account relationship once from its source and once from its target side.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_relationship_sides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub relationship_id: Uuid,
    pub type_id: Uuid,
    /// The account whose side this is.
    pub account_id: Uuid,
    pub other_account_id: Uuid,
    /// `FORWARD` on the source side, `REVERSE` on the target side.
    #[sea_orm(primary_key, auto_increment = false)]
    pub direction: String,
    pub sort_order: Option<i32>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
