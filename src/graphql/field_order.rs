//! Response fields in the order the operation selected them (GraphQL spec §7.1, CollectFields).
//!
//! async-graphql resolves the fields of an object concurrently and inserts each into the response
//! as it finishes, so a field waiting on the dataloader lands after every field that did not wait.
//! This keeps that concurrency (and so the statement counts) and puts each object's keys back in
//! selection order once the operation has run. Fragments on types decide which fields an object
//! collects, so below every interface or union field the document asks for the object's
//! `__typename` under a reserved alias, which the reordering reads and removes.

use std::collections::HashSet;

use async_graphql::{
    Name, Pos, Positioned, Request, Response, Value, Variables,
    parser::types::{
        Directive, DocumentOperations, ExecutableDocument, Field, OperationDefinition,
        OperationType, Selection, SelectionSet,
    },
};
use async_graphql_value::Value as InputValue;

use super::shape::Shape;

/// The response key of the concrete type asked for below interface and union fields.
const TYPE_KEY: &str = "__liaisonFieldOrderType";

/// What reordering one request's response needs: its document (as executed) and variables.
pub struct Plan {
    document: ExecutableDocument,
    operation_name: Option<String>,
    variables: Variables,
}

/// Marks the request's parsed document for reordering, and keeps a copy of it. A request whose
/// operation is a subscription, or whose document is not parsed, needs no plan.
pub fn prepare(shape: &Shape, request: &mut Request) -> Option<Plan> {
    let mut document = request.parsed_query().ok()?.clone();
    Marker { shape }.document(&mut document);
    let plan = Plan {
        document: document.clone(),
        operation_name: request.operation_name.clone(),
        variables: request.variables.clone(),
    };
    request.set_parsed_query(document);
    Some(plan)
}

/// Puts every object of `response` in selection order and removes the type keys.
pub fn finish(shape: &Shape, plan: &Plan, response: &mut Response) {
    let name = plan.operation_name.as_deref();
    let Some(operation) = plan
        .document
        .operations
        .iter()
        .find(|(n, _)| name.is_none() || n.map(Name::as_str) == name)
        .map(|(_, operation)| &operation.node)
    else {
        return;
    };
    if operation.ty == OperationType::Subscription {
        return;
    }
    if let Value::Object(map) = &mut response.data {
        let walk = Walk {
            shape,
            document: &plan.document,
            operation,
            variables: &plan.variables,
        };
        walk.object(
            map,
            &[&operation.selection_set.node],
            shape.root(operation.ty),
        );
    }
}

/// Adds the type key to the selection of every interface or union field.
struct Marker<'a> {
    shape: &'a Shape,
}

