//! Cases: the `Case` object, its comments, case lists, case mutations, and the access engine's
//! answers (explanation, who can access, access check) as GraphQL types.

pub mod access;
pub mod case;
pub mod comments;
pub mod list;
pub mod mutations;

pub use case::Case;
pub use list::{CaseFilter, CaseOrderBy, cases_of, viewer_cases};
