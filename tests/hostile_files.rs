//! Hostile files end to end: each gives a clear per-file finding, the rest of
//! the run is unaffected, and the exit code is as documented (0 clean, 1
//! errors found, 2 internal error or unusable library). Also hostile
//! *policies*: nesting that would overflow the stack, huge tables, and a
//! panic inside one permit's evaluation.
//!
//! Cases already covered elsewhere are not repeated here: `tests/hostile.rs`
//! (loader-level: alias bomb, deep nesting, 200 MB, NUL, non-UTF-8, empty),
//! `tests/cli.rs` (directory symlink loop, dangling link, Chinese path).

use crate::common;

use assert_cmd::Command;
use permitlint::date::Date;
use permitlint::lang::ast::{ExprKind, StmtKind};
use permitlint::lang::library::{Library, build};
use permitlint::lang::{fmt, parser};
use permitlint::run::{self, Options};
use permitlint::span::SourceFile;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-12-01";
const REFERENCE: &str = "tests/fixtures/permits/reference.yaml";
const LIBRARY: &str = include_str!("../policies/library.policy");

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Run `check --format json` over `paths`: (exit code, files checked, findings by file).
fn check_json(paths: &[&Path]) -> (i32, u64, BTreeMap<String, Vec<serde_json::Value>>) {
    let out = bin()
        .args(["check", "--as-of", AS_OF, "--format", "json"])
        .args(paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {stdout}\nstderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut by_file: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for f in v["findings"].as_array().unwrap() {
        by_file
            .entry(f["file"].as_str().unwrap().to_string())
            .or_default()
            .push(f.clone());
    }
    (
        out.status.code().unwrap_or(-1),
        v["files"].as_u64().unwrap(),
        by_file,
    )
}

fn key(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// The one finding of a file that could not be read into a tree.
fn one_finding<'a>(
    by_file: &'a BTreeMap<String, Vec<serde_json::Value>>,
    file: &str,
    rule: &str,
    needle: &str,
) -> &'a serde_json::Value {
    let fs = by_file
        .get(file)
        .unwrap_or_else(|| panic!("no finding for {file}: {:?}", by_file.keys()));
    assert_eq!(fs.len(), 1, "{file}: {fs:#?}");
    let f = &fs[0];
    assert_eq!(f["rule"], rule, "{file}: {f:#}");
    let msg = f["message"].as_str().unwrap();
    assert!(
        needle.split('|').any(|n| msg.contains(n)),
        "{file}: `{msg}` lacks `{needle}`"
    );
    f
}

