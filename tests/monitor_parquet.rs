//! Parquet readings as `monitor --data`, and the columnar path they take:
//! an export (`--export-limits DIR --export-format parquet`) read back
//! gives the findings and leads of the data it was exported from (apart
//! from where they point: the Parquet file and row); findings point at the
//! row; bad Parquet files are findings and the run goes on; the columnar
//! path (`Runner::add_batch`) gives what the per-reading path
//! (`Runner::add`) gives, byte for byte, on data in and out of time order,
//! with duplicates, flagged hours, exceedances, O₂ correction and annual
//! totals; `-j1` and `-j2` agree.

use assert_cmd::Command;
use permitlint::monitor::{batch::Batch, data, devices::Device, generate, permit, run};
use permitlint::span::SourceFile;
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::path::Path;

const FIX: &str = "tests/fixtures/monitor";

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// `monitor … --format json --out OUT` and extra args: (exit code, findings, leads).
fn monitor(args: &[&str], out: &Path) -> (i32, Vec<Value>, Value) {
    let o = bin()
        .arg("monitor")
        .args(args)
        .args(["--format", "json", "--out"])
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{stderr}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let leads: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leads.json")).unwrap()).unwrap();
    (
        o.status.code().unwrap(),
        v["findings"].as_array().unwrap().clone(),
        leads,
    )
}

/// A finding without where it points (file, line, column, snippet,
/// fingerprint), for the checks only: the reader's own findings (packets,
/// CSV rows, devices) are about the original file and are not exported.
#[cfg(feature = "parquet")]
fn what(f: &Value) -> Option<String> {
    let rule = f["rule"].as_str().unwrap();
    let reader = [
        "monitor.hj212",
        "monitor.csv",
        "monitor.unmapped",
        "monitor.data-format",
    ];
    if reader.iter().any(|r| rule.starts_with(r)) {
        return None;
    }
    Some(format!(
        "{rule} {} {} {} {} {}",
        f["severity"], f["message"], f["outlet"], f["pollutant"], f["time"]
    ))
}

#[cfg(feature = "parquet")]
fn sorted(findings: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = findings.iter().filter_map(what).collect();
    v.sort();
    v
}

/// Generated data with injections (exceedances, flagged periods, broken
/// packets) for a corpus permit: (permit, data folder, devices file).
#[cfg(feature = "parquet")]
fn generated(dir: &Path, permit: &str, days: &str) -> (String, String, String) {
    let data = dir.join("gen");
    bin()
        .args(["generate-monitoring", permit, "--out"])
        .arg(&data)
        .args(["--start", "2026-01-20", "--days", days, "--seed", "5"])
        .assert()
        .success();
    let devices = data.join("devices.csv").display().to_string();
    (permit.to_string(), data.display().to_string(), devices)
}

/// Export `data` as Parquet, run `monitor` over the original and over the
/// export: the same check findings and leads.
#[cfg(feature = "parquet")]
fn round_trip(
    permit: &str,
    data: &[&str],
    devices: &str,
) -> (Vec<Value>, Vec<Value>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let mut args = vec![permit, "--data"];
    args.extend_from_slice(data);
    args.extend(["--devices", devices, "--export-limits"]);
    let export_s = export.display().to_string();
    args.extend([export_s.as_str(), "--export-format", "parquet"]);
    let (_, original, leads_a) = monitor(&args, &dir.path().join("a"));
    let readings = export.join("readings").display().to_string();
    let (_, back, leads_b) = monitor(&[permit, "--data", &readings], &dir.path().join("b"));
    assert_eq!(sorted(&original), sorted(&back));
    assert!(!sorted(&back).is_empty());
    assert_eq!(leads_a, leads_b);
    for f in &back {
        if f["rule"].as_str().unwrap() != "monitor.plant-annual-exceedance" {
            assert!(
                f["file"].as_str().unwrap().ends_with("part-0.parquet"),
                "{f}"
            );
        }
    }
    (original, back, readings, dir)
}

