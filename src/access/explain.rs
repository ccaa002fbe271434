//! Explanations of the case access engine: for a principal and a case, every rule that grants
//! access with the path it follows (relationships, labels, validity dates) or, when denied, what is
//! missing or lapsed; and for a case, every stored principal who can read it and by which rules.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use entity::{
    account, account_relationship as relationship, account_relationship_type as rel_type, case,
    consumer, consumer_relationship, contact, contact_relationship, household,
    household_membership as membership, internal_user, responsibility_definition as definition,
    role_assignment, team_member,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Query,
};
use uuid::Uuid;

use super::{
    DomainError, DomainResult,
    case_access::{self, Rule},
    hierarchy,
    principal::{Identity, Principal, Role},
    validity::Validity,
};

/// What one step of an access path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A role that grants the case by itself.
    Role,
    /// A team membership of the principal (internal user).
    TeamMember,
    /// The principal is the case's contact.
    CaseContact,
    /// The principal opened the case.
    CaseOpener,
    /// The principal is the case's partner contact.
    PartnerContact,
    /// The case belongs to the principal's own account.
    OwnAccount,
    /// An account on the hierarchy path from the case's account up to the principal's.
    Hierarchy,
    /// A contact relationship the principal holds on the case's account.
    ContactRelationship,
    /// A partner-granting account relationship from the principal's account to the case's.
    AccountRelationship,
    /// The principal is the case's consumer.
    CaseConsumer,
    /// A consumer relationship in which the principal represents the case's consumer.
    ConsumerRelationship,
    /// A household membership.
    HouseholdMembership,
    /// The principal heads the household.
    HeadOfHousehold,
}

