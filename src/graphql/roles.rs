//! The `Role` enum: roles as the API takes and returns them, mapped to the names tokens and stored
//! role assignments use.

use async_graphql::Enum;

use crate::access::principal::Role as AccessRole;

/// A role of the service model. Tokens (the JWT `roles` claim) and stored role assignments spell
/// it as the name given with each value (for example `sn_customerservice.partner_admin`).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[graphql(name = "Role", remote = "crate::access::principal::Role")]
pub enum Role {
    /// `admin`: full access, defines relationship types and responsibilities, manages internal users
    /// and stored roles.
    Admin,
    /// `sn_customerservice_manager`: every case and record; maintains the directory.
    Manager,
    /// `sn_customerservice_agent`: every case and record, read and work cases.
    Agent,
    /// `sn_customerservice.relationship_agent`: the cases of the accounts, consumers and households
    /// whose team it is on.
    RelationshipAgent,
    /// `sn_customerservice.customer`: a customer contact; its own cases and those of accounts it
    /// holds a contact relationship on.
    Customer,
    /// `sn_customerservice.customer_case_manager`: a customer contact; the cases of its account and
    /// the accounts below it.
    CustomerCaseManager,
    /// `sn_customerservice.customer_admin`: a customer contact who administers its account.
    CustomerAdmin,
    /// `sn_customerservice.partner`: a partner contact; the cases it works or opened.
    Partner,
    /// `sn_customerservice.partner_admin`: a partner contact; the cases of the partner's customers.
    PartnerAdmin,
    /// `sn_customerservice.consumer`: a consumer; its own cases and its households'.
    Consumer,
}

impl Role {
    /// The role behind a stored or token role name; `None` for a name the service does not know.
    pub fn from_stored(name: &str) -> Option<Self> {
        name.parse::<AccessRole>().ok().map(Into::into)
    }

    /// Every known role of a list of stored names, in the enum's order.
    pub fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Self> {
        let mut roles: Vec<Self> = names.into_iter().filter_map(Self::from_stored).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The roles of a principal, in the enum's order.
    pub fn of(roles: impl IntoIterator<Item = AccessRole>) -> Vec<Self> {
        let mut roles: Vec<Self> = roles.into_iter().map(Into::into).collect();
        roles.sort();
        roles
    }

    /// The name tokens and stored assignments use.
    pub fn stored(self) -> &'static str {
        AccessRole::from(self).as_str()
    }
}
