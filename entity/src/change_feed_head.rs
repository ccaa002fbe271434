//! The change feed's head: one row whose counter each committing writer advances last, so feed
//! positions follow commit order.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_feed_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub position: i64,
}

impl ActiveModelBehavior for ActiveModel {}
