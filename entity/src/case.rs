//! A customer-service case: B2B with an account, B2C with a consumer.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub number: String,
    pub short_description: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// NEW, IN_PROGRESS, AWAITING_INFO, RESOLVED, CLOSED or CANCELED.
    pub state: String,
    /// 1 (critical) to 4 (low).
    pub priority: i32,
    pub account_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub consumer_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub partner_contact_id: Option<Uuid>,
    /// INTERNAL_USER, CONTACT or CONSUMER; absent for system-created cases.
    pub opened_by_kind: Option<String>,
    pub opened_by_id: Option<Uuid>,
    pub opened_by_subject: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
