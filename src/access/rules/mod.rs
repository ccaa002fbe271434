//! The case rules of DOMAIN.md §1 and §6, grouped by family: `staff`, `contact`, `partner`,
//! `consumer`. Each rule is written once, in its family's file, as its SQL arms next to the path
//! that explains it (the `Definition` trait); check, list, may-create and explain all read the
//! rules from here, so they cannot disagree.

pub mod consumer;
pub mod contact;
mod definition;
pub mod partner;
pub mod staff;

use chrono::NaiveDate;
use entity::case;
use sea_orm::{Condition, ConnectionTrait, DbBackend, sea_query::Expr};

pub use definition::{Arm, Path, Step, StepKind};

use super::{
    error::AccessResult,
    principal::{Principal, Role},
};
use definition::{Asking, Definition, Explaining};

/// One way a principal can reach a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// admin, sn_customerservice_manager, sn_customerservice_agent: every case.
    InternalRole,
    /// relationship_agent: cases of accounts, consumers and households on whose team it is.
    TeamMember,
    /// A contact's own cases: it is the case's contact or opened it (not partner_admin).
    OwnCase,
    /// partner: cases whose partner contact it is.
    PartnerContact,
    /// customer_case_manager, customer_admin, partner, partner_admin: own account's cases.
    OwnAccount,
    /// customer_case_manager: cases of accounts below its own in the hierarchy.
    DescendantAccount,
    /// customer, customer_admin: cases of accounts it holds a contact relationship on.
    ContactRelationship,
    /// partner, partner_admin: cases of customers its account is partner of (DERIVED or STAMPED).
    PartnerRelationship,
    /// consumer: its own cases.
    OwnConsumerCase,
    /// consumer: cases of consumers it represents.
    Representative,
    /// consumer: cases of its current households.
    HouseholdMember,
    /// consumer: as head of household, the household's and its current members' cases.
    HeadOfHousehold,
}

/// Evaluates `$body` with `$def` bound to the definition of `$rule`: the one table from a rule to
/// the family file it is written in.
macro_rules! with_definition {
    ($rule:expr, |$def:ident| $body:expr) => {
        match $rule {
            Rule::InternalRole => {
                let $def = staff::InternalRole;
                $body
            }
            Rule::TeamMember => {
                let $def = staff::TeamMember;
                $body
            }
            Rule::OwnCase => {
                let $def = contact::OwnCase;
                $body
            }
            Rule::PartnerContact => {
                let $def = partner::PartnerContact;
                $body
            }
            Rule::OwnAccount => {
                let $def = contact::OwnAccount;
                $body
            }
            Rule::DescendantAccount => {
                let $def = contact::DescendantAccount;
                $body
            }
            Rule::ContactRelationship => {
                let $def = contact::ContactRelationship;
                $body
            }
            Rule::PartnerRelationship => {
                let $def = partner::PartnerRelationship;
                $body
            }
            Rule::OwnConsumerCase => {
                let $def = consumer::OwnConsumerCase;
                $body
            }
            Rule::Representative => {
                let $def = consumer::Representative;
                $body
            }
            Rule::HouseholdMember => {
                let $def = consumer::HouseholdMember;
                $body
            }
            Rule::HeadOfHousehold => {
                let $def = consumer::HeadOfHousehold;
                $body
            }
        }
    };
}

impl Rule {
    /// Every rule, in the order explanations list them.
    pub const ALL: [Rule; 12] = [
        Rule::InternalRole,
        Rule::TeamMember,
        Rule::OwnCase,
        Rule::PartnerContact,
        Rule::OwnAccount,
        Rule::DescendantAccount,
        Rule::ContactRelationship,
        Rule::PartnerRelationship,
        Rule::OwnConsumerCase,
        Rule::Representative,
        Rule::HouseholdMember,
        Rule::HeadOfHousehold,
    ];

    /// The roles any of which make the rule count.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Rule::InternalRole => &[Role::Admin, Role::Manager, Role::Agent],
            Rule::TeamMember => &[Role::RelationshipAgent],
            // DOMAIN.md §1: "cases it opened or is partner contact of" belongs to `partner`;
            // a partner_admin reaches customers' cases only through its account's relationships.
            Rule::OwnCase => &[
                Role::Customer,
                Role::CustomerCaseManager,
                Role::CustomerAdmin,
                Role::Partner,
            ],
            Rule::PartnerContact => &[Role::Partner],
            Rule::OwnAccount => &[
                Role::CustomerCaseManager,
                Role::CustomerAdmin,
                Role::Partner,
                Role::PartnerAdmin,
            ],
            Rule::DescendantAccount => &[Role::CustomerCaseManager],
            Rule::ContactRelationship => &[Role::Customer, Role::CustomerAdmin],
            Rule::PartnerRelationship => partner::PARTNER_ROLES,
            Rule::OwnConsumerCase
            | Rule::Representative
            | Rule::HouseholdMember
            | Rule::HeadOfHousehold => &[Role::Consumer],
        }
    }

    /// Whether the rule lets its holder change fields other than comments and state (staff only).
    pub fn allows_update(self) -> bool {
        matches!(self, Rule::InternalRole | Rule::TeamMember)
    }

    /// The rule's arms for `principal` on `today` (see [`Arm`]); none when the principal is not
    /// the kind of party the rule is about.
    pub fn arms(self, principal: &Principal, today: NaiveDate, backend: DbBackend) -> Vec<Arm> {
        let ask = Asking {
            principal,
            today,
            backend,
        };
        with_definition!(self, |rule| rule.arms(&ask)).unwrap_or_default()
    }

    /// The SQL condition on `cases` under which the rule grants `principal` the case: the
    /// disjunction of its arms.
    pub fn condition(
        self,
        principal: &Principal,
        today: NaiveDate,
        backend: DbBackend,
    ) -> Condition {
        let arms = self.arms(principal, today, backend);
        if arms.is_empty() {
            return Condition::all().add(Expr::cust("1 = 0"));
        }
        arms.into_iter()
            .fold(Condition::any(), |any, arm| any.add(arm.into_condition()))
    }

    /// The rule's path for `case`, as `principal` holding `role` would follow it.
    pub async fn path(
        self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        role: Role,
        case: &case::Model,
    ) -> AccessResult<Path> {
        let ex = Explaining {
            db,
            principal,
            role,
            case,
        };
        with_definition!(self, |rule| rule.path(&ex).await)
    }
}

/// The role that makes `rule` count for `principal`, when it does.
pub fn role_for(principal: &Principal, rule: Rule) -> Option<Role> {
    let role = rule.roles().iter().copied().find(|r| principal.has(*r))?;
    let identified = match rule {
        Rule::InternalRole => true,
        Rule::TeamMember => principal.internal_user().is_some(),
        Rule::OwnConsumerCase
        | Rule::Representative
        | Rule::HouseholdMember
        | Rule::HeadOfHousehold => principal.consumer().is_some(),
        _ => principal.contact().is_some(),
    };
    identified.then_some(role)
}

/// The rules that can apply to `principal`, each with the role that makes it count.
pub fn applicable(principal: &Principal) -> Vec<(Rule, Role)> {
    Rule::ALL
        .into_iter()
        .filter_map(|rule| role_for(principal, rule).map(|role| (rule, role)))
        .collect()
}
