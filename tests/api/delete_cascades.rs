//! Every cascade of DOMAIN.md §5: previewed with `dryRun` (counts reported, nothing
//! written), then run (the rows are gone, each with its own audit entry).

use serde_json::{Value, json};

use crate::support::{
    RELATIONSHIP_AGENT, TestApp, admin_ok, assert_audited, consumer, customer, day,
    define_responsibility, expected, household, member, membership_of, node, relationship_agent,
    relationship_ids, removed, represent, represent_as, set_primary_household, sorted_field,
    sorted_names, team_member,
};

const CASCADE: &str = "dryRun deletedId removed { kind count ids }";

/// Runs a cascading delete `field(id: $id, dryRun: $dry)` and returns its payload.
async fn cascade(app: &TestApp, field: &str, id: &str, dry_run: bool) -> Value {
    let query = format!(
        "mutation($id: ID!, $dry: Boolean!) {{ {field}(id: $id, dryRun: $dry) {{ {CASCADE} }} }}"
    );
    let data = admin_ok(app, &query, json!({ "id": id, "dry": dry_run })).await;
    let payload = data[field].clone();
    assert_eq!(payload["dryRun"], dry_run);
    if dry_run {
        assert_eq!(payload["deletedId"], Value::Null);
    } else {
        assert_eq!(payload["deletedId"], id);
    }
    payload
}

/// Runs `cascade` as a dry run and checks that it wrote nothing.
async fn preview(app: &TestApp, field: &str, id: &str) -> Value {
    let before = app.audit_count().await;
    let payload = cascade(app, field, id, true).await;
    assert_eq!(
        app.audit_count().await,
        before,
        "a dry run wrote audit entries"
    );
    payload
}

const CONSUMER: &str = "... on Consumer { name primaryHousehold { name }
    households(currentOnly: false) { nodes { name } }
    relationships { totalCount nodes { relationship { id } } }
    team { totalCount nodes { id } } }";
const HOUSEHOLD: &str = "... on Household { name head { name }
    members(currentOnly: false) { nodes { name } }
    memberships(currentOnly: false) { totalCount nodes { id } }
    memberRelationships { totalCount nodes { id } }
    team { totalCount nodes { id } } }";
const USER: &str = "... on InternalUser {
    accountTeams { nodes { id } } consumerTeams { nodes { id } } householdTeams { nodes { id } } }";

