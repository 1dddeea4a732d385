//! Throwaway: evaluation time per policy file over generated permits.
use permitlint::date::Date;
use permitlint::permit::{self, Limits};
use permitlint::span::SourceFile;
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut loaded = Vec::new();
    let (mut paths, _) = permitlint::run::collect(&[std::path::PathBuf::from(&dir)]);
    paths.sort();
    for p in paths {
        let t = std::fs::read_to_string(&p).unwrap();
        let l = permit::load(SourceFile::new("p.yaml", t), &Limits::default());
        loaded.push(l);
    }
    let files = permitlint::library::embedded_files();
    let as_of = Date::parse("2026-12-01").unwrap();
    let base: Vec<_> = files
        .iter()
        .filter(|(n, _)| n.ends_with("library.policy"))
        .cloned()
        .collect();
    let mut rows = Vec::new();
    let mut runs: Vec<(String, Vec<(String, String)>)> = vec![
        ("(none)".into(), base.clone()),
        ("(all)".into(), files.clone()),
    ];
    for f in &files {
        if f.0.ends_with("library.policy") {
            continue;
        }
        let mut v = base.clone();
        // derivations feed others: keep the catalogue derivation in every run
        v.push(f.clone());
        runs.push((f.0.clone(), v));
    }
    for (name, fs) in runs {
        let lib = match permitlint::lang::library::build(fs.clone()) {
            Ok(l) => l,
            Err(e) => {
                let mut fs = fs;
                fs.extend(
                    files
                        .iter()
                        .filter(|(n, _)| {
                            n.contains("catalogue-2019-industries") || n.contains("gb13223-2003")
                        })
                        .cloned(),
                );
                match permitlint::lang::library::build(fs) {
                    Ok(l) => {
                        println!("{name}: with industries+2003");
                        l
                    }
                    Err(_) => {
                        println!("{name}: build failed {e:?}");
                        continue;
                    }
                }
            }
        };
        let mut best = f64::MAX;
        for _ in 0..5 {
            let s = Instant::now();
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
            best = best.min(s.elapsed().as_secs_f64());
        }
        rows.push((best / loaded.len() as f64 * 1e6, name));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (us, n) in rows {
        println!("{us:8.2} µs  {n}");
    }
}
