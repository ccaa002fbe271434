//! Loading rows by id within the caller's access scope: the one path every node lookup takes.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use uuid::Uuid;

use super::DomainResult;
use crate::access::visibility::Scope;
use crate::pagination::Pageable;

/// The rows among `ids` that `scope` lets the caller see, keyed by id.
pub async fn by_ids<E: Pageable>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    scope: Scope,
) -> DomainResult<HashMap<Uuid, E::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = scope
        .apply(E::find().filter(crate::sql::one_of(
            db.get_database_backend(),
            E::id_column(),
            ids.iter().copied(),
        )))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (E::id_of(&row), row)).collect())
}

/// One row by id, ignoring access scope: for mutations that have already checked rights.
pub async fn require<E: Pageable>(
    db: &impl ConnectionTrait,
    id: Uuid,
    kind: &'static str,
) -> DomainResult<E::Model> {
    E::find()
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or(super::DomainError::NotFound { kind })
}
