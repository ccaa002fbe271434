//! Cases: opening, changing, commenting, resolving and closing, always through the access engine.

use std::collections::HashMap;

use entity::{
    account, case, case_comment as comment, consumer, contact, household,
    household_membership as membership,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{Ctx, DomainError, DomainResult, audit, rows, sequences};
use crate::access::{
    self, Action, Permission, Prospect, list::list_scope, period, principal::Identity,
};
use crate::pagination::{self as page, Page, PageArgs, Pageable, Sort, SortValue, Wants};

/// The life-cycle states of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseState {
    New,
    InProgress,
    AwaitingInfo,
    Resolved,
    Closed,
    Canceled,
}

impl CaseState {
    /// Every state.
    pub const ALL: [CaseState; 6] = [
        CaseState::New,
        CaseState::InProgress,
        CaseState::AwaitingInfo,
        CaseState::Resolved,
        CaseState::Closed,
        CaseState::Canceled,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::New => "NEW",
            CaseState::InProgress => "IN_PROGRESS",
            CaseState::AwaitingInfo => "AWAITING_INFO",
            CaseState::Resolved => "RESOLVED",
            CaseState::Closed => "CLOSED",
            CaseState::Canceled => "CANCELED",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Self {
        CaseState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or(CaseState::New)
    }

    /// Whether work on the case is still going on.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::New | CaseState::InProgress | CaseState::AwaitingInfo
        )
    }

    /// The states a case may move to from this one.
    pub fn can_move_to(self, next: CaseState) -> bool {
        use CaseState::*;
        match self {
            New | InProgress | AwaitingInfo => {
                matches!(next, InProgress | AwaitingInfo | Resolved | Canceled) && next != self
            }
            Resolved => matches!(next, Closed | InProgress),
            Closed | Canceled => false,
        }
    }
}

impl Pageable for case::Entity {
    fn id_column() -> case::Column {
        case::Column::Id
    }
    fn id_of(model: &case::Model) -> Uuid {
        model.id
    }
    fn sort_value(model: &case::Model, column: case::Column) -> SortValue {
        match column {
            case::Column::Priority => SortValue::Int(i64::from(model.priority)),
            case::Column::UpdatedAt => SortValue::Time(model.updated_at),
            _ => SortValue::Text(model.number.clone()),
        }
    }
}

page::pageable!(comment);

/// The orderings case lists offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseOrder {
    Number,
    Priority,
    UpdatedAt,
    CreatedAt,
}

impl CaseOrder {
    /// The keyset sort for this ordering.
    pub fn sort(self, descending: bool) -> Sort<case::Column> {
        let (name, column) = match self {
            CaseOrder::Number => ("NUMBER", Some(case::Column::Number)),
            CaseOrder::Priority => ("PRIORITY", Some(case::Column::Priority)),
            CaseOrder::UpdatedAt => ("UPDATED_AT", Some(case::Column::UpdatedAt)),
            CaseOrder::CreatedAt => ("CREATED_AT", None),
        };
        Sort {
            name,
            column,
            descending,
        }
    }
}

/// Which cases a list shows; all given conditions must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CaseFilter {
    pub states: Vec<CaseState>,
    pub priority: Option<i32>,
    pub account_id: Option<Uuid>,
    pub consumer_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    /// Number, short description or description contains this text.
    pub text: Option<String>,
}

impl CaseFilter {
    fn apply(&self, mut select: sea_orm::Select<case::Entity>) -> sea_orm::Select<case::Entity> {
        if !self.states.is_empty() {
            select =
                select.filter(case::Column::State.is_in(self.states.iter().map(|s| s.as_str())));
        }
        if let Some(priority) = self.priority {
            select = select.filter(case::Column::Priority.eq(priority));
        }
        if let Some(id) = self.account_id {
            select = select.filter(case::Column::AccountId.eq(id));
        }
        if let Some(id) = self.consumer_id {
            select = select.filter(case::Column::ConsumerId.eq(id));
        }
        if let Some(id) = self.household_id {
            select = select.filter(case::Column::HouseholdId.eq(id));
        }
        if let Some(text) = &self.text {
            select = select.filter(
                Condition::any()
                    .add(case::Column::Number.contains(text))
                    .add(case::Column::ShortDescription.contains(text))
                    .add(case::Column::Description.contains(text)),
            );
        }
        select
    }
}

/// A page of the cases the caller may read, filtered and sorted in SQL with an exact total.
pub async fn list(
    ctx: &Ctx,
    filter: &CaseFilter,
    order: Sort<case::Column>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<case::Model>> {
    let scope = list_scope(
        &ctx.principal,
        Action::Read,
        ctx.clock.today(),
        ctx.backend(),
    );
    Ok(page::fetch_page(
        &ctx.db,
        scope.apply(filter.apply(case::Entity::find())),
        &order,
        args,
        wants,
    )
    .await?)
}

/// Which column a batched case edge is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseParent {
    Account,
    Consumer,
    Household,
}

