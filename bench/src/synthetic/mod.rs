//! A deterministic synthetic data set for benchmarks: customer and partner accounts in
//! hierarchies, contacts with stored roles, consumers in households, every relationship kind,
//! staff on teams, and cases. Rows are written with multi-row inserts inside one transaction per
//! chunk of accounts, bypassing the per-row domain functions but keeping their rules (flags match
//! relationship kinds, no self links, no duplicates, unique responsibilities held once).

mod generator;
mod history;
mod values;

use std::time::Instant;

use entity::{account, account_relationship_type, consumer, internal_user};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, TransactionTrait,
    sea_query::{Expr, ExprTrait, Query},
};

use liaison::domain::{DomainError, DomainResult};

use generator::{Batch, Generator};
use values::{Calendar, uuid};

/// Accounts generated (and committed) per transaction; fixed so a seed always gives the same data.
pub const CHUNK_ACCOUNTS: usize = 5_000;

/// The bound parameters one statement may carry (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMS: usize = 30_000;

/// Extra relationship types the generator creates next to the shipped Partner Account type.
const RESELLER_TYPE: &str = "019c0000-0000-7000-8000-000000000001";
const AFFILIATE_TYPE: &str = "019c0000-0000-7000-8000-000000000002";
const SUPPLIER_TYPE: &str = "019c0000-0000-7000-8000-000000000003";

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Number of accounts (customers and partners together).
    pub accounts: u64,
    /// PRNG seed: the same seed and size give the same rows.
    pub seed: u64,
}

/// Rows written so far, per table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Rows of accounts.
    pub accounts: u64,
    /// Rows of contacts.
    pub contacts: u64,
    /// Rows of role assignments.
    pub role_assignments: u64,
    /// Rows of internal users.
    pub internal_users: u64,
    /// Rows of consumers.
    pub consumers: u64,
    /// Rows of households.
    pub households: u64,
    /// Rows of memberships.
    pub memberships: u64,
    /// Rows of account relationships.
    pub account_relationships: u64,
    /// Rows of contact relationships.
    pub contact_relationships: u64,
    /// Rows of consumer relationships.
    pub consumer_relationships: u64,
    /// Rows of team members.
    pub team_members: u64,
    /// Rows of cases.
    pub cases: u64,
}

impl Counts {
    /// All rows together.
    pub fn total(&self) -> u64 {
        self.accounts
            + self.contacts
            + self.role_assignments
            + self.internal_users
            + self.consumers
            + self.households
            + self.memberships
            + self.relationships()
            + self.cases
    }

    /// Relationships of every kind: account, contact and consumer relationships and team members.
    pub fn relationships(&self) -> u64 {
        self.account_relationships
            + self.contact_relationships
            + self.consumer_relationships
            + self.team_members
    }
}

/// A progress report after each committed chunk.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Accounts committed so far.
    pub accounts_done: u64,
    /// Accounts asked for.
    pub accounts_total: u64,
    /// Rows committed so far, per table.
    pub counts: Counts,
    /// Time since the generation started.
    pub elapsed: std::time::Duration,
}

