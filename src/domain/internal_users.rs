//! Internal users: staff records that tokens with internal roles map to.

use std::collections::HashMap;

use entity::{internal_user, role_assignment};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Ctx, DomainResult, audit,
    input::{self, optional_text, required_name},
    rows,
};
use crate::access::{self, Permission, visibility};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

page::pageable!(internal_user by name);

/// Internal user lists are sorted by name.
pub const SORT: Sort<internal_user::Column> = Sort {
    name: "NAME",
    column: Some(internal_user::Column::Name),
    descending: false,
};

/// A page of internal users (staff only).
pub async fn list(
    ctx: &Ctx,
    name_contains: Option<&str>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<internal_user::Model>> {
    let mut select = internal_user::Entity::find();
    if let Some(text) = name_contains {
        select = select.filter(internal_user::Column::Name.contains(text));
    }
    Ok(page::fetch_page(
        &ctx.db,
        visibility::internal_users(&ctx.principal).apply(select),
        &SORT,
        args,
        wants,
    )
    .await?)
}

/// The visible internal users among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, internal_user::Model>> {
    rows::by_ids::<internal_user::Entity>(&ctx.db, ids, visibility::internal_users(&ctx.principal))
        .await
}

/// Input of `create` and `update`; on update `None` leaves a field unchanged and empty text clears it.
#[derive(Clone, Debug, Default)]
pub struct InternalUserInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
}

/// Creates an internal user (admin).
pub async fn create(ctx: &Ctx, input: InternalUserInput) -> DomainResult<internal_user::Model> {
    access::require(&ctx.principal, Permission::Administer)?;
    let name = required_name(input.name.as_deref().unwrap_or_default())?;
    let subject = optional_text(input.subject);
    let txn = ctx.write().await?;
    if let Some(subject) = &subject {
        input::ensure_subject_free(&txn, subject, None).await?;
    }
    let now = ctx.clock.now();
    let model = internal_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        email: Set(optional_text(input.email)),
        subject: Set(subject),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "create",
        "internal_user",
        model.id,
        json!({"name": model.name}),
    )
    .await?;
    Ok(model)
}

/// Changes an internal user (admin).
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    input: InternalUserInput,
) -> DomainResult<internal_user::Model> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    let mut model = rows::require::<internal_user::Entity>(&txn, id, "internal user")
        .await?
        .into_active_model();
    if let Some(name) = &input.name {
        model.name = Set(required_name(name)?);
    }
    if let Some(email) = input.email {
        model.email = Set(optional_text(Some(email)));
    }
    if let Some(subject) = input.subject {
        let subject = optional_text(Some(subject));
        if let Some(subject) = &subject {
            input::ensure_subject_free(&txn, subject, Some(id)).await?;
        }
        model.subject = Set(subject);
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "update",
        "internal_user",
        id,
        json!({"name": model.name}),
    )
    .await?;
    Ok(model)
}

/// Deletes an internal user and its stored roles (admin).
pub async fn delete(ctx: &Ctx, id: Uuid) -> DomainResult<internal_user::Model> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    let current = rows::require::<internal_user::Entity>(&txn, id, "internal user").await?;
    role_assignment::Entity::delete_many()
        .filter(role_assignment::Column::InternalUserId.eq(id))
        .exec(&txn)
        .await?;
    internal_user::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "delete",
        "internal_user",
        id,
        json!({"name": current.name}),
    )
    .await?;
    Ok(current)
}
