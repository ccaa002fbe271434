//! The property test: random graphs of accounts, partners, contacts, consumers, households,
//! relationships (random validity dates, a type switched off, a relationship agent whose stored
//! role is revoked while its token keeps it, a subject that is a consumer and a contact at once)
//! and cases, built through the API. For every principal and every case, `accessCheck(READ)`,
//! `viewer.cases`, `node` and the explanation (its own, and the admin's about each stored record
//! it is) agree with an independent reading of DOMAIN.md (`model.rs`), granting rule by rule; every
//! grant names relationships that exist and are in force; `whoCanAccess` names exactly the stored
//! records that may read the case; `createCase` succeeds exactly when `CREATE_FOR` allows; and a
//! random new relationship's access report equals the difference of the lists before and after.
//!
//! `LIAISON_PROPERTY_SEED` (default 42) seeds the first graph; graphs with seeds SEED, SEED+1, ...
//! are built until `LIAISON_PROPERTY_PAIRS` (default 2000) principal x case pairs were checked. The
//! failing seed is printed.

mod checks;
mod model;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{
    CASE_FIELDS, CONSUMER, CUSTOMER, CUSTOMER_ADMIN, CUSTOMER_CASE_MANAGER, PARTNER, PARTNER_ADMIN,
    RELATIONSHIP_AGENT, TestApp, api_role, create_case, id, node, partner_account_type,
    partner_type, relationship_agent, responsibility, set_policy, try_create_case,
};
use model::{
    Account, AccountRelationship, Agent, Asker, Case, ConsumerRelationship, Contact,
    ContactRelationship, Household, Membership, Model, Opener, Target, TeamMember, Type,
};

/// splitmix64: tiny, deterministic, good enough to shuffle test graphs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Prints the seed when the graph's checks fail (the panic unwinds through it).
struct SeedReporter(u64);

impl Drop for SeedReporter {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "property test failed for seed {0}: rerun with LIAISON_PROPERTY_SEED={0} LIAISON_PROPERTY_PAIRS=1",
                self.0
            );
        }
    }
}

/// Validity dates as offsets from today: open, in force, lapsed, not yet in force, or boundaries.
fn validity(rng: &mut Rng) -> (Option<i64>, Option<i64>) {
    match rng.below(8) {
        0 | 1 => (None, None),
        2 => (Some(-10), None),
        3 => (Some(-20), Some(-1)),
        4 => (Some(3), None),
        5 => (Some(-5), Some(5)),
        6 => (Some(0), Some(0)),
        _ => (None, Some(if rng.chance(50) { 0 } else { -3 })),
    }
}

fn date(app: &TestApp, offset: Option<i64>) -> Value {
    match offset {
        Some(days) => json!((app.clock.today() + chrono::Duration::days(days)).to_string()),
        None => Value::Null,
    }
}

/// Runs a building mutation as the admin: `Some(data)` when accepted, `None` when the server
/// refuses the random choice as invalid input or a conflict (anything else fails the test).
async fn attempt(app: &TestApp, query: &str, variables: Value) -> Option<Value> {
    let reply = app.gql(Some(&app.admin()), query, variables).await;
    if reply.body.get("errors").is_none() {
        return Some(reply.body["data"].clone());
    }
    let code = reply.code();
    assert!(
        code == "BAD_USER_INPUT" || code == "CONFLICT",
        "unexpected refusal while building the graph: {}",
        reply.body
    );
    None
}

/// One principal the property is checked for.
struct Principal {
    label: String,
    /// The stored records it is, as global IDs (whoCanAccess and access reports name these).
    ids: Vec<String>,
    token: String,
    asker: Asker,
    /// Whether it is one stored record whose stored roles equal its token's: an access report
    /// about that record then speaks for the token too.
    single: bool,
}

/// What the graphs held and how many pairs were checked.
#[derive(Default, Debug)]
struct Tally {
    account_relationships: usize,
    contact_relationships: usize,
    team_members: usize,
    consumer_relationships: usize,
    memberships: usize,
    cases: usize,
    pairs: usize,
    allowed: usize,
    denied: usize,
    reported_changes: usize,
}

