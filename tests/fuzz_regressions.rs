//! Every input the fuzzers ever crashed on (and a few hostile inputs written
//! by hand) lives in `tests/fuzz_regressions/`; this test runs each file
//! through all six fuzz targets' bodies (`fuzz/targets.rs`) and asserts that
//! none fails:
//!
//! - `permit`: the raw bytes through `permit::load_path` with the default
//!   limits;
//! - `check`: `run::check_text` against the shipped library (a caught panic
//!   is an `internal.panic` finding, which fails here too);
//! - `policy`: `lang::library::build` of the file with
//!   `policies/library.policy`; when it parses, the formatted text parses to
//!   the same AST and formatting is idempotent;
//! - `eval`: the file as a policy, evaluated over the reference permit with
//!   a small budget;
//! - `render`: the file as fuzzed text in a permit and a finding, through
//!   every output format, each checked for well-formedness and injection;
//! - `files`: the file as a baseline, waivers, `lists.json` and the other
//!   files the tool reads.
//!
//! Test threads have a 2 MiB stack, a quarter of what the fuzzers had, so a
//! deep-recursion regression shows up here first. See docs/testing.md for
//! how to add a crashing input (minimise it with `cargo fuzz tmin` first).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

/// The fuzz targets' own bodies (shared with `fuzz/fuzz_targets/`).
#[path = "../fuzz/targets.rs"]
mod targets;

/// The regression inputs and the hand-written seeds of the fuzz targets
/// (`fuzz/seeds/<target>/`: hostile names, formulas, markup, forged
/// workflow commands; baselines, waivers and lists files), so the targets'
/// oracles run on every `cargo test`.
fn inputs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in [
        "tests/fuzz_regressions",
        "fuzz/seeds/render",
        "fuzz/seeds/files",
    ] {
        v.extend(
            std::fs::read_dir(dir)
                .expect(dir)
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md")),
        );
    }
    v.sort();
    v
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
        let targets: [(&str, &dyn Fn()); 6] = [
            ("permit", &|| targets::permit(&data)),
            ("check", &|| targets::check(&lib, &data)),
            ("policy", &|| targets::policy(&data)),
            ("eval", &|| targets::eval(&data)),
            ("render", &|| targets::render(&lib, &data)),
            ("files", &|| targets::files(&data)),
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
    targets::remove_scratch();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
