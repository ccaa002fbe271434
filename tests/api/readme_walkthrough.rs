//! README's "Trying it" walkthrough, run as written: every ```graphql block of that section, in
//! order, as the demo principal its `# as:` line names, with the variables its `# variable` lines
//! take from earlier results, on a server seeded like `serve --demo`. Editing the walkthrough so
//! that it no longer runs, or no longer shows what its text says, fails here.

use std::collections::HashMap;

use async_graphql::parser::{parse_query, types::DocumentOperations};
use liaison::{
    access::principal::Principal,
    domain::{Ctx, clock::Clock},
    seed::demo,
};
use serde_json::{Map, Value, json};

use crate::support::{TestApp, nodes};

/// One fenced ```graphql block of the walkthrough.
#[derive(Debug)]
struct Step {
    /// The demo principal's label, as the server prints it and GraphiQL's picker lists it.
    persona: String,
    /// The operation's name, by which later steps refer to its result.
    name: String,
    /// Each variable and where its value comes from.
    variables: Vec<(String, Source)>,
    /// The block as pasted into GraphiQL, marker comments included.
    document: String,
}

#[derive(Debug)]
enum Source {
    /// A value pasted as it is.
    Literal(Value),
    /// The value at `path` in the result of the earlier operation `step`.
    Result { step: String, path: String },
}

/// The lines of README's "Trying it" section.
fn trying_it(readme: &str) -> Vec<&str> {
    let mut lines = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Trying it"));
    let heading = lines.next().expect("README has a \"## Trying it\" section");
    std::iter::once(heading)
        .chain(lines.take_while(|l| !l.starts_with("## ")))
        .collect()
}

/// The ```graphql blocks of `section`, in order.
fn graphql_blocks(section: &[&str]) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<Vec<&str>> = None;
    for line in section {
        match open.as_mut() {
            None if line.trim_start().starts_with("```graphql") => open = Some(Vec::new()),
            None => {}
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(block.join("\n"));
                open = None;
            }
            Some(block) => block.push(line),
        }
    }
    assert!(
        open.is_none(),
        "an unclosed ```graphql block in \"Trying it\""
    );
    blocks
}

/// Reads a block's markers and its one named operation.
fn step(document: String) -> Step {
    let mut persona = None;
    let mut variables = Vec::new();
    for line in document.lines() {
        let Some(comment) = line.trim().strip_prefix('#') else {
            continue;
        };
        let comment = comment.trim();
        if let Some(label) = comment.strip_prefix("as:") {
            assert!(persona.is_none(), "two `# as:` lines in:\n{document}");
            persona = Some(label.trim().to_owned());
        } else if let Some(spec) = comment.strip_prefix("variable $") {
            let (name, source) = spec
                .split_once(':')
                .unwrap_or_else(|| panic!("`# variable $name: source` expected: {line}"));
            let source = source.trim();
            let source = match source.split_once('→') {
                Some((step, path)) => Source::Result {
                    step: step.trim().to_owned(),
                    path: path.trim().to_owned(),
                },
                None => Source::Literal(serde_json::from_str(source).unwrap_or_else(|e| {
                    panic!("`{source}` is neither `Step → path` nor a JSON value: {e}")
                })),
            };
            variables.push((name.trim().to_owned(), source));
        }
    }
    let persona = persona.unwrap_or_else(|| panic!("no `# as:` line in:\n{document}"));
    let parsed = parse_query(&document)
        .unwrap_or_else(|e| panic!("the block does not parse ({e}):\n{document}"));
    let DocumentOperations::Multiple(operations) = &parsed.operations else {
        panic!("every block is one named operation, so later steps can name it:\n{document}");
    };
    assert_eq!(operations.len(), 1, "one operation per block:\n{document}");
    let (name, operation) = operations.iter().next().expect("one operation");
    let mut declared: Vec<String> = operation
        .node
        .variable_definitions
        .iter()
        .map(|v| v.node.name.node.to_string())
        .collect();
    let mut given: Vec<String> = variables.iter().map(|(n, _)| n.clone()).collect();
    declared.sort();
    given.sort();
    assert_eq!(
        declared, given,
        "every variable {name} declares has a `# variable` line, and no other:\n{document}"
    );
    Step {
        persona,
        name: name.to_string(),
        variables,
        document,
    }
}

