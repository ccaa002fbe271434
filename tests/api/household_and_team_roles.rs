//! Roles on the Service Model Foundation records (DOMAIN.md §1): managers and admins
//! change them; agents read them; relationship agents read their own teams; consumers read their
//! own households and relationships; anonymous callers change nothing.

use serde_json::{Value, json};

use crate::support::{
    CONSUMER, HouseholdHead, RELATIONSHIP_AGENT, SET_PRIMARY_HOUSEHOLD, TestApp, admin_ok, agent,
    assert_audited, assert_refused_writing_nothing, consumer, customer, day, define_responsibility,
    household, manager, member, membership_of, relationship_agent, removed, represent,
    sorted_field, sorted_names, team_member,
};

/// One record of every household, team and consumer-relationship kind, for trying every mutation on.
struct World {
    ann: String,
    ben: String,
    home: String,
    bens_membership: String,
    rita: String,
    team_member: String,
    link: String,
    advisor: String,
}

/// Ann heads the home where Ben lives; Ann represents Ben there; Rita (subject `rita`) manages
/// the home; "Account Advisor" is a USER responsibility nobody uses yet.
async fn world(app: &TestApp) -> World {
    let ann = consumer(app, "Ann Fischer", None).await;
    let ben = consumer(app, "Ben Fischer", None).await;
    let home = household(app, "Fischer Home", Some(&ann)).await;
    let bens_membership = member(app, &home, &ben, None, None).await;
    let rita = relationship_agent(app, "Rita Shah", Some("rita")).await;
    let team_member = team_member(app, &rita, &home, None).await;
    let link = represent(app, &ann, &ben, Some(&home)).await;
    let advisor = define_responsibility(
        app,
        "Account Advisor",
        "USER",
        false,
        Some(RELATIONSHIP_AGENT),
    )
    .await;
    World {
        ann,
        ben,
        home,
        bens_membership,
        rita,
        team_member,
        link,
        advisor,
    }
}

/// Every team member and consumer relationship mutation, with valid arguments on `w`'s records.
fn mutations(w: &World) -> Vec<(&'static str, Value)> {
    vec![
        (
            "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
            json!({ "i": { "name": "Zed Fischer" } }),
        ),
        (
            "mutation($i: UpdateConsumerInput!) { updateConsumer(input: $i) { consumer { id } } }",
            json!({ "i": { "id": w.ann, "name": "Ann Fischer-Ng" } }),
        ),
        (
            SET_PRIMARY_HOUSEHOLD,
            json!({ "i": { "consumerId": w.ann, "householdId": w.home } }),
        ),
        (
            "mutation($id: ID!) { deleteConsumer(id: $id) { deletedId } }",
            json!({ "id": w.ben }),
        ),
        (
            "mutation($id: ID!) { deleteConsumer(id: $id, dryRun: true) { dryRun } }",
            json!({ "id": w.ben }),
        ),
        (
            "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
            json!({ "i": { "name": "Zed Home" } }),
        ),
        (
            "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
            json!({ "i": { "id": w.home, "name": "Renamed", "headId": w.ben } }),
        ),
        (
            "mutation($id: ID!) { deleteHousehold(id: $id) { deletedId } }",
            json!({ "id": w.home }),
        ),
        (
            "mutation($id: ID!) { deleteHousehold(id: $id, dryRun: true) { dryRun } }",
            json!({ "id": w.home }),
        ),
        (
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            json!({ "i": { "householdId": w.home, "consumerId": w.ben, "startDate": "1990-01-01", "endDate": "1990-12-31" } }),
        ),
        (
            "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun } }",
            json!({ "i": { "membershipId": w.bens_membership } }),
        ),
        (
            "mutation($id: ID!) { removeHouseholdMembership(id: $id) { deletedId } }",
            json!({ "id": w.bens_membership }),
        ),
        ("mutation { sweep { removed { kind } } }", json!({})),
        (
            "mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { teamMember { id } } }",
            json!({ "i": { "userId": w.rita, "targetId": w.ann } }),
        ),
        (
            "mutation($i: UpdateTeamMemberInput!) { updateTeamMember(input: $i) { teamMember { id } } }",
            json!({ "i": { "id": w.team_member, "order": 9 } }),
        ),
        (
            "mutation($id: ID!) { removeTeamMember(id: $id) { deletedId } }",
            json!({ "id": w.team_member }),
        ),
        (
            "mutation($i: CreateConsumerRelationshipInput!) { createConsumerRelationship(input: $i) { consumerRelationship { id } } }",
            json!({ "i": { "consumerId": w.ben, "relatedConsumerId": w.ann } }),
        ),
        (
            "mutation($i: UpdateConsumerRelationshipInput!) { updateConsumerRelationship(input: $i) { consumerRelationship { id } } }",
            json!({ "i": { "id": w.link, "order": 9 } }),
        ),
        (
            "mutation($id: ID!) { deleteConsumerRelationship(id: $id) { deletedId } }",
            json!({ "id": w.link }),
        ),
        (
            "mutation($id: ID!) { deleteResponsibilityDefinition(id: $id) { deletedId } }",
            json!({ "id": w.advisor }),
        ),
    ]
}

