//! The one schema of the permit format.
pub mod types;
