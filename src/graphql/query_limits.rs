//! Limits on the selection as executed, checked before async-graphql validates a document: its
//! visitors expand every fragment spread on every use, so a few hundred bytes of fragments that spread
//! each other twice cost 2^n work there. Here each fragment is walked once and its figures are reused
//! (O(document size), cycle-safe), and the document is refused with one error before validation, and
//! so before any resolver, when it goes over a limit.

use std::collections::HashMap;

use async_graphql::{
    ErrorExtensionValues, Name, ServerError, Value as ConstValue, Variables,
    parser::Positioned,
    parser::types::{
        Directive, ExecutableDocument, Field, FragmentDefinition, OperationDefinition, Selection,
        SelectionSet,
    },
};

use super::error::code;
pub use super::shape::Shape;
use crate::config::Limits;

/// Deepest nesting of selection sets and fragment spreads walked (a guard for the stack; async-graphql
/// itself refuses documents nested more than 32 selection sets deep).
const MAX_NESTING: usize = 100;

/// What one HTTP request has spent so far of the budgets its operations share (a batch has one).
#[derive(Debug, Default)]
pub struct Budget {
    pub cost: u64,
    pub fields: u64,
    /// Whether the operations come in a batch (for the message).
    pub batch: bool,
}

/// Why a document is refused: a limit it goes over (with the figures its message gives), or what
/// async-graphql's validation does not look at (it skips `__typename` fields, directives included).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("the query costs {cost}; at most {limit} is allowed")]
    Complexity { cost: u64, limit: u64 },
    #[error(
        "the operations of this batch cost {cost} together; at most {limit} is allowed per request"
    )]
    BatchComplexity { cost: u64, limit: u64 },
    #[error("the query is nested {depth} fields deep; at most {limit} are allowed")]
    Depth { depth: u64, limit: u64 },
    #[error("selections are nested more than {limit} deep (fragments included)")]
    Nesting { limit: u64 },
    #[error(
        "the request selects {count} fields once fragments are expanded; at most {limit} are allowed"
    )]
    Fields { count: u64, limit: u64 },
    #[error("a selection set lists {count} selections; at most {limit} are allowed")]
    Selections { count: u64, limit: u64 },
    #[error(
        "a field, fragment or operation carries {count} directives; at most {limit} are allowed"
    )]
    DirectivesHere { count: u64, limit: u64 },
    #[error("the document carries {count} directives; at most {limit} are allowed")]
    Directives { count: u64, limit: u64 },
    #[error("fragment `{0}` spreads itself")]
    Cycle(String),
    #[error("Unknown directive \"{0}\"")]
    UnknownDirective(String),
    #[error("`__typename` takes no arguments")]
    TypenameArguments,
}

impl Refused {
    /// The `extensions.code` clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::Complexity { .. } | Refused::BatchComplexity { .. } => code::COMPLEXITY_LIMIT,
            Refused::Depth { .. } | Refused::Nesting { .. } => code::DEPTH_LIMIT,
            Refused::Fields { .. } | Refused::Selections { .. } => code::FIELD_LIMIT,
            Refused::DirectivesHere { .. } | Refused::Directives { .. } => code::DIRECTIVE_LIMIT,
            Refused::Cycle(_) | Refused::UnknownDirective(_) | Refused::TypenameArguments => {
                code::GRAPHQL_VALIDATION_FAILED
            }
        }
    }

    fn figures(&self) -> Option<(u64, u64)> {
        match *self {
            Refused::Complexity { cost, limit } | Refused::BatchComplexity { cost, limit } => {
                Some((cost, limit))
            }
            Refused::Depth { depth, limit } => Some((depth, limit)),
            Refused::Fields { count, limit }
            | Refused::Selections { count, limit }
            | Refused::DirectivesHere { count, limit }
            | Refused::Directives { count, limit } => Some((count, limit)),
            _ => None,
        }
    }

    /// The GraphQL error the client gets: message, code, and the measured value next to its limit.
    pub fn into_server_error(self) -> ServerError {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code());
        if let Some((value, limit)) = self.figures() {
            extensions.set("value", value);
            extensions.set("limit", limit);
        }
        let mut error = ServerError::new(self.to_string(), None);
        error.extensions = Some(extensions);
        error
    }
}

/// Figures of one selection set (or fragment) with its fragments expanded.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    /// Fields selected, every expansion counted.
    fields: u64,
    /// Deepest chain of fields.
    depth: u64,
    /// Cost: page sizes multiply what a list selects; of sibling fragments on different object types
    /// only the dearest counts (one object is only ever one of them).
    cost: u64,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.fields = self.fields.saturating_add(other.fields);
        self.depth = self.depth.max(other.depth);
        self.cost = self.cost.saturating_add(other.cost);
    }
}