/// Each parent's page of readable cases.
pub async fn pages_by_parent(
    ctx: &Ctx,
    parent: CaseParent,
    keys: &[Uuid],
    filter: &CaseFilter,
    order: Sort<case::Column>,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<case::Model>>> {
    let column = match parent {
        CaseParent::Account => case::Column::AccountId,
        CaseParent::Consumer => case::Column::ConsumerId,
        CaseParent::Household => case::Column::HouseholdId,
    };
    let select = filter.apply(case::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        column,
        keys.iter().copied(),
    )));
    let select = access::check::scope(
        &ctx.principal,
        Action::Read,
        ctx.clock.today(),
        ctx.backend(),
    )
    .apply(select);
    let parent_of = move |m: &case::Model| {
        match parent {
            CaseParent::Account => m.account_id,
            CaseParent::Consumer => m.consumer_id,
            CaseParent::Household => m.household_id,
        }
        .unwrap_or_default()
    };
    Ok(page::fetch_pages_by_parent(&ctx.db, select, column, parent_of, &order, args).await?)
}

/// The readable cases among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, case::Model>> {
    rows::by_ids::<case::Entity>(
        &ctx.db,
        ids,
        access::check::scope(
            &ctx.principal,
            Action::Read,
            ctx.clock.today(),
            ctx.backend(),
        ),
    )
    .await
}

/// Comments are listed oldest first.
pub const COMMENT_SORT: Sort<comment::Column> = Sort::creation(false);

/// Each readable case's page of comments.
pub async fn comment_pages(
    ctx: &Ctx,
    cases: &[Uuid],
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<comment::Model>>> {
    let readable = access::check::scope(
        &ctx.principal,
        Action::Read,
        ctx.clock.today(),
        ctx.backend(),
    )
    .apply(case::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        case::Column::Id,
        cases.iter().copied(),
    )));
    let visible: Vec<Uuid> = readable
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let select = comment::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        comment::Column::CaseId,
        visible,
    ));
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        comment::Column::CaseId,
        |m| m.case_id,
        &COMMENT_SORT,
        args,
    )
    .await?)
}

/// Who opens a case for `account` (B2B) or not (B2C): of the caller's identities the one the case
/// is about (its contact for an account's case, its consumer for a consumer's), else the first.
fn opener(ctx: &Ctx, account: Option<Uuid>) -> (Option<String>, Option<Uuid>) {
    let principal = &ctx.principal;
    let fitting = match account {
        Some(_) => principal
            .contact()
            .map(|(id, account_id)| Identity::Contact { id, account_id }),
        None => principal.consumer().map(|id| Identity::Consumer { id }),
    };
    match fitting.unwrap_or(principal.identity) {
        Identity::InternalUser { id } => (Some("INTERNAL_USER".into()), Some(id)),
        Identity::Contact { id, .. } => (Some("CONTACT".into()), Some(id)),
        Identity::Consumer { id } => (Some("CONSUMER".into()), Some(id)),
        Identity::Anonymous | Identity::Unregistered => (None, None),
    }
}

/// Input of `create`.
#[derive(Clone, Debug, Default)]
pub struct NewCase {
    pub short_description: String,
    pub description: Option<String>,
    pub priority: Option<i32>,
    pub account_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub consumer_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub partner_contact_id: Option<Uuid>,
}

/// Refuses a priority outside 1 (critical) to 4 (low), in case input and list filters alike.
pub fn check_priority(priority: i32) -> DomainResult<i32> {
    if (1..=4).contains(&priority) {
        Ok(priority)
    } else {
        Err(DomainError::invalid(
            "priority",
            "priority is 1 (critical) to 4 (low)",
        ))
    }
}

fn check_text(text: &str) -> DomainResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::invalid(
            "shortDescription",
            "must not be empty",
        ));
    }
    if text.chars().count() > 300 {
        return Err(DomainError::invalid(
            "shortDescription",
            "must be at most 300 characters",
        ));
    }
    Ok(text.to_owned())
}

