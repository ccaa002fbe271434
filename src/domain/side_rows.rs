//! Relationship sides read together with what a side's list shows next: the label the side reads
//! (joined from its type) and, when asked for, the other account (joined through the viewer's
//! account scope), so one statement serves a whole level of a nested query.

use chrono::NaiveDate;
use entity::{account, account_relationship_side as side, account_relationship_type as rel_type};
use sea_orm::{
    Condition, DbErr, FromQueryResult, IdenStatic, Iterable, QueryResult, QueryTrait, Select,
    sea_query::{Alias, Expr, ExprTrait, JoinType},
};
use uuid::Uuid;

use super::account_relationships::Direction;
use crate::access::{principal::Principal, visibility};

/// One side with its label and, if it was joined, the other account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideRow {
    pub side: side::Model,
    /// The label this side reads; `None` only if the type row is gone.
    pub label: Option<String>,
    /// `None`: not joined (load it). `Some(None)`: the viewer may not see it.
    pub other: Option<Option<account::Model>>,
}

const TYPE: &str = "side_type";
const OTHER: &str = "side_other";
const FORWARD: &str = "__forward_label";
const REVERSE: &str = "__reverse_label";
const OTHER_PREFIX: &str = "__other_";

/// Adds the type's labels and (with `with_other`) the other account, visible to `principal`, to
/// `select` as extra columns; the other account's visibility is the same scope its loader applies.
pub fn joined(
    mut select: Select<side::Entity>,
    principal: &Principal,
    today: NaiveDate,
    with_other: bool,
) -> Select<side::Entity> {
    let query = QueryTrait::query(&mut select);
    query
        .join_as(
            JoinType::LeftJoin,
            rel_type::Entity,
            Alias::new(TYPE),
            Expr::col((Alias::new(TYPE), rel_type::Column::Id))
                .equals((side::Entity, side::Column::TypeId)),
        )
        .expr_as(
            Expr::col((Alias::new(TYPE), rel_type::Column::ForwardLabel)),
            Alias::new(FORWARD),
        )
        .expr_as(
            Expr::col((Alias::new(TYPE), rel_type::Column::ReverseLabel)),
            Alias::new(REVERSE),
        );
    if with_other {
        let on = Condition::all()
            .add(
                Expr::col((Alias::new(OTHER), account::Column::Id))
                    .equals((side::Entity, side::Column::OtherAccountId)),
            )
            .add(
                visibility::account_scope_on(
                    principal,
                    today,
                    (Alias::new(OTHER), account::Column::Id),
                )
                .condition(),
            );
        query.join_as(JoinType::LeftJoin, account::Entity, Alias::new(OTHER), on);
        for column in account::Column::iter() {
            query.expr_as(
                Expr::col((Alias::new(OTHER), column)),
                Alias::new(format!("{OTHER_PREFIX}{}", column.as_str())),
            );
        }
    }
    select
}

/// Reads one row of a [`joined`] select.
pub fn decode(row: &QueryResult, with_other: bool) -> Result<SideRow, DbErr> {
    let side = side::Model::from_query_result(row, "")?;
    let label = match Direction::parse(&side.direction) {
        Direction::Forward => row.try_get::<Option<String>>("", FORWARD)?,
        Direction::Reverse => row.try_get::<Option<String>>("", REVERSE)?,
    };
    let other = if with_other {
        let id: Option<Uuid> = row.try_get(OTHER_PREFIX, account::Column::Id.as_str())?;
        Some(match id {
            Some(_) => Some(account::Model::from_query_result(row, OTHER_PREFIX)?),
            None => None,
        })
    } else {
        None
    };
    Ok(SideRow { side, label, other })
}