/// Every hostile file in one folder, next to a good permit, in one run of
/// the binary: each hostile file gets exactly one clear finding, the good
/// permit is checked as if alone, and the run exits 1 (errors found).
#[test]
fn hostile_folder_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(REFERENCE, d.join("good.yaml")).unwrap();
    std::fs::write(d.join("bomb.yaml"), common::billion_laughs()).unwrap();
    std::fs::write(
        d.join("deep.yaml"),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .unwrap();
    std::fs::File::create(d.join("huge.yaml"))
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    std::fs::write(
        d.join("gbk.yaml"),
        b"format: permit/v1\nunit: \xcb\xd5\xd6\xdd\n",
    )
    .unwrap();
    std::fs::write(d.join("nul.yaml"), "format: permit/v1\nunit:\0\0\0\n").unwrap();
    // An ELF header: what `cp permitlint x.yaml` would give.
    let mut elf = vec![0x7fu8, b'E', b'L', b'F', 2, 1, 1, 0];
    elf.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(d.join("binary.yaml"), &elf).unwrap();
    std::fs::write(d.join("empty.yaml"), "").unwrap();
    // A folder named like a permit is not a permit: the walk skips it.
    std::fs::create_dir(d.join("folder.yaml")).unwrap();
    #[cfg(unix)]
    {
        // Two file links pointing at each other: opening either loops.
        std::os::unix::fs::symlink(d.join("ping.yaml"), d.join("pong.yaml")).unwrap();
        std::os::unix::fs::symlink(d.join("pong.yaml"), d.join("ping.yaml")).unwrap();
    }

    let (alone_code, _, alone) = check_json(&[Path::new(REFERENCE)]);
    let start = Instant::now();
    let (code, files, by_file) = check_json(&[d]);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 1, "{by_file:#?}");
    assert!(alone_code <= 1);

    one_finding(
        &by_file,
        &key(d, "bomb.yaml"),
        "document.yaml",
        "aliases expand",
    );
    one_finding(
        &by_file,
        &key(d, "deep.yaml"),
        "document.yaml",
        "nesting deeper than 64",
    );
    one_finding(
        &by_file,
        &key(d, "huge.yaml"),
        "document.yaml",
        "209715200 bytes",
    );
    one_finding(&by_file, &key(d, "gbk.yaml"), "document.yaml", "offset 24");
    one_finding(&by_file, &key(d, "nul.yaml"), "document.yaml", "NUL");
    one_finding(
        &by_file,
        &key(d, "binary.yaml"),
        "document.yaml",
        "NUL|not valid UTF-8",
    );
    one_finding(&by_file, &key(d, "empty.yaml"), "document.yaml", "empty");
    assert!(!by_file.contains_key(&key(d, "folder.yaml")));
    #[cfg(unix)]
    for name in ["ping.yaml", "pong.yaml"] {
        let f = one_finding(&by_file, &key(d, name), "document.unreadable", "");
        let msg = f["message"].as_str().unwrap().to_lowercase();
        assert!(msg.contains("symbolic links"), "{msg}");
    }

    // The good permit: the same findings as when checked alone.
    let rules = |m: &BTreeMap<String, Vec<serde_json::Value>>, k: &str| -> Vec<String> {
        m.get(k)
            .map(|fs| fs.iter().map(|f| f["message"].to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        rules(&by_file, &key(d, "good.yaml")),
        rules(&alone, REFERENCE)
    );
    // Readable files counted: good, bomb, deep, huge, gbk, nul, binary, empty.
    assert_eq!(files, 8, "{:?}", by_file.keys());
}

/// Files named directly are taken whatever they are: a folder named
/// `x.yaml` is searched like any folder. A path that does not exist is a
/// usage error (exit 2, named on stderr, nothing on stdout), as in every
/// command that takes paths.
#[test]
fn named_folder_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("folder.yaml")).unwrap();
    std::fs::write(d.join("folder.yaml").join("empty.yaml"), "").unwrap();
    let (code, _, by_file) = check_json(&[&d.join("folder.yaml"), Path::new(REFERENCE)]);
    assert_eq!(code, 1);
    assert!(by_file.keys().all(|k| k != "folder.yaml"));
    assert!(
        by_file.keys().any(|k| k.ends_with("empty.yaml")),
        "{:?}",
        by_file.keys()
    );
    let missing = d.join("missing.yaml");
    let out = bin()
        .args(["check", "--as-of", AS_OF, "--format", "json"])
        .arg(&missing)
        .arg(REFERENCE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: {}: no such file or folder",
            missing.display()
        )),
        "{stderr}"
    );
}

/// A file deleted between collection and checking: one `document.yaml`
/// finding ("cannot read the file") for it, the others checked normally.
#[test]
fn file_vanishing_mid_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["a.yaml", "b.yaml", "c.yaml"] {
        std::fs::copy(REFERENCE, d.join(name)).unwrap();
    }
    let (files, issues) = run::collect(&[d.to_path_buf()]);
    assert!(issues.is_empty());
    assert_eq!(files.len(), 3);
    std::fs::remove_file(d.join("b.yaml")).unwrap();
    let lib = permitlint::library::shipped().unwrap();
    let opts = Options::new(Date::parse(AS_OF).unwrap());
    let mut results = Vec::new();
    run::check_files(&lib, &files, &opts, false, |chunk| results.extend(chunk));
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| !r.internal_error));
    let b = &results[1];
    assert!(b.path.ends_with("b.yaml"));
    assert_eq!(b.findings.len(), 1, "{:#?}", b.findings);
    assert_eq!(b.findings[0].rule, "document.yaml");
    assert!(b.findings[0].message.contains("cannot read the file"));
    let msgs = |i: usize| -> Vec<String> {
        results[i]
            .findings
            .iter()
            .map(|f| f.message.clone())
            .collect()
    };
    assert_eq!(msgs(0), msgs(2), "a and c are the same permit");
}

