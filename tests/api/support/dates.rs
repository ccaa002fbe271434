//! Dates relative to the test server's clock, as GraphQL `Date` text.

use super::server::TestApp;

/// The server's today moved by `offset` days.
pub fn day(app: &TestApp, offset: i64) -> String {
    (app.clock.today() + chrono::Duration::days(offset)).to_string()
}

/// The server's today.
pub fn today(app: &TestApp) -> String {
    day(app, 0)
}
