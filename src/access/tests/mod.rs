//! Engine-level tests, no HTTP: for each rule family one table of (principal, case, granting
//! rules) rows on a small graph in a real SQLite database, each row asserted through check, list
//! and explain.

mod consumer;
mod contact;
mod decisions;
mod partner;
mod prepared;
mod staff;

use std::{
    collections::BTreeSet,
    sync::atomic::{AtomicU32, Ordering},
};

use chrono::{Duration, NaiveDate, Utc};
use entity::case;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter, Value,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{
    check::{Action, check},
    explain::explain,
    list::list_scope,
    period::Period,
    principal::{Identity, Principal, Role},
    rules::Rule,
};

/// A small graph in its own SQLite file, built row by row below the domain rules.
pub(super) struct Graph {
    pub db: DatabaseConnection,
    pub today: NaiveDate,
    duty: Uuid,
    file: std::path::PathBuf,
    rows: AtomicU32,
}

impl Drop for Graph {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.file.display()));
        }
    }
}

/// Whose team a team member is on.
pub(super) enum Team {
    Account(Uuid),
    Consumer(Uuid),
    Household(Uuid),
}

/// One party of a test case.
#[derive(Clone, Copy)]
pub(super) enum Party {
    Account(Uuid),
    Contact(Uuid),
    Consumer(Uuid),
    Household(Uuid),
    Partner(Uuid),
    PartnerContact(Uuid),
    OpenedBy(Uuid),
}

impl Graph {
    /// A freshly migrated database; "today" is a fixed day so periods read the same every run.
    pub async fn new() -> Self {
        let file = std::env::temp_dir().join(format!("liaison-access-{}.db", Uuid::now_v7()));
        let db = Database::connect(format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .expect("open the test database");
        Migrator::up(&db, None).await.expect("migrate");
        let mut graph = Self {
            db,
            today: NaiveDate::from_ymd_opt(2026, 6, 15).expect("a date"),
            duty: Uuid::nil(),
            file,
            rows: AtomicU32::new(0),
        };
        let columns = ["name", "kind", "is_unique"];
        let values = vec!["Engine test duty".into(), "NONE".into(), false.into()];
        graph.duty = graph
            .insert("responsibility_definitions", &columns, values)
            .await;
        graph
    }

    /// A period that ended ten days ago.
    pub fn lapsed(&self) -> Period {
        Period::new(None, Some(self.today - Duration::days(10)))
    }

    /// A period in force today.
    pub fn current(&self) -> Period {
        Period::new(Some(self.today - Duration::days(30)), None)
    }

    /// A unique name or number.
    fn unique(&self, prefix: &str) -> Value {
        let n = self.rows.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}{n:07}").into()
    }

    /// Inserts a row into `table` with a new id, the timestamps and `values` for `columns`.
    async fn insert(&self, table: &str, columns: &[&str], values: Vec<Value>) -> Uuid {
        let id = Uuid::now_v7();
        let now = Utc::now();
        let columns = ["id", "created_at", "updated_at"].iter().chain(columns);
        let values = [id.into(), now.into(), now.into()]
            .into_iter()
            .chain(values);
        let statement = Query::insert()
            .into_table(Alias::new(table))
            .columns(columns.map(|c| Alias::new(*c)))
            .values_panic(values.map(Expr::val))
            .to_owned();
        self.db
            .execute(&statement)
            .await
            .unwrap_or_else(|err| panic!("insert into {table}: {err}"));
        id
    }

    /// Inserts a relationship row valid for `period` (and carrying the test responsibility when
    /// its table has one).
    async fn relationship(&self, table: &str, parties: &[&str], ids: Vec<Value>, period: Period) {
        let mut columns = parties.to_vec();
        let mut values = ids;
        columns.extend(["valid_from", "valid_to"]);
        values.extend([period.from.into(), period.to.into()]);
        if table != "account_relationships" {
            columns.push("responsibility_id");
            values.push(self.duty.into());
        }
        self.insert(table, &columns, values).await;
    }

    /// Sets `column` of the row `id` of `table` to `value` (flags, subjects).
    pub async fn set(&self, table: &str, id: Uuid, column: &str, value: impl Into<Value>) {
        let statement = Query::update()
            .table(Alias::new(table))
            .value(Alias::new(column), Expr::val(value.into()))
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        self.db.execute(&statement).await.expect("update a row");
    }

    /// Removes every stored role of the internal user `user`.
    pub async fn revoke_roles(&self, user: Uuid) {
        let statement = Query::delete()
            .from_table(Alias::new("role_assignments"))
            .and_where(Expr::col(Alias::new("internal_user_id")).eq(user))
            .to_owned();
        self.db.execute(&statement).await.expect("revoke roles");
    }

