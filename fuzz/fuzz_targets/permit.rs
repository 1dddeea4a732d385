//! Permit bytes → `permit::load` with the default limits. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use permitlint::permit::{Limits, load};
use permitlint::span::SourceFile;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = load(SourceFile::new("fuzz.yaml", text), &Limits::default());
    // Every finding's spans lie inside the text (reporters slice by them).
    for f in &loaded.findings {
        let len = f.file.text.len() as u32;
        if let Some(p) = f.primary {
            assert!(p.start <= p.end && p.end <= len, "{f:?}");
        }
        for l in &f.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= len, "{f:?}");
        }
    }
});
