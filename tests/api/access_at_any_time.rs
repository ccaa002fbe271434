//! Access at a past instant (`at:` on `accessCheck`, `accessExplanation`, `whoCanAccess`): a
//! deleted relationship still grants for the time it existed, an edited type is judged as it was,
//! validity dates are judged on the instant's day, and the future and the time before history are
//! refused. The property test: for a random change sequence, the answer at each instant between
//! changes equals the answer a fresh database built from the changes up to it gives now.
//!
//! `LIAISON_PROPERTY_SEED` (default 42) seeds the sequence; `LIAISON_PIT_STEPS` (default 6) is its
//! length.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;

use crate::support::{
    CUSTOMER, PARTNER_ADMIN, PortalContact, TestApp, account_case, admin_ok, api_role, assign_role,
    consumer, consumer_case, customer, customer_under, day, link_with, member, nodes, partner,
    partner_type, relate_with, responsibility, unrelate,
};

/// The server's clock now, as `at:` text; later writes are recorded strictly after it.
async fn instant(app: &TestApp) -> String {
    let at = app.clock.now();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    text(at)
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The admin's `accessCheck(READ)` about `principal` on `case` at `at` (now when absent):
/// whether it is allowed and the granting rules.
async fn read_at(
    app: &TestApp,
    principal: &str,
    case: &str,
    at: Option<&str>,
) -> (bool, Vec<String>) {
    let data = admin_ok(
        app,
        "query($c: ID!, $p: ID, $at: DateTime) { accessCheck(action: READ, caseId: $c, principalId: $p, at: $at) { allowed explanation { grants { rule } } } }",
        json!({"c": case, "p": principal, "at": at}),
    )
    .await;
    let d = &data["accessCheck"];
    let mut rules: Vec<String> = d["explanation"]["grants"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|r| r["rule"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    rules.sort();
    (d["allowed"].as_bool().expect("allowed"), rules)
}

/// The IDs `whoCanAccess(at)` names for `case`.
async fn holders_at(app: &TestApp, case: &str, at: Option<&str>) -> BTreeSet<String> {
    let data = admin_ok(
        app,
        "query($c: ID!, $at: DateTime) { node(id: $c) { ... on Case { whoCanAccess(first: 100, at: $at) { nodes { principal { id } } } } } }",
        json!({"c": case, "at": at}),
    )
    .await;
    nodes(&data["node"]["whoCanAccess"])
        .iter()
        .filter_map(|n| n["principal"]["id"].as_str().map(str::to_owned))
        .collect()
}

/// A partner admin, the customer its partner account resells for, and a case of the customer.
struct Reseller {
    kind: String,
    firm: String,
    partner_admin: PortalContact,
    customer: String,
    case: String,
}

async fn reseller(app: &TestApp) -> Reseller {
    let kind = partner_type(app, "Reseller", "resells for", "DERIVED").await;
    let firm = partner(app, "Northwind Partners").await;
    let partner_admin = PortalContact::partner_admin(app, &firm, "Pat", "pit.pat").await;
    let customer = customer(app, "Acme").await;
    let case = account_case(app, &customer, "printer on fire").await;
    Reseller {
        kind,
        firm,
        partner_admin,
        customer,
        case,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_relationship_still_grants_for_the_time_it_existed() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let firm = r.firm.clone();
    let pat = r.partner_admin.id.clone();
    let before = instant(&app).await;
    let rel = relate_with(
        &app,
        json!({"typeId": r.kind, "fromId": firm, "toId": r.customer}),
    )
    .await;
    let during = instant(&app).await;
    unrelate(&app, &rel).await;
    let after = instant(&app).await;

    assert!(!read_at(&app, &pat, &r.case, Some(&before)).await.0);
    let (allowed, rules) = read_at(&app, &pat, &r.case, Some(&during)).await;
    assert!(allowed);
    assert_eq!(rules, vec!["PARTNER_RELATIONSHIP"]);
    assert!(!read_at(&app, &pat, &r.case, Some(&after)).await.0);
    assert!(!read_at(&app, &pat, &r.case, None).await.0);

    assert!(
        holders_at(&app, &r.case, Some(&during))
            .await
            .contains(&pat)
    );
    assert!(!holders_at(&app, &r.case, Some(&after)).await.contains(&pat));
    assert_eq!(
        holders_at(&app, &r.case, Some(&after)).await,
        holders_at(&app, &r.case, None).await
    );

    let explained = admin_ok(
        &app,
        "query($c: ID!, $p: ID, $at: DateTime) { node(id: $c) { ... on Case { accessExplanation(principalId: $p, at: $at) { allowed grants { rule path { kind recordId } } } } } }",
        json!({"c": r.case, "p": pat, "at": during}),
    )
    .await;
    let explanation = &explained["node"]["accessExplanation"];
    assert_eq!(explanation["allowed"], true);
    let path = &explanation["grants"][0]["path"][0];
    assert_eq!(path["kind"], "ACCOUNT_RELATIONSHIP");
    assert_eq!(path["recordId"], rel.as_str());

    // The partner admin asking about itself at the time it could read the case.
    let own = app
        .ok(
            &r.partner_admin.token,
            "query($c: ID!, $at: DateTime) { accessCheck(action: READ, caseId: $c, at: $at) { allowed } }",
            json!({"c": r.case, "at": during}),
        )
        .await;
    assert_eq!(own["accessCheck"]["allowed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_type_and_lapsed_dates_are_judged_as_they_were() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let firm = r.firm.clone();
    let pat = r.partner_admin.id.clone();
    let until_today = day(&app, 0);
    relate_with(
        &app,
        json!({"typeId": r.kind, "fromId": firm, "toId": r.customer, "validTo": until_today}),
    )
    .await;
    let granting = instant(&app).await;
    admin_ok(
        &app,
        "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
        json!({"i": {"id": r.kind, "grantsPartnerCaseAccess": false}}),
    )
    .await;
    let switched_off = instant(&app).await;
    assert!(read_at(&app, &pat, &r.case, Some(&granting)).await.0);
    assert!(!read_at(&app, &pat, &r.case, Some(&switched_off)).await.0);
    assert!(!read_at(&app, &pat, &r.case, None).await.0);

    // Two days on, the relationship has lapsed; the past instant is still judged on its own day.
    app.clock.advance(Duration::days(2));
    assert!(read_at(&app, &pat, &r.case, Some(&granting)).await.0);
    let shifted = instant(&app).await;
    assert!(!read_at(&app, &pat, &r.case, Some(&shifted)).await.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_future_and_the_time_before_history_are_refused() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let future = text(app.clock.now() + Duration::hours(1));
    for at in [future.as_str(), "2001-01-01T00:00:00Z"] {
        let reply = app
            .gql(
                Some(&app.admin()),
                "query($c: ID!, $at: DateTime) { accessCheck(action: READ, caseId: $c, at: $at) { allowed } }",
                json!({"c": r.case, "at": at}),
            )
            .await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{at}");
        assert_eq!(reply.field(), "at", "{at}");
    }
}

/// splitmix64, for the change sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Validity offsets from the day of the change: open, in force, lapsed or not yet in force.
    fn validity(&mut self) -> (Option<i64>, Option<i64>) {
        match self.below(4) {
            0 => (None, None),
            1 => (Some(-1), Some(1)),
            2 => (None, Some(-1)),
            _ => (Some(1), None),
        }
    }
}

/// One change of the random sequence, decided before it is applied so every database gets it.
#[derive(Clone, Debug)]
enum Change {
    /// A partner-granting relationship from the partner to customer `to` (0 or 1).
    Relate(usize, (Option<i64>, Option<i64>)),
    /// Delete the `n`th living relationship (modulo), if any.
    Unrelate(usize),
    /// New validity dates on the `n`th living relationship.
    Revalidate(usize, (Option<i64>, Option<i64>)),
    /// Switch the type's partner access on or off.
    GrantsPartnerAccess(bool),
    /// A contact relationship of the customer contact on the second customer.
    Link((Option<i64>, Option<i64>)),
    /// Delete the `n`th living contact relationship.
    Unlink(usize),
    /// The second consumer joins the household (or leaves it when a member).
    ToggleMembership((Option<i64>, Option<i64>)),
    /// Revoke or assign the partner admin's stored role.
    TogglePartnerRole,
    /// Days pass.
    Advance(i64),
}

fn changes(rng: &mut Rng, n: usize) -> Vec<Change> {
    (0..n)
        .map(|_| match rng.below(9) {
            0 | 1 => Change::Relate(rng.below(2) as usize, rng.validity()),
            2 => Change::Unrelate(rng.below(4) as usize),
            3 => Change::Revalidate(rng.below(4) as usize, rng.validity()),
            4 => Change::GrantsPartnerAccess(rng.below(2) == 0),
            5 => Change::Link(rng.validity()),
            6 => Change::Unlink(rng.below(4) as usize),
            7 => Change::ToggleMembership(rng.validity()),
            _ if rng.below(2) == 0 => Change::TogglePartnerRole,
            _ => Change::Advance(1 + rng.below(2) as i64),
        })
        .collect()
}

/// One database's records, by the names the comparison uses.
struct World {
    kind: String,
    firm: String,
    customers: [String; 2],
    partner_admin: String,
    customer_contact: String,
    consumers: [String; 2],
    household: String,
    duty: String,
    /// Principal and case names by ID, to compare databases whose IDs differ.
    names: BTreeMap<String, &'static str>,
    cases: Vec<(&'static str, String)>,
    /// Living relationships: (customer index, ID).
    relationships: Vec<(usize, String)>,
    links: Vec<String>,
    membership: Option<String>,
    role_held: bool,
}

fn dates(
    app: &TestApp,
    (from, to): (Option<i64>, Option<i64>),
) -> (Option<String>, Option<String>) {
    let date = |d: Option<i64>| d.map(|d| day(app, d));
    (date(from), date(to))
}

async fn world(app: &TestApp) -> World {
    let kind = partner_type(app, "Reseller", "resells for", "DERIVED").await;
    let firm = partner(app, "Northwind Partners").await;
    let partner_admin = PortalContact::partner_admin(app, &firm, "Pat", "pit.pat")
        .await
        .id;
    let acme = customer(app, "Acme").await;
    let customers = [acme.clone(), customer_under(app, "Globex", &acme).await];
    let customer_contact = PortalContact::new(app, &customers[0], "Cy", "pit.cy", CUSTOMER)
        .await
        .id;
    let consumers = [
        consumer(app, "Kim", Some("pit.kim")).await,
        consumer(app, "Lee", Some("pit.lee")).await,
    ];
    let household = crate::support::household(app, "Home", Some(&consumers[0])).await;
    let cases = vec![
        ("acme case", account_case(app, &customers[0], "acme").await),
        (
            "globex case",
            account_case(app, &customers[1], "globex").await,
        ),
        ("lee case", consumer_case(app, &consumers[1], "lee").await),
    ];
    let names = BTreeMap::from([
        (partner_admin.clone(), "pat"),
        (customer_contact.clone(), "cy"),
        (consumers[0].clone(), "kim"),
        (consumers[1].clone(), "lee"),
    ]);
    World {
        kind,
        firm,
        customers,
        partner_admin,
        customer_contact,
        consumers,
        household,
        duty: responsibility(app, "Authorized Contact").await,
        names,
        cases,
        relationships: Vec::new(),
        links: Vec::new(),
        membership: None,
        role_held: true,
    }
}

async fn apply(app: &TestApp, w: &mut World, change: &Change) {
    match change {
        Change::Relate(to, validity) if w.relationships.iter().all(|(t, _)| t != to) => {
            let (from, until) = dates(app, *validity);
            let input = json!({"typeId": w.kind, "fromId": w.firm, "toId": w.customers[*to],
                               "validFrom": from, "validTo": until});
            w.relationships.push((*to, relate_with(app, input).await));
        }
        Change::Unrelate(n) if !w.relationships.is_empty() => {
            let (_, gone) = w.relationships.remove(n % w.relationships.len());
            unrelate(app, &gone).await;
        }
        Change::Revalidate(n, validity) if !w.relationships.is_empty() => {
            let (from, until) = dates(app, *validity);
            let (_, id) = &w.relationships[n % w.relationships.len()];
            admin_ok(app, "mutation($i: UpdateAccountRelationshipInput!) { updateAccountRelationship(input: $i) { accountRelationship { id } } }",
                json!({"i": {"id": id, "validFrom": from, "validTo": until}})).await;
        }
        Change::GrantsPartnerAccess(on) => {
            admin_ok(app, "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
                json!({"i": {"id": w.kind, "grantsPartnerCaseAccess": on}})).await;
        }
        Change::Link(validity) if w.links.is_empty() => {
            let (from, until) = dates(app, *validity);
            let input = json!({"accountId": w.customers[1], "contactId": w.customer_contact,
                               "responsibilityId": w.duty, "validFrom": from, "validTo": until});
            w.links.push(link_with(app, input).await);
        }
        Change::Unlink(n) if !w.links.is_empty() => {
            let gone = w.links.remove(n % w.links.len());
            admin_ok(
                app,
                "mutation($id: ID!) { deleteContactRelationship(id: $id) { deletedId } }",
                json!({"id": gone}),
            )
            .await;
        }
        Change::ToggleMembership(validity) => match w.membership.take() {
            Some(id) => {
                admin_ok(
                    app,
                    "mutation($id: ID!) { removeHouseholdMembership(id: $id) { deletedId } }",
                    json!({"id": id}),
                )
                .await;
            }
            None => {
                let (from, until) = dates(app, *validity);
                let id = member(
                    app,
                    &w.household,
                    &w.consumers[1],
                    from.as_deref(),
                    until.as_deref(),
                )
                .await;
                w.membership = Some(id);
            }
        },
        Change::TogglePartnerRole => {
            if w.role_held {
                admin_ok(
                    app,
                    "mutation($i: RoleInput!) { revokeRole(input: $i) { role } }",
                    json!({"i": {"principalId": w.partner_admin, "role": api_role(PARTNER_ADMIN)}}),
                )
                .await;
            } else {
                assign_role(app, &w.partner_admin, PARTNER_ADMIN).await;
            }
            w.role_held = !w.role_held;
        }
        Change::Advance(days) => app.clock.advance(Duration::days(*days)),
        _ => {}
    }
}

/// Every (principal, case) answer and every case's readers, by name, at `at` (now when absent).
async fn answers(app: &TestApp, w: &World, at: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for (case_name, case) in &w.cases {
        for (principal, name) in &w.names {
            let (allowed, rules) = read_at(app, principal, case, at).await;
            out.push(format!("{name} reads {case_name}: {allowed} by {rules:?}"));
        }
        let readers: BTreeSet<&str> = holders_at(app, case, at)
            .await
            .iter()
            .map(|id| w.names.get(id).copied().unwrap_or("someone else"))
            .collect();
        out.push(format!("{case_name} readers: {readers:?}"));
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_at_each_instant_is_a_replay_of_the_changes_up_to_it() {
    let seed = std::env::var("LIAISON_PROPERTY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(42u64);
    let steps = std::env::var("LIAISON_PIT_STEPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6usize);
    let sequence = changes(&mut Rng(seed), steps);
    let app = TestApp::spawn().await;
    let mut w = world(&app).await;
    let mut instants = Vec::new();
    for change in &sequence {
        apply(&app, &mut w, change).await;
        instants.push(instant(&app).await);
    }
    for (i, at) in instants.iter().enumerate() {
        let past = answers(&app, &w, Some(at)).await;
        let fresh = TestApp::spawn().await;
        let mut replayed = world(&fresh).await;
        for change in &sequence[..=i] {
            apply(&fresh, &mut replayed, change).await;
        }
        let now = answers(&fresh, &replayed, None).await;
        assert_eq!(
            past,
            now,
            "seed {seed}: at step {i} after {:?}",
            &sequence[..=i]
        );
    }
}
