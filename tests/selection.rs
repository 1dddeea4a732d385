//! Rule selection, the exit policy, `permitlint rules` and
//! `permitlint.toml`, end to end.

use assert_cmd::Command;

use crate::common;
use common::{LOCAL_RULE, root, run_in as run};

/// A project folder: `local/rule.policy` and `permits/a.yaml` (the
/// reference permit, clean under the built-in library).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("local")).unwrap();
    std::fs::write(dir.path().join("local/rule.policy"), LOCAL_RULE).unwrap();
    std::fs::create_dir_all(dir.path().join("permits/draft")).unwrap();
    let permit = root().join("tests/fixtures/permits/reference.yaml");
    std::fs::copy(&permit, dir.path().join("permits/a.yaml")).unwrap();
    std::fs::copy(&permit, dir.path().join("permits/draft/b.yaml")).unwrap();
    dir
}

fn rules_of(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

const DATE: [&str; 2] = ["--as-of", "2026-12-01"];

#[test]
fn fail_on_and_exit_zero_set_the_exit_code() {
    let d = project();
    let base = [
        "check",
        DATE[0],
        DATE[1],
        "--policies",
        "local",
        "permits/a.yaml",
    ];
    let (code, _, stderr) = run(d.path(), &base);
    assert_eq!(code, 0, "a warning does not fail by default: {stderr}");
    assert!(stderr.contains("1 warning(s)"), "{stderr}");
    let (code, _, _) = run(d.path(), &[&base[..], &["--fail-on", "warning"]].concat());
    assert_eq!(code, 1);
    let (code, _, _) = run(d.path(), &[&base[..], &["--fail-on", "notice"]].concat());
    assert_eq!(code, 1);
    let (code, _, _) = run(
        d.path(),
        &[&base[..], &["--fail-on", "warning", "--exit-zero"]].concat(),
    );
    assert_eq!(code, 0);
    // `--exit-zero` does not hide a usage error.
    let (code, _, _) = run(
        d.path(),
        &["check", "--exit-zero", "--select", "nope.*", "permits"],
    );
    assert_eq!(code, 2);
}

#[test]
fn select_and_ignore_choose_the_rules_that_run() {
    let d = project();
    let base = [
        "check",
        DATE[0],
        DATE[1],
        "--policies",
        "local",
        "--format",
        "json",
    ];
    let (_, stdout, _) = run(
        d.path(),
        &[&base[..], &["--select", "local", "permits/a.yaml"]].concat(),
    );
    assert_eq!(rules_of(&stdout), ["local.valid-from-early"]);
    let (_, stdout, _) = run(
        d.path(),
        &[&base[..], &["--ignore", "local.*", "permits/a.yaml"]].concat(),
    );
    assert!(rules_of(&stdout).is_empty(), "{stdout}");
    // On the corpus: only air rules (and document problems, never selected away).
    let corpus = root().join("corpus").display().to_string();
    let (_, stdout, _) = run(
        d.path(),
        &[&base[..], &["--select", "air.*", &corpus]].concat(),
    );
    let rules = rules_of(&stdout);
    assert!(rules.iter().any(|r| r.starts_with("air.")), "{rules:?}");
    assert!(
        rules
            .iter()
            .all(|r| r.starts_with("air.") || r.starts_with("document.")),
        "{rules:?}"
    );
    let (_, stdout, _) = run(
        d.path(),
        &[
            &base[..],
            &["--select", "air.*", "--ignore", "air.gb13223-2011", &corpus],
        ]
        .concat(),
    );
    assert!(
        !rules_of(&stdout)
            .iter()
            .any(|r| r.starts_with("air.gb13223-2011."))
    );
    // A selector that matches nothing is a typo, not an empty run.
    let (code, stdout, stderr) = run(d.path(), &["check", "--select", "air.gb1322", "permits"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("`air.gb1322` selects no rule of the library"),
        "{stderr}"
    );
}

#[test]
fn rules_lists_the_rules_in_force_with_their_library() {
    let d = project();
    let (code, stdout, stderr) = run(
        d.path(),
        &[
            "rules",
            DATE[0],
            DATE[1],
            "--policies",
            "local",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rules = v.as_array().unwrap();
    let lib = permitlint::library::shipped().unwrap();
    assert_eq!(
        rules.len(),
        lib.in_force(permitlint::date::Date::parse("2026-12-01").unwrap())
            .len()
            + 1
    );
    let local = rules
        .iter()
        .find(|r| r["id"] == "local.valid-from-early")
        .unwrap();
    assert_eq!(local["version"], 1);
    assert_eq!(local["severity"], "warning");
    assert_eq!(local["element"], "procedure");
    assert_eq!(local["effective_from"], "2021-03-01");
    assert_eq!(local["effective_until"], serde_json::Value::Null);
    assert_eq!(local["basis"], "本局测试规则");
    assert_eq!(local["library"], "local");
    let gb = rules
        .iter()
        .find(|r| r["id"] == "air.gb13223-2011.limits")
        .unwrap();
    assert_eq!(gb["library"], "built-in");
    // Human: one aligned line per rule, then title and basis.
    let (_, stdout, _) = run(
        d.path(),
        &["rules", DATE[0], DATE[1], "--select", "air.gb13223-2011"],
    );
    let lines: Vec<&str> = stdout.lines().collect();
    // Three rules of GB 13223-2011: limits, smoke-blackness, special-limits.
    assert_eq!(lines.len(), 9, "{stdout}");
    assert!(lines[0].starts_with("air.gb13223-2011.limits "), "{stdout}");
    assert!(
        lines[0].contains(" v1 ") && lines[0].contains(" error ") && lines[0].ends_with("built-in")
    );
    assert!(lines[2].starts_with("    basis: GB 13223-2011"), "{stdout}");
}

#[test]
fn the_config_file_is_found_upward_and_flags_override_it() {
    let d = project();
    std::fs::write(
        d.path().join("permitlint.toml"),
        r#"
policies = ["local"]
as-of = "2026-12-01"
include = ["permits/**/*.yaml"]
exclude = ["draft"]
format = "json"
select = ["local"]
fail-on = "warning"
"#,
    )
    .unwrap();
    let (code, stdout, stderr) = run(d.path(), &["check"]);
    assert_eq!(code, 1, "fail-on warning from the file: {stderr}");
    assert_eq!(rules_of(&stdout), ["local.valid-from-early"]);
    assert!(stdout.contains("\"permits/a.yaml\""), "{stdout}");
    assert!(!stdout.contains("b.yaml"), "draft/ is excluded: {stdout}");
    assert!(stderr.contains("as of 2026-12-01"), "{stderr}");
    assert!(stderr.contains("libraries: built-in ("), "{stderr}");
    // From a folder below: the same file, paths relative to here.
    std::fs::create_dir(d.path().join("sub")).unwrap();
    let (code, stdout, _) = run(&d.path().join("sub"), &["check"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("../permits/a.yaml"), "{stdout}");
    // Flags win.
    let (code, stdout, _) = run(
        d.path(),
        &["check", "--fail-on", "error", "--format", "human"],
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("local.valid-from-early"), "{stdout}");
    assert!(!stdout.trim_start().starts_with('{'));
    let (_, stdout, _) = run(d.path(), &["check", "--select", "air.*"]);
    assert!(rules_of(&stdout).is_empty(), "{stdout}");
    // A file named on the command line is checked even when excluded.
    let (_, stdout, _) = run(d.path(), &["check", "permits/draft/b.yaml"]);
    assert!(stdout.contains("b.yaml"), "{stdout}");
    // `rules` reads it too.
    let (_, stdout, _) = run(d.path(), &["rules"]);
    assert!(stdout.starts_with("local.valid-from-early "), "{stdout}");
}

#[test]
fn a_bad_config_file_is_a_usage_error_naming_the_key() {
    let d = project();
    std::fs::write(d.path().join("permitlint.toml"), "selcet = [\"air\"]\n").unwrap();
    let (code, stdout, stderr) = run(d.path(), &["check", "permits"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("permitlint.toml"), "{stderr}");
    assert!(stderr.contains("unknown field `selcet`"), "{stderr}");
    std::fs::write(d.path().join("permitlint.toml"), "as-of = \"yesterday\"\n").unwrap();
    let (code, _, stderr) = run(d.path(), &["check", "permits"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("neither \"today\" nor a date"), "{stderr}");
    std::fs::write(d.path().join("permitlint.toml"), "fail-on = \"fatal\"\n").unwrap();
    let (code, _, stderr) = run(d.path(), &["check", "permits"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn every_config_key_is_documented_and_accepted() {
    let doc = std::fs::read_to_string(root().join("docs/config.md")).unwrap();
    for key in permitlint::cli::config::KEYS {
        assert!(
            doc.contains(&format!("| `{key}` |")),
            "docs/config.md lacks `{key}`"
        );
        // The example in the documentation uses every key, and parses.
        assert!(
            doc.contains(&format!("\n{key} = ")),
            "example lacks `{key}`"
        );
    }
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let d = project();
    std::fs::create_dir(d.path().join("local-policies")).unwrap();
    std::fs::write(d.path().join("local-policies/rule.policy"), LOCAL_RULE).unwrap();
    let example = example.replace("[\"air\", \"water\"]", "[\"air\", \"water\", \"local\"]");
    std::fs::write(d.path().join("permitlint.toml"), example).unwrap();
    let (code, _, stderr) = run(d.path(), &["check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("checked 1 file(s)"), "{stderr}");
}

#[test]
fn concise_format_and_statistics() {
    let d = project();
    let corpus = root().join("corpus").display().to_string();
    let (code, stdout, stderr) = run(
        d.path(),
        &[
            "check",
            DATE[0],
            DATE[1],
            "--format",
            "concise",
            "--statistics",
            &corpus,
        ],
    );
    assert_eq!(code, 1);
    let (_, json, _) = run(
        d.path(),
        &["check", DATE[0], DATE[1], "--format", "json", &corpus],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), findings.len(), "one line per finding");
    for (l, f) in lines.iter().zip(findings) {
        let head = match f["line"].as_u64() {
            Some(line) => format!("{}:{line}:{}: ", f["file"].as_str().unwrap(), f["column"]),
            None => format!("{}: ", f["file"].as_str().unwrap()),
        };
        let want = format!(
            "{head}{} {} ",
            f["rule"].as_str().unwrap(),
            f["severity"].as_str().unwrap()
        );
        assert!(l.starts_with(&want), "{l}\nwanted {want}");
    }
    // Statistics: one line per (rule, severity), counts adding up.
    let stats: Vec<(usize, String)> = stderr
        .split("statistics:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let mut w = l.split_whitespace();
            (
                w.next().unwrap().parse().unwrap(),
                w.next().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(stats.iter().map(|(n, _)| n).sum::<usize>(), findings.len());
    assert!(
        stats.windows(2).all(|w| w[0].0 >= w[1].0),
        "most frequent first"
    );
    let so2 = findings
        .iter()
        .filter(|f| f["rule"] == stats[0].1.as_str())
        .count();
    assert_eq!(so2, stats[0].0);
}

#[test]
fn explain_as_of_picks_the_version_in_force() {
    let d = project();
    let (code, stdout, _) = run(
        d.path(),
        &[
            "explain",
            "air.gb13223-2003.periods",
            "--as-of",
            "2010-01-01",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("## air.gb13223-2003.periods"),
        "{stdout}"
    );
    let (code, stdout, stderr) = run(
        d.path(),
        &[
            "explain",
            "air.gb13223-2003.periods",
            "--as-of",
            "2020-01-01",
        ],
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("no version of `air.gb13223-2003.periods` is in force on 2020-01-01 (versions: v1 2004-01-01 .. 2014-07-01)"),
        "{stderr}"
    );
}

#[test]
fn policy_test_rule_runs_only_the_cases_of_that_rule() {
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(root())
        .args(["policy", "test", "policies", "--rule", "air.gb13223-2011"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let cases: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ok ")).collect();
    assert!(!cases.is_empty());
    // Every case run names a selected rule in an annotation; cases that do
    // not (other rules' tests) are not run.
    for l in &cases {
        let path = l.trim_start_matches("ok").trim();
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        assert!(text.contains("air.gb13223-2011."), "{path}");
    }
    let all = std::process::Command::new(env!("CARGO_BIN_EXE_permitlint"))
        .current_dir(root())
        .args(["policy", "test", "policies"])
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&all.stdout);
    assert!(all.lines().filter(|l| l.starts_with("ok ")).count() > cases.len());
    assert!(!stdout.contains("MISSING"), "{stdout}");
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(root())
        .args(["policy", "test", "policies", "--rule", "air.nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn format_names_are_the_same_in_every_command() {
    let r = root();
    let corpus = r
        .join("corpus/thermal-power-01-clean.yaml")
        .display()
        .to_string();
    for args in [
        vec!["rules", "--format", "human"],
        vec!["rules", "--format", "json"],
        vec!["policy", "check", "--format", "human"],
        vec!["policy", "check", "--format", "json"],
        vec!["classify", "--format", "human", &corpus],
        vec!["classify", "--format", "json", &corpus],
        // `text`, the old name, is still accepted.
        vec!["classify", "--format", "text", &corpus],
    ] {
        let (code, _, stderr) = run(&r, &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    for args in [
        vec!["rules", "--format", "yaml"],
        vec!["policy", "check", "--format", "xml"],
        vec!["diff", "--format", "csv", &corpus],
    ] {
        let (code, _, stderr) = run(&r, &args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains("possible values: human, json"), "{stderr}");
    }
}

#[test]
fn explain_and_review_commands_see_the_configured_library() {
    let d = project();
    std::fs::write(d.path().join("permitlint.toml"), "policies = [\"local\"]\n").unwrap();
    let (code, stdout, stderr) = run(d.path(), &["explain", "local.valid-from-early"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("## local.valid-from-early"), "{stdout}");
    std::fs::remove_file(d.path().join("permitlint.toml")).unwrap();
    let (code, _, _) = run(d.path(), &["explain", "local.valid-from-early"]);
    assert_eq!(code, 2);
}
