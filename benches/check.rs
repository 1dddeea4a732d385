//! The main job, measured: loading and full checks of a seeded synthetic
//! corpus (from `corpus/` templates) with the whole shipped library, beside
//! the raw YAML parse of the same texts. `cargo bench --bench check`.
//! Optional: `PERMITS=N` (default 10,000), `TRIALS=N` (default 3; stages
//! are interleaved trial by trial and medians shown). Figures go to
//! docs/performance.md.

use permitlint::date::Date;
use permitlint::permit::{self, Limits};
use permitlint::run::{self, Options};
use permitlint::span::{Source, SourceFile};
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

/// Seconds of one run of `f`, and what it returned (findings counted).
fn once(f: &mut dyn FnMut() -> usize) -> (f64, usize) {
    let start = Instant::now();
    let n = f();
    (start.elapsed().as_secs_f64(), n)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

type Stage<'a> = (&'static str, Box<dyn FnMut() -> usize + 'a>);

fn main() {
    let n: usize = std::env::var("PERMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let trials: usize = std::env::var("TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let tpl = templates();
    let texts: Vec<String> = (0..n as u64)
        .map(|i| permitlint::generate::permit(&tpl, 1, i))
        .collect();
    // What the loader gets from a read: the text in a `Source`. Made once
    // and shared (an `Arc`), so no stage pays for copying the text.
    let sources: Vec<Source> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| SourceFile::new(format!("p{i}.yaml"), t.as_str()))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let lib =
        permitlint::library::shipped().unwrap_or_else(|_| panic!("shipped library has errors"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    let limits = Limits::default();
    println!(
        "{n} permits, {:.1} MB, {} policies in force, {} cores, {trials} interleaved trials (median)",
        bytes as f64 / 1e6,
        lib.in_force(opts.as_of).len(),
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut stages: Vec<Stage> = vec![
        (
            "raw YAML parse (saphyr events), -j1",
            Box::new(|| {
                for t in &texts {
                    let mut p = saphyr_parser::Parser::new_from_str(t);
                    while let Some(Ok(ev)) = p.next_event() {
                        black_box(&ev);
                    }
                }
                0
            }),
        ),
        (
            "load + validate, -j1",
            Box::new(|| {
                sources
                    .iter()
                    .map(|s| permit::load(s.clone(), &limits).findings.len())
                    .sum()
            }),
        ),
        (
            "full check (load + evaluate), -j1",
            Box::new(|| {
                sources
                    .iter()
                    .map(|s| {
                        run::check_source(&lib, s.clone(), &opts, None)
                            .findings
                            .len()
                    })
                    .sum()
            }),
        ),
        (
            "full check, -j2",
            Box::new(|| {
                pool.install(|| {
                    sources
                        .par_iter()
                        .map(|s| {
                            run::check_source(&lib, s.clone(), &opts, None)
                                .findings
                                .len()
                        })
                        .sum()
                })
            }),
        ),
    ];
    let mut secs = vec![Vec::new(); stages.len()];
    let mut found = vec![0; stages.len()];
    for _ in 0..trials {
        for (i, (_, f)) in stages.iter_mut().enumerate() {
            let (t, k) = once(f.as_mut());
            secs[i].push(t);
            found[i] = k;
        }
    }
    let med: Vec<f64> = secs.iter_mut().map(|v| median(v)).collect();
    for (i, (label, _)) in stages.iter().enumerate() {
        println!(
            "{label:<38} {:>7.3} s {:>8.1} MB/s {:>8.1} µs/permit  ({} findings)",
            med[i],
            bytes as f64 / med[i] / 1e6,
            med[i] / n as f64 * 1e6,
            found[i]
        );
    }
    let (raw, load, one, two) = (med[0], med[1], med[2], med[3]);
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
