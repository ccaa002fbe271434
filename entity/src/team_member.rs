//! An internal user on the team of an account, a consumer or a household, with a responsibility.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `ACCOUNT`, `CONSUMER` or `HOUSEHOLD`: which of the three target columns is set.
    pub target_kind: String,
    pub account_id: Option<Uuid>,
    pub consumer_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub responsibility_id: Uuid,
    pub sort_order: Option<i32>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
