//! The alias limit, checked on the parsed document, and the `extensions.code` of validation errors,
//! given to the response once async-graphql has validated (or refused) the operation.

use async_graphql::{
    Response, ServerError,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

use super::error::code;

fn with_code(mut err: ServerError, code: &'static str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Refuses a document that writes more than `max_aliases` aliases (each written once counts once).
pub fn check_aliases(document: &ExecutableDocument, max_aliases: usize) -> Result<(), ServerError> {
    let aliases: usize = document
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum::<usize>()
        + document
            .fragments
            .values()
            .map(|f| count_aliases(&f.node.selection_set.node))
            .sum::<usize>();
    if aliases <= max_aliases {
        return Ok(());
    }
    Err(with_code(
        ServerError::new(
            format!("the query uses {aliases} aliases; at most {max_aliases} are allowed"),
            None,
        ),
        code::GRAPHQL_VALIDATION_FAILED,
    ))
}

/// Gives validation errors their code. A response refused by validation has no data and errors
/// without a path; every error a resolver raises has a path and already carries its code.
pub fn mark_validation_errors(response: &mut Response) {
    if !matches!(response.data, async_graphql::Value::Null) {
        return;
    }
    for error in &mut response.errors {
        let coded = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if coded || !error.path.is_empty() {
            continue;
        }
        let taken = std::mem::replace(error, ServerError::new(String::new(), None));
        *error = with_code(
            super::error::strict_scalar_error(taken),
            code::GRAPHQL_VALIDATION_FAILED,
        );
    }
}
