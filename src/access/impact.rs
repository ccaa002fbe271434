//! What a change does to access: the cases each affected principal gains or loses, measured
//! inside the mutation's transaction before and after the change, with the access engine itself.

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::{case, contact, household_membership as membership};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    check::Action,
    error::AccessResult,
    list::list_scope,
    principal::{Identity, Principal},
    stored_roles::stored_principal,
};

/// How many cases one principal can read more, or no longer, after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessChange {
    pub identity: Identity,
    pub subject: Option<String>,
    pub gained: u64,
    pub lost: u64,
}

/// The readable case sets of the principals a change may affect, taken before the change.
pub struct Impact {
    principals: Vec<Principal>,
    before: Vec<HashSet<Uuid>>,
}

/// The ids of the cases `principal` can read on `today`.
async fn readable(
    txn: &impl ConnectionTrait,
    principal: &Principal,
    today: NaiveDate,
) -> AccessResult<HashSet<Uuid>> {
    let scope = list_scope(principal, Action::Read, today, txn.get_database_backend());
    let ids: Vec<Uuid> = scope
        .apply(case::Entity::find())
        .select_only()
        .column(case::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    Ok(ids.into_iter().collect())
}

impl Impact {
    /// Takes the "before" picture for the stored principals `identities` (duplicates ignored).
    pub async fn before(
        txn: &impl ConnectionTrait,
        today: NaiveDate,
        identities: Vec<Identity>,
    ) -> AccessResult<Self> {
        let mut seen = HashSet::new();
        let mut principals = Vec::new();
        let mut before = Vec::new();
        for identity in identities {
            let key = match identity {
                Identity::Contact { id, .. }
                | Identity::Consumer { id }
                | Identity::InternalUser { id } => id,
                Identity::Anonymous | Identity::Unregistered => continue,
            };
            if !seen.insert(key) {
                continue;
            }
            let principal = stored_principal(txn, identity).await?;
            before.push(readable(txn, &principal, today).await?);
            principals.push(principal);
        }
        Ok(Self { principals, before })
    }

    /// Compares with the state after the change: one entry per principal whose access changed.
    pub async fn after(
        self,
        txn: &impl ConnectionTrait,
        today: NaiveDate,
    ) -> AccessResult<Vec<AccessChange>> {
        let mut changes = Vec::new();
        for (principal, before) in self.principals.into_iter().zip(self.before) {
            let after = readable(txn, &principal, today).await?;
            let gained = after.difference(&before).count() as u64;
            let lost = before.difference(&after).count() as u64;
            if gained + lost > 0 {
                changes.push(AccessChange {
                    identity: principal.identity,
                    subject: principal.subject,
                    gained,
                    lost,
                });
            }
        }
        Ok(changes)
    }
}

/// The contacts of `accounts`, as principals a change to those accounts may affect.
pub async fn contacts_of(
    txn: &impl ConnectionTrait,
    accounts: &[Uuid],
) -> AccessResult<Vec<Identity>> {
    let rows = contact::Entity::find()
        .filter(contact::Column::AccountId.is_in(accounts.iter().copied()))
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| Identity::Contact {
            id: c.id,
            account_id: c.account_id,
        })
        .collect())
}

/// The consumers with any membership of `household`, as principals a change there may affect.
pub async fn members_of(
    txn: &impl ConnectionTrait,
    household: Uuid,
) -> AccessResult<Vec<Identity>> {
    let ids: Vec<Uuid> = membership::Entity::find()
        .select_only()
        .column(membership::Column::ConsumerId)
        .filter(membership::Column::HouseholdId.eq(household))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(ids
        .into_iter()
        .map(|id| Identity::Consumer { id })
        .collect())
}

/// A contact as an identity.
pub async fn contact_identity(txn: &impl ConnectionTrait, id: Uuid) -> AccessResult<Vec<Identity>> {
    Ok(contact::Entity::find_by_id(id)
        .one(txn)
        .await?
        .map(|c| Identity::Contact {
            id: c.id,
            account_id: c.account_id,
        })
        .into_iter()
        .collect())
}
