//! Team members: Account, Consumer and Household Team Members created, listed from both
//! ends, changed, removed, and refused for every broken rule without writing anything.

use serde_json::{Value, json};

use crate::support::{
    ADD_TEAM_MEMBER, RELATIONSHIP_AGENT, TestApp, admin_ok, assert_audited,
    assert_each_refused_writing_nothing, assert_refused_writing_nothing, consumer, customer, day,
    define_responsibility, household, internal_user, node, relationship_agent, responsibility,
    team_member,
};

/// Reads a target's team (Account, Consumer or Household share the field).
async fn team_of(app: &TestApp, target: &str) -> Value {
    let data = admin_ok(app, "query($t: ID!) { node(id: $t) {
                ... on Account { team { ...T } current: team(currentOnly: true) { totalCount } }
                ... on Consumer { team { ...T } current: team(currentOnly: true) { totalCount } }
                ... on Household { team { ...T } current: team(currentOnly: true) { totalCount } }
            } }
            fragment T on TeamMemberConnection { totalCount nodes { id target user { name } responsibility { name }
                account { name } consumer { name } household { name } order validFrom validTo isCurrent } }",
            json!({ "t": target }),
        )
        .await;
    data["node"].clone()
}

/// Reads a user's teams of all three kinds.
async fn teams_of_user(app: &TestApp, user: &str) -> Value {
    let data = node(app, user, "... on InternalUser {
                accountTeams { totalCount nodes { id account { name } responsibility { name } } }
                consumerTeams { totalCount nodes { id consumer { name } responsibility { name } } }
                householdTeams { totalCount nodes { id household { name } responsibility { name } } }
            }").await;
    data.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_team_member_is_listed_on_the_account_and_the_user() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;

    let created = admin_ok(&app, ADD_TEAM_MEMBER,
            json!({ "i": { "userId": rita, "targetId": acme, "order": 1, "validFrom": day(&app, -1), "validTo": day(&app, 30) } }),
        )
        .await;
    let created = &created["addTeamMember"]["teamMember"];
    assert_eq!(created["target"], "ACCOUNT");
    assert_eq!(created["user"]["name"], "Rita Shah");
    assert_eq!(created["responsibility"]["name"], "Account Manager");
    assert_eq!(created["order"], 1);
    assert_eq!(created["validFrom"], day(&app, -1));
    assert_eq!(created["validTo"], day(&app, 30));
    assert_eq!(created["isCurrent"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_audited(&app, "create", "team_member", &[&id]).await;

    let team = team_of(&app, &acme).await;
    assert_eq!(team["team"]["totalCount"], 1);
    let row = &team["team"]["nodes"][0];
    assert_eq!(row["id"], id);
    assert_eq!(row["account"]["name"], "Acme Corp");
    assert_eq!(row["consumer"], Value::Null);
    assert_eq!(row["household"], Value::Null);
    assert_eq!(row["validTo"], day(&app, 30));

    let mine = teams_of_user(&app, &rita).await;
    assert_eq!(mine["accountTeams"]["totalCount"], 1);
    assert_eq!(mine["accountTeams"]["nodes"][0]["id"], id);
    assert_eq!(
        mine["accountTeams"]["nodes"][0]["account"]["name"],
        "Acme Corp"
    );
    assert_eq!(mine["consumerTeams"]["totalCount"], 0);
    assert_eq!(mine["householdTeams"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_team_member_is_listed_on_the_consumer_and_the_user() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Silva", None).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let id = team_member(&app, &rita, &ann, None).await;

    let team = team_of(&app, &ann).await;
    assert_eq!(team["team"]["totalCount"], 1);
    let row = &team["team"]["nodes"][0];
    assert_eq!(row["id"], id);
    assert_eq!(row["target"], "CONSUMER");
    assert_eq!(row["responsibility"]["name"], "Relationship Manager");
    assert_eq!(row["consumer"]["name"], "Ann Silva");
    assert_eq!(row["account"], Value::Null);
    assert_eq!(row["user"]["name"], "Rita Shah");
    assert_eq!(row["validFrom"], Value::Null);
    assert_eq!(row["validTo"], Value::Null);
    assert_eq!(row["isCurrent"], true);

    let mine = teams_of_user(&app, &rita).await;
    assert_eq!(mine["consumerTeams"]["totalCount"], 1);
    assert_eq!(
        mine["consumerTeams"]["nodes"][0]["consumer"]["name"],
        "Ann Silva"
    );
    assert_eq!(
        mine["consumerTeams"]["nodes"][0]["responsibility"]["name"],
        "Relationship Manager"
    );
    assert_eq!(mine["accountTeams"]["totalCount"], 0);
    assert_eq!(mine["householdTeams"]["totalCount"], 0);
    assert_audited(&app, "create", "team_member", &[id]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_team_member_is_listed_on_the_household_and_the_user() {
    let app = TestApp::spawn().await;
    let home = household(&app, "Silva Home", None).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let id = team_member(&app, &rita, &home, None).await;

    let team = team_of(&app, &home).await;
    assert_eq!(team["team"]["totalCount"], 1);
    let row = &team["team"]["nodes"][0];
    assert_eq!(row["id"], id);
    assert_eq!(row["target"], "HOUSEHOLD");
    assert_eq!(row["responsibility"]["name"], "Relationship Manager");
    assert_eq!(row["household"]["name"], "Silva Home");

    let mine = teams_of_user(&app, &rita).await;
    assert_eq!(mine["householdTeams"]["totalCount"], 1);
    assert_eq!(
        mine["householdTeams"]["nodes"][0]["household"]["name"],
        "Silva Home"
    );
    assert_eq!(mine["accountTeams"]["totalCount"], 0);
    assert_eq!(mine["consumerTeams"]["totalCount"], 0);
    assert_audited(&app, "create", "team_member", &[id]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broken_team_rule_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let acme = customer(&app, "Acme Corp").await;
    let ann = consumer(&app, "Ann Silva", None).await;
    let home = household(&app, "Silva Home", None).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let sam = relationship_agent(&app, "Sam Ortiz", None).await;
    let norole = internal_user(&app, "Nora Quill", None).await;
    let contact_duty = responsibility(&app, "Authorized Contact").await;
    let representative = responsibility(&app, "Authorized Representative").await;
    // A shipped unique responsibility held by Rita on each target.
    for target in [&acme, &ann, &home] {
        team_member(&app, &rita, target, None).await;
    }
    let add = |user: &str, target: &str, extra: Value| {
        let mut input = json!({ "userId": user, "targetId": target });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        json!({ "i": input })
    };

    for target in [&acme, &ann, &home] {
        // Wrong responsibility type: a CONTACT responsibility, and one of type NONE.
        for duty in [&contact_duty, &representative] {
            assert_refused_writing_nothing(
                &app,
                Some(&admin),
                ADD_TEAM_MEMBER,
                add(&sam, target, json!({ "responsibilityId": duty })),
                "BAD_USER_INPUT",
                Some("responsibilityId"),
            )
            .await;
        }
        assert_each_refused_writing_nothing(
            &app,
            Some(&admin),
            ADD_TEAM_MEMBER,
            [
                // The user lacks the stored relationship_agent role.
                (
                    add(&norole, target, json!({})),
                    "BAD_USER_INPUT",
                    Some("userId"),
                ),
                // The unique responsibility already has a holder on this target.
                (
                    add(&sam, target, json!({})),
                    "CONFLICT",
                    Some("responsibilityId"),
                ),
                // Rita again: a duplicate.
                (add(&rita, target, json!({})), "CONFLICT", None),
                // Dates out of order.
                (
                    add(
                        &sam,
                        target,
                        json!({ "validFrom": day(&app, 10), "validTo": day(&app, 9) }),
                    ),
                    "BAD_USER_INPUT",
                    Some("validTo"),
                ),
            ],
        )
        .await;
        let team = team_of(&app, target).await;
        assert_eq!(team["team"]["totalCount"], 1, "{team}");
        assert_eq!(team["team"]["nodes"][0]["user"]["name"], "Rita Shah");
    }
    // Not a team target at all.
    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        ADD_TEAM_MEMBER,
        add(&sam, &contact_duty, json!({})),
        "BAD_USER_INPUT",
        Some("targetId"),
    )
    .await;
    let sams = teams_of_user(&app, &sam).await;
    for kind in ["accountTeams", "consumerTeams", "householdTeams"] {
        assert_eq!(sams[kind]["totalCount"], 0);
    }
    let noras = teams_of_user(&app, &norole).await;
    assert_eq!(noras["accountTeams"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_unique_responsibility_takes_several_holders_but_no_duplicate() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let acme = customer(&app, "Acme Corp").await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let sam = relationship_agent(&app, "Sam Ortiz", None).await;
    let advisor = define_responsibility(
        &app,
        "Account Advisor",
        "USER",
        false,
        Some(RELATIONSHIP_AGENT),
    )
    .await;
    team_member(&app, &rita, &acme, Some(&advisor)).await;
    team_member(&app, &sam, &acme, Some(&advisor)).await;
    // Rita may also hold the (unique) Account Manager responsibility on the same account.
    team_member(&app, &rita, &acme, None).await;
    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        ADD_TEAM_MEMBER,
        json!({ "i": { "userId": sam, "targetId": acme, "responsibilityId": advisor } }),
        "CONFLICT",
        None,
    )
    .await;
    let team = team_of(&app, &acme).await;
    assert_eq!(team["team"]["totalCount"], 3);
    let mut rows: Vec<(String, String)> = team["team"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["user"]["name"].as_str().unwrap().to_owned(),
                n["responsibility"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("Rita Shah".to_owned(), "Account Advisor".to_owned()),
            ("Rita Shah".to_owned(), "Account Manager".to_owned()),
            ("Sam Ortiz".to_owned(), "Account Advisor".to_owned()),
        ]
    );
    let ritas = teams_of_user(&app, &rita).await;
    assert_eq!(ritas["accountTeams"]["totalCount"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_member_is_updated_and_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let ann = consumer(&app, "Ann Silva", None).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let id = team_member(&app, &rita, &ann, None).await;
    const UPDATE: &str = "mutation($i: UpdateTeamMemberInput!) { updateTeamMember(input: $i) { teamMember { id order validFrom validTo isCurrent } } }";

    // Starting next week: listed, but not current yet.
    let updated = app
        .ok(
            &admin,
            UPDATE,
            json!({ "i": { "id": id, "order": 4, "validFrom": day(&app, 7) } }),
        )
        .await;
    let row = &updated["updateTeamMember"]["teamMember"];
    assert_eq!(row["order"], 4);
    assert_eq!(row["validFrom"], day(&app, 7));
    assert_eq!(row["validTo"], Value::Null);
    assert_eq!(row["isCurrent"], false);
    assert_audited(&app, "update", "team_member", &[&id]).await;
    let team = team_of(&app, &ann).await;
    assert_eq!(team["team"]["totalCount"], 1);
    assert_eq!(team["current"]["totalCount"], 0);

    assert_refused_writing_nothing(
        &app,
        Some(&admin),
        UPDATE,
        json!({ "i": { "id": id, "validFrom": day(&app, 3), "validTo": day(&app, 2) } }),
        "BAD_USER_INPUT",
        Some("validTo"),
    )
    .await;
    let team = team_of(&app, &ann).await;
    assert_eq!(team["team"]["nodes"][0]["validFrom"], day(&app, 7));

    // Once the start passes, it is current.
    app.clock.advance(chrono::Duration::days(7));
    let team = team_of(&app, &ann).await;
    assert_eq!(team["current"]["totalCount"], 1);
    assert_eq!(team["team"]["nodes"][0]["isCurrent"], true);

    let removed = app
        .ok(
            &admin,
            "mutation($id: ID!) { removeTeamMember(id: $id) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(removed["removeTeamMember"]["deletedId"], id);
    assert_audited(&app, "delete", "team_member", &[&id]).await;
    let team = team_of(&app, &ann).await;
    assert_eq!(team["team"]["totalCount"], 0);
    assert_eq!(
        teams_of_user(&app, &rita).await["consumerTeams"]["totalCount"],
        0
    );
    let gone = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(gone["node"], Value::Null);
}
