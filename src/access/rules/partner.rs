//! Partner rules: a partner's contact reaches the cases it works (PARTNER_CONTACT) and the cases of
//! the customers its account is partner of (PARTNER_RELATIONSHIP); and partner stamping, the one
//! place a case opened by a partner contact is marked as the partner's. Each rule's SQL and its
//! explanation stand together.

use entity::{account_relationship as relationship, account_relationship_type as rel_type, case};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::definition::{
    Arm, Asking, Definition, Explaining, Path, Step, StepKind, account_name, case_col, linking,
};
use crate::access::{
    error::AccessResult,
    period::Period,
    principal::{Principal, Role},
};

/// The roles whose contacts work customers' cases for their partner account: PARTNER_RELATIONSHIP
/// counts for them, and they are stamped.
pub(super) const PARTNER_ROLES: &[Role] = &[Role::Partner, Role::PartnerAdmin];

/// The partner fields a case is stamped with when a partner contact opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartnerStamp {
    /// The partner contact's own account.
    pub partner_id: Uuid,
    /// The partner contact itself.
    pub partner_contact_id: Uuid,
}

/// Partner stamping: a portal partner contact opening a case for an account other than its own
/// (or for a consumer) is stamped as the case's partner contact, its account as the partner, but
/// only when its account really is a partner account (`own_is_partner`; a partner-role contact of
/// a customer-only account reaching a customer through a customer-to-customer type is not). Staff
/// are never stamped; they set the partner fields themselves. Creating a case and asking whether
/// one may be created (`accessCheck(CREATE_FOR)`) both stamp here, through `may_create::opening`.
pub fn stamp(
    principal: &Principal,
    account: Option<Uuid>,
    own_is_partner: bool,
) -> Option<PartnerStamp> {
    if principal.is_internal() || !principal.has_any(PARTNER_ROLES) || !own_is_partner {
        return None;
    }
    let (me, own) = principal.contact()?;
    (account != Some(own)).then_some(PartnerStamp {
        partner_id: own,
        partner_contact_id: me,
    })
}

/// PARTNER_CONTACT: a partner reads the cases whose partner contact it is.
pub struct PartnerContact;

impl Definition for PartnerContact {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let (me, _) = ask.principal.contact()?;
        Some(vec![Arm::on(
            case_col(case::Column::PartnerContactId).eq(me),
        )])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let Some((me, _)) = ex.principal.contact()
            && ex.case.partner_contact_id == Some(me)
        {
            let label = format!("partner contact of case {}", ex.case.number);
            steps.push(Step::plain(
                StepKind::PartnerContact,
                Some(ex.case.id),
                label,
            ));
        }
        Ok(Path::new(steps, "not the case's partner contact"))
    }
}

/// PARTNER_RELATIONSHIP: partner, partner_admin read the cases of accounts their account is the
/// source of a partner-granting relationship to (in force, of an active type): all of them under the
/// DERIVED policy,
/// those stamped with their account as partner under STAMPED.
pub struct PartnerRelationship;

/// Cases of the accounts `own` reaches by a partner-granting relationship of an active type in force
/// on `today`,
/// narrowed by `policy` (SQL appended to the relationship's conditions).
fn partner_customers(ask: &Asking, own: Uuid, policy: &str) -> Expr {
    let sql = format!(
        r#""cases"."account_id" IN (SELECT r.to_id FROM account_relationships r
             JOIN account_relationship_types t ON t.id = r.type_id
             WHERE r.from_id = ? AND t.grants_partner_access = ? AND t.active = ?
               AND (r.valid_from IS NULL OR r.valid_from <= ?) AND (r.valid_to IS NULL OR r.valid_to >= ?){policy})"#
    );
    let values = vec![
        Value::from(own),
        true.into(),
        true.into(),
        ask.today.into(),
        ask.today.into(),
    ];
    crate::sql::custom(ask.backend, &sql, values)
}

impl Definition for PartnerRelationship {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let (_, own) = ask.principal.contact()?;
        let derived = " AND t.partner_access_policy = 'DERIVED'";
        Some(vec![
            Arm::on(partner_customers(ask, own, derived)),
            Arm::on(case_col(case::Column::PartnerId).eq(own)).and(partner_customers(ask, own, "")),
        ])
    }

    /// The path is every partner-granting relationship from the principal's account to the case's;
    /// the reason names the last relationship that did not qualify.
    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        let mut reason = "no partner-granting relationship from the principal's account to the case's account in force".to_owned();
        if let (Some((_, own)), Some(case_account)) = (ex.principal.contact(), ex.case.account_id) {
            let from = (relationship::Column::FromId, own);
            let to = (relationship::Column::ToId, case_account);
            let rows = linking::<relationship::Entity>(ex.db, from, to).await?;
            let kinds = rel_type::Entity::find()
                .filter(rel_type::Column::Id.is_in(rows.iter().map(|r| r.type_id)))
                .all(ex.db)
                .await?;
            for row in rows {
                let Some(kind) = kinds.iter().find(|k| k.id == row.type_id) else {
                    continue;
                };
                if !kind.active {
                    reason = format!(
                        "the relationship type {} is inactive, so its relationships grant nothing",
                        kind.name
                    );
                    continue;
                }
                if !kind.grants_partner_access {
                    reason = format!(
                        "the relationship type {} does not grant partner case access",
                        kind.name
                    );
                    continue;
                }
                if kind.partner_access_policy == "STAMPED" && ex.case.partner_id != Some(own) {
                    reason = format!(
                        "{} uses the STAMPED policy and the case's partner is not the principal's account",
                        kind.name
                    );
                    continue;
                }
                let label = format!(
                    "{} {} ({}, {})",
                    kind.forward_label,
                    account_name(ex.db, case_account).await?,
                    kind.name,
                    kind.partner_access_policy
                );
                let period = Period::new(row.valid_from, row.valid_to);
                steps.push(Step::dated(
                    StepKind::AccountRelationship,
                    row.id,
                    label,
                    period,
                ));
            }
        }
        Ok(Path::new(steps, reason))
    }
}