/// Sends every team member and consumer relationship mutation as `token` and expects each to be refused with `code`.
async fn refuse_all(app: &TestApp, w: &World, token: Option<&str>, code: &str) {
    for (query, variables) in mutations(w) {
        assert_refused_writing_nothing(app, token, query, variables, code, None).await;
    }
}

/// What `world` looks like to `token`.
async fn read_world(app: &TestApp, token: &str, w: &World) -> Value {
    app.ok(
        token,
        "query($h: ID!, $a: ID!, $u: ID!) {
            home: node(id: $h) { ... on Household { name
                members { nodes { name } }
                memberRelationships { totalCount }
                team { totalCount nodes { user { name } } } } }
            ann: node(id: $a) { ... on Consumer { relationships { totalCount } team { totalCount } } }
            rita: node(id: $u) { ... on InternalUser { householdTeams { totalCount } } }
        }",
        json!({ "h": w.home, "a": w.ann, "u": w.rita }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_and_admins_create_update_and_delete() {
    let app = TestApp::spawn().await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    for (who, token) in [("Manager", manager(&app)), ("Admin", app.admin())] {
        let token = token.as_str();
        let id = |data: &Value, path: [&str; 3]| {
            data[path[0]][path[1]][path[2]]
                .as_str()
                .unwrap_or_else(|| panic!("no {path:?} in {data}"))
                .to_owned()
        };
        let mut consumers = Vec::new();
        for name in ["Ann", "Ben"] {
            let made = app
                .ok(
                    token,
                    "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
                    json!({ "i": { "name": format!("{name} {who}") } }),
                )
                .await;
            consumers.push(id(&made, ["createConsumer", "consumer", "id"]));
        }
        let (ann, ben) = (&consumers[0], &consumers[1]);
        app.ok(
            token,
            "mutation($i: UpdateConsumerInput!) { updateConsumer(input: $i) { consumer { id } } }",
            json!({ "i": { "id": ann, "email": "ann@example.test" } }),
        )
        .await;
        let made = app
            .ok(
                token,
                "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
                json!({ "i": { "name": format!("Home {who}"), "headId": ann } }),
            )
            .await;
        let home = id(&made, ["createHousehold", "household", "id"]);
        let made = app
            .ok(
                token,
                "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
                json!({ "i": { "householdId": home, "consumerId": ben, "startDate": day(&app, -1) } }),
            )
            .await;
        let bens = id(&made, ["addHouseholdMember", "membership", "id"]);
        app.ok(
            token,
            "mutation($i: UpdateHouseholdInput!) { updateHousehold(input: $i) { household { id } } }",
            json!({ "i": { "id": home, "name": format!("House {who}") } }),
        )
        .await;
        app.ok(
            token,
            SET_PRIMARY_HOUSEHOLD,
            json!({ "i": { "consumerId": ben, "householdId": home } }),
        )
        .await;
        let made = app
            .ok(
                token,
                "mutation($i: CreateConsumerRelationshipInput!) { createConsumerRelationship(input: $i) { consumerRelationship { id } } }",
                json!({ "i": { "consumerId": ann, "relatedConsumerId": ben, "householdId": home } }),
            )
            .await;
        let link = id(
            &made,
            ["createConsumerRelationship", "consumerRelationship", "id"],
        );
        app.ok(
            token,
            "mutation($i: UpdateConsumerRelationshipInput!) { updateConsumerRelationship(input: $i) { consumerRelationship { id } } }",
            json!({ "i": { "id": link, "order": 1 } }),
        )
        .await;
        let made = app
            .ok(
                token,
                "mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { teamMember { id } } }",
                json!({ "i": { "userId": rita, "targetId": home } }),
            )
            .await;
        let seat = id(&made, ["addTeamMember", "teamMember", "id"]);
        app.ok(
            token,
            "mutation($i: UpdateTeamMemberInput!) { updateTeamMember(input: $i) { teamMember { id } } }",
            json!({ "i": { "id": seat, "validTo": day(&app, 100) } }),
        )
        .await;
        let read = app
            .ok(
                token,
                "query($h: ID!) { node(id: $h) { ... on Household { name head { name }
                    members { nodes { name } } memberRelationships { totalCount } team { totalCount } } } }",
                json!({ "h": home }),
            )
            .await;
        assert_eq!(read["node"]["name"], format!("House {who}"));
        assert_eq!(read["node"]["head"]["name"], format!("Ann {who}"));
        assert_eq!(
            sorted_names(&read["node"]["members"]["nodes"]),
            [format!("Ann {who}"), format!("Ben {who}")]
        );
        assert_eq!(read["node"]["memberRelationships"]["totalCount"], 1);
        assert_eq!(read["node"]["team"]["totalCount"], 1);

        app.ok(
            token,
            "mutation($id: ID!) { removeTeamMember(id: $id) { deletedId } }",
            json!({ "id": seat }),
        )
        .await;
        app.ok(
            token,
            "mutation($id: ID!) { deleteConsumerRelationship(id: $id) { deletedId } }",
            json!({ "id": link }),
        )
        .await;
        app.ok(
            token,
            "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun } }",
            json!({ "i": { "membershipId": bens, "endDate": day(&app, 0) } }),
        )
        .await;
        let gone = app
            .ok(
                token,
                "mutation($id: ID!) { removeHouseholdMembership(id: $id) { deletedId } }",
                json!({ "id": bens }),
            )
            .await;
        assert_eq!(gone["removeHouseholdMembership"]["deletedId"], bens);
        let gone = app
            .ok(
                token,
                "mutation($id: ID!) { deleteHousehold(id: $id) { deletedId removed { kind count ids } } }",
                json!({ "id": home }),
            )
            .await;
        assert_eq!(
            removed(&gone["deleteHousehold"]).keys().collect::<Vec<_>>(),
            ["HouseholdMembership"]
        );
        for consumer in [ann, ben] {
            let gone = app
                .ok(
                    token,
                    "mutation($id: ID!) { deleteConsumer(id: $id) { deletedId } }",
                    json!({ "id": consumer }),
                )
                .await;
            assert_eq!(gone["deleteConsumer"]["deletedId"], *consumer);
        }
        assert_audited(&app, "delete", "team_member", &[seat]).await;
        assert_audited(&app, "delete", "consumer_relationship", &[link]).await;
        assert_audited(&app, "delete", "household", &[home]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_read_team_members_and_relationships_but_change_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let acme = customer(&app, "Acme Corp").await;
    team_member(&app, &w.rita, &acme, None).await;
    team_member(&app, &w.rita, &w.ann, None).await;
    let agent = agent(&app);

    let read = read_world(&app, &agent, &w).await;
    assert_eq!(read["home"]["team"]["totalCount"], 1);
    assert_eq!(
        read["home"]["team"]["nodes"][0]["user"]["name"],
        "Rita Shah"
    );
    assert_eq!(read["home"]["memberRelationships"]["totalCount"], 1);
    assert_eq!(
        sorted_names(&read["home"]["members"]["nodes"]),
        ["Ann Fischer", "Ben Fischer"]
    );
    assert_eq!(read["ann"]["relationships"]["totalCount"], 1);
    assert_eq!(read["ann"]["team"]["totalCount"], 1);
    assert_eq!(read["rita"]["householdTeams"]["totalCount"], 1);
    let account_team = app
        .ok(
            &agent,
            "query($a: ID!) { node(id: $a) { ... on Account { team { totalCount } } } }",
            json!({ "a": acme }),
        )
        .await;
    assert_eq!(account_team["node"]["team"]["totalCount"], 1);

    refuse_all(&app, &w, Some(&agent), "FORBIDDEN").await;
    let after = read_world(&app, &agent, &w).await;
    assert_eq!(after, read, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relationship_agent_sees_only_its_own_team_memberships() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let sam = relationship_agent(&app, "Sam Ortiz", Some("sam")).await;
    let acme = customer(&app, "Acme Corp").await;
    let globex = customer(&app, "Globex Inc").await;
    let ritas_seat = team_member(&app, &w.rita, &acme, None).await;
    team_member(&app, &sam, &acme, Some(&w.advisor)).await;
    team_member(&app, &sam, &globex, None).await;
    team_member(&app, &sam, &w.ann, None).await;
    let rita = app.token("rita", &[RELATIONSHIP_AGENT]);
    const TEAMS: &str = "query($a: ID!, $g: ID!, $c: ID!, $s: ID!) {
        viewer { node { ... on InternalUser { name accountTeams { nodes { id } } householdTeams { totalCount } } } }
        acme: node(id: $a) { ... on Account { team { totalCount nodes { id user { name } } } } }
        globex: node(id: $g) { ... on Account { team { totalCount } } }
        ann: node(id: $c) { ... on Consumer { team { totalCount } } }
        sam: node(id: $s) { ... on InternalUser { accountTeams { totalCount } consumerTeams { totalCount } } }
    }";
    let vars = json!({ "a": acme, "g": globex, "c": w.ann, "s": sam });

    let seen = app.ok(&rita, TEAMS, vars.clone()).await;
    assert_eq!(seen["viewer"]["node"]["name"], "Rita Shah");
    assert_eq!(
        sorted_field(&seen["viewer"]["node"]["accountTeams"]["nodes"], "id"),
        [ritas_seat.as_str()]
    );
    assert_eq!(seen["viewer"]["node"]["householdTeams"]["totalCount"], 1);
    assert_eq!(seen["acme"]["team"]["totalCount"], 1, "{seen}");
    assert_eq!(seen["acme"]["team"]["nodes"][0]["id"], ritas_seat);
    assert_eq!(
        seen["acme"]["team"]["nodes"][0]["user"]["name"],
        "Rita Shah"
    );
    assert_eq!(seen["globex"]["team"]["totalCount"], 0);
    assert_eq!(seen["ann"]["team"]["totalCount"], 0);
    assert_eq!(seen["sam"]["accountTeams"]["totalCount"], 0);
    assert_eq!(seen["sam"]["consumerTeams"]["totalCount"], 0);

    // The whole team, for comparison, and a relationship agent with no stored user record.
    let all = admin_ok(&app, TEAMS, vars.clone()).await;
    assert_eq!(all["acme"]["team"]["totalCount"], 2);
    assert_eq!(all["sam"]["accountTeams"]["totalCount"], 2);
    let stranger = app.token("nobody", &[RELATIONSHIP_AGENT]);
    let none = app.ok(&stranger, TEAMS, vars).await;
    assert_eq!(none["acme"]["team"]["totalCount"], 0);
    assert_eq!(none["viewer"]["node"], Value::Null);

    refuse_all(&app, &w, Some(&rita), "FORBIDDEN").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_reads_its_own_households_and_relationships_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let eve = consumer(&app, "Eve Fischer", None).await;
    let plain = represent(&app, &w.ann, &eve, None).await;
    let HouseholdHead {
        id: cleo,
        household: other,
        token: cleos_token,
    } = HouseholdHead::new(&app, "Lambert Home", "Cleo Lambert", "cleo").await;
    let dora = consumer(&app, "Dora Lambert", None).await;
    member(&app, &other, &dora, None, None).await;
    let other_link = represent(&app, &cleo, &dora, Some(&other)).await;
    admin_ok(
        &app,
        "mutation($i: UpdateConsumerInput!) { updateConsumer(input: $i) { consumer { id } } }",
        json!({ "i": { "id": w.ann, "subject": "ann" } }),
    )
    .await;
    let ann = app.token("ann", &[CONSUMER]);
    const MINE: &str = "query($o: ID!, $ol: ID!, $c: ID!) {
        viewer { node { ... on Consumer { name
            households { nodes { name } }
            relationships { nodes { label relationship { id } } } } } }
        households { nodes { name members { nodes { name } } memberRelationships { nodes { id } } team { totalCount } } }
        consumers { nodes { name } }
        other: node(id: $o) { id }
        otherLink: node(id: $ol) { id }
        cleo: node(id: $c) { id }
    }";
    let vars = json!({ "o": other, "ol": other_link, "c": cleo });

    let seen = app.ok(&ann, MINE, vars.clone()).await;
    let me = &seen["viewer"]["node"];
    assert_eq!(me["name"], "Ann Fischer");
    assert_eq!(sorted_names(&me["households"]["nodes"]), ["Fischer Home"]);
    let mut mine = vec![w.link.clone(), plain.clone()];
    mine.sort();
    let mut listed: Vec<String> = me["relationships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["relationship"]["id"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, mine);
    assert_eq!(sorted_names(&seen["households"]["nodes"]), ["Fischer Home"]);
    let home = &seen["households"]["nodes"][0];
    assert_eq!(
        sorted_names(&home["members"]["nodes"]),
        ["Ann Fischer", "Ben Fischer"]
    );
    assert_eq!(
        sorted_field(&home["memberRelationships"]["nodes"], "id"),
        [w.link.as_str()]
    );
    assert_eq!(home["team"]["totalCount"], 0, "teams are for staff");
    assert_eq!(
        sorted_names(&seen["consumers"]["nodes"]),
        ["Ann Fischer", "Ben Fischer"]
    );
    assert_eq!(seen["other"], Value::Null);
    assert_eq!(seen["otherLink"], Value::Null);
    assert_eq!(seen["cleo"], Value::Null);

    // Cleo sees her own household, not Ann's.
    let cleos = app
        .ok(
            &cleos_token,
            "{ households { nodes { name memberRelationships { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        sorted_names(&cleos["households"]["nodes"]),
        ["Lambert Home"]
    );
    assert_eq!(
        cleos["households"]["nodes"][0]["memberRelationships"]["totalCount"],
        1
    );

    refuse_all(&app, &w, Some(&ann), "FORBIDDEN").await;

    // Once Ann has left the household (her last day is today), she no longer sees it.
    let anns = membership_of(&app, &w.home, &w.ann).await;
    admin_ok(&app, "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun } }",
        json!({ "i": { "membershipId": anns, "endDate": day(&app, 0) } }),
    )
    .await;
    app.clock.advance(chrono::Duration::days(1));
    let seen = app.ok(&ann, MINE, vars).await;
    assert_eq!(seen["households"]["nodes"], json!([]));
    assert_eq!(seen["viewer"]["node"]["households"]["nodes"], json!([]));
    let ids: Vec<String> = seen["viewer"]["node"]["relationships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["relationship"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [plain]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_are_unauthenticated_on_every_mutation() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    refuse_all(&app, &w, None, "UNAUTHENTICATED").await;
    let read = read_world(&app, &app.admin(), &w).await;
    assert_eq!(read["home"]["memberRelationships"]["totalCount"], 1);
    assert_eq!(read["home"]["team"]["totalCount"], 1);
}
