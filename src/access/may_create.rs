//! May this principal open a case for this account or consumer? The read rules evaluated on the
//! case that would be created.

use chrono::NaiveDate;
use entity::{account, case};
use sea_orm::{
    ConnectionTrait, EntityTrait, Value,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use super::{
    check::{Action, scope},
    error::AccessResult,
    principal::Principal,
    rules::{
        contact::opening_contact,
        partner::{PartnerStamp, stamp},
    },
    visibility::Scope,
};

/// What opening a case would do: whether it is allowed, and the contact and partner fields the
/// case is filled in with. `accessCheck(CREATE_FOR)` and `createCase` both ask this one decision,
/// so they cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    pub allowed: bool,
    /// The portal contact opening a case for its own account, as the case's contact.
    pub contact_id: Option<Uuid>,
    /// The partner fields, when a partner contact of a partner account opens the case.
    pub stamp: Option<PartnerStamp>,
}

/// Decides opening a case for `target` (its account or consumer, household, and the partner a
/// staff member gave): fills in the opener's contact and partner stamp, then evaluates the read
/// rules on the case as it would be stored.
pub async fn opening(
    db: &impl ConnectionTrait,
    principal: &Principal,
    target: Prospect,
    today: NaiveDate,
) -> AccessResult<Opening> {
    let contact_id = opening_contact(principal, target.account_id);
    let own_is_partner = match principal.contact() {
        Some((_, own)) => account::Entity::find_by_id(own)
            .one(db)
            .await?
            .is_some_and(|a| a.is_partner),
        None => false,
    };
    let stamp = stamp(principal, target.account_id, own_is_partner);
    let prospect = Prospect {
        partner_id: stamp.map(|s| s.partner_id).or(target.partner_id),
        ..target
    };
    Ok(Opening {
        allowed: may_create(db, principal, prospect, today).await?,
        contact_id,
        stamp,
    })
}

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
