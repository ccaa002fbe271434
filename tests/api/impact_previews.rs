//! Every mutation that can change who reads which case takes `dryRun` and reports
//! `accessChanges`: the dry run writes nothing, the real run reports what the dry run predicted,
//! and both equal the difference of the affected principals' case lists before and after.

use serde_json::{Value, json};

use crate::support::{
    ACCESS_CHANGES, CUSTOMER_CASE_MANAGER, HouseholdHead, PortalConsumer, PortalContact,
    RELATIONSHIP_AGENT, StaffUser, TestApp, Watched, account_case, admin_ok, assert_exact_impact,
    assert_impact_matches, consumer_case, contact, create_case, customer, customer_under, day,
    define_responsibility, member, membership_of, partner, partner_account_type, partner_type,
    relate, represent, team_member,
};

/// Runs `field(input: $i)` with `input` and `dryRun: dry` as the admin; returns its payload.
async fn with_input(
    app: &TestApp,
    field: &str,
    input_type: &str,
    input: &Value,
    dry: bool,
) -> Value {
    let mut input = input.clone();
    input["dryRun"] = json!(dry);
    let query = format!(
        "mutation($i: {input_type}!) {{ {field}(input: $i) {{ dryRun {ACCESS_CHANGES} }} }}"
    );
    admin_ok(app, &query, json!({ "i": input })).await[field].clone()
}

/// Runs the cascading delete `field(id: $id, dryRun: $dry)` as the admin; returns its payload.
async fn deleting(app: &TestApp, field: &str, id: &str, dry: bool) -> Value {
    let query = format!(
        "mutation($id: ID!, $dry: Boolean!) {{ {field}(id: $id, dryRun: $dry) {{ dryRun {ACCESS_CHANGES} }} }}"
    );
    admin_ok(app, &query, json!({ "id": id, "dry": dry })).await[field].clone()
}

/// A partner admin of a partner linked to a customer with two cases, and the link.
struct PartnerLink {
    partner: String,
    pat: Watched,
    link: String,
    kind: String,
}

