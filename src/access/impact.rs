//! What a change does to access: the cases each affected principal gains or loses, measured
//! inside the mutation's transaction before and after the change, with the access engine itself.

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::{
    account_relationship, case, consumer_relationship, contact, contact_relationship,
    household_membership as membership, team_member,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    check::Action,
    error::{AccessError, AccessResult},
    hierarchy::ancestor_chains,
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

/// The principal a stored person acts as now, read afresh (its account and stored roles may have
/// changed); `None` once the person is gone.
async fn current_principal(
    txn: &impl ConnectionTrait,
    identity: Identity,
) -> AccessResult<Option<Principal>> {
    let identity = match identity {
        Identity::Contact { id, .. } => match contact::Entity::find_by_id(id).one(txn).await? {
            Some(c) => Identity::Contact {
                id,
                account_id: c.account_id,
            },
            None => return Ok(None),
        },
        other => other,
    };
    match stored_principal(txn, identity).await {
        Ok(principal) => Ok(Some(principal)),
        Err(AccessError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err),
    }
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
            let Some(principal) = current_principal(txn, identity).await? else {
                continue;
            };
            before.push(readable(txn, &principal, today).await?);
            principals.push(principal);
        }
        Ok(Self { principals, before })
    }

    /// Compares with the state after the change: one entry per principal whose access changed. Each
    /// principal is read again (its account or stored roles may be what changed); one that no
    /// longer exists reads nothing.
    pub async fn after(
        self,
        txn: &impl ConnectionTrait,
        today: NaiveDate,
    ) -> AccessResult<Vec<AccessChange>> {
        let mut changes = Vec::new();
        for (principal, before) in self.principals.into_iter().zip(self.before) {
            let after = match current_principal(txn, principal.identity).await? {
                Some(now) => readable(txn, &now, today).await?,
                None => HashSet::new(),
            };
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

/// The consumers `condition` selects in the consumer relationships (both ends), as principals.
async fn consumer_relationship_ends(
    txn: &impl ConnectionTrait,
    condition: Condition,
) -> AccessResult<Vec<Identity>> {
    let pairs: Vec<(Uuid, Uuid)> = consumer_relationship::Entity::find()
        .select_only()
        .column(consumer_relationship::Column::ConsumerId)
        .column(consumer_relationship::Column::RelatedConsumerId)
        .filter(condition)
        .into_tuple()
        .all(txn)
        .await?;
    Ok(pairs
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .map(|id| Identity::Consumer { id })
        .collect())
}

/// The internal users on teams `condition` selects, as principals.
async fn team_users(
    txn: &impl ConnectionTrait,
    condition: Condition,
) -> AccessResult<Vec<Identity>> {
    let ids: Vec<Uuid> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::UserId)
        .filter(condition)
        .into_tuple()
        .all(txn)
        .await?;
    Ok(ids
        .into_iter()
        .map(|id| Identity::InternalUser { id })
        .collect())
}

/// Everyone a relationship type's records can grant to: the contacts of both ends of each record.
pub async fn of_relationship_type(
    txn: &impl ConnectionTrait,
    type_id: Uuid,
) -> AccessResult<Vec<Identity>> {
    let ends: Vec<(Uuid, Uuid)> = account_relationship::Entity::find()
        .select_only()
        .column(account_relationship::Column::FromId)
        .column(account_relationship::Column::ToId)
        .filter(account_relationship::Column::TypeId.eq(type_id))
        .into_tuple()
        .all(txn)
        .await?;
    let accounts: Vec<Uuid> = ends.into_iter().flat_map(|(a, b)| [a, b]).collect();
    contacts_of(txn, &accounts).await
}

/// Everyone a responsibility's relationships can grant to: team users, contacts holding it and
/// the consumers at both ends of consumer relationships using it.
pub async fn of_responsibility(
    txn: &impl ConnectionTrait,
    responsibility: Uuid,
) -> AccessResult<Vec<Identity>> {
    let mut out = team_users(
        txn,
        Condition::all().add(team_member::Column::ResponsibilityId.eq(responsibility)),
    )
    .await?;
    let holders: Vec<Uuid> = contact_relationship::Entity::find()
        .select_only()
        .column(contact_relationship::Column::ContactId)
        .filter(contact_relationship::Column::ResponsibilityId.eq(responsibility))
        .into_tuple()
        .all(txn)
        .await?;
    for id in holders {
        out.extend(contact_identity(txn, id).await?);
    }
    out.extend(
        consumer_relationship_ends(
            txn,
            Condition::all()
                .add(consumer_relationship::Column::ResponsibilityId.eq(responsibility)),
        )
        .await?,
    );
    Ok(out)
}

/// Everyone an account's flags or place in the tree can matter to: its contacts, the contacts of
/// every account above it (now, and under `new_parent` when it moves) and of every account related
/// to it in either direction.
pub async fn around_account(
    txn: &impl ConnectionTrait,
    account: Uuid,
    new_parent: Option<Uuid>,
) -> AccessResult<Vec<Identity>> {
    let mut accounts = vec![account];
    let starts: Vec<Uuid> = std::iter::once(account).chain(new_parent).collect();
    for chain in ancestor_chains(txn, &starts).await?.into_values() {
        accounts.extend(chain);
    }
    accounts.extend(new_parent);
    let ends: Vec<(Uuid, Uuid)> = account_relationship::Entity::find()
        .select_only()
        .column(account_relationship::Column::FromId)
        .column(account_relationship::Column::ToId)
        .filter(
            Condition::any()
                .add(account_relationship::Column::FromId.eq(account))
                .add(account_relationship::Column::ToId.eq(account)),
        )
        .into_tuple()
        .all(txn)
        .await?;
    accounts.extend(ends.into_iter().flat_map(|(a, b)| [a, b]));
    contacts_of(txn, &accounts).await
}

/// Everyone a consumer's removal can matter to: itself, the consumers it is related to, the
/// members of its households and the users on its team.
pub async fn around_consumer(
    txn: &impl ConnectionTrait,
    consumer: Uuid,
) -> AccessResult<Vec<Identity>> {
    let mut out = vec![Identity::Consumer { id: consumer }];
    out.extend(
        consumer_relationship_ends(
            txn,
            Condition::any()
                .add(consumer_relationship::Column::ConsumerId.eq(consumer))
                .add(consumer_relationship::Column::RelatedConsumerId.eq(consumer)),
        )
        .await?,
    );
    let households: Vec<Uuid> = membership::Entity::find()
        .select_only()
        .column(membership::Column::HouseholdId)
        .filter(membership::Column::ConsumerId.eq(consumer))
        .into_tuple()
        .all(txn)
        .await?;
    for household in households {
        out.extend(members_of(txn, household).await?);
    }
    out.extend(
        team_users(
            txn,
            Condition::all().add(team_member::Column::ConsumerId.eq(consumer)),
        )
        .await?,
    );
    Ok(out)
}

/// Everyone a household's removal can matter to: its members, the consumers of its member
/// relationships and the users on its team.
pub async fn around_household(
    txn: &impl ConnectionTrait,
    household: Uuid,
) -> AccessResult<Vec<Identity>> {
    let mut out = members_of(txn, household).await?;
    out.extend(
        consumer_relationship_ends(
            txn,
            Condition::all().add(consumer_relationship::Column::HouseholdId.eq(household)),
        )
        .await?,
    );
    out.extend(
        team_users(
            txn,
            Condition::all().add(team_member::Column::HouseholdId.eq(household)),
        )
        .await?,
    );
    Ok(out)
}

/// A record whose existence and dates grant access: the stored principals it can grant to.
pub trait Grants {
    /// The principals whose readable cases this record's change can alter.
    fn holders<C: ConnectionTrait + Sync>(
        &self,
        txn: &C,
    ) -> impl Future<Output = AccessResult<Vec<Identity>>> + Send;
}

impl Grants for account_relationship::Model {
    async fn holders<C: ConnectionTrait + Sync>(&self, txn: &C) -> AccessResult<Vec<Identity>> {
        contacts_of(txn, &[self.from_id, self.to_id]).await
    }
}

impl Grants for contact_relationship::Model {
    async fn holders<C: ConnectionTrait + Sync>(&self, txn: &C) -> AccessResult<Vec<Identity>> {
        contact_identity(txn, self.contact_id).await
    }
}

impl Grants for team_member::Model {
    async fn holders<C: ConnectionTrait + Sync>(&self, _txn: &C) -> AccessResult<Vec<Identity>> {
        Ok(vec![Identity::InternalUser { id: self.user_id }])
    }
}

impl Grants for consumer_relationship::Model {
    async fn holders<C: ConnectionTrait + Sync>(&self, _txn: &C) -> AccessResult<Vec<Identity>> {
        Ok(vec![
            Identity::Consumer {
                id: self.consumer_id,
            },
            Identity::Consumer {
                id: self.related_consumer_id,
            },
        ])
    }
}

impl Grants for membership::Model {
    async fn holders<C: ConnectionTrait + Sync>(&self, txn: &C) -> AccessResult<Vec<Identity>> {
        let mut out = vec![Identity::Consumer {
            id: self.consumer_id,
        }];
        out.extend(members_of(txn, self.household_id).await?);
        Ok(out)
    }
}