/// How many tiny files the many-files test creates. On the 2-core machine,
/// with two fuzzers running beside it: creating 100,000 empty files takes
/// about 14 s, checking them with the debug binary about 3 s.
const MANY: usize = 100_000;

/// 100,000 files in one folder, one run of the binary: every file is
/// accounted for (one finding each, the summary counts them all).
#[test]
fn one_hundred_thousand_files_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("多 文件");
    std::fs::create_dir(&d).unwrap();
    let start = Instant::now();
    for i in 0..MANY {
        std::fs::File::create(d.join(format!("{i:06}.yaml"))).unwrap();
    }
    let created = start.elapsed();
    let start = Instant::now();
    // No cache: this measures the walk and the checks, and 100,000
    // entries would land in the working folder.
    let out = bin()
        .args([
            "check",
            "--as-of",
            AS_OF,
            "--format",
            "github",
            "--no-cache",
        ])
        .arg(&d)
        .output()
        .unwrap();
    let took = start.elapsed();
    eprintln!("created {MANY} files in {created:?}, checked them in {took:?}");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("checked {MANY} file(s)")),
        "{stderr}"
    );
    let mut seen = vec![false; MANY];
    for line in stdout.lines() {
        assert!(line.starts_with("::error "), "{line}");
        assert!(line.contains("the file is empty"), "{line}");
        let name = line.split(".yaml").next().unwrap();
        let i: usize = name[name.len() - 6..].parse().unwrap();
        assert!(!seen[i], "file {i} reported twice");
        seen[i] = true;
    }
    assert!(seen.iter().all(|s| *s), "every file has its finding");
    // How long it takes is for the benchmarks (docs/performance.md): a
    // wall-clock bound here failed on a loaded machine, not on slow code.
}

// ------------------------------------------------------------ policy safety

fn policy(name: &str, body: &str) -> String {
    common::policy(name, "error", body)
}

fn build_one(
    name: &str,
    text: &str,
) -> Result<Library, Box<permitlint::lang::library::LibraryErrors>> {
    build(vec![
        (format!("{name}.policy"), text.to_string()),
        ("policies/library.policy".into(), LIBRARY.into()),
    ])
}

