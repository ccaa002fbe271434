//! Why a page could not be read: a bad page request (first/last/cursor/order) or the database.
//! The domain turns it into its own error (`From<PageError> for DomainError`), so codes stay
//! decided in one place.

use sea_orm::DbErr;

/// Why a page request failed.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A page argument is out of range or a cursor does not fit; `field` names the argument.
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Result of a page read.
pub type PageResult<T> = Result<T, PageError>;

impl PageError {
    /// Bad page argument `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}
