//! The lead list of `permitlint monitor --out`: manual results in it
//! (exceedances and missing periods of the monitoring plan), and leads
//! joined with an earlier run's list (`--leads-baseline`: new, open,
//! closed, not judged).

use crate::common::CHP_MANUAL as MANUAL;
use assert_cmd::Command;
use serde_json::Value;

const PERMIT: &str = "tests/fixtures/monitor/chp-v2.yaml";

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Run `monitor` over `csv` (written to `dir/manual.csv`) with `--out
/// dir/out`; exit code, stderr, and the lead list.
fn run(dir: &std::path::Path, csv: &str, extra: &[&str]) -> (i32, String, Value) {
    let path = dir.join("manual.csv");
    std::fs::write(&path, csv).unwrap();
    let out = dir.join("out");
    let o = bin()
        .args(["monitor", PERMIT, "--data"])
        .arg(&path)
        .args(["--format", "json", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let leads = std::fs::read_to_string(out.join("leads.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (o.status.code().unwrap_or(-1), stderr, leads)
}

fn manual_leads(v: &Value) -> Vec<&Value> {
    v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["source"] == "manual")
        .collect()
}

#[test]
fn manual_exceedances_and_missing_periods_are_leads() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, v) = run(
        dir.path(),
        MANUAL,
        &["--from", "2026-01-01", "--to", "2026-12-31"],
    );
    assert_eq!(code, 1, "{stderr}");
    let leads = manual_leads(&v);
    // Exceedances: DA001 in Q3 (R2), DA002 in Q4 (R6: 40 µg/m3 = 0.04 mg/m3).
    let exceed: Vec<&&Value> = leads
        .iter()
        .filter(|l| l["severity"] == "exceedance")
        .collect();
    assert_eq!(exceed.len(), 2, "{leads:?}");
    let da001 = exceed[0];
    assert_eq!(da001["outlet"], "DA001");
    assert_eq!(da001["period"], "2026-Q3");
    assert_eq!(da001["sampled_at"], "2026-08-10");
    assert_eq!(da001["report"], "R2");
    assert_eq!(da001["worst_value"], 0.05);
    assert_eq!(da001["limit"], 0.03);
    assert_eq!(da001["frequency"], "quarterly");
    assert_eq!(da001["pollutant_zh"], "汞及其化合物");
    assert!(da001["exceedance_hours"].is_null() && da001["valid_hours"].is_null());
    assert!(
        da001["basis"]
            .as_str()
            .unwrap()
            .ends_with("chp-v2.yaml:142 (0.03 mg/m3)"),
        "{da001}"
    );
    let da002 = exceed[1];
    assert_eq!(
        (&da002["outlet"], &da002["period"], &da002["report"]),
        (
            &Value::from("DA002"),
            &Value::from("2026-Q4"),
            &Value::from("R6")
        )
    );
    assert!((da002["worst_value"].as_f64().unwrap() - 0.04).abs() < 1e-12);
    // Missing periods: one lead each, with the plan's frequency; DA001 misses Q2 and Q4.
    let missing: Vec<(String, String, String)> = leads
        .iter()
        .filter(|l| l["severity"] == "missing")
        .map(|l| {
            assert!(l["worst_value"].is_null() && l["report"].is_null(), "{l}");
            (
                l["outlet"].as_str().unwrap().to_string(),
                l["pollutant"].as_str().unwrap().to_string(),
                l["period"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let da001_missing: Vec<&str> = missing
        .iter()
        .filter(|m| m.0 == "DA001")
        .map(|m| m.2.as_str())
        .collect();
    assert_eq!(da001_missing, ["2026-Q2", "2026-Q4"]);
    assert!(missing.iter().all(|m| m.0 != "DA002"), "{missing:?}");
    let fa001 = missing.iter().filter(|m| m.0 == "FA001").count();
    assert_eq!(fa001, 4, "{missing:?}");
    // The CSV holds the same rows, reviewed as a snapshot.
    let csv = std::fs::read_to_string(dir.path().join("out/leads.csv")).unwrap();
    insta::assert_snapshot!("manual_leads_csv", csv);
}

#[test]
fn online_leads_say_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args([
            "monitor",
            PERMIT,
            "--data",
            "tests/fixtures/monitor/plant.hj212",
            "--devices",
            "tests/fixtures/monitor/devices.csv",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leads.json")).unwrap()).unwrap();
    let leads = v["leads"].as_array().unwrap();
    assert!(!leads.is_empty());
    for l in leads {
        assert_eq!(l["source"], "online", "{l}");
        assert!(l["exceedance_hours"].is_u64() && l["sampled_at"].is_null());
        assert!(
            l.get("status").is_none(),
            "no status without a baseline: {l}"
        );
    }
}

/// A lead of a baseline file, with the fields a run reads.
fn stored(credit: &str, outlet: &str, pollutant: &str, period: &str, severity: &str) -> Value {
    serde_json::json!({
        "unit": "u", "credit_code": credit, "permit": PERMIT, "outlet": outlet,
        "pollutant": pollutant, "pollutant_zh": "", "period": period,
        "severity": severity, "basis": "",
    })
}

fn baseline_file(dir: &std::path::Path, leads: Vec<Value>) -> std::path::PathBuf {
    let path = dir.join("before.json");
    let v = serde_json::json!({"version": 1, "classes": [], "leads": leads});
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    path
}

const UNIT: &str = "91320412MA1MX3RT62";

/// The fixture's March data (DA001: SO2 and furnace temperature exceed)
/// with `--from`/`--to` covering March wholly.
fn online_run(dir: &std::path::Path, extra: &[&str]) -> (i32, String, Value) {
    let out = dir.join("out");
    let o = bin()
        .args([
            "monitor",
            PERMIT,
            "--data",
            "tests/fixtures/monitor/plant.hj212",
            "tests/fixtures/monitor/furnace.csv",
            "--devices",
            "tests/fixtures/monitor/devices.csv",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--out",
        ])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let v = std::fs::read_to_string(out.join("leads.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        v,
    )
}

fn find<'a>(list: &'a Value, outlet: &str, pollutant: &str, period: &str) -> Option<&'a Value> {
    list.as_array()
        .unwrap()
        .iter()
        .find(|l| l["outlet"] == outlet && l["pollutant"] == pollutant && l["period"] == period)
}

#[test]
fn online_leads_are_new_open_closed_or_not_judged() {
    let dir = tempfile::tempdir().unwrap();
    let mut so2_feb = stored(UNIT, "DA001", "SO2", "2026-02", "chronic");
    so2_feb["first_seen"] = "2026-01".into();
    let before = baseline_file(
        dir.path(),
        vec![
            // Continued by March's SO2 exceedance (a chronic lead grown milder is the same problem).
            so2_feb,
            // A data lead of March: March is covered and the series has data, no data lead now.
            stored(UNIT, "DA001", "furnace_temperature", "2026-03", "data"),
            // January: neither January nor February is covered.
            stored(UNIT, "DA001", "NOx", "2026-01", "exceedance"),
            // March, but a series without data in this run.
            stored(UNIT, "DA002", "SO2", "2026-03", "exceedance"),
            // A unit whose permit is not in this run.
            stored(
                "91110000000000000X",
                "DA001",
                "SO2",
                "2026-03",
                "exceedance",
            ),
        ],
    );
    let text = std::fs::read(&before).unwrap();
    let (code, stderr, v) = online_run(dir.path(), &["--leads-baseline", before.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("leads baseline: 1 new, 1 open, 1 closed, 3 not judged"),
        "{stderr}"
    );
    let so2 = find(&v["leads"], "DA001", "SO2", "2026-03").unwrap();
    assert_eq!(so2["status"], "open");
    assert_eq!(so2["first_seen"], "2026-01");
    let furnace = find(&v["leads"], "DA001", "furnace_temperature", "2026-03").unwrap();
    assert_eq!(
        furnace["status"], "new",
        "an exceedance does not continue a data lead"
    );
    assert_eq!(furnace["first_seen"], "2026-03");
    let closed = v["closed"].as_array().unwrap();
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0]["pollutant"], "furnace_temperature");
    assert_eq!(closed[0]["status"], "closed");
    let not_judged: Vec<(&str, &str)> = v["not_judged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["credit_code"].as_str().unwrap(),
                l["outlet"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        not_judged,
        [
            (UNIT, "DA001"),
            (UNIT, "DA002"),
            ("91110000000000000X", "DA001")
        ]
    );
    // The CSV lists the closed and not-judged leads after the current ones.
    let csv = std::fs::read_to_string(dir.path().join("out/leads.csv")).unwrap();
    let statuses: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(20).unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "open",
            "new",
            "closed",
            "not-judged",
            "not-judged",
            "not-judged"
        ]
    );
    // The baseline is read, never written.
    assert_eq!(std::fs::read(&before).unwrap(), text);
    // The new list is a baseline for the next run: the not-judged leads
    // are carried and judged again; the same data leaves every lead open.
    let next = dir.path().join("next.json");
    std::fs::copy(dir.path().join("out/leads.json"), &next).unwrap();
    let (_, stderr, v) = online_run(dir.path(), &["--leads-baseline", next.to_str().unwrap()]);
    assert!(
        stderr.contains("leads baseline: 0 new, 2 open, 0 closed, 3 not judged"),
        "{stderr}"
    );
    let so2 = find(&v["leads"], "DA001", "SO2", "2026-03").unwrap();
    assert_eq!(so2["first_seen"], "2026-01", "first_seen is carried");
}

#[test]
fn manual_leads_are_joined_by_plan_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut missing_q1 = stored(UNIT, "DA001", "Hg", "2026-Q1", "missing");
    missing_q1["source"] = "manual".into();
    missing_q1["frequency"] = "quarterly".into();
    let mut missing_q3 = stored(UNIT, "DA002", "Hg", "2026-Q3", "missing");
    missing_q3["source"] = "manual".into();
    let mut exceed_q2 = stored(UNIT, "DA002", "Hg", "2026-Q2", "exceedance");
    exceed_q2["source"] = "manual".into();
    // A lead without a source is an online one, whose period is a month.
    let online = stored(UNIT, "DA001", "Hg", "2026-Q2", "missing");
    let before = dir.path().join("b.json");
    std::fs::write(
        &before,
        serde_json::json!({"version": 1, "classes": [], "leads": [missing_q1, missing_q3, exceed_q2]})
            .to_string(),
    )
    .unwrap();
    let (code, stderr, v) = run(
        dir.path(),
        MANUAL,
        &[
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--leads-baseline",
            before.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let q2 = find(&v["leads"], "DA001", "Hg", "2026-Q2").unwrap();
    assert_eq!(
        (&q2["status"], &q2["first_seen"]),
        (&"open".into(), &"2026-Q1".into())
    );
    // Q4 follows Q3, which had a result (and an exceedance: another problem).
    let q4 = v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["outlet"] == "DA001" && l["period"] == "2026-Q4" && l["severity"] == "missing")
        .unwrap();
    assert_eq!(q4["status"], "new");
    let closed: Vec<(&str, &str)> = v["closed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["period"].as_str().unwrap(),
                l["severity"].as_str().unwrap(),
            )
        })
        .collect();
    // DA002 had results in Q3 and Q4 (missing Q3 closed) and a result
    // within the limit in Q2 and Q3 (exceedance Q2 closed).
    assert_eq!(closed, [("2026-Q3", "missing"), ("2026-Q2", "exceedance")]);
    assert!(v["not_judged"].as_array().unwrap().is_empty());
    let path = baseline_file(dir.path(), vec![online]);
    let (code, stderr, _) = run(
        dir.path(),
        MANUAL,
        &["--leads-baseline", path.to_str().unwrap()],
    );
    assert_eq!(code, 2, "an online lead's period is a month: {stderr}");
    assert!(stderr.contains("is not a month"), "{stderr}");
}

#[test]
fn a_bad_or_foreign_baseline_is_a_usage_error_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("broken.json", "{\"version\": 1, ".into(), "leads baseline"),
        (
            "check-baseline.json",
            r#"{"version": 1, "as_of": "2026-12-01", "findings": []}"#.into(),
            "not a lead list written by `permitlint monitor --out`",
        ),
        (
            "dispatch-leads.json",
            r#"{"version": 1, "classes": [], "leads": [{"id": "XS-0123456789ab", "unit_key": "x"}]}"#
                .into(),
            "leads[0]: missing field `credit_code`",
        ),
        (
            "bad-period.json",
            serde_json::json!({"version": 1, "classes": [], "leads": [stored(UNIT, "DA001", "SO2", "2026-13", "exceedance")]})
                .to_string(),
            "leads[0]: period `2026-13` is not a period of the lead list",
        ),
        (
            "bad-class.json",
            serde_json::json!({"version": 1, "classes": [], "leads": [stored(UNIT, "DA001", "SO2", "2026-03", "severe")]})
                .to_string(),
            "severity `severe` is not a class",
        ),
        (
            "version.json",
            r#"{"version": 2, "classes": [], "leads": []}"#.into(),
            "version 2 is not supported",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let (code, stderr, v) =
            online_run(dir.path(), &["--leads-baseline", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(v.is_null(), "{name}: nothing is written");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{name}");
    }
    // The baseline is the leads.json that --out would write: refused, kept.
    let (_, _, first) = online_run(dir.path(), &[]);
    assert!(!first.is_null());
    let own = dir.path().join("out/leads.json");
    let text = std::fs::read_to_string(&own).unwrap();
    let (code, stderr, _) = online_run(dir.path(), &["--leads-baseline", own.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("refusing to overwrite it"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&own).unwrap(), text);
    // --leads-baseline needs --out.
    let o = bin()
        .args([
            "monitor",
            PERMIT,
            "--data",
            "tests/fixtures/monitor/plant.hj212",
        ])
        .args(["--leads-baseline", own.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
