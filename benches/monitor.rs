//! Throughput of HJ 212 log reading, in MB/s per core (plain std timing).
//!
//! `cargo bench --bench monitor` generates a year of hourly packets for the
//! outlets of `corpus/chp-01-clean.yaml` (the generator of `permitlint
//! generate-monitoring`, seed 1), then times, interleaved over `TRIALS`
//! (default 5) with medians: the packet parser alone (framing, CRC, fields)
//! and the full reading of the log into readings (`monitor::data::read_hj212`),
//! then the whole evaluation of the readings against the permit
//! (`monitor::run::run`, one thread); the same readings written as an
//! XLSX export, read back (`monitor::xlsx::read`). Then the same year
//! exported as Parquet (`--export-limits --export-format parquet`, 12
//! monthly files) and read back through the columnar path, at `-j1` and
//! `-j2`: reading and evaluating (`parquet::ParquetFile` row groups into
//! `run::Runner::add_parquet`, as `permitlint monitor` does), and
//! evaluating alone (the row groups decoded beforehand). Figures go to
//! `docs/performance.md`.
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
    // The same readings as an XLSX export (one sheet, deflated; device
    // and pollutant as shared strings, time as a date serial), read back
    // into readings (`monitor::xlsx::read`: unzip, XML, view, CSV reader).
    let file = data::read_hj212(&src, 0);
    let mut strings: Vec<String> = [
        "time",
        "mn",
        "pollutant",
        "value",
        "flag",
        "o2",
        "flow",
        "N",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut index = |s: &str| match strings.iter().position(|x| x == s) {
        Some(i) => i,
        None => {
            strings.push(s.to_string());
            strings.len() - 1
        }
    };
    let mut rows = String::from("<row r=\"1\">");
    for (c, i) in ["A", "B", "C", "D", "E", "F", "G"].iter().zip(0..) {
        rows.push_str(&format!("<c r=\"{c}1\" t=\"s\"><v>{i}</v></c>"));
    }
    rows.push_str("</row>");
    for (n, r) in file.readings.iter().enumerate() {
        let n = n + 2;
        let mn = match &file.targets[r.target as usize] {
            permitlint::monitor::Target::Mn(m) => m.clone(),
            permitlint::monitor::Target::Outlet { outlet, .. } => outlet.clone(),
        };
        let (mn, code) = (index(&mn), index(r.code));
        let serial = (r.time.div_euclid(24) + 25_569) as f64 + r.time.rem_euclid(24) as f64 / 24.0;
        rows.push_str(&format!(
            "<row r=\"{n}\"><c r=\"A{n}\"><v>{serial}</v></c><c r=\"B{n}\" t=\"s\"><v>{mn}</v></c><c r=\"C{n}\" t=\"s\"><v>{code}</v></c><c r=\"D{n}\"><v>{}</v></c><c r=\"E{n}\" t=\"s\"><v>7</v></c><c r=\"F{n}\"><v>{}</v></c><c r=\"G{n}\"><v>{}</v></c></row>",
            r.value,
            r.o2.unwrap_or(0.0),
            r.flow.unwrap_or(0.0)
        ));
    }
    let refs: Vec<&str> = strings.iter().map(String::as_str).collect();
    let wb = permitlint::monitor::xlsx::write_workbook(&[("Sheet1", &rows)], &refs, false, true);
    let (mut xlsx, mut unzip, mut view) = (Vec::new(), Vec::new(), Vec::new());
    let mut xlsx_readings = 0;
    for _ in 0..trials {
        let t = Instant::now();
        let d = permitlint::monitor::xlsx::read("bench.xlsx", &wb, 0, false);
        xlsx.push(t.elapsed().as_secs_f64());
        xlsx_readings = d.readings.len();
        assert!(d.findings.is_empty(), "the workbook gave findings");
        // Its parts: inflating the sheet (CRC checked), and the view (unzip and XML).
        let t = Instant::now();
        let a = permitlint::monitor::xlsx::zip::Archive::open(&wb).unwrap();
        black_box(a.read("xl/worksheets/sheet1.xml", 1 << 30).unwrap());
        unzip.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        black_box(permitlint::monitor::xlsx::view(&wb).unwrap());
        view.push(t.elapsed().as_secs_f64());
    }
    assert_eq!(xlsx_readings, file.readings.len());
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
    let t = median(&mut xlsx);
    println!(
        "XLSX export of the same readings: {:.1} MB ({:.1} MB of sheet XML), read in {:.0} ms: {:.2} M rows/s",
        wb.len() as f64 / 1e6,
        rows.len() as f64 / 1e6,
        t * 1e3,
        xlsx_readings as f64 / 1e6 / t
    );
    println!(
        "  of which inflating the sheet {:.0} ms, the view (inflate, XML, text) {:.0} ms, the CSV reader the rest",
        median(&mut unzip) * 1e3,
        median(&mut view) * 1e3
    );
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
    let permits = std::slice::from_ref(limits);
    let mut exporter = export::Exporter::new(dir.path(), permits, devices, None, None);
    let summary = exporter
        .add(file)
        .and_then(|()| exporter.finish(dir.path(), export::TableFormat::Parquet, &writer));
    let Ok((_, exported, reading_bytes)) = summary else {
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
        reading_bytes as f64 / 1e6,
        exported
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
