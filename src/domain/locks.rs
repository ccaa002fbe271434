//! How read-then-write rules hold under concurrent writers: row locks taken inside the mutation's
//! transaction before a rule is checked, and the one mapping of unique-index violations to CONFLICT.
//!
//! On PostgreSQL (READ COMMITTED) a rule that reads other rows before inserting first locks the
//! parent row(s) the rule is about; a second writer of the same rule waits there and, once the
//! first commits, its check sees the committed row. Several rows are always locked in id order,
//! so two writers never wait on each other in a circle. On SQLite every write transaction begins
//! `IMMEDIATE` (see `Ctx::write`), which serializes writers, so these locks are not sent there.

use std::ops::Deref;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, QueryFilter, QueryOrder, QuerySelect,
    RuntimeErr, Statement, sea_query::LockType,
};
use uuid::Uuid;

use super::{DomainError, DomainResult};
use crate::pagination::Pageable;

/// How strongly a row is held until the transaction ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// The row's rule is being checked for a write: one holder at a time (`FOR NO KEY UPDATE`,
    /// which still lets other transactions insert rows referencing it).
    Exclusive,
    /// The row is read as a precondition (a type's kinds, a definition's flags): many readers,
    /// but no writer of the row meanwhile (`FOR SHARE`).
    Shared,
}

/// Locks the rows of `E` among `ids` for the rest of the transaction, in id order (PostgreSQL
/// only; a no-op on SQLite, whose writers are serialized).
pub async fn rows<E: Pageable>(
    txn: &impl ConnectionTrait,
    ids: &[Uuid],
    lock: Lock,
) -> DomainResult<()> {
    if txn.get_database_backend() != DbBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let lock = match lock {
        Lock::Exclusive => LockType::NoKeyUpdate,
        Lock::Shared => LockType::Share,
    };
    E::find()
        .select_only()
        .column(E::id_column())
        .filter(E::id_column().is_in(ids))
        .order_by_asc(E::id_column())
        .lock(lock)
        .into_tuple::<Uuid>()
        .all(txn)
        .await?;
    Ok(())
}

/// Takes a transaction-scoped lock on `name` (PostgreSQL advisory lock), for rules no single row
/// guards: a subject unique across three tables, the shape of the whole account tree.
pub async fn named(txn: &impl ConnectionTrait, name: &str) -> DomainResult<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        [name.into()],
    ))
    .await?;
    Ok(())
}

/// The unique indexes and constraints of the schema, each with the input field it is about and
/// what the client is told: (names the database reports, field, message). PostgreSQL reports the
/// constraint name, SQLite the indexed `table.column`s (or `index 'name'` for an expression index).
const UNIQUE: &[(&[&str], &str, &str)] = &[
    (
        &[
            "ux_account_relationship_types_lower_name",
            "account_relationship_types_name_key",
            "account_relationship_types.name",
        ],
        "name",
        "a relationship type with this name exists (names are compared regardless of letter case)",
    ),
    (
        &[
            "ux_responsibility_definitions_lower_name",
            "responsibility_definitions_name_key",
            "responsibility_definitions.name",
        ],
        "name",
        "a responsibility with this name exists (names are compared regardless of letter case)",
    ),
    (
        &[
            "ix_account_relationships_type_id_from_id_to_id",
            "account_relationships.type_id",
        ],
        "toId",
        "these accounts already have a relationship of this type",
    ),
    (
        &[
            "ix_contact_relationships_account_id_contact_id_responsibility_id",
            "contact_relationships.account_id",
        ],
        "contactId",
        "the contact already holds this responsibility on the account",
    ),
    (
        &["ux_team_members_", "team_members."],
        "userId",
        "the user already carries this responsibility on the team",
    ),
    (
        &["ux_consumer_relationships_", "consumer_relationships."],
        "relatedConsumerId",
        "this relationship already exists",
    ),
    (
        &["accounts_number_key", "accounts.number"],
        "number",
        "this account number is taken",
    ),
    (
        &[
            "contacts_subject_key",
            "contacts.subject",
            "consumers_subject_key",
            "consumers.subject",
            "internal_users_subject_key",
            "internal_users.subject",
        ],
        "subject",
        "this subject is already in use",
    ),
    (
        &["ix_role_assignments_", "role_assignments."],
        "role",
        "the principal already holds this role",
    ),
];

/// The CONFLICT a unique violation reported as `detail` means, naming the field when the index is known.
pub fn unique_violation(detail: &str) -> DomainError {
    UNIQUE
        .iter()
        .find(|(names, ..)| names.iter().any(|name| detail.contains(name)))
        .map(|(_, field, message)| DomainError::conflict(Some(field), *message))
        .unwrap_or_else(|| DomainError::conflict(None, "a record with these values already exists"))
}

/// Whether PostgreSQL gave up on the statement because of a concurrent transaction (deadlock
/// detected, serialization failure): the client may retry, nothing was written.
pub fn lost_race(err: &DbErr) -> bool {
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(e) = e.deref()
    {
        return matches!(e.code().as_deref(), Some("40001" | "40P01"));
    }
    false
}
