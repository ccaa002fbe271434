//! One builder per record, each creating it through the GraphQL API as the admin (or a manager,
//! where only managers and admins may) and failing the test when the server refuses.

pub mod accounts;
pub mod consumers;
pub mod relationships;
pub mod staff;
