//! The one place domain errors become GraphQL errors with a machine-readable `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::{access::AccessError, domain::DomainError};

/// Error codes clients can switch on.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
    pub const OPERATION_NOT_TRUSTED: &str = "OPERATION_NOT_TRUSTED";
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    pub const BATCH_TOO_LARGE: &str = "BATCH_TOO_LARGE";
    pub const TIMEOUT: &str = "TIMEOUT";
    pub const COMPLEXITY_LIMIT: &str = "COMPLEXITY_LIMIT";
    pub const DEPTH_LIMIT: &str = "DEPTH_LIMIT";
    pub const FIELD_LIMIT: &str = "FIELD_LIMIT";
    pub const DIRECTIVE_LIMIT: &str = "DIRECTIVE_LIMIT";
    pub const BATCHING_DISABLED: &str = "BATCHING_DISABLED";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    pub const NOT_ACCEPTABLE: &str = "NOT_ACCEPTABLE";
    pub const OPERATION_RESOLUTION_FAILURE: &str = "OPERATION_RESOLUTION_FAILURE";
}

/// Scalars whose format is checked in validation, so a bad value is the client's input error.
const STRICT_SCALARS: [&str; 2] = ["Date", "DateTime"];

/// Gives a validation error about a value a strict scalar refuses (literal or variable alike:
/// async-graphql reports `Invalid value for argument "input.validFrom", expected type "Date"`)
/// the code `BAD_USER_INPUT` and the input field it names; other errors are returned unchanged.
pub fn strict_scalar_error(mut err: async_graphql::ServerError) -> async_graphql::ServerError {
    let Some((path, scalar)) = err
        .message
        .strip_prefix("Invalid value for argument \"")
        .and_then(|rest| rest.split_once("\", expected type \""))
        .and_then(|(path, rest)| Some((path, rest.strip_suffix('"')?)))
    else {
        return err;
    };
    let field = path
        .rsplit('.')
        .find(|segment| segment.parse::<usize>().is_err())
        .unwrap_or(path)
        .to_owned();
    if !STRICT_SCALARS.contains(&scalar) {
        // Any other value of the wrong type stays a validation error, naming the input field.
        err.extensions
            .get_or_insert_with(Default::default)
            .set("field", field);
        return err;
    }
    let message = match scalar {
        "Date" => format!("`{path}` must be a date written YYYY-MM-DD"),
        _ => format!("`{path}` must be an RFC 3339 date-time with an offset"),
    };
    err.message = message;
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", code::BAD_USER_INPUT);
    ext.set("field", field);
    err
}

impl From<DomainError> for async_graphql::Error {
    fn from(err: DomainError) -> Self {
        let (code, field) = match &err {
            DomainError::Unauthenticated => (code::UNAUTHENTICATED, None),
            DomainError::Forbidden(_) => (code::FORBIDDEN, None),
            DomainError::NotFound { .. } => (code::NOT_FOUND, None),
            DomainError::InvalidInput { field, .. } => (code::BAD_USER_INPUT, Some(field.clone())),
            DomainError::Conflict { field, .. } => (code::CONFLICT, field.clone()),
            DomainError::Internal(detail) => {
                tracing::error!(detail = %detail, "internal error");
                (code::INTERNAL_SERVER_ERROR, None)
            }
        };
        async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

impl From<AccessError> for async_graphql::Error {
    fn from(err: AccessError) -> Self {
        DomainError::from(err).into()
    }
}

impl From<crate::pagination::PageError> for async_graphql::Error {
    fn from(err: crate::pagination::PageError) -> Self {
        DomainError::from(err).into()
    }
}

impl From<super::loaders::LoadError> for async_graphql::Error {
    fn from(err: super::loaders::LoadError) -> Self {
        let owned = match &*err.0 {
            DomainError::Unauthenticated => DomainError::Unauthenticated,
            DomainError::Forbidden(m) => DomainError::Forbidden(m.clone()),
            DomainError::NotFound { kind } => DomainError::NotFound { kind },
            DomainError::InvalidInput { field, message } => {
                DomainError::invalid(field.clone(), message.clone())
            }
            DomainError::Conflict { field, message } => DomainError::Conflict {
                field: field.clone(),
                message: message.clone(),
            },
            DomainError::Internal(detail) => DomainError::Internal(detail.clone()),
        };
        owned.into()
    }
}

/// A syntax error as one line (`syntax error at line 1, column 2: expected selection`) with
/// `GRAPHQL_PARSE_FAILED`, instead of the parser's multi-line drawing of the source.
pub fn syntax_error(mut err: async_graphql::ServerError) -> async_graphql::ServerError {
    if err.message.contains('\n') {
        let what = err
            .message
            .lines()
            .rev()
            .find_map(|line| line.trim_start().strip_prefix("= "))
            .unwrap_or("the document does not parse")
            .trim()
            .to_owned();
        err.message = match err.locations.first() {
            Some(at) => format!(
                "syntax error at line {}, column {}: {what}",
                at.line, at.column
            ),
            None => format!("syntax error: {what}"),
        };
    }
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code::GRAPHQL_PARSE_FAILED);
    }
    err
}
