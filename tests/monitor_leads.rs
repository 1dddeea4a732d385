//! The lead list of `permitlint monitor --out`: manual results in it
//! (exceedances and missing periods of the monitoring plan), and leads
//! joined with an earlier run's list (`--leads-baseline`: new, open,
//! closed, not judged).

use assert_cmd::Command;
use serde_json::Value;

const PERMIT: &str = "tests/fixtures/monitor/chp-v2.yaml";

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Manual results for `chp-v2.yaml` (as in `monitor.rs`): DA001's mercury
/// in Q1 and Q3 only (Q3 above the 0.03 mg/m3 limit), DA002's in every
/// quarter (in µg/m3, Q4 above the limit once converted).
const MANUAL: &str = "credit_code,outlet,pollutant,sampled_at,value,unit,report
91320412MA1MX3RT62,DA001,Hg,2026-02-10,0.01,mg/m3,R1
91320412MA1MX3RT62,DA001,汞及其化合物,2026-08-10,0.05,mg/m3,R2
91320412MA1MX3RT62,DA002,Hg,2026-01-05,12,ug/m3,R3
91320412MA1MX3RT62,DA002,Hg,2026-04-05,20,ug/m3,R4
91320412MA1MX3RT62,DA002,Hg,2026-07-05 10:30,20,ug/m3,R5
91320412MA1MX3RT62,DA002,Hg,2026-10-05,40,ug/m3,R6
";

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