/// Walks one document: fragment figures are memoized by name.
struct Walk<'a> {
    shape: &'a Shape,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    defaults: HashMap<&'a str, ConstValue>,
    limits: &'a Limits,
    memo: HashMap<&'a str, Figures>,
    in_progress: Vec<&'a str>,
    level: usize,
}

impl<'a> Walk<'a> {
    fn enter(&mut self) -> Result<(), Refused> {
        self.level += 1;
        if self.level > MAX_NESTING {
            return Err(Refused::Nesting {
                limit: MAX_NESTING as u64,
            });
        }
        Ok(())
    }

    fn set(&mut self, set: &'a SelectionSet, parent: Option<&'a str>) -> Result<Figures, Refused> {
        self.enter()?;
        let mut always = Figures::default();
        let mut branches: Vec<(&'a str, Figures)> = Vec::new();
        for item in &set.items {
            let (condition, figures) = match &item.node {
                Selection::Field(field) => (None, self.field(&field.node, parent)?),
                Selection::InlineFragment(fragment) => {
                    let condition = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str());
                    let figures =
                        self.set(&fragment.node.selection_set.node, condition.or(parent))?;
                    (condition, figures)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.doc.fragments.get(name) {
                        Some(fragment) => (
                            Some(fragment.node.type_condition.node.on.node.as_str()),
                            self.fragment(name, &fragment.node)?,
                        ),
                        // Validation refuses the unknown fragment.
                        None => (None, Figures::default()),
                    }
                }
            };
            match condition {
                Some(ty) if Some(ty) != parent && self.shape.is_object(ty) => {
                    match branches.iter_mut().find(|(name, _)| *name == ty) {
                        Some((_, branch)) => branch.add(figures),
                        None => branches.push((ty, figures)),
                    }
                }
                _ => always.add(figures),
            }
        }
        let mut result = always;
        let dearest = branches.iter().map(|(_, f)| f.cost).max().unwrap_or(0);
        for (_, branch) in &branches {
            result.add(Figures { cost: 0, ..*branch });
        }
        result.cost = always.cost.saturating_add(dearest);
        self.level -= 1;
        Ok(result)
    }

    fn fragment(
        &mut self,
        name: &'a str,
        fragment: &'a FragmentDefinition,
    ) -> Result<Figures, Refused> {
        if let Some(figures) = self.memo.get(name) {
            return Ok(*figures);
        }
        if self.in_progress.contains(&name) {
            return Err(Refused::Cycle(name.to_owned()));
        }
        self.in_progress.push(name);
        let condition = fragment.type_condition.node.on.node.as_str();
        let figures = self.set(&fragment.selection_set.node, Some(condition))?;
        self.in_progress.pop();
        self.memo.insert(name, figures);
        Ok(figures)
    }

    fn field(&mut self, field: &'a Field, parent: Option<&'a str>) -> Result<Figures, Refused> {
        let name = field.name.node.as_str();
        let shape = self.shape.field(parent, name);
        let children = if field.selection_set.node.items.is_empty() {
            Figures::default()
        } else {
            self.set(
                &field.selection_set.node,
                shape.map(|shape| shape.ty.as_str()),
            )?
        };
        let multiplier = match shape {
            Some(shape) if shape.paged => Some(self.page_size(field)),
            Some(shape) if shape.by_ids => Some(self.list_length(field, "ids")),
            _ => None,
        };
        let cost = match multiplier {
            Some(m) => m.saturating_mul(children.cost.max(1)),
            None => children.cost.saturating_add(1),
        };
        Ok(Figures {
            fields: children.fields.saturating_add(1),
            depth: children.depth + 1,
            cost,
        })
    }

    /// The value of argument `name`, variables resolved (from the request, else their defaults).
    fn argument(&self, field: &'a Field, name: &str) -> Option<ConstValue> {
        let value = field.get_argument(name)?.node.clone();
        value
            .into_const_with(|variable: Name| {
                self.variables
                    .get(&variable)
                    .or_else(|| self.defaults.get(variable.as_str()))
                    .cloned()
                    .ok_or(())
            })
            .ok()
    }

    fn page_size(&self, field: &'a Field) -> u64 {
        let max = self.limits.max_page_size.max(1);
        let given = ["first", "last"]
            .iter()
            .find_map(|name| match self.argument(field, name)? {
                ConstValue::Number(n) => n.as_i64(),
                _ => None,
            });
        match given {
            Some(n) => (n.max(1) as u64).min(max),
            None => self.limits.default_page_size.clamp(1, max),
        }
    }

    fn list_length(&self, field: &'a Field, name: &str) -> u64 {
        match self.argument(field, name) {
            Some(ConstValue::List(items)) => (items.len() as u64).max(1),
            _ => 1,
        }
    }
}

