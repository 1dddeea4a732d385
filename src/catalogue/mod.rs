//! Catalogues of the names real permits use: pollutants and emission
//! standards.
//!
//! This module owns the mapping from what a document *says* (`二氧化硫`,
//! `SO₂`, `火电厂大气污染物排放标准GB13223-2011`) to the canonical names the
//! schema and the policies use (`SO2`, `GB 13223-2011`). It knows no permit
//! tree, no policy and no file: the validator calls it on scalars, the
//! policy library supplies the list of standards it knows.
//!
//! The pollutant data is `data/pollutants.csv`, compiled in; every alias is
//! tested to resolve (`tests/catalogue.rs`).

pub mod pollutants;
pub mod standards;
pub mod text;

pub use pollutants::{Medium, Pollutant};
