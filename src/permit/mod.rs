//! Permit documents: YAML reading with byte spans, and document validation.
pub mod model;
pub mod yaml;
