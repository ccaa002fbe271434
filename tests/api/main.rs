//! Liaison's integration tests: one binary, every test on its own database and server,
//! run on SQLite by default and on PostgreSQL when `LIAISON_TEST_DATABASE_URL` is set.
//! Each module is named for what it asserts; `support` holds what they share.

mod access_decisions;
mod access_explanations;
mod access_on_random_graphs;
mod account_hierarchy;
mod account_relationships;
mod account_visibility;
mod bearer_tokens;
mod case_access_rules;
mod case_lifecycle;
mod consumer_relationships;
mod contact_relationships;
mod delete_cascades;
mod directory_mutations;
mod explanation_ids;
mod global_ids;
mod grant_validity;
mod household_and_team_roles;
mod household_memberships;
mod http_surface;
mod membership_sweep;
mod mutation_roles;
mod pagination;
mod partner_account_scenario;
mod partner_case_access;
mod quickstart;
mod record_visibility;
mod relationship_types;
mod responsibility_definitions;
mod schema_drift;
mod smoke;
mod statement_counts;
mod support;
mod team_members;