/// One step of an access path: a record and how it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    /// The record (relationship, membership, account, ...) when the step is one.
    pub record_id: Option<Uuid>,
    pub label: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Step {
    fn plain(kind: StepKind, record_id: Option<Uuid>, label: impl Into<String>) -> Self {
        Self {
            kind,
            record_id,
            label: label.into(),
            valid_from: None,
            valid_to: None,
        }
    }

    fn dated(
        kind: StepKind,
        record_id: Uuid,
        label: impl Into<String>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Self {
        Self {
            kind,
            record_id: Some(record_id),
            label: label.into(),
            valid_from: from,
            valid_to: to,
        }
    }

    fn covers(&self, day: NaiveDate) -> bool {
        Validity {
            sort_order: None,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
        .covers(day)
    }
}

/// A rule that grants access, the role that made it count, and the path it follows.
#[derive(Clone, Debug)]
pub struct Grant {
    pub rule: Rule,
    pub role: Role,
    pub steps: Vec<Step>,
}

/// A rule that could have granted access but does not: why, and any relationships that would
/// grant it but are outside their validity dates.
#[derive(Clone, Debug)]
pub struct Denial {
    pub rule: Rule,
    pub role: Option<Role>,
    pub reason: String,
    pub lapsed: Vec<Step>,
}

/// Why a principal can (or cannot) read a case.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub allowed: bool,
    pub grants: Vec<Grant>,
    pub denials: Vec<Denial>,
}

/// Explains `principal`'s access to case `id` on `today`; `allowed` equals the engine's check.
pub async fn explain(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> DomainResult<Explanation> {
    let the_case = case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound { kind: "case" })?;
    let flags = case_access::granting_rules(db, principal, id, today).await?;
    let mut grants = Vec::new();
    let mut denials = Vec::new();
    if flags.is_empty() {
        denials.push(Denial {
            rule: Rule::InternalRole,
            role: None,
            reason: "the principal holds no role that grants case access, or is not a stored contact or consumer".into(),
            lapsed: Vec::new(),
        });
    }
    for (rule, role, granted) in flags {
        let (steps, reason) = details(db, principal, rule, role, &the_case).await?;
        let (live, lapsed): (Vec<Step>, Vec<Step>) =
            steps.into_iter().partition(|s| s.covers(today));
        if granted {
            grants.push(Grant {
                rule,
                role,
                steps: live,
            });
        } else {
            denials.push(Denial {
                rule,
                role: Some(role),
                reason,
                lapsed,
            });
        }
    }
    Ok(Explanation {
        allowed: !grants.is_empty(),
        grants,
        denials,
    })
}

async fn account_name(db: &impl ConnectionTrait, id: Option<Uuid>) -> DomainResult<String> {
    Ok(match id {
        Some(id) => account::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|a| a.name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// The records a rule looks at for this case (in force or not) and the reason it would not grant.
async fn details(
    db: &impl ConnectionTrait,
    principal: &Principal,
    rule: Rule,
    role: Role,
    the_case: &case::Model,
) -> DomainResult<(Vec<Step>, String)> {
    let contact = principal.contact();
    let me_consumer = principal.consumer();
    Ok(match rule {
        Rule::InternalRole => (
            vec![Step::plain(
                StepKind::Role,
                None,
                format!("role {role} reads every case"),
            )],
            String::new(),
        ),
        Rule::TeamMember => {
            let Identity::InternalUser { id } = principal.identity else {
                return Ok((Vec::new(), String::new()));
            };
            let mut on = Condition::any();
            for (column, value) in [
                (team_member::Column::AccountId, the_case.account_id),
                (team_member::Column::ConsumerId, the_case.consumer_id),
                (team_member::Column::HouseholdId, the_case.household_id),
            ] {
                if let Some(value) = value {
                    on = on.add(column.eq(value));
                }
            }
            let rows = team_member::Entity::find()
                .filter(team_member::Column::UserId.eq(id))
                .filter(on)
                .all(db)
                .await?;
            let steps = rows
                .iter()
                .map(|r| {
                    Step::dated(
                        StepKind::TeamMember,
                        r.id,
                        format!("{} team member", r.target_kind.to_lowercase()),
                        r.valid_from,
                        r.valid_to,
                    )
                })
                .collect();
            (
                steps,
                "not on the team of the case's account, consumer or household (in force)".into(),
            )
        }
        Rule::OwnCase | Rule::OwnConsumerCase => {
            let me = contact.map(|c| c.0).or(me_consumer);
            let mut steps = Vec::new();
            let (subject_column, kind) = if rule == Rule::OwnCase {
                (the_case.contact_id, StepKind::CaseContact)
            } else {
                (the_case.consumer_id, StepKind::CaseConsumer)
            };
            if me.is_some() && subject_column == me {
                steps.push(Step::plain(
                    kind,
                    Some(the_case.id),
                    format!(
                        "{} of case {}",
                        if rule == Rule::OwnCase {
                            "contact"
                        } else {
                            "consumer"
                        },
                        the_case.number
                    ),
                ));
            }
            if me.is_some() && the_case.opened_by_id == me {
                steps.push(Step::plain(
                    StepKind::CaseOpener,
                    Some(the_case.id),
                    format!("opened case {}", the_case.number),
                ));
            }
            (steps, "neither the case's own party nor its opener".into())
        }
        Rule::PartnerContact => {
            let steps = match contact {
                Some((me, _)) if the_case.partner_contact_id == Some(me) => {
                    vec![Step::plain(
                        StepKind::PartnerContact,
                        Some(the_case.id),
                        format!("partner contact of case {}", the_case.number),
                    )]
                }
                _ => Vec::new(),
            };
            (steps, "not the case's partner contact".into())
        }
        Rule::OwnAccount => {
            let steps = match contact {
                Some((_, own)) if the_case.account_id == Some(own) => {
                    vec![Step::plain(
                        StepKind::OwnAccount,
                        Some(own),
                        format!("case of own account {}", account_name(db, Some(own)).await?),
                    )]
                }
                _ => Vec::new(),
            };
            (steps, "the case belongs to another account".into())
        }
        Rule::DescendantAccount => {
            let mut steps = Vec::new();
            if let (Some((_, own)), Some(case_account)) = (contact, the_case.account_id) {
                let chain = hierarchy::ancestor_chains(db, &[case_account])
                    .await?
                    .remove(&case_account)
                    .unwrap_or_default();
                if let Some(pos) = chain.iter().position(|a| *a == own) {
                    let path: Vec<Uuid> = std::iter::once(case_account)
                        .chain(chain[..=pos].iter().copied())
                        .collect();
                    for id in path {
                        steps.push(Step::plain(
                            StepKind::Hierarchy,
                            Some(id),
                            format!("account {}", account_name(db, Some(id)).await?),
                        ));
                    }
                }
            }
            (
                steps,
                "the case's account is not below the principal's account".into(),
            )
        }
        Rule::ContactRelationship => {
            let mut steps = Vec::new();
            if let (Some((me, _)), Some(case_account)) = (contact, the_case.account_id) {
                let rows = contact_relationship::Entity::find()
                    .filter(contact_relationship::Column::ContactId.eq(me))
                    .filter(contact_relationship::Column::AccountId.eq(case_account))
                    .all(db)
                    .await?;
                for row in rows {
                    let duty = definition::Entity::find_by_id(row.responsibility_id)
                        .one(db)
                        .await?
                        .map(|d| d.name)
                        .unwrap_or_default();
                    steps.push(Step::dated(
                        StepKind::ContactRelationship,
                        row.id,
                        format!("{duty} for {}", account_name(db, Some(case_account)).await?),
                        row.valid_from,
                        row.valid_to,
                    ));
                }
            }
            (
                steps,
                "no contact relationship on the case's account in force".into(),
            )
        }
        Rule::PartnerRelationship => {
            let mut steps = Vec::new();
            let mut reason = "no partner-granting relationship from the principal's account to the case's account in force".to_owned();
            if let (Some((_, own)), Some(case_account)) = (contact, the_case.account_id) {
                let rows = relationship::Entity::find()
                    .filter(relationship::Column::FromId.eq(own))
                    .filter(relationship::Column::ToId.eq(case_account))
                    .all(db)
                    .await?;
                let kinds = rel_type::Entity::find()
                    .filter(rel_type::Column::Id.is_in(rows.iter().map(|r| r.type_id)))
                    .all(db)
                    .await?;
                for row in rows {
                    let Some(kind) = kinds.iter().find(|k| k.id == row.type_id) else {
                        continue;
                    };
                    if !kind.grants_partner_access {
                        reason = format!(
                            "the relationship type {} does not grant partner case access",
                            kind.name
                        );
                        continue;
                    }
                    if kind.partner_access_policy == "STAMPED" && the_case.partner_id != Some(own) {
                        reason = format!(
                            "{} uses the STAMPED policy and the case's partner is not the principal's account",
                            kind.name
                        );
                        continue;
                    }
                    let label = format!(
                        "{} {} ({}, {})",
                        kind.forward_label,
                        account_name(db, Some(case_account)).await?,
                        kind.name,
                        kind.partner_access_policy
                    );
                    steps.push(Step::dated(
                        StepKind::AccountRelationship,
                        row.id,
                        label,
                        row.valid_from,
                        row.valid_to,
                    ));
                }
            }
            (steps, reason)
        }
        Rule::Representative => {
            let mut steps = Vec::new();
            if let (Some(me), Some(represented)) = (me_consumer, the_case.consumer_id) {
                let rows = consumer_relationship::Entity::find()
                    .filter(consumer_relationship::Column::ConsumerId.eq(me))
                    .filter(consumer_relationship::Column::RelatedConsumerId.eq(represented))
                    .all(db)
                    .await?;
                for row in rows {
                    let who = consumer::Entity::find_by_id(represented)
                        .one(db)
                        .await?
                        .map(|c| c.name)
                        .unwrap_or_default();
                    let within = if row.household_id.is_some() {
                        " within the household"
                    } else {
                        ""
                    };
                    steps.push(Step::dated(
                        StepKind::ConsumerRelationship,
                        row.id,
                        format!("represents {who}{within}"),
                        row.valid_from,
                        row.valid_to,
                    ));
                }
            }
            (steps, "does not represent the case's consumer (in force, with current household memberships)".into())
        }
        Rule::HouseholdMember => {
            let mut steps = Vec::new();
            if let (Some(me), Some(home)) = (me_consumer, the_case.household_id) {
                for row in memberships_of(db, home, me).await? {
                    steps.push(Step::dated(
                        StepKind::HouseholdMembership,
                        row.id,
                        "member of the case's household".to_owned(),
                        row.start_date,
                        row.end_date,
                    ));
                }
            }
            (steps, "not a current member of the case's household".into())
        }
        Rule::HeadOfHousehold => {
            let mut steps = Vec::new();
            if let Some(me) = me_consumer {
                let mut homes: Vec<Uuid> = the_case.household_id.into_iter().collect();
                if let Some(person) = the_case.consumer_id {
                    let theirs = membership::Entity::find()
                        .filter(membership::Column::ConsumerId.eq(person))
                        .all(db)
                        .await?;
                    homes.extend(theirs.into_iter().map(|m| m.household_id));
                }
                let headed = household::Entity::find()
                    .filter(household::Column::Id.is_in(homes))
                    .filter(household::Column::HeadId.eq(me))
                    .all(db)
                    .await?;
                for home in headed {
                    steps.push(Step::plain(
                        StepKind::HeadOfHousehold,
                        Some(home.id),
                        format!("head of {}", home.name),
                    ));
                    for row in memberships_of(db, home.id, me).await? {
                        steps.push(Step::dated(
                            StepKind::HouseholdMembership,
                            row.id,
                            format!("member of {}", home.name),
                            row.start_date,
                            row.end_date,
                        ));
                    }
                }
            }
            (
                steps,
                "not the current head of the case's household or of its consumer's household"
                    .into(),
            )
        }
    })
}

async fn memberships_of(
    db: &impl ConnectionTrait,
    household: Uuid,
    consumer: Uuid,
) -> DomainResult<Vec<membership::Model>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(household))
        .filter(membership::Column::ConsumerId.eq(consumer))
        .all(db)
        .await?)
}

/// The principal a stored contact, consumer or internal user acts as, with its stored roles
/// (consumers carry the consumer role).
pub async fn stored_principal(
    db: &impl ConnectionTrait,
    identity: Identity,
) -> DomainResult<Principal> {
    let (subject, roles) = match identity {
        Identity::Contact { id, .. } => {
            let person = contact::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(DomainError::NotFound { kind: "contact" })?;
            let roles = stored_roles(db, role_assignment::Column::ContactId, id).await?;
            (person.subject, roles)
        }
        Identity::InternalUser { id } => {
            let user = internal_user::Entity::find_by_id(id).one(db).await?.ok_or(
                DomainError::NotFound {
                    kind: "internal user",
                },
            )?;
            (
                user.subject,
                stored_roles(db, role_assignment::Column::InternalUserId, id).await?,
            )
        }
        Identity::Consumer { id } => {
            let person = consumer::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(DomainError::NotFound { kind: "consumer" })?;
            (person.subject, BTreeSet::from([Role::Consumer]))
        }
        Identity::Anonymous | Identity::Unregistered => return Ok(Principal::anonymous()),
    };
    Ok(Principal {
        subject,
        roles,
        identity,
    })
}

async fn stored_roles(
    db: &impl ConnectionTrait,
    column: role_assignment::Column,
    id: Uuid,
) -> DomainResult<BTreeSet<Role>> {
    let rows = role_assignment::Entity::find()
        .filter(column.eq(id))
        .all(db)
        .await?;
    Ok(rows.iter().filter_map(|r| r.role.parse().ok()).collect())
}

/// Everyone stored who may read case `id`, with the rules that grant each, staff first.
pub async fn who_can_read(
    db: &impl ConnectionTrait,
    id: Uuid,
    today: NaiveDate,
) -> DomainResult<Vec<(Principal, Vec<(Rule, Role)>)>> {
    let the_case = case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound { kind: "case" })?;
    let mut candidates: Vec<Identity> = Vec::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    let staff_roles = [
        Role::Admin,
        Role::Manager,
        Role::Agent,
        Role::RelationshipAgent,
    ]
    .map(|r| r.as_str());
    let staff = role_assignment::Entity::find()
        .filter(role_assignment::Column::InternalUserId.is_not_null())
        .filter(role_assignment::Column::Role.is_in(staff_roles))
        .all(db)
        .await?;
    for row in staff {
        if let Some(user) = row.internal_user_id
            && seen.insert(user)
        {
            candidates.push(Identity::InternalUser { id: user });
        }
    }
    let mut accounts: Vec<Uuid> = the_case.account_id.into_iter().collect();
    if let Some(case_account) = the_case.account_id {
        accounts.extend(
            hierarchy::ancestor_chains(db, &[case_account])
                .await?
                .remove(&case_account)
                .unwrap_or_default(),
        );
        let partners = relationship::Entity::find()
            .filter(relationship::Column::ToId.eq(case_account))
            .all(db)
            .await?;
        accounts.extend(partners.into_iter().map(|r| r.from_id));
    }
    let linked = Query::select()
        .column(contact_relationship::Column::ContactId)
        .from(contact_relationship::Entity)
        .and_where(
            contact_relationship::Column::AccountId.eq(the_case.account_id.unwrap_or_default()),
        )
        .to_owned();
    let mut people = Condition::any()
        .add(contact::Column::AccountId.is_in(accounts))
        .add(contact::Column::Id.in_subquery(linked));
    for id in [
        the_case.contact_id,
        the_case.partner_contact_id,
        the_case.opened_by_id,
    ]
    .into_iter()
    .flatten()
    {
        people = people.add(contact::Column::Id.eq(id));
    }
    for person in contact::Entity::find().filter(people).all(db).await? {
        if seen.insert(person.id) {
            candidates.push(Identity::Contact {
                id: person.id,
                account_id: person.account_id,
            });
        }
    }
    let mut homes: Vec<Uuid> = the_case.household_id.into_iter().collect();
    let mut consumers: Vec<Uuid> = [the_case.consumer_id, the_case.opened_by_id]
        .into_iter()
        .flatten()
        .collect();
    if let Some(person) = the_case.consumer_id {
        let theirs = membership::Entity::find()
            .filter(membership::Column::ConsumerId.eq(person))
            .all(db)
            .await?;
        homes.extend(theirs.into_iter().map(|m| m.household_id));
        let reps = consumer_relationship::Entity::find()
            .filter(consumer_relationship::Column::RelatedConsumerId.eq(person))
            .all(db)
            .await?;
        consumers.extend(reps.into_iter().map(|r| r.consumer_id));
    }
    let members = membership::Entity::find()
        .filter(membership::Column::HouseholdId.is_in(homes))
        .all(db)
        .await?;
    consumers.extend(members.into_iter().map(|m| m.consumer_id));
    for person in consumer::Entity::find()
        .filter(consumer::Column::Id.is_in(consumers))
        .all(db)
        .await?
    {
        if seen.insert(person.id) {
            candidates.push(Identity::Consumer { id: person.id });
        }
    }
    let mut principals = Vec::with_capacity(candidates.len());
    for identity in candidates {
        principals.push(stored_principal(db, identity).await?);
    }
    let readable = case_access::who_reads(db, &principals, id, today).await?;
    let mut out = Vec::new();
    for (principal, can) in principals.into_iter().zip(readable) {
        if can {
            let rules = case_access::granting_rules(db, &principal, id, today)
                .await?
                .into_iter()
                .filter(|(_, _, granted)| *granted)
                .map(|(rule, role, _)| (rule, role))
                .collect();
            out.push((principal, rules));
        }
    }
    Ok(out)
}
