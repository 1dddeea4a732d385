//! `permitlint monitor PERMITS... --data DATA...`: monitoring data checked
//! against the permits (the work is in `crate::monitor`), and the hidden
//! `permitlint generate-monitoring` that writes test data for permits.

use super::ColorChoice;
use super::check::FormatArg;
use crate::date::Date;
use crate::finding::Severity;
use crate::monitor::{self, MFinding, data, devices, permit::PermitLimits};
use crate::report::{Format, RuleMeta, RunInfo};
use crate::span::SourceFile;
use clap::Args;
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct MonitorArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
    pub permits: Vec<PathBuf>,
    /// Data files or folders: HJ 212 packet logs, CSV or XLSX exports,
    /// Parquet readings, manual results or declared annual totals,
    /// recognised by content.
    #[arg(long, required_unless_present = "export_limits", num_args = 1.., value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub data: Vec<PathBuf>,
    /// CSV `mn,credit_code,outlet` mapping HJ 212 devices to permits and outlets.
    #[arg(long, value_name = "FILE")]
    pub devices: Option<PathBuf>,
    /// First day of data to check.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub from: Option<Date>,
    /// Last day of data to check.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub to: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Colour in human output (`auto`: on a terminal, unless `NO_COLOR` is set).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Write `leads.csv`, `leads.json` and `report/index.html` here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A previous run's `leads.json`: each lead is marked `new` or `open`,
    /// and the previous leads no longer found are listed as `closed` (销号)
    /// or `not-judged` (docs/monitoring.md). The file is never overwritten.
    #[arg(long, value_name = "FILE", requires = "out")]
    pub leads_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub jobs: super::JobsArgs,
    /// Export the permits' limits (`limits/province=…/unit=…/`), the hours
    /// the run covered (`coverage/province=…/unit=…/month=…/`) and the readings
    /// matched to them (`readings/province=…/unit=…/month=…/`) as open
    /// tables for the SQL checks in `sql/` (docs/scale.md).
    #[arg(long, value_name = "DIR")]
    pub export_limits: Option<PathBuf>,
    /// Format of the exported tables (`parquet` needs the `parquet` feature, on by default).
    #[arg(long, value_enum, default_value = "csv", requires = "export_limits")]
    pub export_format: ExportFormatArg,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormatArg {
    Csv,
    Parquet,
}

#[derive(Args, Debug)]
pub struct GenerateMonitoringArgs {
    /// Permit files or folders to generate data for.
    #[arg(required = true, value_hint = clap::ValueHint::AnyPath)]
    pub permits: Vec<PathBuf>,
    /// Output folder: one `.hj212` log per permit, `devices.csv`, `manifest.json`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day of data.
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2026-01-01", value_parser = super::parse_date)]
    pub start: Date,
    /// Number of days.
    #[arg(long, default_value_t = 31)]
    pub days: u32,
    /// Hourly exceedances injected per outlet and pollutant.
    #[arg(long, default_value_t = 3)]
    pub exceedances: u32,
    /// Clean data: no exceedance, no flagged period, no broken packet.
    #[arg(long)]
    pub clean: bool,
}

fn rule_metas() -> Vec<RuleMeta> {
    monitor::RULES
        .iter()
        .map(|(id, severity, title, basis)| RuleMeta {
            id: id.to_string(),
            title: title.to_string(),
            basis: basis.to_string(),
            element: "monitoring".into(),
            severity: *severity,
            help: format!("{title}. Basis: {basis}. See docs/monitoring.md."),
        })
        .collect()
}

/// Load permits; a file that does not load is reported and skipped.
fn load_permits(
    files: &[PathBuf],
    issues: &[crate::run::WalkIssue],
) -> (Vec<PermitLimits>, Vec<MFinding>) {
    let mut findings: Vec<MFinding> = issues
        .iter()
        .map(|i| MFinding::plain(super::check::walk_finding(&i.path, &i.message)))
        .collect();
    let limits = crate::permit::Limits::default();
    let loaded: Vec<_> = files
        .par_iter()
        .map(|p| crate::permit::load_path(p, &limits))
        .collect();
    let mut permits = Vec::new();
    for l in loaded {
        match l.permit {
            Some(p) => permits.push(monitor::permit::limits(&p)),
            None => findings.extend(l.findings.into_iter().map(MFinding::plain)),
        }
    }
    (permits, findings)
}

