//! Fuzzed text in a permit and a finding → every output format, each
//! checked for well-formedness and for anything that could act on its reader.
#![no_main]

#[path = "../targets.rs"]
mod targets;

use permitlint::lang::library::Library;
use std::sync::OnceLock;

static LIB: OnceLock<Library> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let lib = LIB.get_or_init(|| permitlint::library::shipped().expect("shipped library builds"));
    targets::render(lib, data);
});
