//! Uniqueness the database enforces itself, so concurrent writers cannot both pass a check:
//! case-insensitive names of relationship types and responsibility definitions, one team member
//! per (target, responsibility, user), one consumer relationship per (pair, responsibility, household).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, indexed expression list, partial-index condition); the same SQL on SQLite and PostgreSQL.
const INDEXES: [(&str, &str, &str, Option<&str>); 7] = [
    (
        "ux_account_relationship_types_lower_name",
        "account_relationship_types",
        "lower(name)",
        None,
    ),
    (
        "ux_responsibility_definitions_lower_name",
        "responsibility_definitions",
        "lower(name)",
        None,
    ),
    (
        "ux_team_members_account_responsibility_user",
        "team_members",
        "account_id, responsibility_id, user_id",
        None,
    ),
    (
        "ux_team_members_consumer_responsibility_user",
        "team_members",
        "consumer_id, responsibility_id, user_id",
        None,
    ),
    (
        "ux_team_members_household_responsibility_user",
        "team_members",
        "household_id, responsibility_id, user_id",
        None,
    ),
    (
        "ux_consumer_relationships_household_pair",
        "consumer_relationships",
        "consumer_id, related_consumer_id, responsibility_id, household_id",
        None,
    ),
    (
        "ux_consumer_relationships_pair",
        "consumer_relationships",
        "consumer_id, related_consumer_id, responsibility_id",
        Some("household_id IS NULL"),
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, table, columns, condition) in INDEXES {
            let filter = condition.map(|c| format!(" WHERE {c}")).unwrap_or_default();
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {name} ON {table} ({columns}){filter}"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, ..) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
