//! What the integration tests share: the per-test server, GraphQL helpers, one builder per record,
//! test personas, and the checks for access, refusals, audit entries and cascade reports.

pub mod access;
pub mod audit;
pub mod builders;
pub mod cascade_reports;
pub mod cases;
pub mod dates;
pub mod graphql;
pub mod ids;
pub mod personas;
pub mod refusals;
pub mod roles;
pub mod server;
pub mod ws;

pub use access::*;
pub use audit::*;
pub use builders::{accounts::*, consumers::*, relationships::*, staff::*};
pub use cascade_reports::*;
pub use cases::*;
pub use dates::*;
pub use graphql::*;
pub use ids::*;
pub use personas::*;
pub use refusals::*;
pub use roles::*;
pub use server::*;
pub use ws::{Received, WsClient};
pub mod impact;
pub use impact::*;
