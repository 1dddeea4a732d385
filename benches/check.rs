//! The main job, measured: loading and full checks of a seeded synthetic
//! corpus (from `corpus/` templates) with the whole shipped library, beside
//! the raw YAML parse of the same texts. `cargo bench --bench check`.
//! Optional: `PERMITS=N` (default 10,000). Figures go to docs/performance.md.

use permitlint::date::Date;
use permitlint::lang::library::Library;
use permitlint::permit::{self, Limits};
use permitlint::run::{self, Options};
use permitlint::span::SourceFile;
use rayon::prelude::*;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

fn templates() -> Vec<String> {
    let (files, _) = run::collect(&[PathBuf::from("corpus")]);
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn time(label: &str, bytes: usize, n: usize, f: impl FnOnce() -> usize) -> f64 {
    let start = Instant::now();
    let findings = f();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{label:<38} {secs:>7.3} s {:>8.1} MB/s {:>8.1} µs/permit  ({findings} findings)",
        bytes as f64 / secs / 1e6,
        secs / n as f64 * 1e6
    );
    secs
}

fn check_all(lib: &Library, texts: &[String], opts: &Options) -> usize {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            run::check_text(lib, &format!("p{i}.yaml"), t, opts, None)
                .findings
                .len()
        })
        .sum()
}

fn main() {
    let n: usize = std::env::var("PERMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tpl = templates();
    let texts: Vec<String> = (0..n as u64)
        .map(|i| permitlint::generate::permit(&tpl, 1, i))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let lib =
        permitlint::library::shipped().unwrap_or_else(|_| panic!("shipped library has errors"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    let limits = Limits::default();
    println!(
        "{n} permits, {:.1} MB, {} policies in force, {} cores",
        bytes as f64 / 1e6,
        lib.in_force(opts.as_of).len(),
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let raw = time("raw YAML parse (saphyr events), -j1", bytes, n, || {
        let _events: usize = texts
            .iter()
            .map(|t| {
                let mut p = saphyr_parser::Parser::new_from_str(t);
                let mut k = 0;
                while let Some(Ok(ev)) = p.next_event() {
                    black_box(&ev);
                    k += 1;
                }
                k
            })
            .sum::<usize>();
        0
    });
    let load = time("load + validate, -j1", bytes, n, || {
        texts
            .iter()
            .map(|t| {
                permit::load(SourceFile::new("p.yaml", t.as_str()), &limits)
                    .findings
                    .len()
            })
            .sum()
    });
    let one = time("full check (load + evaluate), -j1", bytes, n, || {
        check_all(&lib, &texts, &opts)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let two = time("full check, -j2", bytes, n, || {
        pool.install(|| {
            texts
                .par_iter()
                .enumerate()
                .map(|(i, t)| {
                    run::check_text(&lib, &format!("p{i}.yaml"), t, &opts, None)
                        .findings
                        .len()
                })
                .sum()
        })
    });
    println!();
    println!(
        "loading over raw parse:        +{:.0}%",
        (load / raw - 1.0) * 100.0
    );
    println!(
        "evaluation over loading:       +{:.0}%",
        (one / load - 1.0) * 100.0
    );
    println!("speed-up -j2 over -j1:         {:.2}x", one / two);
    let start = Instant::now();
    let files = permitlint::library::embedded_files();
    let built = permitlint::lang::library::build(files).is_ok();
    println!(
        "compile the shipped library:   {:.1} ms (ok: {built})",
        start.elapsed().as_secs_f64() * 1e3
    );
}
