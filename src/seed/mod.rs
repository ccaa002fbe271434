//! Data sets loaded through the domain rules, kept apart from the rules themselves.

pub mod demo;
