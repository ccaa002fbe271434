//! One link between two accounts, stored once and read from both sides.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_relationships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub type_id: Uuid,
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub sort_order: Option<i32>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