/// Checks that the parties of a case exist and fit together.
async fn check_parties(
    txn: &impl sea_orm::ConnectionTrait,
    case: &NewCase,
    today: chrono::NaiveDate,
) -> DomainResult<()> {
    if let Some(id) = case.account_id {
        account::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| DomainError::invalid("accountId", "the account does not exist"))?;
    }
    if let Some(id) = case.contact_id {
        let person = contact::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| DomainError::invalid("contactId", "the contact does not exist"))?;
        if Some(person.account_id) != case.account_id {
            return Err(DomainError::invalid(
                "contactId",
                "the contact does not belong to the case's account",
            ));
        }
    }
    if let Some(id) = case.consumer_id {
        consumer::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| DomainError::invalid("consumerId", "the consumer does not exist"))?;
    }
    if let Some(id) = case.household_id {
        household::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| DomainError::invalid("householdId", "the household does not exist"))?;
        if let Some(person) = case.consumer_id {
            let member = membership::Entity::find()
                .filter(membership::Column::HouseholdId.eq(id))
                .filter(membership::Column::ConsumerId.eq(person))
                .filter(period::current_membership(today))
                .one(txn)
                .await?;
            if member.is_none() {
                return Err(DomainError::invalid(
                    "householdId",
                    "the consumer is not a current member of that household",
                ));
            }
        }
    }
    if let Some(id) = case.partner_id {
        let partner = account::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| {
                DomainError::invalid("partnerId", "the partner account does not exist")
            })?;
        if !partner.is_partner {
            return Err(DomainError::invalid(
                "partnerId",
                format!("{} is not a partner account", partner.name),
            ));
        }
    }
    if let Some(id) = case.partner_contact_id {
        let person = contact::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| {
                DomainError::invalid("partnerContactId", "the contact does not exist")
            })?;
        if Some(person.account_id) != case.partner_id {
            return Err(DomainError::invalid(
                "partnerContactId",
                "the partner contact does not belong to the partner account",
            ));
        }
    }
    Ok(())
}

/// Opens a case for an account (B2B) or a consumer (B2C) the caller may open cases for.
/// A portal contact is filled in as the case's contact (own account) or partner contact.
pub async fn create(ctx: &Ctx, mut input: NewCase) -> DomainResult<case::Model> {
    access::require(&ctx.principal, Permission::SignedIn)?;
    let short = check_text(&input.short_description)?;
    let priority = check_priority(input.priority.unwrap_or(4))?;
    match (input.account_id, input.consumer_id) {
        (None, None) => {
            return Err(DomainError::invalid(
                "accountId",
                "a case needs an account (B2B) or a consumer (B2C)",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(DomainError::invalid(
                "consumerId",
                "give an account (B2B) or a consumer (B2C), not both",
            ));
        }
        _ => {}
    }
    if input.partner_id.is_some() || input.partner_contact_id.is_some() {
        access::require(&ctx.principal, Permission::SetCasePartner)?;
    }
    let today = ctx.clock.today();
    let target = Prospect {
        account_id: input.account_id,
        consumer_id: input.consumer_id,
        household_id: input.household_id,
        partner_id: input.partner_id,
    };
    let txn = ctx.write().await?;
    // Access first, by the very decision `accessCheck(CREATE_FOR)` asks: a caller who may not open
    // cases here is refused whatever else is wrong with the input (and learns nothing about the
    // parties); the same decision fills in the opener's contact and partner stamp.
    let opening = access::may_create::opening(&txn, &ctx.principal, target, today).await?;
    if !opening.allowed {
        return Err(DomainError::forbidden(
            "you may not open cases for this account or consumer",
        ));
    }
    if let Some(me) = opening.contact_id {
        input.contact_id.get_or_insert(me);
    }
    if let Some(stamp) = opening.stamp {
        input.partner_id = Some(stamp.partner_id);
        input.partner_contact_id = Some(stamp.partner_contact_id);
    }
    check_parties(&txn, &input, today).await?;
    let number = sequences::format("CS", sequences::next(&txn, "case").await?);
    let (opened_by_kind, opened_by_id) = opener(ctx, input.account_id);
    let now = ctx.clock.now();
    let model = case::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(number),
        short_description: Set(short),
        description: Set(input
            .description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())),
        state: Set(CaseState::New.as_str().into()),
        priority: Set(priority),
        account_id: Set(input.account_id),
        contact_id: Set(input.contact_id),
        consumer_id: Set(input.consumer_id),
        household_id: Set(input.household_id),
        partner_id: Set(input.partner_id),
        partner_contact_id: Set(input.partner_contact_id),
        opened_by_kind: Set(opened_by_kind),
        opened_by_id: Set(opened_by_id),
        opened_by_subject: Set(ctx.principal.subject.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set(None),
        closed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(ctx, txn, "create", "case", model.id, json!({"number": model.number, "accountId": model.account_id, "consumerId": model.consumer_id}))
        .await?;
    Ok(model)
}

/// Changes of `update` (staff only); `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CasePatch {
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub priority: Option<i32>,
    pub contact_id: Option<Option<Uuid>>,
    pub household_id: Option<Option<Uuid>>,
    pub partner_id: Option<Option<Uuid>>,
    pub partner_contact_id: Option<Option<Uuid>>,
}

async fn require_case(
    ctx: &Ctx,
    txn: &impl sea_orm::ConnectionTrait,
    id: Uuid,
    action: Action,
) -> DomainResult<case::Model> {
    access::require(&ctx.principal, Permission::SignedIn)?;
    let today = ctx.clock.today();
    if !access::check(txn, &ctx.principal, Action::Read, id, today).await? {
        return Err(DomainError::NotFound { kind: "case" });
    }
    if !access::check(txn, &ctx.principal, action, id, today).await? {
        return Err(DomainError::forbidden(
            "only staff may change this case's fields; portal users may comment, resolve and close",
        ));
    }
    rows::require::<case::Entity>(txn, id, "case").await
}

/// Changes a case's fields (staff with access to it).
pub async fn update(ctx: &Ctx, id: Uuid, patch: CasePatch) -> DomainResult<case::Model> {
    let txn = ctx.write().await?;
    let current = require_case(ctx, &txn, id, Action::Update).await?;
    let mut parties = NewCase {
        short_description: current.short_description.clone(),
        account_id: current.account_id,
        contact_id: patch.contact_id.unwrap_or(current.contact_id),
        consumer_id: current.consumer_id,
        household_id: patch.household_id.unwrap_or(current.household_id),
        partner_id: patch.partner_id.unwrap_or(current.partner_id),
        partner_contact_id: patch
            .partner_contact_id
            .unwrap_or(current.partner_contact_id),
        ..NewCase::default()
    };
    check_parties(&txn, &parties, ctx.clock.today()).await?;
    let mut model = current.into_active_model();
    if let Some(text) = &patch.short_description {
        parties.short_description = check_text(text)?;
        model.short_description = Set(parties.short_description.clone());
    }
    if let Some(text) = patch.description {
        model.description = Set(Some(text.trim().to_owned()).filter(|d| !d.is_empty()));
    }
    if let Some(priority) = patch.priority {
        model.priority = Set(check_priority(priority)?);
    }
    model.contact_id = Set(parties.contact_id);
    model.household_id = Set(parties.household_id);
    model.partner_id = Set(parties.partner_id);
    model.partner_contact_id = Set(parties.partner_contact_id);
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "update",
        "case",
        id,
        json!({"priority": model.priority, "partnerId": model.partner_id}),
    )
    .await?;
    Ok(model)
}

