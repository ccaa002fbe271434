//! Consumer rules: a consumer reaches its own cases (OWN_CONSUMER_CASE), those of consumers it
//! represents (REPRESENTATIVE), of its current households (HOUSEHOLD_MEMBER) and, as head, of its
//! household and the household's members (HEAD_OF_HOUSEHOLD). Each rule's SQL and its explanation
//! stand together.

use entity::{
    case, consumer, consumer_relationship, household, household_membership as membership,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value, sea_query::ExprTrait,
};
use uuid::Uuid;

use super::definition::{
    Arm, Asking, Definition, Explaining, Path, Step, StepKind, case_col, linking, own_case_arms,
    own_case_path,
};
use crate::access::{
    error::AccessResult,
    period::{CURRENT_MEMBER_SQL as CURRENT_MEMBER, Period, households_of},
};

/// Every membership period of `consumer` in `household`, current or not.
async fn memberships_of(
    db: &impl ConnectionTrait,
    household: Uuid,
    consumer: Uuid,
) -> AccessResult<Vec<membership::Model>> {
    let home = (membership::Column::HouseholdId, household);
    linking::<membership::Entity>(db, home, (membership::Column::ConsumerId, consumer)).await
}

/// A membership as a dated step labelled `label`.
fn membership_step(row: &membership::Model, label: String) -> Step {
    let period = Period::new(row.start_date, row.end_date);
    Step::dated(StepKind::HouseholdMembership, row.id, label, period)
}

/// `sql` for `ask`'s backend, bound to the consumer `me` and then `dates` times today's date.
fn dated_sql(ask: &Asking, sql: &str, me: Uuid, dates: usize) -> Arm {
    let mut values = vec![Value::from(me)];
    values.extend(std::iter::repeat_n(Value::from(ask.today), dates));
    Arm::on(crate::sql::custom(ask.backend, sql, values))
}

/// OWN_CONSUMER_CASE: a consumer reads the cases it is the consumer of or opened.
pub struct OwnConsumerCase;

impl Definition for OwnConsumerCase {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let me = ask.principal.consumer()?;
        Some(own_case_arms(case::Column::ConsumerId, me))
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let me = ex.principal.consumer();
        let (party, kind) = (ex.case.consumer_id, StepKind::CaseConsumer);
        Ok(own_case_path(me, party, kind, "consumer", ex.case))
    }
}

/// REPRESENTATIVE: a consumer reads the cases of consumers it represents (consumer relationship in
/// force; within a household both must be current members).
pub struct Representative;

impl Definition for Representative {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let me = ask.principal.consumer()?;
        let represented = format!(
            r#""cases"."consumer_id" IN (SELECT cr.related_consumer_id FROM consumer_relationships cr
                 WHERE cr.consumer_id = ?
                   AND (cr.valid_from IS NULL OR cr.valid_from <= ?) AND (cr.valid_to IS NULL OR cr.valid_to >= ?)
                   AND (cr.household_id IS NULL OR (
                     EXISTS (SELECT 1 FROM household_memberships m WHERE m.household_id = cr.household_id
                               AND m.consumer_id = cr.consumer_id AND {CURRENT_MEMBER})
                     AND EXISTS (SELECT 1 FROM household_memberships m WHERE m.household_id = cr.household_id
                               AND m.consumer_id = cr.related_consumer_id AND {CURRENT_MEMBER}))))"#
        );
        Some(vec![dated_sql(ask, &represented, me, 6)])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let (Some(me), Some(represented)) = (ex.principal.consumer(), ex.case.consumer_id) {
            let by = (consumer_relationship::Column::ConsumerId, me);
            let of = (
                consumer_relationship::Column::RelatedConsumerId,
                represented,
            );
            for row in linking::<consumer_relationship::Entity>(ex.db, by, of).await? {
                let who = consumer::Entity::find_by_id(represented)
                    .one(ex.db)
                    .await?
                    .map(|c| c.name)
                    .unwrap_or_default();
                let within = if row.household_id.is_some() {
                    " within the household"
                } else {
                    ""
                };
                let label = format!("represents {who}{within}");
                let period = Period::new(row.valid_from, row.valid_to);
                steps.push(Step::dated(
                    StepKind::ConsumerRelationship,
                    row.id,
                    label,
                    period,
                ));
            }
        }
        let reason =
            "does not represent the case's consumer (in force, with current household memberships)";
        Ok(Path::new(steps, reason))
    }
}

/// HOUSEHOLD_MEMBER: a consumer reads the cases of its current households.
pub struct HouseholdMember;

impl Definition for HouseholdMember {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let me = ask.principal.consumer()?;
        let homes = case_col(case::Column::HouseholdId).in_subquery(households_of(me, ask.today));
        Some(vec![Arm::on(homes)])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let (Some(me), Some(home)) = (ex.principal.consumer(), ex.case.household_id) {
            for row in memberships_of(ex.db, home, me).await? {
                steps.push(membership_step(
                    &row,
                    "member of the case's household".into(),
                ));
            }
        }
        Ok(Path::new(
            steps,
            "not a current member of the case's household",
        ))
    }
}

/// HEAD_OF_HOUSEHOLD: as current head (and member), a consumer reads its household's cases and
/// its current members' cases.
pub struct HeadOfHousehold;

impl Definition for HeadOfHousehold {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let me = ask.principal.consumer()?;
        let headed = format!(
            "SELECT h.id FROM households h WHERE h.head_id = ? AND EXISTS (SELECT 1 FROM household_memberships m \
             WHERE m.household_id = h.id AND m.consumer_id = h.head_id AND {CURRENT_MEMBER})"
        );
        let household_cases = format!(r#""cases"."household_id" IN ({headed})"#);
        let member_cases = format!(
            r#""cases"."consumer_id" IN (SELECT m.consumer_id FROM household_memberships m
                 WHERE m.household_id IN ({headed}) AND {CURRENT_MEMBER})"#
        );
        Some(vec![
            dated_sql(ask, &household_cases, me, 2),
            dated_sql(ask, &member_cases, me, 4),
        ])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let mut steps = Vec::new();
        if let Some(me) = ex.principal.consumer() {
            let mut homes: Vec<Uuid> = ex.case.household_id.into_iter().collect();
            if let Some(person) = ex.case.consumer_id {
                let theirs = membership::Entity::find()
                    .filter(membership::Column::ConsumerId.eq(person))
                    .all(ex.db)
                    .await?;
                homes.extend(theirs.into_iter().map(|m| m.household_id));
            }
            let headed = household::Entity::find()
                .filter(household::Column::Id.is_in(homes))
                .filter(household::Column::HeadId.eq(me))
                .all(ex.db)
                .await?;
            for home in headed {
                let label = format!("head of {}", home.name);
                steps.push(Step::plain(StepKind::HeadOfHousehold, Some(home.id), label));
                for row in memberships_of(ex.db, home.id, me).await? {
                    steps.push(membership_step(&row, format!("member of {}", home.name)));
                }
            }
        }
        let reason = "not the current head of the case's household or of its consumer's household";
        Ok(Path::new(steps, reason))
    }
}