const CONTACT_ROLES: [&str; 5] = [
    CUSTOMER,
    CUSTOMER_CASE_MANAGER,
    CUSTOMER_ADMIN,
    PARTNER,
    PARTNER_ADMIN,
];

/// Creates a record as the admin and returns the ID at `path` of the reply's data.
async fn made(app: &TestApp, query: &str, variables: Value, path: &str) -> String {
    let data = app.ok(&app.admin(), query, variables).await;
    data.pointer(path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {path} in {data}"))
        .to_owned()
}

/// Stores `role` for the contact or internal user `principal`.
async fn store_role(app: &TestApp, principal: &str, role: &str) {
    app.ok(
        &app.admin(),
        "mutation($i: RoleInput!) { assignRole(input: $i) { role } }",
        json!({"i": {"principalId": principal, "role": api_role(role)}}),
    )
    .await;
}

/// A new contact of account `account` (index) signing in as `subject` with `roles`, stored.
async fn new_contact(
    app: &TestApp,
    m: &mut Model,
    account: usize,
    subject: &str,
    roles: Vec<&'static str>,
) -> usize {
    let contact = made(
        app,
        "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
        json!({"i": {"accountId": m.accounts[account].id, "name": subject, "subject": subject}}),
        "/createContact/contact/id",
    )
    .await;
    for role in &roles {
        store_role(app, &contact, role).await;
    }
    m.contacts.push(Contact {
        id: contact,
        account,
        roles,
    });
    m.contacts.len() - 1
}

/// A new consumer signing in as `subject`.
async fn new_consumer(app: &TestApp, m: &mut Model, subject: &str) -> usize {
    let consumer = made(
        app,
        "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
        json!({"i": {"name": subject, "subject": subject}}),
        "/createConsumer/consumer/id",
    )
    .await;
    m.consumers.push(consumer);
    m.consumers.len() - 1
}

/// Builds a random graph through the API, recording it in the model, and the principals to ask.
async fn build(app: &TestApp, rng: &mut Rng, tally: &mut Tally) -> (Model, Vec<Principal>) {
    let admin = app.admin();
    let mut m = Model::default();

    // Relationship types: the shipped one and another partner-granting one with random policies,
    // a PARTNER type granting nothing, and a customer-to-customer type that grants partner access
    // half of the time (a partner-role contact of a customer-only account then reaches customers).
    let stamped = |rng: &mut Rng| rng.chance(50);
    let shipped = partner_account_type(app).await;
    let policy = |s: bool| if s { "STAMPED" } else { "DERIVED" };
    let s = stamped(rng);
    set_policy(app, &shipped, policy(s)).await;
    m.types.push(Type {
        id: shipped,
        name: "Partner Account".into(),
        source: "PARTNER",
        grants: true,
        stamped: s,
        active: true,
    });
    let s = stamped(rng);
    let alt = partner_type(app, "Partner Alt", "Alt partner of", policy(s)).await;
    m.types.push(Type {
        id: alt,
        name: "Partner Alt".into(),
        source: "PARTNER",
        grants: true,
        stamped: s,
        active: true,
    });
    for (name, source) in [("Referral", "PARTNER"), ("Affiliate", "ACCOUNT")] {
        let grants = source == "ACCOUNT" && rng.chance(50);
        let s = grants && stamped(rng);
        let input = json!({"i": {"name": name, "sourceKind": source, "targetKind": "ACCOUNT",
            "forwardLabel": format!("{name} of"), "reverseLabel": format!("{name} by"),
            "grantsPartnerCaseAccess": grants, "partnerAccessPolicy": policy(s)}});
        let id = made(
            app,
            "mutation($i: CreateAccountRelationshipTypeInput!) { createAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
            input,
            "/createAccountRelationshipType/accountRelationshipType/id",
        )
        .await;
        m.types.push(Type {
            id,
            name: name.into(),
            source,
            grants,
            stamped: s,
            active: true,
        });
    }

    // Accounts: the first two are partners (one also a customer), the rest random; random parents.
    for i in 0..7 {
        let (customer, partner) = match i {
            0 => (false, true),
            1 => (true, true),
            _ => match rng.below(4) {
                0 => (false, true),
                1 => (true, true),
                _ => (true, false),
            },
        };
        let parent = (i > 0 && rng.chance(40)).then(|| rng.below(i));
        let id = made(
            app,
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            json!({"i": {"name": format!("acct{i}"), "isCustomer": customer, "isPartner": partner,
                         "parentId": parent.map(|p| m.accounts[p].id.clone())}}),
            "/createAccount/account/id",
        )
        .await;
        m.accounts.push(Account {
            id,
            customer,
            partner,
            parent,
        });
    }

    // Contacts with one or two random portal roles, stored and in their tokens.
    let mut principals: Vec<Principal> = Vec::new();
    for i in 0..8 {
        let account = rng.below(m.accounts.len());
        let subject = format!("contact{i}");
        let mut roles = vec![*rng.pick(&CONTACT_ROLES)];
        let extra = *rng.pick(&CONTACT_ROLES);
        if rng.chance(30) && !roles.contains(&extra) {
            roles.push(extra);
        }
        let c = new_contact(app, &mut m, account, &subject, roles.clone()).await;
        principals.push(Principal {
            label: format!("{subject} {roles:?} of acct{account}"),
            ids: vec![m.contacts[c].id.clone()],
            token: app.token(&subject, &roles),
            asker: Asker {
                contact: Some(c),
                consumer: None,
                agent: None,
                roles,
            },
            single: true,
        });
    }

    // Consumers, and one subject that is a consumer and a contact: its token carries both roles.
    for i in 0..6 {
        let subject = format!("consumer{i}");
        let c = new_consumer(app, &mut m, &subject).await;
        principals.push(Principal {
            label: subject.clone(),
            ids: vec![m.consumers[c].clone()],
            token: app.token(&subject, &[CONSUMER]),
            asker: Asker {
                contact: None,
                consumer: Some(c),
                agent: None,
                roles: vec![CONSUMER],
            },
            single: true,
        });
    }
    // A consumer whose token also carries a contact role (subjects are unique across people, so
    // no contact shares it): roles add up, and it keeps every consumer rule.
    let dual_role = *rng.pick(&CONTACT_ROLES);
    let dual = new_consumer(app, &mut m, "dual").await;
    principals.push(Principal {
        label: format!("consumer dual with {dual_role} too"),
        ids: vec![m.consumers[dual].clone()],
        token: app.token("dual", &[dual_role, CONSUMER]),
        asker: Asker {
            contact: None,
            consumer: Some(dual),
            agent: None,
            roles: vec![dual_role, CONSUMER],
        },
        single: true,
    });

    // Two households with random heads and memberships (current, ended, future).
    for h in 0..2 {
        let head = rng.chance(70).then(|| rng.below(m.consumers.len()));
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id memberships(first: 5) { nodes { id } } } } }",
                json!({"i": {"name": format!("home{h}"), "headId": head.map(|c| m.consumers[c].clone())}}),
            )
            .await;
        let home = &data["createHousehold"]["household"];
        m.households.push(Household { id: id(home), head });
        if let Some(head) = head {
            for row in home["memberships"]["nodes"]
                .as_array()
                .expect("memberships")
            {
                m.memberships.push(Membership {
                    id: id(row),
                    household: h,
                    consumer: head,
                    period: (None, None),
                });
            }
        }
        for c in 0..m.consumers.len() {
            if Some(c) == head || !rng.chance(50) {
                continue;
            }
            let period = match rng.below(4) {
                0 => (None, None),
                1 => (Some(-30), None),
                2 => (Some(-30), Some(-2)),
                _ => (Some(4), None),
            };
            let added = attempt(
                app,
                "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
                json!({"i": {"householdId": m.households[h].id, "consumerId": m.consumers[c],
                             "startDate": date(app, period.0), "endDate": date(app, period.1)}}),
            )
            .await;
            if let Some(data) = added {
                tally.memberships += 1;
                m.memberships.push(Membership {
                    id: id(&data["addHouseholdMember"]["membership"]),
                    household: h,
                    consumer: c,
                    period,
                });
            }
        }
    }

    // Account relationships of random types between fitting accounts, with random validity.
    let mut related: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    for _ in 0..30 {
        let kind = rng.below(m.types.len());
        let (from, to) = (rng.below(m.accounts.len()), rng.below(m.accounts.len()));
        if !fits(&m, kind, from, to) || !related.insert((kind, from, to)) {
            continue;
        }
        let period = validity(rng);
        let made = attempt(
            app,
            "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id } } }",
            json!({"i": {"typeId": m.types[kind].id, "fromId": m.accounts[from].id, "toId": m.accounts[to].id,
                         "validFrom": date(app, period.0), "validTo": date(app, period.1)}}),
        )
        .await;
        if let Some(data) = made {
            tally.account_relationships += 1;
            m.account_relationships.push(AccountRelationship {
                id: id(&data["createAccountRelationship"]["accountRelationship"]),
                kind,
                from,
                to,
                period,
            });
        }
    }

    // Contact relationships (refused when the contact is not a candidate for the account).
    let authorized = responsibility(app, "Authorized Contact").await;
    for _ in 0..10 {
        let contact = rng.below(m.contacts.len());
        let account = rng.below(m.accounts.len());
        if account == m.contacts[contact].account {
            continue;
        }
        let period = validity(rng);
        let made = attempt(
            app,
            "mutation($i: CreateContactRelationshipInput!) { createContactRelationship(input: $i) { contactRelationship { id } } }",
            json!({"i": {"accountId": m.accounts[account].id, "contactId": m.contacts[contact].id,
                         "responsibilityId": authorized,
                         "validFrom": date(app, period.0), "validTo": date(app, period.1)}}),
        )
        .await;
        if let Some(data) = made {
            tally.contact_relationships += 1;
            m.contact_relationships.push(ContactRelationship {
                id: id(&data["createContactRelationship"]["contactRelationship"]),
                contact,
                account,
                period,
            });
        }
    }

    // Two relationship agents on random teams; the second loses its stored role afterwards while
    // its token keeps it.
    let targets: Vec<(Target, String)> = (0..m.accounts.len())
        .map(|a| (Target::Account(a), m.accounts[a].id.clone()))
        .chain((0..m.consumers.len()).map(|c| (Target::Consumer(c), m.consumers[c].clone())))
        .chain((0..m.households.len()).map(|h| (Target::Household(h), m.households[h].id.clone())))
        .collect();
    for a in 0..2 {
        let subject = format!("agent{a}");
        let agent = relationship_agent(app, &subject, Some(&subject)).await;
        m.agents.push(Agent {
            id: agent.clone(),
            stored_role: true,
        });
        principals.push(Principal {
            label: format!("relationship agent {a}"),
            ids: vec![agent.clone()],
            token: app.token(&subject, &[RELATIONSHIP_AGENT]),
            asker: Asker {
                contact: None,
                consumer: None,
                agent: Some(a),
                roles: vec![RELATIONSHIP_AGENT],
            },
            single: a == 0,
        });
        for (target, target_id) in &targets {
            if !rng.chance(35) {
                continue;
            }
            let period = validity(rng);
            let made = attempt(
                app,
                "mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { teamMember { id } } }",
                json!({"i": {"userId": agent, "targetId": target_id,
                             "validFrom": date(app, period.0), "validTo": date(app, period.1)}}),
            )
            .await;
            if let Some(data) = made {
                tally.team_members += 1;
                m.team_members.push(TeamMember {
                    id: id(&data["addTeamMember"]["teamMember"]),
                    agent: a,
                    target: *target,
                    period,
                });
            }
        }
    }
    app.ok(
        &admin,
        "mutation($i: RoleInput!) { revokeRole(input: $i) { role } }",
        json!({"i": {"principalId": m.agents[1].id, "role": api_role(RELATIONSHIP_AGENT)}}),
    )
    .await;
    m.agents[1].stored_role = false;

    // Consumer relationships, some within a household.
    let mut represented: BTreeSet<(usize, usize, Option<usize>)> = BTreeSet::new();
    for _ in 0..7 {
        let rep = rng.below(m.consumers.len());
        let of = rng.below(m.consumers.len());
        let within = rng.chance(40).then(|| rng.below(m.households.len()));
        if rep == of || !represented.insert((rep, of, within)) {
            continue;
        }
        let period = validity(rng);
        let made = attempt(
            app,
            "mutation($i: CreateConsumerRelationshipInput!) { createConsumerRelationship(input: $i) { consumerRelationship { id } } }",
            json!({"i": {"consumerId": m.consumers[rep], "relatedConsumerId": m.consumers[of],
                         "householdId": within.map(|h| m.households[h].id.clone()),
                         "validFrom": date(app, period.0), "validTo": date(app, period.1)}}),
        )
        .await;
        if let Some(data) = made {
            tally.consumer_relationships += 1;
            m.consumer_relationships.push(ConsumerRelationship {
                id: id(&data["createConsumerRelationship"]["consumerRelationship"]),
                representative: rep,
                represented: of,
                household: within,
                period,
            });
        }
    }

    // A type switched off: its relationships stop granting at once.
    if rng.chance(50) {
        let kind = rng.below(m.types.len());
        app.ok(
            &admin,
            "mutation($i: UpdateAccountRelationshipTypeInput!) { updateAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
            json!({"i": {"id": m.types[kind].id, "isActive": false}}),
        )
        .await;
        m.types[kind].active = false;
    }
    (m, principals)
}

