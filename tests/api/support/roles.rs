//! The role names of DOMAIN.md §1, as tokens and stored role assignments spell them.

/// Full access to everything.
pub const ADMIN: &str = "admin";
/// Customer service manager: every record, and the directory mutations.
pub const MANAGER: &str = "sn_customerservice_manager";
/// Customer service agent: reads everything, works cases.
pub const AGENT: &str = "sn_customerservice_agent";
/// Staff who see what their team memberships give them.
pub const RELATIONSHIP_AGENT: &str = "sn_customerservice.relationship_agent";
/// A customer contact: its own cases.
pub const CUSTOMER: &str = "sn_customerservice.customer";
/// A customer contact who sees the cases of its account and the accounts below it.
pub const CUSTOMER_CASE_MANAGER: &str = "sn_customerservice.customer_case_manager";
/// A customer contact who administers its account and the accounts below it.
pub const CUSTOMER_ADMIN: &str = "sn_customerservice.customer_admin";
/// A partner contact: the cases it works.
pub const PARTNER: &str = "sn_customerservice.partner";
/// A partner contact who sees the cases of the partner's customers.
pub const PARTNER_ADMIN: &str = "sn_customerservice.partner_admin";
/// A consumer: its own cases and its household's.
pub const CONSUMER: &str = "sn_customerservice.consumer";

/// Every role of DOMAIN.md §1.
pub const ALL_ROLES: [&str; 10] = [
    ADMIN,
    MANAGER,
    AGENT,
    RELATIONSHIP_AGENT,
    CUSTOMER,
    CUSTOMER_CASE_MANAGER,
    CUSTOMER_ADMIN,
    PARTNER,
    PARTNER_ADMIN,
    CONSUMER,
];

/// The roles other than `allowed`, for role-refusal tests.
pub fn roles_except(allowed: &[&str]) -> Vec<&'static str> {
    ALL_ROLES
        .iter()
        .copied()
        .filter(|r| !allowed.contains(r))
        .collect()
}

/// The `Role` enum value the API takes and returns for a stored role name.
pub fn api_role(stored: &str) -> &'static str {
    match stored {
        ADMIN => "ADMIN",
        MANAGER => "MANAGER",
        AGENT => "AGENT",
        RELATIONSHIP_AGENT => "RELATIONSHIP_AGENT",
        CUSTOMER => "CUSTOMER",
        CUSTOMER_CASE_MANAGER => "CUSTOMER_CASE_MANAGER",
        CUSTOMER_ADMIN => "CUSTOMER_ADMIN",
        PARTNER => "PARTNER",
        PARTNER_ADMIN => "PARTNER_ADMIN",
        CONSUMER => "CONSUMER",
        other => panic!("not a role: {other}"),
    }
}
