//! `permitlint monitor --export-limits DIR`: the exported tables (limits,
//! readings in the Hive layout `province=/unit=/month=`) and the SQL checks
//! of `sql/` run on them by DuckDB give the same leads as the native pass —
//! on the fixture (hourly, daily reported and computed, floor, O₂
//! correction, flagged and duplicate-free data) and on a month of generated
//! data of a corpus permit.
//!
//! The SQL runs where the `duckdb` Python package is installed (`pip
//! install duckdb`; `.ci/run` installs it); otherwise the SQL test prints
//! that it was skipped. The export itself is checked everywhere.
//! `PERMITLINT_PYTHON` names the Python to use (default `python3`).

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const FIX: &str = "tests/fixtures/monitor";

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Run `monitor` with `--out` and `--export-limits`; the native leads.
fn monitor_and_export(
    permit: &str,
    data: &[&str],
    devices: &str,
    out: &Path,
    export: &Path,
    format: &str,
) -> Vec<Value> {
    let o = bin()
        .arg("monitor")
        .arg(permit)
        .arg("--data")
        .args(data)
        .args(["--devices", devices, "--format", "json", "--out"])
        .arg(out)
        .arg("--export-limits")
        .arg(export)
        .args(["--export-format", format])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{stderr}");
    assert!(stderr.contains("exported "), "{stderr}");
    let leads: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leads.json")).unwrap()).unwrap();
    leads["leads"].as_array().unwrap().clone()
}

type Key = (String, String, String, String);
type Lead = (u64, u64, String, String, u64, String);

fn key(l: &Value) -> Key {
    let s = |k: &str| l[k].as_str().unwrap().to_string();
    (s("credit_code"), s("outlet"), s("pollutant"), s("period"))
}

/// Numbers to 9 significant digits: a daily mean summed in another order
/// may differ in the last bits.
fn round(v: &Value) -> String {
    format!("{:.9e}", v.as_f64().unwrap())
}

