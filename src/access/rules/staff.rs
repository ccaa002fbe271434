//! Staff rules: internal users reach cases by their role (INTERNAL_ROLE) or through the teams they
//! are on (TEAM_MEMBER). Each rule's SQL and its explanation stand together.

use chrono::NaiveDate;
use entity::{case, responsibility_definition as definition, role_assignment, team_member};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use super::definition::{Arm, Asking, Definition, Explaining, Path, Step, StepKind, case_col};
use crate::access::{
    error::AccessResult,
    period::{Period, in_force},
};

/// INTERNAL_ROLE: admin, sn_customerservice_manager, sn_customerservice_agent read every case.
pub struct InternalRole;

impl Definition for InternalRole {
    fn arms(&self, _ask: &Asking) -> Option<Vec<Arm>> {
        Some(vec![Arm::on(Expr::cust("1 = 1"))])
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let label = format!("role {} reads every case", ex.role);
        Ok(Path::new(
            vec![Step::plain(StepKind::Role, None, label)],
            "",
        ))
    }
}

/// TEAM_MEMBER: a relationship agent reads the cases of the accounts, consumers and households on
/// whose team it is (team member in force).
pub struct TeamMember;

/// The targets of one kind whose team `user` is on, on `today`.
fn team_targets(
    user: Uuid,
    kind: &str,
    column: team_member::Column,
    today: NaiveDate,
) -> SelectStatement {
    Query::select()
        .column(column)
        .from(team_member::Entity)
        .and_where(team_member::Column::UserId.eq(user))
        .and_where(team_member::Column::TargetKind.eq(kind))
        .cond_where(in_force(
            team_member::Column::ValidFrom,
            team_member::Column::ValidTo,
            today,
        ))
        .and_where(team_member::Column::ResponsibilityId.in_subquery(duties_held_by(user)))
        .to_owned()
}

/// The responsibilities whose precondition `user` meets now: those requiring no role, and those
/// whose required role `user` holds in the stored role assignments (DOMAIN.md §6: preconditions
/// hold continuously, whatever the user's token carries).
fn duties_held_by(user: Uuid) -> SelectStatement {
    let held = Query::select()
        .column(role_assignment::Column::Role)
        .from(role_assignment::Entity)
        .and_where(role_assignment::Column::InternalUserId.eq(user))
        .to_owned();
    Query::select()
        .column(definition::Column::Id)
        .from(definition::Entity)
        .cond_where(
            Condition::any()
                .add(definition::Column::RequiredRole.is_null())
                .add(definition::Column::RequiredRole.in_subquery(held)),
        )
        .to_owned()
}

impl Definition for TeamMember {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let user = ask.principal.internal_user()?;
        let targets = [
            (
                case::Column::AccountId,
                "ACCOUNT",
                team_member::Column::AccountId,
            ),
            (
                case::Column::ConsumerId,
                "CONSUMER",
                team_member::Column::ConsumerId,
            ),
            (
                case::Column::HouseholdId,
                "HOUSEHOLD",
                team_member::Column::HouseholdId,
            ),
        ];
        let arm = |(on, kind, target)| {
            Arm::on(case_col(on).in_subquery(team_targets(user, kind, target, ask.today)))
        };
        Some(targets.into_iter().map(arm).collect())
    }

    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path> {
        let Some(user) = ex.principal.internal_user() else {
            return Ok(Path::new(Vec::new(), ""));
        };
        let mut on = Condition::any();
        for (column, value) in [
            (team_member::Column::AccountId, ex.case.account_id),
            (team_member::Column::ConsumerId, ex.case.consumer_id),
            (team_member::Column::HouseholdId, ex.case.household_id),
        ] {
            if let Some(value) = value {
                on = on.add(column.eq(value));
            }
        }
        let rows = team_member::Entity::find()
            .filter(team_member::Column::UserId.eq(user))
            .filter(on)
            .all(ex.db)
            .await?;
        let duties = definition::Entity::find()
            .filter(definition::Column::Id.is_in(rows.iter().map(|r| r.responsibility_id)))
            .all(ex.db)
            .await?;
        let held: Vec<String> = role_assignment::Entity::find()
            .filter(role_assignment::Column::InternalUserId.eq(user))
            .all(ex.db)
            .await?
            .into_iter()
            .map(|r| r.role)
            .collect();
        let mut steps = Vec::new();
        let mut reason =
            "not on the team of the case's account, consumer or household (in force)".to_owned();
        for r in &rows {
            let duty = duties.iter().find(|d| d.id == r.responsibility_id);
            if let Some((name, role)) =
                duty.and_then(|d| d.required_role.as_ref().map(|role| (&d.name, role)))
                && !held.contains(role)
            {
                reason = format!(
                    "{name} requires the role {role}, which the user does not hold in its stored role assignments"
                );
                continue;
            }
            let label = format!("{} team member", r.target_kind.to_lowercase());
            let period = Period::new(r.valid_from, r.valid_to);
            steps.push(Step::dated(StepKind::TeamMember, r.id, label, period));
        }
        Ok(Path::new(steps, reason))
    }
}
