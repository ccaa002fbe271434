//! The durable change feed: every committed transaction's audit entries in commit order.
//!
//! The last write of every mutation transaction advances the one-row `change_feed_head` and
//! stamps the new position on the transaction's audit entries. The head's row lock is held until
//! commit, so the tails of committing writers run one after another: a transaction can only draw
//! position p + 1 once the holder of p has committed (or rolled back and given p back). Position
//! order is therefore commit order, and a reader that has seen position p never later finds a
//! committed entry below p. On SQLite writers are serialized by `BEGIN IMMEDIATE` anyway.

use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{Ctx, DomainError, DomainResult};
use crate::access::{self, Permission};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

/// The feed's one ordering: by position, then by entry id within a transaction.
pub const FEED_SORT: Sort<audit_log::Column> = Sort {
    name: "FEED",
    column: Some(audit_log::Column::FeedPosition),
    descending: false,
};

/// Draws the next feed position and stamps it on this transaction's audit entries (those not yet
/// stamped: every committed entry carries its position, other writers' entries are invisible).
pub async fn stamp(txn: &DatabaseTransaction) -> DomainResult<i64> {
    let head = Query::update()
        .table("change_feed_head")
        .value("position", Expr::col("position").add(1))
        .and_where(Expr::col("id").eq(1))
        .returning_col("position")
        .to_owned();
    let row = txn
        .query_one(&head)
        .await?
        .ok_or_else(|| DomainError::Internal("change feed head missing".into()))?;
    let position: i64 = row.try_get("", "position")?;
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::FeedPosition, Expr::value(position))
        .filter(audit_log::Column::FeedPosition.is_null())
        .exec(txn)
        .await?;
    Ok(position)
}

/// One page of the feed after the client's stored cursor (admins only: integrations read the
/// feed with an admin service principal).
pub async fn changes(
    ctx: &Ctx,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<audit_log::Model>> {
    access::require(&ctx.principal, Permission::Administer)?;
    if args.backward || args.before.is_some() {
        return Err(DomainError::invalid(
            "before",
            "the change feed is read forward only, with `first` and `after`",
        ));
    }
    let select = audit_log::Entity::find().filter(audit_log::Column::FeedPosition.is_not_null());
    Ok(page::fetch_page(&ctx.db, select, &FEED_SORT, args, wants).await?)
}
