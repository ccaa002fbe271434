//! The access questions' SQL, built once per principal shape and reused: the rules in `rules/`
//! are rendered with stand-in ids and date, each bound value is recorded as the slot it came
//! from (the case, the contact, today, ...), and every later question of the same shape only fills
//! the slots with its own values. The statement text is therefore constant per shape, so the
//! driver's per-connection prepared-statement cache answers it without parsing or planning again.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, LazyLock, RwLock},
};

use chrono::NaiveDate;
use sea_orm::{DbBackend, Statement, Value, sea_query::SelectStatement};
use uuid::Uuid;

use super::principal::{Identity, Principal, Role};

/// Which question a statement answers; part of the cache key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Question {
    /// `check` for one action.
    Check(super::check::Action),
    /// The per-rule flags of `explain`.
    Explain,
}

/// Where one bound value of a statement comes from.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Case,
    Contact,
    ContactAccount,
    Consumer,
    InternalUser,
    Today,
    /// A value the rules write themselves (a flag, a kind, a policy).
    Fixed(Value),
}

/// A statement's text and the slots its values are read from, in order.
#[derive(Debug)]
struct Template {
    sql: String,
    slots: Vec<Slot>,
}

/// What the statement text depends on: the question, the backend, the roles and which kinds of
/// identity the principal has.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Shape {
    question: Question,
    postgres: bool,
    roles: u16,
    contact: bool,
    consumer: bool,
    internal_user: bool,
}

/// The values a principal and a case put in the slots.
#[derive(Clone, Copy)]
struct Filling {
    case: Uuid,
    contact: Option<(Uuid, Uuid)>,
    consumer: Option<Uuid>,
    internal_user: Option<Uuid>,
    today: NaiveDate,
}

const STAND_IN_CASE: Uuid = Uuid::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0001);
const STAND_IN_CONTACT: Uuid = Uuid::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0002);
const STAND_IN_ACCOUNT: Uuid = Uuid::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0003);
const STAND_IN_CONSUMER: Uuid = Uuid::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0004);
const STAND_IN_USER: Uuid = Uuid::from_u128(0x5eed_0000_0000_0000_0000_0000_0000_0005);

/// The stand-in day the templates are rendered with (no rule writes this date itself).
fn stand_in_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(1901, 2, 3).expect("valid date")
}

static TEMPLATES: LazyLock<RwLock<HashMap<Shape, Arc<Template>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

impl Shape {
    fn of(question: Question, principal: &Principal, backend: DbBackend) -> Self {
        Self {
            question,
            postgres: backend == DbBackend::Postgres,
            roles: principal
                .roles
                .iter()
                .fold(0, |bits, r| bits | 1 << *r as u16),
            contact: principal.contact().is_some(),
            consumer: principal.consumer().is_some(),
            internal_user: principal.internal_user().is_some(),
        }
    }

    /// A principal of this shape whose ids are the stand-ins.
    fn stand_in(&self) -> Principal {
        let mut identities = Vec::new();
        if self.internal_user {
            identities.push(Identity::InternalUser { id: STAND_IN_USER });
        }
        if self.contact {
            identities.push(Identity::Contact {
                id: STAND_IN_CONTACT,
                account_id: STAND_IN_ACCOUNT,
            });
        }
        if self.consumer {
            identities.push(Identity::Consumer {
                id: STAND_IN_CONSUMER,
            });
        }
        let roles: BTreeSet<Role> = Role::ALL
            .into_iter()
            .filter(|r| self.roles & (1 << *r as u16) != 0)
            .collect();
        Principal::new(Some("stand-in".into()), roles, identities)
    }
}

impl Filling {
    fn of(principal: &Principal, case: Uuid, today: NaiveDate) -> Self {
        Self {
            case,
            contact: principal.contact(),
            consumer: principal.consumer(),
            internal_user: principal.internal_user(),
            today,
        }
    }

    /// The value `slot` takes (a slot of an identity this filling lacks cannot occur: the shape
    /// has the same identities).
    fn value(&self, slot: &Slot) -> Value {
        let uuid = |id: Option<Uuid>| Value::from(id.unwrap_or_default());
        match slot {
            Slot::Case => self.case.into(),
            Slot::Contact => uuid(self.contact.map(|(me, _)| me)),
            Slot::ContactAccount => uuid(self.contact.map(|(_, own)| own)),
            Slot::Consumer => uuid(self.consumer),
            Slot::InternalUser => uuid(self.internal_user),
            Slot::Today => self.today.into(),
            Slot::Fixed(value) => value.clone(),
        }
    }
}

/// Renders `select` and names each bound value by the stand-in it equals.
fn template(backend: DbBackend, select: &SelectStatement) -> Template {
    let built = backend.build(select);
    let stand_ins = [
        (Value::from(STAND_IN_CASE), Slot::Case),
        (Value::from(STAND_IN_CONTACT), Slot::Contact),
        (Value::from(STAND_IN_ACCOUNT), Slot::ContactAccount),
        (Value::from(STAND_IN_CONSUMER), Slot::Consumer),
        (Value::from(STAND_IN_USER), Slot::InternalUser),
        (Value::from(stand_in_today()), Slot::Today),
    ];
    let slots = built
        .values
        .map(|values| values.0)
        .unwrap_or_default()
        .into_iter()
        .map(|value| {
            stand_ins
                .iter()
                .find(|(stand_in, _)| *stand_in == value)
                .map(|(_, slot)| slot.clone())
                .unwrap_or(Slot::Fixed(value))
        })
        .collect();
    Template {
        sql: built.sql,
        slots,
    }
}

/// The statement answering `question` for `principal` on case `case` and `today`: the shape's
/// template (rendered by `render` for a stand-in principal, case and day the first time) filled
/// with this principal's values.
pub fn statement(
    question: Question,
    backend: DbBackend,
    principal: &Principal,
    case: Uuid,
    today: NaiveDate,
    render: impl FnOnce(&Principal, Uuid, NaiveDate) -> SelectStatement,
) -> Statement {
    let shape = Shape::of(question, principal, backend);
    let cached = TEMPLATES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&shape)
        .cloned();
    let template = match cached {
        Some(template) => template,
        None => {
            let select = render(&shape.stand_in(), STAND_IN_CASE, stand_in_today());
            let fresh = Arc::new(template(backend, &select));
            TEMPLATES
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(shape)
                .or_insert(fresh)
                .clone()
        }
    };
    let filling = Filling::of(principal, case, today);
    let values: Vec<Value> = template.slots.iter().map(|s| filling.value(s)).collect();
    Statement::from_sql_and_values(backend, template.sql.clone(), values)
}