/// Moves a case to `next`: staff may make any allowed transition; portal users may only resolve
/// an open case or close a resolved one.
pub async fn change_state(ctx: &Ctx, id: Uuid, next: CaseState) -> DomainResult<case::Model> {
    let portal_move = matches!(next, CaseState::Resolved | CaseState::Closed);
    let txn = ctx.write().await?;
    let current = require_case(
        ctx,
        &txn,
        id,
        if portal_move {
            Action::Close
        } else {
            Action::Update
        },
    )
    .await?;
    let state = CaseState::parse(&current.state);
    if !state.can_move_to(next) {
        return Err(DomainError::invalid(
            "state",
            format!("a {} case cannot become {}", state.as_str(), next.as_str()),
        ));
    }
    let now = ctx.clock.now();
    let mut model = current.into_active_model();
    model.state = Set(next.as_str().into());
    match next {
        CaseState::Resolved => model.resolved_at = Set(Some(now)),
        CaseState::Closed | CaseState::Canceled => model.closed_at = Set(Some(now)),
        CaseState::InProgress => {
            model.resolved_at = Set(None);
        }
        _ => {}
    }
    model.updated_at = Set(now);
    let model = model.update(&txn).await?;
    audit::record_change(
        ctx,
        &txn,
        "change_state",
        "case",
        id,
        json!({"from": state.as_str(), "to": next.as_str()}),
        Some(json!({"state": state.as_str()})),
        Some(json!({"state": next.as_str()})),
    )
    .await?;
    audit::commit(txn).await?;
    Ok(model)
}

/// Adds a comment to a case the caller may read.
pub async fn comment(ctx: &Ctx, id: Uuid, body: &str) -> DomainResult<comment::Model> {
    let body = body.trim();
    if body.is_empty() {
        return Err(DomainError::invalid("body", "must not be empty"));
    }
    if body.chars().count() > 10_000 {
        return Err(DomainError::invalid(
            "body",
            "must be at most 10000 characters",
        ));
    }
    let txn = ctx.write().await?;
    let the_case = require_case(ctx, &txn, id, Action::Comment).await?;
    let (author_kind, author_id) = opener(ctx, the_case.account_id);
    let now = ctx.clock.now();
    let model = comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(id),
        body: Set(body.to_owned()),
        author_kind: Set(author_kind),
        author_id: Set(author_id),
        author_subject: Set(ctx.principal.subject.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    case::Entity::update_many()
        .col_expr(
            case::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(case::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "comment",
        "case",
        id,
        json!({"commentId": model.id}),
    )
    .await?;
    Ok(model)
}
