//! `permitlint monitor`: the fixture data (tests/fixtures/monitor, written
//! by its `make.py`) gives exactly the findings its lines were written for;
//! generated data for every corpus permit gives every injected exceedance
//! at its line (100% recall) and nothing on clean data; output does not
//! depend on the thread count.

use crate::common::CHP_MANUAL as MANUAL;
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;

const FIX: &str = "tests/fixtures/monitor";

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn monitor(args: &[&str]) -> (i32, String) {
    let out = bin().arg("monitor").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn fixture_args<'a>(format: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "tests/fixtures/monitor/chp-v2.yaml",
        "--data",
        "tests/fixtures/monitor/plant.hj212",
        "tests/fixtures/monitor/furnace.csv",
        "--devices",
        "tests/fixtures/monitor/devices.csv",
        "--format",
        format,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn fixture_gives_the_findings_its_lines_were_written_for() {
    let (code, out) = monitor(&fixture_args("json", &[]));
    assert_eq!(code, 1, "error findings give exit code 1");
    let v: Value = serde_json::from_str(&out).unwrap();
    let got: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_string();
            (
                name,
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, u64)> = vec![
        // The plant total (0.08 t/a) is broken by DA001's SO2 alone: located at the permit's row.
        ("chp-v2.yaml", "monitor.plant-annual-exceedance", 179),
        ("furnace.csv", "monitor.completeness", 2),
        ("furnace.csv", "monitor.below-minimum", 3),
        ("furnace.csv", "monitor.csv", 5),
        ("furnace.csv", "monitor.unmapped", 6),
        ("plant.hj212", "monitor.completeness", 1),
        // Hour 5: 30 measured at 11 % O2 is 45 at the reference 6 %.
        ("plant.hj212", "monitor.hourly-exceedance", 6),
        ("plant.hj212", "monitor.correction-mismatch", 8),
        // Hour 8 (flag M, 100) is excluded; hour 9 (flag T, 80) is valid.
        ("plant.hj212", "monitor.hourly-exceedance", 10),
        ("plant.hj212", "monitor.hj212-deviation", 11),
        ("plant.hj212", "monitor.hj212-deviation", 12),
        ("plant.hj212", "monitor.hj212-deviation", 13),
        ("plant.hj212", "monitor.hj212-deviation", 14),
        ("plant.hj212", "monitor.hj212-deviation", 15),
        ("plant.hj212", "monitor.annual-exceedance", 16),
        ("plant.hj212", "monitor.hj212-deviation", 16),
        ("plant.hj212", "monitor.daily-exceedance", 24),
        ("plant.hj212", "monitor.daily-exceedance", 35),
        ("plant.hj212", "monitor.hj212-rejected", 36),
        ("plant.hj212", "monitor.hj212-rejected", 37),
        ("plant.hj212", "monitor.unmapped", 38),
    ];
    let want: Vec<(String, String, u64)> = want
        .into_iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c))
        .collect();
    assert_eq!(got, want);
    // `check`'s fields in `check`'s order, then the monitoring context, on every finding.
    for f in v["findings"].as_array().unwrap() {
        for key in ["outlet", "pollutant", "time", "related"] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    let first = &out[out.find("\"findings\"").unwrap()..];
    let pos = |k: &str| first.find(&format!("\"{k}\":")).unwrap();
    assert!(pos("rule") < pos("message") && pos("message") < pos("fingerprint"));
    assert!(pos("fingerprint") < pos("outlet") && pos("outlet") < pos("related"));
    // The O2-corrected exceedance carries the monitoring context and the permit's limit.
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "monitor.hourly-exceedance")
        .unwrap();
    assert_eq!(f["outlet"], "DA001");
    assert_eq!(f["pollutant"], "SO2");
    assert_eq!(f["time"], "2026-03-02T05:00:00+08:00");
    assert_eq!(f["related"]["file"], "tests/fixtures/monitor/chp-v2.yaml");
    assert_eq!(f["related"]["line"], 140);
    assert!(f["message"].as_str().unwrap().contains("45 mg/m3"), "{f}");
    // The lower-case CRC packet is read: line 14 is a deviation, not a rejection.
    let msgs: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["line"] == 14)
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("lower case")), "{msgs:?}");
}

