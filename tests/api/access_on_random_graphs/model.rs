//! The property test's own record of the graph it built, and an independent reading of DOMAIN.md
//! §1, §5 and §6 (with the "Decisions") over it: which rules let a principal read a case. Written
//! from the specification, not from the engine: no SQL, just the records the test created.

use std::collections::BTreeSet;

use crate::support::{
    CONSUMER, CUSTOMER, CUSTOMER_ADMIN, CUSTOMER_CASE_MANAGER, PARTNER, PARTNER_ADMIN,
    RELATIONSHIP_AGENT, uuid_of,
};

/// Validity as day offsets from today; an absent bound is open.
pub type Period = (Option<i64>, Option<i64>);

/// Whether `period` covers today.
pub fn covers(period: Period) -> bool {
    period.0.is_none_or(|from| from <= 0) && period.1.is_none_or(|to| to >= 0)
}

pub struct Account {
    pub id: String,
    pub customer: bool,
    pub partner: bool,
    pub parent: Option<usize>,
}

pub struct Type {
    pub id: String,
    pub name: String,
    /// `PARTNER` or `ACCOUNT`.
    pub source: &'static str,
    pub grants: bool,
    pub stamped: bool,
    pub active: bool,
}

pub struct AccountRelationship {
    pub id: String,
    pub kind: usize,
    pub from: usize,
    pub to: usize,
    pub period: Period,
}

pub struct Contact {
    pub id: String,
    pub account: usize,
    pub roles: Vec<&'static str>,
}

pub struct ContactRelationship {
    pub id: String,
    pub contact: usize,
    pub account: usize,
    pub period: Period,
}

pub struct Agent {
    pub id: String,
    /// Whether the relationship agent role is still stored (the token always carries it).
    pub stored_role: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Account(usize),
    Consumer(usize),
    Household(usize),
}

pub struct TeamMember {
    pub id: String,
    pub agent: usize,
    pub target: Target,
    pub period: Period,
}

pub struct Household {
    pub id: String,
    pub head: Option<usize>,
}

pub struct Membership {
    pub id: String,
    pub household: usize,
    pub consumer: usize,
    pub period: Period,
}

pub struct ConsumerRelationship {
    pub id: String,
    pub representative: usize,
    pub represented: usize,
    pub household: Option<usize>,
    pub period: Period,
}

/// Who opened a case.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    Staff,
    Contact(usize),
    Consumer(usize),
}

pub struct Case {
    pub id: String,
    pub account: Option<usize>,
    pub contact: Option<usize>,
    pub consumer: Option<usize>,
    pub household: Option<usize>,
    pub partner: Option<usize>,
    pub partner_contact: Option<usize>,
    pub opener: Opener,
}

/// Who asks: the stored records it is and the roles it holds.
#[derive(Clone)]
pub struct Asker {
    pub contact: Option<usize>,
    pub consumer: Option<usize>,
    pub agent: Option<usize>,
    pub roles: Vec<&'static str>,
}

/// Everything the test built.
#[derive(Default)]
pub struct Model {
    pub accounts: Vec<Account>,
    pub types: Vec<Type>,
    pub account_relationships: Vec<AccountRelationship>,
    pub contacts: Vec<Contact>,
    pub contact_relationships: Vec<ContactRelationship>,
    pub consumers: Vec<String>,
    pub households: Vec<Household>,
    pub memberships: Vec<Membership>,
    pub consumer_relationships: Vec<ConsumerRelationship>,
    pub agents: Vec<Agent>,
    pub team_members: Vec<TeamMember>,
    pub cases: Vec<Case>,
}

impl Model {
    /// The index of the account, contact, consumer or household with global ID `id` (an account's
    /// `Account` and `Partner` IDs both name it).
    pub fn account_at(&self, id: &str) -> Option<usize> {
        let uuid = uuid_of(id);
        self.accounts.iter().position(|a| uuid_of(&a.id) == uuid)
    }

    pub fn contact_at(&self, id: &str) -> Option<usize> {
        self.contacts.iter().position(|c| c.id == id)
    }

    pub fn consumer_at(&self, id: &str) -> Option<usize> {
        self.consumers.iter().position(|c| c == id)
    }

    pub fn household_at(&self, id: &str) -> Option<usize> {
        self.households.iter().position(|h| h.id == id)
    }

    /// Whether `consumer` is a current member of `household` today.
    pub fn current_member(&self, household: usize, consumer: usize) -> bool {
        self.memberships
            .iter()
            .any(|m| m.household == household && m.consumer == consumer && covers(m.period))
    }

    /// Whether account `below` lies under `above` in the hierarchy (any depth, not itself).
    fn below(&self, below: usize, above: usize) -> bool {
        let mut at = self.accounts[below].parent;
        while let Some(parent) = at {
            if parent == above {
                return true;
            }
            at = self.accounts[parent].parent;
        }
        false
    }