#[cfg(feature = "parquet")]
#[test]
fn an_exported_fixture_read_back_gives_the_same_findings_and_leads() {
    let (_, back, readings, _keep) = round_trip(
        &format!("{FIX}/chp-v2.yaml"),
        &[&format!("{FIX}/plant.hj212"), &format!("{FIX}/furnace.csv")],
        &format!("{FIX}/devices.csv"),
    );
    // Every rule of the fixture's data survives the trip.
    let rules: std::collections::BTreeSet<&str> =
        back.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for r in [
        "monitor.hourly-exceedance",
        "monitor.daily-exceedance",
        "monitor.correction-mismatch",
        "monitor.annual-exceedance",
        "monitor.below-minimum",
        "monitor.completeness",
    ] {
        assert!(rules.contains(r), "{r} missing: {rules:?}");
    }
    // A finding's line is its row: export the Parquet data again as CSV,
    // whose `line` column is then the row each reading came from.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("csv");
    bin()
        .args([
            "monitor",
            &format!("{FIX}/chp-v2.yaml"),
            "--data",
            &readings,
        ])
        .arg("--export-limits")
        .arg(&csv)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(
        csv.join("readings/province=32/unit=91320412MA1MX3RT62/month=2026-03/part-0.csv"),
    )
    .unwrap();
    let mut checked = 0;
    for f in back
        .iter()
        .filter(|f| f["rule"] == "monitor.hourly-exceedance")
    {
        let time = f["time"].as_str().unwrap();
        let stamp = format!("{} {}", &time[..10], &time[11..19]);
        let row = text
            .lines()
            .find(|l| {
                l.contains(&format!(
                    ",{},hour,{stamp},",
                    f["pollutant"].as_str().unwrap()
                ))
            })
            .unwrap();
        let line: u64 = row.rsplit(',').next().unwrap().parse().unwrap();
        assert_eq!(f["line"].as_u64(), Some(line), "{f}");
        assert_eq!(f["column"].as_u64(), Some(1));
        checked += 1;
    }
    assert!(checked >= 2);
}

#[cfg(feature = "parquet")]
#[test]
fn exported_generated_data_read_back_gives_the_same_findings_and_leads() {
    let dir = tempfile::tempdir().unwrap();
    let (permit, data, devices) = generated(dir.path(), "corpus/chp-01-clean.yaml", "40");
    let (original, _, _, _) = round_trip(&permit, &[&data], &devices);
    let rules: std::collections::BTreeSet<&str> = original
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains("monitor.hourly-exceedance"), "{rules:?}");
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_output_is_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (permit, data, devices) = generated(dir.path(), "corpus/chp-01-clean.yaml", "40");
    let export = dir.path().join("export");
    bin()
        .args(["monitor", &permit, "--data", &data, "--devices", &devices])
        .arg("--export-limits")
        .arg(&export)
        .args(["--export-format", "parquet"])
        .assert()
        .code(1);
    let readings = export.join("readings").display().to_string();
    let run = |j: &str| {
        let o = bin()
            .args([
                "monitor", &permit, "--data", &readings, "-j", j, "--format", "json",
            ])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let one = run("1");
    assert!(one.contains("monitor.hourly-exceedance"));
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("\"elapsed"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&one), strip(&run("2")));
}

#[cfg(feature = "parquet")]
#[test]
fn bad_parquet_files_are_findings_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let permit = format!("{FIX}/chp-v2.yaml");
    bin()
        .args(["monitor", &permit, "--data", &format!("{FIX}/plant.hj212")])
        .args([
            "--devices",
            &format!("{FIX}/devices.csv"),
            "--export-limits",
        ])
        .arg(&export)
        .args(["--export-format", "parquet"])
        .assert()
        .code(1);
    let good =
        export.join("readings/province=32/unit=91320412MA1MX3RT62/month=2026-03/part-0.parquet");
    let limits = export.join("limits/province=32/unit=91320412MA1MX3RT62/part-0.parquet");
    let bytes = std::fs::read(&good).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("a-truncated.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(data.join("b-magic-only"), b"PAR1").unwrap();
    std::fs::copy(&limits, data.join("c-limits.parquet")).unwrap();
    let mut cut = bytes.clone();
    for b in &mut cut[4..bytes.len() / 3] {
        *b = 0xff;
    }
    std::fs::write(data.join("d-pages-overwritten.parquet"), &cut).unwrap();
    std::fs::copy(&good, data.join("e-good.parquet")).unwrap();
    let data_s = data.display().to_string();
    let (code, findings, _) = monitor(&[&permit, "--data", &data_s], &dir.path().join("o"));
    assert_eq!(code, 1, "the good file's exceedances are still errors");
    let parquet: Vec<(String, u64, String)> = findings
        .iter()
        .filter(|f| f["rule"] == "monitor.parquet")
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            (
                file.rsplit('/').next().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = parquet.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "a-truncated.parquet",
            "b-magic-only",
            "c-limits.parquet",
            "d-pages-overwritten.parquet"
        ],
        "{parquet:?}"
    );
    assert!(parquet.iter().all(|p| p.1 == 1));
    assert!(
        parquet[2].2.contains("no `measured_at` column"),
        "{parquet:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "monitor.hourly-exceedance"
                && f["file"].as_str().unwrap().ends_with("e-good.parquet"))
    );
}