/// Run `f` on a thread with a 2 MiB stack: what rayon workers and test
/// threads get. A stack overflow aborts the whole test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// Expressions nested thousands deep (brackets, chained and prefix
/// operators, field chains, blocks) are rejected with a clear error by the
/// parser, the library builder and the formatter, without overflowing a
/// 2 MiB stack.
#[test]
fn deep_policy_nesting_is_rejected_cleanly() {
    let n = 5_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "parens",
            format!(
                "  require {}unit.complaints{} < 1 else \"m\"",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "lists",
            format!(
                "  require 1 in {}1{} else \"m\"",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "not",
            format!(
                "  require {}unit.complaints < 1 else \"m\"",
                "not ".repeat(n)
            ),
        ),
        (
            "neg",
            format!("  require {}unit.complaints < 1 else \"m\"", "-".repeat(n)),
        ),
        (
            "plus",
            format!(
                "  require unit.complaints{} < 1 else \"m\"",
                " + 1".repeat(20 * n)
            ),
        ),
        (
            "and",
            format!("  require {}true else \"m\"", "true and ".repeat(n)),
        ),
        (
            "fields",
            format!("  require unit{} < 1 else \"m\"", ".complaints".repeat(n)),
        ),
        (
            "index",
            format!(
                "  require unit.complaints{} < 1 else \"m\"",
                "[0]".repeat(n)
            ),
        ),
        (
            "blocks",
            format!(
                "{}  require unit.complaints < 1 else \"m\"\n{}",
                "  when true {\n".repeat(n),
                "  }\n".repeat(n)
            ),
        ),
        (
            "template",
            format!(
                "  require unit.complaints < 1 else \"m {{{}1}}\"",
                "-".repeat(n)
            ),
        ),
    ];
    for (name, body) in cases {
        let text = policy(name, &body);
        let (built, formatted, parsed) = on_small_stack(move || {
            let source = SourceFile::new(format!("{name}.policy"), text.clone());
            let built = build_one(name, &text).err().map(|e| {
                let parse = e.parse.iter().map(|p| p.to_string());
                parse
                    .chain(e.check.iter().map(|c| c.message.clone()))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            let formatted = fmt::format_source(&source).err().map(|e| e.to_string());
            let parsed = parser::parse_file(&source).err().map(|e| e.to_string());
            (built, formatted, parsed)
        });
        let clean = |m: &Option<String>| {
            m.as_deref().is_some_and(|m| {
                m.contains("nested too deeply") || m.contains("stack limit reached")
            })
        };
        assert!(clean(&built), "{name}: build: {built:?}");
        // Message templates are parsed by the checker; to the formatter and
        // the parser they are opaque strings.
        if name != "template" {
            assert!(clean(&formatted), "{name}: fmt: {formatted:?}");
            assert!(clean(&parsed), "{name}: parse: {parsed:?}");
        }
    }
}

/// Just under the limit, everything works on a 2 MiB stack: build, format,
/// and evaluate against a permit (the evaluator recurses too).
#[test]
fn nesting_just_under_the_limit_evaluates_on_a_small_stack() {
    let n = parser::MAX_NESTING - 20;
    let cases: Vec<(&str, String)> = vec![
        (
            "not",
            format!(
                "  require {}unit.complaints < 1 else \"m\"",
                "not not ".repeat(n / 2)
            ),
        ),
        (
            "plus",
            format!(
                "  require unit.complaints{} < 1000 else \"m\"",
                " + 1".repeat(n)
            ),
        ),
        (
            "parens",
            format!(
                "  require {}unit.complaints{} < 1 else \"m\"",
                "(".repeat(n / 3),
                ")".repeat(n / 3)
            ),
        ),
        (
            "neg",
            format!(
                "  require {}unit.complaints < 1 else \"m\"",
                "- - ".repeat(n / 2)
            ),
        ),
    ];
    for (name, body) in cases {
        let text = policy(name, &body);
        on_small_stack(move || {
            let lib = build_one(name, &text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let source = SourceFile::new("x.policy", text.clone());
            let once = fmt::format_source(&source).unwrap();
            let twice = fmt::format_source(&SourceFile::new("x.policy", once.clone())).unwrap();
            assert_eq!(once, twice, "{name}");
            let opts = Options::new(Date::parse(AS_OF).unwrap());
            let permit = std::fs::read_to_string(REFERENCE).unwrap();
            let r = run::check_text(&lib, "p.yaml", &permit, &opts, None);
            assert!(!r.internal_error, "{name}: {:?}", r.findings);
        });
    }
}

/// A table of 50,000 rows builds, and a permit checks against it, in
/// bounded time: lookups do not rescan the text.
#[test]
fn huge_table_checks_in_bounded_time() {
    let rows = 50_000;
    let mut t = String::from("table big(code) \"50,000 rows\" {\n  | code | limit |\n");
    for i in 0..rows - 3 {
        t.push_str(&format!("  | c{i} | {} mg/m3 |\n", i % 997));
    }
    // The keys the reference permit uses, last: a linear scan would be slow.
    t.push_str("  | SO2 | 35 mg/m3 |\n  | NOx | 50 mg/m3 |\n  | PM | 10 mg/m3 |\n}\n\n");
    t.push_str(&policy(
        "big",
        "  for o in air.outlets {\n    for p in o.pollutants where p.pollutant in big {\n      require p.concentration <= big[p.pollutant].limit else \"m\"\n    }\n  }",
    ));
    let start = Instant::now();
    let lib = build_one("big", &t).unwrap_or_else(|e| panic!("{e:?}"));
    let built = start.elapsed();
    let opts = Options::new(Date::parse(AS_OF).unwrap());
    let permit = std::fs::read_to_string(REFERENCE).unwrap();
    let start = Instant::now();
    for _ in 0..20 {
        let r = run::check_text(&lib, "p.yaml", &permit, &opts, None);
        assert!(!r.internal_error, "{:?}", r.findings);
    }
    let checked = start.elapsed();
    eprintln!("50,000-row table: built in {built:?}, 20 checks in {checked:?}");
    assert!(built < Duration::from_secs(20), "build took {built:?}");
    assert!(
        checked < Duration::from_secs(10),
        "20 checks took {checked:?}"
    );
}

/// The language has no way to reach the outside: unknown functions (file,
/// process, network) are type errors, not run-time failures.
#[test]
fn policies_cannot_call_out() {
    for call in [
        "read_file(\"/etc/passwd\") == \"\"",
        "exec(\"rm -rf /\") == 0",
        "env(\"HOME\") == \"\"",
    ] {
        let text = policy("io", &format!("  require {call} else \"m\""));
        let err = build_one("io", &text).expect_err(call);
        let all = format!("{:?}", err.check);
        assert!(all.contains("unknown function"), "{call}: {all}");
    }
}

// ------------------------------------------------------------------- panics

/// A panic while evaluating one permit becomes an `internal.panic` finding
/// for that permit only; the other permits of the run are checked normally.
///
/// No permit is known to panic the evaluator, so the test breaks a checked
/// library the way only a bug could: it removes an argument of a call the
/// checker verified, so evaluating it indexes out of bounds. The broken
/// call sits behind `when unit.complaints > 5`, so only one permit reaches it.
#[test]
fn panic_in_one_permit_is_an_internal_finding_and_the_run_continues() {
    let text = policy(
        "panics",
        "  when unit.complaints > 5 {\n    require add_years(permit.valid_from, 1) > permit.valid_from else \"m\"\n  }",
    );
    let mut lib = build_one("panics", &text).unwrap_or_else(|e| panic!("{e:?}"));
    let p = lib
        .policies
        .iter_mut()
        .find(|p| p.meta.id == "x.panics")
        .unwrap();
    let StmtKind::When { then, .. } = &mut p.ast.body[0].node else {
        panic!("{:?}", p.ast.body[0]);
    };
    let StmtKind::Require { cond, .. } = &mut then[0].node else {
        panic!("{:?}", then[0]);
    };
    let ExprKind::Binary(_, call, _) = &mut cond.node else {
        panic!("{cond:?}");
    };
    let ExprKind::Call(_, args) = &mut call.node else {
        panic!("{call:?}");
    };
    args.pop();

    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string(REFERENCE).unwrap();
    assert!(reference.contains("  complaints: 0"));
    std::fs::write(dir.path().join("a.yaml"), &reference).unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        reference.replace("  complaints: 0", "  complaints: 9"),
    )
    .unwrap();
    std::fs::write(dir.path().join("c.yaml"), &reference).unwrap();
    let (files, _) = run::collect(&[dir.path().to_path_buf()]);
    let opts = Options::new(Date::parse(AS_OF).unwrap());
    let mut results = Vec::new();
    // Silence the default hook's message for the expected panic.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    run::check_files(&lib, &files, &opts, false, |chunk| results.extend(chunk));
    std::panic::set_hook(hook);

    let flags: Vec<bool> = results.iter().map(|r| r.internal_error).collect();
    assert_eq!(flags, [false, true, false]);
    let b = &results[1];
    assert_eq!(b.findings.len(), 1);
    assert_eq!(b.findings[0].rule, "internal.panic");
    assert!(
        b.findings[0].message.contains("index out of bounds"),
        "{}",
        b.findings[0].message
    );
    assert_eq!(results[0].findings.len(), results[2].findings.len());
    assert!(
        results[0]
            .findings
            .iter()
            .all(|f| f.rule != "internal.panic")
    );
}

/// The same end to end: the binary's test hook (debug builds only, see
/// docs/testing.md) panics on one named file; that file gets an
/// `internal.panic` finding, the others are checked, and the exit code is 2.
#[test]
fn panic_in_one_permit_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["a.yaml", "boom.yaml", "c.yaml"] {
        std::fs::copy(REFERENCE, d.join(name)).unwrap();
    }
    let out = bin()
        .env("PERMITLINT_TEST_PANIC_ON", "boom.yaml")
        .args(["check", "--as-of", AS_OF, "--format", "json"])
        .arg(d)
        .output()
        .unwrap();
    if cfg!(not(debug_assertions)) {
        return; // the hook exists in debug builds only
    }
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"], 3);
    let findings = v["findings"].as_array().unwrap();
    let panics: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "internal.panic")
        .collect();
    assert_eq!(panics.len(), 1);
    assert!(panics[0]["file"].as_str().unwrap().ends_with("boom.yaml"));
    let per_file = |name: &str| {
        findings
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(name))
            .count()
    };
    assert_eq!(per_file("a.yaml"), per_file("c.yaml"));
}
