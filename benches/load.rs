//! Throughput of permit loading on ~10 KB permits, in MB/s (plain std timing).
//!
//! `cargo bench --bench load` prints: raw saphyr-parser events, our tree
//! builder (`permit::yaml::parse`) and the full `permit::load` (read tree +
//! validate + type). Figures go to `docs/performance-permit.md`.
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

fn measure(name: &str, texts: &[String], rounds: usize, mut f: impl FnMut(&str)) {
    let bytes: usize = texts.iter().map(String::len).sum::<usize>() * rounds;
    let start = Instant::now();
    for _ in 0..rounds {
        for t in texts {
            f(t);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let per = secs / (texts.len() * rounds) as f64 * 1e6;
    println!(
        "{name:<28} {:>8.1} MB/s  {per:>7.1} µs/permit",
        bytes as f64 / secs / 1e6
    );
}

fn main() {
    let texts = permits(100);
    let rounds = 20;
    let limits = Limits::default();
    println!(
        "{} permits of ~{} bytes, {rounds} rounds",
        texts.len(),
        texts[0].len()
    );
    measure("saphyr-parser events", &texts, rounds, |t| {
        let mut p = saphyr_parser::Parser::new_from_str(t);
        let mut n = 0usize;
        while let Some(Ok(ev)) = p.next_event() {
            n += 1;
            black_box(&ev);
        }
        black_box(n);
    });
    measure("permit::yaml::parse", &texts, rounds, |t| {
        black_box(yaml::parse(t, &limits).ok());
    });
    measure("permit::load (+validate)", &texts, rounds, |t| {
        let l = load(SourceFile::new("p.yaml", t), &limits);
        assert!(l.findings.is_empty());
        black_box(l);
    });
}
