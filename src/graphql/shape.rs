//! What the request checks and the response's field order need to know of the schema, read once
//! from its SDL: which types are objects or abstract, what each field returns, and which object
//! types each interface or union can be.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::{
    parse_schema,
    types::{BaseType, TypeKind, TypeSystemDefinition},
};

/// The schema as the executed-selection limits and the field-order pass see it.
#[derive(Debug, Default)]
pub struct Shape {
    types: HashMap<String, TypeShape>,
    /// The object types each interface or union can be.
    possible: HashMap<String, HashSet<String>>,
    pub(super) query: String,
    pub(super) mutation: String,
    pub(super) subscription: String,
    pub(super) directives: HashSet<String>,
}

#[derive(Debug, Default)]
struct TypeShape {
    is_object: bool,
    fields: HashMap<String, FieldShape>,
}

/// One field: its named type and whether its page size or its `ids` multiply what it selects.
#[derive(Debug)]
pub(super) struct FieldShape {
    pub(super) ty: String,
    pub(super) paged: bool,
    pub(super) by_ids: bool,
}

fn named(ty: &async_graphql::parser::types::Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

impl Shape {
    /// The shape of a schema from its SDL (`Schema::sdl()`).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut shape = Shape {
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
            directives: ["include", "skip"].map(String::from).into(),
            ..Default::default()
        };
        let Ok(document) = parse_schema(sdl) else {
            return shape;
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(name) = schema.query {
                        shape.query = name.node.to_string();
                    }
                    if let Some(name) = schema.mutation {
                        shape.mutation = name.node.to_string();
                    }
                    if let Some(name) = schema.subscription {
                        shape.subscription = name.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let name = ty.name.node.to_string();
                    let (is_object, fields) = match ty.kind {
                        TypeKind::Object(object) => {
                            for interface in object.implements {
                                shape
                                    .possible
                                    .entry(interface.node.to_string())
                                    .or_default()
                                    .insert(name.clone());
                            }
                            (true, object.fields)
                        }
                        TypeKind::Interface(interface) => {
                            shape.possible.entry(name.clone()).or_default();
                            (false, interface.fields)
                        }
                        TypeKind::Union(union) => {
                            let members = union.members.iter().map(|m| m.node.to_string());
                            shape
                                .possible
                                .entry(name.clone())
                                .or_default()
                                .extend(members);
                            (false, Vec::new())
                        }
                        _ => (false, Vec::new()),
                    };
                    let fields = fields
                        .into_iter()
                        .map(|field| {
                            let field = field.node;
                            let argument = |name: &str| {
                                field.arguments.iter().any(|a| a.node.name.node == name)
                            };
                            let shape = FieldShape {
                                ty: named(&field.ty.node).to_owned(),
                                paged: argument("first") || argument("last"),
                                by_ids: argument("ids"),
                            };
                            (field.name.node.to_string(), shape)
                        })
                        .collect();
                    shape.types.insert(name, TypeShape { is_object, fields });
                }
                TypeSystemDefinition::Directive(directive) => {
                    shape
                        .directives
                        .insert(directive.node.name.node.to_string());
                }
            }
        }
        shape
    }

    /// The field `name` of type `parent`, if both exist.
    pub(super) fn field(&self, parent: Option<&str>, name: &str) -> Option<&FieldShape> {
        self.types.get(parent?)?.fields.get(name)
    }

    /// Whether `name` is an object type.
    pub(super) fn is_object(&self, name: &str) -> bool {
        self.types.get(name).is_some_and(|t| t.is_object)
    }

    /// Whether `name` is an interface or a union.
    pub(super) fn is_abstract(&self, name: &str) -> bool {
        self.possible.contains_key(name)
    }

    /// Whether a fragment on `condition` applies to an object of type `ty`.
    pub(super) fn applies(&self, condition: &str, ty: &str) -> bool {
        condition == ty
            || self
                .possible
                .get(condition)
                .is_some_and(|types| types.contains(ty))
    }

    /// The root type of an operation of kind `ty`.
    pub(super) fn root(&self, ty: async_graphql::parser::types::OperationType) -> &str {
        use async_graphql::parser::types::OperationType;
        match ty {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        }
    }
}