/// Whether a relationship of type `kind` may join account `from` to account `to`.
fn fits(m: &Model, kind: usize, from: usize, to: usize) -> bool {
    let source_fits = if m.types[kind].source == "PARTNER" {
        m.accounts[from].partner
    } else {
        m.accounts[from].customer
    };
    from != to && m.accounts[to].customer && source_fits
}

/// Records a case as the server read it back after `createCase`.
fn record_case(m: &mut Model, case: &Value, opener: Opener) {
    let at = |field: &str| case[field]["id"].as_str().map(str::to_owned);
    let account = at("account").and_then(|a| m.account_at(&a));
    let partner = at("partner").and_then(|a| m.account_at(&a));
    let contact = at("contact").and_then(|c| m.contact_at(&c));
    let partner_contact = at("partnerContact").and_then(|c| m.contact_at(&c));
    let consumer = at("consumer").and_then(|c| m.consumer_at(&c));
    let household = at("household").and_then(|h| m.household_at(&h));
    m.cases.push(Case {
        id: id(case),
        account,
        contact,
        consumer,
        household,
        partner,
        partner_contact,
        opener,
    });
}

/// Cases opened by the admin with random parties, then by random principals: `createCase`
/// succeeds exactly when `accessCheck(CREATE_FOR)` allows, and fills in what it says.
async fn open_cases(app: &TestApp, rng: &mut Rng, m: &mut Model, principals: &[Principal]) {
    let partners: Vec<usize> = (0..m.accounts.len())
        .filter(|a| m.accounts[*a].partner)
        .collect();
    for n in 0..30 {
        let mut input =
            json!({"shortDescription": format!("random case {n}"), "priority": 1 + rng.below(4)});
        if rng.chance(60) {
            let account = rng.below(m.accounts.len());
            input["accountId"] = json!(m.accounts[account].id);
            let own: Vec<usize> = (0..m.contacts.len())
                .filter(|c| m.contacts[*c].account == account)
                .collect();
            if !own.is_empty() && rng.chance(60) {
                input["contactId"] = json!(m.contacts[*rng.pick(&own)].id);
            }
            if rng.chance(15) {
                input["householdId"] = json!(m.households[rng.below(m.households.len())].id);
            }
        } else {
            let consumer = rng.below(m.consumers.len());
            input["consumerId"] = json!(m.consumers[consumer]);
            let homes: Vec<usize> = (0..m.households.len())
                .filter(|h| m.current_member(*h, consumer))
                .collect();
            if !homes.is_empty() && rng.chance(50) {
                input["householdId"] = json!(m.households[*rng.pick(&homes)].id);
            }
        }
        if rng.chance(40) {
            let partner = *rng.pick(&partners);
            input["partnerId"] = json!(m.accounts[partner].id);
            let theirs: Vec<usize> = (0..m.contacts.len())
                .filter(|c| m.contacts[*c].account == partner)
                .collect();
            if !theirs.is_empty() && rng.chance(60) {
                input["partnerContactId"] = json!(m.contacts[*rng.pick(&theirs)].id);
            }
        }
        let case = create_case(app, input).await;
        record_case(m, &case, Opener::Staff);
    }
    let openers: Vec<&Principal> = principals.iter().filter(|p| p.ids.len() == 1).collect();
    for n in 0..8 {
        let who = *rng.pick(&openers);
        let (field, target) = if rng.chance(60) {
            (
                "accountId",
                m.accounts[rng.below(m.accounts.len())].id.clone(),
            )
        } else {
            (
                "consumerId",
                m.consumers[rng.below(m.consumers.len())].clone(),
            )
        };
        let may = app
            .ok(
                &who.token,
                &format!(
                    "query($t: ID!) {{ accessCheck(action: CREATE_FOR, {field}: $t) {{ allowed }} }}"
                ),
                json!({"t": target}),
            )
            .await["accessCheck"]["allowed"]
            .as_bool()
            .expect("allowed");
        let reply = try_create_case(
            app,
            Some(&who.token),
            json!({"shortDescription": format!("opened by a principal {n}"), field: target}),
        )
        .await;
        if may {
            assert!(
                reply.body.get("errors").is_none(),
                "{}: CREATE_FOR allowed but createCase said {}",
                who.label,
                reply.body
            );
            let opener = match (who.asker.contact, who.asker.consumer) {
                (Some(c), _) => Opener::Contact(c),
                (_, Some(c)) => Opener::Consumer(c),
                _ => Opener::Staff,
            };
            // Read back as the admin: the opener may not see every party of its own case.
            let opened = id(&reply.data()["createCase"]["case"]);
            let case = node(app, &opened, &format!("... on Case {{ {CASE_FIELDS} }}")).await;
            if let Some(partner) = case["partner"]["id"].as_str() {
                let partner = m.account_at(partner).expect("a known partner");
                assert!(
                    m.accounts[partner].partner,
                    "{}: stamped a case with the non-partner account {partner}",
                    who.label
                );
            }
            record_case(m, &case, opener);
        } else {
            assert_eq!(
                reply.code(),
                "FORBIDDEN",
                "{}: CREATE_FOR refused but createCase said {}",
                who.label,
                reply.body
            );
        }
    }
}

