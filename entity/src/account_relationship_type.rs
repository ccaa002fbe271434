//! A kind of link between accounts, with its labels as seen from each side.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_relationship_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    /// `ACCOUNT` (customer flag) or `PARTNER` (partner flag).
    pub source_kind: String,
    pub target_kind: String,
    pub forward_label: String,
    pub reverse_label: String,
    pub active: bool,
    pub grants_partner_access: bool,
    /// `DERIVED` or `STAMPED`.
    pub partner_access_policy: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
