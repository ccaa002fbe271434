//! Stored role assignments as the rules read them: the principal a stored contact, consumer or
//! internal user acts as when somebody else asks about its access (`whoCanAccess`, explanations
//! for others, access impact). A request itself is authorized by its token's roles.

use std::collections::BTreeSet;

use entity::{consumer, contact, internal_user, role_assignment};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    error::{AccessError, AccessResult},
    principal::{Identity, Principal, Role},
};

/// The principal a stored contact, consumer or internal user acts as, with its stored roles
/// (consumers carry the consumer role).
pub async fn stored_principal(
    db: &impl ConnectionTrait,
    identity: Identity,
) -> AccessResult<Principal> {
    let (subject, roles) = match identity {
        Identity::Contact { id, .. } => {
            let person = contact::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AccessError::NotFound { kind: "contact" })?;
            let roles = roles_of(db, role_assignment::Column::ContactId, id).await?;
            (person.subject, roles)
        }
        Identity::InternalUser { id } => {
            let user = internal_user::Entity::find_by_id(id).one(db).await?.ok_or(
                AccessError::NotFound {
                    kind: "internal user",
                },
            )?;
            (
                user.subject,
                roles_of(db, role_assignment::Column::InternalUserId, id).await?,
            )
        }
        Identity::Consumer { id } => {
            let person = consumer::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AccessError::NotFound { kind: "consumer" })?;
            (person.subject, BTreeSet::from([Role::Consumer]))
        }
        Identity::Anonymous | Identity::Unregistered => return Ok(Principal::anonymous()),
    };
    Ok(Principal::new(subject, roles, vec![identity]))
}

/// The roles stored for the holder whose id is in `column` (unknown role names are skipped).
async fn roles_of(
    db: &impl ConnectionTrait,
    column: role_assignment::Column,
    id: Uuid,
) -> AccessResult<BTreeSet<Role>> {
    let rows = role_assignment::Entity::find()
        .filter(column.eq(id))
        .all(db)
        .await?;
    Ok(rows.iter().filter_map(|r| r.role.parse().ok()).collect())
}
