//! Cases and their comments, numbered from the `case` sequence.

use sea_orm_migration::{prelude::*, schema::*};

use crate::shared::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cases")
                    .col(pk_uuid("id"))
                    .col(string_uniq("number"))
                    .col(string("short_description"))
                    .col(text_null("description"))
                    .col(string("state"))
                    .col(integer("priority"))
                    .col(uuid_null("account_id"))
                    .col(uuid_null("contact_id"))
                    .col(uuid_null("consumer_id"))
                    .col(uuid_null("household_id"))
                    .col(uuid_null("partner_id"))
                    .col(uuid_null("partner_contact_id"))
                    .col(string_null("opened_by_kind"))
                    .col(uuid_null("opened_by_id"))
                    .col(string_null("opened_by_subject"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .foreign_key(&mut fk("cases", "account_id", "accounts"))
                    .foreign_key(&mut fk("cases", "contact_id", "contacts"))
                    .foreign_key(&mut fk("cases", "consumer_id", "consumers"))
                    .foreign_key(&mut fk("cases", "household_id", "households"))
                    .foreign_key(&mut fk("cases", "partner_id", "accounts"))
                    .foreign_key(&mut fk("cases", "partner_contact_id", "contacts"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("case_comments")
                    .col(pk_uuid("id"))
                    .col(uuid("case_id"))
                    .col(text("body"))
                    .col(string_null("author_kind"))
                    .col(uuid_null("author_id"))
                    .col(string_null("author_subject"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("case_comments", "case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index("cases", &["account_id", "id"]),
            index("cases", &["consumer_id", "id"]),
            index("cases", &["household_id", "id"]),
            index("cases", &["contact_id"]),
            index("cases", &["partner_id"]),
            index("cases", &["partner_contact_id"]),
            index("cases", &["opened_by_id"]),
            index("cases", &["state", "id"]),
            index("cases", &["priority", "id"]),
            index("case_comments", &["case_id", "id"]),
        ] {
            manager.create_index(stmt).await?;
        }
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("sequences")
                    .columns(["name", "value"])
                    .values_panic(["case".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table("sequences")
                    .and_where(Expr::col("name").eq("case"))
                    .to_owned(),
            )
            .await?;
        for table in ["case_comments", "cases"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