fn ids(list: &[&String]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| (*s).clone()).collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_user_responsibility_removes_the_team_members_using_it() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    let ann = consumer(&app, "Ann Dubois", None).await;
    let home = household(&app, "Dubois Home", None).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let coordinator = define_responsibility(
        &app,
        "Care Coordinator",
        "USER",
        false,
        Some(RELATIONSHIP_AGENT),
    )
    .await;
    let on_account = team_member(&app, &rita, &acme, Some(&coordinator)).await;
    let on_consumer = team_member(&app, &rita, &ann, Some(&coordinator)).await;
    let on_household = team_member(&app, &rita, &home, Some(&coordinator)).await;
    let kept = team_member(&app, &rita, &acme, None).await;
    let gone = [&on_account, &on_consumer, &on_household];

    let dry = preview(&app, "deleteResponsibilityDefinition", &coordinator).await;
    assert_eq!(removed(&dry), expected(&[("TeamMember", &gone)]));
    assert_eq!(
        node(
            &app,
            &coordinator,
            "... on ResponsibilityDefinition { name }"
        )
        .await["name"],
        "Care Coordinator"
    );
    let teams = node(&app, &rita, USER).await;
    assert_eq!(teams["accountTeams"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(teams["consumerTeams"]["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(
        teams["householdTeams"]["nodes"].as_array().unwrap().len(),
        1
    );

    let done = cascade(&app, "deleteResponsibilityDefinition", &coordinator, false).await;
    assert_eq!(removed(&done), expected(&[("TeamMember", &gone)]));
    assert_eq!(
        node(
            &app,
            &coordinator,
            "... on ResponsibilityDefinition { name }"
        )
        .await,
        Value::Null
    );
    let teams = node(&app, &rita, USER).await;
    assert_eq!(
        sorted_field(&teams["accountTeams"]["nodes"], "id"),
        [kept.as_str()]
    );
    assert_eq!(teams["consumerTeams"]["nodes"], json!([]));
    assert_eq!(teams["householdTeams"]["nodes"], json!([]));
    assert_eq!(node(&app, &ann, CONSUMER).await["team"]["totalCount"], 0);
    assert_eq!(node(&app, &home, HOUSEHOLD).await["team"]["totalCount"], 0);
    assert_audited(&app, "delete", "team_member", &ids(&gone)).await;
    assert_audited(&app, "delete", "responsibility_definition", &[&coordinator]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_consumer_responsibility_removes_the_consumer_relationships_using_it() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Dubois", None).await;
    let ben = consumer(&app, "Ben Dubois", None).await;
    let home = household(&app, "Dubois Home", Some(&ann)).await;
    member(&app, &home, &ben, None, None).await;
    let guardian = define_responsibility(&app, "Guardian", "NONE", false, None).await;
    let plain = represent_as(&app, &ann, &ben, None, Some(&guardian)).await;
    let in_home = represent_as(&app, &ann, &ben, Some(&home), Some(&guardian)).await;
    let kept_plain = represent(&app, &ann, &ben, None).await;
    let kept_in_home = represent(&app, &ben, &ann, Some(&home)).await;
    let gone = [&plain, &in_home];

    let dry = preview(&app, "deleteResponsibilityDefinition", &guardian).await;
    assert_eq!(removed(&dry), expected(&[("ConsumerRelationship", &gone)]));
    assert_eq!(
        node(&app, &ann, CONSUMER).await["relationships"]["totalCount"],
        4
    );
    assert_eq!(
        node(&app, &home, HOUSEHOLD).await["memberRelationships"]["totalCount"],
        2
    );

    let done = cascade(&app, "deleteResponsibilityDefinition", &guardian, false).await;
    assert_eq!(removed(&done), expected(&[("ConsumerRelationship", &gone)]));
    let kept = ids(&[&kept_plain, &kept_in_home]);
    assert_eq!(
        relationship_ids(&node(&app, &ann, CONSUMER).await["relationships"]["nodes"]),
        kept
    );
    assert_eq!(
        relationship_ids(&node(&app, &ben, CONSUMER).await["relationships"]["nodes"]),
        kept
    );
    let home_now = node(&app, &home, HOUSEHOLD).await;
    assert_eq!(
        sorted_field(&home_now["memberRelationships"]["nodes"], "id"),
        [kept_in_home.as_str()]
    );
    assert_audited(&app, "delete", "consumer_relationship", &ids(&gone)).await;
    assert_audited(&app, "delete", "responsibility_definition", &[guardian]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_consumer_removes_its_memberships_relationships_and_team() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Dubois", None).await;
    let ben = consumer(&app, "Ben Dubois", None).await;
    let cleo = consumer(&app, "Cleo Dubois", None).await;
    let home = household(&app, "Dubois Home", Some(&ann)).await;
    let cabin = household(&app, "Dubois Cabin", None).await;
    member(&app, &home, &ben, None, None).await;
    let ann_cabin = member(&app, &cabin, &ann, None, None).await;
    member(&app, &cabin, &cleo, None, None).await;
    let ann_home = membership_of(&app, &home, &ann).await;
    for who in [&ann, &ben] {
        set_primary_household(&app, who, &home).await;
    }
    let represents = represent(&app, &ann, &ben, None).await;
    let represented = represent(&app, &cleo, &ann, None).await;
    let in_home = represent(&app, &ann, &ben, Some(&home)).await;
    let in_cabin = represent(&app, &cleo, &ann, Some(&cabin)).await;
    let kept_link = represent(&app, &ben, &cleo, None).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let anns_team = team_member(&app, &rita, &ann, None).await;
    let bens_team = team_member(&app, &rita, &ben, None).await;
    let links = [&represents, &represented, &in_home, &in_cabin];
    let memberships = [&ann_home, &ann_cabin];
    let report = expected(&[
        ("ConsumerRelationship", &links),
        ("HouseholdMembership", &memberships),
        ("TeamMember", &[&anns_team]),
    ]);

    let dry = preview(&app, "deleteConsumer", &ann).await;
    assert_eq!(removed(&dry), report);
    let still = node(&app, &ann, CONSUMER).await;
    assert_eq!(still["name"], "Ann Dubois");
    assert_eq!(still["relationships"]["totalCount"], 4);
    assert_eq!(still["team"]["totalCount"], 1);
    assert_eq!(
        node(&app, &home, HOUSEHOLD).await["head"]["name"],
        "Ann Dubois"
    );

    let done = cascade(&app, "deleteConsumer", &ann, false).await;
    assert_eq!(removed(&done), report);
    assert_eq!(node(&app, &ann, CONSUMER).await, Value::Null);
    let home_now = node(&app, &home, HOUSEHOLD).await;
    assert_eq!(home_now["head"], Value::Null, "the household lost its head");
    assert_eq!(sorted_names(&home_now["members"]["nodes"]), ["Ben Dubois"]);
    assert_eq!(home_now["memberRelationships"]["totalCount"], 0);
    let cabin_now = node(&app, &cabin, HOUSEHOLD).await;
    assert_eq!(
        sorted_names(&cabin_now["members"]["nodes"]),
        ["Cleo Dubois"]
    );
    assert_eq!(cabin_now["memberRelationships"]["totalCount"], 0);
    let ben_now = node(&app, &ben, CONSUMER).await;
    assert_eq!(
        relationship_ids(&ben_now["relationships"]["nodes"]),
        [kept_link.as_str()]
    );
    assert_eq!(ben_now["primaryHousehold"]["name"], "Dubois Home");
    assert_eq!(
        relationship_ids(&node(&app, &cleo, CONSUMER).await["relationships"]["nodes"]),
        [kept_link.as_str()]
    );
    let teams = node(&app, &rita, USER).await;
    assert_eq!(
        sorted_field(&teams["consumerTeams"]["nodes"], "id"),
        [bens_team]
    );

    assert_audited(&app, "delete", "consumer", &[&ann]).await;
    assert_audited(&app, "delete", "consumer_relationship", &ids(&links)).await;
    assert_audited(&app, "delete", "household_membership", &ids(&memberships)).await;
    assert_audited(&app, "delete", "team_member", &[anns_team]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_household_removes_its_memberships_member_relationships_and_team() {
    let app = TestApp::spawn().await;
    let ann = consumer(&app, "Ann Dubois", None).await;
    let ben = consumer(&app, "Ben Dubois", None).await;
    let cleo = consumer(&app, "Cleo Dubois", None).await;
    let home = household(&app, "Dubois Home", Some(&ann)).await;
    let cabin = household(&app, "Dubois Cabin", Some(&ann)).await;
    let ben_home = member(&app, &home, &ben, Some(&day(&app, -20)), None).await;
    member(&app, &cabin, &cleo, None, None).await;
    let ann_home = membership_of(&app, &home, &ann).await;
    for who in [&ann, &ben] {
        set_primary_household(&app, who, &home).await;
    }
    let in_home = represent(&app, &ann, &ben, Some(&home)).await;
    let back_in_home = represent(&app, &ben, &ann, Some(&home)).await;
    let plain = represent(&app, &ann, &ben, None).await;
    let in_cabin = represent(&app, &ann, &cleo, Some(&cabin)).await;
    let rita = relationship_agent(&app, "Rita Shah", None).await;
    let home_team = team_member(&app, &rita, &home, None).await;
    let cabin_team = team_member(&app, &rita, &cabin, None).await;
    let anns_team = team_member(&app, &rita, &ann, None).await;
    let links = [&in_home, &back_in_home];
    let memberships = [&ann_home, &ben_home];
    let report = expected(&[
        ("ConsumerRelationship", &links),
        ("HouseholdMembership", &memberships),
        ("TeamMember", &[&home_team]),
    ]);

    let dry = preview(&app, "deleteHousehold", &home).await;
    assert_eq!(removed(&dry), report);
    let still = node(&app, &home, HOUSEHOLD).await;
    assert_eq!(still["memberships"]["totalCount"], 2);
    assert_eq!(still["memberRelationships"]["totalCount"], 2);
    assert_eq!(still["team"]["totalCount"], 1);
    assert_eq!(
        node(&app, &ann, CONSUMER).await["primaryHousehold"]["name"],
        "Dubois Home"
    );

    let done = cascade(&app, "deleteHousehold", &home, false).await;
    assert_eq!(removed(&done), report);
    assert_eq!(node(&app, &home, HOUSEHOLD).await, Value::Null);
    let ann_now = node(&app, &ann, CONSUMER).await;
    assert_eq!(ann_now["primaryHousehold"], Value::Null);
    assert_eq!(
        sorted_names(&ann_now["households"]["nodes"]),
        ["Dubois Cabin"]
    );
    assert_eq!(
        relationship_ids(&ann_now["relationships"]["nodes"]),
        ids(&[&plain, &in_cabin])
    );
    assert_eq!(ann_now["team"]["totalCount"], 1);
    let ben_now = node(&app, &ben, CONSUMER).await;
    assert_eq!(ben_now["primaryHousehold"], Value::Null);
    assert_eq!(ben_now["households"]["nodes"], json!([]));
    assert_eq!(
        relationship_ids(&ben_now["relationships"]["nodes"]),
        [plain.as_str()]
    );
    let cabin_now = node(&app, &cabin, HOUSEHOLD).await;
    assert_eq!(cabin_now["head"]["name"], "Ann Dubois");
    assert_eq!(cabin_now["memberships"]["totalCount"], 2);
    assert_eq!(
        sorted_field(&cabin_now["memberRelationships"]["nodes"], "id"),
        [in_cabin]
    );
    let teams = node(&app, &rita, USER).await;
    assert_eq!(
        sorted_field(&teams["householdTeams"]["nodes"], "id"),
        [cabin_team]
    );
    assert_eq!(
        sorted_field(&teams["consumerTeams"]["nodes"], "id"),
        [anns_team]
    );

    assert_audited(&app, "delete", "household", &[&home]).await;
    assert_audited(&app, "delete", "consumer_relationship", &ids(&links)).await;
    assert_audited(&app, "delete", "household_membership", &ids(&memberships)).await;
    assert_audited(&app, "delete", "team_member", &[home_team]).await;
}

/// Ann, Ben and Cleo live at home; Ann and Ben also share a cabin. Two member relationships at
/// home involve Ann; one at home does not, one is at the cabin and one is outside any household.
struct Family {
    home: String,
    cabin: String,
    ann: String,
    ben: String,
    ann_home: String,
    ann_cabin: String,
    involving_ann_at_home: Vec<String>,
    ben_cleo_at_home: String,
    ann_ben_at_cabin: String,
    ann_ben_plain: String,
}

async fn family(app: &TestApp) -> Family {
    let ann = consumer(app, "Ann Dubois", None).await;
    let ben = consumer(app, "Ben Dubois", None).await;
    let cleo = consumer(app, "Cleo Dubois", None).await;
    let home = household(app, "Dubois Home", None).await;
    let cabin = household(app, "Dubois Cabin", None).await;
    let ann_home = member(app, &home, &ann, Some(&day(app, -100)), None).await;
    member(app, &home, &ben, None, None).await;
    member(app, &home, &cleo, None, None).await;
    let ann_cabin = member(app, &cabin, &ann, None, None).await;
    member(app, &cabin, &ben, None, None).await;
    let involving_ann_at_home = vec![
        represent(app, &ann, &ben, Some(&home)).await,
        represent(app, &cleo, &ann, Some(&home)).await,
    ];
    Family {
        ben_cleo_at_home: represent(app, &ben, &cleo, Some(&home)).await,
        ann_ben_at_cabin: represent(app, &ann, &ben, Some(&cabin)).await,
        ann_ben_plain: represent(app, &ann, &ben, None).await,
        home,
        cabin,
        ann,
        ben,
        ann_home,
        ann_cabin,
        involving_ann_at_home,
    }
}

const END: &str = "mutation($i: EndHouseholdMembershipInput!) { endHouseholdMembership(input: $i) { dryRun removed { kind count ids } membership { id endDate isCurrent } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_membership_today_removes_the_member_relationships_in_that_household() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let f = family(&app).await;
    let involving: Vec<&String> = f.involving_ann_at_home.iter().collect();
    let report = expected(&[("ConsumerRelationship", &involving)]);

    let before = app.audit_count().await;
    let dry = app
        .ok(
            &admin,
            END,
            json!({ "i": { "membershipId": f.ann_home, "endDate": day(&app, 0), "dryRun": true } }),
        )
        .await;
    let dry = &dry["endHouseholdMembership"];
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["membership"]["endDate"], day(&app, 0));
    assert_eq!(removed(dry), report);
    assert_eq!(
        app.audit_count().await,
        before,
        "a dry run wrote audit entries"
    );
    let home = node(&app, &f.home, HOUSEHOLD).await;
    assert_eq!(home["memberRelationships"]["totalCount"], 3);
    let memberships = node(
        &app,
        &f.ann_home,
        "... on HouseholdMembership { endDate isCurrent }",
    )
    .await;
    assert_eq!(memberships["endDate"], Value::Null);

    // No end date means today.
    let done = app
        .ok(&admin, END, json!({ "i": { "membershipId": f.ann_home } }))
        .await;
    let done = &done["endHouseholdMembership"];
    assert_eq!(done["dryRun"], false);
    assert_eq!(done["membership"]["endDate"], day(&app, 0));
    assert_eq!(removed(done), report);
    let home = node(&app, &f.home, HOUSEHOLD).await;
    assert_eq!(
        sorted_field(&home["memberRelationships"]["nodes"], "id"),
        [f.ben_cleo_at_home.as_str()]
    );
    let ann = node(&app, &f.ann, CONSUMER).await;
    assert_eq!(
        relationship_ids(&ann["relationships"]["nodes"]),
        ids(&[&f.ann_ben_at_cabin, &f.ann_ben_plain])
    );
    assert_audited(&app, "end", "household_membership", &[&f.ann_home]).await;
    assert_audited(
        &app,
        "delete",
        "consumer_relationship",
        &f.involving_ann_at_home,
    )
    .await;

    // An end date in the past works the same way, in the other household.
    let past = app
        .ok(
            &admin,
            END,
            json!({ "i": { "membershipId": f.ann_cabin, "endDate": day(&app, -1) } }),
        )
        .await;
    let past = &past["endHouseholdMembership"];
    assert_eq!(past["membership"]["isCurrent"], false);
    assert_eq!(
        removed(past),
        expected(&[("ConsumerRelationship", &[&f.ann_ben_at_cabin])])
    );
    let ann = node(&app, &f.ann, CONSUMER).await;
    assert_eq!(
        relationship_ids(&ann["relationships"]["nodes"]),
        [f.ann_ben_plain.as_str()]
    );
    assert_eq!(
        node(&app, &f.cabin, HOUSEHOLD).await["memberRelationships"]["totalCount"],
        0
    );
    assert_audited(
        &app,
        "delete",
        "consumer_relationship",
        &[&f.ann_ben_at_cabin],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_membership_removes_the_member_relationships_in_that_household() {
    let app = TestApp::spawn().await;
    let f = family(&app).await;
    let involving: Vec<&String> = f.involving_ann_at_home.iter().collect();
    let report = expected(&[("ConsumerRelationship", &involving)]);

    let dry = preview(&app, "removeHouseholdMembership", &f.ann_home).await;
    assert_eq!(removed(&dry), report);
    let home = node(&app, &f.home, HOUSEHOLD).await;
    assert_eq!(home["memberships"]["totalCount"], 3);
    assert_eq!(home["memberRelationships"]["totalCount"], 3);

    let done = cascade(&app, "removeHouseholdMembership", &f.ann_home, false).await;
    assert_eq!(removed(&done), report);
    let home = node(&app, &f.home, HOUSEHOLD).await;
    assert_eq!(home["memberships"]["totalCount"], 2);
    assert_eq!(
        sorted_names(&home["members"]["nodes"]),
        ["Ben Dubois", "Cleo Dubois"]
    );
    assert_eq!(
        sorted_field(&home["memberRelationships"]["nodes"], "id"),
        [f.ben_cleo_at_home.as_str()]
    );
    let ann = node(&app, &f.ann, CONSUMER).await;
    assert_eq!(
        relationship_ids(&ann["relationships"]["nodes"]),
        ids(&[&f.ann_ben_at_cabin, &f.ann_ben_plain])
    );
    assert_eq!(sorted_names(&ann["households"]["nodes"]), ["Dubois Cabin"]);
    assert_eq!(
        relationship_ids(&node(&app, &f.ben, CONSUMER).await["relationships"]["nodes"]).len(),
        3,
        "Ben keeps the cabin, plain and Cleo relationships"
    );
    assert_audited(&app, "delete", "household_membership", &[&f.ann_home]).await;
    assert_audited(
        &app,
        "delete",
        "consumer_relationship",
        &f.involving_ann_at_home,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_old_membership_of_a_current_member_keeps_the_relationships() {
    let app = TestApp::spawn().await;
    let f = family(&app).await;
    // Ann lived at home years ago too: that old period goes, her current one stays.
    let old = member(
        &app,
        &f.home,
        &f.ann,
        Some(&day(&app, -900)),
        Some(&day(&app, -800)),
    )
    .await;
    let dry = preview(&app, "removeHouseholdMembership", &old).await;
    assert_eq!(dry["removed"], json!([]));
    let done = cascade(&app, "removeHouseholdMembership", &old, false).await;
    assert_eq!(done["removed"], json!([]));
    let home = node(&app, &f.home, HOUSEHOLD).await;
    assert_eq!(home["memberships"]["totalCount"], 3);
    let mut kept = f.involving_ann_at_home.clone();
    kept.push(f.ben_cleo_at_home.clone());
    kept.sort();
    assert_eq!(
        sorted_field(&home["memberRelationships"]["nodes"], "id"),
        kept
    );
    assert_audited(&app, "delete", "household_membership", &[old]).await;
}
