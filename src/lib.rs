//! permitlint: checks pollutant discharge permits (排污许可证) against the
//! regulations that govern them. See `docs/architecture.md` for the code map.

pub mod baseline;
pub mod catalogue;
pub mod cli;
pub mod coverage;
pub mod date;
pub mod diff;
pub mod docs;
pub mod escape;
pub mod eval;
pub mod finding;
pub mod fsio;
pub mod generate;
pub mod import;
pub mod lang;
pub mod library;
pub mod lists;
pub mod lsp;
pub mod monitor;
pub mod permit;
pub mod policytest;
pub mod report;
pub mod review;
pub mod run;
pub mod schema;
pub mod select;
pub mod span;
pub mod stats;
pub mod track;
pub mod units;
pub mod waiver;
