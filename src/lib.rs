//! permitlint: checks pollutant discharge permits (排污许可证) against the
//! regulations that govern them. See `docs/architecture.md` for the code map.

pub mod date;
pub mod finding;
pub mod permit;
pub mod report;
pub mod schema;
pub mod span;
pub mod units;
pub mod lang;
pub mod eval;
