//! Stored role assignments of contacts and internal users, for rules about a third party's roles.

use std::collections::HashMap;

use entity::{contact, internal_user, role_assignment};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::{Ctx, DomainError, DomainResult, audit, cascade, rows};
use crate::access::{
    self, Permission,
    impact::AccessChange,
    principal::{Identity, Role},
    visibility,
};

/// Whose roles: a contact's or an internal user's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    Contact(Uuid),
    InternalUser(Uuid),
}

impl Holder {
    /// The stored principal whose access its roles decide.
    async fn identity(self, txn: &impl sea_orm::ConnectionTrait) -> DomainResult<Vec<Identity>> {
        Ok(match self {
            Holder::Contact(id) => access::impact::contact_identity(txn, id).await?,
            Holder::InternalUser(id) => vec![Identity::InternalUser { id }],
        })
    }

    fn column(self) -> (role_assignment::Column, Uuid) {
        match self {
            Holder::Contact(id) => (role_assignment::Column::ContactId, id),
            Holder::InternalUser(id) => (role_assignment::Column::InternalUserId, id),
        }
    }
}

/// The visible stored roles of each holder, in one statement.
pub async fn of_holders(
    ctx: &Ctx,
    holders: &[Holder],
) -> DomainResult<HashMap<Holder, Vec<role_assignment::Model>>> {
    let contacts: Vec<Uuid> = holders
        .iter()
        .filter_map(|h| {
            if let Holder::Contact(id) = h {
                Some(*id)
            } else {
                None
            }
        })
        .collect();
    let users: Vec<Uuid> = holders
        .iter()
        .filter_map(|h| {
            if let Holder::InternalUser(id) = h {
                Some(*id)
            } else {
                None
            }
        })
        .collect();
    let select = role_assignment::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(role_assignment::Column::ContactId.is_in(contacts))
                .add(role_assignment::Column::InternalUserId.is_in(users)),
        )
        .order_by_asc(role_assignment::Column::Role);
    let mut out: HashMap<Holder, Vec<role_assignment::Model>> = HashMap::new();
    for row in visibility::role_assignments(&ctx.principal)
        .apply(select)
        .all(&ctx.db)
        .await?
    {
        let holder = match (row.contact_id, row.internal_user_id) {
            (Some(id), _) => Holder::Contact(id),
            (_, Some(id)) => Holder::InternalUser(id),
            _ => continue,
        };
        out.entry(holder).or_default().push(row);
    }
    Ok(out)
}

async fn check_holder(
    txn: &impl sea_orm::ConnectionTrait,
    holder: Holder,
    role: Role,
) -> DomainResult<()> {
    match holder {
        Holder::Contact(id) => {
            rows::require::<contact::Entity>(txn, id, "contact").await?;
            if !role.is_contact_role() {
                return Err(DomainError::invalid(
                    "role",
                    format!("{role} is not a role a contact can hold"),
                ));
            }
        }
        Holder::InternalUser(id) => {
            rows::require::<internal_user::Entity>(txn, id, "internal user").await?;
            if !role.is_internal() {
                return Err(DomainError::invalid(
                    "role",
                    format!("{role} is not a role an internal user can hold"),
                ));
            }
        }
    }
    Ok(())
}

/// Gives a stored role to a contact or internal user (admin); assigning a held role is refused.
/// Reports the holder's access change; a dry run writes nothing.
pub async fn assign(
    ctx: &Ctx,
    holder: Holder,
    role: Role,
    dry_run: bool,
) -> DomainResult<(role_assignment::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    check_holder(&txn, holder, role).await?;
    let impact = cascade::watch(ctx, &txn, holder.identity(&txn).await?).await?;
    let (column, id) = holder.column();
    let held = role_assignment::Entity::find()
        .filter(column.eq(id))
        .filter(role_assignment::Column::Role.eq(role.as_str()))
        .one(&txn)
        .await?;
    if held.is_some() {
        return Err(DomainError::conflict(
            Some("role"),
            format!("the role {role} is already assigned"),
        ));
    }
    let (contact_id, internal_user_id) = match holder {
        Holder::Contact(id) => (Some(id), None),
        Holder::InternalUser(id) => (None, Some(id)),
    };
    let model = role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        contact_id: Set(contact_id),
        internal_user_id: Set(internal_user_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(ctx.clock.now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        ctx,
        &txn,
        "assign_role",
        "role_assignment",
        model.id,
        json!({"holder": id, "role": role.as_str()}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Takes a stored role away (admin); revoking a role not held is refused. Reports the holder's
/// access change; a dry run writes nothing.
pub async fn revoke(
    ctx: &Ctx,
    holder: Holder,
    role: Role,
    dry_run: bool,
) -> DomainResult<(role_assignment::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    let impact = cascade::watch(ctx, &txn, holder.identity(&txn).await?).await?;
    let (column, id) = holder.column();
    let held = role_assignment::Entity::find()
        .filter(column.eq(id))
        .filter(role_assignment::Column::Role.eq(role.as_str()))
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound {
            kind: "role assignment",
        })?;
    role_assignment::Entity::delete_by_id(held.id)
        .exec(&txn)
        .await?;
    audit::record(
        ctx,
        &txn,
        "revoke_role",
        "role_assignment",
        held.id,
        json!({"holder": id, "role": role.as_str()}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((held, changes))
}
