//! Keyset pagination of root lists (never OFFSET): the `Pageable` entities, the condition for rows
//! beyond a cursor, and one page of a filtered, scoped select.

use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Value,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::error::{PageError, PageResult};

use super::{Cursor, Page, PageArgs, Sort, SortValue, Wants};

/// An entity whose rows can be paged: a uuid `id` column and sortable values.
pub trait Pageable: EntityTrait<Model: Send + Sync> {
    /// The primary key column, the final tie-breaker of every ordering.
    fn id_column() -> Self::Column;
    /// The primary key of a row.
    fn id_of(model: &Self::Model) -> Uuid;
    /// The value of `column` in a row, for cursors.
    fn sort_value(model: &Self::Model, column: Self::Column) -> SortValue;
}

pub(super) fn cursor_of<E: Pageable>(model: &E::Model, sort: &Sort<E::Column>) -> Cursor {
    Cursor {
        order: sort.name.to_owned(),
        value: sort.column.map(|column| E::sort_value(model, column)),
        id: E::id_of(model),
    }
}

/// Rows strictly after (`after = true`) or before the cursor, in the list's display order.
pub(super) fn beyond<E: Pageable>(
    sort: &Sort<E::Column>,
    cursor: &Cursor,
    after: bool,
) -> Condition {
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
) -> PageResult<Page<E::Model>> {
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
                return Ok::<bool, PageError>(false);
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

/// Implements `Pageable` for the entity of module `$module` without repeating the same three
/// methods per record kind: keyed by `Id`/`id` unless another key column and field are named,
/// sorting by `name` when marked `by name`, otherwise by creation only.
macro_rules! pageable {
    ($module:ident) => {
        $crate::pagination::pageable!($module, Id, id);
    };
    ($module:ident by name) => {
        $crate::pagination::pageable!($module, Id, id, |model| {
            $crate::pagination::SortValue::Text(model.name.clone())
        });
    };
    ($module:ident, $column:ident, $field:ident) => {
        $crate::pagination::pageable!($module, $column, $field, |_model| {
            $crate::pagination::SortValue::Int(0)
        });
    };
    ($module:ident, $column:ident, $field:ident, |$model:ident| $value:block) => {
        impl $crate::pagination::Pageable for $module::Entity {
            fn id_column() -> $module::Column {
                $module::Column::$column
            }
            fn id_of(model: &$module::Model) -> ::uuid::Uuid {
                model.$field
            }
            fn sort_value(
                $model: &$module::Model,
                _column: $module::Column,
            ) -> $crate::pagination::SortValue {
                $value
            }
        }
    };
}
pub(crate) use pageable;
