//! May this principal open a case for this account or consumer? The read rules evaluated on the
//! case that would be created.

use chrono::NaiveDate;
use entity::case;
use sea_orm::{
    ConnectionTrait, Value,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use super::{
    check::{Action, scope},
    error::AccessResult,
    principal::Principal,
    visibility::Scope,
};

/// A case that does not exist yet, for deciding whether a principal may open it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prospect {
    pub account_id: Option<Uuid>,
    pub consumer_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

/// Whether `principal` may open a case for the prospect's account or consumer: the read rules
/// evaluated on the prospective row (with no contact and no opener, so "own case" cannot vouch
/// for itself), plus any contact creating for its own account.
pub async fn may_create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    prospect: Prospect,
    today: NaiveDate,
) -> AccessResult<bool> {
    if let (Some((_, own)), Some(account)) = (principal.contact(), prospect.account_id)
        && own == account
    {
        return Ok(true);
    }
    let uuid = |v: Option<Uuid>| Expr::val(Value::Uuid(v));
    let row = Query::select()
        .expr_as(uuid(None), "id")
        .expr_as(uuid(prospect.account_id), "account_id")
        .expr_as(uuid(prospect.consumer_id), "consumer_id")
        .expr_as(uuid(prospect.household_id), "household_id")
        .expr_as(uuid(prospect.partner_id), "partner_id")
        .expr_as(uuid(None), "contact_id")
        .expr_as(uuid(None), "partner_contact_id")
        .expr_as(uuid(None), "opened_by_id")
        .to_owned();
    let mut probe = Query::select();
    probe.expr(Expr::cust("1")).from_subquery(row, case::Entity);
    match scope(principal, Action::Read, today, db.get_database_backend()) {
        Scope::All => return Ok(true),
        Scope::Nothing => return Ok(false),
        Scope::Only(condition) => {
            probe.cond_where(condition);
        }
    }
    Ok(db.query_one(&probe).await?.is_some())
}
