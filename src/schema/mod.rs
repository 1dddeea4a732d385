//! The one schema of the permit format.
pub mod permit_v1;
pub mod types;