/// Devices of a generated log, as the devices file lists them.
fn device_map(rows: &[String]) -> FxHashMap<String, Device> {
    rows.iter()
        .filter_map(|d| {
            let f: Vec<&str> = d.split(',').collect();
            Some((
                f.first()?.to_string(),
                Device {
                    credit_code: f.get(1)?.to_string(),
                    outlet: f.get(2)?.to_string(),
                },
            ))
        })
        .collect()
}

/// The outcome of a run as text: findings (rule, file, span, message,
/// time, related), leads, chart points.
fn outcome_text(o: &run::Outcome) -> String {
    let mut s = String::new();
    for f in &o.findings {
        s.push_str(&format!(
            "{} {} {:?} {} {:?} {:?} {:?}\n",
            f.finding.rule,
            f.finding.file.name,
            f.finding.primary,
            f.finding.message,
            f.time,
            f.outlet,
            f.related
        ));
    }
    for l in &o.leads {
        s.push_str(&format!("{l:?}\n"));
    }
    for c in &o.charts {
        s.push_str(&format!("{} {:?}\n", c.title, c.points));
    }
    s.push_str(&format!("{} series, {} readings\n", o.series, o.readings));
    // Calendar-year totals (held against declared totals), in a fixed order.
    let mut computed: Vec<String> = o.computed.iter().map(|c| format!("{c:?}")).collect();
    computed.sort();
    for c in computed {
        s.push_str(&format!("computed {c}\n"));
    }
    s
}

/// The outcome of the per-reading path, and of the columnar one; each
/// also checked against the per-reading path that keeps every day's sums
/// to the end (no day finalized when its series leaves it).
fn both_paths(
    limits: &[permit::PermitLimits],
    files: &[data::DataFile],
    devices: &FxHashMap<String, Device>,
    opts: run::Options,
) -> (String, String) {
    let sources: Vec<_> = files.iter().map(|f| f.source.clone()).collect();
    let kept = run::Options {
        keep_days: true,
        ..opts
    };
    let mut a = run::Runner::new(limits, devices, &sources, opts);
    let mut b = run::Runner::new(limits, devices, &sources, opts);
    let mut c = run::Runner::new(limits, devices, &sources, kept);
    let mut d = run::Runner::new(limits, devices, &sources, kept);
    for f in files {
        a.add(f);
        b.add_batch(f, &Batch::of(f));
        c.add(f);
        d.add_batch(f, &Batch::of(f));
    }
    let (a, b) = (outcome_text(&a.finish()), outcome_text(&b.finish()));
    assert_eq!(
        a,
        outcome_text(&c.finish()),
        "finalized days differ from kept ones"
    );
    assert_eq!(
        b,
        outcome_text(&d.finish()),
        "finalized days differ from kept ones"
    );
    (a, b)
}

#[test]
fn finalized_days_give_what_kept_days_give_out_of_time_order() {
    let l = permitlint::permit::load_path(
        Path::new(&format!("{FIX}/chp-v2.yaml")),
        &permitlint::permit::Limits::default(),
    );
    let chp = permit::limits(&l.permit.unwrap());
    // SO2 at DA001: hourly 35 mg/m3, daily 30 mg/m3.
    let mut csv = String::from("credit_code,outlet,time,pollutant,value,flag,flow\n");
    let mut row = |day: u32, hour: Option<u32>, value: f64, flag: &str| {
        let time = match hour {
            Some(h) => format!("2026-03-{day:02} {h:02}:00"),
            None => format!("2026-03-{day:02}"),
        };
        csv.push_str(&format!(
            "91320412MA1MX3RT62,DA001,{time},SO2,{value},{flag},1000\n"
        ));
    };
    for h in 0..24 {
        row(10, Some(h), 32.0, "N"); // complete, mean 32
    }
    for h in 0..24 {
        row(11, Some(h), 32.0, if h == 7 { "M" } else { "N" }); // complete, 23 valid
    }
    for h in 0..12 {
        row(12, Some(h), 32.0, "N"); // incomplete for now
    }
    for h in (0..24).rev() {
        row(13, Some(h), 31.0, "N"); // complete, hours backwards
    }
    row(10, Some(5), 100.0, "N"); // a seen hour of a complete day: ignored
    row(10, None, 20.0, "N"); // the day's reported value overrides its mean
    for h in 12..24 {
        row(12, Some(h), 32.0, "N"); // completes day 12 after the others
    }
    row(11, Some(3), 99.0, "N");
    for h in 0..24 {
        row(14, Some(h), 25.0, "N"); // complete, within the limit
    }
    let f = data::read_csv(&SourceFile::new("days.csv", csv), 0);
    assert!(f.findings.is_empty());
    let (a, b) = both_paths(
        std::slice::from_ref(&chp),
        std::slice::from_ref(&f),
        &FxHashMap::default(),
        run::Options::default(),
    );
    assert_eq!(a, b);
    let mut days: Vec<&str> = a
        .lines()
        .filter(|l| l.starts_with("monitor.daily-exceedance"))
        .map(|l| {
            l.split(" of 2026-")
                .nth(1)
                .unwrap_or("?")
                .get(..5)
                .unwrap_or("?")
        })
        .collect();
    days.sort_unstable();
    assert_eq!(days, ["03-11", "03-12", "03-13"], "{a}");
    assert!(!a.contains("monitor.hourly-exceedance"), "{a}");
}

