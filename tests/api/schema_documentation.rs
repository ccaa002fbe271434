//! A schema a client can read: every element described (in client terms, never Rust's), the
//! `Organization` interface carrying what `Account` and `Partner` share, roles as an enum, and
//! response fields in the order they were selected.

use std::collections::{BTreeMap, BTreeSet};

use entity::role_assignment;
use sea_orm::EntityTrait;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};

use crate::support::{PARTNER_ADMIN, TestApp, admin_ok, assign_role, contact, customer, partner};

const INTROSPECTION: &str = r#"{ __schema { types {
    kind name description
    fields(includeDeprecated: true) { name description args { name description type { ...T } defaultValue } type { ...T } }
    inputFields { name description type { ...T } }
    enumValues(includeDeprecated: true) { name description }
    interfaces { name }
    possibleTypes { name }
} } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

fn described(element: &Value) -> bool {
    element["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

/// The schema's types as introspection shows them, without `__*` types and built-in scalars.
async fn schema_types(app: &TestApp) -> Vec<Value> {
    let data = admin_ok(app, INTROSPECTION, json!({})).await;
    data["__schema"]["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter(|t| {
            let name = t["name"].as_str().expect("name");
            !name.starts_with("__") && !BUILT_IN_SCALARS.contains(&name)
        })
        .cloned()
        .collect()
}

fn list(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_field_argument_enum_value_and_input_field_has_a_description() {
    let app = TestApp::spawn().await;
    let types = schema_types(&app).await;
    let mut missing = Vec::new();
    for ty in &types {
        let name = ty["name"].as_str().expect("name");
        if !described(ty) {
            missing.push(format!("{} {name}", ty["kind"].as_str().unwrap_or("?")));
        }
        for field in list(&ty["fields"]) {
            let field_name = field["name"].as_str().expect("field name");
            if !described(&field) {
                missing.push(format!("field {name}.{field_name}"));
            }
            for arg in list(&field["args"]) {
                if !described(&arg) {
                    missing.push(format!("argument {name}.{field_name}({})", arg["name"]));
                }
            }
        }
        for field in list(&ty["inputFields"]) {
            if !described(&field) {
                missing.push(format!("input field {name}.{}", field["name"]));
            }
        }
        for value in list(&ty["enumValues"]) {
            if !described(&value) {
                missing.push(format!("enum value {name}.{}", value["name"]));
            }
        }
    }
    assert!(
        types.len() > 100,
        "introspection lists the schema ({} types)",
        types.len()
    );
    assert!(
        missing.is_empty(),
        "{} schema elements have no description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_sdl_names_no_rust_type() {
    let sdl = liaison::graphql::sdl();
    let rust = [
        "Option<",
        "Vec<",
        "HashMap",
        "BTreeMap",
        "NaiveDate",
        "chrono",
        "Uuid",
        "i32",
        "i64",
        "u32",
        "u64",
        "usize",
        "&str",
        "::",
        "Rust",
        "serde",
        "sea-orm",
        "sea_orm",
    ];
    let found: Vec<String> = sdl
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            rust.iter()
                .find(|word| line.contains(*word))
                .map(|word| format!("line {}: `{word}` in {}", i + 1, line.trim()))
        })
        .collect();
    assert!(
        found.is_empty(),
        "Rust names in the SDL:\n{}",
        found.join("\n")
    );
}

/// A field's type as a string (`[Account!]!`) and its arguments with theirs.
fn signature(field: &Value) -> (String, Vec<(String, String, Value)>) {
    fn ty(t: &Value) -> String {
        match t["kind"].as_str() {
            Some("NON_NULL") => format!("{}!", ty(&t["ofType"])),
            Some("LIST") => format!("[{}]", ty(&t["ofType"])),
            _ => t["name"].as_str().expect("type name").to_owned(),
        }
    }
    let args = list(&field["args"])
        .iter()
        .map(|a| {
            (
                a["name"].as_str().expect("arg").to_owned(),
                ty(&a["type"]),
                a["defaultValue"].clone(),
            )
        })
        .collect();
    (ty(&field["type"]), args)
}

type Signatures = BTreeMap<String, (String, Vec<(String, String, Value)>)>;

fn fields_of(types: &[Value], name: &str) -> Signatures {
    let ty = types
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no type {name}"));
    list(&ty["fields"])
        .iter()
        .map(|f| (f["name"].as_str().expect("name").to_owned(), signature(f)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organization_interface_carries_every_field_account_and_partner_share() {
    let app = TestApp::spawn().await;
    let types = schema_types(&app).await;
    let account = fields_of(&types, "Account");
    let partner_fields = fields_of(&types, "Partner");
    let organization = fields_of(&types, "Organization");
    let shared: BTreeSet<&String> = account
        .keys()
        .filter(|name| {
            // Shared: same name and arguments on both; `Organization` may narrow the result type.
            partner_fields
                .get(*name)
                .is_some_and(|p| p.1 == account[*name].1)
        })
        .collect();
    assert!(shared.len() >= 22, "Account and Partner share {shared:?}");
    let missing: Vec<&&String> = shared
        .iter()
        .filter(|name| organization.get(**name).map(|o| &o.1) != Some(&account[**name].1))
        .collect();
    assert!(
        missing.is_empty(),
        "Organization lacks (or has other arguments for) {missing:?}"
    );

    // One query through the interface, no fragments, reads fields past `name` on both faces.
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    contact(&app, &abc, "Alice Brown", None).await;
    let data = admin_ok(
        &app,
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization {
            name isPartner contacts(first: 5) { totalCount nodes { name } }
            relationships { totalCount } hierarchyRoot { name } } } }",
        json!({"ids": [gsi, abc]}),
    )
    .await;
    assert_eq!(
        data["nodes"],
        json!([
            {"name": "GSI Tech", "isPartner": true, "contacts": {"totalCount": 0, "nodes": []},
             "relationships": {"totalCount": 0}, "hierarchyRoot": {"name": "GSI Tech"}},
            {"name": "ABC Corp", "isPartner": false,
             "contacts": {"totalCount": 1, "nodes": [{"name": "Alice Brown"}]},
             "relationships": {"totalCount": 0}, "hierarchyRoot": {"name": "ABC Corp"}},
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_an_enum_in_the_api_and_stored_by_their_names() {
    let app = TestApp::spawn().await;
    let types = schema_types(&app).await;
    let role = types
        .iter()
        .find(|t| t["name"] == "Role")
        .expect("a Role type");
    assert_eq!(role["kind"], "ENUM");
    let values: Vec<String> = list(&role["enumValues"])
        .iter()
        .map(|v| v["name"].as_str().expect("value").to_owned())
        .collect();
    assert_eq!(
        values,
        [
            "ADMIN",
            "MANAGER",
            "AGENT",
            "RELATIONSHIP_AGENT",
            "CUSTOMER",
            "CUSTOMER_CASE_MANAGER",
            "CUSTOMER_ADMIN",
            "PARTNER",
            "PARTNER_ADMIN",
            "CONSUMER"
        ]
    );
    // No field, argument or input field named for roles takes or returns text.
    let mut text_roles = Vec::new();
    for ty in &types {
        let name = ty["name"].as_str().expect("name");
        let fields = list(&ty["fields"])
            .into_iter()
            .chain(list(&ty["inputFields"]))
            .collect::<Vec<_>>();
        for field in &fields {
            let field_name = field["name"].as_str().expect("field");
            let mut check = |what: String, t: &Value| {
                let (named, _) = signature(&json!({"type": t}));
                let lower = what.to_lowercase();
                let base = named.trim_matches(|c| "[]!".contains(c));
                if (lower.ends_with("role") || lower.ends_with("roles")) && base == "String" {
                    text_roles.push(format!("{what}: {named}"));
                }
            };
            check(format!("{name}.{field_name}"), &field["type"]);
            for arg in list(&field["args"]) {
                check(
                    format!("{name}.{field_name}({})", arg["name"]),
                    &arg["type"],
                );
            }
        }
    }
    assert!(text_roles.is_empty(), "roles as text: {text_roles:?}");

    // The API speaks the enum; tokens and the database keep the stored name.
    let gsi = partner(&app, "GSI Tech").await;
    let peter = contact(&app, &gsi, "Peter Robinson", Some("peter.robinson")).await;
    assign_role(&app, &peter, PARTNER_ADMIN).await;
    let stored: Vec<String> = role_assignment::Entity::find()
        .all(&app.db)
        .await
        .expect("role rows")
        .into_iter()
        .map(|row| row.role)
        .collect();
    assert_eq!(stored, [PARTNER_ADMIN]);
    let token = app.token("peter.robinson", &[PARTNER_ADMIN]);
    let viewer = app
        .ok(
            &token,
            "{ viewer { roles node { ... on Contact { roles } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"],
        json!({"roles": ["PARTNER_ADMIN"], "node": {"roles": ["PARTNER_ADMIN"]}})
    );
}

/// A JSON value that keeps the order of object keys as the response sent them.
#[derive(Debug, PartialEq)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Scalar,
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
                    entries.push((key, value));
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::List(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Ordered {
    /// The keys of every object, depth first, as "path: key key ...".
    fn keys(&self, path: &str, out: &mut Vec<String>) {
        match self {
            Ordered::Object(entries) => {
                out.push(format!(
                    "{path}: {}",
                    entries
                        .iter()
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
                for (key, value) in entries {
                    value.keys(&format!("{path}.{key}"), out);
                }
            }
            Ordered::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.keys(&format!("{path}.{i}"), out);
                }
            }
            Ordered::Scalar => {}
        }
    }
}

/// The raw response body's object keys, in the order they were sent.
async fn raw_key_order(app: &TestApp, query: &str, variables: Value) -> Vec<String> {
    let body = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let ordered: Ordered = serde_json::from_str(&body).expect("JSON");
    let mut keys = Vec::new();
    ordered.keys("", &mut keys);
    assert!(!body.contains("\"errors\""), "{body}");
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_fields_come_back_in_the_order_they_were_selected() {
    let app = TestApp::spawn().await;
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    contact(&app, &abc, "Alice Brown", None).await;

    // Loader-backed fields (contacts, parent, hierarchyRoot, relationships) before and between
    // scalars, at every level, through aliases, fragments on types, @include and @skip.
    let keys = raw_key_order(
        &app,
        "query($yes: Boolean!, $no: Boolean = false, $gsi: ID!, $abc: ID!) {
          accounts(first: 5) {
            nodes {
              contacts { nodes { account { name } name } totalCount }
              name
              root: hierarchyRoot { number name }
              ...Org
              id @include(if: $yes)
              parent { name }
              number @skip(if: $no)
            }
            totalCount
          }
          n: nodes(ids: [$gsi, $abc]) {
            ... on Partner { contacts { totalCount } }
            ... on Node { id }
            ... on Account { contacts { totalCount } relationships { totalCount } }
            ... on Organization { name }
          }
        }
        fragment Org on Organization { relationships { totalCount } isCustomer }",
        json!({"yes": true, "gsi": gsi, "abc": abc}),
    )
    .await;
    assert_eq!(
        keys,
        [
            ": data",
            ".data: accounts n",
            ".data.accounts: nodes totalCount",
            ".data.accounts.nodes.0: contacts name root relationships isCustomer id parent number",
            ".data.accounts.nodes.0.contacts: nodes totalCount",
            ".data.accounts.nodes.0.contacts.nodes.0: account name",
            ".data.accounts.nodes.0.contacts.nodes.0.account: name",
            ".data.accounts.nodes.0.root: number name",
            ".data.accounts.nodes.0.relationships: totalCount",
            ".data.n.0: contacts id name",
            ".data.n.0.contacts: totalCount",
            ".data.n.1: id contacts relationships name",
            ".data.n.1.contacts: totalCount",
            ".data.n.1.relationships: totalCount",
        ]
    );

    // Mutation payloads too.
    let keys = raw_key_order(
        &app,
        "mutation($i: CreateContactInput!) { createContact(input: $i) {
            contact { account { name } name } } }",
        json!({"i": {"accountId": abc, "name": "Bob Brown"}}),
    )
    .await;
    assert_eq!(
        keys,
        [
            ": data",
            ".data: createContact",
            ".data.createContact: contact",
            ".data.createContact.contact: account name",
            ".data.createContact.contact.account: name",
        ]
    );
}