/// Data files: given files as they are, folders walked (sorted) for files
/// whose content is recognised.
fn data_files(paths: &[PathBuf]) -> (Vec<(PathBuf, bool)>, Vec<MFinding>) {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for root in paths {
        if root.is_dir() {
            for e in walkdir::WalkDir::new(root)
                .follow_links(true)
                .sort_by_file_name()
            {
                match e {
                    Ok(e) if e.file_type().is_file() => {
                        files.push((e.path().to_path_buf(), false));
                    }
                    Ok(_) => {}
                    // An unreadable folder or a link loop is said, not
                    // skipped: its files would otherwise go unchecked.
                    Err(err) => findings.push(MFinding::plain(super::check::walk_finding(
                        &err.path().unwrap_or(root).display().to_string(),
                        &err.to_string().to_lowercase(),
                    ))),
                }
            }
        } else if std::fs::symlink_metadata(root).is_ok() {
            // A file, or something else by that name (a FIFO, a device):
            // reading it says which.
            files.push((root.clone(), true));
        } else {
            findings.push(MFinding::plain(super::check::walk_finding(
                &root.display().to_string(),
                "no such file or folder",
            )));
        }
    }
    (files, findings)
}

/// Read and parse one data file. The parsed file keeps only its name (the
/// run streams; findings are located at the end) unless `keep_text`, for
/// the export, which names each reading's line.
/// A data file read: whole, or (Parquet) opened to be read a row group
/// at a time, its first row group decoded.
enum Input {
    File(data::DataFile),
    Parquet(Box<ParquetInput>),
}

/// An open Parquet file and its first row group.
type ParquetInput = (
    monitor::parquet::ParquetFile,
    Option<(data::DataFile, monitor::batch::Batch)>,
);

/// Whether `path` is a regular file starting with Parquet's magic.
fn starts_parquet(path: &Path) -> bool {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| monitor::parquet::is_parquet(&head))
}

/// Every row group of a Parquet file as one file of readings, its
/// findings' and readings' places turned into lines of a made-up text of
/// one line a row (the export names each reading's line: the row).
fn parquet_whole(mut p: monitor::parquet::ParquetFile, name: &str) -> data::DataFile {
    let stub = SourceFile::new(name.to_string(), "");
    let mut out = data::DataFile::empty(&stub);
    let rows = usize::try_from(p.rows()).unwrap_or(0);
    while let Some((part, batch)) = p.next_group() {
        out.findings.extend(part.findings);
        out.targets = part.targets;
        out.records += part.records;
        for mut r in batch.readings() {
            // Row k (from 1) is line k: the byte before the k-th newline.
            r.start -= 1;
            r.end = r.start;
            out.readings.push(r);
        }
    }
    out.source = SourceFile::new(name.to_string(), "\n".repeat(rows.max(1)));
    out
}

fn read_data(
    path: &Path,
    explicit: bool,
    index: u32,
    keep_text: bool,
) -> Option<Result<Input, MFinding>> {
    let name = path.display().to_string();
    if starts_parquet(path) {
        let stub = SourceFile::new(name.clone(), "");
        return Some(Ok(
            match monitor::parquet::ParquetFile::open(path, &stub, index) {
                Ok(p) if keep_text => Input::File(parquet_whole(p, &name)),
                Ok(mut p) => {
                    let first = p.next_group();
                    Input::Parquet(Box::new((p, first)))
                }
                Err(refused) => Input::File(*refused),
            },
        ));
    }
    let bytes = match crate::fsio::read_bytes(path, crate::fsio::MAX_DATA_BYTES) {
        Ok(b) => b,
        Err(e) => {
            return Some(Err(MFinding::plain(super::check::walk_finding(
                &name,
                &e.to_string().to_lowercase(),
            ))));
        }
    };
    if monitor::xlsx::is_xlsx(&bytes) {
        return Some(Ok(Input::File(monitor::xlsx::read(
            &name, &bytes, index, keep_text,
        ))));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            if !explicit {
                return None;
            }
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned();
            let src = SourceFile::new(name, text);
            return Some(Err(MFinding::plain(monitor::finding(
                "monitor.data-format",
                Severity::Warning,
                &src,
                crate::span::Span::new(at, at),
                format!("not UTF-8 text at byte {at}; the file is not read"),
                "docs/monitoring.md (inputs)",
            ))));
        }
    };
    let kind = data::detect(&text);
    let src = SourceFile::new(name, text);
    let mut parsed = match kind {
        data::Kind::Hj212 => data::read_hj212(&src, index),
        data::Kind::Csv => data::read_csv(&src, index),
        data::Kind::Manual => data::read_manual(&src, index),
        data::Kind::Declared => monitor::declared::read(&src, index),
        data::Kind::Unknown if explicit => {
            return Some(Err(MFinding::plain(monitor::finding(
                "monitor.data-format",
                Severity::Warning,
                &src,
                crate::span::Span::new(0, 0),
                "neither HJ 212 packets (lines starting with `##`) nor a CSV with a `pollutant` column; the file is not read".into(),
                "docs/monitoring.md (inputs)",
            ))));
        }
        data::Kind::Unknown => return None,
    };
    if keep_text {
        parsed.source = src;
    }
    Some(Ok(Input::File(parsed)))
}

