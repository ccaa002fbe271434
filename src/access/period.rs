//! Periods in force: validity dates of relationships and household memberships, as a pure value and
//! as the SQL conditions every rule and scope uses. Dates are inclusive calendar days; an absent
//! bound is open.

use chrono::NaiveDate;
use entity::household_membership as membership;
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SelectStatement},
};
use uuid::Uuid;

/// A first and last day, both inclusive and both optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    /// The period from `from` to `to`.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        Self { from, to }
    }

    /// Whether the period covers `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= day) && self.to.is_none_or(|to| to >= day)
    }
}

/// Rows whose `from`..=`to` period covers `day` (an absent bound is open).
pub fn in_force<C: ColumnTrait>(from: C, to: C, day: NaiveDate) -> Condition {
    Condition::all()
        .add(Condition::any().add(from.is_null()).add(from.lte(day)))
        .add(Condition::any().add(to.is_null()).add(to.gte(day)))
}

/// Memberships in force on `today`: started (or no start) and not yet ended (or no end).
pub fn current_membership(today: NaiveDate) -> Condition {
    Condition::all()
        .add(
            Condition::any()
                .add(membership::Column::StartDate.is_null())
                .add(membership::Column::StartDate.lte(today)),
        )
        .add(
            Condition::any()
                .add(membership::Column::EndDate.is_null())
                .add(membership::Column::EndDate.gte(today)),
        )
}

/// [`current_membership`] as hand-written SQL on a membership aliased `m`, for the rules whose
/// arms are raw SQL; each `?` takes today's date.
pub const CURRENT_MEMBER_SQL: &str =
    "(m.start_date IS NULL OR m.start_date <= ?) AND (m.end_date IS NULL OR m.end_date >= ?)";

/// True when the consumer named by the outer query's `consumer` column is not a current member,
/// on `today`, of the household named by its `household` column. Built without custom SQL so the
/// same condition runs on SQLite and PostgreSQL (whose placeholders differ).
pub fn not_current_member(
    household: impl IntoColumnRef,
    consumer: impl IntoColumnRef,
    today: NaiveDate,
) -> Expr {
    Expr::not_exists(
        Query::select()
            .expr(Expr::val(1))
            .from(membership::Entity)
            .and_where(
                Expr::col((membership::Entity, membership::Column::HouseholdId)).equals(household),
            )
            .and_where(
                Expr::col((membership::Entity, membership::Column::ConsumerId)).equals(consumer),
            )
            .cond_where(current_membership(today))
            .to_owned(),
    )
}

/// Households the consumer currently belongs to.
pub fn households_of(consumer_id: Uuid, today: NaiveDate) -> SelectStatement {
    Query::select()
        .column(membership::Column::HouseholdId)
        .from(membership::Entity)
        .and_where(membership::Column::ConsumerId.eq(consumer_id))
        .cond_where(current_membership(today))
        .to_owned()
}
