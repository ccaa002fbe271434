//! Keyset pagination: opaque cursors, page requests, and pages for root lists and for edges
//! batched over many parents in one statement.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Func, OverStatement, Query, SelectStatement,
        WindowStatement,
    },
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DomainError, DomainResult};

/// A value a list can be sorted by, carried inside cursors.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SortValue {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

impl From<SortValue> for Value {
    fn from(value: SortValue) -> Self {
        match value {
            SortValue::Text(text) => text.into(),
            SortValue::Int(int) => int.into(),
            SortValue::Time(time) => time.into(),
        }
    }
}

/// A position in a sorted list: the sort value and id of one row, opaque to clients.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<SortValue>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    /// The opaque string handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("cursor serializes"))
    }

    /// Reads a cursor a client sent back in argument `field`.
    pub fn decode(text: &str, field: &str) -> DomainResult<Self> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| DomainError::invalid(field, "not a valid cursor"))
    }
}

/// How a list is sorted: an optional column (ties and the rest broken by id), and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort<C> {
    /// Name carried in cursors, so a cursor from another ordering is refused.
    pub name: &'static str,
    pub column: Option<C>,
    pub descending: bool,
}

/// A validated page request: `first`/`after` forward or `last`/`before` backward.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub limit: u64,
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageArgs {
    /// Checks the Relay arguments against the page size limit.
    pub fn new(
        first: Option<i64>,
        after: Option<&str>,
        last: Option<i64>,
        before: Option<&str>,
        default_size: u64,
        max_size: u64,
    ) -> DomainResult<Self> {
        let size = |value: i64, field: &str| -> DomainResult<u64> {
            if value < 0 {
                return Err(DomainError::invalid(
                    field,
                    format!("`{field}` must not be negative"),
                ));
            }
            let value = value as u64;
            if value > max_size {
                return Err(DomainError::invalid(
                    field,
                    format!("`{field}` must be at most {max_size}"),
                ));
            }
            Ok(value)
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(DomainError::invalid(
                    "last",
                    "pass either `first` or `last`, not both",
                ));
            }
            (Some(first), None) => (size(first, "first")?, false),
            (None, Some(last)) => (size(last, "last")?, true),
            (None, None) => (
                std::cmp::min(default_size, max_size),
                before.is_some() && after.is_none(),
            ),
        };
        Ok(Self {
            limit,
            backward,
            after: after
                .map(|text| Cursor::decode(text, "after"))
                .transpose()?,
            before: before
                .map(|text| Cursor::decode(text, "before"))
                .transpose()?,
        })
    }

    /// Refuses cursors that were made under another ordering.
    fn check_order(&self, name: &str) -> DomainResult<()> {
        for (cursor, field) in [(&self.after, "after"), (&self.before, "before")] {
            if let Some(cursor) = cursor
                && cursor.order != name
            {
                return Err(DomainError::invalid(
                    field,
                    "the cursor belongs to a different ordering",
                ));
            }
        }
        Ok(())
    }
}

/// One page of a list with the facts Relay's `pageInfo` and `totalCount` need.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page with no rows.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
            total: Some(0),
        }
    }

    /// Changes the row type, keeping cursors and page facts.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self
                .items
                .into_iter()
                .map(|(cursor, item)| (cursor, f(item)))
                .collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}

/// Which optional facts of a root list the caller asked for (each costs one more statement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Wants {
    pub total: bool,
    pub has_next: bool,
    pub has_previous: bool,
}

/// An entity whose rows can be paged: a uuid `id` column and sortable values.
pub trait Pageable: EntityTrait<Model: Send + Sync> {
    /// The primary key column, the final tie-breaker of every ordering.
    fn id_column() -> Self::Column;
    /// The primary key of a row.
    fn id_of(model: &Self::Model) -> Uuid;
    /// The value of `column` in a row, for cursors.
    fn sort_value(model: &Self::Model, column: Self::Column) -> SortValue;
}

fn cursor_of<E: Pageable>(model: &E::Model, sort: &Sort<E::Column>) -> Cursor {
    Cursor {
        order: sort.name.to_owned(),
        value: sort.column.map(|column| E::sort_value(model, column)),
        id: E::id_of(model),
    }
}

/// Rows strictly after (`after = true`) or before the cursor, in the list's display order.
fn beyond<E: Pageable>(sort: &Sort<E::Column>, cursor: &Cursor, after: bool) -> Condition {
    let col = |column: E::Column| -> Expr { Expr::col((E::default(), column)) };
    let greater = after != sort.descending;
    let id = col(E::id_column());
    let id_beyond = if greater {
        id.clone().gt(cursor.id)
    } else {
        id.clone().lt(cursor.id)
    };
    match (sort.column, &cursor.value) {
        (Some(column), Some(value)) => {
            let value: Value = value.clone().into();
            let key = col(column);
            let key_beyond = if greater {
                key.clone().gt(value.clone())
            } else {
                key.clone().lt(value.clone())
            };
            Condition::any()
                .add(key_beyond)
                .add(Condition::all().add(key.eq(value)).add(id_beyond))
        }
        _ => Condition::all().add(id_beyond),
    }
}

