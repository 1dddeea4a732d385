//! Policy text → library → evaluated over the reference permit with a small
//! budget: must end, never panic; running out of budget is a finding.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::eval(data));
