//! The durable change feed: a one-row head counter whose row lock orders committing writers, the
//! feed position stamped on each transaction's audit entries, and the before/after images.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The same SQL on SQLite and PostgreSQL; entries written before the feed existed share position 0.
const UP: [&str; 7] = [
    "CREATE TABLE change_feed_head (id INTEGER NOT NULL PRIMARY KEY, position BIGINT NOT NULL)",
    "INSERT INTO change_feed_head (id, position) VALUES (1, 0)",
    "ALTER TABLE audit_log ADD COLUMN feed_position BIGINT",
    "ALTER TABLE audit_log ADD COLUMN before_state TEXT",
    "ALTER TABLE audit_log ADD COLUMN after_state TEXT",
    "UPDATE audit_log SET feed_position = 0",
    "CREATE INDEX ix_audit_log_feed_position ON audit_log (feed_position, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in UP {
            db.execute_unprepared(sql).await?;
        }
        for sql in [
            "CREATE INDEX ix_audit_log_entity_id ON audit_log (entity_id, id)",
            "CREATE INDEX ix_audit_log_actor ON audit_log (actor, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "DROP INDEX ix_audit_log_actor",
            "DROP INDEX ix_audit_log_entity_id",
            "DROP INDEX ix_audit_log_feed_position",
            "ALTER TABLE audit_log DROP COLUMN after_state",
            "ALTER TABLE audit_log DROP COLUMN before_state",
            "ALTER TABLE audit_log DROP COLUMN feed_position",
            "DROP TABLE change_feed_head",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
