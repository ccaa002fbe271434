//! Mapping a verified token's subject to the stored person it names.

use std::collections::BTreeSet;

use entity::{consumer, contact, internal_user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    error::AccessResult,
    principal::{Identity, Principal, Role},
};

/// Builds the principal for a verified token: the subject's stored record, chosen by the roles the
/// token carries (staff roles look for an internal user, portal roles for a contact or consumer).
pub async fn resolve(
    db: &impl ConnectionTrait,
    subject: String,
    roles: BTreeSet<Role>,
) -> AccessResult<Principal> {
    let identity = if roles.iter().any(|r| r.is_internal()) {
        internal_user::Entity::find()
            .select_only()
            .column(internal_user::Column::Id)
            .filter(internal_user::Column::Subject.eq(&subject))
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .map(|id| Identity::InternalUser { id })
    } else if roles.iter().any(|r| r.is_contact_role()) {
        contact::Entity::find()
            .select_only()
            .columns([contact::Column::Id, contact::Column::AccountId])
            .filter(contact::Column::Subject.eq(&subject))
            .into_tuple::<(Uuid, Uuid)>()
            .one(db)
            .await?
            .map(|(id, account_id)| Identity::Contact { id, account_id })
    } else if roles.contains(&Role::Consumer) {
        consumer::Entity::find()
            .select_only()
            .column(consumer::Column::Id)
            .filter(consumer::Column::Subject.eq(&subject))
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .map(|id| Identity::Consumer { id })
    } else {
        None
    };
    Ok(Principal {
        subject: Some(subject),
        roles,
        identity: identity.unwrap_or(Identity::Unregistered),
    })
}