impl Marker<'_> {
    fn document(&self, document: &mut ExecutableDocument) {
        let operations: Vec<&mut Positioned<OperationDefinition>> = match &mut document.operations {
            DocumentOperations::Single(operation) => vec![operation],
            DocumentOperations::Multiple(named) => named.values_mut().collect(),
        };
        for operation in operations {
            let root = self.shape.root(operation.node.ty).to_owned();
            self.set(&mut operation.node.selection_set.node, &root);
        }
        for fragment in document.fragments.values_mut() {
            let on = fragment.node.type_condition.node.on.node.to_string();
            self.set(&mut fragment.node.selection_set.node, &on);
        }
    }

    fn set(&self, set: &mut SelectionSet, ty: &str) {
        for item in &mut set.items {
            match &mut item.node {
                Selection::Field(field) => {
                    let field = &mut field.node;
                    let Some(shape) = self.shape.field(Some(ty), field.name.node.as_str()) else {
                        continue;
                    };
                    let returns = shape.ty.clone();
                    self.set(&mut field.selection_set.node, &returns);
                    if self.shape.is_abstract(&returns)
                        && !field.selection_set.node.items.is_empty()
                    {
                        field.selection_set.node.items.push(type_key());
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or_else(|| ty.to_owned(), |c| c.node.on.node.to_string());
                    self.set(&mut fragment.node.selection_set.node, &on);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
}

fn at<T>(node: T) -> Positioned<T> {
    Positioned::new(node, Pos::default())
}

fn type_key() -> Positioned<Selection> {
    at(Selection::Field(at(Field {
        alias: Some(at(Name::new(TYPE_KEY))),
        name: at(Name::new("__typename")),
        arguments: Vec::new(),
        directives: Vec::new(),
        selection_set: at(SelectionSet::default()),
    })))
}

/// One reordering pass over a response.
struct Walk<'a> {
    shape: &'a Shape,
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
}

type Grouped<'a> = Vec<(&'a str, Vec<&'a Field>)>;

impl<'a> Walk<'a> {
    /// Puts the keys of `map`, an object of concrete type `ty` selected by `sets`, in order, and
    /// recurses into each field's value.
    fn object(
        &self,
        map: &mut async_graphql::indexmap::IndexMap<Name, Value>,
        sets: &[&'a SelectionSet],
        ty: &str,
    ) {
        let mut grouped = Grouped::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect(set, ty, &mut grouped, &mut visited);
        }
        let mut old = std::mem::take(map);
        old.swap_remove(TYPE_KEY);
        for (key, fields) in grouped {
            let Some(mut value) = old.swap_remove(key) else {
                continue;
            };
            if let Some(field) = self.shape.field(Some(ty), fields[0].name.node.as_str()) {
                let sets: Vec<&SelectionSet> =
                    fields.iter().map(|f| &f.selection_set.node).collect();
                self.value(&mut value, &sets, &field.ty);
            }
            map.insert(Name::new(key), value);
        }
        // Nothing should be left; whatever is keeps its place after the selected keys.
        map.extend(old);
    }

    /// Orders the objects inside `value`, whose declared type is `ty`.
    fn value(&self, value: &mut Value, sets: &[&'a SelectionSet], ty: &str) {
        match value {
            Value::List(items) => {
                for item in items {
                    self.value(item, sets, ty);
                }
            }
            Value::Object(map) => {
                if self.shape.is_object(ty) {
                    self.object(map, sets, ty);
                } else if self.shape.is_abstract(ty) {
                    let concrete = match map.get(TYPE_KEY) {
                        Some(Value::String(name)) => name.clone(),
                        _ => return,
                    };
                    self.object(map, sets, &concrete);
                }
            }
            _ => {}
        }
    }

    /// CollectFields: the fields `set` selects on an object of type `ty`, grouped by response key
    /// in the order of their first appearance, fragments expanded where they apply.
    fn collect(
        &self,
        set: &'a SelectionSet,
        ty: &str,
        grouped: &mut Grouped<'a>,
        visited: &mut HashSet<&'a str>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if !self.included(&field.node.directives) {
                        continue;
                    }
                    let key = field.node.response_key().node.as_str();
                    match grouped.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(&field.node),
                        None => grouped.push((key, vec![&field.node])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !self.included(&spread.node.directives) || !visited.insert(name) {
                        continue;
                    }
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let condition = fragment.node.type_condition.node.on.node.as_str();
                    if self.applies(condition, ty) {
                        self.collect(&fragment.node.selection_set.node, ty, grouped, visited);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    if !self.included(&fragment.node.directives) {
                        continue;
                    }
                    let applies = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.applies(c.node.on.node.as_str(), ty));
                    if applies {
                        self.collect(&fragment.node.selection_set.node, ty, grouped, visited);
                    }
                }
            }
        }
    }

    fn applies(&self, condition: &str, ty: &str) -> bool {
        self.shape.applies(condition, ty)
    }

    /// Whether `@skip` and `@include` keep a selection.
    fn included(&self, directives: &[async_graphql::Positioned<Directive>]) -> bool {
        directives.iter().all(|directive| {
            let directive = &directive.node;
            let condition = || {
                directive
                    .get_argument("if")
                    .map(|value| self.boolean(&value.node))
            };
            match directive.name.node.as_str() {
                "skip" => condition() != Some(true),
                "include" => condition() != Some(false),
                _ => true,
            }
        })
    }

    /// A boolean argument, literal or variable (with the operation's default).
    fn boolean(&self, value: &InputValue) -> bool {
        match value {
            InputValue::Boolean(b) => *b,
            InputValue::Variable(name) => {
                let given = self.variables.get(name).cloned();
                let default = || {
                    self.operation
                        .variable_definitions
                        .iter()
                        .find(|definition| definition.node.name.node == *name)
                        .and_then(|definition| definition.node.default_value())
                        .cloned()
                };
                matches!(given.or_else(default), Some(Value::Boolean(true)))
            }
            _ => false,
        }
    }
}