    /// A USER responsibility requiring `role`, for team members whose precondition is a stored role.
    pub async fn duty_requiring(&self, role: Role) -> Uuid {
        let columns = ["name", "kind", "is_unique", "required_role"];
        let values = vec![
            self.unique("Duty "),
            "USER".into(),
            false.into(),
            role.as_str().into(),
        ];
        self.insert("responsibility_definitions", &columns, values)
            .await
    }

    /// Stores `role` for the internal user `user`.
    pub async fn assign_role(&self, user: Uuid, role: Role) {
        let statement = Query::insert()
            .into_table(Alias::new("role_assignments"))
            .columns(["id", "internal_user_id", "role", "created_at"].map(Alias::new))
            .values_panic(
                [
                    Uuid::now_v7().into(),
                    user.into(),
                    role.as_str().into(),
                    Utc::now().into(),
                ]
                .map(|v: Value| Expr::val(v)),
            )
            .to_owned();
        self.db.execute(&statement).await.expect("assign a role");
    }

    /// `user` on the account team of `account`, in force, carrying `duty`.
    pub async fn team_member_with(&self, user: Uuid, account: Uuid, duty: Uuid) {
        let columns = ["user_id", "target_kind", "account_id", "responsibility_id"];
        let values = vec![user.into(), "ACCOUNT".into(), account.into(), duty.into()];
        self.insert("team_members", &columns, values).await;
    }

    /// An account below `parent`, flagged partner or customer.
    pub async fn account(&self, parent: Option<Uuid>, is_partner: bool) -> Uuid {
        let columns = ["number", "name", "is_customer", "is_partner", "parent_id"];
        let (number, name) = (self.unique("AC"), self.unique("Account "));
        let values = vec![
            number,
            name,
            (!is_partner).into(),
            is_partner.into(),
            parent.into(),
        ];
        self.insert("accounts", &columns, values).await
    }

    /// A contact of `account`.
    pub async fn contact(&self, account: Uuid) -> Uuid {
        let values = vec![account.into(), self.unique("Contact ")];
        self.insert("contacts", &["account_id", "name"], values)
            .await
    }

    /// An internal user.
    pub async fn internal_user(&self) -> Uuid {
        let values = vec![self.unique("User ")];
        self.insert("internal_users", &["name"], values).await
    }

    /// A consumer.
    pub async fn consumer(&self) -> Uuid {
        let values = vec![self.unique("Consumer ")];
        self.insert("consumers", &["name"], values).await
    }

    /// A household headed by `head`.
    pub async fn household(&self, head: Option<Uuid>) -> Uuid {
        let values = vec![self.unique("Household "), head.into()];
        self.insert("households", &["name", "head_id"], values)
            .await
    }

    /// A membership of `consumer` in `household` for `period`.
    pub async fn membership(&self, household: Uuid, consumer: Uuid, period: Period) {
        let columns = ["household_id", "consumer_id", "start_date", "end_date"];
        let values = vec![
            household.into(),
            consumer.into(),
            period.from.into(),
            period.to.into(),
        ];
        self.insert("household_memberships", &columns, values).await;
    }

    /// A PARTNER to ACCOUNT relationship type, granting partner access or not, with `policy`.
    pub async fn relationship_type(&self, grants_partner_access: bool, policy: &str) -> Uuid {
        let sides = [
            "source_kind",
            "target_kind",
            "forward_label",
            "reverse_label",
        ];
        let flags = ["active", "grants_partner_access", "partner_access_policy"];
        let columns: Vec<&str> = ["name"].into_iter().chain(sides).chain(flags).collect();
        let mut values = vec![self.unique("Type ")];
        values.extend(["PARTNER", "ACCOUNT", "Partner of", "Customer of"].map(Value::from));
        values.extend([true.into(), grants_partner_access.into(), policy.into()]);
        self.insert("account_relationship_types", &columns, values)
            .await
    }

    /// An account relationship of `kind` from `from` to `to` for `period`.
    pub async fn account_relationship(&self, kind: Uuid, from: Uuid, to: Uuid, period: Period) {
        let ids = vec![kind.into(), from.into(), to.into()];
        self.relationship(
            "account_relationships",
            &["type_id", "from_id", "to_id"],
            ids,
            period,
        )
        .await;
    }

    /// A contact relationship of `contact` on `account` for `period`.
    pub async fn contact_relationship(&self, contact: Uuid, account: Uuid, period: Period) {
        let ids = vec![contact.into(), account.into()];
        self.relationship(
            "contact_relationships",
            &["contact_id", "account_id"],
            ids,
            period,
        )
        .await;
    }

