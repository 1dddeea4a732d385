//! Permit bytes → `permit::load` with the default limits. Must never panic.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::permit(data));
