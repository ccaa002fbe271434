//! The account tree as the rules walk it: every account below one (a subquery) and every
//! account above many (one statement).

use std::collections::HashMap;

use entity::account;
use sea_orm::{
    ConnectionTrait, Statement, Value,
    sea_query::{
        Alias, CommonTableExpression, Expr, ExprTrait, Query, SelectStatement, UnionType,
        WithClause,
    },
};
use uuid::Uuid;

use super::error::AccessResult;

/// The ids of every account below `root`, at any depth: a recursive CTE built with sea-query, so
/// each backend gets its own placeholder syntax.
pub fn descendants_of(root: Uuid) -> SelectStatement {
    let (subtree, child, id) = (Alias::new("subtree"), Alias::new("child"), Alias::new("id"));
    let mut walk = Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::ParentId).eq(root))
        .to_owned();
    walk.union(
        UnionType::Distinct,
        Query::select()
            .column((child.clone(), account::Column::Id))
            .from_as(account::Entity, child.clone())
            .inner_join(
                subtree.clone(),
                Expr::col((child, account::Column::ParentId)).equals((subtree.clone(), id.clone())),
            )
            .to_owned(),
    );
    let cte = CommonTableExpression::new()
        .query(walk)
        .column(id.clone())
        .table_name(subtree.clone())
        .to_owned();
    Query::select()
        .column(id)
        .from(subtree)
        .with_cte(WithClause::new().recursive(true).cte(cte).to_owned())
        .to_owned()
}

/// For each account, its ancestors nearest first (parent, grandparent, ..., root), in one statement.
pub async fn ancestor_chains(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AccessResult<HashMap<Uuid, Vec<Uuid>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "WITH RECURSIVE chain(start_id, id, parent_id, depth) AS (\
           SELECT id, id, parent_id, 0 FROM accounts WHERE id IN ({}) \
           UNION ALL \
           SELECT chain.start_id, a.id, a.parent_id, chain.depth + 1 FROM accounts a JOIN chain ON a.id = chain.parent_id \
           WHERE chain.depth < 10000) \
         SELECT start_id, id FROM chain WHERE depth > 0 ORDER BY start_id, depth",
        crate::sql::mark_list(backend, ids.len())
    );
    let values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
    let mut chains: HashMap<Uuid, Vec<Uuid>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    {
        let start: Uuid = row.try_get("", "start_id")?;
        let id: Uuid = row.try_get("", "id")?;
        chains.entry(start).or_default().push(id);
    }
    Ok(chains)
}