async fn partner_link(app: &TestApp, kind: Option<String>) -> PartnerLink {
    let gsi = partner(app, "GSI Tech").await;
    let abc = customer(app, "ABC Corp").await;
    account_case(app, &abc, "printer jam").await;
    account_case(app, &abc, "broken screen").await;
    let kind = match kind {
        Some(kind) => kind,
        None => partner_account_type(app).await,
    };
    let link = relate(app, &kind, &gsi, &abc).await;
    let pat = PortalContact::partner_admin(app, &gsi, "Pat Partner", "pat.partner").await;
    PartnerLink {
        partner: gsi,
        pat: Watched::new(&pat.id, "pat.partner", &pat.token),
        link,
        kind,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_an_account_relationship_by_date_reports_the_partner_losing_its_cases() {
    let app = TestApp::spawn().await;
    let setup = partner_link(&app, None).await;
    let input = json!({"id": setup.link, "validTo": day(&app, -1)});
    let (_, real) = assert_exact_impact(&app, &[setup.pat], async |dry| {
        with_input(
            &app,
            "updateAccountRelationship",
            "UpdateAccountRelationshipInput",
            &input,
            dry,
        )
        .await
    })
    .await;
    assert_eq!(real["accessChanges"][0]["lost"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_team_member_start_into_the_future_reports_the_agent_losing_the_team_cases() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    account_case(&app, &acme, "invoice").await;
    let rita = StaffUser::relationship_agent(&app, "Rita Shah", "rita.shah").await;
    let seat = team_member(&app, &rita.id, &acme, None).await;
    let input = json!({"id": seat, "validFrom": day(&app, 1)});
    let watched = [Watched::new(&rita.id, "rita.shah", &rita.token)];
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        with_input(
            &app,
            "updateTeamMember",
            "UpdateTeamMemberInput",
            &input,
            dry,
        )
        .await
    })
    .await;
    assert_eq!(real["accessChanges"][0]["lost"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_consumer_relationship_by_date_reports_the_representative_losing_access() {
    let app = TestApp::spawn().await;
    let ann = PortalConsumer::new(&app, "Ann Dubois", "ann.dubois").await;
    let bob = PortalConsumer::new(&app, "Bob Dubois", "bob.dubois").await;
    consumer_case(&app, &bob.id, "late parcel").await;
    let link = represent(&app, &ann.id, &bob.id, None).await;
    let input = json!({"id": link, "validTo": day(&app, -1)});
    let watched = [
        Watched::new(&ann.id, "ann.dubois", &ann.token),
        Watched::new(&bob.id, "bob.dubois", &bob.token),
    ];
    assert_exact_impact(&app, &watched, async |dry| {
        with_input(
            &app,
            "updateConsumerRelationship",
            "UpdateConsumerRelationshipInput",
            &input,
            dry,
        )
        .await
    })
    .await;
}

/// A household head with a household case, and a consumer with a case of its own.
async fn head_and_newcomer(app: &TestApp) -> (HouseholdHead, PortalConsumer) {
    let head = HouseholdHead::new(app, "Martin Home", "Marie Martin", "marie.martin").await;
    create_case(
        app,
        json!({"shortDescription": "boiler", "consumerId": head.id, "householdId": head.household}),
    )
    .await;
    let newcomer = PortalConsumer::new(app, "Noe Martin", "noe.martin").await;
    consumer_case(app, &newcomer.id, "bike").await;
    (head, newcomer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_household_member_reports_what_the_member_and_the_head_gain() {
    let app = TestApp::spawn().await;
    let (head, newcomer) = head_and_newcomer(&app).await;
    let input = json!({"householdId": head.household, "consumerId": newcomer.id});
    let watched = [
        Watched::new(&head.id, "marie.martin", &head.token),
        Watched::new(&newcomer.id, "noe.martin", &newcomer.token),
    ];
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        with_input(
            &app,
            "addHouseholdMember",
            "AddHouseholdMemberInput",
            &input,
            dry,
        )
        .await
    })
    .await;
    assert_eq!(real["accessChanges"].as_array().unwrap().len(), 2, "{real}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_head_of_household_reports_the_old_head_losing_and_the_new_one_gaining() {
    let app = TestApp::spawn().await;
    let (head, newcomer) = head_and_newcomer(&app).await;
    consumer_case(&app, &head.id, "glasses").await;
    member(&app, &head.household, &newcomer.id, None, None).await;
    let input = json!({"id": head.household, "headId": newcomer.id});
    let watched = [
        Watched::new(&head.id, "marie.martin", &head.token),
        Watched::new(&newcomer.id, "noe.martin", &newcomer.token),
    ];
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        with_input(&app, "updateHousehold", "UpdateHouseholdInput", &input, dry).await
    })
    .await;
    assert_eq!(real["accessChanges"].as_array().unwrap().len(), 2, "{real}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_membership_reports_what_the_member_and_the_head_lose() {
    let app = TestApp::spawn().await;
    let (head, newcomer) = head_and_newcomer(&app).await;
    member(&app, &head.household, &newcomer.id, None, None).await;
    let membership = membership_of(&app, &head.household, &newcomer.id).await;
    let watched = [
        Watched::new(&head.id, "marie.martin", &head.token),
        Watched::new(&newcomer.id, "noe.martin", &newcomer.token),
    ];
    assert_exact_impact(&app, &watched, async |dry| {
        deleting(&app, "removeHouseholdMembership", &membership, dry).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_household_reports_its_members_losing_its_cases() {
    let app = TestApp::spawn().await;
    let (head, newcomer) = head_and_newcomer(&app).await;
    member(&app, &head.household, &newcomer.id, None, None).await;
    let watched = [
        Watched::new(&head.id, "marie.martin", &head.token),
        Watched::new(&newcomer.id, "noe.martin", &newcomer.token),
    ];
    assert_exact_impact(&app, &watched, async |dry| {
        deleting(&app, "deleteHousehold", &head.household, dry).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_consumer_reports_the_access_it_and_its_household_lose() {
    let app = TestApp::spawn().await;
    let (head, newcomer) = head_and_newcomer(&app).await;
    let ann = PortalConsumer::new(&app, "Ann Martin", "ann.martin").await;
    member(&app, &head.household, &ann.id, None, None).await;
    represent(&app, &ann.id, &newcomer.id, None).await;
    let watched = [
        Watched::new(&head.id, "marie.martin", &head.token),
        Watched::new(&ann.id, "ann.martin", &ann.token),
    ];
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        deleting(&app, "deleteConsumer", &ann.id, dry).await
    })
    .await;
    let gone = real["accessChanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subject"] == "ann.martin")
        .expect("the deleted consumer's loss is reported");
    assert_eq!(
        gone["principal"],
        Value::Null,
        "a deleted consumer resolves to nothing"
    );
    assert_eq!(gone["lost"], 2, "{real}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_type_granting_partner_access_reports_the_partner_losing_its_cases() {
    let app = TestApp::spawn().await;
    let setup = partner_link(&app, None).await;
    let input = json!({"id": setup.kind, "grantsPartnerCaseAccess": false});
    let (_, real) = assert_exact_impact(&app, &[setup.pat], async |dry| {
        with_input(
            &app,
            "updateAccountRelationshipType",
            "UpdateAccountRelationshipTypeInput",
            &input,
            dry,
        )
        .await
    })
    .await;
    assert_eq!(real["accessChanges"][0]["lost"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_a_type_to_the_stamped_policy_reports_the_unstamped_cases_lost() {
    let app = TestApp::spawn().await;
    let kind = partner_type(&app, "Reseller", "Reseller of", "DERIVED").await;
    let setup = partner_link(&app, Some(kind)).await;
    let input = json!({"id": setup.kind, "partnerAccessPolicy": "STAMPED"});
    assert_exact_impact(&app, &[setup.pat], async |dry| {
        with_input(
            &app,
            "updateAccountRelationshipType",
            "UpdateAccountRelationshipTypeInput",
            &input,
            dry,
        )
        .await
    })
    .await;
}

/// Deactivating a type is reported exactly as the engine decides it (DOMAIN §6: an inactive type
/// grants nothing, once the engine enforces it the partner's loss shows here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_type_reports_exactly_what_the_case_lists_show() {
    let app = TestApp::spawn().await;
    let setup = partner_link(&app, None).await;
    let input = json!({"id": setup.kind, "isActive": false});
    assert_impact_matches(&app, &[setup.pat], async |dry| {
        with_input(
            &app,
            "updateAccountRelationshipType",
            "UpdateAccountRelationshipTypeInput",
            &input,
            dry,
        )
        .await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_relationship_type_reports_the_partner_losing_its_cases() {
    let app = TestApp::spawn().await;
    let kind = partner_type(&app, "Reseller", "Reseller of", "DERIVED").await;
    let setup = partner_link(&app, Some(kind)).await;
    assert_exact_impact(&app, &[setup.pat], async |dry| {
        deleting(&app, "deleteAccountRelationshipType", &setup.kind, dry).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_a_stored_role_reports_what_the_contact_gains() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    let plant = customer_under(&app, "Acme Plant", &acme).await;
    account_case(&app, &acme, "invoice").await;
    account_case(&app, &plant, "forklift").await;
    let cleo = contact(&app, &acme, "Cleo Case", Some("cleo.case")).await;
    let watched = [
        Watched::new(&cleo, "cleo.case", &app.token("cleo.case", &[]))
            .then(&app.token("cleo.case", &[CUSTOMER_CASE_MANAGER])),
    ];
    let input = json!({"principalId": cleo, "role": "CUSTOMER_CASE_MANAGER"});
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        with_input(&app, "assignRole", "RoleInput", &input, dry).await
    })
    .await;
    assert_eq!(real["accessChanges"][0]["gained"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_stored_role_reports_what_the_agent_loses() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    account_case(&app, &acme, "invoice").await;
    let rita = StaffUser::relationship_agent(&app, "Rita Shah", "rita.shah").await;
    team_member(&app, &rita.id, &acme, None).await;
    let watched =
        [Watched::new(&rita.id, "rita.shah", &rita.token).then(&app.token("rita.shah", &[]))];
    let input = json!({"principalId": rita.id, "role": "RELATIONSHIP_AGENT"});
    assert_exact_impact(&app, &watched, async |dry| {
        with_input(&app, "revokeRole", "RoleInput", &input, dry).await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_responsibility_definition_reports_the_team_losing_its_cases() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    account_case(&app, &acme, "invoice").await;
    let rita = StaffUser::relationship_agent(&app, "Rita Shah", "rita.shah").await;
    let duty = define_responsibility(
        &app,
        "Care Coordinator",
        "USER",
        false,
        Some(RELATIONSHIP_AGENT),
    )
    .await;
    team_member(&app, &rita.id, &acme, Some(&duty)).await;
    let watched = [Watched::new(&rita.id, "rita.shah", &rita.token)];
    assert_exact_impact(&app, &watched, async |dry| {
        deleting(&app, "deleteResponsibilityDefinition", &duty, dry).await
    })
    .await;
}

/// A required-role edit is reported exactly as the engine decides it (DOMAIN §6: the role is a
/// precondition held continuously; once the engine enforces it the agent's loss shows here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_responsibility_definition_reports_exactly_what_the_case_lists_show() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    account_case(&app, &acme, "invoice").await;
    let rita = StaffUser::relationship_agent(&app, "Rita Shah", "rita.shah").await;
    let duty = define_responsibility(
        &app,
        "Care Coordinator",
        "USER",
        false,
        Some(RELATIONSHIP_AGENT),
    )
    .await;
    team_member(&app, &rita.id, &acme, Some(&duty)).await;
    let watched = [Watched::new(&rita.id, "rita.shah", &rita.token)];
    let input = json!({"id": duty, "requiredRole": "AGENT"});
    assert_impact_matches(&app, &watched, async |dry| {
        with_input(
            &app,
            "updateResponsibilityDefinition",
            "UpdateResponsibilityDefinitionInput",
            &input,
            dry,
        )
        .await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_an_account_under_another_reports_the_new_ancestors_case_manager_gaining() {
    let app = TestApp::spawn().await;
    let top = customer(&app, "Top Holding").await;
    let other = customer(&app, "Other Holding").await;
    let plant = customer_under(&app, "Plant", &other).await;
    account_case(&app, &plant, "forklift").await;
    let boss = PortalContact::new(&app, &top, "Tom Top", "tom.top", CUSTOMER_CASE_MANAGER).await;
    let rival = PortalContact::new(
        &app,
        &other,
        "Olga Other",
        "olga.other",
        CUSTOMER_CASE_MANAGER,
    )
    .await;
    let watched = [
        Watched::new(&boss.id, "tom.top", &boss.token),
        Watched::new(&rival.id, "olga.other", &rival.token),
    ];
    let input = json!({"id": plant, "parentId": top});
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        with_input(&app, "updateAccount", "UpdateAccountInput", &input, dry).await
    })
    .await;
    assert_eq!(real["accessChanges"].as_array().unwrap().len(), 2, "{real}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_contact_to_another_account_reports_what_it_gains_and_loses() {
    let app = TestApp::spawn().await;
    let acme = customer(&app, "Acme Corp").await;
    let beta = customer(&app, "Beta Ltd").await;
    account_case(&app, &acme, "invoice").await;
    account_case(&app, &beta, "printer").await;
    account_case(&app, &beta, "laptop").await;
    let cleo =
        PortalContact::new(&app, &acme, "Cleo Case", "cleo.case", CUSTOMER_CASE_MANAGER).await;
    let stay = PortalContact::customer(&app, &acme, "Sam Stay", "sam.stay").await;
    let watched = [
        Watched::new(&cleo.id, "cleo.case", &cleo.token),
        Watched::new(&stay.id, "sam.stay", &stay.token),
    ];
    let input = json!({"id": cleo.id, "accountId": beta});
    let (_, real) = assert_exact_impact(&app, &watched, async |dry| {
        with_input(&app, "updateContact", "UpdateContactInput", &input, dry).await
    })
    .await;
    assert_eq!(real["accessChanges"][0]["gained"], 2);
    assert_eq!(real["accessChanges"][0]["lost"], 1);
}

/// Account flags decide no case rule today; the report of a flag change still has to match the
/// lists and its dry run write nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_account_flags_reports_exactly_what_the_case_lists_show() {
    let app = TestApp::spawn().await;
    let setup = partner_link(&app, None).await;
    let input = json!({"id": setup.partner, "isCustomer": true});
    assert_impact_matches(&app, &[setup.pat], async |dry| {
        with_input(&app, "updateAccount", "UpdateAccountInput", &input, dry).await
    })
    .await;
}
