//! What the workloads send: tokens of an admin and of portal users, and cases and principals
//! drawn from the seeded data, turned into GraphQL requests.

use std::collections::HashMap;

use entity::{case, role_assignment};
use liaison::{
    access::principal::{Identity, Role},
    auth,
    config::{JwtAlgorithm, JwtConfig},
    domain::sequences,
    graphql::ids::{self, Kind},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::Workload;
use crate::prng::SplitMix64;

const NESTED: &str = "query Nested($first: Int!) { accounts(first: $first) { nodes { name relationships { nodes { label otherAccount { name ... on Account { relationships { nodes { label } } } } } } } } }";
/// The portal workload: a partner admin's first page of cases with their organisations.
pub(crate) const PORTAL: &str = "query Portal($first: Int!) { viewer { cases(first: $first) { nodes { number account { name } contact { name } partner { name } } } } }";
const EXPLAIN: &str = "query Explain($caseId: ID!, $principalId: ID) { node(id: $caseId) { ... on Case { accessExplanation(principalId: $principalId) { allowed grants { rule } } } } }";

/// What the request generator needs: tokens and ids drawn from the data.
pub(super) struct Fixtures {
    pub(super) page_size: u32,
    pub(super) admin_token: String,
    pub(super) portal_tokens: Vec<String>,
    pub(super) cases: Vec<Uuid>,
    pub(super) principals: Vec<Identity>,
}

/// The development-mode JWT settings shared by the in-process server and the minted tokens.
pub(crate) fn jwt() -> JwtConfig {
    JwtConfig {
        algorithm: JwtAlgorithm::Hs256,
        secret: None,
        public_keys: None,
        issuer: None,
        audience: None,
        leeway_seconds: 30,
        max_token_bytes: JwtConfig::DEFAULT_MAX_TOKEN_BYTES,
    }
}

fn token(subject: &str, role: Role) -> Result<String, String> {
    auth::mint(
        &jwt(),
        None,
        None,
        subject,
        &[role.as_str().to_owned()],
        24 * 3600,
    )
    .map_err(|e| e.to_string())
}

/// The first internal user holding the admin role in the seeded data: (id, token subject).
pub(crate) async fn admin(db: &DatabaseConnection) -> Result<(Uuid, String), String> {
    let err = |e: sea_orm::DbErr| e.to_string();
    let admin = role_assignment::Entity::find()
        .filter(role_assignment::Column::Role.eq(Role::Admin.as_str()))
        .filter(role_assignment::Column::InternalUserId.is_not_null())
        .one(db)
        .await
        .map_err(err)?
        .and_then(|r| r.internal_user_id)
        .ok_or("no internal user holds the admin role: seed the database first")?;
    let subject = entity::internal_user::Entity::find_by_id(admin)
        .one(db)
        .await
        .map_err(err)?
        .and_then(|u| u.subject)
        .ok_or("the admin has no subject")?;
    Ok((admin, subject))
}

/// The token subject of one partner admin contact in the seeded data, if there is one.
pub(crate) async fn partner_admin(db: &DatabaseConnection) -> Result<Option<String>, String> {
    let err = |e: sea_orm::DbErr| e.to_string();
    let contacts: Vec<Uuid> = role_assignment::Entity::find()
        .select_only()
        .column(role_assignment::Column::ContactId)
        .filter(role_assignment::Column::Role.eq(Role::PartnerAdmin.as_str()))
        .filter(role_assignment::Column::ContactId.is_not_null())
        .limit(20)
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await
        .map_err(err)?
        .into_iter()
        .flatten()
        .collect();
    Ok(entity::contact::Entity::find()
        .filter(entity::contact::Column::Id.is_in(contacts))
        .all(db)
        .await
        .map_err(err)?
        .into_iter()
        .find_map(|c| c.subject))
}

/// Draws the fixtures from the seeded data: an admin, up to 200 partner admins, 500 case numbers.
pub(super) async fn load(
    db: &DatabaseConnection,
    rng: &mut SplitMix64,
) -> Result<Fixtures, String> {
    let err = |e: sea_orm::DbErr| e.to_string();
    let (admin, admin_subject) = admin(db).await?;
    let partner_admins: Vec<Uuid> = role_assignment::Entity::find()
        .select_only()
        .column(role_assignment::Column::ContactId)
        .filter(role_assignment::Column::Role.eq(Role::PartnerAdmin.as_str()))
        .filter(role_assignment::Column::ContactId.is_not_null())
        .limit(200)
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await
        .map_err(err)?
        .into_iter()
        .flatten()
        .collect();
    let subjects: Vec<String> = entity::contact::Entity::find()
        .filter(entity::contact::Column::Id.is_in(partner_admins))
        .all(db)
        .await
        .map_err(err)?
        .into_iter()
        .filter_map(|c| c.subject)
        .collect();
    let portal_tokens = subjects
        .iter()
        .map(|s| token(s, Role::PartnerAdmin))
        .collect::<Result<Vec<_>, _>>()?;
    // Random cases by number: CS0000001 up to the `case` sequence.
    let top: i64 = sea_orm::ConnectionTrait::query_one(
        db,
        &sea_orm::sea_query::Query::select()
            .column("value")
            .from("sequences")
            .and_where(sea_orm::sea_query::ExprTrait::eq(
                sea_orm::sea_query::Expr::col("name"),
                "case",
            ))
            .to_owned(),
    )
    .await
    .map_err(err)?
    .map(|row| row.try_get::<i64>("", "value"))
    .transpose()
    .map_err(err)?
    .unwrap_or(0);
    let numbers: Vec<String> = (0..500)
        .map(|_| sequences::format("CS", 1 + rng.below(top.max(1) as usize) as i64))
        .collect();
    let sampled = case::Entity::find()
        .filter(case::Column::Number.is_in(numbers))
        .all(db)
        .await
        .map_err(err)?;
    if sampled.is_empty() {
        return Err("no cases found: seed the database first (liaison-bench seed)".into());
    }
    let mut principals = vec![Identity::InternalUser { id: admin }];
    let mut contacts: HashMap<Uuid, ()> = HashMap::new();
    for c in &sampled {
        for id in [c.contact_id, c.partner_contact_id].into_iter().flatten() {
            contacts.insert(id, ());
        }
        if let Some(id) = c.consumer_id {
            principals.push(Identity::Consumer { id });
        }
    }
    let found = entity::contact::Entity::find()
        .filter(entity::contact::Column::Id.is_in(contacts.keys().copied()))
        .all(db)
        .await
        .map_err(err)?;
    principals.extend(found.into_iter().map(|c| Identity::Contact {
        id: c.id,
        account_id: c.account_id,
    }));
    Ok(Fixtures {
        page_size: 20,
        admin_token: token(&admin_subject, Role::Admin)?,
        portal_tokens,
        cases: sampled.into_iter().map(|c| c.id).collect(),
        principals,
    })
}

fn principal_id(identity: &Identity) -> Option<async_graphql::ID> {
    match *identity {
        Identity::Contact { id, .. } => Some(ids::encode(Kind::Contact, id)),
        Identity::Consumer { id } => Some(ids::encode(Kind::Consumer, id)),
        Identity::InternalUser { id } => Some(ids::encode(Kind::InternalUser, id)),
        _ => None,
    }
}

/// One request of `workload`: (token, JSON body).
pub(super) fn request(
    workload: Workload,
    fixtures: &Fixtures,
    rng: &mut SplitMix64,
) -> (String, String) {
    match workload {
        Workload::Nested => (
            fixtures.admin_token.clone(),
            serde_json::json!({ "query": NESTED, "variables": { "first": fixtures.page_size } })
                .to_string(),
        ),
        Workload::Portal => (
            rng.pick(&fixtures.portal_tokens).clone(),
            serde_json::json!({ "query": PORTAL, "variables": { "first": fixtures.page_size } })
                .to_string(),
        ),
        Workload::Explain | Workload::Check | Workload::CheckAt => {
            let case_id = ids::encode(Kind::Case, *rng.pick(&fixtures.cases));
            let principal = principal_id(rng.pick(&fixtures.principals));
            (
                fixtures.admin_token.clone(),
                serde_json::json!({ "query": EXPLAIN,
                    "variables": { "caseId": case_id, "principalId": principal } })
                .to_string(),
            )
        }
    }
}
