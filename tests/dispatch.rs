//! End-to-end: the monthly dispatch over three months (`lists
//! --eia-approvals … --problems --previous …`), with the permits of
//! `tests/fixtures/lists` and the approval lists of
//! `tests/fixtures/dispatch` (three header spellings, and a GBK file).
//!
//! - 2026-10-01: the month-1 library; 苏州丙印染 (91320509MA1CCCCC3H) is
//!   approved and under construction, without a permit. u2 has an error
//!   finding (first seen), u5 a warning.
//! - 2026-11-01: 丙 is operating and still has no permit → 无证排污 lead;
//!   u2's error is past its 30-day deadline → overdue → lead.
//! - 2026-12-01: the month-2 library, where 丙 holds a permit (u4, issued
//!   after the approval) → its lead is closed; u5's warning is gone → 销号;
//!   u2 stays overdue and its lead continues with the same id.
//!
//! u6 is placed in district 320582, the others in 320506.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `dir/library` = the permits of `month` (u6 moved to district 320582; u4
/// issued on 2026-11-20, after its EIA approval).
fn library(dir: &Path, month: &str) {
    let lib = dir.join("library");
    let _ = std::fs::remove_dir_all(&lib);
    std::fs::create_dir_all(&lib).unwrap();
    for e in std::fs::read_dir(fixtures().join("lists").join(month)).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let mut text = std::fs::read_to_string(e.path()).unwrap();
        if name == "u6.yaml" {
            text = text.replace("region: \"320506\"", "region: \"320582\"");
        }
        if name == "u4.yaml" {
            text = text.replace("\n  issued: 2024-03-01", "\n  issued: 2026-11-20");
        }
        std::fs::write(lib.join(name), text).unwrap();
    }
}