#[test]
fn from_to_restrict_and_count_the_month() {
    let (_, out) = monitor(&fixture_args(
        "json",
        &["--from", "2026-03-03", "--to", "2026-03-03"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let rules: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("plant.hj212"))
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // Day 2's exceedances are outside the range; day 3's daily packet is in.
    assert!(!rules.contains("monitor.hourly-exceedance"), "{rules:?}");
    assert!(rules.contains("monitor.daily-exceedance"), "{rules:?}");
}

#[test]
fn every_format_and_the_out_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let (code, sarif) = monitor(&fixture_args("sarif", &["--out", out_dir]));
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let related = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("relatedLocations").is_some())
        .count();
    assert_eq!(related, 7, "every exceedance points at the permit's limit");
    for format in ["human", "junit", "github"] {
        let (code, text) = monitor(&fixture_args(format, &[]));
        assert_eq!(code, 1, "{format}");
        assert!(
            text.contains("monitor.hourly-exceedance"),
            "{format}: {text}"
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("leads.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'), "leads.csv has a BOM");
    assert!(
        csv.contains(",DA001,SO2,二氧化硫,2026-03,2,2,80,35,"),
        "{csv}"
    );
    let leads: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("leads.json")).unwrap())
            .unwrap();
    let so2 = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["pollutant"] == "SO2")
        .unwrap();
    assert_eq!(so2["severity"], "exceedance");
    assert_eq!(so2["excluded_hours"], 1);
    let html = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("class=\"limit\"") && html.contains("class=\"floor\""));
    assert_eq!(html.matches("class=\"excluded\"").count(), 2);
    // The heat map: one unit, a row per outlet and pollutant with a lead.
    assert_eq!(html.matches("<table class=\"heat\">").count(), 1);
    assert!(
        html.contains(
            "<td>DA001</td><td>SO2</td><td style=\"background:rgba(214,39,40,1.00)\">2</td>"
        ),
        "{html}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let bad = [
        fixture_args("json", &["--from", "2026-03-05", "--to", "2026-03-01"]),
        vec![
            "tests/fixtures/monitor/chp-v2.yaml",
            "--data",
            FIX,
            "--devices",
            "nope.csv",
        ],
        vec![
            "tests/fixtures/monitor/chp-v2.yaml",
            "--data",
            FIX,
            "--from",
            "2026-3-1",
        ],
        vec!["tests/fixtures/monitor/devices.csv", "--data", FIX],
    ];
    for args in bad {
        assert_eq!(monitor(&args).0, 2, "{args:?}");
    }
}

fn generate(dir: &std::path::Path, clean: bool) {
    let mut c = bin();
    c.args(["generate-monitoring", "corpus", "--days", "10", "--out"])
        .arg(dir);
    if clean {
        c.arg("--clean");
    }
    c.assert().success();
}

