//! End-to-end: a permit library through two "months" — the three lists,
//! the changes and actions between the months, baselines (new / open /
//! closed), waivers (waived / expired / stale) and audit statistics.
//!
//! Month 1 (`tests/fixtures/lists/month1`, as of 2026-11-01) and month 2
//! (`month2`, as of 2026-12-01): u1 renamed, u2 gains an outlet, a pollutant
//! and higher limits, u3 removed, u4 added, u5's validity ends within 60
//! days (and its complaint finding is fixed), u6 put on the key roster while
//! holding a simplified permit. Policies: `tests/fixtures/lists/policies`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists")
}

/// A work folder holding `library/` = the permits of `month`.
fn library(dir: &Path, month: &str) {
    let lib = dir.join("library");
    let _ = std::fs::remove_dir_all(&lib);
    std::fs::create_dir_all(&lib).unwrap();
    for e in std::fs::read_dir(fixtures().join(month)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), lib.join(e.file_name())).unwrap();
    }
}

fn cmd(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let policies = fixtures().join("policies");
    Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .arg("--no-builtin")
        .arg("--policies")
        .arg(policies)
        .assert()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// CSV as text for snapshots: checks the BOM and CRLF line ends, then strips them.
fn csv(path: &Path) -> String {
    let raw = read(path);
    assert!(raw.starts_with('\u{feff}'), "{} has no BOM", path.display());
    let body = &raw['\u{feff}'.len_utf8()..];
    assert!(body.ends_with("\r\n"));
    assert!(!body.replace("\r\n", "").contains('\n') || body.contains('"'));
    body.replace("\r\n", "\n")
}

fn month1_lists(dir: &Path) {
    library(dir, "month1");
    cmd(
        dir,
        &["lists", "library", "--as-of", "2026-11-01", "--out", "m1"],
    )
    .success();
}

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn month1_lists_by_required_category() {
    let t = tempfile::tempdir().unwrap();
    month1_lists(t.path());
    let out = t.path().join("m1");
    let lists = json(&out.join("lists.json"));
    assert_eq!(
        codes(&lists["lists"]["key"]),
        ["91320506MA1W9X8Y68", "91320507MA1AAAAA1X"]
    );
    assert_eq!(
        codes(&lists["lists"]["simplified"]),
        ["91320505MA1DDDDD43", "91320582MA1EEEEE5Y"]
    );
    assert_eq!(
        codes(&lists["lists"]["registration"]),
        ["91320508MA1BBBBB2P"]
    );
    let u2 = &lists["units"][2];
    assert_eq!(u2["credit_code"], "91320507MA1AAAAA1X");
    assert_eq!(u2["declared"], "simplified");
    assert_eq!(u2["required"], "key");
    assert_eq!(u2["required_source"], "derived");
    assert_eq!(u2["findings"], serde_json::json!([1, 0, 0]));
    // No policy derives a category for textile units: the declared one is used.
    let u5 = &lists["units"][0];
    assert_eq!(u5["required_source"], "declared");
    assert_eq!(u5["findings"], serde_json::json!([0, 1, 0]));
    insta::assert_snapshot!("month1_key_csv", csv(&out.join("key.csv")));
    insta::assert_snapshot!("month1_simplified_csv", csv(&out.join("simplified.csv")));
    insta::assert_snapshot!(
        "month1_registration_csv",
        csv(&out.join("registration.csv"))
    );
}

fn actions(unit: &Value) -> Vec<String> {
    unit["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn month2_changes_and_actions() {
    let t = tempfile::tempdir().unwrap();
    month1_lists(t.path());
    library(t.path(), "month2");
    cmd(
        t.path(),
        &[
            "lists",
            "library",
            "--as-of",
            "2026-12-01",
            "--out",
            "m2",
            "--previous",
            "m1",
        ],
    )
    .success();
    let out = t.path().join("m2");
    let ch = json(&out.join("changes.json"));
    assert_eq!(ch["previous_as_of"], "2026-11-01");
    let units = ch["units"].as_array().unwrap();
    let by = |code: &str| {
        units
            .iter()
            .find(|u| u["credit_code"] == code)
            .unwrap_or_else(|| panic!("{code} not in changes"))
    };
    // u1 renamed: change (变更).
    let u1 = by("91320506MA1W9X8Y68");
    assert_eq!(u1["movement"], "unchanged");
    assert_eq!(actions(u1), ["change"]);
    assert!(
        u1["actions"][0]["details"][0]
            .as_str()
            .unwrap()
            .contains("苏州某能源有限公司")
    );
    // u2: more outlets, a new pollutant, higher concentration and annual: re-application.
    let u2 = by("91320507MA1AAAAA1X");
    assert_eq!(actions(u2), ["reapplication"]);
    let d = u2["actions"][0]["details"].to_string();
    for what in [
        "新增 DA003",
        "DA001 新增污染物 NH3",
        "35 mg/m3 → 50 mg/m3",
        "400 t/a → 450 t/a",
    ] {
        assert!(d.contains(what), "{what} not in {d}");
    }
    // u3 gone: cancellation (注销).
    let u3 = by("91320508MA1BBBBB2P");
    assert_eq!(u3["movement"], "disappeared");
    assert_eq!(u3["from"], "registration");
    assert_eq!(u3["to"], Value::Null);
    assert_eq!(actions(u3), ["cancellation"]);
    // u4 new.
    let u4 = by("91320509MA1CCCCC3H");
    assert_eq!(u4["movement"], "appeared");
    assert_eq!(u4["to"], "registration");
    assert!(actions(u4).is_empty());
    // u5: valid until 2027-01-15, 45 days after the as-of date: renewal (延续).
    let u5 = by("91320505MA1DDDDD43");
    assert_eq!(actions(u5), ["renewal"]);
    // u6 on the roster with a simplified permit: moved to key, reclassification.
    let u6 = by("91320582MA1EEEEE5Y");
    assert_eq!(u6["movement"], "moved");
    assert_eq!(
        (u6["from"].as_str(), u6["to"].as_str()),
        (Some("simplified"), Some("key"))
    );
    assert_eq!(actions(u6), ["reclassification"]);
    assert_eq!(units.len(), 6);
    insta::assert_snapshot!("month2_changes_csv", csv(&out.join("changes.csv")));
    insta::assert_snapshot!("month2_changes_json", read(&out.join("changes.json")));
    insta::assert_snapshot!("month2_key_csv", csv(&out.join("key.csv")));
}

#[test]
fn renewal_also_when_expired_and_not_before_60_days() {
    let t = tempfile::tempdir().unwrap();
    month1_lists(t.path());
    // Month 1 again, 75 days before u5 expires: no renewal yet.
    cmd(
        t.path(),
        &[
            "lists",
            "library",
            "--as-of",
            "2026-11-01",
            "--out",
            "same",
            "--previous",
            "m1",
        ],
    )
    .success();
    let ch = json(&t.path().join("same/changes.json"));
    assert_eq!(ch["units"], serde_json::json!([]));
    // After expiry: still renewal, saying it is past.
    cmd(
        t.path(),
        &[
            "lists",
            "library",
            "--as-of",
            "2027-02-01",
            "--out",
            "late",
            "--previous",
            "m1",
        ],
    )
    .success();
    let ch = json(&t.path().join("late/changes.json"));
    let u5 = &ch["units"][0];
    assert_eq!(u5["credit_code"], "91320505MA1DDDDD43");
    assert_eq!(actions(u5), ["renewal"]);
    assert!(
        u5["actions"][0]["details"][0]
            .as_str()
            .unwrap()
            .contains("已于 2027-01-15 届满")
    );
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

fn findings(v: &Value) -> Vec<&Value> {
    v["findings"].as_array().unwrap().iter().collect()
}

fn check_json(dir: &Path, args: &[&str]) -> (Value, i32) {
    let mut all = vec!["check", "library", "--format", "json"];
    all.extend(args);
    let out = cmd(dir, &all).get_output().clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn baseline_new_open_closed() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    library(dir, "month1");
    let (m1, code) = check_json(
        dir,
        &["--as-of", "2026-11-01", "--write-baseline", "b1.json"],
    );
    assert_eq!(code, 1);
    assert_eq!(findings(&m1).len(), 2);
    assert!(m1.get("closed").is_none(), "no baseline, no closed array");
    assert!(findings(&m1)[0].get("baseline").is_none());
    let b1 = json(&dir.join("b1.json"));
    assert_eq!(b1["findings"].as_array().unwrap().len(), 2);
    assert!(
        b1["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["first_seen"] == "2026-11-01")
    );

    library(dir, "month2");
    let (m2, _) = check_json(
        dir,
        &[
            "--as-of",
            "2026-12-01",
            "--baseline",
            "b1.json",
            "--write-baseline",
            "b2.json",
        ],
    );
    let f = findings(&m2);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["file"], "library/u2.yaml");
    assert_eq!(f[0]["baseline"], "open");
    assert_eq!(f[0]["first_seen"], "2026-11-01");
    assert_eq!(f[1]["file"], "library/u6.yaml");
    assert_eq!(f[1]["baseline"], "new");
    assert_eq!(f[1]["first_seen"], "2026-12-01");
    let closed = m2["closed"].as_array().unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["rule"], "fixture.complaints");
    assert_eq!(closed[0]["file"], "library/u5.yaml");
    assert_eq!(closed[0]["first_seen"], "2026-11-01");
    insta::assert_snapshot!("baseline_month2", read(&dir.join("b2.json")));

    // Month 3, nothing changed: both open, first-seen dates carried over.
    let (m3, _) = check_json(dir, &["--as-of", "2027-01-02", "--baseline", "b2.json"]);
    let f = findings(&m3);
    assert_eq!(f[0]["first_seen"], "2026-11-01");
    assert_eq!(f[1]["baseline"], "open");
    assert_eq!(f[1]["first_seen"], "2026-12-01");
    assert_eq!(m3["closed"], serde_json::json!([]));

    // Human output: one 销号 line per closed finding, with its first-seen date.
    let out = cmd(
        dir,
        &[
            "check",
            "library",
            "--as-of",
            "2026-12-01",
            "--baseline",
            "b1.json",
        ],
    );
    let text = stdout(&out);
    assert!(
        text.contains("status: open (first seen 2026-11-01)"),
        "{text}"
    );
    assert!(text.contains("status: new"));
    assert!(
        text.contains("销号 closed: fixture.complaints library/u5.yaml unit.complaints"),
        "{text}"
    );
    assert!(text.contains("first seen 2026-11-01"));
}

#[test]
fn baseline_does_not_close_findings_of_files_not_checked() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    library(dir, "month1");
    check_json(
        dir,
        &["--as-of", "2026-11-01", "--write-baseline", "b1.json"],
    );
    let out = cmd(
        dir,
        &[
            "check",
            "library/u2.yaml",
            "--format",
            "json",
            "--as-of",
            "2026-11-01",
            "--baseline",
            "b1.json",
            "--write-baseline",
            "b2.json",
        ],
    );
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["closed"], serde_json::json!([]));
    // u5's finding is carried over untouched.
    assert_eq!(
        json(&dir.join("b2.json"))["findings"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

fn write_waivers(dir: &Path, entries: &[(&str, &str)]) {
    let list: Vec<Value> = entries
        .iter()
        .map(|(fp, expires)| {
            serde_json::json!({"fingerprint": fp, "reason": "已受理变更申请", "who": "张三", "expires": expires})
        })
        .collect();
    std::fs::write(
        dir.join("waivers.json"),
        serde_json::to_string_pretty(&serde_json::json!({ "waivers": list })).unwrap(),
    )
    .unwrap();
}

#[test]
fn waivers_waived_expired_stale() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    library(dir, "month2");
    let (plain, code) = check_json(dir, &["--as-of", "2026-12-01"]);
    assert_eq!(code, 1);
    let fp = |i: usize| {
        findings(&plain)[i]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (u2, u6) = (fp(0), fp(1));
    write_waivers(
        dir,
        &[
            (&u2, "2026-12-31"),
            (&u6, "2026-11-30"),
            ("0123456789abcdef", "2027-06-30"),
        ],
    );
    let (v, code) = check_json(dir, &["--as-of", "2026-12-01", "--waivers", "waivers.json"]);
    let f = findings(&v);
    assert_eq!(f.len(), 3);
    assert_eq!(f[0]["status"], "waived");
    assert_eq!(f[0]["waiver"]["status"], "waived");
    assert_eq!(f[0]["waiver"]["who"], "张三");
    assert_eq!(f[1]["status"], "active");
    assert_eq!(f[1]["waiver"]["status"], "expired");
    assert!(
        f[1]["waiver"]["note"]
            .as_str()
            .unwrap()
            .starts_with("waiver expired on 2026-11-30")
    );
    assert_eq!(f[2]["rule"], "waiver.stale");
    assert_eq!(f[2]["severity"], "warning");
    assert!(
        f[2]["message"]
            .as_str()
            .unwrap()
            .contains("0123456789abcdef")
    );
    assert_eq!(code, 1, "u6's waiver expired: its error counts again");

    // Only u2, waived: the run passes; the finding is still reported.
    write_waivers(dir, &[(&u2, "2026-12-31")]);
    let out = cmd(
        dir,
        &[
            "check",
            "library/u2.yaml",
            "--as-of",
            "2026-12-01",
            "--waivers",
            "waivers.json",
        ],
    );
    let out = out.code(0);
    assert!(stdout(&out).contains("status: waived"));
    // The day after expiry it fails again, with the note.
    let out = cmd(
        dir,
        &[
            "check",
            "library/u2.yaml",
            "--as-of",
            "2027-01-01",
            "--waivers",
            "waivers.json",
        ],
    );
    let out = out.code(1);
    assert!(stdout(&out).contains("waiver expired on 2026-12-31"));
}

#[test]
fn bad_waivers_and_previous_are_usage_errors() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    library(dir, "month1");
    std::fs::write(
        dir.join("w.json"),
        r#"{"waivers": [{"fingerprint": "xyz", "reason": "", "who": "a", "expires": "2026-13-01"}]}"#,
    )
    .unwrap();
    let out = cmd(dir, &["check", "library", "--waivers", "w.json"]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for what in ["not 16 hex digits", "`reason` is empty", "not a date"] {
        assert!(err.contains(what), "{what} not in {err}");
    }
    cmd(
        dir,
        &["lists", "library", "--out", "o", "--previous", "nowhere"],
    )
    .code(2);
    std::fs::create_dir_all(dir.join("junk")).unwrap();
    std::fs::write(dir.join("junk/lists.json"), "{").unwrap();
    cmd(
        dir,
        &["lists", "library", "--out", "o", "--previous", "junk"],
    )
    .code(2);
    std::fs::write(dir.join("b.json"), "[]").unwrap();
    cmd(dir, &["check", "library", "--baseline", "b.json"]).code(2);
}

#[test]
fn stats() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    library(dir, "month2");
    cmd(
        dir,
        &["check", "library", "--as-of", "2026-12-01", "--stats", "st"],
    )
    .code(1);
    let s = json(&dir.join("st/stats.json"));
    assert_eq!(s["permits"], 5);
    assert_eq!(s["permits_with_errors"], 2);
    assert_eq!(s["by_rule"]["fixture.classification.declared"], 2);
    assert_eq!(s["by_department"]["环评与审批"], 2);
    assert_eq!(s["by_industry"]["D4411"], 1);
    assert_eq!(s["by_industry"]["C2822"], 1);
    for svg in ["findings-by-rule.svg", "findings-by-department.svg"] {
        let text = read(&dir.join("st").join(svg));
        assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(text.trim_end().ends_with("</svg>"));
    }
    insta::assert_snapshot!("stats_md", read(&dir.join("st/stats.md")));
    insta::assert_snapshot!(
        "stats_department_svg",
        read(&dir.join("st/findings-by-department.svg"))
    );
}