/// The native leads with an exceedance (the SQL does not compute the
/// data-completeness leads), as (counts, worst, limit, valid hours, class).
fn native(leads: &[Value]) -> BTreeMap<Key, Lead> {
    leads
        .iter()
        .filter(|l| {
            l["exceedance_hours"].as_u64().unwrap() + l["exceedance_days"].as_u64().unwrap() > 0
        })
        .map(|l| {
            (
                key(l),
                (
                    l["exceedance_hours"].as_u64().unwrap(),
                    l["exceedance_days"].as_u64().unwrap(),
                    round(&l["worst_value"]),
                    round(&l["limit"]),
                    l["valid_hours"].as_u64().unwrap(),
                    l["severity"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn python() -> String {
    std::env::var("PERMITLINT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether DuckDB can be imported; prints why not.
fn duckdb_available() -> bool {
    let ok = std::process::Command::new(python())
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipped: the `duckdb` Python package is not installed; `pip install duckdb` to run the SQL checks"
        );
    }
    ok
}

/// The leads of `sql/` on DuckDB over an export.
fn sql_leads(export: &Path) -> BTreeMap<Key, Lead> {
    let o = std::process::Command::new(python())
        .arg("sql/run_duckdb.py")
        .arg(export)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    eprintln!(
        "ran the SQL checks on {}",
        v["engine"].as_str().unwrap_or("?")
    );
    v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                key(l),
                (
                    l["exceedance_hours"].as_u64().unwrap(),
                    l["exceedance_days"].as_u64().unwrap(),
                    round(&l["worst_value"]),
                    round(&l["limit_value"]),
                    l["valid_hours"].as_u64().unwrap(),
                    l["severity"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn fixture_export(format: &str) -> (tempfile::TempDir, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let leads = monitor_and_export(
        &format!("{FIX}/chp-v2.yaml"),
        &[&format!("{FIX}/plant.hj212"), &format!("{FIX}/furnace.csv")],
        &format!("{FIX}/devices.csv"),
        &dir.path().join("out"),
        &dir.path().join("export"),
        format,
    );
    (dir, leads)
}

/// One month of generated data for a corpus permit with a reference O₂.
fn generated_export(format: &str) -> (tempfile::TempDir, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let permit = "corpus/thermal-power-01-clean.yaml";
    let g = bin()
        .args([
            "generate-monitoring",
            permit,
            "--days",
            "31",
            "--start",
            "2026-03-01",
            "--out",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let log = data.join("thermal-power-01-clean.hj212");
    let leads = monitor_and_export(
        permit,
        &[log.to_str().unwrap()],
        data.join("devices.csv").to_str().unwrap(),
        &dir.path().join("out"),
        &dir.path().join("export"),
        format,
    );
    (dir, leads)
}

#[test]
fn export_writes_limits_and_hive_partitioned_readings() {
    let (dir, _) = fixture_export("csv");
    let export = dir.path().join("export");
    let limits = std::fs::read_to_string(
        export.join("limits/province=32/unit=91320412MA1MX3RT62/part-0.csv"),
    )
    .unwrap();
    let mut lines = limits.split("\r\n");
    assert_eq!(
        lines.next(),
        Some(
            "credit_code,unit_name,region,outlet,medium,pollutant,pollutant_zh,hj212,field,averaging,bound,limit_value,unit_of_measure,written,reference_o2,year_from,year_to,basis,permit,line"
        )
    );
    // The SO2 row of DA001 (line 140): hourly 35 and daily 30 mg/m3 at 6 % O2.
    let so2: Vec<&str> = limits
        .lines()
        .filter(|l| l.contains(",DA001,air,SO2,"))
        .collect();
    assert!(
        so2.iter().any(
            |l| l.contains(",concentration,hour,max,35,mg/m3,35 mg/m3,6,,,")
                && l.ends_with("chp-v2.yaml,140")
        ),
        "{so2:?}"
    );
    assert!(
        so2.iter()
            .any(|l| l.contains(",daily,day,max,30,mg/m3,30 mg/m3,6,,,")),
        "{so2:?}"
    );
    // The furnace floor.
    assert!(
        limits.contains(",furnace_temperature,炉膛温度,,limit,hour,min,850,℃,850 ℃,"),
        "{limits}"
    );
    // Readings: the unit's region 320412 gives province 32.
    let part = export.join("readings/province=32/unit=91320412MA1MX3RT62/month=2026-03/part-0.csv");
    let readings = std::fs::read_to_string(&part).unwrap();
    let rows: Vec<&str> = readings.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        rows[0],
        "credit_code,outlet,pollutant,averaging,measured_at,measured,corrected,flag,o2,flow,file,line"
    );
    // Hour 5 of plant.hj212 (line 6): 30 mg/m3 measured at 11 % O2.
    assert!(
        rows.contains(&"91320412MA1MX3RT62,DA001,SO2,hour,2026-03-02 05:00:00,30,,N,11,100000,tests/fixtures/monitor/plant.hj212,6"),
        "{readings}"
    );
    // The furnace CSV's unmapped outlet DA009 and its unreadable row are not exported.
    assert!(!readings.contains("DA009"));
    assert_eq!(rows.iter().filter(|r| r.contains("furnace.csv")).count(), 3);
    // A second export into the same folder replaces the files permitlint wrote.
    let again = bin()
        .arg("monitor")
        .arg(format!("{FIX}/chp-v2.yaml"))
        .arg("--export-limits")
        .arg(&export)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn sql_checks_on_duckdb_give_the_native_leads() {
    if !duckdb_available() {
        return;
    }
    for (name, (dir, leads)) in [
        ("fixture", fixture_export("csv")),
        ("generated", generated_export("csv")),
    ] {
        let want = native(&leads);
        assert!(!want.is_empty(), "{name}: the data must give leads");
        let got = sql_leads(&dir.path().join("export"));
        assert_eq!(got, want, "{name}: SQL leads differ from the native pass");
    }
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("monitor")
        .arg(format!("{FIX}/chp-v2.yaml"))
        .arg("--export-limits")
        .arg(dir.path())
        .args(["--export-format", "parquet"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--features parquet"));
    assert!(!dir.path().join("limits").exists());
}

/// Whether a file named `name` lies anywhere under `dir`.
#[cfg(feature = "parquet")]
fn has_file(dir: &Path, name: &str) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let p = e.path();
            if p.is_dir() {
                has_file(&p, name)
            } else {
                p.file_name().is_some_and(|n| n == name)
            }
        })
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_export_gives_the_native_leads_on_duckdb() {
    if !duckdb_available() {
        return;
    }
    for (name, (dir, leads)) in [
        ("fixture", fixture_export("parquet")),
        ("generated", generated_export("parquet")),
    ] {
        assert!(has_file(
            &dir.path().join("export/limits"),
            "part-0.parquet"
        ));
        let got = sql_leads(&dir.path().join("export"));
        assert_eq!(
            got,
            native(&leads),
            "{name}: SQL leads on Parquet differ from the native pass"
        );
    }
}