/// Render findings in `format`, adding the monitoring context to JSON
/// (`outlet`, `pollutant`, `time`, `related`) and SARIF (`relatedLocations`).
pub fn render(
    format: Format,
    all: &[MFinding],
    info: &RunInfo,
    human: &crate::report::HumanOptions,
) -> String {
    let findings: Vec<crate::finding::Finding> = all.iter().map(|m| m.finding.clone()).collect();
    let text = crate::report::render(format, &findings, info, human);
    match format {
        Format::Json => with_json_context(&text, all),
        Format::Sarif => {
            let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text) else {
                return text;
            };
            if let Some(results) = v
                .pointer_mut("/runs/0/results")
                .and_then(|r| r.as_array_mut())
            {
                for (res, m) in results.iter_mut().zip(all) {
                    if let (Some(r), Some(obj)) = (&m.related, res.as_object_mut()) {
                        obj.insert(
                            "relatedLocations".into(),
                            serde_json::json!([{
                                "id": 1,
                                "physicalLocation": {
                                    "artifactLocation": {"uri": r.file},
                                    "region": {"startLine": r.line}
                                },
                                "message": {"text": format!("the permit's limit ({})", r.text)}
                            }]),
                        );
                    }
                }
            }
            let mut s = serde_json::to_string_pretty(&v).unwrap_or(text);
            s.push('\n');
            s
        }
        _ => text,
    }
}

/// `check`'s JSON with `outlet`, `pollutant`, `time` and `related` added
/// after each finding's last field (`fingerprint`), so the fields of
/// `check` keep their order. Strings in the document are escaped, so a
/// line holding a finding's `fingerprint` is found by its indentation.
fn with_json_context(text: &str, all: &[MFinding]) -> String {
    let mut out = String::with_capacity(text.len() + all.len() * 160);
    let mut items = all.iter();
    let j = |v: &Option<String>| serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if !line.starts_with("      \"fingerprint\": ") {
            continue;
        }
        let Some(m) = items.next() else {
            continue;
        };
        if out.ends_with('\n') {
            out.pop();
        }
        let related = match &m.related {
            Some(r) => serde_json::to_string_pretty(
                &serde_json::json!({"file": r.file, "line": r.line, "text": r.text}),
            )
            .unwrap_or_else(|_| "null".into())
            .replace('\n', "\n      "),
            None => "null".into(),
        };
        out.push_str(&format!(
            ",\n      \"outlet\": {},\n      \"pollutant\": {},\n      \"time\": {},\n      \"related\": {related}\n",
            j(&m.outlet),
            j(&m.pollutant),
            j(&m.time)
        ));
    }
    out
}

