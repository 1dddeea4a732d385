//! `permitlint monitor` over XLSX exports and HJ 212 minute data: a
//! workbook is recognised by its content and its findings name the cell;
//! minute data becomes hourly means whose findings say so; output does not
//! depend on the thread count.

use assert_cmd::Command;
use permitlint::monitor::hj212::packet::frame;
use permitlint::monitor::xlsx::write_workbook;
use serde_json::Value;

const PERMIT: &str = "tests/fixtures/monitor/chp-v2.yaml";
const DEVICES: &str = "tests/fixtures/monitor/devices.csv";

fn monitor(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("monitor")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn findings(out: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(out).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn of<'a>(fs: &'a [Value], rule: &str) -> Vec<&'a Value> {
    fs.iter().filter(|f| f["rule"] == rule).collect()
}

#[test]
fn a_workbook_is_read_by_content_and_its_findings_name_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let strings = ["time", "outlet", "pollutant", "value", "DA001", "SO2"];
    let head: String = (0..4)
        .map(|i| {
            format!(
                "<c r=\"{}1\" t=\"s\"><v>{i}</v></c>",
                (b'A' + i as u8) as char
            )
        })
        .collect();
    let row = |n: u32, serial: &str, v: &str| {
        format!(
            "<row r=\"{n}\"><c r=\"A{n}\"><v>{serial}</v></c><c r=\"B{n}\" t=\"s\"><v>4</v></c><c r=\"C{n}\" t=\"s\"><v>5</v></c><c r=\"D{n}\"><v>{v}</v></c></row>"
        )
    };
    // 46082 is 2026-03-01: hour 05 at 31, hour 06 at 80 (above 35 mg/m3).
    let sheet = format!(
        "<row r=\"1\">{head}</row>{}{}",
        row(2, "46082.208333333336", "31"),
        row(3, "46082.25", "80")
    );
    let wb = write_workbook(&[("Sheet1", &sheet)], &strings, false, true);
    // No `.xlsx` in the name: recognised by content.
    let path = dir.path().join("export.dat");
    std::fs::write(&path, wb).unwrap();
    let data = path.to_str().unwrap();
    let (code, out) = monitor(&[PERMIT, "--data", data, "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let fs = findings(&out);
    let hits = of(&fs, "monitor.hourly-exceedance");
    assert_eq!(hits.len(), 1, "{fs:#?}");
    let f = hits[0];
    assert!(f["file"].as_str().unwrap().ends_with("export.dat"));
    assert_eq!(f["line"], 3, "the view's line of row 3");
    assert_eq!(f["time"], "2026-03-01T06:00:00+08:00");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.ends_with("(Sheet1!D3)"), "{msg}");
    // The human snippet shows the row as the view writes it.
    let (_, human) = monitor(&[PERMIT, "--data", data]);
    assert!(
        human.contains("Sheet1!3:3,2026-03-01 06:00:00,DA001,,,SO2,80"),
        "{human}"
    );
    // A damaged workbook named on the command line: one warning, no panic.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
    let (code, out) = monitor(&[PERMIT, "--data", data, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let fs = findings(&out);
    assert_eq!(of(&fs, "monitor.xlsx").len(), 1, "{fs:#?}");
}

/// A log for device MNDA001FIXTURE (DA001, reference O2 6 %).
fn packet(cn: &str, time: &str, so2: &str) -> String {
    flagged(cn, time, so2, "N")
}

fn flagged(cn: &str, time: &str, so2: &str, flag: &str) -> String {
    frame(&format!(
        "QN={time}000;ST=31;CN={cn};PW=123456;MN=MNDA001FIXTURE;Flag=4;CP=&&DataTime={time};a21026-Avg={so2},a21026-Flag={flag};a19001-Avg=6,a19001-Flag=N&&"
    ))
}

#[test]
fn minute_data_becomes_hours_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    // Real-time samples: one notice for the file.
    for s in 0..3 {
        log.push_str(&packet("2011", &format!("202603020455{s:02}"), "99"));
    }
    // Hour 05: six 10-minute values averaging 80, no hourly packet.
    for m in 0..6 {
        log.push_str(&packet(
            "2051",
            &format!("2026030205{:02}00", m * 10),
            &format!("{}", 75 + 2 * m),
        ));
    }
    // Hour 06: the minutes average 80, the hourly packet says 20.
    for m in 0..6 {
        log.push_str(&packet("2051", &format!("2026030206{:02}00", m * 10), "80"));
    }
    log.push_str(&packet("2061", "20260302060000", "20"));
    // Hour 07: three valid 10-minute values of six (30 minutes): invalid.
    for m in 0..6 {
        let flag = if m < 3 { "N" } else { "D" };
        log.push_str(&flagged(
            "2051",
            &format!("2026030207{:02}00", m * 10),
            "80",
            flag,
        ));
    }
    let path = dir.path().join("minutes.hj212");
    std::fs::write(&path, &log).unwrap();
    let data = path.to_str().unwrap();
    let args = |j: &'static str| {
        vec![
            PERMIT,
            "--data",
            data,
            "--devices",
            DEVICES,
            "--format",
            "json",
            "-j",
            j,
        ]
    };
    let (code, one) = monitor(&args("1"));
    let (_, two) = monitor(&args("2"));
    assert_eq!(code, 1);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("\"elapsed"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&one), strip(&two), "-j 1 and -j 2 differ");
    let fs = findings(&one);
    let hourly = of(&fs, "monitor.hourly-exceedance");
    assert_eq!(hourly.len(), 1, "{fs:#?}");
    // At the last minute packet of hour 05 (line 9: three real-time, six minute packets).
    assert_eq!(hourly[0]["line"], 9);
    assert_eq!(hourly[0]["time"], "2026-03-02T05:00:00+08:00");
    let msg = hourly[0]["message"].as_str().unwrap();
    assert!(msg.contains("hourly mean 80 mg/m3"), "{msg}");
    assert!(
        msg.contains("computed from 6 minute values at 10-minute intervals, 60 valid minutes"),
        "{msg}"
    );
    let mismatch = of(&fs, "monitor.minute-mismatch");
    assert_eq!(mismatch.len(), 1);
    assert_eq!(mismatch[0]["line"], 16);
    assert!(
        mismatch[0]["message"]
            .as_str()
            .unwrap()
            .contains("average 80")
    );
    // Hour 07 is excluded under its own reason: 1 of the 3 hours.
    let share = of(&fs, "monitor.excluded-share");
    assert_eq!(share.len(), 1, "{fs:#?}");
    let msg = share[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("1 of 3 hours flagged and excluded (fewer than 45 valid minutes: 1)"),
        "{msg}"
    );
    let notice = of(&fs, "monitor.not-evaluated");
    assert_eq!(notice.len(), 1);
    assert_eq!(
        (notice[0]["line"].as_u64(), notice[0]["severity"].as_str()),
        (Some(1), Some("notice"))
    );
}
