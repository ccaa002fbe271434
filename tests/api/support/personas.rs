//! Test personas: the people tests act as, each built by one call that stores the person (with
//! its role, where roles are stored) and mints a token for its subject.

use super::{
    builders::{
        accounts::contact,
        consumers::{consumer, household},
        staff::{assign_role, internal_user},
    },
    roles::{AGENT, CONSUMER, CUSTOMER, MANAGER, PARTNER_ADMIN, RELATIONSHIP_AGENT},
    server::TestApp,
};

/// A token for a customer service manager who has no stored user record.
pub fn manager(app: &TestApp) -> String {
    app.token("test.manager", &[MANAGER])
}

/// A token for a customer service agent who has no stored user record.
pub fn agent(app: &TestApp) -> String {
    app.token("test.agent", &[AGENT])
}

/// A contact who signs in to the portal with a stored role: a customer, a partner admin, ...
pub struct PortalContact {
    pub id: String,
    pub token: String,
}

impl PortalContact {
    /// A contact of `account` who signs in as `subject` and holds `role`, stored and in the token.
    pub async fn new(app: &TestApp, account: &str, name: &str, subject: &str, role: &str) -> Self {
        let id = contact(app, account, name, Some(subject)).await;
        assign_role(app, &id, role).await;
        Self {
            id,
            token: app.token(subject, &[role]),
        }
    }

    /// A customer contact of `account`: sees its own cases.
    pub async fn customer(app: &TestApp, account: &str, name: &str, subject: &str) -> Self {
        Self::new(app, account, name, subject, CUSTOMER).await
    }

    /// A partner administrator of `partner`: sees the cases of the partner's customers.
    pub async fn partner_admin(app: &TestApp, partner: &str, name: &str, subject: &str) -> Self {
        Self::new(app, partner, name, subject, PARTNER_ADMIN).await
    }
}

/// A consumer who signs in with the consumer role.
pub struct PortalConsumer {
    pub id: String,
    pub token: String,
}

impl PortalConsumer {
    /// A consumer called `name` who signs in as `subject`.
    pub async fn new(app: &TestApp, name: &str, subject: &str) -> Self {
        Self {
            id: consumer(app, name, Some(subject)).await,
            token: app.token(subject, &[CONSUMER]),
        }
    }
}

/// A consumer who signs in and heads a household of their own.
pub struct HouseholdHead {
    pub id: String,
    pub household: String,
    pub token: String,
}

impl HouseholdHead {
    /// `name`, signing in as `subject`, at the head of a new household called `household`.
    pub async fn new(app: &TestApp, household_name: &str, name: &str, subject: &str) -> Self {
        let head = PortalConsumer::new(app, name, subject).await;
        Self {
            household: household(app, household_name, Some(&head.id)).await,
            id: head.id,
            token: head.token,
        }
    }
}

/// A stored internal user with a stored staff role, who signs in with it.
pub struct StaffUser {
    pub id: String,
    pub token: String,
}

impl StaffUser {
    /// An internal user called `name` who signs in as `subject` and holds `role`, stored and in
    /// the token.
    pub async fn new(app: &TestApp, name: &str, subject: &str, role: &str) -> Self {
        let id = internal_user(app, name, Some(subject)).await;
        assign_role(app, &id, role).await;
        Self {
            id,
            token: app.token(subject, &[role]),
        }
    }

    /// A relationship agent: sees what its team memberships give it.
    pub async fn relationship_agent(app: &TestApp, name: &str, subject: &str) -> Self {
        Self::new(app, name, subject, RELATIONSHIP_AGENT).await
    }
}
