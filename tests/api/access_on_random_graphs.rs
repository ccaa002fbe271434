//! A property test: random graphs of accounts, partners, contacts, consumers,
//! households, relationships (with random validity dates) and cases, built through the API; for
//! every principal and every case, `accessCheck(READ)` with the principal's own token equals
//! membership in its `viewer.cases`, equals `node(id)` being non-null, and the explanation (its
//! own, and the admin's about it) has grants exactly when the check allows.
//!
//! `LIAISON_PROPERTY_SEED` (default 42) picks the first graph, `LIAISON_PROPERTY_CASES` (default 3)
//! how many graphs to build; graph `i` uses seed `SEED + i`. The failing seed is printed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::support::{
    CONSUMER, CUSTOMER, CUSTOMER_ADMIN, CUSTOMER_CASE_MANAGER, PARTNER, PARTNER_ADMIN,
    RELATIONSHIP_AGENT, TestApp, api_role, id, partner_account_type, partner_type,
    relationship_agent, responsibility, set_policy, visible_cases,
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
                "property test failed for seed {0}: rerun with LIAISON_PROPERTY_SEED={0} LIAISON_PROPERTY_CASES=1",
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

fn covers(period: (Option<i64>, Option<i64>)) -> bool {
    period.0.is_none_or(|from| from <= 0) && period.1.is_none_or(|to| to >= 0)
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

struct Account {
    id: String,
    customer: bool,
    partner: bool,
}

struct Principal {
    label: String,
    id: String,
    token: String,
}

/// What the graph holds, for the summary line.
#[derive(Default, Debug)]
struct Tally {
    account_relationships: usize,
    contact_relationships: usize,
    team_members: usize,
    consumer_relationships: usize,
    memberships: usize,
    cases: usize,
    allowed: usize,
    denied: usize,
}

const CONTACT_ROLES: [&str; 5] = [
    CUSTOMER,
    CUSTOMER_CASE_MANAGER,
    CUSTOMER_ADMIN,
    PARTNER,
    PARTNER_ADMIN,
];

async fn build_and_check(seed: u64) -> Tally {
    let _reporter = SeedReporter(seed);
    let mut rng = Rng(seed);
    let app = TestApp::spawn().await;
    let mut tally = Tally::default();
    let admin = app.admin();

    // Relationship types: the shipped one with a random policy, another granting one, and two
    // that grant nothing (one of them lets contacts of related accounts hold contact relationships).
    let shipped = partner_account_type(&app).await;
    let policy = |rng: &mut Rng| if rng.chance(50) { "DERIVED" } else { "STAMPED" };
    set_policy(&app, &shipped, policy(&mut rng)).await;
    let alt = partner_type(&app, "Partner Alt", "Alt partner of", policy(&mut rng)).await;
    let plain = |name: &str, source: &str| {
        json!({"i": {"name": name, "sourceKind": source, "targetKind": "ACCOUNT",
                     "forwardLabel": format!("{name} of"), "reverseLabel": format!("{name} by")}})
    };
    let mut types = vec![(shipped.clone(), "PARTNER"), (alt, "PARTNER")];
    for (name, source) in [("Referral", "PARTNER"), ("Affiliate", "ACCOUNT")] {
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateAccountRelationshipTypeInput!) { createAccountRelationshipType(input: $i) { accountRelationshipType { id } } }",
                plain(name, source),
            )
            .await;
        types.push((
            id(&data["createAccountRelationshipType"]["accountRelationshipType"]),
            source,
        ));
    }

    // Accounts: the first two are partners (one also a customer), the rest random; random parents.
    let mut accounts: Vec<Account> = Vec::new();
    for i in 0..6 {
        let (customer, partner) = match i {
            0 => (false, true),
            1 => (true, true),
            _ => match rng.below(4) {
                0 => (false, true),
                1 => (true, true),
                _ => (true, false),
            },
        };
        let parent = (i > 0 && rng.chance(40)).then(|| accounts[rng.below(i)].id.clone());
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
                json!({"i": {"name": format!("acct{i}"), "isCustomer": customer, "isPartner": partner, "parentId": parent}}),
            )
            .await;
        accounts.push(Account {
            id: id(&data["createAccount"]["account"]),
            customer,
            partner,
        });
    }

    // Contacts with one or two random portal roles, stored and in their tokens.
    let mut principals: Vec<Principal> = Vec::new();
    let mut contacts: Vec<(String, usize)> = Vec::new();
    for i in 0..8 {
        let account = rng.below(accounts.len());
        let subject = format!("contact{i}");
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
                json!({"i": {"accountId": accounts[account].id, "name": subject, "subject": subject}}),
            )
            .await;
        let contact = id(&data["createContact"]["contact"]);
        let mut roles = vec![*rng.pick(&CONTACT_ROLES)];
        if rng.chance(30) {
            let extra = *rng.pick(&CONTACT_ROLES);
            if !roles.contains(&extra) {
                roles.push(extra);
            }
        }
        for role in &roles {
            app.ok(
                &admin,
                "mutation($i: RoleInput!) { assignRole(input: $i) { role } }",
                json!({"i": {"principalId": contact, "role": api_role(role)}}),
            )
            .await;
        }
        principals.push(Principal {
            label: format!("{subject} {roles:?} of acct{account}"),
            id: contact.clone(),
            token: app.token(&subject, &roles),
        });
        contacts.push((contact, account));
    }

    // Consumers.
    let mut consumers: Vec<String> = Vec::new();
    for i in 0..5 {
        let subject = format!("consumer{i}");
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
                json!({"i": {"name": subject, "subject": subject}}),
            )
            .await;
        let consumer = id(&data["createConsumer"]["consumer"]);
        principals.push(Principal {
            label: subject.clone(),
            id: consumer.clone(),
            token: app.token(&subject, &[CONSUMER]),
        });
        consumers.push(consumer);
    }

    // Two households with random heads and memberships (current, ended, future).
    let mut households: Vec<String> = Vec::new();
    // (household, consumer) -> whether the membership is current today
    let mut current: BTreeSet<(usize, usize)> = BTreeSet::new();
    for h in 0..2 {
        let head = rng.chance(70).then(|| rng.below(consumers.len()));
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
                json!({"i": {"name": format!("home{h}"), "headId": head.map(|c| consumers[c].clone())}}),
            )
            .await;
        households.push(id(&data["createHousehold"]["household"]));
        if let Some(head) = head {
            current.insert((h, head));
        }
        for (c, consumer) in consumers.iter().enumerate() {
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
                &app,
                "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
                json!({"i": {"householdId": households[h], "consumerId": consumer,
                             "startDate": date(&app, period.0), "endDate": date(&app, period.1)}}),
            )
            .await;
            if added.is_some() {
                tally.memberships += 1;
                if covers(period) {
                    current.insert((h, c));
                }
            }
        }
    }

    // Account relationships of random types between fitting accounts, with random validity.
    let mut related: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    for _ in 0..14 {
        let t = rng.below(types.len());
        let (type_id, source) = &types[t];
        let from = rng.below(accounts.len());
        let to = rng.below(accounts.len());
        let fits = from != to
            && accounts[to].customer
            && if *source == "PARTNER" {
                accounts[from].partner
            } else {
                accounts[from].customer
            };
        if !fits || !related.insert((t, from, to)) {
            continue;
        }
        let period = validity(&mut rng);
        let made = attempt(
            &app,
            "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id } } }",
            json!({"i": {"typeId": type_id, "fromId": accounts[from].id, "toId": accounts[to].id,
                         "validFrom": date(&app, period.0), "validTo": date(&app, period.1)}}),
        )
        .await;
        tally.account_relationships += usize::from(made.is_some());
    }

    // Contact relationships (refused when the contact is not a candidate for the account).
    let authorized = responsibility(&app, "Authorized Contact").await;
    for _ in 0..10 {
        let (contact, own) = &contacts[rng.below(contacts.len())];
        let account = rng.below(accounts.len());
        if account == *own {
            continue;
        }
        let period = validity(&mut rng);
        let made = attempt(
            &app,
            "mutation($i: CreateContactRelationshipInput!) { createContactRelationship(input: $i) { contactRelationship { id } } }",
            json!({"i": {"accountId": accounts[account].id, "contactId": contact, "responsibilityId": authorized,
                         "validFrom": date(&app, period.0), "validTo": date(&app, period.1)}}),
        )
        .await;
        tally.contact_relationships += usize::from(made.is_some());
    }

    // A relationship agent on random teams.
    let agent = relationship_agent(&app, "agent0", Some("agent0")).await;
    principals.push(Principal {
        label: "relationship agent".into(),
        id: agent.clone(),
        token: app.token("agent0", &[RELATIONSHIP_AGENT]),
    });
    let targets: Vec<String> = accounts
        .iter()
        .map(|a| a.id.clone())
        .chain(consumers.iter().cloned())
        .chain(households.iter().cloned())
        .collect();
    for target in &targets {
        if !rng.chance(35) {
            continue;
        }
        let period = validity(&mut rng);
        let made = attempt(
            &app,
            "mutation($i: AddTeamMemberInput!) { addTeamMember(input: $i) { teamMember { id } } }",
            json!({"i": {"userId": agent, "targetId": target,
                         "validFrom": date(&app, period.0), "validTo": date(&app, period.1)}}),
        )
        .await;
        tally.team_members += usize::from(made.is_some());
    }

    // Consumer relationships, some within a household.
    let mut represented: BTreeSet<(usize, usize, Option<usize>)> = BTreeSet::new();
    for _ in 0..6 {
        let rep = rng.below(consumers.len());
        let of = rng.below(consumers.len());
        let within = rng.chance(40).then(|| rng.below(households.len()));
        if rep == of || !represented.insert((rep, of, within)) {
            continue;
        }
        let period = validity(&mut rng);
        let made = attempt(
            &app,
            "mutation($i: CreateConsumerRelationshipInput!) { createConsumerRelationship(input: $i) { consumerRelationship { id } } }",
            json!({"i": {"consumerId": consumers[rep], "relatedConsumerId": consumers[of],
                         "householdId": within.map(|h| households[h].clone()),
                         "validFrom": date(&app, period.0), "validTo": date(&app, period.1)}}),
        )
        .await;
        tally.consumer_relationships += usize::from(made.is_some());
    }

    // Cases opened by the admin with random parties.
    let mut cases: Vec<String> = Vec::new();
    let partners: Vec<usize> = (0..accounts.len())
        .filter(|a| accounts[*a].partner)
        .collect();
    for n in 0..15 {
        let mut input =
            json!({"shortDescription": format!("random case {n}"), "priority": 1 + rng.below(4)});
        if rng.chance(60) {
            let account = rng.below(accounts.len());
            input["accountId"] = json!(accounts[account].id);
            let own: Vec<&String> = contacts
                .iter()
                .filter(|(_, a)| *a == account)
                .map(|(c, _)| c)
                .collect();
            if !own.is_empty() && rng.chance(60) {
                input["contactId"] = json!(rng.pick(&own));
            }
            if rng.chance(15) {
                input["householdId"] = json!(rng.pick(&households));
            }
        } else {
            let consumer = rng.below(consumers.len());
            input["consumerId"] = json!(consumers[consumer]);
            let homes: Vec<usize> = (0..households.len())
                .filter(|h| current.contains(&(*h, consumer)))
                .collect();
            if !homes.is_empty() && rng.chance(50) {
                input["householdId"] = json!(households[*rng.pick(&homes)]);
            }
        }
        if rng.chance(40) {
            let partner = *rng.pick(&partners);
            input["partnerId"] = json!(accounts[partner].id);
            let theirs: Vec<&String> = contacts
                .iter()
                .filter(|(_, a)| *a == partner)
                .map(|(c, _)| c)
                .collect();
            if !theirs.is_empty() && rng.chance(60) {
                input["partnerContactId"] = json!(rng.pick(&theirs));
            }
        }
        let data = app
            .ok(
                &admin,
                "mutation($i: CreateCaseInput!) { createCase(input: $i) { case { id } } }",
                json!({ "i": input }),
            )
            .await;
        cases.push(id(&data["createCase"]["case"]));
    }

    // A few cases opened by random principals: createCase succeeds exactly when CREATE_FOR allows.
    for n in 0..4 {
        let who = &principals[rng.below(principals.len())];
        let (field, target) = if rng.chance(60) {
            ("accountId", accounts[rng.below(accounts.len())].id.clone())
        } else {
            ("consumerId", consumers[rng.below(consumers.len())].clone())
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
        let reply = app
            .gql(
                Some(&who.token),
                "mutation($i: CreateCaseInput!) { createCase(input: $i) { case { id } } }",
                json!({"i": {"shortDescription": format!("opened by a principal {n}"), field: target}}),
            )
            .await;
        if may {
            cases.push(id(&reply.data()["createCase"]["case"]));
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
    tally.cases = cases.len();

    // The property, for every principal and every case.
    for who in &principals {
        let listed = visible_cases(&app, &who.token).await;
        let mut own_view: BTreeMap<String, (bool, bool, Vec<String>, bool)> = BTreeMap::new();
        for chunk in cases.chunks(15) {
            let mut vars = String::new();
            let mut body = String::new();
            let mut variables = json!({});
            for (i, case) in chunk.iter().enumerate() {
                vars.push_str(&format!("$c{i}: ID!, "));
                body.push_str(&format!(
                    "k{i}: accessCheck(action: READ, caseId: $c{i}) {{ allowed explanation {{ allowed grants {{ rule }} }} }} \
                     n{i}: node(id: $c{i}) {{ id ... on Case {{ accessExplanation {{ allowed grants {{ rule }} }} }} }} "
                ));
                variables[format!("c{i}")] = json!(case);
            }
            let query = format!("query({}) {{ {body} }}", vars.trim_end_matches(", "));
            let data = app.ok(&who.token, &query, variables).await;
            for (i, case) in chunk.iter().enumerate() {
                let check = &data[format!("k{i}")];
                let node = &data[format!("n{i}")];
                // A portal principal's unreadable case has no explanation (no existence oracle).
                let grants: Vec<String> = check["explanation"]["grants"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|g| g["rule"].as_str().expect("rule").to_owned())
                    .collect();
                if !node.is_null() {
                    assert_eq!(
                        node["accessExplanation"]["allowed"], true,
                        "{}: readable node explains itself as denied: {node}",
                        who.label
                    );
                    assert_eq!(
                        node["accessExplanation"]["grants"], check["explanation"]["grants"],
                        "{}: two explanations differ",
                        who.label
                    );
                }
                own_view.insert(
                    case.clone(),
                    (
                        check["allowed"].as_bool().expect("allowed"),
                        check["explanation"]["allowed"].as_bool().unwrap_or(false),
                        grants,
                        !node.is_null(),
                    ),
                );
            }
        }
        // The admin's explanation about the principal (from its stored roles).
        let mut admin_view: BTreeMap<String, Value> = BTreeMap::new();
        for chunk in cases.chunks(30) {
            let mut vars = String::from("$p: ID!");
            let mut body = String::new();
            let mut variables = json!({"p": who.id});
            for (i, case) in chunk.iter().enumerate() {
                vars.push_str(&format!(", $c{i}: ID!"));
                body.push_str(&format!(
                    "a{i}: node(id: $c{i}) {{ ... on Case {{ accessExplanation(principalId: $p) {{ allowed grants {{ rule }} }} }} }} "
                ));
                variables[format!("c{i}")] = json!(case);
            }
            let data = app
                .ok(&admin, &format!("query({vars}) {{ {body} }}"), variables)
                .await;
            for (i, case) in chunk.iter().enumerate() {
                admin_view.insert(
                    case.clone(),
                    data[format!("a{i}")]["accessExplanation"].clone(),
                );
            }
        }
        for (n, case) in cases.iter().enumerate() {
            let (allowed, explained, grants, node) = &own_view[case];
            let context = format!("seed {seed}, {} on case #{n} {case}", who.label);
            assert_eq!(
                *allowed,
                listed.contains(case),
                "check vs viewer.cases: {context}"
            );
            assert_eq!(*allowed, *node, "check vs node: {context}");
            assert_eq!(
                *allowed, *explained,
                "check vs explanation.allowed: {context}"
            );
            assert_eq!(*allowed, !grants.is_empty(), "check vs grants: {context}");
            let theirs = &admin_view[case];
            assert_eq!(
                theirs["allowed"], *allowed,
                "check vs the admin's explanation: {context}: {theirs}"
            );
            let their_rules: Vec<String> = theirs["grants"]
                .as_array()
                .expect("grants")
                .iter()
                .map(|g| g["rule"].as_str().expect("rule").to_owned())
                .collect();
            assert_eq!(&their_rules, grants, "granting rules differ: {context}");
            if *allowed {
                tally.allowed += 1;
            } else {
                tally.denied += 1;
            }
        }
        assert!(
            listed.iter().all(|c| cases.contains(c)),
            "{} lists a case the test does not know",
            who.label
        );
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_list_node_and_explain_agree_on_random_graphs() {
    let seed = env_u64("LIAISON_PROPERTY_SEED", 42);
    let graphs = env_u64("LIAISON_PROPERTY_CASES", 3);
    let mut allowed = 0;
    let mut denied = 0;
    for i in 0..graphs {
        let tally = build_and_check(seed + i).await;
        eprintln!("property graph seed {}: {tally:?}", seed + i);
        allowed += tally.allowed;
        denied += tally.denied;
    }
    assert!(
        graphs == 0 || (allowed > 0 && denied > 0),
        "the graphs exercised only one outcome: {allowed} allowed, {denied} denied"
    );
}
