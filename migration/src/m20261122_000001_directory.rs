//! The directory: accounts, contacts, consumers, households, internal users, roles and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::shared::{fk, index, with_timestamps};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut accounts = Table::create();
        accounts
            .table("accounts")
            .col(pk_uuid("id"))
            .col(string_uniq("number"))
            .col(string("name"))
            .col(boolean("is_customer"))
            .col(boolean("is_partner"))
            .col(uuid_null("parent_id"))
            .foreign_key(&mut fk("accounts", "parent_id", "accounts"));
        manager
            .create_table(with_timestamps(&mut accounts).to_owned())
            .await?;

        let mut contacts = Table::create();
        contacts
            .table("contacts")
            .col(pk_uuid("id"))
            .col(uuid("account_id"))
            .col(string("name"))
            .col(string_null("email"))
            .col(string_null("phone"))
            .col(string_null("subject").unique_key())
            .foreign_key(&mut fk("contacts", "account_id", "accounts"));
        manager
            .create_table(with_timestamps(&mut contacts).to_owned())
            .await?;

        // consumers.primary_household_id and households.head_id point at each other; the
        // consumer side is enforced by the domain layer, which clears it when a household goes.
        let mut consumers = Table::create();
        consumers
            .table("consumers")
            .col(pk_uuid("id"))
            .col(string("name"))
            .col(string_null("email"))
            .col(string_null("subject").unique_key())
            .col(uuid_null("primary_household_id"));
        manager
            .create_table(with_timestamps(&mut consumers).to_owned())
            .await?;

        let mut households = Table::create();
        households
            .table("households")
            .col(pk_uuid("id"))
            .col(string("name"))
            .col(uuid_null("head_id"))
            .foreign_key(&mut fk("households", "head_id", "consumers"));
        manager
            .create_table(with_timestamps(&mut households).to_owned())
            .await?;

        let mut memberships = Table::create();
        memberships
            .table("household_memberships")
            .col(pk_uuid("id"))
            .col(uuid("household_id"))
            .col(uuid("consumer_id"))
            .col(date_null("start_date"))
            .col(date_null("end_date"))
            .foreign_key(&mut fk(
                "household_memberships",
                "household_id",
                "households",
            ))
            .foreign_key(&mut fk("household_memberships", "consumer_id", "consumers"));
        manager
            .create_table(with_timestamps(&mut memberships).to_owned())
            .await?;

        let mut users = Table::create();
        users
            .table("internal_users")
            .col(pk_uuid("id"))
            .col(string("name"))
            .col(string_null("email"))
            .col(string_null("subject").unique_key());
        manager
            .create_table(with_timestamps(&mut users).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("role_assignments")
                    .col(pk_uuid("id"))
                    .col(uuid_null("contact_id"))
                    .col(uuid_null("internal_user_id"))
                    .col(string("role"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("role_assignments", "contact_id", "contacts"))
                    .foreign_key(&mut fk(
                        "role_assignments",
                        "internal_user_id",
                        "internal_users",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(pk_uuid("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_null("actor"))
                    .col(string("action"))
                    .col(string("entity_kind"))
                    .col(uuid("entity_id"))
                    .col(text("details"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sequences")
                    .col(string("name").primary_key())
                    .col(big_integer("value"))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("sequences")
                    .columns(["name", "value"])
                    .values_panic(["account".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;

        for stmt in [
            index("accounts", &["parent_id"]),
            index("accounts", &["name", "id"]),
            index("contacts", &["account_id", "name", "id"]),
            index("contacts", &["name", "id"]),
            index("consumers", &["name", "id"]),
            index("consumers", &["primary_household_id"]),
            index("households", &["name", "id"]),
            index("households", &["head_id"]),
            index("household_memberships", &["household_id", "consumer_id"]),
            index("household_memberships", &["consumer_id", "household_id"]),
            index("internal_users", &["name", "id"]),
            index("role_assignments", &["internal_user_id", "role"])
                .unique()
                .to_owned(),
            index("role_assignments", &["contact_id", "role"])
                .unique()
                .to_owned(),
            index("audit_log", &["entity_id", "at"]),
            index("audit_log", &["at"]),
        ] {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "sequences",
            "audit_log",
            "role_assignments",
            "internal_users",
            "household_memberships",
            "households",
            "consumers",
            "contacts",
            "accounts",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
