//! Policy text → parse + type-check (with the shipped `library.policy`, so
//! routes and facts resolve) → when it parses, format it and check that the
//! formatter is idempotent and its output still parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use permitlint::lang::{fmt, library};
use permitlint::span::SourceFile;

const LIBRARY: &str = include_str!("../../policies/library.policy");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = library::build(vec![
        ("fuzz.policy".to_string(), text.to_string()),
        ("policies/library.policy".to_string(), LIBRARY.to_string()),
    ]);
    let source = SourceFile::new("fuzz.policy", text);
    if let Ok(once) = fmt::format_source(&source) {
        let again = fmt::format_source(&SourceFile::new("fuzz.policy", once.clone()))
            .unwrap_or_else(|e| panic!("formatted output does not parse: {e:?}\n{once}"));
        assert_eq!(once, again, "formatting is not idempotent");
    }
});
