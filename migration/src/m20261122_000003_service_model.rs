//! Service Model Foundation: team members of accounts, consumers and households, and consumer
//! relationships (consumer to consumer, and within a household) with a two-sided view.

use sea_orm_migration::{prelude::*, schema::*};

use crate::shared::{fk, index, with_validity};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut teams = Table::create();
        teams
            .table("team_members")
            .col(pk_uuid("id"))
            .col(uuid("user_id"))
            .col(string("target_kind"))
            .col(uuid_null("account_id"))
            .col(uuid_null("consumer_id"))
            .col(uuid_null("household_id"))
            .col(uuid("responsibility_id"))
            .foreign_key(&mut fk("team_members", "user_id", "internal_users"))
            .foreign_key(&mut fk("team_members", "account_id", "accounts"))
            .foreign_key(&mut fk("team_members", "consumer_id", "consumers"))
            .foreign_key(&mut fk("team_members", "household_id", "households"))
            .foreign_key(&mut fk(
                "team_members",
                "responsibility_id",
                "responsibility_definitions",
            ));
        manager
            .create_table(with_validity(&mut teams).to_owned())
            .await?;

        let mut relationships = Table::create();
        relationships
            .table("consumer_relationships")
            .col(pk_uuid("id"))
            .col(uuid("consumer_id"))
            .col(uuid("related_consumer_id"))
            .col(uuid_null("household_id"))
            .col(uuid("responsibility_id"))
            .foreign_key(&mut fk(
                "consumer_relationships",
                "consumer_id",
                "consumers",
            ))
            .foreign_key(&mut fk(
                "consumer_relationships",
                "related_consumer_id",
                "consumers",
            ))
            .foreign_key(&mut fk(
                "consumer_relationships",
                "household_id",
                "households",
            ))
            .foreign_key(&mut fk(
                "consumer_relationships",
                "responsibility_id",
                "responsibility_definitions",
            ));
        manager
            .create_table(with_validity(&mut relationships).to_owned())
            .await?;

        for stmt in [
            index("team_members", &["account_id", "id"]),
            index("team_members", &["consumer_id", "id"]),
            index("team_members", &["household_id", "id"]),
            index("team_members", &["user_id", "target_kind", "id"]),
            index("team_members", &["responsibility_id"]),
            index("consumer_relationships", &["consumer_id", "id"]),
            index("consumer_relationships", &["related_consumer_id", "id"]),
            index("consumer_relationships", &["household_id", "id"]),
            index("consumer_relationships", &["responsibility_id"]),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .get_connection()
            .execute_unprepared(
                "CREATE VIEW consumer_relationship_sides AS \
                 SELECT id AS relationship_id, consumer_id, related_consumer_id AS other_consumer_id, \
                        'FORWARD' AS direction, household_id, responsibility_id, sort_order, valid_from, valid_to, \
                        created_at \
                   FROM consumer_relationships \
                 UNION ALL \
                 SELECT id AS relationship_id, related_consumer_id AS consumer_id, consumer_id AS other_consumer_id, \
                        'REVERSE' AS direction, household_id, responsibility_id, sort_order, valid_from, valid_to, \
                        created_at \
                   FROM consumer_relationships",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP VIEW consumer_relationship_sides")
            .await?;
        for table in ["consumer_relationships", "team_members"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