/// Inserts `rows` in statements of at most `MAX_PARAMS` bound parameters.
async fn insert_all<A>(db: &impl ConnectionTrait, rows: Vec<A>, columns: usize) -> DomainResult<()>
where
    A: ActiveModelTrait + Send,
{
    let per_statement = (MAX_PARAMS / columns.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(part)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn write(db: &impl ConnectionTrait, batch: Batch) -> DomainResult<()> {
    insert_all(db, batch.accounts, 8).await?;
    insert_all(db, batch.contacts, 8).await?;
    insert_all(db, batch.roles, 5).await?;
    insert_all(db, batch.consumers, 7).await?;
    insert_all(db, batch.households, 5).await?;
    insert_all(db, batch.memberships, 7).await?;
    insert_all(db, batch.account_relationships, 9).await?;
    insert_all(db, batch.contact_relationships, 9).await?;
    insert_all(db, batch.consumer_relationships, 10).await?;
    insert_all(db, batch.team_members, 12).await?;
    insert_all(db, batch.cases, 20).await?;
    Ok(())
}

async fn relationship_types(db: &impl ConnectionTrait) -> DomainResult<()> {
    let at = Calendar::new().base;
    let types = [
        (
            RESELLER_TYPE,
            "Reseller",
            "PARTNER",
            "ACCOUNT",
            "Reseller of",
            "Buys through",
            true,
            "STAMPED",
        ),
        (
            AFFILIATE_TYPE,
            "Affiliate",
            "ACCOUNT",
            "ACCOUNT",
            "Affiliate of",
            "Affiliate of",
            false,
            "DERIVED",
        ),
        (
            SUPPLIER_TYPE,
            "Supplier",
            "ACCOUNT",
            "ACCOUNT",
            "Supplier of",
            "Supplied by",
            false,
            "DERIVED",
        ),
    ];
    for (type_id, name, source, target, forward, reverse, grants, policy) in types {
        let type_id = uuid(type_id);
        if account_relationship_type::Entity::find_by_id(type_id)
            .one(db)
            .await?
            .is_some()
        {
            continue;
        }
        account_relationship_type::Model {
            id: type_id,
            name: name.into(),
            source_kind: source.into(),
            target_kind: target.into(),
            forward_label: forward.into(),
            reverse_label: reverse.into(),
            active: true,
            grants_partner_access: grants,
            partner_access_policy: policy.into(),
            created_at: at,
            updated_at: at,
        }
        .into_active_model()
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn set_sequence(db: &impl ConnectionTrait, name: &str, value: u64) -> DomainResult<()> {
    let stmt = Query::update()
        .table("sequences")
        .value("value", value as i64)
        .and_where(Expr::col("name").eq(name))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Generates the data set into an empty database (no accounts, consumers or staff yet), one
/// transaction per `CHUNK_ACCOUNTS` accounts, reporting after each.
pub async fn generate(
    db: &DatabaseConnection,
    options: Options,
    mut progress: impl FnMut(&Progress),
) -> DomainResult<Counts> {
    if options.accounts < 2 {
        return Err(DomainError::invalid("accounts", "must be at least 2"));
    }
    let occupied = account::Entity::find().count(db).await?
        + consumer::Entity::find().count(db).await?
        + internal_user::Entity::find().count(db).await?;
    if occupied > 0 {
        return Err(DomainError::conflict(
            None,
            "the database already holds accounts, consumers or staff; seed synthetic data into an empty database",
        ));
    }
    let started = Instant::now();
    let suspended = history::suspend(db).await?;
    let written = write_chunks(db, options, started, &mut progress).await;
    history::resume(db, suspended).await?;
    let counts = written?;
    // Fresh planner statistics: without them PostgreSQL misjudges the recursive hierarchy walk
    // (a merge join over the whole parent index instead of index lookups).
    let statistics = if liaison::db::is_sqlite(db) {
        "ANALYZE"
    } else {
        "VACUUM ANALYZE"
    };
    db.execute_unprepared(statistics).await?;
    Ok(counts)
}

/// Writes the staff and then the accounts chunk by chunk, one transaction each.
async fn write_chunks(
    db: &DatabaseConnection,
    options: Options,
    started: Instant,
    progress: &mut impl FnMut(&Progress),
) -> DomainResult<Counts> {
    let mut generator = Generator::new(options.seed);
    let txn = db.begin().await?;
    relationship_types(&txn).await?;
    let (users, batch) = generator.staff(options.accounts);
    insert_all(&txn, users, 6).await?;
    insert_all(&txn, batch.roles, 5).await?;
    txn.commit().await?;
    let mut done = 0u64;
    while done < options.accounts {
        // A chunk holds at least two accounts (a partner and a customer): a remainder of one
        // joins the chunk before it.
        let remaining = options.accounts - done;
        let size = if remaining <= CHUNK_ACCOUNTS as u64 + 1 {
            remaining as usize
        } else {
            CHUNK_ACCOUNTS
        };
        let batch = generator.chunk(done, size);
        let txn = db.begin().await?;
        write(&txn, batch).await?;
        txn.commit().await?;
        done += size as u64;
        progress(&Progress {
            accounts_done: done,
            accounts_total: options.accounts,
            counts: generator.counts,
            elapsed: started.elapsed(),
        });
    }
    let txn = db.begin().await?;
    set_sequence(&txn, "account", generator.counts.accounts).await?;
    set_sequence(&txn, "case", generator.counts.cases).await?;
    txn.commit().await?;
    Ok(generator.counts)
}
