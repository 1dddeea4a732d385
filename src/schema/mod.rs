//! The one schema of the permit format.
pub mod types;
pub mod permit_v1;