#[test]
fn the_columnar_path_gives_what_the_per_reading_path_gives() {
    let load = |p: &str| {
        let l = permitlint::permit::load_path(Path::new(p), &permitlint::permit::Limits::default());
        permit::limits(&l.permit.unwrap())
    };
    // The fixture: exceedances, O₂ correction and its mismatch, a daily
    // value, annual totals, flagged hours, a floor, a duplicate hour.
    let fix = load(&format!("{FIX}/chp-v2.yaml"));
    let text = std::fs::read_to_string(format!("{FIX}/plant.hj212")).unwrap();
    let devices = permitlint::monitor::devices::parse(
        &std::fs::read_to_string(format!("{FIX}/devices.csv")).unwrap(),
    )
    .unwrap();
    let plant = data::read_hj212(&SourceFile::new("plant.hj212", text.clone()), 0);
    let furnace = data::read_csv(
        &SourceFile::new(
            "furnace.csv",
            std::fs::read_to_string(format!("{FIX}/furnace.csv")).unwrap(),
        ),
        1,
    );
    // The same log twice (every hour a duplicate) and in reverse line order.
    let again = data::read_hj212(&SourceFile::new("again.hj212", text.clone()), 2);
    let reversed: String = text.lines().rev().map(|l| format!("{l}\r\n")).collect();
    let reversed = data::read_hj212(&SourceFile::new("reversed.hj212", reversed), 3);
    let files = [plant, furnace, again, reversed];
    for opts in [
        run::Options::default(),
        run::Options {
            charts: true,
            ..run::Options::default()
        },
    ] {
        let (a, b) = both_paths(std::slice::from_ref(&fix), &files, &devices, opts);
        assert!(
            a.contains("monitor.annual-exceedance") && a.contains("monitor.correction-mismatch")
        );
        assert_eq!(a, b);
    }
    // A corpus permit's generated data with injections, in time order,
    // then in an order that goes back and forth between days and years.
    let chp = load("corpus/chp-01-clean.yaml");
    let g = generate::generate(
        &chp,
        "gen.hj212",
        generate::GenOptions {
            seed: 3,
            start: permitlint::date::Date::new(2026, 12, 1).unwrap(),
            days: 62,
            clean: false,
            exceedances: 6,
        },
    );
    let devices = device_map(&g.devices);
    let lines: Vec<&str> = g.log.lines().collect();
    let mut shuffled: Vec<&str> = Vec::new();
    for block in lines.chunks(37).rev() {
        shuffled.extend(block.iter().step_by(2));
        shuffled.extend(block.iter().skip(1).step_by(2));
    }
    let shuffled: String = shuffled.iter().map(|l| format!("{l}\r\n")).collect();
    let files = [
        data::read_hj212(&SourceFile::new("gen.hj212", g.log.clone()), 0),
        data::read_hj212(&SourceFile::new("shuffled.hj212", shuffled), 1),
    ];
    for (range, charts) in [
        (None, false),
        (
            Some(permitlint::date::Date::new(2026, 12, 10).unwrap()),
            true,
        ),
    ] {
        let opts = run::Options {
            from: range,
            to: range.map(|d| d.add_days(30)),
            charts,
            keep_days: false,
        };
        let (a, b) = both_paths(std::slice::from_ref(&chp), &files[..1], &devices, opts);
        assert!(a.contains("monitor.hourly-exceedance"));
        assert_eq!(a, b);
        let (a, b) = both_paths(std::slice::from_ref(&chp), &files, &devices, opts);
        assert_eq!(a, b);
    }
}

#[cfg(not(feature = "parquet"))]
#[test]
fn a_build_without_the_feature_refuses_parquet_data_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r.parquet");
    std::fs::write(&data, b"PAR1 whatever follows PAR1").unwrap();
    let data_s = data.display().to_string();
    let (code, findings, _) = monitor(
        &[&format!("{FIX}/chp-v2.yaml"), "--data", &data_s],
        &dir.path().join("o"),
    );
    assert_eq!(code, 0);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["rule"], "monitor.parquet");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("without the `parquet` feature")
    );
}
