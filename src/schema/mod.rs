//! The one schema of the permit format, and what is generated from it.
pub mod json_schema;
pub mod markdown;
pub mod permit_v1;
pub mod types;
