//! The rows of the synthetic data set, one chunk of accounts at a time, in a fixed order of
//! draws from the PRNG.

use std::collections::HashSet;

use entity::{
    account, account_relationship, case, consumer, consumer_relationship, contact,
    contact_relationship, household, household_membership, internal_user, role_assignment,
    team_member,
};
use liaison::{access::principal::Role, domain::sequences};
use migration::m20261122_000002_relationships::{PARTNER_ACCOUNT_TYPE, RESPONSIBILITIES};
use sea_orm::IntoActiveModel;
use uuid::Uuid;

use super::{
    AFFILIATE_TYPE, Counts, RESELLER_TYPE, SUPPLIER_TYPE,
    values::{Calendar, STATES, SUBJECTS, Tag, company, id, person, uuid},
};
use crate::prng::SplitMix64;

/// The running state of a generation: counters across chunks and the staff pool.
pub(super) struct Generator {
    rng: SplitMix64,
    calendar: Calendar,
    pub(super) counts: Counts,
    agents: Vec<Uuid>,
    staff_opener: Uuid,
}

/// One chunk of rows, in insert order.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) accounts: Vec<account::ActiveModel>,
    pub(super) contacts: Vec<contact::ActiveModel>,
    pub(super) roles: Vec<role_assignment::ActiveModel>,
    pub(super) consumers: Vec<consumer::ActiveModel>,
    pub(super) households: Vec<household::ActiveModel>,
    pub(super) memberships: Vec<household_membership::ActiveModel>,
    pub(super) account_relationships: Vec<account_relationship::ActiveModel>,
    pub(super) contact_relationships: Vec<contact_relationship::ActiveModel>,
    pub(super) consumer_relationships: Vec<consumer_relationship::ActiveModel>,
    pub(super) team_members: Vec<team_member::ActiveModel>,
    pub(super) cases: Vec<case::ActiveModel>,
}

/// What the chunk generator needs to know about one account of the chunk.
struct AccountInfo {
    id: Uuid,
    partner: bool,
    depth: u8,
    contacts: Vec<(Uuid, String)>,
    partners: Vec<usize>,
}

