//! The `Organization` interface: every field `Account` and `Partner` share, so a client can
//! select them through the interface without fragments.

use std::marker::PhantomData;

use async_graphql::{ID, Interface};
use entity::account;

use super::{
    NameOrder,
    account_relationships::{AccountRelationshipFilter, AccountRelationshipSide},
    accounts::{Account, AccountOrder, HierarchyMember, Org, Partner},
    cases::{Case, CaseFilter, CaseOrderBy},
    connection::Connection,
    contact_relationships::{ContactRelationship, ContactRelationshipCandidate},
    contacts::Contact,
    scalars::DateTime,
    team_members::TeamMember,
};
/// An organisation: a customer account, a partner account, or both. It carries every field
/// `Account` and `Partner` share, so a client can select them without fragments.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(
        name = "id",
        ty = "ID",
        desc = "Global ID of this face of the organisation (an `Account` and a `Partner` ID differ)."
    ),
    field(
        name = "number",
        ty = "&str",
        desc = "Human-readable account number, unique."
    ),
    field(name = "name", ty = "&str", desc = "Display name."),
    field(
        name = "is_customer",
        ty = "bool",
        desc = "Whether it is a customer account."
    ),
    field(
        name = "is_partner",
        ty = "bool",
        desc = "Whether it is a partner account."
    ),
    field(
        name = "created_at",
        ty = "DateTime",
        desc = "When the record was created."
    ),
    field(
        name = "updated_at",
        ty = "DateTime",
        desc = "When the record last changed."
    ),
    field(
        name = "as_account",
        ty = "Option<Account>",
        desc = "The same organisation as a customer account, when it is one."
    ),
    field(
        name = "as_partner",
        ty = "Option<Partner>",
        desc = "The same organisation as a partner account, when it is one."
    ),
    field(
        name = "parent",
        ty = "Option<Organization>",
        desc = "The parent account in the hierarchy, when there is one the viewer may see."
    ),
    field(
        name = "children",
        ty = "Connection<Organization>",
        desc = "Direct child accounts in the hierarchy.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        ),
        arg(
            name = "order_by",
            ty = "Option<AccountOrder>",
            desc = "Sort order (default: by name, ascending)."
        )
    ),
    field(
        name = "contacts",
        ty = "Connection<Contact>",
        desc = "The contacts who belong to this account.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        ),
        arg(
            name = "order_by",
            ty = "Option<NameOrder>",
            desc = "Sort order (default: by name, ascending)."
        )
    ),
    field(
        name = "relationships",
        ty = "Connection<AccountRelationshipSide>",
        desc = "This account's relationships, each labelled as this account reads it.",
        arg(
            name = "filter",
            ty = "Option<AccountRelationshipFilter>",
            desc = "Only relationships matching every given condition."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "partners",
        ty = "Connection<Partner>",
        desc = "Partner accounts linked to this account by a PARTNER-to-ACCOUNT relationship type.",
        arg(
            name = "current_only",
            ty = "bool",
            default = false,
            desc = "Only relationships in force today."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "customers",
        ty = "Connection<Account>",
        desc = "Customer accounts this organisation is partner of, by a PARTNER-to-ACCOUNT relationship type.",
        arg(
            name = "current_only",
            ty = "bool",
            default = false,
            desc = "Only relationships in force today."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "team",
        ty = "Connection<TeamMember>",
        desc = "Internal users on this account's team (Account Team Members).",
        arg(
            name = "current_only",
            ty = "bool",
            default = false,
            desc = "Only team members in force today."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "cases",
        ty = "Connection<Case>",
        desc = "Cases here the viewer may read, filtered and sorted like `viewer.cases`.",
        arg(
            name = "filter",
            ty = "Option<CaseFilter>",
            desc = "Only cases matching every given condition."
        ),
        arg(
            name = "order_by",
            ty = "Option<CaseOrderBy>",
            desc = "Sort order (default: by number, ascending)."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "ancestors",
        ty = "Vec<Organization>",
        desc = "Ancestors in the hierarchy, nearest first (parent, grandparent, ..., root)."
    ),
    field(
        name = "hierarchy_root",
        ty = "Option<Organization>",
        desc = "The top of this account's hierarchy (the account itself when it has no parent)."
    ),
    field(
        name = "descendants",
        ty = "Connection<HierarchyMember>",
        desc = "Every account below this one, at any depth, nearest levels first.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "contact_relationships",
        ty = "Connection<ContactRelationship>",
        desc = "Contacts of other accounts who carry a responsibility on this account.",
        arg(
            name = "current_only",
            ty = "bool",
            default = false,
            desc = "Only relationships in force today."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    ),
    field(
        name = "contact_relationship_candidates",
        ty = "Connection<ContactRelationshipCandidate>",
        desc = "Contacts that may be given a responsibility on this account, each with why it qualifies.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before the row with this cursor (`startCursor` of the next page)."
        )
    )
)]
pub enum Organization {
    Account(Account),
    Partner(Partner),
}

impl Organization {
    /// The organisation as `Account` when it is a customer, else as `Partner`.
    pub fn from_model(model: account::Model) -> Self {
        if model.is_customer {
            Organization::Account(Org {
                model,
                side: PhantomData,
            })
        } else {
            Organization::Partner(Org {
                model,
                side: PhantomData,
            })
        }
    }
}
