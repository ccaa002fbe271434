//! Who sends the request: the roles from the token and the stored person the subject maps to.

use std::{collections::BTreeSet, fmt, str::FromStr};

use uuid::Uuid;

/// A role of DOMAIN.md §1, as it appears in the JWT `roles` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Admin,
    Manager,
    Agent,
    RelationshipAgent,
    Customer,
    CustomerCaseManager,
    CustomerAdmin,
    Partner,
    PartnerAdmin,
    Consumer,
}

impl Role {
    /// Every role, in the order of DOMAIN.md §1.
    pub const ALL: [Role; 10] = [
        Role::Admin,
        Role::Manager,
        Role::Agent,
        Role::RelationshipAgent,
        Role::Customer,
        Role::CustomerCaseManager,
        Role::CustomerAdmin,
        Role::Partner,
        Role::PartnerAdmin,
        Role::Consumer,
    ];

    /// The role's name in tokens and stored assignments.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "sn_customerservice_manager",
            Role::Agent => "sn_customerservice_agent",
            Role::RelationshipAgent => "sn_customerservice.relationship_agent",
            Role::Customer => "sn_customerservice.customer",
            Role::CustomerCaseManager => "sn_customerservice.customer_case_manager",
            Role::CustomerAdmin => "sn_customerservice.customer_admin",
            Role::Partner => "sn_customerservice.partner",
            Role::PartnerAdmin => "sn_customerservice.partner_admin",
            Role::Consumer => "sn_customerservice.consumer",
        }
    }

    /// Staff roles, held by internal users.
    pub fn is_internal(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Manager | Role::Agent | Role::RelationshipAgent
        )
    }

    /// Portal roles held by contacts of accounts.
    pub fn is_contact_role(self) -> bool {
        matches!(
            self,
            Role::Customer
                | Role::CustomerCaseManager
                | Role::CustomerAdmin
                | Role::Partner
                | Role::PartnerAdmin
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// The stored record the token's subject maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// No token.
    Anonymous,
    /// A token whose subject matches no stored person (internal roles still work).
    Unregistered,
    /// An internal user.
    InternalUser { id: Uuid },
    /// A contact, with the account it belongs to.
    Contact { id: Uuid, account_id: Uuid },
    /// A consumer.
    Consumer { id: Uuid },
}

/// The caller of a request: subject, roles and identities, everything authorization needs.
///
/// A subject can name several stored records at once (an internal user, a contact, a consumer):
/// roles add up, so every identity the token's roles fit contributes its rules (DOMAIN.md §6).
#[derive(Clone, Debug)]
pub struct Principal {
    pub subject: Option<String>,
    pub roles: BTreeSet<Role>,
    /// The identity the caller signs in as (`viewer.node`): the first of `identities`.
    pub identity: Identity,
    /// Every stored record the subject maps to that a role of the token fits: internal user,
    /// contact, consumer, in that order.
    pub identities: Vec<Identity>,
}

impl Principal {
    /// A principal acting as every one of `identities` (the first is the one it signs in as).
    pub fn new(subject: Option<String>, roles: BTreeSet<Role>, identities: Vec<Identity>) -> Self {
        let identity = identities
            .first()
            .copied()
            .unwrap_or(Identity::Unregistered);
        Self {
            subject,
            roles,
            identity,
            identities,
        }
    }

    /// The caller without a token.
    pub fn anonymous() -> Self {
        Self {
            subject: None,
            roles: BTreeSet::new(),
            identity: Identity::Anonymous,
            identities: Vec::new(),
        }
    }

    /// A principal with full rights, for the CLI's own maintenance work (demo seeding, sweeps).
    pub fn system() -> Self {
        Self::new(
            Some("system".into()),
            BTreeSet::from([Role::Admin]),
            Vec::new(),
        )
    }

    /// Whether the token granted `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the token granted any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|role| self.has(*role))
    }

    /// Staff: any internal role.
    pub fn is_internal(&self) -> bool {
        self.roles.iter().any(|role| role.is_internal())
    }

    /// Every identity of the principal, the one it signs in as first.
    fn all_identities(&self) -> impl Iterator<Item = Identity> + '_ {
        std::iter::once(self.identity).chain(self.identities.iter().copied())
    }

    /// The contact this principal is, when it holds a portal contact role.
    pub fn contact(&self) -> Option<(Uuid, Uuid)> {
        if !self.roles.iter().any(|r| r.is_contact_role()) {
            return None;
        }
        self.all_identities().find_map(|identity| match identity {
            Identity::Contact { id, account_id } => Some((id, account_id)),
            _ => None,
        })
    }

    /// The consumer this principal is, when it holds the consumer role.
    pub fn consumer(&self) -> Option<Uuid> {
        if !self.has(Role::Consumer) {
            return None;
        }
        self.all_identities().find_map(|identity| match identity {
            Identity::Consumer { id } => Some(id),
            _ => None,
        })
    }

    /// The internal user this principal is, when it holds a staff role.
    pub fn internal_user(&self) -> Option<Uuid> {
        if !self.is_internal() {
            return None;
        }
        self.all_identities().find_map(|identity| match identity {
            Identity::InternalUser { id } => Some(id),
            _ => None,
        })
    }

    /// Whether the principal is (among others) the stored record `identity`.
    pub fn is(&self, identity: Identity) -> bool {
        self.all_identities().any(|mine| mine == identity)
    }

    /// Whether a token was presented.
    pub fn is_authenticated(&self) -> bool {
        self.identity != Identity::Anonymous
    }
}
