//! `permitlint check [PATHS...]`: the main job.

use super::tracking::Tracking;
use super::{ColorChoice, LibraryArgs};
use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::report::piece::{Joiner, Piece, Renderer};
use crate::report::{Format, RuleMeta, RunInfo};
use crate::run::{self, FileResult, Options};
use crate::span::SourceFile;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub library: LibraryArgs,
    #[command(flatten)]
    pub select: super::SelectArgs,
    /// Evaluate as of this date (policy versions in force, special periods)
    /// [default: `as-of` of `permitlint.toml`, else today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Output format [default: `format` of `permitlint.toml`, else human].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// The least severe finding that makes the exit code 1
    /// [default: `fail-on` of `permitlint.toml`, else error].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<crate::select::FailOn>,
    /// Exit 0 whatever the findings (2 still reports a usage or internal error).
    #[arg(long)]
    pub exit_zero: bool,
    /// Also print, on stderr, the number of findings of each rule (most
    /// frequent first).
    #[arg(long)]
    pub statistics: bool,
    /// Do not read or write the result cache (`.permitlint_cache`, beside
    /// `permitlint.toml` or in the working directory).
    #[arg(long)]
    pub no_cache: bool,
    /// Print how RULE evaluated over each permit: loops and the items they
    /// are at, conditions and their values, table lookups and missing rows,
    /// the decision (on stdout before the findings; on stderr with a
    /// machine format).
    #[arg(long, value_name = "RULE")]
    pub trace: Option<String>,
    /// Colour in human output (`auto`: on a terminal, unless `NO_COLOR` is set).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    #[command(flatten)]
    pub jobs: super::JobsArgs,
    /// Largest permit file accepted, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Deepest YAML nesting accepted.
    #[arg(long, default_value_t = 64)]
    pub max_depth: usize,
    /// Most nodes that YAML aliases may add in one file.
    #[arg(long, default_value_t = 10_000)]
    pub max_alias_nodes: usize,
    /// Also list the rules in force that never fired on these permits.
    #[arg(long)]
    pub coverage: bool,
    // --- baseline, waivers, statistics (issue 7; glue in cli/tracking.rs) ---
    #[command(flatten)]
    pub tracking: super::tracking::TrackingArgs,
}

#[derive(Copy, Clone, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    /// Diagnostics with source snippets, for people.
    Human,
    /// permitlint's stable JSON (docs/output.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions annotations.
    Github,
    /// One line per finding: `file:line:col: rule severity message`.
    Concise,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Github => Format::Github,
            FormatArg::Concise => Format::Concise,
        }
    }
}

pub fn rule_metas(lib: &crate::lang::library::Library, as_of: Date) -> Vec<RuleMeta> {
    lib.in_force(as_of)
        .into_iter()
        .map(|p| RuleMeta {
            id: p.meta.id.clone(),
            title: p.meta.title.clone(),
            basis: p.meta.basis.clone(),
            element: p.meta.element.clone(),
            severity: p.meta.severity,
            help: crate::docs::policy_markdown(lib, p),
        })
        .collect()
}

pub fn walk_finding(path: &str, message: &str) -> Finding {
    Finding {
        rule: "document.unreadable".into(),
        severity: Severity::Error,
        element: "document".into(),
        department: String::new(),
        message: message.to_string(),
        basis: None,
        help: Some("check the path and its permissions".into()),
        file: SourceFile::new(path, ""),
        primary: None,
        labels: Vec::new(),
        path: String::new(),
        field_zh: String::new(),
    }
}

