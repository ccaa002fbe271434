//! Mapping a token's subject to the stored person it names, and keeping subjects unique.

use std::collections::BTreeSet;

use entity::{consumer, contact, internal_user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{
    DomainError, DomainResult,
    principal::{Identity, Principal, Role},
};

/// Builds the principal for a verified token: the subject's stored record, chosen by the roles the
/// token carries (staff roles look for an internal user, portal roles for a contact or consumer).
pub async fn resolve(
    db: &impl ConnectionTrait,
    subject: String,
    roles: BTreeSet<Role>,
) -> DomainResult<Principal> {
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

/// Refuses a sign-in subject already used by another contact, consumer or internal user.
pub async fn ensure_subject_free(
    txn: &impl ConnectionTrait,
    subject: &str,
    except: Option<Uuid>,
) -> DomainResult<()> {
    let except = except.unwrap_or_default();
    let taken = internal_user::Entity::find()
        .filter(internal_user::Column::Subject.eq(subject))
        .filter(internal_user::Column::Id.ne(except))
        .count(txn)
        .await?
        + contact::Entity::find()
            .filter(contact::Column::Subject.eq(subject))
            .filter(contact::Column::Id.ne(except))
            .count(txn)
            .await?
        + consumer::Entity::find()
            .filter(consumer::Column::Subject.eq(subject))
            .filter(consumer::Column::Id.ne(except))
            .count(txn)
            .await?;
    if taken > 0 {
        return Err(DomainError::conflict(
            Some("subject"),
            format!("subject `{subject}` is already in use"),
        ));
    }
    Ok(())
}

/// Normalizes optional text input: trimmed, and empty means absent.
pub fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Checks a required display name.
pub fn required_name(name: &str) -> DomainResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("name", "must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "name",
            "must be at most 200 characters",
        ));
    }
    Ok(name.to_owned())
}
