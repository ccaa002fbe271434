//! Mapping a verified token's subject to the stored records it names.

use std::collections::BTreeSet;

use entity::{consumer, contact, internal_user};
use sea_orm::{
    ColumnTrait, ConnectionTrait,
    sea_query::{Expr, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::{
    error::AccessResult,
    identity_cache::IdentityCache,
    principal::{Identity, Principal, Role},
};

/// Which stored record a row of the lookup is.
const INTERNAL: i32 = 0;
const CONTACT: i32 = 1;
const CONSUMER: i32 = 2;

/// The rows of `table` whose subject is `subject`, tagged `tag`, with the account for contacts.
fn named(tag: i32, subject: &str, table: Table) -> SelectStatement {
    let mut select = Query::select();
    select.expr_as(Expr::val(tag), "tag");
    match table {
        Table::Internal => select
            .expr_as(Expr::col(internal_user::Column::Id), "id")
            .expr_as(Expr::col(internal_user::Column::Id), "account_id")
            .from(internal_user::Entity)
            .and_where(internal_user::Column::Subject.eq(subject)),
        Table::Contact => select
            .expr_as(Expr::col(contact::Column::Id), "id")
            .expr_as(Expr::col(contact::Column::AccountId), "account_id")
            .from(contact::Entity)
            .and_where(contact::Column::Subject.eq(subject)),
        Table::Consumer => select
            .expr_as(Expr::col(consumer::Column::Id), "id")
            .expr_as(Expr::col(consumer::Column::Id), "account_id")
            .from(consumer::Entity)
            .and_where(consumer::Column::Subject.eq(subject)),
    };
    select.to_owned()
}

/// The three tables a subject can name a record in.
#[derive(Clone, Copy)]
enum Table {
    Internal,
    Contact,
    Consumer,
}

/// Builds the principal for a verified token: every stored record the subject names that a role of
/// the token fits (staff roles an internal user, portal contact roles a contact, the consumer role a
/// consumer), looked up in one statement. Roles add up: each identity contributes its rules.
pub async fn resolve(
    db: &impl ConnectionTrait,
    subject: String,
    roles: BTreeSet<Role>,
) -> AccessResult<Principal> {
    let identities = lookup(db, &subject, &wanted(&roles)).await?;
    Ok(Principal::new(Some(subject), roles, identities))
}

/// [`resolve`], answered from `cache` when it holds the subject (no statement at all).
pub async fn resolve_cached(
    db: &impl ConnectionTrait,
    cache: &IdentityCache,
    subject: String,
    roles: BTreeSet<Role>,
) -> AccessResult<Principal> {
    let wanted = wanted(&roles);
    let tables = wanted.iter().fold(0, |bits, (tag, _)| bits | 1 << tag);
    let identities = match cache.get(&subject, tables) {
        Ok(identities) => identities,
        Err(ticket) => {
            let identities = lookup(db, &subject, &wanted).await?;
            if let Some(ticket) = ticket {
                cache.put(ticket, &subject, tables, &identities);
            }
            identities
        }
    };
    Ok(Principal::new(Some(subject), roles, identities))
}

/// The tables the token's roles let its subject be found in, with their tags.
fn wanted(roles: &BTreeSet<Role>) -> Vec<(i32, Table)> {
    let mut wanted = Vec::new();
    if roles.iter().any(|r| r.is_internal()) {
        wanted.push((INTERNAL, Table::Internal));
    }
    if roles.iter().any(|r| r.is_contact_role()) {
        wanted.push((CONTACT, Table::Contact));
    }
    if roles.contains(&Role::Consumer) {
        wanted.push((CONSUMER, Table::Consumer));
    }
    wanted
}

/// The stored records `subject` names in the `wanted` tables, in one statement.
async fn lookup(
    db: &impl ConnectionTrait,
    subject: &str,
    wanted: &[(i32, Table)],
) -> AccessResult<Vec<Identity>> {
    let Some(((tag, table), rest)) = wanted.split_first() else {
        return Ok(Vec::new());
    };
    let mut query = named(*tag, subject, *table);
    for (tag, table) in rest {
        query.union(UnionType::All, named(*tag, subject, *table));
    }
    let mut found: Vec<(i32, Uuid, Uuid)> = Vec::new();
    for row in db.query_all(&query).await? {
        found.push((
            row.try_get("", "tag")?,
            row.try_get("", "id")?,
            row.try_get("", "account_id")?,
        ));
    }
    found.sort_by_key(|(tag, _, _)| *tag);
    Ok(found
        .into_iter()
        .map(|(tag, id, account_id)| match tag {
            INTERNAL => Identity::InternalUser { id },
            CONTACT => Identity::Contact { id, account_id },
            _ => Identity::Consumer { id },
        })
        .collect())
}
