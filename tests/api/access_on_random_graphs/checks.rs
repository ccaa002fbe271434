//! The property's checks on a built graph: every (principal, case) pair against the model, the
//! admin's explanations, `whoCanAccess`, grant records, and one access report.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{
    Principal, Rng, Tally, fits,
    model::{Asker, Model},
};
use crate::support::{
    CONSUMER, PARTNER, PARTNER_ADMIN, RELATIONSHIP_AGENT, TestApp, id, visible_cases,
};

/// The askers the stored records of `who` are, each alone with its stored roles: what the
/// admin's explanation about that record, `whoCanAccess` and access reports evaluate.
fn stored_askers(m: &Model, who: &Principal) -> Vec<(String, Asker)> {
    let mut out = Vec::new();
    if let Some(c) = who.asker.contact {
        let roles = m.contacts[c].roles.clone();
        let asker = Asker {
            contact: Some(c),
            consumer: None,
            agent: None,
            roles,
        };
        out.push((m.contacts[c].id.clone(), asker));
    }
    if let Some(c) = who.asker.consumer {
        let asker = Asker {
            contact: None,
            consumer: Some(c),
            agent: None,
            roles: vec![CONSUMER],
        };
        out.push((m.consumers[c].clone(), asker));
    }
    if let Some(a) = who.asker.agent {
        let roles = if m.agents[a].stored_role {
            vec![RELATIONSHIP_AGENT]
        } else {
            Vec::new()
        };
        let asker = Asker {
            contact: None,
            consumer: None,
            agent: Some(a),
            roles,
        };
        out.push((m.agents[a].id.clone(), asker));
    }
    out
}

/// The kinds of path step that name a dated relationship record.
const RELATIONSHIP_STEPS: [&str; 5] = [
    "ACCOUNT_RELATIONSHIP",
    "CONTACT_RELATIONSHIP",
    "TEAM_MEMBER",
    "CONSUMER_RELATIONSHIP",
    "HOUSEHOLD_MEMBERSHIP",
];

