//! Response fields in the order the operation selected them (GraphQL spec §7.1, CollectFields).
//!
//! async-graphql resolves the fields of an object concurrently and inserts each into the response
//! as it finishes, so a field waiting on the dataloader lands after every field that did not wait.
//! This extension keeps that concurrency (and so the statement counts) and puts each object's keys
//! back in selection order once the operation has run: it keeps the parsed document and the
//! variables, and for objects reached through an interface or union field it notes their concrete
//! type as their fields resolve, since fragments on types decide which fields an object collects.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::{
    Name, Response, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve,
        ResolveInfo,
    },
    parser::types::{
        Directive, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
        SelectionSet,
    },
    registry::{MetaType, MetaTypeName, Registry},
};
use async_graphql_value::Value as InputValue;

/// Factory of the field-order extension, registered once on the schema.
pub struct FieldOrder;

impl ExtensionFactory for FieldOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldOrderExtension::default())
    }
}

#[derive(Default)]
struct FieldOrderExtension {
    /// The parsed document and the request's variables.
    request: Mutex<Option<(ExecutableDocument, Variables)>>,
    /// Interface or union fields being resolved; while there are any, objects note their type.
    abstract_fields: AtomicUsize,
    /// The concrete type of objects below interface or union fields, by response path.
    object_types: Mutex<HashMap<String, String>>,
}

fn is_abstract(registry: &Registry, ty: &str) -> bool {
    registry
        .types
        .get(MetaTypeName::concrete_typename(ty))
        .is_some_and(MetaType::is_abstract)
}

#[async_trait::async_trait]
impl Extension for FieldOrderExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.request.lock().expect("field order request") =
            Some((document.clone(), variables.clone()));
        Ok(document)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if self.abstract_fields.load(Ordering::Acquire) > 0
            && let Some(object) = info.path_node.parent
        {
            self.object_types
                .lock()
                .expect("field order types")
                .entry(object.to_string())
                .or_insert_with(|| info.parent_type.to_owned());
        }
        if !is_abstract(&ctx.schema_env.registry, info.return_type) {
            return next.run(ctx, info).await;
        }
        self.abstract_fields.fetch_add(1, Ordering::AcqRel);
        let value = next.run(ctx, info).await;
        self.abstract_fields.fetch_sub(1, Ordering::AcqRel);
        value
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let request = self.request.lock().expect("field order request").take();
        let Some((document, variables)) = request else {
            return response;
        };
        let Some(operation) = document
            .operations
            .iter()
            .find(|(name, _)| operation_name.is_none() || name.map(Name::as_str) == operation_name)
            .map(|(_, operation)| &operation.node)
        else {
            return response;
        };
        let registry = &ctx.schema_env.registry;
        let root = match operation.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => None,
        };
        if let (Some(root), Value::Object(map)) = (root, &mut response.data) {
            let types = self.object_types.lock().expect("field order types");
            let walk = Walk {
                registry,
                document: &document,
                operation,
                variables: &variables,
                object_types: &types,
            };
            walk.object(
                map,
                &[&operation.selection_set.node],
                root,
                &mut String::new(),
            );
        }
        response
    }
}

/// One reordering pass over a response.
struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    object_types: &'a HashMap<String, String>,
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
        path: &mut String,
    ) {
        let mut grouped = Grouped::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect(set, ty, &mut grouped, &mut visited);
        }
        let mut old = std::mem::take(map);
        for (key, fields) in grouped {
            let Some(mut value) = old.swap_remove(key) else {
                continue;
            };
            let field_type = self
                .registry
                .types
                .get(ty)
                .and_then(|meta| meta.field_by_name(fields[0].name.node.as_str()))
                .map(|field| MetaTypeName::concrete_typename(&field.ty));
            if let Some(field_type) = field_type {
                let sets: Vec<&SelectionSet> =
                    fields.iter().map(|f| &f.selection_set.node).collect();
                let len = path.len();
                push_segment(path, key);
                self.value(&mut value, &sets, field_type, path);
                path.truncate(len);
            }
            map.insert(Name::new(key), value);
        }
        // Nothing should be left; whatever is keeps its place after the selected keys.
        map.extend(old);
    }

    /// Orders the objects inside `value`, whose declared type is `ty`.
    fn value(&self, value: &mut Value, sets: &[&'a SelectionSet], ty: &str, path: &mut String) {
        match value {
            Value::List(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let len = path.len();
                    push_segment(path, &index.to_string());
                    self.value(item, sets, ty, path);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                let concrete = match self.registry.types.get(ty) {
                    Some(MetaType::Object { .. }) => Some(ty),
                    Some(meta) if meta.is_abstract() => {
                        self.object_types.get(path.as_str()).map(String::as_str)
                    }
                    _ => None,
                };
                // Without a noted type the object selected only `__typename`, which never waits.
                if let Some(concrete) = concrete {
                    self.object(map, sets, concrete, path);
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

    /// Whether a fragment on `condition` applies to an object of type `ty`.
    fn applies(&self, condition: &str, ty: &str) -> bool {
        condition == ty
            || self
                .registry
                .types
                .get(condition)
                .is_some_and(|meta| meta.is_possible_type(ty))
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

fn push_segment(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}
