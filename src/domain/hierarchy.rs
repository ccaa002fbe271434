//! The account hierarchy at any depth: ancestors and descendants of many accounts in one statement each.

use std::collections::HashMap;

use entity::account;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{Ctx, DomainError, DomainResult};
use crate::access::{self, visibility};

/// For each account, its ancestors nearest first (parent, grandparent, ..., root), in one
/// statement: the walk the access engine follows, for the GraphQL edges and the domain checks.
pub async fn ancestor_chains(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<Uuid>>> {
    Ok(access::hierarchy::ancestor_chains(db, ids).await?)
}

/// The chain from `id` up to its root, `id` first.
pub async fn ancestor_ids(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<Vec<Uuid>> {
    let chains = ancestor_chains(db, &[id]).await?;
    let exists = account::Entity::find_by_id(id).one(db).await?.is_some();
    if !exists {
        return Ok(Vec::new());
    }
    let mut chain = vec![id];
    chain.extend(chains.get(&id).cloned().unwrap_or_default());
    Ok(chain)
}

/// Raw SQL (the same on SQLite and PostgreSQL) walking down from `count` bound root ids at once,
/// with each row's depth below its root; the depth bound stops a walk on cyclic data.
fn subtree_sql(backend: DbBackend, count: usize) -> String {
    format!(
        "WITH RECURSIVE tree(root_id, id, depth) AS (\
           SELECT id, id, 0 FROM accounts WHERE id IN ({}) \
           UNION ALL \
           SELECT tree.root_id, a.id, tree.depth + 1 FROM accounts a JOIN tree ON a.parent_id = tree.id \
           WHERE tree.depth < 10000) \
         SELECT root_id, id, depth FROM tree WHERE depth > 0",
        crate::sql::mark_list(backend, count)
    )
}

/// For each root, its visible descendants at any depth with their depth, in two statements.
pub async fn descendants(
    ctx: &Ctx,
    roots: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<(i64, account::Model)>>> {
    let mut out: HashMap<Uuid, Vec<(i64, account::Model)>> =
        roots.iter().map(|id| (*id, Vec::new())).collect();
    if roots.is_empty() {
        return Ok(out);
    }
    let backend = ctx.backend();
    let values: Vec<Value> = roots.iter().map(|id| (*id).into()).collect();
    let rows = ctx
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            subtree_sql(backend, roots.len()),
            values.clone(),
        ))
        .await?;
    let mut places: Vec<(Uuid, Uuid, i64)> = Vec::with_capacity(rows.len());
    for row in rows {
        let depth: i64 = row
            .try_get::<i64>("", "depth")
            .or_else(|_| row.try_get::<i32>("", "depth").map(i64::from))?;
        places.push((row.try_get("", "root_id")?, row.try_get("", "id")?, depth));
    }
    if places.is_empty() {
        return Ok(out);
    }
    // The same walk as a bound condition on `accounts`, so the access scope can filter the rows.
    let subtree = Expr::cust_with_values(
        format!(
            r#""accounts"."id" IN (WITH RECURSIVE tree(id) AS (SELECT id FROM accounts WHERE id IN ({}) UNION ALL SELECT a.id FROM accounts a JOIN tree ON a.parent_id = tree.id) SELECT id FROM tree)"#,
            crate::sql::mark_list(backend, roots.len())
        ),
        values,
    );
    let visible: HashMap<Uuid, account::Model> =
        visibility::accounts(&ctx.principal, ctx.clock.today())
            .apply(account::Entity::find().filter(subtree))
            .filter(account::Column::Id.is_not_in(roots.iter().copied()))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    for (root, id, depth) in places {
        if let Some(model) = visible.get(&id) {
            out.entry(root).or_default().push((depth, model.clone()));
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.name.cmp(&b.1.name))
                .then(a.1.id.cmp(&b.1.id))
        });
    }
    Ok(out)
}

/// Refuses a parent that is missing, the account itself, or one of its descendants.
pub async fn check_parent(
    txn: &impl ConnectionTrait,
    id: Option<Uuid>,
    parent: Uuid,
) -> DomainResult<()> {
    if Some(parent) == id {
        return Err(DomainError::invalid(
            "parentId",
            "an account cannot be its own parent",
        ));
    }
    let chain = ancestor_ids(txn, parent).await?;
    if chain.is_empty() {
        return Err(DomainError::invalid(
            "parentId",
            "the parent account does not exist",
        ));
    }
    if let Some(id) = id
        && chain.contains(&id)
    {
        return Err(DomainError::invalid(
            "parentId",
            "the parent is a descendant of this account: that would make a cycle",
        ));
    }
    Ok(())
}