    /// Whether a relationship record with global ID `id` exists and is in force today (dates and,
    /// for account relationships, an active type), when the test knows the record.
    pub fn in_force(&self, id: &str) -> Option<bool> {
        if let Some(r) = self.account_relationships.iter().find(|r| r.id == id) {
            return Some(covers(r.period) && self.types[r.kind].active);
        }
        if let Some(r) = self.contact_relationships.iter().find(|r| r.id == id) {
            return Some(covers(r.period));
        }
        if let Some(r) = self.team_members.iter().find(|r| r.id == id) {
            return Some(covers(r.period) && self.agents[r.agent].stored_role);
        }
        if let Some(r) = self.consumer_relationships.iter().find(|r| r.id == id) {
            return Some(covers(r.period));
        }
        if let Some(r) = self.memberships.iter().find(|r| r.id == id) {
            return Some(covers(r.period));
        }
        None
    }

    /// The rules (GraphQL names) that let `who` read case `k`, read from DOMAIN.md alone.
    pub fn rules(&self, who: &Asker, k: usize) -> BTreeSet<&'static str> {
        let case = &self.cases[k];
        let has = |roles: &[&str]| roles.iter().any(|r| who.roles.contains(r));
        let mut rules = BTreeSet::new();
        if let Some(agent) = who.agent
            && has(&[RELATIONSHIP_AGENT])
            && self.agents[agent].stored_role
        {
            let on_team = self.team_members.iter().any(|t| {
                t.agent == agent
                    && covers(t.period)
                    && match t.target {
                        Target::Account(a) => case.account == Some(a),
                        Target::Consumer(c) => case.consumer == Some(c),
                        Target::Household(h) => case.household == Some(h),
                    }
            });
            if on_team {
                rules.insert("TEAM_MEMBER");
            }
        }
        if let Some(me) = who.contact {
            let own = self.contacts[me].account;
            if has(&[CUSTOMER, CUSTOMER_CASE_MANAGER, CUSTOMER_ADMIN, PARTNER])
                && (case.contact == Some(me) || case.opener == Opener::Contact(me))
            {
                rules.insert("OWN_CASE");
            }
            if has(&[PARTNER]) && case.partner_contact == Some(me) {
                rules.insert("PARTNER_CONTACT");
            }
            if has(&[
                CUSTOMER_CASE_MANAGER,
                CUSTOMER_ADMIN,
                PARTNER,
                PARTNER_ADMIN,
            ]) && case.account == Some(own)
            {
                rules.insert("OWN_ACCOUNT");
            }
            if has(&[CUSTOMER_CASE_MANAGER]) && case.account.is_some_and(|a| self.below(a, own)) {
                rules.insert("DESCENDANT_ACCOUNT");
            }
            if has(&[CUSTOMER, CUSTOMER_ADMIN])
                && let Some(account) = case.account
                && self
                    .contact_relationships
                    .iter()
                    .any(|r| r.contact == me && r.account == account && covers(r.period))
            {
                rules.insert("CONTACT_RELATIONSHIP");
            }
            if has(&[PARTNER, PARTNER_ADMIN])
                && let Some(account) = case.account
                && self.account_relationships.iter().any(|r| {
                    let kind = &self.types[r.kind];
                    r.from == own
                        && r.to == account
                        && covers(r.period)
                        && kind.active
                        && kind.grants
                        && (!kind.stamped || case.partner == Some(own))
                })
            {
                rules.insert("PARTNER_RELATIONSHIP");
            }
        }
        if let Some(me) = who.consumer
            && has(&[CONSUMER])
        {
            if case.consumer == Some(me) || case.opener == Opener::Consumer(me) {
                rules.insert("OWN_CONSUMER_CASE");
            }
            if let Some(of) = case.consumer
                && self.consumer_relationships.iter().any(|r| {
                    r.representative == me
                        && r.represented == of
                        && covers(r.period)
                        && r.household.is_none_or(|h| {
                            self.current_member(h, me) && self.current_member(h, of)
                        })
                })
            {
                rules.insert("REPRESENTATIVE");
            }
            if case.household.is_some_and(|h| self.current_member(h, me)) {
                rules.insert("HOUSEHOLD_MEMBER");
            }
            let heads = (0..self.households.len()).any(|h| {
                self.households[h].head == Some(me)
                    && self.current_member(h, me)
                    && (case.household == Some(h)
                        || case.consumer.is_some_and(|c| self.current_member(h, c)))
            });
            if heads {
                rules.insert("HEAD_OF_HOUSEHOLD");
            }
        }
        rules
    }
}