#[test]
fn generated_data_every_injected_exceedance_is_found_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), false);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap())
            .unwrap();
    let devices = dir.path().join("devices.csv");
    let data = dir.path().to_str().unwrap();
    let args = [
        "corpus",
        "--data",
        data,
        "--devices",
        devices.to_str().unwrap(),
        "--format",
        "json",
    ];
    let (code, out) = monitor(&args);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let at = |f: &Value| {
        (
            f["file"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
        )
    };
    let exceed: BTreeSet<(String, u64, String)> = findings
        .iter()
        .filter(|f| f["rule"] == "monitor.hourly-exceedance")
        .map(|f| {
            assert!(
                f["related"]["file"]
                    .as_str()
                    .unwrap()
                    .starts_with("corpus/")
            );
            assert!(f["related"]["line"].as_u64().unwrap() > 0);
            let (file, line) = at(f);
            (file, line, f["pollutant"].as_str().unwrap().to_string())
        })
        .collect();
    let rejected: BTreeSet<(String, u64)> = findings
        .iter()
        .filter(|f| f["rule"] == "monitor.hj212-rejected")
        .map(at)
        .collect();
    let mut injected = 0;
    for i in manifest["injected"].as_array().unwrap() {
        let key = (
            i["file"].as_str().unwrap().to_string(),
            i["line"].as_u64().unwrap(),
        );
        let pol = i["pollutant"].as_str().unwrap().to_string();
        match i["kind"].as_str().unwrap() {
            "exceedance" => {
                injected += 1;
                assert!(exceed.contains(&(key.0, key.1, pol)), "missed {i}");
            }
            "excluded" => assert!(
                !exceed.contains(&(key.0, key.1, pol)),
                "flagged hour reported: {i}"
            ),
            _ => assert!(
                rejected.contains(&key),
                "malformed packet not rejected: {i}"
            ),
        }
    }
    assert!(injected > 100, "{injected} injected exceedances");
    // Nothing but what was injected: precision as well as recall.
    assert_eq!(exceed.len(), injected);
    let others: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["rule"] != "monitor.hourly-exceedance" && f["rule"] != "monitor.hj212-rejected"
        })
        .collect();
    assert!(others.is_empty(), "{others:?}");
    // The same bytes with one thread.
    let mut one = args.to_vec();
    one.extend(["-j", "1"]);
    assert_eq!(monitor(&one).1, out, "output depends on the thread count");
}

#[test]
fn generated_clean_data_gives_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), true);
    let devices = dir.path().join("devices.csv");
    let (code, out) = monitor(&[
        "corpus",
        "--data",
        dir.path().to_str().unwrap(),
        "--devices",
        devices.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{out}");
}

mod never_panics {
    use permitlint::monitor::{data, hj212::packet};
    use permitlint::span::SourceFile;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::common::proptest_config(300))]

        /// Any line: a packet or a rejection with a byte inside the line.
        #[test]
        fn packet_parse(line in "(##[0-9]{0,4})?[ -~中&;=,]{0,120}") {
            if let Err(r) = packet::parse(&line) {
                prop_assert!(r.at <= line.len());
            }
        }

        /// Packets cut or with a byte changed anywhere.
        #[test]
        fn damaged_packets(cut in 0usize..200, at in 0usize..200, b in 32u8..127) {
            let good = packet::frame("QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=4;CP=&&DataTime=20260301050000;a21026-Avg=40,a21026-Flag=N&&");
            let mut bytes = good.into_bytes();
            if at < bytes.len() {
                bytes[at] = b;
            }
            bytes.truncate(cut.min(bytes.len()));
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let src = SourceFile::new("x.hj212", text.clone());
            let _ = data::read_hj212(&src, 0);
            let _ = data::read_csv(&SourceFile::new("x.csv", format!("time,pollutant,value\n{text}")), 0);
        }
    }
}

fn manual_run(csv: &str, extra: &[&str]) -> (i32, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manual.csv");
    std::fs::write(&path, csv).unwrap();
    let p = path.to_str().unwrap();
    let mut args = vec!["tests/fixtures/monitor/chp-v2.yaml", "--data", p];
    args.extend_from_slice(&["--format", "json"]);
    args.extend_from_slice(extra);
    let (code, out) = monitor(&args);
    let v: Value = serde_json::from_str(&out).unwrap();
    (code, v["findings"].as_array().unwrap().clone())
}

fn of_rule<'a>(fs: &'a [Value], rule: &str) -> Vec<&'a Value> {
    fs.iter().filter(|f| f["rule"] == rule).collect()
}