/// Counts directives and selections as written (before any expansion or merging).
struct Written<'a> {
    shape: &'a Shape,
    limits: &'a Limits,
    directives: u64,
}

impl Written<'_> {
    fn directives(&mut self, directives: &[Positioned<Directive>]) -> Result<(), Refused> {
        let count = directives.len() as u64;
        if count > self.limits.max_directives_per_field as u64 {
            return Err(Refused::DirectivesHere {
                count,
                limit: self.limits.max_directives_per_field as u64,
            });
        }
        if let Some(unknown) = directives
            .iter()
            .find(|d| !self.shape.directives.contains(d.node.name.node.as_str()))
        {
            return Err(Refused::UnknownDirective(
                unknown.node.name.node.to_string(),
            ));
        }
        self.directives += count;
        if self.directives > self.limits.max_directives as u64 {
            return Err(Refused::Directives {
                count: self.directives,
                limit: self.limits.max_directives as u64,
            });
        }
        Ok(())
    }

    fn set(&mut self, set: &SelectionSet) -> Result<(), Refused> {
        let count = set.items.len() as u64;
        if count > self.limits.max_selections as u64 {
            return Err(Refused::Selections {
                count,
                limit: self.limits.max_selections as u64,
            });
        }
        for item in &set.items {
            self.directives(item.node.directives())?;
            match &item.node {
                Selection::Field(field) => {
                    if field.node.name.node == "__typename" && !field.node.arguments.is_empty() {
                        return Err(Refused::TypenameArguments);
                    }
                    self.set(&field.node.selection_set.node)?
                }
                Selection::InlineFragment(fragment) => {
                    self.set(&fragment.node.selection_set.node)?
                }
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }
}

/// The operation that runs: the named one, else the only one (`None` when async-graphql will refuse).
fn executed<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let mut operations = doc.operations.iter();
    match operation_name {
        Some(wanted) => operations
            .find(|(name, _)| name.is_some_and(|n| n.as_str() == wanted))
            .map(|(_, op)| &op.node),
        None => {
            let (_, first) = operations.next()?;
            operations.next().is_none().then_some(&first.node)
        }
    }
}

/// Checks one parsed document against the limits and charges it to the request's shared `budget`:
/// directives and selections as written, fields across every operation (validation visits them all),
/// depth of the operation that runs; its cost is added to the budget for `check_cost`.
pub fn check(
    shape: &Shape,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<(), Refused> {
    let mut written = Written {
        shape,
        limits,
        directives: 0,
    };
    for (_, operation) in doc.operations.iter() {
        written.directives(&operation.node.directives)?;
        written.set(&operation.node.selection_set.node)?;
    }
    for fragment in doc.fragments.values() {
        written.directives(&fragment.node.directives)?;
        written.set(&fragment.node.selection_set.node)?;
    }

    let executed = executed(doc, operation_name);
    let defaults = executed
        .into_iter()
        .flat_map(|op| op.variable_definitions.iter())
        .filter_map(|d| {
            let default = d.node.default_value.as_ref()?;
            Some((d.node.name.node.as_str(), default.node.clone()))
        })
        .collect();
    let mut walk = Walk {
        shape,
        doc,
        variables,
        defaults,
        limits,
        memo: HashMap::new(),
        in_progress: Vec::new(),
        level: 0,
    };
    let field_limit = limits.max_fields as u64;
    let mut ran = None;
    for (_, operation) in doc.operations.iter() {
        let figures = walk.set(
            &operation.node.selection_set.node,
            Some(root(shape, &operation.node)),
        )?;
        budget.fields = budget.fields.saturating_add(figures.fields);
        if budget.fields > field_limit {
            return Err(Refused::Fields {
                count: budget.fields,
                limit: field_limit,
            });
        }
        if executed.is_some_and(|op| std::ptr::eq(op, &operation.node)) {
            ran = Some(figures);
        }
    }
    let Some(figures) = ran else {
        return Ok(());
    };
    if figures.depth > limits.max_depth as u64 {
        return Err(Refused::Depth {
            depth: figures.depth,
            limit: limits.max_depth as u64,
        });
    }
    budget.cost = budget.cost.saturating_add(figures.cost);
    Ok(())
}

/// Compares what every operation of the request cost together with the complexity limit.
pub fn check_cost(budget: &Budget, limits: &Limits) -> Result<(), Refused> {
    let limit = limits.max_complexity as u64;
    if budget.cost <= limit {
        return Ok(());
    }
    let cost = budget.cost;
    Err(if budget.batch {
        Refused::BatchComplexity { cost, limit }
    } else {
        Refused::Complexity { cost, limit }
    })
}

fn root<'a>(shape: &'a Shape, operation: &OperationDefinition) -> &'a str {
    shape.root(operation.ty)
}

#[cfg(test)]
#[path = "query_limits_tests.rs"]
mod tests;
