//! The policy language: grammar (`grammar/policy.pest`), parser, AST,
//! static checker and formatter. Knows the permit *schema*, never a permit,
//! a file system or the CLI.

pub mod ast;
pub mod check;
pub mod errors;
pub mod fmt;
pub mod library;
pub mod lint;
pub mod parser;
pub mod standards;
pub mod table;
pub mod template;
pub mod types;
