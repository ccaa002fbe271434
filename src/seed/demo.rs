//! The demo data set: seed 004's partner scenario plus a household and a few staff. Idempotent.

use entity::{account, account_relationship, consumer, contact, household, internal_user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::access::principal::Role;
use crate::domain::{
    Ctx, DomainResult, account_relationships, accounts, cases, consumers, contacts, households,
    internal_users,
    roles::{self, Holder},
};

/// The demo principals, with the roles their printed tokens carry.
pub const PRINCIPALS: &[(&str, &str, Role)] = &[
    ("ada.admin", "Ada Admin (internal user)", Role::Admin),
    ("max.manager", "Max Manager (internal user)", Role::Manager),
    ("agnes.agent", "Agnes Agent (internal user)", Role::Agent),
    (
        "rita.relationship",
        "Rita Relationship (internal user)",
        Role::RelationshipAgent,
    ),
    (
        "peter.robinson",
        "Peter Robinson (partner admin, GSI Tech)",
        Role::PartnerAdmin,
    ),
    (
        "alice.brown",
        "Alice Brown (customer admin, ABC Corp)",
        Role::CustomerAdmin,
    ),
    (
        "john.smith",
        "John Smith (consumer, head of the Smith household)",
        Role::Consumer,
    ),
    ("jane.smith", "Jane Smith (consumer)", Role::Consumer),
];

async fn account(
    ctx: &Ctx,
    number: &str,
    name: &str,
    is_customer: bool,
    is_partner: bool,
) -> DomainResult<account::Model> {
    if let Some(found) = account::Entity::find()
        .filter(account::Column::Number.eq(number))
        .one(&ctx.db)
        .await?
    {
        return Ok(found);
    }
    accounts::create(
        ctx,
        accounts::NewAccount {
            name: name.into(),
            number: Some(number.into()),
            is_customer,
            is_partner,
            parent_id: None,
        },
    )
    .await
}

async fn partner_link(ctx: &Ctx, partner: uuid::Uuid, customer: uuid::Uuid) -> DomainResult<()> {
    let partner_type: uuid::Uuid = migration::m20261122_000002_relationships::PARTNER_ACCOUNT_TYPE
        .parse()
        .expect("shipped type id");
    let existing = account_relationship::Entity::find()
        .filter(account_relationship::Column::TypeId.eq(partner_type))
        .filter(account_relationship::Column::FromId.eq(partner))
        .filter(account_relationship::Column::ToId.eq(customer))
        .one(&ctx.db)
        .await?;
    if existing.is_none() {
        let new = account_relationships::NewRelationship {
            type_id: partner_type,
            from_id: partner,
            to_id: customer,
            validity: Default::default(),
        };
        account_relationships::create(ctx, new, false).await?;
    }
    Ok(())
}

async fn contact(
    ctx: &Ctx,
    account_id: uuid::Uuid,
    subject: &str,
    name: &str,
    role: Role,
) -> DomainResult<()> {
    if contact::Entity::find()
        .filter(contact::Column::Subject.eq(subject))
        .one(&ctx.db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let email = format!("{subject}@example.com");
    let row = contacts::create(
        ctx,
        contacts::NewContact {
            account_id,
            name: name.into(),
            email: Some(email),
            phone: None,
            subject: Some(subject.into()),
        },
    )
    .await?;
    roles::assign(ctx, Holder::Contact(row.id), role, false).await?;
    Ok(())
}

async fn staff(ctx: &Ctx, subject: &str, name: &str, role: Role) -> DomainResult<()> {
    if internal_user::Entity::find()
        .filter(internal_user::Column::Subject.eq(subject))
        .one(&ctx.db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let input = internal_users::InternalUserInput {
        name: Some(name.into()),
        email: Some(format!("{subject}@liaison.example")),
        subject: Some(subject.into()),
    };
    let row = internal_users::create(ctx, input).await?;
    roles::assign(ctx, Holder::InternalUser(row.id), role, false).await?;
    Ok(())
}

async fn consumer(ctx: &Ctx, subject: &str, name: &str) -> DomainResult<consumer::Model> {
    if let Some(found) = consumer::Entity::find()
        .filter(consumer::Column::Subject.eq(subject))
        .one(&ctx.db)
        .await?
    {
        return Ok(found);
    }
    let input = consumers::ConsumerInput {
        name: Some(name.into()),
        email: Some(format!("{subject}@example.com")),
        subject: Some(subject.into()),
    };
    consumers::create(ctx, input).await
}

/// Loads the demo data unless it is already there; `ctx` must carry an admin principal.
pub async fn seed(ctx: &Ctx) -> DomainResult<()> {
    let gsi = account(ctx, "DEMO-GSI", "GSI Tech", false, true).await?;
    let abc = account(ctx, "DEMO-ABC", "ABC Corp", true, false).await?;
    partner_link(ctx, gsi.id, abc.id).await?;
    contact(
        ctx,
        gsi.id,
        "peter.robinson",
        "Peter Robinson",
        Role::PartnerAdmin,
    )
    .await?;
    contact(
        ctx,
        abc.id,
        "alice.brown",
        "Alice Brown",
        Role::CustomerAdmin,
    )
    .await?;
    staff(ctx, "ada.admin", "Ada Admin", Role::Admin).await?;
    staff(ctx, "max.manager", "Max Manager", Role::Manager).await?;
    staff(ctx, "agnes.agent", "Agnes Agent", Role::Agent).await?;
    staff(
        ctx,
        "rita.relationship",
        "Rita Relationship",
        Role::RelationshipAgent,
    )
    .await?;
    let john = consumer(ctx, "john.smith", "John Smith").await?;
    let jane = consumer(ctx, "jane.smith", "Jane Smith").await?;
    if household::Entity::find()
        .filter(household::Column::Name.eq("Smith household"))
        .one(&ctx.db)
        .await?
        .is_none()
    {
        let home = households::create(ctx, "Smith household", Some(john.id)).await?;
        households::add_member(ctx, home.id, jane.id, Some(ctx.clock.today()), None, false).await?;
        consumers::set_primary_household(ctx, john.id, Some(home.id)).await?;
        consumers::set_primary_household(ctx, jane.id, Some(home.id)).await?;
    }
    if sea_orm::PaginatorTrait::count(entity::case::Entity::find(), &ctx.db).await? == 0 {
        let alice = contact::Entity::find()
            .filter(contact::Column::Subject.eq("alice.brown"))
            .one(&ctx.db)
            .await?;
        let home = household::Entity::find()
            .filter(household::Column::Name.eq("Smith household"))
            .one(&ctx.db)
            .await?;
        let demo_cases = [
            (
                "Printer on the third floor is offline",
                Some(abc.id),
                alice.as_ref().map(|a| a.id),
                None,
                None,
                2,
            ),
            (
                "Invoice 2026-114 charged twice",
                Some(abc.id),
                None,
                None,
                None,
                3,
            ),
            (
                "Home internet drops every evening",
                None,
                None,
                Some(jane.id),
                home.as_ref().map(|h| h.id),
                3,
            ),
        ];
        for (text, account_id, contact_id, consumer_id, household_id, priority) in demo_cases {
            let new = cases::NewCase {
                short_description: text.into(),
                priority: Some(priority),
                account_id,
                contact_id,
                consumer_id,
                household_id,
                ..Default::default()
            };
            cases::create(ctx, new).await?;
        }
    }
    Ok(())
}
