//! The bodies of the three fuzz targets, in one place: the `cargo fuzz`
//! targets (`fuzz/fuzz_targets/*.rs`) and the regression test that replays
//! every saved crash (`tests/fuzz_regressions.rs`) include this file, so
//! both check exactly the same properties. Uses only permitlint's API.

// Each fuzz target binary uses one of the three functions.
#![allow(dead_code)]

use permitlint::date::Date;
use permitlint::lang::{fmt, library};
use permitlint::permit::{Limits, load};
use permitlint::run::{Options, check_text};
use permitlint::span::SourceFile;

const LIBRARY: &str = include_str!("../policies/library.policy");

/// Permit bytes → `permit::load` with the default limits. Must not panic,
/// and every finding's spans lie inside the text (reporters slice by them).
pub fn permit(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let loaded = load(SourceFile::new("fuzz.yaml", text), &Limits::default());
    for f in &loaded.findings {
        let len = f.file.text.len() as u32;
        if let Some(p) = f.primary {
            assert!(p.start <= p.end && p.end <= len, "{f:?}");
        }
        for l in &f.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= len, "{f:?}");
        }
    }
}

/// Permit bytes → `run::check_text` against `lib` (the shipped library).
/// `check_text` catches panics; a caught panic still fails here.
pub fn check(lib: &library::Library, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let opts = Options::new(Date::new(2026, 12, 1).expect("date"));
    let r = check_text(lib, "fuzz.yaml", &text, &opts, None);
    assert!(!r.internal_error, "{:?}", r.findings);
}

/// Policy text → parse + type-check (with the shipped `library.policy`, so
/// routes and facts resolve) → when it parses, format it: the formatter is
/// idempotent and its output still parses.
pub fn policy(data: &[u8]) {
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
}
