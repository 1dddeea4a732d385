//! The result cache, end to end: `permitlint check --format json` over
//! 10,000 generated permits (`permitlint generate`'s generator, seed 1),
//! with `--no-cache`, then cold (an empty cache: check and write every
//! entry), then warm (every entry valid), `TRIALS` rounds (default 3) of
//! each, interleaved, medians. Every run's output (written to a file) must
//! be byte-identical.
//! `cargo bench --bench cache`; `PERMITS=N` changes the count, `JOBS=N`
//! passes `-j N` (default 1). Figures go to docs/performance.md.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// One run, its report written to a file (as CI writes it: a pipe read
/// by this process would time the reading too), and read back after.
fn run(dir: &Path, jobs: &str, extra: &[&str]) -> (f64, Vec<u8>, String) {
    let report = dir.join("report.json");
    let file = std::fs::File::create(&report).expect("report file");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_permitlint"))
        .current_dir(dir)
        .args([
            "check",
            "--as-of",
            "2026-12-01",
            "--format",
            "json",
            "-j",
            jobs,
            "permits",
        ])
        .args(extra)
        .stdout(file)
        .output()
        .expect("run permitlint");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "permitlint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cache_line = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| l.starts_with("cache: "))
        .unwrap_or("")
        .to_string();
    let stdout = std::fs::read(&report).expect("read the report");
    (secs, stdout, cache_line)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let n = env("PERMITS", 10_000);
    let trials = env("TRIALS", 3).max(1);
    let jobs = env("JOBS", 1).to_string();
    let (files, _) = permitlint::run::collect(&[std::path::PathBuf::from("corpus")]);
    let tpl: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let tmp = tempfile::tempdir().expect("temporary folder");
    let dir = tmp.path();
    let mut bytes = 0usize;
    for i in 0..n {
        let sub = dir.join("permits").join(format!("{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).expect("folder");
        }
        let text = permitlint::generate::permit(&tpl, 1, i as u64);
        bytes += text.len();
        std::fs::write(sub.join(format!("permit-{i:06}.yaml")), text).expect("write permit");
    }
    println!(
        "{n} permits, {:.1} MB, -j {jobs}, {trials} trial(s)",
        bytes as f64 / 1e6
    );
    // A permit changed less than 2 s before a run records its result
    // without trusting its metadata (docs/output.md): wait, so that warm
    // runs measure the usual case, permits unchanged for longer.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let cache = dir.join(".permitlint_cache");
    let (mut plain, mut cold, mut warm) = (Vec::new(), Vec::new(), Vec::new());
    let mut reference: Option<Vec<u8>> = None;
    let mut same = |out: Vec<u8>, what: &str| match &reference {
        None => reference = Some(out),
        Some(r) => assert!(*r == out, "{what}: output differs"),
    };
    let mut warm_line = String::new();
    for _ in 0..trials {
        let (t, out, _) = run(dir, &jobs, &["--no-cache"]);
        plain.push(t);
        same(out, "--no-cache");
        let _ = std::fs::remove_dir_all(&cache);
        let (t, out, _) = run(dir, &jobs, &[]);
        cold.push(t);
        same(out, "cold");
        let (t, out, line) = run(dir, &jobs, &[]);
        warm.push(t);
        same(out, "warm");
        warm_line = line;
    }
    let output = reference.map_or(0, |r| r.len());
    let (p, c, w) = (median(&mut plain), median(&mut cold), median(&mut warm));
    println!(
        "output: {:.1} MB of JSON, identical in every run",
        output as f64 / 1e6
    );
    println!("--no-cache  {p:.3} s   (runs: {plain:.3?})");
    println!("cold        {c:.3} s   (runs: {cold:.3?})");
    println!("warm        {w:.3} s   (runs: {warm:.3?})");
    println!("last warm run's {warm_line}");
    println!(
        "warm is {:.1}x faster than cold, {:.1}x faster than --no-cache",
        c / w,
        p / w
    );
}
