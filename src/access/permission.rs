//! Mutation rights, written once: every operation that changes data (or asks about somebody
//! else's access) names the one permission it needs and calls [`require`].

use super::{
    error::{AccessError, AccessResult},
    principal::{Principal, Role},
};

/// A right to change data, or to look at somebody else's access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anything a signed-in caller may do: reading definitions, opening and working cases (the case
    /// rules then decide which).
    SignedIn,
    /// Maintain accounts, contacts, consumers, households and memberships, and run the sweep.
    ManageDirectory,
    /// Maintain account, contact and consumer relationships and team members.
    ManageRelationships,
    /// Define relationship types and responsibility definitions; manage internal users and
    /// stored roles.
    Administer,
    /// Fill in a case's partner fields by hand (a partner contact is stamped instead).
    SetCasePartner,
    /// Ask how another principal's access to a case reads.
    InspectOthersAccess,
    /// List everyone who can access a case.
    ListCaseAccess,
}

const DIRECTORY_MANAGERS: &[Role] = &[Role::Admin, Role::Manager];
const STAFF: &[Role] = &[
    Role::Admin,
    Role::Manager,
    Role::Agent,
    Role::RelationshipAgent,
];

impl Permission {
    /// The roles any of which grant the permission; `None` when any signed-in caller holds it.
    pub fn roles(self) -> Option<&'static [Role]> {
        match self {
            Permission::SignedIn => None,
            Permission::ManageDirectory
            | Permission::ManageRelationships
            | Permission::InspectOthersAccess
            | Permission::ListCaseAccess => Some(DIRECTORY_MANAGERS),
            Permission::Administer => Some(&[Role::Admin]),
            Permission::SetCasePartner => Some(STAFF),
        }
    }

    /// What a caller without the permission is told.
    fn refusal(self) -> &'static str {
        match self {
            Permission::SignedIn => "authentication required",
            Permission::ManageDirectory | Permission::ManageRelationships => {
                "requires the admin or sn_customerservice_manager role"
            }
            Permission::Administer => "requires the admin role",
            Permission::SetCasePartner => {
                "only staff set the partner fields; a partner contact is stamped automatically"
            }
            Permission::InspectOthersAccess => {
                "only admins and managers may ask about another principal"
            }
            Permission::ListCaseAccess => "only admins and managers may list who can access a case",
        }
    }

    /// Whether an anonymous caller is asked to sign in (`Unauthenticated`) rather than refused
    /// (`Forbidden`): so for every right to change data, not for looking at others' access.
    fn asks_anonymous_to_sign_in(self) -> bool {
        !matches!(
            self,
            Permission::InspectOthersAccess | Permission::ListCaseAccess
        )
    }
}

/// The one check of a mutation right: `Ok` when `principal` holds `permission`.
pub fn require(principal: &Principal, permission: Permission) -> AccessResult<()> {
    let signed_in = principal.is_authenticated();
    if !signed_in && permission.asks_anonymous_to_sign_in() {
        return Err(AccessError::Unauthenticated);
    }
    let held = match permission.roles() {
        None => signed_in,
        Some(roles) => principal.has_any(roles),
    };
    if held {
        Ok(())
    } else {
        Err(AccessError::Forbidden(permission.refusal().into()))
    }
}