/// The rule names of an explanation's grants.
fn rule_set(explanation: &Value) -> BTreeSet<String> {
    explanation["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| g["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// Runs `fields(i, case)` for every case in chunks of `size` aliased fields, as `token`, with
/// `extra` variables (declared in `declared`); returns each case's field value.
async fn per_case(
    app: &TestApp,
    token: &str,
    cases: &[String],
    size: usize,
    (declared, extra): (&str, Value),
    fields: impl Fn(usize) -> String,
) -> Vec<Value> {
    let mut out = Vec::new();
    for chunk in cases.chunks(size) {
        let mut vars = declared.to_owned();
        let mut body = String::new();
        let mut variables = extra.clone();
        for (i, case) in chunk.iter().enumerate() {
            vars.push_str(&format!(" $c{i}: ID!"));
            body.push_str(&fields(i));
            variables[format!("c{i}")] = json!(case);
        }
        let data = app
            .ok(token, &format!("query({vars}) {{ {body} }}"), variables)
            .await;
        out.extend((0..chunk.len()).map(|i| data[format!("a{i}")].clone()));
    }
    out
}

/// The property for every principal and every case; returns each principal's listed cases.
pub(super) async fn check_pairs(
    app: &TestApp,
    seed: u64,
    m: &Model,
    principals: &[Principal],
    tally: &mut Tally,
) -> Vec<BTreeSet<String>> {
    let admin = app.admin();
    let cases: Vec<String> = m.cases.iter().map(|c| c.id.clone()).collect();
    let mut lists = Vec::new();
    for who in principals {
        let listed = visible_cases(app, &who.token).await;
        let checks = per_case(app, &who.token, &cases, 30, ("", json!({})), |i| {
            format!(
                "a{i}: accessCheck(action: READ, caseId: $c{i}) {{ allowed explanation {{ allowed grants {{ rule path {{ kind recordId }} }} }} }} "
            )
        })
        .await;
        let nodes = per_case(app, &who.token, &cases, 30, ("", json!({})), |i| {
            format!("a{i}: node(id: $c{i}) {{ id ... on Case {{ accessExplanation {{ allowed grants {{ rule path {{ kind recordId }} }} }} }} }} ")
        })
        .await;
        for (k, case) in cases.iter().enumerate() {
            let expected = m.rules(&who.asker, k);
            let allowed = !expected.is_empty();
            let context = format!("seed {seed}, {} on case #{k} {case}", who.label);
            let check = &checks[k];
            let node = &nodes[k];
            assert_eq!(
                check["allowed"], allowed,
                "check vs DOMAIN.md: {context}: expected {expected:?}, got {check}"
            );
            assert_eq!(
                listed.contains(case),
                allowed,
                "viewer.cases vs DOMAIN.md: {context}"
            );
            assert_eq!(!node.is_null(), allowed, "node vs DOMAIN.md: {context}");
            let explanation = &check["explanation"];
            if explanation.is_null() {
                // No existence oracle: a portal principal learns nothing about a case it cannot
                // read; only staff get denials explained.
                assert!(
                    !allowed && who.asker.agent.is_none(),
                    "explanation withheld from an allowed pair or from staff: {context}"
                );
                tally.pairs += 1;
                tally.denied += 1;
                continue;
            }
            assert_eq!(
                explanation["allowed"], allowed,
                "explanation.allowed: {context}"
            );
            let want: BTreeSet<String> = expected.iter().map(|r| r.to_string()).collect();
            assert_eq!(
                rule_set(explanation),
                want,
                "granting rules vs DOMAIN.md: {context}"
            );
            if allowed {
                assert_eq!(
                    node["accessExplanation"], *explanation,
                    "node's explanation vs accessCheck's: {context}"
                );
            }
            for grant in explanation["grants"].as_array().expect("grants") {
                for step in grant["path"].as_array().expect("path") {
                    let kind = step["kind"].as_str().expect("kind");
                    let Some(record) = step["recordId"].as_str() else {
                        continue;
                    };
                    if RELATIONSHIP_STEPS.contains(&kind) {
                        assert_eq!(
                            m.in_force(record),
                            Some(true),
                            "a grant names {kind} {record}, which is unknown or not in force: {context}"
                        );
                    }
                }
            }
            tally.pairs += 1;
            if allowed {
                tally.allowed += 1;
            } else {
                tally.denied += 1;
            }
        }
        // The admin's explanation about each stored record the principal is.
        for (record, asker) in stored_askers(m, who) {
            let theirs = per_case(app, &admin, &cases, 30, ("$p: ID!", json!({"p": record})), |i| {
                format!("a{i}: node(id: $c{i}) {{ ... on Case {{ accessExplanation(principalId: $p) {{ allowed grants {{ rule }} }} }} }} ")
            })
            .await;
            for (k, explanation) in theirs.iter().enumerate() {
                let want: BTreeSet<String> =
                    m.rules(&asker, k).iter().map(|r| r.to_string()).collect();
                let explanation = &explanation["accessExplanation"];
                assert_eq!(
                    rule_set(explanation),
                    want,
                    "seed {seed}: the admin's explanation about {record} ({}) on case #{k}",
                    who.label
                );
                assert_eq!(explanation["allowed"], !want.is_empty());
            }
        }
        assert!(
            listed.iter().all(|c| cases.contains(c)),
            "{} lists a case the test does not know",
            who.label
        );
        lists.push(listed);
    }
    // whoCanAccess names exactly the stored records that may read each case.
    let stored: Vec<(String, Asker)> = principals
        .iter()
        .flat_map(|p| stored_askers(m, p))
        .collect();
    let holders = per_case(app, &admin, &cases, 10, ("", json!({})), |i| {
        format!("a{i}: node(id: $c{i}) {{ ... on Case {{ whoCanAccess(first: 100) {{ nodes {{ principal {{ id }} }} }} }} }} ")
    })
    .await;
    for (k, listed) in holders.iter().enumerate() {
        let got: BTreeSet<String> = listed["whoCanAccess"]["nodes"]
            .as_array()
            .expect("holders")
            .iter()
            .map(|h| id(&h["principal"]))
            .collect();
        let want: BTreeSet<String> = stored
            .iter()
            .filter(|(_, asker)| !m.rules(asker, k).is_empty())
            .map(|(record, _)| record.clone())
            .collect();
        assert_eq!(got, want, "seed {seed}: whoCanAccess of case #{k}");
    }
    lists
}

/// A random new relationship's access report equals the difference of every affected
/// principal's lists before and after it.
pub(super) async fn check_impact(
    app: &TestApp,
    rng: &mut Rng,
    m: &Model,
    principals: &[Principal],
    before: &[BTreeSet<String>],
    tally: &mut Tally,
) {
    // Prefer a source account whose contacts work partners' cases, so the report has content.
    let works_partners = |a: usize| {
        m.contacts
            .iter()
            .any(|c| c.account == a && c.roles.iter().any(|r| [PARTNER, PARTNER_ADMIN].contains(r)))
    };
    let mut change = None;
    for attempt in 0..200 {
        let kind = rng.below(m.types.len());
        let (from, to) = (rng.below(m.accounts.len()), rng.below(m.accounts.len()));
        let taken = m.account_relationships.iter().any(|r| {
            r.kind == kind && ((r.from, r.to) == (from, to) || (r.from, r.to) == (to, from))
        });
        let useful = attempt >= 100 || works_partners(from);
        if useful
            && m.types[kind].active
            && m.types[kind].grants
            && fits(m, kind, from, to)
            && !taken
        {
            change = Some((kind, from, to));
            break;
        }
    }
    let Some((kind, from, to)) = change else {
        return;
    };
    let report = app
        .ok(
            &app.admin(),
            "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accessChanges { principal { id } gained lost } } }",
            json!({"i": {"typeId": m.types[kind].id, "fromId": m.accounts[from].id, "toId": m.accounts[to].id}}),
        )
        .await;
    let reported: BTreeMap<String, (u64, u64)> =
        report["createAccountRelationship"]["accessChanges"]
            .as_array()
            .expect("access changes")
            .iter()
            .map(|c| {
                let counts = (
                    c["gained"].as_u64().expect("gained"),
                    c["lost"].as_u64().expect("lost"),
                );
                (id(&c["principal"]), counts)
            })
            .collect();
    for (who, before) in principals.iter().zip(before) {
        if !who.single {
            continue;
        }
        let after = visible_cases(app, &who.token).await;
        let gained = after.difference(before).count() as u64;
        let lost = before.difference(&after).count() as u64;
        let got = reported.get(&who.ids[0]).copied().unwrap_or((0, 0));
        assert_eq!(
            got,
            (gained, lost),
            "the report of a new {} relationship for {}: {report}",
            m.types[kind].name,
            who.label
        );
        tally.reported_changes += usize::from(gained + lost > 0);
    }
}
