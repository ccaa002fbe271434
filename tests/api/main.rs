//! Liaison's integration tests: one binary, every test on its own database and server,
//! run on SQLite by default and on PostgreSQL when `LIAISON_TEST_DATABASE_URL` is set.
//! Each module is named for what it asserts; `support` holds what they share.

mod access_explanations;
mod access_on_random_graphs;
mod account_hierarchy;
mod account_relationships;
mod account_visibility;
mod bearer_tokens;
mod cascade_reports;
mod case_access_rules;
mod case_lifecycle;
mod concurrent_writers;
mod consumer_relationships;
mod contact_relationships;
mod cors;
mod delete_cascades;
mod directory_mutations;
mod existence_oracle;
mod global_ids;
mod grant_validity;
mod graphiql_assets;
mod hostile_queries;
mod household_and_team_roles;
mod household_memberships;
mod http_surface;
mod impact_previews;
mod jwt_rules;
mod membership_sweep;
mod mutation_roles;
mod operations;
mod pagination;
mod partner_account_scenario;
mod partner_case_access;
mod production_mode;
mod quickstart;
mod record_visibility;
mod relationship_types;
mod responsibility_definitions;
mod schema_drift;
mod smoke;
mod statement_counts;
mod strict_input;
mod support;
mod team_members;
mod update_invariants;
