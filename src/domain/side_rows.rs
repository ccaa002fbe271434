//! Relationship sides read together with what a side's list shows next: the label the side reads
//! (joined from its type) and, when asked for, the other account (joined through the viewer's
//! account scope), so one statement serves a whole level of a nested query. Rows are read by
//! position, located once per statement: a nested query reads hundreds of them.

use chrono::NaiveDate;
use entity::{account, account_relationship_side as side, account_relationship_type as rel_type};
use sea_orm::{
    Condition, DbBackend, DbErr, IdenStatic, Iterable, QueryResult, QueryTrait, Select,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
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
///
/// On PostgreSQL the other account is a `LATERAL` lookup by primary key: a plain join let the
/// planner hash the whole accounts table to find a few hundred of them.
pub fn joined(
    mut select: Select<side::Entity>,
    backend: DbBackend,
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
        if backend == DbBackend::Postgres {
            let mut lookup = Query::select();
            lookup
                .columns(account::Column::iter().map(|c| (Alias::new(OTHER), c)))
                .from_as(account::Entity, Alias::new(OTHER))
                .cond_where(on)
                .limit(1);
            query.join_lateral(
                JoinType::LeftJoin,
                lookup,
                Alias::new(OTHER),
                Condition::all().add(Expr::cust("TRUE")),
            );
        } else {
            query.join_as(JoinType::LeftJoin, account::Entity, Alias::new(OTHER), on);
        }
        for column in account::Column::iter() {
            query.expr_as(
                Expr::col((Alias::new(OTHER), column)),
                Alias::new(format!("{OTHER_PREFIX}{}", column.as_str())),
            );
        }
    }
    select
}

/// Where each column of a [`joined`] row sits, found from the first row's column names.
#[derive(Clone, Debug)]
pub struct Layout {
    side: Vec<usize>,
    forward: usize,
    reverse: usize,
    /// The other account's columns, when it was joined.
    other: Option<Vec<usize>>,
}

impl Layout {
    /// Locates the columns in `row`, a row of a [`joined`] select.
    pub fn of(row: &QueryResult, with_other: bool) -> Result<Self, DbErr> {
        let names = row.column_names();
        let at = |name: &str| {
            names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| DbErr::Custom(format!("side row without column {name}")))
        };
        let side = side::Column::iter()
            .map(|c| at(c.as_str()))
            .collect::<Result<_, _>>()?;
        let other = if with_other {
            Some(
                account::Column::iter()
                    .map(|c| at(&format!("{OTHER_PREFIX}{}", c.as_str())))
                    .collect::<Result<_, _>>()?,
            )
        } else {
            None
        };
        Ok(Self {
            side,
            forward: at(FORWARD)?,
            reverse: at(REVERSE)?,
            other,
        })
    }
}

/// Reads one row of a [`joined`] select, its columns where `layout` found them.
pub fn decode(row: &QueryResult, layout: &Layout) -> Result<SideRow, DbErr> {
    let s = &layout.side;
    let side = side::Model {
        relationship_id: row.try_get_by_index(s[0])?,
        type_id: row.try_get_by_index(s[1])?,
        account_id: row.try_get_by_index(s[2])?,
        other_account_id: row.try_get_by_index(s[3])?,
        direction: row.try_get_by_index(s[4])?,
        sort_order: row.try_get_by_index(s[5])?,
        valid_from: row.try_get_by_index(s[6])?,
        valid_to: row.try_get_by_index(s[7])?,
        created_at: row.try_get_by_index(s[8])?,
    };
    let label = match Direction::parse(&side.direction) {
        Direction::Forward => row.try_get_by_index::<Option<String>>(layout.forward)?,
        Direction::Reverse => row.try_get_by_index::<Option<String>>(layout.reverse)?,
    };
    let other = match &layout.other {
        None => None,
        Some(o) => Some(match row.try_get_by_index::<Option<Uuid>>(o[0])? {
            None => None,
            Some(id) => Some(account::Model {
                id,
                number: row.try_get_by_index(o[1])?,
                name: row.try_get_by_index(o[2])?,
                is_customer: row.try_get_by_index(o[3])?,
                is_partner: row.try_get_by_index(o[4])?,
                parent_id: row.try_get_by_index(o[5])?,
                created_at: row.try_get_by_index(o[6])?,
                updated_at: row.try_get_by_index(o[7])?,
            }),
        }),
    };
    Ok(SideRow { side, label, other })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The positional reader assumes the entities' column order; this fails when a column is added,
    /// removed or moved, so `decode` is updated with it.
    #[test]
    fn decode_follows_the_entities_column_order() {
        let side: Vec<&str> = side::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(
            side,
            [
                "relationship_id",
                "type_id",
                "account_id",
                "other_account_id",
                "direction",
                "sort_order",
                "valid_from",
                "valid_to",
                "created_at"
            ]
        );
        let account: Vec<&str> = account::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(
            account,
            [
                "id",
                "number",
                "name",
                "is_customer",
                "is_partner",
                "parent_id",
                "created_at",
                "updated_at"
            ]
        );
    }
}