async fn build_and_check(seed: u64) -> Tally {
    let _reporter = SeedReporter(seed);
    let mut rng = Rng(seed);
    let app = TestApp::spawn().await;
    let mut tally = Tally::default();
    let (mut m, principals) = build(&app, &mut rng, &mut tally).await;
    open_cases(&app, &mut rng, &mut m, &principals).await;
    tally.cases = m.cases.len();
    let lists = checks::check_pairs(&app, seed, &m, &principals, &mut tally).await;
    checks::check_impact(&app, &mut rng, &m, &principals, &lists, &mut tally).await;
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_of_access_agrees_with_domain_md_on_random_graphs() {
    let seed = env_u64("LIAISON_PROPERTY_SEED", 42);
    let target = env_u64("LIAISON_PROPERTY_PAIRS", 2_000) as usize;
    let mut total = Tally::default();
    let mut graphs = 0;
    while total.pairs < target {
        let tally = build_and_check(seed + graphs).await;
        eprintln!("property graph seed {}: {tally:?}", seed + graphs);
        graphs += 1;
        total.pairs += tally.pairs;
        total.allowed += tally.allowed;
        total.denied += tally.denied;
        total.reported_changes += tally.reported_changes;
    }
    eprintln!(
        "property test: {} principal x case pairs on {graphs} graphs (seeds {seed}..={}), {} allowed, {} denied, {} reported access changes checked",
        total.pairs,
        seed + graphs.saturating_sub(1),
        total.allowed,
        total.denied,
        total.reported_changes
    );
    assert!(
        target == 0 || (total.allowed > 0 && total.denied > 0),
        "the graphs exercised only one outcome: {total:?}"
    );
}
