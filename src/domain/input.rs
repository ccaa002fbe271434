//! Checks of input shared by several record kinds: optional text, display names, sign-in subjects.

use entity::{consumer, contact, internal_user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::{DomainError, DomainResult};

/// Refuses a sign-in subject already used by another contact, consumer or internal user.
pub async fn ensure_subject_free(
    txn: &impl ConnectionTrait,
    subject: &str,
    except: Option<Uuid>,
) -> DomainResult<()> {
    // Three tables share the subject space, so no unique index covers it: one writer per subject.
    super::locks::named(txn, &format!("subject:{subject}")).await?;
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

/// Checks a required display name: not empty, one line, at most 200 characters.
pub fn required_name(name: &str) -> DomainResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("name", "must not be empty"));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "name",
            "must be one line without control characters",
        ));
    }
    if name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "name",
            "must be at most 200 characters",
        ));
    }
    Ok(name.to_owned())
}
