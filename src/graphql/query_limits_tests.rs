//! The cost model on a small schema: page sizes, branches, memoized fragments, cycles and depth.

use super::*;

const SDL: &str = "
    type Query { items(first: Int, last: Int): ItemConnection! node: Node nodes(ids: [ID!]!): [Node]! }
    type ItemConnection { nodes: [Item!]! }
    interface Node { id: ID! }
    type Item implements Node { id: ID! name: String! children(first: Int): ItemConnection! }
    type Other implements Node { id: ID! name: String! children(first: Int): ItemConnection! }
    directive @cached on FIELD
";

fn run(query: &str, variables: serde_json::Value) -> Result<Budget, Refused> {
    let shape = Shape::from_sdl(SDL);
    let doc = async_graphql::parser::parse_query(query).expect("parses");
    let variables = Variables::from_json(variables);
    let mut budget = Budget::default();
    check(
        &shape,
        &doc,
        None,
        &variables,
        &Limits::default(),
        &mut budget,
    )?;
    check_cost(&budget, &Limits::default())?;
    Ok(budget)
}

fn cost(query: &str) -> u64 {
    run(query, serde_json::json!({})).expect("accepted").cost
}

#[test]
fn page_sizes_multiply_from_literals_variables_defaults_and_the_default_page_size() {
    assert_eq!(cost("{ items(first: 5) { nodes { id name } } }"), 5 * 3);
    assert_eq!(cost("{ items(last: 7) { nodes { id } } }"), 7 * 2);
    assert_eq!(cost("{ items { nodes { id } } }"), 20 * 2);
    assert_eq!(cost("{ items(first: 100000) { nodes { id } } }"), 100 * 2);
    assert_eq!(
        cost("query($n: Int = 3) { items(first: $n) { nodes { id } } }"),
        3 * 2
    );
    let sent = run(
        "query($n: Int = 3) { items(first: $n) { nodes { id } } }",
        serde_json::json!({ "n": 9 }),
    );
    assert_eq!(sent.expect("accepted").cost, 9 * 2);
    assert_eq!(cost(r#"{ nodes(ids: ["a", "b", "c"]) { id } }"#), 3);
}

#[test]
fn fragments_on_different_object_types_cost_the_dearest_and_the_others_add_up() {
    // node: 1 + max(Item: 1 + 5 x 2, Other: 1) = 12.
    let branches =
        "{ node { ... on Item { id children(first: 5) { nodes { id } } } ... on Other { id } } }";
    assert_eq!(cost(branches), 12);
    // The same with a named fragment and an interface fragment, which always applies: 1 + 1 + 11.
    let named = "{ node { ... on Node { id } ...I ... on Other { id } } } fragment I on Item { id children(first: 5) { nodes { id } } }";
    assert_eq!(cost(named), 13);
    // Two fragments on the same type add up: 1 + 2 + 2.
    assert_eq!(
        cost("{ node { ... on Item { id name } ... on Item { id name } } }"),
        5
    );
}

#[test]
fn each_fragment_is_walked_once_but_counted_at_every_spread() {
    let fragments: String = (0..40)
        .map(|i| {
            format!(
                " fragment F{i} on Query {{ __typename ...F{} ...F{} }}",
                i + 1,
                i + 1
            )
        })
        .collect();
    let query = format!("{{ ...F0 }}{fragments} fragment F40 on Query {{ __typename }}");
    match run(&query, serde_json::json!({})) {
        Err(Refused::Fields { count, limit }) => {
            assert_eq!(count, (1u64 << 41) - 1);
            assert_eq!(limit, 2000);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cycles_unknown_directives_and_deep_chains_are_refused() {
    let cycle = run(
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        serde_json::json!({}),
    );
    assert!(matches!(cycle, Err(Refused::Cycle(_))), "{cycle:?}");
    let unknown = run("{ __typename @aa }", serde_json::json!({}));
    assert!(matches!(unknown, Err(Refused::UnknownDirective(name)) if name == "aa"));
    assert!(
        run(
            "{ __typename @cached @include(if: true) }",
            serde_json::json!({})
        )
        .is_ok()
    );
    assert!(matches!(
        run("{ __typename(x: 1) }", serde_json::json!({})),
        Err(Refused::TypenameArguments)
    ));
    // A chain of 200 fragments, each one spreading the next: too deep to walk, refused.
    let chain: String = (0..200)
        .map(|i| format!(" fragment F{i} on Query {{ ...F{} }}", i + 1))
        .collect();
    let query = format!("{{ ...F0 }}{chain} fragment F200 on Query {{ __typename }}");
    let deep = run(&query, serde_json::json!({}));
    assert!(matches!(deep, Err(Refused::Nesting { .. })), "{deep:?}");
}

#[test]
fn depth_counts_fields_through_fragments() {
    let nested =
        "{ node { ...A } } fragment A on Item { children { nodes { children { nodes { id } } } } }";
    // node > children > nodes > children > nodes > id
    let shape = Shape::from_sdl(SDL);
    let doc = async_graphql::parser::parse_query(nested).unwrap();
    let limits = Limits {
        max_depth: 5,
        ..Default::default()
    };
    let refused = check(
        &shape,
        &doc,
        None,
        &Variables::default(),
        &limits,
        &mut Budget::default(),
    );
    assert!(
        matches!(refused, Err(Refused::Depth { depth: 6, limit: 5 })),
        "{refused:?}"
    );
}
