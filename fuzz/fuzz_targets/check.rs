//! Permit bytes → `run::check_text` against the shipped library (built once).
#![no_main]

#[path = "../targets.rs"]
mod targets;

use permitlint::lang::library::Library;
use std::sync::OnceLock;

static LIB: OnceLock<Library> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let lib = LIB.get_or_init(|| permitlint::library::shipped().expect("shipped library builds"));
    targets::check(lib, data);
});
