//! Opaque global IDs for the Relay `Node` interface: the type name and uuid, base64url-encoded.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::domain::{DomainError, DomainResult};

/// Every type that has a global ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Account,
    Partner,
    Contact,
    Consumer,
    Household,
    HouseholdMembership,
    InternalUser,
    AccountRelationshipType,
    AccountRelationship,
    ResponsibilityDefinition,
    ContactRelationship,
    TeamMember,
    ConsumerRelationship,
    Case,
    CaseComment,
}

impl Kind {
    const ALL: [Kind; 15] = [
        Kind::Account,
        Kind::Partner,
        Kind::Contact,
        Kind::Consumer,
        Kind::Household,
        Kind::HouseholdMembership,
        Kind::InternalUser,
        Kind::AccountRelationshipType,
        Kind::AccountRelationship,
        Kind::ResponsibilityDefinition,
        Kind::ContactRelationship,
        Kind::TeamMember,
        Kind::ConsumerRelationship,
        Kind::Case,
        Kind::CaseComment,
    ];

    /// The kind whose GraphQL type is named `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The GraphQL type name the ID resolves to.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::Partner => "Partner",
            Kind::Contact => "Contact",
            Kind::Consumer => "Consumer",
            Kind::Household => "Household",
            Kind::HouseholdMembership => "HouseholdMembership",
            Kind::InternalUser => "InternalUser",
            Kind::AccountRelationshipType => "AccountRelationshipType",
            Kind::AccountRelationship => "AccountRelationship",
            Kind::ResponsibilityDefinition => "ResponsibilityDefinition",
            Kind::ContactRelationship => "ContactRelationship",
            Kind::TeamMember => "TeamMember",
            Kind::ConsumerRelationship => "ConsumerRelationship",
            Kind::Case => "Case",
            Kind::CaseComment => "CaseComment",
        }
    }
}

/// The global ID of a `kind` row.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id)))
}

/// Reads any global ID passed in argument `field`.
pub fn decode_any(id: &ID, field: &str) -> DomainResult<(Kind, Uuid)> {
    let invalid = || DomainError::invalid(field, "not a valid ID");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(invalid)?;
    Ok((kind, Uuid::parse_str(uuid).map_err(|_| invalid())?))
}

/// Reads a global ID that must name one of `kinds` (Account and Partner IDs are interchangeable
/// wherever an organisation is expected).
pub fn decode(id: &ID, kinds: &[Kind], field: &str) -> DomainResult<Uuid> {
    let (kind, uuid) = decode_any(id, field)?;
    if kinds.contains(&kind) {
        Ok(uuid)
    } else {
        let wanted: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        Err(DomainError::invalid(
            field,
            format!("expected the ID of a {}", wanted.join(" or ")),
        ))
    }
}

/// Kinds accepted where an account of either flavour is expected.
pub const ORGANIZATION: &[Kind] = &[Kind::Account, Kind::Partner];
