//! The one error type of the domain layer; the GraphQL layer maps it to error codes in one place.

use sea_orm::{DbErr, SqlErr};

use crate::{access::AccessError, pagination::PageError};

/// Why a domain operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The request carries no valid identity.
    #[error("authentication required")]
    Unauthenticated,
    /// The principal is known but lacks the right.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or the principal may not see it (indistinguishable on purpose).
    #[error("{kind} not found")]
    NotFound { kind: &'static str },
    /// The input breaks a rule; `field` names the offending input field.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// The change collides with existing data.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// Anything unexpected; details are logged, never shown to clients.
    #[error("internal error")]
    Internal(String),
}

/// Result of a domain operation.
pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    /// Bad input on `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A collision with existing data on `field`.
    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The principal may not do `what`.
    pub fn forbidden(what: impl Into<String>) -> Self {
        Self::Forbidden(what.into())
    }
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                super::locks::unique_violation(&detail)
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::conflict(None, "the record is still referenced by other records")
            }
            _ if super::locks::lost_race(&err) => Self::conflict(
                None,
                "a concurrent change got in the way; nothing was written, try again",
            ),
            _ => Self::Internal(err.to_string()),
        }
    }
}

impl From<AccessError> for DomainError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::Unauthenticated => Self::Unauthenticated,
            AccessError::Forbidden(what) => Self::Forbidden(what),
            AccessError::NotFound { kind } => Self::NotFound { kind },
            AccessError::Database(err) => err.into(),
        }
    }
}

impl From<PageError> for DomainError {
    fn from(err: PageError) -> Self {
        match err {
            PageError::InvalidInput { field, message } => Self::InvalidInput { field, message },
            PageError::Database(err) => err.into(),
        }
    }
}
