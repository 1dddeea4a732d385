//! `permitlint monitor --export-limits DIR`: the exported tables (limits,
//! coverage, readings in the Hive layout `province=/unit=/month=`) and the
//! SQL checks of `sql/` run on them by DuckDB give the same leads (data
//! leads included) and the same annual exceedances as the native pass — on
//! the fixture (hourly, daily reported and computed, floor, O₂ correction,
//! flagged and duplicate-free data, an `annual_years` limit), on data that
//! crosses a year of validity against open-ended `annual` limits with too
//! few valid hours in the month, and on a month of generated data of a
//! corpus permit.
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

/// What the native pass gave: its leads and findings.
struct Native {
    leads: Vec<Value>,
    findings: Vec<Value>,
}

/// Run `monitor` with `--out` and `--export-limits`; the native leads and findings.
#[allow(clippy::too_many_arguments)]
fn monitor_and_export(
    permit: &str,
    data: &[&str],
    devices: &str,
    out: &Path,
    export: &Path,
    format: &str,
    extra: &[&str],
) -> Native {
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
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{stderr}");
    assert!(stderr.contains("exported "), "{stderr}");
    let leads: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leads.json")).unwrap()).unwrap();
    let findings: Value = serde_json::from_slice(&o.stdout).unwrap();
    Native {
        leads: leads["leads"].as_array().unwrap().clone(),
        findings: findings["findings"].as_array().unwrap().clone(),
    }
}

type Key = (String, String, String, String);
/// Exceedance hours and days, worst value, limit, valid, excluded and
/// expected hours, class.
type Lead = (u64, u64, String, String, u64, u64, u64, String);
/// (outlet, pollutant, first day of the year of validity) → limit.
type Annual = BTreeMap<(String, String, String), String>;

fn key(l: &Value) -> Key {
    let s = |k: &str| l[k].as_str().unwrap().to_string();
    (s("credit_code"), s("outlet"), s("pollutant"), s("period"))
}

/// Numbers to 9 significant digits: a daily mean summed in another order
/// may differ in the last bits. `null` stays `null`.
fn round(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "null".into(), |v| format!("{v:.9e}"))
}

fn lead(l: &Value, limit: &str) -> Lead {
    let n = |k: &str| l[k].as_u64().unwrap();
    (
        n("exceedance_hours"),
        n("exceedance_days"),
        round(&l["worst_value"]),
        round(&l[limit]),
        n("valid_hours"),
        n("excluded_hours"),
        n("expected_hours"),
        l["severity"].as_str().unwrap().to_string(),
    )
}

/// The native leads of online data (the SQL has the online checks only).
fn native(n: &Native) -> (BTreeMap<Key, Lead>, Annual) {
    let leads = n
        .leads
        .iter()
        .filter(|l| l["source"] == "online")
        .map(|l| (key(l), lead(l, "limit")))
        .collect();
    let annual = n
        .findings
        .iter()
        .filter(|f| f["rule"] == "monitor.annual-exceedance")
        .map(|f| {
            let msg = f["message"].as_str().unwrap();
            let (_, after) = msg.split_once("in the year from ").unwrap();
            let limit = f["related"]["text"].as_str().unwrap();
            (
                (
                    f["outlet"].as_str().unwrap().to_string(),
                    f["pollutant"].as_str().unwrap().to_string(),
                    after[..10].to_string(),
                ),
                limit.split_once(": ").unwrap().1.to_string(),
            )
        })
        .collect();
    (leads, annual)
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

/// The leads and annual exceedances of `sql/` on DuckDB over an export.
fn sql_leads(export: &Path) -> (BTreeMap<Key, Lead>, Annual) {
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
    let leads = v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (key(l), lead(l, "limit_value")))
        .collect();
    let annual = v["annual_exceedances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            ((s("outlet"), s("pollutant"), s("year_start")), s("written"))
        })
        .collect();
    (leads, annual)
}

fn fixture_export(format: &str) -> (tempfile::TempDir, Native) {
    let dir = tempfile::tempdir().unwrap();
    let native = monitor_and_export(
        &format!("{FIX}/chp-v2.yaml"),
        &[&format!("{FIX}/plant.hj212"), &format!("{FIX}/furnace.csv")],
        &format!("{FIX}/devices.csv"),
        &dir.path().join("out"),
        &dir.path().join("export"),
        format,
        &[],
    );
    (dir, native)
}