impl Generator {
    pub(super) fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            calendar: Calendar::new(),
            counts: Counts::default(),
            agents: Vec::new(),
            staff_opener: Uuid::nil(),
        }
    }

    fn role(&mut self, batch: &mut Batch, contact: Option<Uuid>, user: Option<Uuid>, role: Role) {
        let n = self.counts.role_assignments;
        self.counts.role_assignments += 1;
        batch.roles.push(
            role_assignment::Model {
                id: id(Tag::Role, n),
                contact_id: contact,
                internal_user_id: user,
                role: role.as_str().to_owned(),
                created_at: self.calendar.at(n),
            }
            .into_active_model(),
        );
    }

    /// Staff: an admin, a manager, an agent and one relationship agent per 500 accounts.
    pub(super) fn staff(&mut self, accounts: u64) -> (Vec<internal_user::ActiveModel>, Batch) {
        let mut batch = Batch::default();
        let mut users = Vec::new();
        let relationship_agents = std::cmp::max(accounts / 500, 2);
        let fixed = [
            ("bench.admin", "Bench Admin", Role::Admin),
            ("bench.manager", "Bench Manager", Role::Manager),
            ("bench.agent", "Bench Agent", Role::Agent),
        ];
        let mut people: Vec<(String, String, Role)> = fixed
            .iter()
            .map(|(s, n, r)| ((*s).to_owned(), (*n).to_owned(), *r))
            .collect();
        for k in 0..relationship_agents {
            let name = person(&mut self.rng);
            people.push((format!("agent.{k}"), name, Role::RelationshipAgent));
        }
        for (subject, name, role) in people {
            let n = self.counts.internal_users;
            self.counts.internal_users += 1;
            let user = id(Tag::User, n);
            users.push(
                internal_user::Model {
                    id: user,
                    name,
                    email: Some(format!("{subject}@liaison.example")),
                    subject: Some(subject),
                    created_at: self.calendar.at(n),
                    updated_at: self.calendar.at(n),
                }
                .into_active_model(),
            );
            self.role(&mut batch, None, Some(user), role);
            match role {
                Role::RelationshipAgent => self.agents.push(user),
                Role::Agent => self.staff_opener = user,
                _ => {}
            }
        }
        (users, batch)
    }

    /// Generates the rows of accounts `first..first + size`.
    pub(super) fn chunk(&mut self, first: u64, size: usize) -> Batch {
        let mut batch = Batch::default();
        let mut infos: Vec<AccountInfo> = Vec::with_capacity(size);
        let mut customers: Vec<usize> = Vec::new();
        let mut partners: Vec<usize> = Vec::new();
        // Accounts, some below others in a hierarchy of at most five levels.
        for i in 0..size {
            let n = first + i as u64;
            let (customer, partner) = match i {
                0 => (false, true),
                1 => (true, false),
                _ if self.rng.chance(0.2) => (self.rng.chance(0.25), true),
                _ => (true, false),
            };
            let mut parent = None;
            let mut depth = 0;
            if customer && !partner && customers.len() > 1 && self.rng.chance(0.3) {
                let back = customers.len().min(64);
                let candidate = customers[customers.len() - 1 - self.rng.below(back)];
                if infos[candidate].depth < 4 {
                    parent = Some(infos[candidate].id);
                    depth = infos[candidate].depth + 1;
                }
            }
            let account_id = id(Tag::Account, n);
            let at = self.calendar.at(n);
            batch.accounts.push(
                account::Model {
                    id: account_id,
                    number: sequences::format("ACC", n as i64 + 1),
                    name: company(&mut self.rng),
                    is_customer: customer,
                    is_partner: partner,
                    parent_id: parent,
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
            if customer {
                customers.push(i);
            }
            if partner {
                partners.push(i);
            }
            infos.push(AccountInfo {
                id: account_id,
                partner,
                depth,
                contacts: Vec::new(),
                partners: Vec::new(),
            });
        }
        // Contacts (one or two per account) with their stored portal roles.
        for info in infos.iter_mut() {
            let count = 1 + usize::from(self.rng.chance(0.5));
            for k in 0..count {
                let n = self.counts.contacts;
                self.counts.contacts += 1;
                let contact_id = id(Tag::Contact, n);
                let subject = format!("contact.{n}");
                let at = self.calendar.at(n);
                batch.contacts.push(
                    contact::Model {
                        id: contact_id,
                        account_id: info.id,
                        name: person(&mut self.rng),
                        email: Some(format!("{subject}@example.com")),
                        phone: None,
                        subject: Some(subject.clone()),
                        created_at: at,
                        updated_at: at,
                    }
                    .into_active_model(),
                );
                let role = match (info.partner, k) {
                    (true, 0) => Role::PartnerAdmin,
                    (true, _) => Role::Partner,
                    (false, 0) => Role::CustomerAdmin,
                    (false, _) if self.rng.chance(0.5) => Role::CustomerCaseManager,
                    (false, _) => Role::Customer,
                };
                let n = self.counts.role_assignments;
                self.counts.role_assignments += 1;
                batch.roles.push(
                    role_assignment::Model {
                        id: id(Tag::Role, n),
                        contact_id: Some(contact_id),
                        internal_user_id: None,
                        role: role.as_str().to_owned(),
                        created_at: at,
                    }
                    .into_active_model(),
                );
                info.contacts.push((contact_id, subject));
            }
        }
        // Account relationships, two per account: partner links (DERIVED and STAMPED), symmetric
        // affiliates and directed suppliers between customers.
        let partner_type = uuid(PARTNER_ACCOUNT_TYPE);
        let reseller = uuid(RESELLER_TYPE);
        let affiliate = uuid(AFFILIATE_TYPE);
        let supplier = uuid(SUPPLIER_TYPE);
        let mut seen: HashSet<(Uuid, usize, usize)> = HashSet::new();
        let mut links: Vec<(usize, usize)> = Vec::new();
        let wanted = size * 2;
        let mut attempts = 0;
        while links.len() < wanted && attempts < wanted * 4 {
            attempts += 1;
            let roll = self.rng.below(100);
            let (kind, from, to) = if roll < 70 {
                let kind = if roll < 60 { partner_type } else { reseller };
                (kind, *self.rng.pick(&partners), *self.rng.pick(&customers))
            } else {
                let kind = if roll < 85 { affiliate } else { supplier };
                (kind, *self.rng.pick(&customers), *self.rng.pick(&customers))
            };
            if from == to || seen.contains(&(kind, from, to)) {
                continue;
            }
            if kind == affiliate && seen.contains(&(kind, to, from)) {
                continue;
            }
            seen.insert((kind, from, to));
            links.push((from, to));
            let n = self.counts.account_relationships;
            self.counts.account_relationships += 1;
            let lapsed = self.rng.chance(0.05);
            let at = self.calendar.at(n);
            batch.account_relationships.push(
                account_relationship::Model {
                    id: id(Tag::AccountRel, n),
                    type_id: kind,
                    from_id: infos[from].id,
                    to_id: infos[to].id,
                    sort_order: None,
                    valid_from: lapsed.then(|| self.calendar.day(0)),
                    valid_to: lapsed.then_some(self.calendar.lapsed),
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
            if (kind == partner_type || kind == reseller) && !lapsed {
                infos[to].partners.push(from);
            }
        }
        // Contact relationships, one per account: a related account's contact made Authorized
        // Contact (unique per account, contact and responsibility).
        let authorized_contact = uuid(RESPONSIBILITIES[3].0);
        let mut held: HashSet<(usize, Uuid)> = HashSet::new();
        let mut made = 0;
        for (index, &(from, to)) in links.iter().enumerate() {
            if made >= size {
                break;
            }
            // Give the target account a contact of the source (partner or affiliate), and every
            // other link also the reverse.
            let (account, other) = if index % 3 == 2 {
                (from, to)
            } else {
                (to, from)
            };
            let contact = infos[other].contacts[self.rng.below(infos[other].contacts.len())].0;
            if !held.insert((account, contact)) {
                continue;
            }
            made += 1;
            let n = self.counts.contact_relationships;
            self.counts.contact_relationships += 1;
            let at = self.calendar.at(n);
            batch.contact_relationships.push(
                contact_relationship::Model {
                    id: id(Tag::ContactRel, n),
                    account_id: infos[account].id,
                    contact_id: contact,
                    responsibility_id: authorized_contact,
                    sort_order: None,
                    valid_from: None,
                    valid_to: None,
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
        }
        // Consumers, most of them in households of one to four, a few memberships lapsed.
        let mut consumer_ids = Vec::with_capacity(size);
        let mut homes: Vec<(Uuid, Vec<usize>)> = Vec::new();
        let mut home_of: Vec<Option<usize>> = vec![None; size];
        let mut current: Vec<bool> = vec![false; size];
        let mut i = 0;
        let mut consumer_rows: Vec<(Uuid, String, String)> = Vec::with_capacity(size);
        while i < size {
            let n = self.counts.consumers + i as u64;
            consumer_ids.push(id(Tag::Consumer, n));
            consumer_rows.push((
                id(Tag::Consumer, n),
                person(&mut self.rng),
                format!("consumer.{n}"),
            ));
            i += 1;
        }
        let mut c = 0;
        while c < size {
            let group = if self.rng.chance(0.6) {
                (1 + self.rng.below(4)).min(size - c)
            } else {
                0
            };
            if group == 0 {
                c += 1;
                continue;
            }
            let h = homes.len();
            let members: Vec<usize> = (c..c + group).collect();
            for &m in &members {
                home_of[m] = Some(h);
            }
            let hn = self.counts.households + h as u64;
            homes.push((id(Tag::Household, hn), members));
            c += group;
        }
        for (h, (home_id, members)) in homes.iter().enumerate() {
            let hn = self.counts.households + h as u64;
            let head = members[0];
            let at = self.calendar.at(hn);
            let surname = consumer_rows[head]
                .1
                .split(' ')
                .next_back()
                .unwrap_or("Family")
                .to_owned();
            batch.households.push(
                household::Model {
                    id: *home_id,
                    name: format!("{surname} household"),
                    head_id: Some(consumer_ids[head]),
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
            for (k, &m) in members.iter().enumerate() {
                let lapsed = k > 0 && self.rng.chance(0.05);
                current[m] = !lapsed;
                let n = self.counts.memberships;
                self.counts.memberships += 1;
                batch.memberships.push(
                    household_membership::Model {
                        id: id(Tag::Membership, n),
                        household_id: *home_id,
                        consumer_id: consumer_ids[m],
                        start_date: Some(self.calendar.day(self.rng.below(120))),
                        end_date: lapsed.then_some(self.calendar.lapsed),
                        created_at: at,
                        updated_at: at,
                    }
                    .into_active_model(),
                );
            }
        }
        for (k, (consumer_id, name, subject)) in consumer_rows.into_iter().enumerate() {
            let n = self.counts.consumers;
            self.counts.consumers += 1;
            let at = self.calendar.at(n);
            let primary = home_of[k].filter(|_| current[k]).map(|h| homes[h].0);
            batch.consumers.push(
                consumer::Model {
                    id: consumer_id,
                    name,
                    email: Some(format!("{subject}@example.com")),
                    subject: Some(subject),
                    primary_household_id: primary,
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
        }
        self.counts.households += homes.len() as u64;
        // Consumer relationships, one per account: heads represent their current members inside
        // the household, the rest are representatives between any two consumers.
        let representative = uuid(RESPONSIBILITIES[2].0);
        let mut pairs: HashSet<(usize, usize, Option<usize>)> = HashSet::new();
        for (h, (_, members)) in homes.iter().enumerate() {
            let head = members[0];
            for &m in &members[1..] {
                if current[m] && pairs.len() < size {
                    pairs.insert((head, m, Some(h)));
                }
            }
        }
        let mut attempts = 0;
        while pairs.len() < size && size > 1 && attempts < size * 4 {
            attempts += 1;
            let (a, b) = (self.rng.below(size), self.rng.below(size));
            if a != b {
                pairs.insert((a, b, None));
            }
        }
        let mut pairs: Vec<_> = pairs.into_iter().collect();
        pairs.sort_unstable();
        for (a, b, home) in pairs {
            let n = self.counts.consumer_relationships;
            self.counts.consumer_relationships += 1;
            let at = self.calendar.at(n);
            batch.consumer_relationships.push(
                consumer_relationship::Model {
                    id: id(Tag::ConsumerRel, n),
                    consumer_id: consumer_ids[a],
                    related_consumer_id: consumer_ids[b],
                    household_id: home.map(|h| homes[h].0),
                    responsibility_id: representative,
                    sort_order: None,
                    valid_from: None,
                    valid_to: None,
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
        }
        // Team members: an Account Manager on most accounts, Relationship Managers on some
        // consumers and households (each responsibility is unique per target).
        let account_manager = uuid(RESPONSIBILITIES[0].0);
        let relationship_manager = uuid(RESPONSIBILITIES[1].0);
        let mut targets: Vec<(&str, Uuid)> = Vec::new();
        for info in &infos {
            if self.rng.chance(0.6) {
                targets.push(("ACCOUNT", info.id));
            }
        }
        for consumer_id in &consumer_ids {
            if self.rng.chance(0.3) {
                targets.push(("CONSUMER", *consumer_id));
            }
        }
        for (home_id, _) in &homes {
            if self.rng.chance(0.28) {
                targets.push(("HOUSEHOLD", *home_id));
            }
        }
        for (kind, target) in targets {
            let n = self.counts.team_members;
            self.counts.team_members += 1;
            let at = self.calendar.at(n);
            let user = self.agents[self.rng.below(self.agents.len())];
            batch.team_members.push(
                team_member::Model {
                    id: id(Tag::Team, n),
                    user_id: user,
                    target_kind: kind.to_owned(),
                    account_id: (kind == "ACCOUNT").then_some(target),
                    consumer_id: (kind == "CONSUMER").then_some(target),
                    household_id: (kind == "HOUSEHOLD").then_some(target),
                    responsibility_id: if kind == "ACCOUNT" {
                        account_manager
                    } else {
                        relationship_manager
                    },
                    sort_order: None,
                    valid_from: None,
                    valid_to: None,
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model(),
            );
        }
        // Cases, two per account: 70% B2B (some stamped with a partner), 30% B2C.
        for _ in 0..size * 2 {
            let n = self.counts.cases;
            self.counts.cases += 1;
            let at = self.calendar.at(n * 7);
            let state = *self.rng.pick(&STATES);
            let mut row = case::Model {
                id: id(Tag::Case, n),
                number: sequences::format("CS", n as i64 + 1),
                short_description: self.rng.pick(&SUBJECTS).to_string(),
                description: None,
                state: state.to_owned(),
                priority: 1 + self.rng.below(4) as i32,
                account_id: None,
                contact_id: None,
                consumer_id: None,
                household_id: None,
                partner_id: None,
                partner_contact_id: None,
                opened_by_kind: Some("INTERNAL_USER".into()),
                opened_by_id: Some(self.staff_opener),
                opened_by_subject: Some("bench.agent".into()),
                created_at: at,
                updated_at: at,
                resolved_at: matches!(state, "RESOLVED" | "CLOSED").then_some(at),
                closed_at: matches!(state, "CLOSED" | "CANCELED").then_some(at),
            };
            if self.rng.chance(0.7) {
                let a = *self.rng.pick(&customers);
                let info = &infos[a];
                row.account_id = Some(info.id);
                if self.rng.chance(0.8) {
                    let (contact_id, subject) = &info.contacts[self.rng.below(info.contacts.len())];
                    row.contact_id = Some(*contact_id);
                    if self.rng.chance(0.5) {
                        row.opened_by_kind = Some("CONTACT".into());
                        row.opened_by_id = Some(*contact_id);
                        row.opened_by_subject = Some(subject.clone());
                    }
                }
                if !info.partners.is_empty() && self.rng.chance(0.3) {
                    let p = *self.rng.pick(&info.partners);
                    row.partner_id = Some(infos[p].id);
                    row.partner_contact_id = Some(infos[p].contacts[0].0);
                }
            } else {
                let k = self.rng.below(size);
                row.consumer_id = Some(consumer_ids[k]);
                if current[k] && self.rng.chance(0.7) {
                    row.household_id = home_of[k].map(|h| homes[h].0);
                }
                if self.rng.chance(0.5) {
                    let n = self.counts.consumers - size as u64 + k as u64;
                    row.opened_by_kind = Some("CONSUMER".into());
                    row.opened_by_id = Some(consumer_ids[k]);
                    row.opened_by_subject = Some(format!("consumer.{n}"));
                }
            }
            batch.cases.push(row.into_active_model());
        }
        self.counts.accounts += size as u64;
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_the_domain_rules() {
        let mut generator = Generator::new(7);
        generator.staff(1000);
        let batch = generator.chunk(0, 1000);
        assert_eq!(batch.accounts.len(), 1000);
        assert_eq!(batch.cases.len(), 2000);
        let mut seen = HashSet::new();
        for rel in &batch.account_relationships {
            let (t, f, to) = (
                rel.type_id.clone().unwrap(),
                rel.from_id.clone().unwrap(),
                rel.to_id.clone().unwrap(),
            );
            assert_ne!(f, to);
            assert!(seen.insert((t, f, to)));
        }
    }
}