/// The value at a dotted `path` (`accounts.nodes[name=ABC Corp].id`, `nodes[0]`) of `data`.
fn at(data: &Value, path: &str) -> Value {
    let mut here = data;
    for segment in path.split('.') {
        let (key, select) = match segment.split_once('[') {
            Some((key, rest)) => (key, rest.strip_suffix(']')),
            None => (segment, None),
        };
        here = &here[key];
        if let Some(select) = select {
            let list = here
                .as_array()
                .unwrap_or_else(|| panic!("`{key}` of `{path}` is not a list in {data}"));
            here = match select.split_once('=') {
                Some((field, value)) => list
                    .iter()
                    .find(|item| item[field] == value)
                    .unwrap_or_else(|| panic!("no `{field}` = {value} at `{path}` in {data}")),
                None => {
                    let index: usize = select.parse().expect("a list index");
                    &list[index]
                }
            };
        }
    }
    assert!(!here.is_null(), "nothing at `{path}` in {data}");
    here.clone()
}

/// The walkthrough, read from README.md as it is now.
fn walkthrough() -> Vec<Step> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("read README.md");
    let steps: Vec<Step> = graphql_blocks(&trying_it(&readme))
        .into_iter()
        .map(step)
        .collect();
    assert!(!steps.is_empty(), "\"Trying it\" has no ```graphql blocks");
    steps
}

/// Runs every step in order and returns each operation's `data` by name.
async fn run(app: &TestApp, steps: &[Step]) -> HashMap<String, Value> {
    let mut results: HashMap<String, Value> = HashMap::new();
    for step in steps {
        let (subject, _, role) = demo::PRINCIPALS
            .iter()
            .find(|(_, label, _)| *label == step.persona)
            .unwrap_or_else(|| {
                panic!(
                    "`# as: {}` in {} names no demo principal; the picker offers {:?}",
                    step.persona,
                    step.name,
                    demo::PRINCIPALS.iter().map(|p| p.1).collect::<Vec<_>>()
                )
            });
        let token = app.token(subject, &[role.as_str()]);
        let mut variables = Map::new();
        for (name, source) in &step.variables {
            let value = match source {
                Source::Literal(value) => value.clone(),
                Source::Result { step: from, path } => {
                    let earlier = results.get(from).unwrap_or_else(|| {
                        panic!(
                            "{} takes ${name} from {from}, which has not run before it",
                            step.name
                        )
                    });
                    at(earlier, path)
                }
            };
            variables.insert(name.clone(), value);
        }
        let reply = app
            .gql(Some(&token), &step.document, Value::Object(variables))
            .await;
        assert!(
            reply.status == 200 && reply.body.get("errors").is_none(),
            "README step {} as {} answered HTTP {}: {}",
            step.name,
            step.persona,
            reply.status,
            reply.body
        );
        let previous = results.insert(step.name.clone(), reply.body["data"].clone());
        assert!(previous.is_none(), "two steps are named {}", step.name);
    }
    results
}

/// The `data` of the step named `name`.
fn result<'a>(results: &'a HashMap<String, Value>, name: &str) -> &'a Value {
    results
        .get(name)
        .unwrap_or_else(|| panic!("the walkthrough has no step {name}"))
}

/// The rules of each grant of an explanation.
fn granted_rules(explanation: &Value) -> Vec<String> {
    explanation["grants"]
        .as_array()
        .unwrap_or_else(|| panic!("no grants in {explanation}"))
        .iter()
        .map(|g| g["rule"].as_str().expect("rule").to_owned())
        .collect()
}