/// Findings on data files carry the file's name only (the run does not
/// keep data in memory): read each file with findings again and point the
/// findings at its text. A file that changed or vanished since keeps its
/// name, and a span beyond its new end is moved to the end. A Parquet
/// file has no lines: its findings' places are row numbers (from 1; 0 is
/// the file), and the text they are shown in is made up, line `k` reading
/// `row k` (`monitor::parquet::row_text`).
fn with_texts(findings: &mut [MFinding]) {
    type Shown = (crate::span::Source, Option<monitor::xlsx::View>);
    let mut texts: std::collections::BTreeMap<String, Shown> = Default::default();
    // Parquet file → its rows with findings, then → their lines' places.
    let mut rows: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for m in findings.iter() {
        let f = &m.finding;
        if !f.file.text.is_empty() || f.file.name.is_empty() || texts.contains_key(&f.file.name) {
            continue;
        }
        if let Some(r) = rows.get_mut(&f.file.name) {
            r.push(f.primary.map_or(0, |p| p.start));
        } else if starts_parquet(Path::new(&f.file.name)) {
            rows.insert(f.file.name.clone(), vec![f.primary.map_or(0, |p| p.start)]);
        } else {
            // Not Parquet: read below.
            texts.insert(
                f.file.name.clone(),
                (SourceFile::new(String::new(), ""), None),
            );
        }
    }
    texts.clear();
    let mut places: std::collections::BTreeMap<String, Vec<(u32, u32, u32)>> = Default::default();
    for (name, r) in rows {
        let (text, at) = monitor::parquet::row_text(&r);
        texts.insert(name.clone(), (SourceFile::new(name.clone(), text), None));
        places.insert(name, at);
    }
    for m in findings.iter_mut() {
        let f = &mut m.finding;
        if !f.file.text.is_empty() || f.file.name.is_empty() {
            continue;
        }
        if let Some(at) = places.get(&f.file.name) {
            let to_line = |s: crate::span::Span| match at.binary_search_by_key(&s.start, |p| p.0) {
                Ok(k) => crate::span::Span::new(at[k].1 as usize, at[k].2 as usize),
                Err(_) => crate::span::Span::new(0, 0),
            };
            f.primary = f.primary.map(to_line);
            for l in &mut f.labels {
                l.span = to_line(l.span);
            }
        }
        let (src, view) = texts.entry(f.file.name.clone()).or_insert_with(|| {
            let bytes = crate::fsio::read_bytes(
                std::path::Path::new(&f.file.name),
                crate::fsio::MAX_DATA_BYTES,
            )
            .unwrap_or_default();
            // A workbook is shown as its view (`monitor::xlsx`).
            let workbook = monitor::xlsx::is_xlsx(&bytes);
            let view = workbook.then(|| monitor::xlsx::view(&bytes).ok()).flatten();
            let text = match &view {
                Some(v) => v.text.clone(),
                None if workbook => String::new(),
                None => String::from_utf8_lossy(&bytes).into_owned(),
            };
            (SourceFile::new(f.file.name.clone(), text), view)
        });
        let src = src.clone();
        let len = src.text.len();
        let fix = |s: crate::span::Span| {
            let (a, b) = (s.start as usize, s.end as usize);
            let ok = b <= len && src.text.is_char_boundary(a) && src.text.is_char_boundary(b);
            if ok {
                s
            } else {
                crate::span::Span::new(len, len)
            }
        };
        f.primary = f.primary.map(fix);
        for l in &mut f.labels {
            l.span = fix(l.span);
        }
        if let Some(view) = view {
            monitor::xlsx::locate(view, f);
        }
        f.file = src;
    }
}

/// The files `--out DIR` writes.
const OUT_FILES: &[&str] = &["leads.csv", "leads.json", "report/index.html"];

fn write_out(
    dir: &Path,
    outcome: &monitor::run::Outcome,
    joined: Option<&monitor::history::Joined>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("report"))?;
    let mut rows = outcome.leads.clone();
    if let Some(j) = joined {
        rows.extend(j.closed.iter().cloned());
        rows.extend(j.not_judged.iter().cloned());
    }
    std::fs::write(dir.join("leads.csv"), monitor::leads::csv(&rows))?;
    std::fs::write(
        dir.join("leads.json"),
        monitor::leads::json(&outcome.leads, joined),
    )?;
    std::fs::write(
        dir.join("report").join("index.html"),
        monitor::report::html(&outcome.charts, &outcome.leads),
    )
}