#[test]
fn manual_results_missing_periods_are_named() {
    let (code, fs) = manual_run(MANUAL, &["--from", "2026-01-01", "--to", "2026-12-31"]);
    assert_eq!(code, 1, "the exceedances are errors");
    let missing = of_rule(&fs, "monitor.manual-missing");
    let keys: BTreeSet<(String, String)> = missing
        .iter()
        .map(|f| {
            (
                f["outlet"].as_str().unwrap().to_string(),
                f["pollutant"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("DA001", "Hg"),
        ("DW001", "COD"),
        ("DW001", "SS"),
        ("DW001", "pH"),
        ("FA001", "PM"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(keys, want);
    let da001 = missing.iter().find(|f| f["outlet"] == "DA001").unwrap();
    let msg = da001["message"].as_str().unwrap();
    assert!(msg.contains("in 2 periods"), "{msg}");
    assert!(msg.contains("2026-Q2 (2026-04-01 to 2026-06-30)"), "{msg}");
    assert!(msg.contains("2026-Q4"), "{msg}");
    assert!(
        !msg.contains("2026-Q1") && !msg.contains("2026-Q3"),
        "{msg}"
    );
    // The finding points at the plan entry's frequency in the permit.
    assert!(da001["file"].as_str().unwrap().ends_with("chp-v2.yaml"));
    assert_eq!(da001["line"], 201);
    assert_eq!(da001["time"], "2026-04-01T00:00:00+08:00");
    let fa = missing.iter().find(|f| f["outlet"] == "FA001").unwrap();
    assert!(fa["message"].as_str().unwrap().contains("in 4 periods"));
    // Exceedances: line 3 (0.05 mg/m3) and line 7 (40 µg/m3 = 0.04 mg/m3).
    let exceed = of_rule(&fs, "monitor.manual-exceedance");
    let lines: Vec<u64> = exceed.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 7]);
    assert_eq!(exceed[0]["related"]["line"], 142);
    assert_eq!(exceed[0]["related"]["text"], "concentration: 0.03 mg/m3");
    assert!(
        exceed[1]["message"]
            .as_str()
            .unwrap()
            .contains("40 ug/m3 sampled 2026-10-05 at outlet DA002"),
        "{}",
        exceed[1]["message"]
    );
}

#[test]
fn manual_results_range_and_complete_plan_give_nothing() {
    // Only Q2 in range: DA001 misses it, DA002 does not.
    let (_, fs) = manual_run(MANUAL, &["--from", "2026-04-01", "--to", "2026-06-30"]);
    let missing = of_rule(&fs, "monitor.manual-missing");
    assert!(missing.iter().all(|f| f["outlet"] != "DA002"));
    let da001 = missing.iter().find(|f| f["outlet"] == "DA001").unwrap();
    assert!(
        da001["message"]
            .as_str()
            .unwrap()
            .contains("in 1 period where")
    );
    // A partial quarter is not checked.
    let (_, fs) = manual_run(MANUAL, &["--from", "2026-04-02", "--to", "2026-06-30"]);
    assert!(of_rule(&fs, "monitor.manual-missing").is_empty());
    // Every manual entry of the plan sampled once a quarter, within limits.
    let mut csv = String::from("outlet,pollutant,sampled_at,value\n");
    for (o, p, v) in [
        ("DA001", "Hg", "0.01"),
        ("DA002", "Hg", "0.01"),
        ("FA001", "PM", "0.1"),
        ("DW001", "pH", "7"),
        ("DW001", "COD", "20"),
        ("DW001", "SS", "5"),
    ] {
        for m in ["02", "05", "08", "11"] {
            csv.push_str(&format!("{o},{p},2026-{m}-15,{v}\n"));
        }
    }
    let (code, fs) = manual_run(&csv, &["--from", "2026-01-01", "--to", "2026-12-31"]);
    let rules: Vec<&str> = fs.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.is_empty(), "{rules:?}");
    assert_eq!(code, 0);
}
