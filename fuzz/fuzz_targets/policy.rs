//! Policy text → parse + type-check → format twice (idempotent, parses).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::policy(data));