pub fn run(a: MonitorArgs) -> i32 {
    let start = Instant::now();
    if !a.jobs.apply() {
        return 2;
    }
    if super::missing_paths(&a.data) {
        return 2;
    }
    if let (Some(f), Some(t)) = (a.from, a.to)
        && t < f
    {
        eprintln!("error: `--to {t}` is before `--from {f}`");
        return 2;
    }
    let devices = match &a.devices {
        None => Default::default(),
        Some(p) => match crate::fsio::read_text(p, crate::fsio::MAX_INPUT_BYTES)
            .and_then(|t| devices::parse(&t))
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {}: {e}", crate::escape::path(p));
                return 2;
            }
        },
    };
    // The baseline is read before anything else is: a bad file fails the
    // run (exit 2) and nothing is written, and `--out` never replaces it.
    let baseline = match &a.leads_baseline {
        None => None,
        Some(p) => {
            let parsed = crate::fsio::read_text(p, crate::fsio::MAX_INPUT_BYTES)
                .and_then(|t| monitor::history::parse(&t));
            match parsed {
                Ok(b) => Some(b),
                Err(e) => {
                    eprintln!(
                        "error: leads baseline `{}`: {}",
                        p.display(),
                        crate::escape::terminal(&e)
                    );
                    return 2;
                }
            }
        }
    };
    if let (Some(b), Some(dir)) = (&a.leads_baseline, &a.out) {
        let same = |f: &str| {
            std::fs::canonicalize(dir.join(f))
                .is_ok_and(|t| std::fs::canonicalize(b).is_ok_and(|b| b == t))
        };
        if let Some(f) = OUT_FILES.iter().find(|f| same(f)) {
            eprintln!(
                "error: leads baseline `{}` is the `{f}` that `--out {}` writes; refusing to overwrite it (copy it elsewhere first)",
                b.display(),
                dir.display()
            );
            return 2;
        }
    }
    let export_format = match a.export_format {
        ExportFormatArg::Csv => monitor::export::TableFormat::Csv,
        ExportFormatArg::Parquet => monitor::export::TableFormat::Parquet,
    };
    if a.export_limits.is_some() && !export_format.available() {
        eprintln!(
            "error: this build of permitlint cannot write Parquet (it was built without the default feature `parquet`); build it with the default features or `--features parquet`, or export CSV"
        );
        return 2;
    }
    let (files, issues) = match super::permit_files(&a.permits) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (permits, mut findings) = load_permits(&files, &issues);
    if permits.is_empty() {
        eprintln!("error: no permit could be loaded from the PERMITS given");
        return 2;
    }
    let (paths, walk) = data_files(&a.data);
    findings.extend(walk);
    let progress = (std::io::stderr().is_terminal() && paths.len() > 50).then(|| {
        let pb = indicatif::ProgressBar::new(paths.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} data files {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    // Every data file by index, name only; findings are located in the
    // text again at the end (`with_texts`), so no file stays in memory.
    let stubs: Vec<crate::span::Source> = paths
        .iter()
        .map(|(p, _)| SourceFile::new(p.display().to_string(), ""))
        .collect();
    let mut runner = monitor::run::Runner::new(
        &permits,
        &devices,
        &stubs,
        monitor::run::Options {
            from: a.from,
            to: a.to,
            charts: a.out.is_some(),
            keep_days: false,
        },
    );
    let mut records = 0usize;
    let mut files_read = 0usize;
    // Files are read a few at a time (in parallel) and fed in path order.
    let chunk = rayon::current_num_threads().max(1) * 2;
    for (c, part) in paths.chunks(chunk).enumerate() {
        let read: Vec<_> = part
            .par_iter()
            .enumerate()
            .map(|(i, (p, explicit))| {
                let r = read_data(p, *explicit, (c * chunk + i) as u32, false);
                if let Some(pb) = &progress {
                    pb.inc(1);
                }
                r
            })
            .collect();
        for r in read {
            match r {
                Some(Ok(Input::File(f))) => {
                    files_read += 1;
                    records += f.records;
                    runner.add(&f);
                }
                Some(Ok(Input::Parquet(p))) => {
                    let (mut p, first) = *p;
                    files_read += 1;
                    records += runner.add_parquet(first, &mut p);
                }
                Some(Err(f)) => findings.push(f),
                None => {}
            }
        }
    }
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let mut outcome = runner.finish();
    with_texts(&mut outcome.findings);
    findings.extend(outcome.findings.iter().cloned());
    monitor::sort(&mut findings);
    let info = RunInfo {
        as_of: a.to.unwrap_or_else(Date::today),
        files: files_read,
        elapsed: start.elapsed(),
        rules: rule_metas(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let format: Format = a.format.into();
    let text = render(format, &findings, &info, &super::human_options(a.color));
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    let joined = baseline.map(|b| monitor::history::join(&mut outcome.leads, b, &outcome.coverage));
    if let Some(j) = &joined {
        eprintln!(
            "leads baseline: {} new, {} open, {} closed, {} not judged",
            j.new,
            j.open,
            j.closed.len(),
            j.not_judged.len()
        );
    }
    if let Some(dir) = &a.out
        && let Err(e) = write_out(dir, &outcome, joined.as_ref())
    {
        eprintln!("error: cannot write to `{}`: {e}", crate::escape::path(dir));
        return 2;
    }
    if let Some(dir) = &a.export_limits {
        let mut writer = crate::fsio::Writer::new(false);
        for p in a.permits.iter().chain(&a.data) {
            writer.input(p);
        }
        for (p, _) in &paths {
            writer.input(p);
        }
        // The export reads the data files again, one at a time: each
        // file's matched readings are spilled by partition, then every
        // partition is sorted and written (`monitor::export::Exporter`).
        let exported = (|| {
            let limits = monitor::export::write_limits(
                dir,
                export_format,
                &writer,
                &permits,
                outcome.coverage.hours,
            )?;
            let mut exporter =
                monitor::export::Exporter::new(dir, &permits, &devices, a.from, a.to);
            for (i, (p, explicit)) in paths.iter().enumerate() {
                if let Some(Ok(Input::File(f))) = read_data(p, *explicit, i as u32, true) {
                    exporter.add(&f)?;
                }
            }
            let (partitions, readings, bytes) = exporter.finish(dir, export_format, &writer)?;
            Ok::<_, String>((limits, readings, partitions, bytes))
        })();
        match exported {
            Ok((limits, readings, partitions, bytes)) => eprintln!(
                "exported {limits} limit(s) and {readings} reading(s) in {partitions} partition(s) ({bytes} bytes of readings) to {}",
                crate::escape::path(dir)
            ),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let c = crate::report::Counts::of(
        &findings
            .iter()
            .map(|m| m.finding.clone())
            .collect::<Vec<_>>(),
    );
    eprintln!(
        "monitored {} permit(s), {} data file(s), {records} record(s), {} series, {} reading(s) checked: {} error(s), {} warning(s), {} notice(s), {} undecided, {} lead(s) in {:.2}s",
        permits.len(),
        info.files,
        outcome.series,
        outcome.readings,
        c.error,
        c.warning,
        c.notice,
        c.undecided,
        outcome.leads.len(),
        start.elapsed().as_secs_f64()
    );
    i32::from(c.error > 0)
}

pub fn generate(a: GenerateMonitoringArgs) -> i32 {
    let (files, issues) = match super::permit_files(&a.permits) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (permits, problems) = load_permits(&files, &issues);
    for p in &problems {
        eprintln!("warning: {}: {}", p.finding.file.name, p.finding.message);
    }
    if permits.is_empty() {
        eprintln!("error: no permit could be loaded");
        return 2;
    }
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!(
            "error: cannot create `{}`: {e}",
            crate::escape::path(&a.out)
        );
        return 2;
    }
    let opts = monitor::generate::GenOptions {
        seed: a.seed,
        start: a.start,
        days: a.days,
        clean: a.clean,
        exceedances: a.exceedances,
    };
    let mut devices = String::from("mn,credit_code,outlet\n");
    let mut manifest = Vec::new();
    for (i, p) in permits.iter().enumerate() {
        let stem = Path::new(&p.source.name).file_stem().map_or_else(
            || format!("permit-{i}"),
            |s| s.to_string_lossy().into_owned(),
        );
        let path = a.out.join(format!("{stem}.hj212"));
        let name = path.display().to_string();
        let g = monitor::generate::generate(
            p,
            &name,
            monitor::generate::GenOptions {
                seed: opts.seed.wrapping_add(i as u64),
                ..opts
            },
        );
        if g.log.is_empty() {
            continue;
        }
        if let Err(e) = std::fs::write(&path, &g.log) {
            eprintln!("error: {e}");
            return 2;
        }
        for d in g.devices {
            devices.push_str(&d);
            devices.push('\n');
        }
        manifest.extend(g.injected);
    }
    let json = serde_json::json!({ "version": 1, "clean": a.clean, "injected": manifest });
    let written = std::fs::write(a.out.join("devices.csv"), devices).and_then(|()| {
        std::fs::write(
            a.out.join("manifest.json"),
            serde_json::to_string_pretty(&json).unwrap_or_default() + "\n",
        )
    });
    if let Err(e) = written {
        eprintln!("error: {e}");
        return 2;
    }
    eprintln!(
        "wrote monitoring data for {} permit(s) to {}",
        permits.len(),
        crate::escape::path(&a.out)
    );
    0
}