/// Hours around 2026-03-28, where the fixture permit's year of validity
/// turns (valid from 2023-03-28), with flows large enough to break the
/// open-ended `annual` limits (35.8 t/a) in both years: DA002's PM 5 mg/m3
/// × 4e9 m³/h is 20 t an hour, two hours a year; DA001's PM is corrected to
/// the outlet's 6 % (5 at 11 % O₂ is 7.5); the flagged hour does not count.
/// Run over all of March: every series has too few valid hours (`data`),
/// but DA003's SO2, whose one valid hour exceeds its hourly limit (`chronic`).
const ANNUAL: &str = "credit_code,outlet,time,pollutant,value,flag,o2,flow
91320412MA1MX3RT62,DA002,2026-03-27 22:00,PM,5,N,,4000000000
91320412MA1MX3RT62,DA002,2026-03-27 23:00,PM,5,N,,4000000000
91320412MA1MX3RT62,DA002,2026-03-28 00:00,PM,5,N,,4000000000
91320412MA1MX3RT62,DA002,2026-03-28 01:00,PM,5,N,,4000000000
91320412MA1MX3RT62,DA002,2026-03-28 02:00,PM,5,M,,4000000000
91320412MA1MX3RT62,DA001,2026-03-28 00:00,PM,5,N,11,3000000000
91320412MA1MX3RT62,DA001,2026-03-28 01:00,PM,5,N,11,3000000000
91320412MA1MX3RT62,DA003,2026-03-28 00:00,PM,4,N,,10000000
91320412MA1MX3RT62,DA003,2026-03-28 01:00,SO2,40,N,,10000000
91320412MA1MX3RT62,DA002,2026-03-28 03:00,NOx,20,M,,
91320412MA1MX3RT62,DA002,2026-03-28 04:00,NOx,20,M,,
";

fn annual_export(format: &str) -> (tempfile::TempDir, Native) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("annual.csv");
    std::fs::write(&data, ANNUAL).unwrap();
    let native = monitor_and_export(
        &format!("{FIX}/chp-v2.yaml"),
        &[data.to_str().unwrap()],
        &format!("{FIX}/devices.csv"),
        &dir.path().join("out"),
        &dir.path().join("export"),
        format,
        &["--from", "2026-03-01", "--to", "2026-03-31"],
    );
    (dir, native)
}

/// One month of generated data for a corpus permit with a reference O₂.
fn generated_export(format: &str) -> (tempfile::TempDir, Native) {
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
        &[],
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
    // Coverage: the hours of each month the run covered (the data's span here).
    let coverage = std::fs::read_to_string(
        export.join("coverage/province=32/unit=91320412MA1MX3RT62/month=2026-03/part-0.csv"),
    )
    .unwrap();
    assert_eq!(
        coverage,
        "credit_code,period,covered_from,covered_to,expected_hours\r\n91320412MA1MX3RT62,2026-03,2026-03-02 00:00:00,2026-03-03 23:00:00,48\r\n"
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
    // Without data it covers no month: March's coverage and readings stay.
    let coverage_file =
        export.join("coverage/province=32/unit=91320412MA1MX3RT62/month=2026-03/part-0.csv");
    assert_eq!(std::fs::read_to_string(&coverage_file).unwrap(), coverage);
    assert!(part.exists());
    // A run over April covers April only; March is kept.
    let april = bin()
        .arg("monitor")
        .arg(format!("{FIX}/chp-v2.yaml"))
        .args([
            "--from",
            "2026-04-01",
            "--to",
            "2026-04-30",
            "--export-limits",
        ])
        .arg(&export)
        .output()
        .unwrap();
    assert!(april.status.success());
    let april_coverage = std::fs::read_to_string(
        export.join("coverage/province=32/unit=91320412MA1MX3RT62/month=2026-04/part-0.csv"),
    )
    .unwrap();
    assert!(april_coverage.ends_with(",2026-04,2026-04-01 00:00:00,2026-04-30 23:00:00,720\r\n"));
    assert_eq!(std::fs::read_to_string(&coverage_file).unwrap(), coverage);
}

#[test]
fn sql_checks_on_duckdb_give_the_native_leads() {
    if !duckdb_available() {
        return;
    }
    for (name, (dir, n)) in [
        ("fixture", fixture_export("csv")),
        ("annual", annual_export("csv")),
        ("generated", generated_export("csv")),
    ] {
        let want = native(&n);
        assert!(!want.0.is_empty(), "{name}: the data must give leads");
        let got = sql_leads(&dir.path().join("export"));
        assert_eq!(
            got.0, want.0,
            "{name}: SQL leads differ from the native pass"
        );
        assert_eq!(got.1, want.1, "{name}: SQL annual exceedances differ");
        if name == "annual" {
            // What the data was written for: data leads and three annual
            // exceedances: DA002 in both years of validity, DA001 (corrected) in the second.
            let classes: Vec<&str> = want.0.values().map(|l| l.7.as_str()).collect();
            assert_eq!(
                classes,
                ["data", "data", "data", "data", "chronic"],
                "{want:?}"
            );
            let years: Vec<(&str, &str)> = want
                .1
                .keys()
                .map(|k| (k.0.as_str(), k.2.as_str()))
                .collect();
            assert_eq!(
                years,
                [
                    ("DA001", "2026-03-28"),
                    ("DA002", "2025-03-28"),
                    ("DA002", "2026-03-28")
                ]
            );
        }
        if name == "fixture" {
            assert_eq!(
                want.1.len(),
                1,
                "the fixture's annual_years limit: {want:?}"
            );
        }
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
    for (name, (dir, n)) in [
        ("fixture", fixture_export("parquet")),
        ("annual", annual_export("parquet")),
        ("generated", generated_export("parquet")),
    ] {
        assert!(has_file(
            &dir.path().join("export/limits"),
            "part-0.parquet"
        ));
        let got = sql_leads(&dir.path().join("export"));
        assert_eq!(
            got,
            native(&n),
            "{name}: SQL leads on Parquet differ from the native pass"
        );
    }
}