fn lists(dir: &Path, as_of: &str, out: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .args(["lists", "library", "--as-of", as_of, "--out", out])
        .args(extra)
        .arg("--no-builtin")
        .arg("--policies")
        .arg(fixtures().join("lists/policies"))
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn approvals(month: &str) -> String {
    fixtures()
        .join(format!("dispatch/approvals-{month}.csv"))
        .display()
        .to_string()
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn verdicts(eia: &Value) -> Vec<(String, String)> {
    eia["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["approval"]["number"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn statuses(v: &Value, list: &str, key: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[key].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn run_three_months(dir: &Path) {
    library(dir, "month1");
    lists(
        dir,
        "2026-10-01",
        "2026-10",
        &["--problems", "--eia-approvals", &approvals("2026-10")],
    )
    .success();
    let a = lists(
        dir,
        "2026-11-01",
        "2026-11",
        &[
            "--problems",
            "--previous",
            "2026-10",
            "--eia-approvals",
            &approvals("2026-11"),
        ],
    )
    .success();
    assert!(stderr(&a).contains("unknown column(s) ignored: 备注"));
    library(dir, "month2");
    lists(
        dir,
        "2026-12-01",
        "2026-12",
        &[
            "--problems",
            "--previous",
            "2026-11",
            "--eia-approvals",
            &approvals("2026-12"),
        ],
    )
    .success();
}

#[test]
fn three_months_of_dispatch() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    run_three_months(d);

    // Month 1: under construction without a permit is not a lead.
    let eia = json(&d.join("2026-10/eia.json"));
    let v = verdicts(&eia);
    assert_eq!(
        v[0],
        (
            "苏环审〔2026〕45号".into(),
            "no_permit_under_construction".into()
        )
    );
    assert_eq!(v[1], ("苏环审〔2008〕123号".into(), "covered".into()));
    // Same name as u2, but a different credit code: a candidate, never a match.
    assert_eq!(v[3].1, "candidate");
    assert!(eia["rows"][3]["match"].is_null());
    assert_eq!(
        eia["rows"][3]["candidate"]["credit_code"],
        "91320507MA1AAAAA1X"
    );
    assert_eq!(v[4].1, "no_permit_planned");
    let leads1 = json(&d.join("2026-10/leads.json"));
    assert_eq!(leads1["leads"].as_array().unwrap().len(), 0);
    let p1 = json(&d.join("2026-10/problems.json"));
    assert_eq!(
        statuses(&p1, "problems", "rule"),
        [
            ("fixture.classification.declared".into(), "new".into()),
            ("fixture.complaints".into(), "new".into())
        ]
    );
    assert_eq!(p1["problems"][1]["deadline"], "2026-10-31"); // error: 30 days

    // Month 2: operating without a permit → 无证排污; u2's error is overdue.
    let v = verdicts(&json(&d.join("2026-11/eia.json")));
    assert_eq!(v[0].1, "no_permit_operating");
    let leads2 = json(&d.join("2026-11/leads.json"));
    let l2: Vec<(String, String, String)> = leads2["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["credit_code"].as_str().unwrap().to_string(),
                l["matter"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        l2,
        [
            (
                "91320509MA1CCCCC3H".into(),
                "unlicensed_discharge".into(),
                "new".into()
            ),
            (
                "91320507MA1AAAAA1X".into(),
                "overdue_rectification".into(),
                "new".into()
            ),
        ]
    );
    assert!(
        leads2["leads"][0]["basis"]
            .as_str()
            .unwrap()
            .contains("第三十三条")
    );
    let unlicensed_id = leads2["leads"][0]["id"].as_str().unwrap().to_string();
    let overdue_id = leads2["leads"][1]["id"].as_str().unwrap().to_string();
    let p2 = json(&d.join("2026-11/problems.json"));
    assert_eq!(
        statuses(&p2, "problems", "rule"),
        [
            ("fixture.classification.declared".into(), "overdue".into()),
            ("fixture.complaints".into(), "open".into())
        ]
    );
    assert_eq!(p2["problems"][1]["first_seen"], "2026-10-01");

    // Month 3: permitted → lead closed; u5's warning 销号; u2 continues.
    let eia3 = json(&d.join("2026-12/eia.json"));
    let v = verdicts(&eia3);
    assert_eq!(v[0].1, "covered");
    assert_eq!(eia3["rows"][0]["match"]["method"], "credit_code");
    // The renamed u1 matched by name and address: approved after its permit → 技改.
    assert_eq!(v[2].1, "newer_than_permit");
    assert_eq!(eia3["rows"][2]["match"]["method"], "name_address");
    assert_eq!(eia3["rows"][2]["match"]["confidence"], 1.0);
    let leads3 = json(&d.join("2026-12/leads.json"));
    let mut l3 = statuses(&leads3, "leads", "id");
    l3.sort();
    let mut want = vec![
        (unlicensed_id, "closed".to_string()),
        (overdue_id.clone(), "continuing".to_string()),
    ];
    want.sort();
    assert_eq!(l3, want);
    let cont = leads3["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == overdue_id.as_str())
        .unwrap();
    assert_eq!(cont["first_pushed"], "2026-11-01");
    let p3 = json(&d.join("2026-12/problems.json"));
    let closed: Vec<&Value> = p3["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "closed")
        .collect();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["rule"], "fixture.complaints");
    assert!(
        closed[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("复查未再发现")
    );

    // The report's figures: city and districts, three months of history.
    let h = json(&d.join("2026-12/history.json"));
    let months: Vec<&str> = h["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["as_of"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-10-01", "2026-11-01", "2026-12-01"]);
    let city = &h["months"][2]["city"];
    let get = |c: &Value, k: &str| c[k].as_u64().unwrap();
    assert_eq!(
        (
            get(city, "key"),
            get(city, "simplified"),
            get(city, "registration")
        ),
        (3, 1, 1)
    );
    assert_eq!(get(city, "problems_new"), 1); // u6 now below its required category
    assert_eq!(get(city, "problems_closed"), 1);
    assert_eq!(get(city, "problems_overdue"), 1);
    assert_eq!(get(city, "problems_open"), 2);
    assert_eq!(get(city, "leads_new"), 0);
    assert_eq!(get(city, "leads_continuing"), 1);
    assert_eq!(get(city, "leads_closed"), 1);
    assert_eq!(get(city, "approvals"), 5);
    assert_eq!(get(city, "approvals_without_permit"), 1);
    let nov = &h["months"][1]["city"];
    assert_eq!(
        (get(nov, "leads_new"), get(nov, "problems_overdue")),
        (2, 1)
    );
    let zjg = &h["months"][2]["districts"]["320582"];
    assert_eq!((get(zjg, "key"), get(zjg, "problems_new")), (1, 1));
    // The closed 无证排污 lead is placed in the district of its new permit.
    let wz = &h["months"][2]["districts"]["320506"];
    assert_eq!(get(wz, "leads_closed"), 1);

    let md = std::fs::read_to_string(d.join("2026-12/dispatch.md")).unwrap();
    assert!(md.contains("| 已销号问题 | 1 | 1 | 0 |"), "{md}");
    let html = std::fs::read_to_string(d.join("2026-12/dispatch.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    let svg = std::fs::read_to_string(d.join("2026-12/lists-trend.svg")).unwrap();
    assert!(svg.contains("2026-10-01") && svg.contains("2026-12-01"));
    // Excel-ready CSVs; no temporary file left behind.
    for f in ["leads.csv", "problems.csv", "eia.csv"] {
        let raw = std::fs::read_to_string(d.join("2026-12").join(f)).unwrap();
        assert!(raw.starts_with('\u{feff}'), "{f}");
    }
    for e in std::fs::read_dir(d.join("2026-12")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        // `.permitlint-outputs` is the manifest of files permitlint wrote.
        assert!(
            !name.starts_with('.') || name == ".permitlint-outputs",
            "temporary file {name} left"
        );
    }
}

#[test]
fn a_rerun_gives_the_same_files() {
    let t = tempfile::tempdir().unwrap();
    run_three_months(t.path());
    let first: Vec<String> = [
        "leads.json",
        "problems.json",
        "history.json",
        "dispatch.html",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(t.path().join("2026-12").join(f)).unwrap())
    .collect();
    lists(
        t.path(),
        "2026-12-01",
        "2026-12",
        &[
            "--problems",
            "--previous",
            "2026-11",
            "--eia-approvals",
            &approvals("2026-12"),
        ],
    )
    .success();
    for (i, f) in [
        "leads.json",
        "problems.json",
        "history.json",
        "dispatch.html",
    ]
    .iter()
    .enumerate()
    {
        let again = std::fs::read_to_string(t.path().join("2026-12").join(f)).unwrap();
        assert_eq!(again, first[i], "{f} changed on a re-run");
    }
}

#[test]
fn gbk_approval_list_is_an_encoding_error() {
    let t = tempfile::tempdir().unwrap();
    library(t.path(), "month1");
    let a = lists(
        t.path(),
        "2026-10-01",
        "out",
        &["--eia-approvals", &approvals("gbk")],
    )
    .code(2);
    let e = stderr(&a);
    assert!(e.contains("GBK") && e.contains("CSV UTF-8"), "{e}");
    assert!(
        !t.path().join("out").exists(),
        "nothing written on a bad list"
    );
}

#[test]
fn missing_columns_and_odd_rows_are_reported() {
    let t = tempfile::tempdir().unwrap();
    library(t.path(), "month1");
    let bad = t.path().join("bad.csv");
    std::fs::write(&bad, "项目名称,建设单位\n甲,乙\n").unwrap();
    let a = lists(
        t.path(),
        "2026-10-01",
        "out",
        &["--eia-approvals", bad.to_str().unwrap()],
    )
    .code(2);
    assert!(stderr(&a).contains("missing column(s) 批复文号, 批复日期, 建设状态"));
    let odd = t.path().join("odd.csv");
    std::fs::write(
        &odd,
        "建设单位,批复文号,批复日期,建设状态\n\"=HYPERLINK(\"\"x\"\")\",苏环审〔2026〕1号,2026-13-01,停工\n",
    )
    .unwrap();
    let a = lists(
        t.path(),
        "2026-10-01",
        "out",
        &["--eia-approvals", odd.to_str().unwrap()],
    )
    .success();
    let e = stderr(&a);
    assert!(e.contains("批复日期 `2026-13-01` is not a date"), "{e}");
    assert!(e.contains("建设状态 `停工` is not known"), "{e}");
    let csv = std::fs::read_to_string(t.path().join("out/eia.csv")).unwrap();
    assert!(
        csv.contains("'=HYPERLINK"),
        "formula not neutralized: {csv}"
    );
}

#[test]
fn a_waiver_closes_a_problem_with_its_reason() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    library(d, "month1");
    lists(d, "2026-10-01", "m1", &["--problems"]).success();
    let p1 = json(&d.join("m1/problems.json"));
    let complaint = p1["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "fixture.complaints")
        .unwrap();
    let fp = complaint["fingerprint"].as_str().unwrap();
    std::fs::write(
        d.join("waivers.json"),
        format!(
            r#"{{"waivers": [{{"fingerprint": "{fp}", "reason": "现场核查无问题", "who": "执法局 王某", "expires": "2027-06-30"}}]}}"#
        ),
    )
    .unwrap();
    lists(
        d,
        "2026-11-01",
        "m2",
        &[
            "--problems",
            "--previous",
            "m1",
            "--waivers",
            "waivers.json",
        ],
    )
    .success();
    let p2 = json(&d.join("m2/problems.json"));
    let p = p2["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fingerprint"] == fp)
        .unwrap();
    assert_eq!(p["status"], "closed");
    let ev = p["evidence"].as_str().unwrap();
    assert!(
        ev.contains("现场核查无问题") && ev.contains("执法局 王某"),
        "{ev}"
    );
    assert_eq!(p["first_seen"], "2026-10-01");
}

#[test]
fn an_expired_permit_still_operating_is_a_lead() {
    let t = tempfile::tempdir().unwrap();
    library(t.path(), "month2");
    // u5's permit is valid until 2027-01-15.
    lists(t.path(), "2027-02-01", "out", &["--problems"]).success();
    let leads = json(&t.path().join("out/leads.json"));
    let expired: Vec<&Value> = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["matter"] == "expired_permit_discharging")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["credit_code"], "91320505MA1DDDDD43");
    assert!(
        expired[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("2027-01-15")
    );
    let csv = std::fs::read_to_string(t.path().join("out/leads.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}线索编号,") && csv.contains("许可证过期仍排污"));
}

#[test]
fn bad_rectify_days_is_a_usage_error() {
    let t = tempfile::tempdir().unwrap();
    library(t.path(), "month1");
    let a = lists(
        t.path(),
        "2026-10-01",
        "out",
        &["--problems", "--rectify-days", "error=soon"],
    )
    .code(2);
    assert!(
        stderr(&a).contains("is not a number of days"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn a_check_baseline_seeds_first_seen() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    library(d, "month1");
    Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(d)
        .args([
            "check",
            "library",
            "--as-of",
            "2026-09-01",
            "--write-baseline",
            "baseline.json",
        ])
        .arg("--no-builtin")
        .arg("--policies")
        .arg(fixtures().join("lists/policies"))
        .assert()
        .code(1);
    lists(
        d,
        "2026-10-15",
        "out",
        &["--problems", "--baseline", "baseline.json"],
    )
    .success();
    let p = json(&d.join("out/problems.json"));
    let error = p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "fixture.classification.declared")
        .unwrap();
    assert_eq!(error["first_seen"], "2026-09-01");
    assert_eq!(error["deadline"], "2026-10-01");
    assert_eq!(error["status"], "overdue");
}
