//! Case mutations: open, change, move through states, comment.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use uuid::Uuid;

use super::{
    case::{Case, CaseState},
    comments::CaseComment,
};
use crate::domain::{
    DomainError,
    cases::{self as service, CasePatch, CaseState as State, NewCase},
};
use crate::graphql::{
    domain,
    ids::{self, Kind},
};

/// Input of `createCase`.
#[derive(InputObject)]
pub struct CreateCaseInput {
    /// One-line summary of the case.
    pub short_description: String,
    /// Longer text (newlines allowed).
    pub description: Option<String>,
    /// 1 (highest) to 4 (lowest); 4 when absent.
    pub priority: Option<i32>,
    /// The account of a B2B case.
    pub account_id: Option<ID>,
    /// The account's contact; a portal contact opening a case for its own account is filled in.
    pub contact_id: Option<ID>,
    /// The consumer of a B2C case.
    pub consumer_id: Option<ID>,
    /// The consumer's household the case concerns.
    pub household_id: Option<ID>,
    /// Staff only; a partner contact opening a case for a customer is stamped automatically.
    pub partner_id: Option<ID>,
    /// Staff only.
    pub partner_contact_id: Option<ID>,
}

/// Input of `updateCase` (staff); absent fields stay, `clear*` flags remove a party.
#[derive(InputObject)]
pub struct UpdateCaseInput {
    /// Global ID of the record to change.
    pub id: ID,
    /// One-line summary of the case; absent: unchanged.
    pub short_description: Option<String>,
    /// Longer text (newlines allowed); absent: unchanged.
    pub description: Option<String>,
    /// Priority from 1 (highest) to 4 (lowest); absent: unchanged.
    pub priority: Option<i32>,
    /// Global ID of the contact the case is for; absent: unchanged.
    pub contact_id: Option<ID>,
    /// Global ID of the household; absent: unchanged.
    pub household_id: Option<ID>,
    /// Global ID of the partner account working the case; absent: unchanged.
    pub partner_id: Option<ID>,
    /// Global ID of the partner's contact working the case; absent: unchanged.
    pub partner_contact_id: Option<ID>,
    /// Remove the case's contact.
    #[graphql(default)]
    pub clear_contact: bool,
    /// Remove the case's household.
    #[graphql(default)]
    pub clear_household: bool,
    /// Remove the case's partner and partner contact.
    #[graphql(default)]
    pub clear_partner: bool,
}

/// Input of `addCaseComment`.
#[derive(InputObject)]
pub struct AddCaseCommentInput {
    /// Global ID of the case.
    pub case_id: ID,
    /// The comment text (newlines allowed).
    pub body: String,
}

/// Result of a case mutation.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case after the change.
    pub case: Case,
}

/// Result of `addCaseComment`.
#[derive(SimpleObject)]
pub struct CaseCommentPayload {
    /// The new comment.
    pub comment: CaseComment,
}

fn optional(id: &Option<ID>, kinds: &[Kind], field: &str) -> Result<Option<Uuid>> {
    Ok(id
        .as_ref()
        .map(|id| ids::decode(id, kinds, field))
        .transpose()?)
}

fn change(id: Option<Uuid>, clear: bool, field: &str) -> Result<Option<Option<Uuid>>> {
    match (id, clear) {
        (Some(_), true) => {
            Err(DomainError::invalid(field, "give the ID or the clear flag, not both").into())
        }
        (Some(id), false) => Ok(Some(Some(id))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}

/// Case mutations.
#[derive(Default)]
pub struct CasesMutation;

/// Case mutations.
#[Object]
impl CasesMutation {
    /// Opens a case for an account (B2B) or consumer (B2C) the caller may open cases for.
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new case.")] input: CreateCaseInput,
    ) -> Result<CasePayload> {
        let new = NewCase {
            short_description: input.short_description,
            description: input.description,
            priority: input.priority,
            account_id: optional(&input.account_id, ids::ORGANIZATION, "accountId")?,
            contact_id: optional(&input.contact_id, &[Kind::Contact], "contactId")?,
            consumer_id: optional(&input.consumer_id, &[Kind::Consumer], "consumerId")?,
            household_id: optional(&input.household_id, &[Kind::Household], "householdId")?,
            partner_id: optional(&input.partner_id, ids::ORGANIZATION, "partnerId")?,
            partner_contact_id: optional(
                &input.partner_contact_id,
                &[Kind::Contact],
                "partnerContactId",
            )?,
        };
        Ok(CasePayload {
            case: Case(service::create(domain(ctx), new).await?),
        })
    }

    /// Changes a case's fields (staff with access to the case).
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case and the fields to change.")] input: UpdateCaseInput,
    ) -> Result<CasePayload> {
        let id = ids::decode(&input.id, &[Kind::Case], "id")?;
        let partner = optional(&input.partner_id, ids::ORGANIZATION, "partnerId")?;
        let partner_contact = optional(
            &input.partner_contact_id,
            &[Kind::Contact],
            "partnerContactId",
        )?;
        let patch = CasePatch {
            short_description: input.short_description,
            description: input.description,
            priority: input.priority,
            contact_id: change(
                optional(&input.contact_id, &[Kind::Contact], "contactId")?,
                input.clear_contact,
                "contactId",
            )?,
            household_id: change(
                optional(&input.household_id, &[Kind::Household], "householdId")?,
                input.clear_household,
                "householdId",
            )?,
            partner_id: change(partner, input.clear_partner, "partnerId")?,
            partner_contact_id: change(
                partner_contact,
                input.clear_partner && partner_contact.is_none(),
                "partnerContactId",
            )?,
        };
        Ok(CasePayload {
            case: Case(service::update(domain(ctx), id, patch).await?),
        })
    }

    /// Moves a case to another state (staff: any allowed transition).
    async fn change_case_state(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(desc = "The state to move the case to.")] state: CaseState,
    ) -> Result<CasePayload> {
        let uuid = ids::decode(&id, &[Kind::Case], "id")?;
        Ok(CasePayload {
            case: Case(service::change_state(domain(ctx), uuid, state.domain()).await?),
        })
    }

    /// Resolves an open case (anyone who may read it).
    async fn resolve_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
    ) -> Result<CasePayload> {
        let uuid = ids::decode(&id, &[Kind::Case], "id")?;
        Ok(CasePayload {
            case: Case(service::change_state(domain(ctx), uuid, State::Resolved).await?),
        })
    }

    /// Closes a resolved case (anyone who may read it).
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
    ) -> Result<CasePayload> {
        let uuid = ids::decode(&id, &[Kind::Case], "id")?;
        Ok(CasePayload {
            case: Case(service::change_state(domain(ctx), uuid, State::Closed).await?),
        })
    }

    /// Comments on a case the caller may read.
    async fn add_case_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: AddCaseCommentInput,
    ) -> Result<CaseCommentPayload> {
        let id = ids::decode(&input.case_id, &[Kind::Case], "caseId")?;
        Ok(CaseCommentPayload {
            comment: CaseComment(service::comment(domain(ctx), id, &input.body).await?),
        })
    }
}
