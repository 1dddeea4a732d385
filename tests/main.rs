//! All integration tests, in one binary: one link instead of one per file
//! (each test binary links the whole crate; forty of them filled a CI
//! machine's disk and most of its build time). Each module is one concern,
//! named as its file.

mod common;
mod lsp_client;

mod applicant_language;
mod budget;
mod cache;
mod catalogue;
mod cli;
mod cli_consistency;
mod corpus;
mod dispatch;
mod docs;
mod eval_semantics;
mod fail_closed;
mod fuzz_regressions;
mod hostile;
mod hostile_files;
mod hostile_outputs;
mod import;
mod language_doc;
mod libraries;
mod lists;
mod lsp;
mod migrate;
mod monitor;
mod monitor_declared;
mod monitor_export;
mod monitor_leads;
mod monitor_parquet;
mod monitor_xlsx;
mod permit_mutations;
mod policy_errors;
mod policy_fmt;
mod print;
mod proptest_outputs;
mod proptest_permits;
mod proptest_policies;
mod reference;
mod report_formats;
mod review;
mod row_coverage;
mod schema_exports;
mod selection;
mod slowness;
mod suppressions;
mod trace;
mod undecided;
mod versions;
mod writes;
mod yaml_suite;