    /// `representative` acting for `represented` (within `household` when given) for `period`.
    pub async fn consumer_relationship(
        &self,
        representative: Uuid,
        represented: Uuid,
        household: Option<Uuid>,
        period: Period,
    ) {
        let parties = ["consumer_id", "related_consumer_id", "household_id"];
        let ids = vec![representative.into(), represented.into(), household.into()];
        self.relationship("consumer_relationships", &parties, ids, period)
            .await;
    }

    /// `user` on the team of `team` for `period`.
    pub async fn team_member(&self, user: Uuid, team: Team, period: Period) {
        let (kind, column, target) = match team {
            Team::Account(id) => ("ACCOUNT", "account_id", id),
            Team::Consumer(id) => ("CONSUMER", "consumer_id", id),
            Team::Household(id) => ("HOUSEHOLD", "household_id", id),
        };
        let ids = vec![user.into(), kind.into(), target.into()];
        self.relationship(
            "team_members",
            &["user_id", "target_kind", column],
            ids,
            period,
        )
        .await;
    }

    /// A case with `parties`.
    pub async fn case(&self, parties: &[Party]) -> Uuid {
        let mut columns = vec!["number", "short_description", "state", "priority"];
        let mut values = vec![
            self.unique("CS"),
            "engine test".into(),
            "NEW".into(),
            4.into(),
        ];
        for party in parties {
            let (column, id) = match *party {
                Party::Account(id) => ("account_id", id),
                Party::Contact(id) => ("contact_id", id),
                Party::Consumer(id) => ("consumer_id", id),
                Party::Household(id) => ("household_id", id),
                Party::Partner(id) => ("partner_id", id),
                Party::PartnerContact(id) => ("partner_contact_id", id),
                Party::OpenedBy(id) => ("opened_by_id", id),
            };
            columns.push(column);
            values.push(id.into());
        }
        self.insert("cases", &columns, values).await
    }

    /// Asserts every row: the check, the list and the explanation agree with the expected rules.
    pub async fn assert_rows(&self, rows: &[Row]) {
        for row in rows {
            self.assert_prepared(row).await;
            let label = row.label;
            let allowed = !row.grants.is_empty();
            let checked = check(&self.db, &row.who, Action::Read, row.case, self.today)
                .await
                .expect("check");
            assert_eq!(checked, allowed, "{label}: check");
            let listed = list_scope(
                &row.who,
                Action::Read,
                self.today,
                self.db.get_database_backend(),
            )
            .apply(case::Entity::find().filter(case::Column::Id.eq(row.case)))
            .one(&self.db)
            .await
            .expect("list")
            .is_some();
            assert_eq!(listed, allowed, "{label}: list");
            let explanation = explain(&self.db, &row.who, row.case, self.today)
                .await
                .expect("explain");
            assert_eq!(explanation.allowed, allowed, "{label}: explanation");
            let granted: BTreeSet<Rule> = explanation.grants.iter().map(|g| g.rule).collect();
            assert_eq!(granted, row.grants, "{label}: granting rules");
            for grant in &explanation.grants {
                assert!(
                    !grant.steps.is_empty(),
                    "{label}: {:?} grants without a path",
                    grant.rule
                );
            }
            for denial in &explanation.denials {
                assert!(
                    !denial.reason.is_empty(),
                    "{label}: {:?} denies without a reason",
                    denial.rule
                );
                assert_eq!(
                    !denial.lapsed.is_empty(),
                    row.lapsed.contains(&denial.rule),
                    "{label}: lapsed steps of {:?}",
                    denial.rule
                );
            }
        }
    }
}

/// One expectation: the rules that let `who` read `case` (none: denied), and the denying rules
/// whose explanation shows a relationship or membership outside its dates.
pub(super) struct Row {
    pub label: &'static str,
    pub who: Principal,
    pub case: Uuid,
    pub grants: BTreeSet<Rule>,
    pub lapsed: BTreeSet<Rule>,
}

/// A row expecting exactly `grants` (empty: denied).
pub(super) fn row(label: &'static str, who: &Principal, case: Uuid, grants: &[Rule]) -> Row {
    Row {
        label,
        who: who.clone(),
        case,
        grants: grants.iter().copied().collect(),
        lapsed: BTreeSet::new(),
    }
}

impl Row {
    /// The same row, expecting lapsed steps in the denials of `rules`.
    pub fn lapsed(mut self, rules: &[Rule]) -> Self {
        self.lapsed = rules.iter().copied().collect();
        self
    }
}

/// A principal with `roles` acting as `identity`.
pub(super) fn principal(identity: Identity, roles: &[Role]) -> Principal {
    Principal::new(None, roles.iter().copied().collect(), vec![identity])
}

/// A contact of `account` holding `roles`.
pub(super) fn contact_as(id: Uuid, account: Uuid, roles: &[Role]) -> Principal {
    principal(
        Identity::Contact {
            id,
            account_id: account,
        },
        roles,
    )
}
