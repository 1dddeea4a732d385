//! End-to-end tests of the `permitlint` binary over the shipped corpus and
//! library: formats, exit codes, `--as-of`, determinism, hostile paths.

use assert_cmd::Command;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

const AS_OF: &str = "2026-12-01";

fn check(args: &[&str]) -> (i32, String, String) {
    let out = bin()
        .arg("check")
        .arg("--as-of")
        .arg(AS_OF)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn corpus_has_errors_and_exit_code_1() {
    let (code, stdout, stderr) = check(&["corpus/"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("corpus/"), "findings name their file");
    assert!(
        stderr.contains("as of 2026-12-01"),
        "summary states the date: {stderr}"
    );
}

#[test]
fn clean_permit_exits_0() {
    let (code, stdout, stderr) =
        check(&["tests/fixtures/permits/reference.yaml", "--format", "json"]);
    // The reference permit satisfies every shipped rule as of AS_OF.
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{stdout}");
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn json_output_parses_and_is_sorted() {
    let (_, stdout, _) = check(&["corpus/", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let keys: Vec<(String, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["start_byte"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "findings sorted by file then position");
    for f in findings {
        assert!(f["fingerprint"].as_str().is_some_and(|s| s.len() == 16));
        assert!(f["rule"].as_str().is_some());
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let (_, stdout, _) = check(&["corpus/", "--format", "sarif"]);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/sarif-2.1.0.json").unwrap())
            .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["runs"][0]["columnKind"], "unicodeCodePoints");
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn junit_and_github_formats() {
    let (code, junit, _) = check(&["corpus/", "--format", "junit"]);
    assert_eq!(code, 1);
    assert!(junit.starts_with("<?xml"));
    assert!(junit.contains("<testsuites"));
    let (_, gh, _) = check(&["corpus/", "--format", "github"]);
    assert!(
        gh.lines().all(|l| l.starts_with("::error ")
            || l.starts_with("::warning ")
            || l.starts_with("::notice ")),
        "{gh}"
    );
    assert!(gh.lines().any(|l| l.starts_with("::error file=corpus/")));
}

#[test]
fn output_is_identical_across_thread_counts() {
    for format in ["human", "json", "sarif", "junit", "github"] {
        let (_, one, _) = check(&["corpus/", "-j", "1", "--format", format]);
        let (_, two, _) = check(&["corpus/", "-j", "2", "--format", format]);
        let (_, four, _) = check(&["corpus/", "-j", "4", "--format", format]);
        assert_eq!(one, two, "{format}: -j1 vs -j2");
        assert_eq!(one, four, "{format}: -j1 vs -j4");
    }
}

#[test]
fn as_of_selects_policies_in_force() {
    // GB 13223-2011 took effect on 2012-01-01: before that its rule is not in force.
    let rule = "air.gb13223-2011.limits";
    let before = bin()
        .args([
            "check",
            "--as-of",
            "2011-06-01",
            "--format",
            "json",
            "corpus/",
        ])
        .output()
        .unwrap();
    let after = bin()
        .args(["check", "--as-of", AS_OF, "--format", "json", "corpus/"])
        .output()
        .unwrap();
    let before = String::from_utf8_lossy(&before.stdout);
    let after = String::from_utf8_lossy(&after.stdout);
    assert!(!before.contains(rule));
    assert!(after.contains(rule));
    assert!(
        before.contains("\"as_of\": \"2011-06-01\"") || before.contains("\"as_of\":\"2011-06-01\"")
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = bin()
        .args(["check", "--as-of", "2026-13-01", "corpus/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["check", "--format", "xml", "corpus/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["check", "-j", "0", "corpus/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn broken_policy_library_exits_2_and_names_the_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.policy"),
        "policy a.b { title \"x\" version 1 }\n",
    )
    .unwrap();
    let out = bin()
        .args(["check", "--policies"])
        .arg(dir.path())
        .arg("corpus/")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no `basis`"), "{err}");
}

#[test]
fn unreadable_entries_and_symlink_loops_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(
        "tests/fixtures/permits/reference.yaml",
        root.join("good.yaml"),
    )
    .unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root, root.join("sub").join("loop")).unwrap();
        std::os::unix::fs::symlink(root.join("missing.yaml"), root.join("dangling.yaml")).unwrap();
    }
    std::fs::write(root.join("latin1.yaml"), b"unit:\n  name: \xe9\xe9\n").unwrap();
    std::fs::write(root.join("路径 有空格.yaml"), "format: permit/v1\n").unwrap();
    let out = bin()
        .args(["check", "--as-of", AS_OF, "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("latin1.yaml")),
        "non-UTF-8 file reported"
    );
    assert!(
        files.iter().any(|f| f.ends_with("路径 有空格.yaml")),
        "path with spaces and Chinese"
    );
    #[cfg(unix)]
    {
        assert!(
            files.iter().any(|f| f.contains("loop")),
            "symlink loop reported: {files:?}"
        );
        assert!(
            files.iter().any(|f| f.ends_with("dangling.yaml")),
            "dangling link reported: {files:?}"
        );
    }
    // The good permit was still checked: the run covered every file.
    assert!(v["files"].as_u64().unwrap() >= 3);
}

#[test]
fn explain_prints_the_rules_documentation() {
    let out = bin()
        .args(["explain", "air.gb13223-2011.limits"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    for section in [
        "basis:",
        "### What it checks",
        "### Why",
        "### Violating example",
        "### Conforming example",
    ] {
        assert!(s.contains(section), "missing {section}:\n{s}");
    }
    let out = bin()
        .args(["explain", "air.gb13223-2011.limimts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean `air.gb13223-2011.limits`?")
    );
}

#[test]
fn json_schema_is_valid_json_and_accepts_the_reference() {
    let out = bin().args(["schema", "--json-schema"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

#[test]
fn shipped_library_checks_clean_and_is_formatted() {
    let out = bin()
        .args(["policy", "check", "policies"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = bin()
        .args(["policy", "fmt", "--check", "policies"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn policy_fmt_check_names_files_that_would_change() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.policy");
    std::fs::write(&p, "route air to \"大气环境\"\nroute   water to \"水\"\n").unwrap();
    let out = bin()
        .args(["policy", "fmt", "--check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("x.policy"));
    let out = bin()
        .args(["policy", "fmt"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = bin()
        .args(["policy", "fmt", "--check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(Path::new(&p).exists());
}

#[test]
fn policy_test_passes_over_the_shipped_library_with_coverage() {
    let out = bin()
        .args(["policy", "test", "policies", "--coverage"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Printed so CI logs show the coverage of every shipped rule.
    println!("{stdout}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("MISSING"), "{stdout}");
    assert!(stdout.contains("coverage:"));
    assert!(stdout.lines().any(|l| l.ends_with(" passed, 0 failed")));
}

#[test]
fn a_failing_rule_test_prints_expected_and_actual_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy("policies/library.policy", root.join("library.policy")).unwrap();
    std::fs::create_dir_all(root.join("air/tests")).unwrap();
    for f in ["gb13223-2011.policy", "gb13223-2003.policy"] {
        std::fs::copy(format!("policies/air/{f}"), root.join("air").join(f)).unwrap();
    }
    let permit = std::fs::read_to_string("tests/fixtures/permits/reference.yaml").unwrap();
    // Annotate a value that does not break the rule: the test must fail.
    let annotated = permit.replacen(
        "concentration: 35 mg/m3",
        "concentration: 35 mg/m3   # expect: air.gb13223-2011.limits",
        1,
    );
    std::fs::write(
        root.join("air/tests/wrong.yaml"),
        format!("# as-of: 2026-12-01\n{annotated}"),
    )
    .unwrap();
    let out = bin().args(["policy", "test"]).arg(root).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("expected: line"), "{stdout}");
    assert!(stdout.contains("actual:   (none)"), "{stdout}");
}
