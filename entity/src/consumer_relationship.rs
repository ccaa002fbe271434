//! A consumer acting for another consumer; within a household when `household_id` is set.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consumer_relationships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The consumer who carries the responsibility (the representative).
    pub consumer_id: Uuid,
    /// The consumer it is carried for (the represented).
    pub related_consumer_id: Uuid,
    /// Set for a household member relationship: both consumers must be current members.
    pub household_id: Option<Uuid>,
    pub responsibility_id: Uuid,
    pub sort_order: Option<i32>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
