//! The monthly dispatch, measured end to end: `permitlint lists` over
//! 10,000 generated permits (each given its own credit code) with 20,000
//! EIA approvals — 10,000 by credit code, 5,000 by name and address only,
//! 5,000 for units without a permit — first with no previous month, then
//! with `--previous`, beside the plain `lists` run over the same permits.
//! `cargo bench --bench dispatch`; `PERMITS=N` changes the permit count
//! (approvals are twice as many). Figures go to docs/performance.md.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn unit_field(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("  {key}: ")))
        .map(|v| {
            v.split(" #")
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .unwrap_or_default()
}

fn run(args: &[&str], dir: &Path) -> f64 {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_permitlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run permitlint");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.code() == Some(0),
        "permitlint {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

fn main() {
    let n: usize = std::env::var("PERMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let (files, _) = permitlint::run::collect(&[std::path::PathBuf::from("corpus")]);
    let tpl: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let tmp = tempfile::tempdir().expect("temporary folder");
    let dir = tmp.path();
    let lib = dir.join("library");
    std::fs::create_dir_all(&lib).expect("library folder");
    let mut csv = String::from(
        "\u{feff}项目名称,建设单位,统一社会信用代码,批复文号,批复日期,建设地点,行业类别,建设状态\n",
    );
    for i in 0..n {
        let text = permitlint::generate::permit(&tpl, 1, i as u64);
        let code = format!("91320{i:012}X");
        let text = text
            .lines()
            .map(|l| {
                if l.starts_with("  credit_code:") {
                    format!("  credit_code: \"{code}\"")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let name = unit_field(&text, "name");
        let address = unit_field(&text, "address");
        std::fs::write(lib.join(format!("p{i:05}.yaml")), &text).expect("write permit");
        csv.push_str(&format!(
            "项目{i},{name},{code},苏环审〔2026〕{i}号,2026-01-15,{address},C2614,已投运\n"
        ));
        if i % 2 == 0 {
            csv.push_str(&format!(
                "技改{i},{name},,苏环审〔2026〕B{i}号,2026-06-01,{address},C2614,在建\n"
            ));
        } else {
            let status = if i % 4 == 1 { "已投运" } else { "在建" };
            csv.push_str(&format!(
                "新建{i},苏州新建单位{i}有限公司,91320{:012}Y,苏环审〔2026〕C{i}号,2026-03-01,苏州市新区{i}号,C2614,{status}\n",
                i + 1_000_000
            ));
        }
    }
    std::fs::write(dir.join("approvals.csv"), csv).expect("write approvals");
    println!(
        "{n} permits, {} approvals, {} cores",
        2 * n,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let base = ["lists", "library", "--as-of"];
    let plain = run(
        &[&base[..], &["2026-11-01", "--out", "plain"]].concat(),
        dir,
    );
    println!("lists only (no dispatch)                    {plain:>7.2} s");
    let first = run(
        &[
            &base[..],
            &[
                "2026-11-01",
                "--out",
                "m1",
                "--problems",
                "--eia-approvals",
                "approvals.csv",
            ],
        ]
        .concat(),
        dir,
    );
    println!("monthly dispatch, first month               {first:>7.2} s");
    let second = run(
        &[
            &base[..],
            &[
                "2026-12-01",
                "--out",
                "m2",
                "--previous",
                "m1",
                "--problems",
                "--eia-approvals",
                "approvals.csv",
            ],
        ]
        .concat(),
        dir,
    );
    println!("monthly dispatch, second month (--previous) {second:>7.2} s");
    let plain2 = run(
        &[
            &base[..],
            &["2026-12-01", "--out", "plain2", "--previous", "plain"],
        ]
        .concat(),
        dir,
    );
    println!("lists only, second month (--previous)       {plain2:>7.2} s");
    let leads = std::fs::read_to_string(dir.join("m2/leads.json")).unwrap_or_default();
    let problems = std::fs::read_to_string(dir.join("m2/problems.json")).unwrap_or_default();
    println!(
        "second month: {} leads, {} problems (lines of JSON: {} / {})",
        leads.matches("\"id\":").count(),
        problems.matches("\"fingerprint\":").count(),
        leads.lines().count(),
        problems.lines().count()
    );
}
