//! Staff rules: internal users reach cases by their role (INTERNAL_ROLE) or through the teams they
//! are on (TEAM_MEMBER). Each rule's SQL and its explanation stand together.

use chrono::NaiveDate;
use entity::{case, team_member};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use super::definition::{Arm, Asking, Definition, Explaining, Path, Step, StepKind, case_col};
use crate::access::{
    error::AccessResult,
    period::{Period, in_force},
    principal::Identity,
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
        .to_owned()
}

/// The internal user a principal is, for the team rule.
fn internal_user(identity: Identity) -> Option<Uuid> {
    match identity {
        Identity::InternalUser { id } => Some(id),
        _ => None,
    }
}

impl Definition for TeamMember {
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>> {
        let user = internal_user(ask.principal.identity)?;
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
        let Some(user) = internal_user(ex.principal.identity) else {
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
        let steps = rows
            .iter()
            .map(|r| {
                let label = format!("{} team member", r.target_kind.to_lowercase());
                let period = Period::new(r.valid_from, r.valid_to);
                Step::dated(StepKind::TeamMember, r.id, label, period)
            })
            .collect();
        let reason = "not on the team of the case's account, consumer or household (in force)";
        Ok(Path::new(steps, reason))
    }
}
