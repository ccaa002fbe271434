//! Contact rules: a portal contact reaches its own cases (OWN_CASE), its account's (OWN_ACCOUNT),
//! those of accounts below its own (DESCENDANT_ACCOUNT) and of accounts it holds a contact
//! relationship on (CONTACT_RELATIONSHIP). Each rule's SQL and its explanation stand together.

use entity::{case, contact_relationship, responsibility_definition as definition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait,
    sea_query::{ExprTrait, Query},
};
use uuid::Uuid;

use super::definition::{
    Arm, Asking, Definition, Explaining, Path, Step, StepKind, account_name, account_step,
    case_col, linking, own_case_arms, own_case_path,
};
use crate::access::{
    error::AccessResult,
    hierarchy::{ancestor_chains, descendants_of},
    period::{Period, in_force},
    principal::Principal,
};

/// The contact a case opened by `principal` for `account` is filled in with: a portal contact
/// opening a case for its own account is the case's contact (and OWN_CASE then reaches it).
pub fn opening_contact(principal: &Principal, account: Option<Uuid>) -> Option<Uuid> {
    if principal.is_internal() {
        return None;
    }
    let (me, own) = principal.contact()?;
    (account == Some(own)).then_some(me)
}

/// OWN_CASE: a contact's own cases, those it is the contact of or opened (not partner_admin).
pub struct OwnCase;

impl Definition for OwnCase {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let (me, _) = ask.principal.contact()?;
        Some(own_case_arms(case::Column::ContactId, me))
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let me = ex.principal.contact().map(|(me, _)| me);
        let (party, kind) = (ex.case.contact_id, StepKind::CaseContact);
        Ok(own_case_path(me, party, kind, "contact", ex.case))
    }
}

/// OWN_ACCOUNT: customer_case_manager, customer_admin, partner, partner_admin read their own
/// account's cases.
pub struct OwnAccount;

impl Definition for OwnAccount {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let (_, own) = ask.principal.contact()?;
        Some(vec![Arm::on(case_col(case::Column::AccountId).eq(own))])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let Some((_, own)) = ex.principal.contact()
            && ex.case.account_id == Some(own)
        {
            let prefix = "case of own account ";
            steps.push(account_step(ex.db, StepKind::OwnAccount, own, prefix).await?);
        }
        Ok(Path::new(steps, "the case belongs to another account"))
    }
}

/// DESCENDANT_ACCOUNT: a customer_case_manager reads the cases of accounts below its own, at any
/// depth.
pub struct DescendantAccount;

impl Definition for DescendantAccount {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let (_, own) = ask.principal.contact()?;
        let below = case_col(case::Column::AccountId).in_subquery(descendants_of(own));
        Some(vec![Arm::on(below)])
    }

    /// The path is the chain of accounts from the case's account up to the principal's.
    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let (Some((_, own)), Some(case_account)) = (ex.principal.contact(), ex.case.account_id) {
            let chain = ancestor_chains(ex.db, &[case_account])
                .await?
                .remove(&case_account)
                .unwrap_or_default();
            if let Some(pos) = chain.iter().position(|a| *a == own) {
                let path = std::iter::once(case_account).chain(chain[..=pos].iter().copied());
                for id in path {
                    steps.push(account_step(ex.db, StepKind::Hierarchy, id, "account ").await?);
                }
            }
        }
        let reason = "the case's account is not below the principal's account";
        Ok(Path::new(steps, reason))
    }
}

/// CONTACT_RELATIONSHIP: customer, customer_admin read the cases of accounts they hold a contact
/// relationship on (in force).
pub struct ContactRelationship;

impl Definition for ContactRelationship {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let (me, _) = ask.principal.contact()?;
        let held = Query::select()
            .column(contact_relationship::Column::AccountId)
            .from(contact_relationship::Entity)
            .and_where(contact_relationship::Column::ContactId.eq(me))
            .cond_where(in_force(
                contact_relationship::Column::ValidFrom,
                contact_relationship::Column::ValidTo,
                ask.today,
            ))
            .to_owned();
        Some(vec![Arm::on(
            case_col(case::Column::AccountId).in_subquery(held),
        )])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let (Some((me, _)), Some(case_account)) = (ex.principal.contact(), ex.case.account_id) {
            let holder = (contact_relationship::Column::ContactId, me);
            let on = (contact_relationship::Column::AccountId, case_account);
            for row in linking::<contact_relationship::Entity>(ex.db, holder, on).await? {
                let duty = definition::Entity::find_by_id(row.responsibility_id)
                    .one(ex.db)
                    .await?
                    .map(|d| d.name)
                    .unwrap_or_default();
                let label = format!("{duty} for {}", account_name(ex.db, case_account).await?);
                let period = Period::new(row.valid_from, row.valid_to);
                steps.push(Step::dated(
                    StepKind::ContactRelationship,
                    row.id,
                    label,
                    period,
                ));
            }
        }
        let reason = "no contact relationship on the case's account in force";
        Ok(Path::new(steps, reason))
    }
}
