//! Why an access question could not be answered, or a right was refused; the domain turns it into
//! its own error (`From<AccessError> for DomainError`), so codes stay decided in one place.

use sea_orm::DbErr;

/// Why an access question failed or a permission was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The request carries no valid identity and the right needs one.
    #[error("authentication required")]
    Unauthenticated,
    /// The principal is known but lacks the right.
    #[error("{0}")]
    Forbidden(String),
    /// The record asked about does not exist.
    #[error("{kind} not found")]
    NotFound { kind: &'static str },
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Result of an access question.
pub type AccessResult<T> = Result<T, AccessError>;
