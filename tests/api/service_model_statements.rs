//! Statement counts (issue 4): a page of households with their heads, members, member
//! relationships and teams costs the same number of SQL statements whatever the page size.

use serde_json::json;

use crate::support::{
    TestApp, consumer, household, member, relationship_agent, represent, team_member,
};

const HOUSEHOLDS: &str = "query($n: Int!) { households(first: $n) { nodes {
    name head { name }
    members { nodes { name } }
    memberRelationships { nodes { consumer { name } relatedConsumer { name } } }
    team { nodes { user { name } responsibility { name } } }
} } }";

const CONSUMERS: &str = "query($n: Int!) { consumers(first: $n) { nodes {
    name primaryHousehold { name }
    households { nodes { name } }
    memberships { nodes { startDate household { name } } }
    relationships { nodes { direction label otherConsumer { name } household { name } responsibility { name } } }
    team { nodes { user { name } } }
} } }";

/// 30 households, each with two members (the first is head and primary), a member relationship
/// and a team member.
async fn thirty_households(app: &TestApp) {
    let rita = relationship_agent(app, "Rita Shah", None).await;
    for n in 1..=30 {
        let a = consumer(app, &format!("Member {n:02} A"), None).await;
        let b = consumer(app, &format!("Member {n:02} B"), None).await;
        let home = household(app, &format!("Household {n:02}"), Some(&a)).await;
        member(app, &home, &b, None, None).await;
        app.ok(
            &app.admin(),
            "mutation($i: SetPrimaryHouseholdInput!) { setPrimaryHousehold(input: $i) { consumer { id } } }",
            json!({ "i": { "consumerId": a, "householdId": home } }),
        )
        .await;
        represent(app, &a, &b, Some(&home)).await;
        team_member(app, &rita, &home, None).await;
        team_member(app, &rita, &a, None).await;
    }
}

/// Runs `query` for page sizes 1, 10 and 30 and returns the statement counts and the replies.
async fn counts(app: &TestApp, query: &str) -> (Vec<u64>, Vec<serde_json::Value>) {
    let mut statements = Vec::new();
    let mut replies = Vec::new();
    for n in [1, 10, 30] {
        let reply = app.gql(Some(&app.admin()), query, json!({ "n": n })).await;
        replies.push(reply.data().clone());
        statements.push(reply.statements);
    }
    (statements, replies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_page_costs_the_same_statements_for_any_page_size() {
    let app = TestApp::spawn().await;
    thirty_households(&app).await;
    let (statements, replies) = counts(&app, HOUSEHOLDS).await;
    for (n, data) in [1, 10, 30].into_iter().zip(&replies) {
        let nodes = data["households"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        for (i, node) in nodes.iter().enumerate() {
            let k = i + 1;
            assert_eq!(node["name"], format!("Household {k:02}"));
            assert_eq!(node["head"]["name"], format!("Member {k:02} A"));
            assert_eq!(node["members"]["nodes"].as_array().unwrap().len(), 2);
            let link = &node["memberRelationships"]["nodes"][0];
            assert_eq!(link["consumer"]["name"], format!("Member {k:02} A"));
            assert_eq!(link["relatedConsumer"]["name"], format!("Member {k:02} B"));
            assert_eq!(node["team"]["nodes"][0]["user"]["name"], "Rita Shah");
            assert_eq!(
                node["team"]["nodes"][0]["responsibility"]["name"],
                "Relationship Manager"
            );
        }
    }
    assert!(statements[0] > 0, "the statement header is on");
    assert_eq!(
        statements,
        vec![statements[0]; 3],
        "statements for 1, 10, 30 households"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_page_costs_the_same_statements_for_any_page_size() {
    let app = TestApp::spawn().await;
    thirty_households(&app).await;
    let (statements, replies) = counts(&app, CONSUMERS).await;
    let all = replies[2]["consumers"]["nodes"].as_array().unwrap();
    assert_eq!(all.len(), 30);
    let first = &all[0];
    assert_eq!(first["name"], "Member 01 A");
    assert_eq!(first["primaryHousehold"]["name"], "Household 01");
    assert_eq!(first["households"]["nodes"][0]["name"], "Household 01");
    assert_eq!(first["relationships"]["nodes"][0]["direction"], "FORWARD");
    assert_eq!(
        first["relationships"]["nodes"][0]["otherConsumer"]["name"],
        "Member 01 B"
    );
    assert_eq!(first["team"]["nodes"][0]["user"]["name"], "Rita Shah");
    let second = &all[1];
    assert_eq!(second["name"], "Member 01 B");
    assert_eq!(
        second["relationships"]["nodes"][0]["label"],
        "Has Authorized Representative"
    );
    assert!(statements[0] > 0, "the statement header is on");
    assert_eq!(
        statements,
        vec![statements[0]; 3],
        "statements for 1, 10, 30 consumers"
    );
}
