//! Account relationship types and records (with a two-sided view), responsibility definitions and
//! contact relationships, with the shipped rows every database starts with.

use sea_orm_migration::{prelude::*, schema::*};

use crate::shared::{fk, index, with_validity};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The default type: PARTNER to ACCOUNT, granting partner case access.
pub const PARTNER_ACCOUNT_TYPE: &str = "0193a000-0000-7000-8000-000000000001";
/// A shipped responsibility definition: (id, name, kind, unique, required role, description).
pub type ShippedResponsibility = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
    &'static str,
);

/// The responsibility definitions every database starts with.
pub const RESPONSIBILITIES: [ShippedResponsibility; 4] = [
    (
        "0193a000-0000-7000-8000-000000000101",
        "Account Manager",
        "USER",
        true,
        Some("sn_customerservice.relationship_agent"),
        "Staff member who manages an account (Account Team Member).",
    ),
    (
        "0193a000-0000-7000-8000-000000000102",
        "Relationship Manager",
        "USER",
        true,
        Some("sn_customerservice.relationship_agent"),
        "Staff member who manages a consumer or household (Consumer and Household Team Member).",
    ),
    (
        "0193a000-0000-7000-8000-000000000103",
        "Authorized Representative",
        "NONE",
        false,
        None,
        "Consumer who acts on behalf of another consumer.",
    ),
    (
        "0193a000-0000-7000-8000-000000000104",
        "Authorized Contact",
        "CONTACT",
        false,
        None,
        "Contact of another account who acts on behalf of this account.",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("account_relationship_types")
                    .col(pk_uuid("id"))
                    .col(string_uniq("name"))
                    .col(string("source_kind"))
                    .col(string("target_kind"))
                    .col(string("forward_label"))
                    .col(string("reverse_label"))
                    .col(boolean("active"))
                    .col(boolean("grants_partner_access"))
                    .col(string("partner_access_policy"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        let mut relationships = Table::create();
        relationships
            .table("account_relationships")
            .col(pk_uuid("id"))
            .col(uuid("type_id"))
            .col(uuid("from_id"))
            .col(uuid("to_id"))
            .foreign_key(&mut fk(
                "account_relationships",
                "type_id",
                "account_relationship_types",
            ))
            .foreign_key(&mut fk("account_relationships", "from_id", "accounts"))
            .foreign_key(&mut fk("account_relationships", "to_id", "accounts"));
        manager
            .create_table(with_validity(&mut relationships).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("responsibility_definitions")
                    .col(pk_uuid("id"))
                    .col(string_uniq("name"))
                    .col(string("kind"))
                    .col(boolean("is_unique"))
                    .col(string_null("required_role"))
                    .col(text_null("description"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        let mut contact_relationships = Table::create();
        contact_relationships
            .table("contact_relationships")
            .col(pk_uuid("id"))
            .col(uuid("account_id"))
            .col(uuid("contact_id"))
            .col(uuid("responsibility_id"))
            .foreign_key(&mut fk("contact_relationships", "account_id", "accounts"))
            .foreign_key(&mut fk("contact_relationships", "contact_id", "contacts"))
            .foreign_key(&mut fk(
                "contact_relationships",
                "responsibility_id",
                "responsibility_definitions",
            ));
        manager
            .create_table(with_validity(&mut contact_relationships).to_owned())
            .await?;

        for stmt in [
            index("account_relationships", &["type_id", "from_id", "to_id"])
                .unique()
                .to_owned(),
            index("account_relationships", &["from_id", "id"]),
            index("account_relationships", &["to_id", "id"]),
            index(
                "contact_relationships",
                &["account_id", "contact_id", "responsibility_id"],
            )
            .unique()
            .to_owned(),
            index("contact_relationships", &["contact_id", "id"]),
            index("contact_relationships", &["responsibility_id"]),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .get_connection()
            .execute_unprepared(
                "CREATE VIEW account_relationship_sides AS \
                 SELECT id AS relationship_id, type_id, from_id AS account_id, to_id AS other_account_id, \
                        'FORWARD' AS direction, sort_order, valid_from, valid_to, created_at \
                   FROM account_relationships \
                 UNION ALL \
                 SELECT id AS relationship_id, type_id, to_id AS account_id, from_id AS other_account_id, \
                        'REVERSE' AS direction, sort_order, valid_from, valid_to, created_at \
                   FROM account_relationships",
            )
            .await?;

        let now = chrono::Utc::now();
        let partner_type: uuid::Uuid = PARTNER_ACCOUNT_TYPE.parse().expect("uuid");
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("account_relationship_types")
                    .columns([
                        "id",
                        "name",
                        "source_kind",
                        "target_kind",
                        "forward_label",
                        "reverse_label",
                        "active",
                        "grants_partner_access",
                        "partner_access_policy",
                        "created_at",
                        "updated_at",
                    ])
                    .values_panic([
                        partner_type.into(),
                        "Partner Account".into(),
                        "PARTNER".into(),
                        "ACCOUNT".into(),
                        "Partner of".into(),
                        "Customer of".into(),
                        true.into(),
                        true.into(),
                        "DERIVED".into(),
                        now.into(),
                        now.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table("responsibility_definitions").columns([
            "id",
            "name",
            "kind",
            "is_unique",
            "required_role",
            "description",
            "created_at",
            "updated_at",
        ]);
        for (id, name, kind, unique, role, description) in RESPONSIBILITIES {
            let id: uuid::Uuid = id.parse().expect("uuid");
            insert.values_panic([
                id.into(),
                name.into(),
                kind.into(),
                unique.into(),
                role.map(str::to_owned).into(),
                description.into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP VIEW account_relationship_sides")
            .await?;
        for table in [
            "contact_relationships",
            "responsibility_definitions",
            "account_relationships",
            "account_relationship_types",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
