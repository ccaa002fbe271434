//! Refuses control characters in string input, literal or variable, before anything runs: a NUL
//! anywhere (PostgreSQL cannot store one; it would surface as an internal error), and any other
//! control character except in the multi-line fields (`description`, `body`), which accept
//! newlines, carriage returns and tabs.

use std::collections::HashMap;

use async_graphql::{
    ErrorExtensionValues, Name, Positioned, ServerError, Variables,
    parser::types::{Directive, ExecutableDocument, Selection, SelectionSet},
};
use async_graphql_value::{ConstValue, Value};

use super::error::code;

/// Input fields that hold multi-line text: case and definition descriptions, comment bodies.
const MULTI_LINE_FIELDS: [&str; 2] = ["description", "body"];

/// What is wrong with a string, if anything.
fn problem(field: &str, text: &str) -> Option<&'static str> {
    if text.contains('\0') {
        return Some("must not contain a NUL character");
    }
    let multi_line = MULTI_LINE_FIELDS.contains(&field);
    text.chars()
        .any(|c| c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')))
        .then_some(if multi_line {
            "must not contain control characters other than newlines and tabs"
        } else {
            "must be one line without control characters"
        })
}

fn input_error(field: &str, problem: &str) -> ServerError {
    let mut err = ServerError::new(format!("`{field}` {problem}"), None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code::BAD_USER_INPUT);
    ext.set("field", field);
    err.extensions = Some(ext);
    err
}

/// Walks the document's literal values: the first input field holding a refused string, and for every
/// variable the input fields or arguments it is passed as (so errors name the field, and a value
/// passed as a description and as a name meets the stricter rule).
#[derive(Default)]
struct Walk<'a> {
    offending: Option<(&'a str, &'static str)>,
    variable_fields: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Walk<'a> {
    fn value(&mut self, field: &'a str, value: &'a Value) {
        match value {
            Value::String(text) => {
                if let Some(problem) = problem(field, text) {
                    self.offending.get_or_insert((field, problem));
                }
            }
            Value::Variable(name) => {
                self.variable_fields
                    .entry(name.as_str())
                    .or_default()
                    .push(field);
            }
            Value::List(items) => items.iter().for_each(|item| self.value(field, item)),
            Value::Object(fields) => fields
                .iter()
                .for_each(|(name, item)| self.value(name.as_str(), item)),
            _ => {}
        }
    }

    fn arguments(&mut self, arguments: &'a [(Positioned<Name>, Positioned<Value>)]) {
        for (name, value) in arguments {
            self.value(name.node.as_str(), &value.node);
        }
    }

    fn directives(&mut self, directives: &'a [Positioned<Directive>]) {
        for directive in directives {
            self.arguments(&directive.node.arguments);
        }
    }

    fn selection_set(&mut self, set: &'a SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    self.arguments(&field.node.arguments);
                    self.directives(&field.node.directives);
                    self.selection_set(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => self.directives(&spread.node.directives),
                Selection::InlineFragment(fragment) => {
                    self.directives(&fragment.node.directives);
                    self.selection_set(&fragment.node.selection_set.node);
                }
            }
        }
    }
}

/// The input field (or `fallback`) of the first refused string inside a variable's value.
fn const_offending<'a>(
    fallback: &'a str,
    value: &'a ConstValue,
) -> Option<(&'a str, &'static str)> {
    match value {
        ConstValue::String(text) => problem(fallback, text).map(|p| (fallback, p)),
        ConstValue::List(items) => items
            .iter()
            .find_map(|item| const_offending(fallback, item)),
        ConstValue::Object(fields) => fields
            .iter()
            .find_map(|(name, item)| const_offending(name.as_str(), item)),
        _ => None,
    }
}

/// The first input field holding a refused string in the document or its variables, and why.
fn find_refused<'a>(
    document: &'a ExecutableDocument,
    variables: &'a Variables,
) -> Option<(&'a str, &'static str)> {
    let mut walk = Walk::default();
    let mut defaults = Vec::new();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                defaults.push((definition.node.name.node.as_str(), &default.node));
            }
            walk.directives(&definition.node.directives);
        }
        walk.directives(&operation.directives);
        walk.selection_set(&operation.selection_set.node);
    }
    for fragment in document.fragments.values() {
        walk.directives(&fragment.node.directives);
        walk.selection_set(&fragment.node.selection_set.node);
    }
    if let Some(found) = walk.offending {
        return Some(found);
    }
    let given = variables.iter().map(|(name, value)| (name.as_str(), value));
    given
        .chain(defaults)
        .find_map(|(name, value)| match walk.variable_fields.get(name) {
            Some(fields) => fields
                .iter()
                .find_map(|field| const_offending(field, value)),
            None => const_offending(name, value),
        })
}

/// Refuses a document whose literals or variables hold a refused string, naming the input field.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> Result<(), ServerError> {
    match find_refused(document, variables) {
        Some((field, problem)) => Err(input_error(field, problem)),
        None => Ok(()),
    }
}