const PARTNER_PATH: &str = "Partner of ABC Corp (Partner Account, DERIVED)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_runs_as_written_on_the_demo_data() {
    let steps = walkthrough();
    let app = TestApp::spawn().await;
    let ctx = Ctx::new(app.db.clone(), Principal::system(), Clock::default());
    demo::seed(&ctx).await.expect("seed the demo data");

    let results = run(&app, &steps).await;

    // 1. One stored relationship, read from both sides.
    let directory = result(&results, "Directory");
    let side = |list: &str| {
        let org = at(directory, &format!("{list}.nodes[0]"));
        nodes(&org["relationships"])
    };
    assert_eq!(
        at(directory, "partners.nodes[0].name"),
        "GSI Tech",
        "{directory}"
    );
    assert_eq!(
        side("partners"),
        [json!({"label": "Partner of", "direction": "FORWARD",
            "otherAccount": {"name": "ABC Corp"}, "type": {"name": "Partner Account"}})]
    );
    assert_eq!(
        side("accounts"),
        [json!({"label": "Customer of", "direction": "REVERSE",
            "otherAccount": {"name": "GSI Tech"}, "type": {"name": "Partner Account"}})]
    );

    // 2. Peter sees ABC Corp and its two demo cases.
    let peter = result(&results, "PetersAccounts");
    assert_eq!(peter["viewer"]["subject"], "peter.robinson");
    assert_eq!(peter["viewer"]["cases"]["totalCount"], 2);
    assert_eq!(peter["accounts"]["nodes"].as_array().map(Vec::len), Some(1));

    // 3. The case he opens is stamped with his partner account and himself.
    let opened = &result(&results, "OpenCase")["createCase"]["case"];
    assert_eq!(opened["number"], "CS0000004");
    assert_eq!(opened["state"], "NEW");
    assert_eq!(opened["account"]["name"], "ABC Corp");
    assert_eq!(opened["partner"]["name"], "GSI Tech");
    assert_eq!(opened["partnerContact"]["name"], "Peter Robinson");

    // 4. Peter's list is not empty: the new case first, each explained by the partner relationship.
    let cases = &result(&results, "PetersCases")["viewer"]["cases"];
    assert_eq!(cases["totalCount"], 3);
    assert_eq!(cases["pageInfo"]["hasNextPage"], true);
    let page = nodes(cases);
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["number"], opened["number"]);
    for case in &page {
        let explanation = &case["accessExplanation"];
        assert_eq!(explanation["allowed"], true, "{case}");
        assert_eq!(granted_rules(explanation), ["PARTNER_RELATIONSHIP"]);
        assert_eq!(explanation["grants"][0]["path"][0]["label"], PARTNER_PATH);
    }
    let next = &result(&results, "PetersNextPage")["viewer"]["cases"];
    assert_eq!(next["pageInfo"]["hasNextPage"], false);
    assert_eq!(
        nodes(next),
        [
            json!({"number": "CS0000001", "shortDescription": "Printer on the third floor is offline"})
        ]
    );

    // 5. Alice reads the same case through her own account.
    let alice = nodes(&result(&results, "AlicesView")["viewer"]["cases"]);
    assert_eq!(alice.len(), 1);
    assert_eq!(alice[0]["number"], opened["number"]);
    assert_eq!(alice[0]["partnerContact"]["name"], "Peter Robinson");
    assert_eq!(
        granted_rules(&alice[0]["accessExplanation"]),
        ["OWN_ACCOUNT"]
    );

    // 6, 7. Priya joins GSI Tech; her stored role gives her the three ABC Corp cases.
    let priya = &result(&results, "NewContact")["createContact"]["contact"];
    assert_eq!(priya["account"]["name"], "GSI Tech");
    assert_eq!(priya["roles"], json!([]));
    let assigned = &result(&results, "AssignRole")["assignRole"];
    assert_eq!(assigned["principalId"], priya["id"]);
    assert_eq!(
        assigned["accessChanges"],
        json!([{"principal": {"name": "Priya Patel"}, "subject": "priya.patel", "gained": 3, "lost": 0}])
    );

    // 8. Who can read the new case, and why Priya can.
    let seen = nodes(&result(&results, "WhoCanSeeIt")["cases"]);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["number"], opened["number"]);
    let holders = &seen[0]["whoCanAccess"];
    assert_eq!(holders["totalCount"], 6);
    let mut rules: Vec<(String, Value)> = nodes(holders)
        .iter()
        .map(|h| {
            (
                h["subject"].as_str().expect("subject").to_owned(),
                h["rules"].clone(),
            )
        })
        .collect();
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        rules,
        [
            ("ada.admin", json!(["INTERNAL_ROLE"])),
            ("agnes.agent", json!(["INTERNAL_ROLE"])),
            ("alice.brown", json!(["OWN_ACCOUNT"])),
            ("max.manager", json!(["INTERNAL_ROLE"])),
            ("peter.robinson", json!(["PARTNER_RELATIONSHIP"])),
            ("priya.patel", json!(["PARTNER_RELATIONSHIP"])),
        ]
        .map(|(s, r)| (s.to_owned(), r))
    );
    let why = &seen[0]["accessExplanation"];
    assert_eq!(why["allowed"], true);
    assert_eq!(why["subject"], "priya.patel");
    assert_eq!(granted_rules(why), ["PARTNER_RELATIONSHIP"]);
    assert_eq!(why["grants"][0]["path"][0]["label"], PARTNER_PATH);
}

#[test]
fn a_step_whose_variable_has_no_source_line_is_refused() {
    let block = "# as: Ada Admin (internal user)\nquery Q($id: ID!) { node(id: $id) { id } }";
    let refused = std::panic::catch_unwind(|| step(block.to_owned()));
    assert!(
        refused.is_err(),
        "an undocumented $id must fail the walkthrough test"
    );
    let documented = step(format!(
        "# variable $id: Directory → partners.nodes[0].id\n{block}"
    ));
    assert_eq!(documented.name, "Q");
    assert_eq!(documented.persona, "Ada Admin (internal user)");
}

#[test]
fn result_paths_select_by_index_and_by_name() {
    let data = json!({"accounts": {"nodes": [{"id": "a", "name": "GSI Tech"}, {"id": "b", "name": "ABC Corp"}]}});
    assert_eq!(at(&data, "accounts.nodes[name=ABC Corp].id"), "b");
    assert_eq!(at(&data, "accounts.nodes[0].id"), "a");
}
