//! Throughput of HJ 212 log reading, in MB/s per core (plain std timing).
//!
//! `cargo bench --bench monitor` generates a year of hourly packets for the
//! outlets of `corpus/chp-01-clean.yaml` (the generator of `permitlint
//! generate-monitoring`, seed 1), then times, interleaved over `TRIALS`
//! (default 5) with medians: the packet parser alone (framing, CRC, fields)
//! and the full reading of the log into readings (`monitor::data::read_hj212`),
//! then the whole evaluation of the readings against the permit
//! (`monitor::run::run`, one thread). Then the same year exported as
//! Parquet (`--export-limits --export-format parquet`, 12 monthly files)
//! and read back through the columnar path, at `-j1` and `-j2`: reading
//! and evaluating (`parquet::ParquetFile` row groups into
//! `run::Runner::add_parquet`, as `permitlint monitor` does), and evaluating alone (the row groups decoded
//! beforehand). Figures go to `docs/performance.md`.
use permitlint::monitor::{data, export, generate, hj212::packet, parquet, permit, run};
use permitlint::span::SourceFile;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
    let loaded = permitlint::permit::load_path(
        std::path::Path::new("corpus/chp-01-clean.yaml"),
        &permitlint::permit::Limits::default(),
    );
    let Some(p) = loaded.permit else {
        eprintln!("corpus/chp-01-clean.yaml does not load");
        std::process::exit(2);
    };
    let limits = permit::limits(&p);
    let g = generate::generate(
        &limits,
        "bench.hj212",
        generate::GenOptions {
            seed: 1,
            start: permitlint::date::Date::new(2026, 1, 1).unwrap(),
            days: 365,
            clean: true,
            exceedances: 0,
        },
    );
    let mb = g.log.len() as f64 / 1e6;
    let lines = g.log.lines().count();
    let trials: usize = std::env::var("TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(5);
    let src = SourceFile::new("bench.hj212", g.log.clone());
    let devices = g
        .devices
        .iter()
        .filter_map(|d| {
            let f: Vec<&str> = d.split(',').collect();
            Some((
                f.first()?.to_string(),
                permitlint::monitor::devices::Device {
                    credit_code: f.get(1)?.to_string(),
                    outlet: f.get(2)?.to_string(),
                },
            ))
        })
        .collect();
    let (mut parse, mut read, mut eval) = (Vec::new(), Vec::new(), Vec::new());
    let mut readings = 0;
    for _ in 0..trials {
        let t = Instant::now();
        let mut n = 0usize;
        for line in g.log.split('\n').filter(|l| !l.is_empty()) {
            n += packet::parse(line).map_or(0, |p| p.fields.len());
        }
        black_box(n);
        parse.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let file = data::read_hj212(&src, 0);
        read.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let out = run::run(
            std::slice::from_ref(&limits),
            std::slice::from_ref(&file),
            &devices,
            run::Options::default(),
        );
        eval.push(t.elapsed().as_secs_f64());
        readings = out.readings;
        assert!(out.findings.is_empty(), "clean data gave findings");
    }
    println!("HJ 212 log: {lines} hourly packets, {mb:.1} MB, {readings} readings checked");
    println!(
        "packet parse (framing, CRC, fields): {:.1} MB/s",
        mb / median(&mut parse)
    );
    println!(
        "read into readings (read_hj212):     {:.1} MB/s",
        mb / median(&mut read)
    );
    println!(
        "evaluate against the permit (-j1):   {:.1} M readings/s",
        readings as f64 / 1e6 / median(&mut eval)
    );
    let file = data::read_hj212(&src, 0);
    parquet_stages(&limits, &file, &devices, trials);
}

/// The year as Parquet, read back and evaluated through the columnar path.
fn parquet_stages(
    limits: &permit::PermitLimits,
    file: &data::DataFile,
    devices: &rustc_hash::FxHashMap<String, permitlint::monitor::devices::Device>,
    trials: usize,
) {
    let dir = tempfile::tempdir().unwrap();
    let writer = permitlint::fsio::Writer::new(false);
    let summary = export::write(
        dir.path(),
        export::TableFormat::Parquet,
        &writer,
        std::slice::from_ref(limits),
        std::slice::from_ref(file),
        devices,
        None,
        None,
    );
    let Ok(summary) = summary else {
        println!("Parquet: not written ({summary:?})");
        return;
    };
    let mut paths: Vec<std::path::PathBuf> = walk(&dir.path().join("readings"));
    paths.sort();
    let sources: Vec<permitlint::span::Source> = paths
        .iter()
        .map(|p| SourceFile::new(p.display().to_string(), ""))
        .collect();
    let open = || -> Vec<parquet::ParquetFile> {
        paths
            .iter()
            .zip(&sources)
            .enumerate()
            .map(|(i, (p, s))| parquet::ParquetFile::open(p, s, i as u32).ok().unwrap())
            .collect()
    };
    let decoded: Vec<_> = open()
        .into_iter()
        .flat_map(|mut p| std::iter::from_fn(move || p.next_group()))
        .collect();
    let no_devices = Default::default();
    let evaluate = |feed: &dyn Fn(&mut run::Runner)| {
        let mut r = run::Runner::new(
            std::slice::from_ref(limits),
            &no_devices,
            &sources,
            run::Options::default(),
        );
        feed(&mut r);
        let out = r.finish();
        assert!(out.findings.is_empty(), "clean data gave findings");
        out.readings
    };
    println!(
        "Parquet: {} files, {:.2} MB, {} readings",
        paths.len(),
        summary.reading_bytes as f64 / 1e6,
        summary.readings
    );
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (mut whole, mut eval) = (Vec::new(), Vec::new());
        let mut n = 0;
        for _ in 0..trials {
            let t = Instant::now();
            n = pool.install(|| {
                evaluate(&|r| {
                    // As `permitlint monitor` does: files opened and their
                    // first row group decoded a few at a time in parallel,
                    // then fed in order.
                    let chunk = rayon::current_num_threads() * 2;
                    for part in paths.chunks(chunk).enumerate() {
                        let opened: Vec<_> = part
                            .1
                            .par_iter()
                            .enumerate()
                            .map(|(i, p)| {
                                let k = part.0 * chunk + i;
                                let mut f = parquet::ParquetFile::open(p, &sources[k], k as u32)
                                    .ok()
                                    .unwrap();
                                let first = f.next_group();
                                (f, first)
                            })
                            .collect();
                        for (mut f, first) in opened {
                            r.add_parquet(first, &mut f);
                        }
                    }
                })
            });
            whole.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let m = pool.install(|| {
                evaluate(&|r| {
                    for (f, b) in &decoded {
                        r.add_batch(f, b);
                    }
                })
            });
            eval.push(t.elapsed().as_secs_f64());
            assert_eq!(black_box(m), n, "the decoded columns hold every reading");
        }
        println!(
            "Parquet read + evaluate (-j{threads}):     {:.1} M readings/s",
            n as f64 / 1e6 / median(&mut whole)
        );
        println!(
            "evaluate decoded columns (-j{threads}):    {:.1} M readings/s",
            n as f64 / 1e6 / median(&mut eval)
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out
}
