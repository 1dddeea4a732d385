//! Every input the fuzzers ever crashed on (and a few hostile inputs written
//! by hand) lives in `tests/fuzz_regressions/`; this test runs each file
//! through all three fuzzed entry points and asserts that none panics:
//!
//! - `permit`: `permit::load` with the default limits;
//! - `check`: `run::check_text` against the shipped library (a caught panic
//!   is an `internal.panic` finding, which fails here too);
//! - `policy`: `lang::library::build` of the file with
//!   `policies/library.policy`, then `lang::fmt::format_source`, which must
//!   be idempotent and give text that parses.
//!
//! Test threads have a 2 MiB stack, a quarter of what the fuzzers had, so a
//! deep-recursion regression shows up here first. See docs/testing.md for
//! how to add a crashing input (minimise it with `cargo fuzz tmin` first).

use permitlint::date::Date;
use permitlint::lang::{fmt, library};
use permitlint::permit::{Limits, load};
use permitlint::run::{Options, check_text};
use permitlint::span::SourceFile;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

const LIBRARY: &str = include_str!("../policies/library.policy");

fn inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/fuzz_regressions")
        .expect("tests/fuzz_regressions")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

fn permit_target(data: &[u8]) {
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

fn check_target(lib: &library::Library, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let opts = Options::new(Date::new(2026, 12, 1).unwrap());
    let r = check_text(lib, "fuzz.yaml", &text, &opts, None);
    assert!(!r.internal_error, "{:?}", r.findings);
}

fn policy_target(data: &[u8]) {
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

#[test]
fn every_regression_input_passes_every_target() {
    let lib = permitlint::library::shipped().expect("shipped library");
    let files = inputs();
    assert!(!files.is_empty(), "no regression inputs found");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let targets: [(&str, &dyn Fn()); 3] = [
            ("permit", &|| permit_target(&data)),
            ("check", &|| check_target(&lib, &data)),
            ("policy", &|| policy_target(&data)),
        ];
        for (name, run) in targets {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(run)) {
                let what = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{} [{name}]: {what}", path.display()));
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
