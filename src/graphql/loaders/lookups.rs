//! Loads by key: rows by id within the caller's scope, stored roles, hierarchy chains, contact
//! relationship candidates and current household membership.

use entity::{
    account, account_relationship, account_relationship_type, consumer, contact,
    contact_relationship, household, household_membership, internal_user,
    responsibility_definition, role_assignment,
};
use uuid::Uuid;

use super::{Batch, Fetch, LoadResult};
use crate::domain::{
    account_relationships, accounts, consumers, contact_relationships, contacts, hierarchy,
    households, internal_users, relationship_types, responsibilities,
    roles::{self, Holder},
};

macro_rules! by_id_loader {
    ($key:ident, $model:ty, $fetch:path) => {
        /// Key for loading one row by id within the caller's scope.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Fetch<$key> for Batch {
            type Value = $model;

            async fn fetch(&self, keys: &[$key]) -> LoadResult<$key, $model> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = $fetch(&self.ctx, &ids).await?;
                Ok(rows.into_iter().map(|(id, row)| ($key(id), row)).collect())
            }
        }
    };
}

by_id_loader!(AccountId, account::Model, accounts::by_ids);
by_id_loader!(ContactId, contact::Model, contacts::by_ids);
by_id_loader!(ConsumerId, consumer::Model, consumers::by_ids);
by_id_loader!(HouseholdId, household::Model, households::by_ids);
by_id_loader!(
    MembershipId,
    household_membership::Model,
    households::memberships_by_ids
);
by_id_loader!(InternalUserId, internal_user::Model, internal_users::by_ids);
by_id_loader!(
    RelationshipTypeId,
    account_relationship_type::Model,
    relationship_types::by_ids
);
by_id_loader!(
    RelationshipId,
    account_relationship::Model,
    account_relationships::by_ids
);
by_id_loader!(
    ResponsibilityId,
    responsibility_definition::Model,
    responsibilities::by_ids
);
by_id_loader!(
    ContactRelationshipId,
    contact_relationship::Model,
    contact_relationships::by_ids
);
by_id_loader!(
    TeamMemberId,
    entity::team_member::Model,
    crate::domain::teams::by_ids
);
by_id_loader!(
    ConsumerRelationshipId,
    entity::consumer_relationship::Model,
    crate::domain::consumer_relationships::by_ids
);

/// Key for the stored roles of a contact or internal user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RolesOf(pub Holder);

impl Fetch<RolesOf> for Batch {
    type Value = Vec<role_assignment::Model>;

    async fn fetch(&self, keys: &[RolesOf]) -> LoadResult<RolesOf, Self::Value> {
        let holders: Vec<Holder> = keys.iter().map(|k| k.0).collect();
        let mut found = roles::of_holders(&self.ctx, &holders).await?;
        Ok(holders
            .into_iter()
            .map(|h| (RolesOf(h), found.remove(&h).unwrap_or_default()))
            .collect())
    }
}

/// Key for an account's ancestor ids, nearest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AncestorsOf(pub Uuid);

impl Fetch<AncestorsOf> for Batch {
    type Value = Vec<Uuid>;

    async fn fetch(&self, keys: &[AncestorsOf]) -> LoadResult<AncestorsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let chains = hierarchy::ancestor_chains(&self.ctx.db, &ids).await?;
        Ok(chains
            .into_iter()
            .map(|(id, chain)| (AncestorsOf(id), chain))
            .collect())
    }
}

/// Key for an account's visible descendants with their depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DescendantsOf(pub Uuid);

impl Fetch<DescendantsOf> for Batch {
    type Value = Vec<(i64, account::Model)>;

    async fn fetch(&self, keys: &[DescendantsOf]) -> LoadResult<DescendantsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = hierarchy::descendants(&self.ctx, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, list)| (DescendantsOf(id), list))
            .collect())
    }
}

/// Key for the contact-relationship candidates of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CandidatesOf(pub Uuid);

impl Fetch<CandidatesOf> for Batch {
    type Value = Vec<contact_relationships::Candidate>;

    async fn fetch(&self, keys: &[CandidatesOf]) -> LoadResult<CandidatesOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = contact_relationships::candidates(&self.ctx, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, list)| (CandidatesOf(id), list))
            .collect())
    }
}

/// Key for whether a consumer is a current member of a household: (household, consumer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CurrentMember(pub Uuid, pub Uuid);

impl Fetch<CurrentMember> for Batch {
    type Value = bool;

    async fn fetch(&self, keys: &[CurrentMember]) -> LoadResult<CurrentMember, bool> {
        let pairs: Vec<(Uuid, Uuid)> = keys.iter().map(|k| (k.0, k.1)).collect();
        let current =
            crate::domain::consumer_relationships::current_members(&self.ctx, &pairs).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, current.contains(&(k.0, k.1))))
            .collect())
    }
}

by_id_loader!(CaseId, entity::case::Model, crate::domain::cases::by_ids);
