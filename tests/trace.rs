//! `check --trace RULE`: the evaluation of one rule over a permit, step by
//! step, and why a rule did (not) decide.

use assert_cmd::Command;
use std::path::Path;

const AS_OF: &str = "2026-12-01";

/// The reference permit with SO2 at 350 mg/m3 on DA001 (one finding of
/// `air.gb13223-2011.limits`).
fn breaking() -> String {
    let text = std::fs::read_to_string("tests/fixtures/permits/reference.yaml").unwrap();
    let out = text.replacen(
        "        - pollutant: SO2\n          concentration: 35 mg/m3",
        "        - pollutant: SO2\n          concentration: 350 mg/m3",
        1,
    );
    assert_ne!(out, text);
    out
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["check", "--as-of", AS_OF])
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
fn a_trace_shows_bindings_conditions_lookups_and_the_decision() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.yaml"), breaking()).unwrap();
    let (code, stdout, stderr) = run(
        dir.path(),
        &["p.yaml", "--trace", "air.gb13223-2011.limits"],
    );
    assert_eq!(code, 1, "{stderr}");
    let trace = stdout.split("\n\n").next().unwrap();
    for needle in [
        "trace of air.gb13223-2011.limits over p.yaml as of 2026-12-01",
        "policy air.gb13223-2011.limits v1 (policies/air/gb13223-2011.policy), in force on 2026-12-01",
        "for o in air.outlets: 2 item(s)",
        "o = air.outlets[0] at p.yaml:",
        "where o.standard == \"GB 13223-2011\" [GB 13223-2011 vs GB 13223-2011] → true",
        "require p.concentration <= gb13223_t1_coal[p.pollutant].existing [350 mg/m3 vs 200 mg/m3] → false: finding",
        "lookup gb13223_t1_coal[p.pollutant] → row `SO2` (row 2) of table `gb13223_t1_coal`",
        "decision: 1 finding(s), 0 undecided",
    ] {
        assert!(trace.contains(needle), "missing `{needle}` in\n{trace}");
    }
    // The findings follow, as without --trace.
    assert!(stdout.contains("SO2 许可排放浓度 350 mg/m3"), "{stdout}");
    // Nested items are indented under their loop.
    let line = |s: &str| trace.lines().find(|l| l.contains(s)).unwrap().to_string();
    let indent = |l: String| l.len() - l.trim_start().len();
    assert!(indent(line("o = air.outlets[0]")) < indent(line("p = air.outlets[0].pollutants[1]")));
}

#[test]
fn a_missing_row_is_named_in_the_trace_and_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.yaml"), breaking()).unwrap();
    std::fs::create_dir(dir.path().join("local")).unwrap();
    // A lookup with no guard on its table: SO2 has no row.
    std::fs::write(
        dir.path().join("local/t.policy"),
        r#"table local_pm(pollutant) "本局颗粒物限值（测试）" {
  | pollutant | limit    |
  | PM        | 5 mg/m3  |
}

policy local.pm-only {
  title "本局限值（测试规则）"
  version 1
  basis "本局测试规则"
  element air
  severity error
  effective 2021-03-01 ..

  doc {
    what "测试。"
    why "测试。"
    violating """
      air: {}
    """
    conforming """
      air: {}
    """
  }

  for o in air.outlets where o.id == "DA001" {
    for p in o.pollutants where p.pollutant == "SO2" {
      require p.concentration <= local_pm[p.pollutant].limit
        else "{p.pollutant} 高于本局限值"
    }
  }
}
"#,
    )
    .unwrap();
    let (_, stdout, stderr) = run(
        dir.path(),
        &["p.yaml", "--policies", "local", "--trace", "local.pm-only"],
    );
    assert!(
        stdout.contains("lookup local_pm[p.pollutant] → no row for `SO2` in table `local_pm`"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("→ unknown: 表「本局颗粒物限值（测试）」中没有 `SO2` 对应的行"),
        "{stdout}"
    );
    assert!(
        stdout.contains("decision: 0 finding(s), 1 undecided"),
        "{stdout}"
    );
}

#[test]
fn an_absent_value_is_the_cause_of_an_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let text = breaking().replacen("          concentration: 350 mg/m3\n", "", 1);
    std::fs::write(dir.path().join("p.yaml"), text).unwrap();
    let (_, stdout, _) = run(
        dir.path(),
        &["p.yaml", "--trace", "air.gb13223-2011.limits"],
    );
    assert!(
        stdout.contains("[unknown vs 200 mg/m3] → unknown: "),
        "{stdout}"
    );
    assert!(stdout.contains("未载明「"), "{stdout}");
    assert!(
        stdout.contains("decision: 0 finding(s), 1 undecided"),
        "{stdout}"
    );
}

#[test]
fn trace_errors_and_machine_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.yaml"), breaking()).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["p.yaml", "--trace", "air.gb13223-2011.limit"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("unknown rule"), "{stderr}");
    assert!(
        stderr.contains("air.gb13223-2011.limits"),
        "did you mean: {stderr}"
    );
    // A rule not in force on the date says so.
    let (_, stdout, _) = run(
        dir.path(),
        &["p.yaml", "--trace", "air.gb13223-2003.periods"],
    );
    assert!(stdout.contains("not in force on 2026-12-01"), "{stdout}");
    // JSON stays parseable: the trace goes to stderr.
    let (_, stdout, stderr) = run(
        dir.path(),
        &[
            "p.yaml",
            "--format",
            "json",
            "--trace",
            "air.gb13223-2011.limits",
        ],
    );
    serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
    assert!(stderr.contains("decision: 1 finding(s)"), "{stderr}");
}
