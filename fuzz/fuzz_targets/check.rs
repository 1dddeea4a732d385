//! Permit bytes → `run::check_text` against the shipped library (built once).
//! `check_text` catches panics; a caught panic is still a crash here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use permitlint::date::Date;
use permitlint::lang::library::Library;
use permitlint::run::{Options, check_text};
use std::sync::OnceLock;

static LIB: OnceLock<Library> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let lib = LIB.get_or_init(|| permitlint::library::shipped().expect("shipped library builds"));
    let text = String::from_utf8_lossy(data);
    let opts = Options::new(Date::new(2026, 12, 1).expect("date"));
    let r = check_text(lib, "fuzz.yaml", &text, &opts, None);
    assert!(!r.internal_error, "{:?}", r.findings);
});