pub fn run(a: CheckArgs) -> i32 {
    let start = Instant::now();
    if !a.jobs.apply() {
        return 2;
    }
    let config = match super::config::Config::discover() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    // The folders are walked while the library compiles.
    let roots = super::walk_roots(&a.paths, &config);
    let walker = std::thread::spawn(move || crate::run::collect(&roots));
    let library = config.library(&a.library);
    let Some(mut lib) = super::load_library(&library) else {
        return 2;
    };
    super::note_workdir_library(&library);
    if !super::apply_selection(&mut lib, &config.selection(&a.select)) {
        return 2;
    }
    let as_of = match a.as_of.map_or_else(|| config.as_of(), Ok) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let fail_on = a.fail_on.or(config.settings.fail_on).unwrap_or_default();
    let format_arg = a
        .format
        .or_else(|| {
            let f = config.settings.format.as_deref()?;
            <FormatArg as clap::ValueEnum>::from_str(f, false).ok()
        })
        .unwrap_or(FormatArg::Human);
    let Ok(mut tracking) = super::tracking::Tracking::open(&a.tracking, as_of) else {
        return 2;
    };
    let mut opts = Options::new(as_of);
    opts.limits.max_file_bytes = a.max_file_size;
    opts.limits.max_depth = a.max_depth;
    opts.limits.max_alias_nodes = a.max_alias_nodes;
    opts.coverage = a.coverage;
    let Ok(walked) = walker.join() else {
        eprintln!("error: internal error while walking the paths given");
        return 2;
    };
    let (files, issues) = match super::permit_files_walked(&a.paths, &config, walked) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let format: Format = format_arg.into();
    let human = super::human_options(a.color);
    // The rules' descriptions (with their documentation) are read by
    // SARIF only.
    let rules = if format == Format::Sarif {
        rule_metas(&lib, as_of)
    } else {
        Vec::new()
    };
    let run_info = |files: usize| RunInfo {
        as_of,
        files,
        elapsed: start.elapsed(),
        rules: rules.clone(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let info0 = run_info(files.len());
    // Each permit's output is rendered where it is checked (a piece), and
    // kept by the cache, except where the output annotates findings with
    // their baseline and waiver status (JSON over the whole run, human
    // with status lines).
    let annotated = tracking.annotates() && matches!(format, Format::Json | Format::Human);
    let renderer = (!annotated).then(|| std::sync::Arc::new(Renderer::new(format, human, &info0)));
    opts.pieces = renderer.clone();
    opts.findings_needed = a.statistics || a.coverage || tracking.needs_findings();
    if !a.no_cache {
        let root = config.base();
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        // Every format but human's (source snippets) reports a cached
        // result without reading its permit; a cached piece needs no
        // text in any format.
        let text_free = format_arg != FormatArg::Human;
        opts.cache = crate::track::cache::Cache::open(&root, &lib, as_of, &opts.limits, text_free)
            .map(|c| match &renderer {
                Some(r) => c.with_pieces(r.key()),
                None => c,
            })
            .map(std::sync::Arc::new);
        if opts.cache.is_none() {
            eprintln!(
                "warning: the result cache folder `{}` cannot be created: checking without it",
                crate::escape::path(&root.join(crate::track::cache::DIR))
            );
        }
    }
    if let Some(rule) = &a.trace {
        if !super::trace::known(&lib, rule) {
            return 2;
        }
        let text = super::trace::traces(&lib, &files, as_of, &opts.limits, rule);
        if format == Format::Human {
            if !super::emit(&text) {
                return 2;
            }
        } else {
            eprint!("{text}");
        }
    }
    let mut all: Vec<Finding> = Vec::new();
    let mut counts = [0usize; 4];
    let mut internal = false;
    let mut stdout = super::Stdout::new();
    let mut walk: Vec<Finding> = issues
        .iter()
        .map(|i| walk_finding(&i.path, &i.message))
        .collect();
    crate::finding::sort(&mut walk);
    let progress = (std::io::stderr().is_terminal() && files.len() > 2000).then(|| {
        let pb = indicatif::ProgressBar::new(files.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} permits {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    // Every format but the annotated JSON is written as it goes, permit
    // by permit: memory never holds the whole run.
    if let Some(r) = &renderer {
        stdout.put(&r.head());
    }
    let mut joiner = Joiner::new(match &renderer {
        Some(r) => r.separator(),
        None => b"\n",
    });
    // Findings taken out by suppression comments: counted in the summary,
    // listed in JSON and SARIF.
    let mut suppressed: Vec<crate::finding::Suppressed> = Vec::new();
    let mut suppressed_count = 0usize;
    let keep_suppressed = format == Format::Json;
    let mut per_rule: std::collections::BTreeMap<(String, Severity), usize> = Default::default();
    let statistics = a.statistics;
    let mut emit = |findings: Vec<Finding>,
                    sup: Vec<crate::finding::Suppressed>,
                    piece: Option<Piece>,
                    all: &mut Vec<Finding>,
                    t: &mut Tracking| {
        suppressed_count += sup.len();
        let notes = t.process(&findings);
        match &piece {
            // A piece from the cache stands for its findings.
            Some(p) if findings.is_empty() => {
                for (c, n) in counts.iter_mut().zip(p.counts) {
                    *c += n;
                }
            }
            _ => {
                for (f, n) in findings.iter().zip(&notes) {
                    if super::tracking::counts(n) {
                        counts[f.severity as usize] += 1;
                        if statistics {
                            *per_rule.entry((f.rule.clone(), f.severity)).or_default() += 1;
                        }
                    }
                }
            }
        }
        if let Some(r) = &renderer {
            let p = piece.unwrap_or_else(|| r.render(&findings, &sup));
            stdout.put_bytes(joiner.next(p.bytes()));
        } else if format == Format::Human {
            let text = t.render_annotated_human(&findings, &notes, &human);
            stdout.put_bytes(joiner.next(text.as_bytes()));
        } else {
            all.extend(findings);
        }
        if keep_suppressed {
            suppressed.extend(sup);
        }
    };
    emit(walk, Vec::new(), None, &mut all, &mut tracking);
    let mut fired: std::collections::BTreeSet<String> = Default::default();
    // Rules applied and undecided, per file (listed when a rule could not
    // decide) and in total.
    let mut undecided_files: Vec<(String, usize, usize)> = Vec::new();
    let mut rules_total = (0usize, 0usize);
    let keep = tracking.keep_permit();
    let coverage_asked = a.coverage;
    let coverage = run::check_files(&lib, &files, &opts, keep, |results: Vec<FileResult>| {
        if let Some(pb) = &progress {
            pb.inc(results.len() as u64);
        }
        for r in results {
            internal |= r.internal_error;
            rules_total.0 += r.rules_applied;
            rules_total.1 += r.rules_undecided;
            if r.rules_undecided > 0 {
                undecided_files.push((r.path.clone(), r.rules_applied, r.rules_undecided));
            }
            tracking.observe(&r);
            if coverage_asked {
                fired.extend(r.findings.iter().map(|f| f.rule.clone()));
            }
            emit(r.findings, r.suppressed, r.piece, &mut all, &mut tracking);
        }
    });
    if let Some(cache) = &opts.cache {
        cache.save();
    }
    emit(
        tracking.stale_waivers(),
        Vec::new(),
        None,
        &mut all,
        &mut tracking,
    );
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    match format {
        Format::Json if renderer.is_some() => {
            let c = crate::report::Counts {
                error: counts[0],
                warning: counts[1],
                notice: counts[2],
                undecided: counts[3],
            };
            let footer = crate::report::json::stream_footer(c, !joiner.first());
            let footer = crate::report::json::with_suppressions(footer, &suppressed);
            stdout.put(&footer);
        }
        Format::Json => {
            let text = tracking.render_final(format, &all, &run_info(files.len()), &human);
            stdout.put(&crate::report::json::with_suppressions(text, &suppressed));
        }
        Format::Sarif => stdout.put(&crate::report::sarif::Stream::finish(joiner.first())),
        Format::Junit => stdout.put(crate::report::junit::FOOTER),
        Format::Human | Format::Github | Format::Concise => {
            stdout.put(&tracking.epilogue(format));
        }
    }
    let written = stdout.finish();
    if let Some(cov) = coverage {
        let in_force = lib.in_force(as_of);
        let never: Vec<&str> = in_force
            .iter()
            .map(|p| p.meta.id.as_str())
            .filter(|id| !fired.contains(*id))
            .collect();
        eprintln!(
            "coverage: {} of {} rules in force fired on these permits",
            in_force.len() - never.len(),
            in_force.len()
        );
        for id in never {
            eprintln!("  never fired: {id}");
        }
        eprint!("{}", crate::coverage::report(&lib, &cov));
    }
    for (path, applied, undecided) in &undecided_files {
        eprintln!(
            "  {path}: {applied} rule(s) applied, {} decided, {undecided} undecided",
            applied - undecided
        );
    }
    eprintln!(
        "rules: {} applied over {} file(s), {} decided, {} undecided",
        rules_total.0,
        files.len(),
        rules_total.0 - rules_total.1,
        rules_total.1
    );
    if statistics {
        eprint!("{}", statistics_table(&per_rule));
    }
    eprintln!("libraries: {}", super::describe_libraries(&lib));
    if let Some(cache) = &opts.cache {
        eprintln!("{}", cache.summary());
    }
    if suppressed_count > 0 {
        eprintln!(
            "suppressed: {suppressed_count} finding(s) by `# permitlint: ignore[...]` comments in the permits"
        );
    }
    eprintln!(
        "checked {} file(s) as of {}: {} error(s), {} warning(s), {} notice(s), {} undecided in {:.2}s",
        files.len(),
        as_of,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        start.elapsed().as_secs_f64()
    );
    let failing = [
        Severity::Error,
        Severity::Warning,
        Severity::Notice,
        Severity::Undecided,
    ]
    .iter()
    .any(|&s| fail_on.fails(s) && counts[s as usize] > 0);
    if tracking.finish().is_err() || internal || !written {
        2
    } else if failing && !a.exit_zero {
        1
    } else {
        0
    }
}

/// `--statistics`: count, rule, severity per line, most frequent first.
fn statistics_table(per_rule: &std::collections::BTreeMap<(String, Severity), usize>) -> String {
    let mut rows: Vec<(&(String, Severity), &usize)> = per_rule.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let width = rows
        .iter()
        .map(|(_, n)| n.to_string().len())
        .max()
        .unwrap_or(1);
    let id_width = rows.iter().map(|((id, _), _)| id.len()).max().unwrap_or(0);
    let mut s = String::from("statistics:\n");
    for ((id, sev), n) in rows {
        s.push_str(&format!(
            "  {n:>width$}  {id:<id_width$}  {}\n",
            sev.as_str()
        ));
    }
    s
}
