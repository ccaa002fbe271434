//! One page per parent for a list edge over many parents, in one SQL statement (window functions).

use std::collections::HashMap;

use sea_orm::{
    Condition, ConnectionTrait, DbErr, FromQueryResult, IdenStatic, Order, QueryResult, QueryTrait,
    Select,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Func, OverStatement, Query, SelectStatement,
        WindowStatement,
    },
};
use uuid::Uuid;

use super::error::PageResult;

use super::{
    Page, PageArgs, Sort,
    keyset::{Pageable, beyond, cursor_of},
};

/// One page per parent, for a list edge over many parents, in one SQL statement.
///
/// `select` must already restrict rows to the wanted parents and the caller's access scope;
/// `parent` is the column that names each row's parent. Window functions give each parent its own
/// page, its total, and whether rows lie beyond either cursor.
pub async fn fetch_pages_by_parent<E: Pageable>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: E::Column,
    parent_of: impl Fn(&E::Model) -> Uuid,
    sort: &Sort<E::Column>,
    args: &PageArgs,
) -> PageResult<HashMap<Uuid, Page<E::Model>>> {
    let decode = |row: &QueryResult| E::Model::from_query_result(row, "");
    fetch_joined_pages_by_parent(db, select, parent, decode, |m| m, parent_of, sort, args).await
}

/// Like [`fetch_pages_by_parent`] for a `select` that also joins rows of other tables (as extra,
/// uniquely named columns): `decode` reads each result row into `T`, and `model_of` finds the paged
/// entity's own row inside it.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_joined_pages_by_parent<E: Pageable, T>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: E::Column,
    mut decode: impl FnMut(&QueryResult) -> Result<T, DbErr>,
    model_of: impl Fn(&T) -> &E::Model,
    parent_of: impl Fn(&E::Model) -> Uuid,
    sort: &Sort<E::Column>,
    args: &PageArgs,
) -> PageResult<HashMap<Uuid, Page<T>>> {
    args.check_order(sort.name)?;
    let partition = || WindowStatement::partition_by((E::default(), parent));
    let count_where = |cond: Condition| Func::count(Expr::case(cond, Expr::cust("1")));
    let mut inner: SelectStatement = select.into_query();
    inner.expr_window_as(Func::count(Expr::cust("*")), partition(), "__total");
    let outside_after = args
        .after
        .as_ref()
        .map(|c| beyond::<E>(sort, c, true).not());
    let outside_before = args
        .before
        .as_ref()
        .map(|c| beyond::<E>(sort, c, false).not());
    inner.expr_window_as(
        count_where(
            outside_after
                .clone()
                .unwrap_or_else(|| Condition::all().add(Expr::cust("1 = 0"))),
        ),
        partition(),
        "__outside_after",
    );
    inner.expr_window_as(
        count_where(
            outside_before
                .clone()
                .unwrap_or_else(|| Condition::all().add(Expr::cust("1 = 0"))),
        ),
        partition(),
        "__outside_before",
    );
    let mut inside = Condition::all();
    if let Some(cursor) = &args.after {
        inside = inside.add(beyond::<E>(sort, cursor, true));
    }
    if let Some(cursor) = &args.before {
        inside = inside.add(beyond::<E>(sort, cursor, false));
    }
    inner.expr_as(
        Expr::case(inside, Expr::cust("1")).finally(Expr::cust("0")),
        "__inside",
    );

    let order = if sort.descending != args.backward {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut window = WindowStatement::partition_by(Alias::new(parent.as_str()));
    window.add_partition_by(Expr::col(Alias::new("__inside")));
    if let Some(column) = sort.column {
        window.order_by(Alias::new(column.as_str()), order.clone());
    }
    window.order_by(Alias::new(E::id_column().as_str()), order);
    let mut numbered = Query::select();
    numbered
        .column(Asterisk)
        .expr_window_as(Expr::cust("ROW_NUMBER()"), window, "__rn")
        .from_subquery(inner, "inner_rows");
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(numbered, "numbered_rows")
        .and_where(Expr::col("__rn").lte(args.limit as i64 + 1));

    let mut pages: HashMap<Uuid, Page<T>> = HashMap::new();
    let mut ranked: HashMap<Uuid, Vec<(i64, T)>> = HashMap::new();
    let mut facts: Option<[usize; 5]> = None;
    for row in db.query_all(&outer).await? {
        let model = decode(&row)?;
        let key = parent_of(model_of(&model));
        let [total, outside_after, outside_before, is_inside, rank] = match facts {
            Some(found) => found,
            None => *facts.insert(window_columns(&row)?),
        };
        let total: i64 = row.try_get_by_index(total)?;
        let outside_after: i64 = row.try_get_by_index(outside_after)?;
        let outside_before: i64 = row.try_get_by_index(outside_before)?;
        let is_inside: i32 = row.try_get_by_index(is_inside)?;
        let rank: i64 = row.try_get_by_index(rank)?;
        pages.entry(key).or_insert_with(|| Page {
            items: Vec::new(),
            has_next: outside_before > 0,
            has_previous: outside_after > 0,
            total: Some(total as u64),
        });
        if is_inside == 1 {
            ranked.entry(key).or_default().push((rank, model));
        }
    }
    for (key, page) in pages.iter_mut() {
        let mut rows = ranked.remove(key).unwrap_or_default();
        rows.sort_by_key(|(rank, _)| *rank);
        let extra = rows.len() as u64 > args.limit;
        rows.truncate(args.limit as usize);
        if args.backward {
            rows.reverse();
            page.has_previous |= extra;
        } else {
            page.has_next |= extra;
        }
        page.items = rows
            .into_iter()
            .map(|(_, row)| (cursor_of::<E>(model_of(&row), sort), row))
            .collect();
    }
    Ok(pages)
}

/// Positions of the window's own columns in a result row, found once per statement.
fn window_columns(row: &QueryResult) -> Result<[usize; 5], DbErr> {
    let names = row.column_names();
    let mut found = [0; 5];
    for (slot, name) in found.iter_mut().zip([
        "__total",
        "__outside_after",
        "__outside_before",
        "__inside",
        "__rn",
    ]) {
        *slot = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DbErr::Custom(format!("paged row without column {name}")))?;
    }
    Ok(found)
}
