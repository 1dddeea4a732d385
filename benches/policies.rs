//! Evaluation time per policy file: the shipped library minus everything but
//! `library.policy` and one file (with the catalogue derivation and GB
//! 13223-2003 added where a file reads their facts or tables), over a seeded
//! synthetic corpus. Tells a policy author what a rule costs.
//! `cargo bench --bench policies` (optional `PERMITS=N`, default 300).

use permitlint::date::Date;
use permitlint::lang::library::build;
use permitlint::permit::{self, Limits};
use permitlint::run;
use permitlint::span::SourceFile;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let n: u64 = std::env::var("PERMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let (files, _) = run::collect(&[PathBuf::from("corpus")]);
    let templates: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let loaded: Vec<_> = (0..n)
        .map(|i| {
            let text = permitlint::generate::permit(&templates, 1, i);
            permit::load(
                SourceFile::new(format!("p{i}.yaml"), text),
                &Limits::default(),
            )
        })
        .collect();
    let all = permitlint::library::embedded_files();
    let as_of = Date::parse("2026-12-01").expect("date");
    let base: Vec<_> = all
        .iter()
        .filter(|(name, _)| name.ends_with("/library.policy"))
        .cloned()
        .collect();
    let helpers: Vec<_> = all
        .iter()
        .filter(|(name, _)| {
            name.contains("catalogue-2019-industries") || name.contains("gb13223-2003")
        })
        .cloned()
        .collect();
    let mut runs = vec![("(library.policy only)".to_string(), base.clone())];
    runs.push(("(whole library)".to_string(), all.clone()));
    for f in all
        .iter()
        .filter(|(name, _)| !name.ends_with("/library.policy"))
    {
        let mut files = base.clone();
        files.push(f.clone());
        runs.push((f.0.clone(), files));
    }
    let mut rows = Vec::new();
    for (name, files) in runs {
        let (lib, note) = match build(files.clone()) {
            Ok(lib) => (lib, ""),
            Err(_) => {
                let extra: Vec<_> = helpers
                    .iter()
                    .filter(|h| !with_has(&files, &h.0))
                    .cloned()
                    .collect();
                let mut with = files;
                with.extend(extra);
                match build(with) {
                    Ok(lib) => (lib, " (+ catalogue industries, GB 13223-2003)"),
                    Err(e) => panic!("{name} does not build: {e:?}"),
                }
            }
        };
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = Instant::now();
            for l in &loaded {
                if let Some(p) = &l.permit {
                    std::hint::black_box(permitlint::eval::evaluate(
                        &lib,
                        p,
                        as_of,
                        &l.findings,
                        None,
                    ));
                }
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        rows.push((best / n as f64 * 1e6, format!("{name}{note}")));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("evaluation per permit over {n} generated permits (best of 5)");
    for (us, name) in rows {
        println!("{us:8.2} µs  {name}");
    }
}

fn with_has(files: &[(String, String)], name: &str) -> bool {
    files.iter().any(|(n, _)| n == name)
}