fn order_select<E: Pageable>(
    mut select: Select<E>,
    sort: &Sort<E::Column>,
    reverse: bool,
) -> Select<E> {
    let order = if sort.descending != reverse {
        Order::Desc
    } else {
        Order::Asc
    };
    if let Some(column) = sort.column {
        select = select.order_by(column, order.clone());
    }
    select.order_by(E::id_column(), order)
}

/// One page of a root list, by keyset (never OFFSET). `select` carries filters and access scope.
pub async fn fetch_page<E: Pageable>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    sort: &Sort<E::Column>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<E::Model>> {
    args.check_order(sort.name)?;
    let mut query = select.clone();
    if let Some(cursor) = &args.after {
        query = query.filter(beyond::<E>(sort, cursor, true));
    }
    if let Some(cursor) = &args.before {
        query = query.filter(beyond::<E>(sort, cursor, false));
    }
    let mut rows = order_select(query, sort, args.backward)
        .limit(args.limit + 1)
        .all(db)
        .await?;
    let extra = rows.len() as u64 > args.limit;
    rows.truncate(args.limit as usize);
    if args.backward {
        rows.reverse();
    }
    // Rows on the far side of a cursor exist exactly when the cursor's complement is non-empty.
    let exists_outside = |cursor: &Option<Cursor>, after: bool| {
        let select = select.clone();
        let cursor = cursor.clone();
        async move {
            let Some(cursor) = cursor else {
                return Ok::<bool, DomainError>(false);
            };
            let outside = beyond::<E>(sort, &cursor, !after).not();
            let outside = Condition::all().add(outside);
            Ok(select.filter(outside).limit(1).count(db).await? > 0)
        }
    };
    let (mut has_next, mut has_previous) = if args.backward {
        (false, extra)
    } else {
        (extra, false)
    };
    if wants.has_next && !has_next {
        has_next = exists_outside(&args.before, false).await?;
    }
    if wants.has_previous && !has_previous {
        has_previous = exists_outside(&args.after, true).await?;
    }
    let total = if wants.total {
        Some(select.count(db).await?)
    } else {
        None
    };
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| (cursor_of::<E>(&row, sort), row))
            .collect(),
        has_next,
        has_previous,
        total,
    })
}

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
) -> DomainResult<HashMap<Uuid, Page<E::Model>>> {
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

    let mut pages: HashMap<Uuid, Page<E::Model>> = HashMap::new();
    let mut ranked: HashMap<Uuid, Vec<(i64, E::Model)>> = HashMap::new();
    for row in db.query_all(&outer).await? {
        let model = E::Model::from_query_result(&row, "")?;
        let key = parent_of(&model);
        let total: i64 = row.try_get("", "__total")?;
        let outside_after: i64 = row.try_get("", "__outside_after")?;
        let outside_before: i64 = row.try_get("", "__outside_before")?;
        let is_inside: i32 = row.try_get("", "__inside")?;
        let rank: i64 = row.try_get("", "__rn")?;
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
            .map(|(_, row)| (cursor_of::<E>(&row, sort), row))
            .collect();
    }
    Ok(pages)
}

/// One page cut in memory from a complete list already in display order (for short derived lists
/// such as descendants and candidates, whose rows all come from a constant number of statements).
pub fn slice<T>(items: Vec<(Cursor, T)>, args: &PageArgs, order: &str) -> DomainResult<Page<T>> {
    args.check_order(order)?;
    let key = |c: &Cursor| (c.value.clone(), c.id);
    let total = items.len() as u64;
    let mut before_after = false;
    let mut after_before = false;
    let mut window: Vec<(Cursor, T)> = Vec::new();
    for (cursor, item) in items {
        if args
            .after
            .as_ref()
            .is_some_and(|after| key(&cursor) <= key(after))
        {
            before_after = true;
        } else if args
            .before
            .as_ref()
            .is_some_and(|before| key(&cursor) >= key(before))
        {
            after_before = true;
        } else {
            window.push((cursor, item));
        }
    }
    let limit = args.limit as usize;
    let extra = window.len() > limit;
    if args.backward {
        let skip = window.len().saturating_sub(limit);
        window.drain(..skip);
    } else {
        window.truncate(limit);
    }
    let (has_next, has_previous) = if args.backward {
        (after_before, extra || before_after)
    } else {
        (extra || after_before, before_after)
    };
    Ok(Page {
        items: window,
        has_next,
        has_previous,
        total: Some(total),
    })
}
