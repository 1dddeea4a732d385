//! Throughput of permit loading on ~10 KB permits, in MB/s (plain std timing).
//!
//! `cargo bench --bench load` prints: raw saphyr-parser events, our tree
//! builder (`permit::yaml::parse`) and the full `permit::load` (read tree +
//! validate + type). Figures go to `docs/performance.md`.
use permitlint::permit::{Limits, load, yaml};
use permitlint::span::SourceFile;
use std::hint::black_box;
use std::time::Instant;

const REFERENCE: &str = include_str!("../tests/fixtures/permits/reference.yaml");

/// Permits of about 10 KB: the reference with unit names varied.
fn permits(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| REFERENCE.replace("苏州某热电有限公司", &format!("苏州某热电有限公司{i}")))
        .collect()
}

/// Seconds per permit of one pass of `f` over `n` permits, `rounds` times.
fn time(n: usize, rounds: usize, f: &mut dyn FnMut(usize)) -> f64 {
    let start = Instant::now();
    for _ in 0..rounds {
        for i in 0..n {
            f(i);
        }
    }
    start.elapsed().as_secs_f64() / (n * rounds) as f64
}

/// A stage is called with the index of the permit to process.
type Stage<'a> = dyn FnMut(usize) + 'a;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let texts = permits(100);
    // Stages are interleaved trial by trial, so background load (fuzzers on a
    // 2-core machine) hits them alike; medians and the fastest trial are shown.
    let (trials, rounds) = (9, 4);
    let limits = Limits::default();
    let bytes = texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64;
    println!(
        "{} permits of ~{bytes:.0} bytes, {trials} trials of {rounds} rounds (median, best)",
        texts.len()
    );
    // The loader takes the file's text as read (a `Source` sharing it), so
    // the sources are made once: copying the text is not loading it.
    let sources: Vec<_> = texts
        .iter()
        .map(|t| SourceFile::new("p.yaml", t.as_str()))
        .collect();
    let mut raw = |i: usize| {
        let mut p = saphyr_parser::Parser::new_from_str(&texts[i]);
        let mut n = 0usize;
        while let Some(Ok(ev)) = p.next_event() {
            n += 1;
            black_box(&ev);
        }
        black_box(n);
    };
    let mut tree = |i: usize| {
        black_box(yaml::parse(&texts[i], &limits).ok());
    };
    let mut full = |i: usize| {
        let l = load(sources[i].clone(), &limits);
        assert!(l.findings.is_empty());
        black_box(l);
    };
    let stages: [(&str, &mut Stage); 3] = [
        ("saphyr-parser events", &mut raw),
        ("permit::yaml::parse", &mut tree),
        ("permit::load (+validate)", &mut full),
    ];
    let mut secs = vec![Vec::new(); stages.len()];
    let mut stages = stages;
    for _ in 0..trials {
        for (i, (_, f)) in stages.iter_mut().enumerate() {
            secs[i].push(time(texts.len(), rounds, *f));
        }
    }
    let mut medians = Vec::new();
    for (i, (name, _)) in stages.iter().enumerate() {
        let best = secs[i].iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(&mut secs[i]);
        medians.push(med);
        println!(
            "{name:<26} {:>6.1} MB/s {:>7.1} µs/permit   best {:>6.1} MB/s {:>7.1} µs/permit",
            bytes / med / 1e6,
            med * 1e6,
            bytes / best / 1e6,
            best * 1e6,
        );
    }
    println!(
        "over raw events (medians): tree +{:.0}%, load +{:.0}%",
        (medians[1] / medians[0] - 1.0) * 100.0,
        (medians[2] / medians[0] - 1.0) * 100.0
    );
}
