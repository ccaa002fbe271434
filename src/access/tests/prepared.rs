//! The statements built once per principal shape decide as the statements built afresh did: every
//! row of every family table goes through [`Graph::assert_prepared`], and the cached text is the
//! same for principals of one shape and free of anything that would stop a caller from wrapping it.

use entity::case;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, Value};
use uuid::Uuid;

use super::{Graph, Row, contact_as, principal};
use crate::access::{
    check::{Action, check, check_statement, check_statement_uncached, scope},
    explain::{flags_statement, flags_statement_uncached},
    principal::{Identity, Principal, Role},
};

const ACTIONS: [Action; 4] = [Action::Read, Action::Comment, Action::Update, Action::Close];

impl Graph {
    /// For one row: on both backends and for every action, the cached check and explain
    /// statements equal the ones built afresh for this principal, and on this database the cached
    /// check decides as the whole-row lookup through the scope did before statements were cached.
    pub(super) async fn assert_prepared(&self, row: &Row) {
        let label = row.label;
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for action in ACTIONS {
                let cached = check_statement(&row.who, action, row.case, self.today, backend);
                let fresh =
                    check_statement_uncached(&row.who, action, row.case, self.today, backend);
                assert_eq!(cached, fresh, "{label}: {action:?} check on {backend:?}");
            }
            let cached = flags_statement(&row.who, row.case, self.today, backend);
            let fresh = flags_statement_uncached(&row.who, row.case, self.today, backend);
            assert_eq!(cached, fresh, "{label}: explain flags on {backend:?}");
        }
        let backend = self.db.get_database_backend();
        for action in ACTIONS {
            let before = scope(&row.who, action, self.today, backend)
                .apply(case::Entity::find().filter(case::Column::Id.eq(row.case)))
                .one(&self.db)
                .await
                .expect("whole-row check")
                .is_some();
            let now = check(&self.db, &row.who, action, row.case, self.today)
                .await
                .expect("check");
            assert_eq!(now, before, "{label}: {action:?} decision");
        }
    }
}

/// The values of a statement.
fn values(statement: &sea_orm::Statement) -> Vec<Value> {
    statement.values.clone().map(|v| v.0).unwrap_or_default()
}

#[test]
fn one_shape_shares_one_text_and_binds_its_own_values() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).expect("a date");
    let roles = [Role::Customer, Role::CustomerCaseManager, Role::Partner];
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let first = contact_as(a, Uuid::now_v7(), &roles);
    let second = contact_as(b, Uuid::now_v7(), &roles);
    for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
        let (case_a, case_b) = (Uuid::now_v7(), Uuid::now_v7());
        let one = check_statement(&first, Action::Read, case_a, today, backend);
        let two = check_statement(&second, Action::Read, case_b, today, backend);
        assert_eq!(one.sql, two.sql);
        assert!(values(&one).contains(&Value::from(a)));
        assert!(values(&two).contains(&Value::from(b)));
        assert!(!values(&two).contains(&Value::from(a)));
        assert!(values(&two).contains(&Value::from(case_b)));
        assert!(values(&two).contains(&Value::from(today)));
    }
}

#[test]
fn the_check_text_is_one_plain_select_a_caller_can_wrap() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).expect("a date");
    let everyone: Vec<Principal> = vec![
        contact_as(
            Uuid::now_v7(),
            Uuid::now_v7(),
            &[Role::Partner, Role::CustomerCaseManager, Role::Customer],
        ),
        principal(Identity::Consumer { id: Uuid::now_v7() }, &[Role::Consumer]),
        principal(
            Identity::InternalUser { id: Uuid::now_v7() },
            &[Role::RelationshipAgent],
        ),
    ];
    for who in &everyone {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = check_statement(who, Action::Read, Uuid::now_v7(), today, backend).sql;
            assert!(sql.starts_with("SELECT 1 FROM \"cases\""), "{sql}");
            assert!(!sql.contains("\"public\"."), "{sql}");
            assert!(
                !sql.contains(" IN ($") && !sql.contains(" IN (?"),
                "no value lists: {sql}"
            );
        }
    }
}
