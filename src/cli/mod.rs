//! Command-line interface. Each subcommand lives in its own file; they share
//! library loading and output settings from here. Exit codes: 0 clean, 1
//! error findings (or `--check` differences), 2 usage, internal error or a
//! broken policy library.

mod check;
pub mod config;
mod diff;
mod dispatch;
mod explain;
mod generate;
mod import;
mod lists;
mod lsp;
mod migrate;
mod monitor;
mod policy;
mod review;
mod rules;
mod schema_cmd;
mod trace;
mod tracking;
mod unified;

use crate::date::Date;
use crate::lang::library::{Library, LibraryErrors};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "permitlint",
    version,
    about = "Checks pollutant discharge permits (排污许可证) against the regulations that govern them"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check permits against every policy in force (the main job).
    Check(check::CheckArgs),
    /// Work on policy files: check, format, test.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Print a rule's documentation: what it checks, why, its basis, examples.
    Explain(explain::ExplainArgs),
    /// List every rule in force: version, element, severity, effective range, basis.
    Rules(rules::RulesArgs),
    /// Print the permit format as a JSON Schema (draft 2020-12) or Markdown.
    Schema(schema_cmd::SchemaArgs),
    /// Which permits change verdict between two policy libraries or two dates.
    Diff(diff::DiffArgs),
    /// Write a seeded synthetic corpus (for benchmarks).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
    /// Classify permits: catalogue items that apply, required vs declared category.
    Classify(review::ClassifyArgs),
    /// Write the countersign form (会签表) of each permit as Markdown and HTML.
    Countersign(review::CountersignArgs),
    /// Print the one-time notice (一次性告知书) to the applicant.
    Notice(review::NoticeArgs),
    /// Build the three lists (key / simplified / registration) from a permit
    /// library; with `--previous`, the changes since last run and the actions due.
    Lists(lists::ListsArgs),
    /// Run the language server over stdio, for editors (diagnostics, hover,
    /// completion, go to definition, formatting of `.policy` files; findings
    /// on open permits).
    Lsp,
    /// Rewrite `permit/v1` documents as `permit/v2` in place (comments and
    /// layout kept; only the format value changes).
    Migrate(migrate::MigrateArgs),
    /// Read the national platform's permit tables (HTML pages, CSV) into a
    /// `permit/v2` document whose every value names its source cell.
    Import(import::ImportArgs),
    /// Check monitoring data (HJ 212 packets, CSV) against the permits:
    /// exceedances, flagged and missing hours, annual totals; lead list and charts.
    Monitor(monitor::MonitorArgs),
    /// Write HJ 212 test data for permits, with injected exceedances and a manifest.
    #[command(hide = true)]
    GenerateMonitoring(monitor::GenerateMonitoringArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct LibraryArgs {
    /// Policy folder layered on the built-in library (repeatable, lowest
    /// first): adds rules, and overrides a rule by id with a higher version.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Leave the built-in library out: run only the `--policies` folders.
    #[arg(long)]
    pub no_builtin: bool,
}

impl LibraryArgs {
    /// One folder used alone (commands that take a library folder as an
    /// argument, like `policy test DIR`); the built-in library when `None`.
    pub fn only(dir: Option<PathBuf>) -> LibraryArgs {
        LibraryArgs {
            no_builtin: dir.is_some(),
            policies: dir.into_iter().collect(),
        }
    }
}

#[derive(Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Run only these rules: ids, globs (`air.*`) or dotted prefixes (`air`);
    /// comma-separated or repeated [default: every rule].
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Leave out these rules (same forms as `--select`, applied after it).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
}

/// Keep the selected rules of `lib`; print an error naming each selector
/// that matches no rule and return `false` (a usage error).
pub fn apply_selection(lib: &mut Library, sel: &crate::select::Selection) -> bool {
    match sel.apply(lib) {
        Ok(()) => true,
        Err(unknown) => {
            for p in unknown {
                eprintln!("error: `{p}` selects no rule of the library");
                if let Some(h) = crate::lang::errors::did_you_mean(&p, lib.rule_ids()) {
                    eprintln!("help: {h}");
                }
            }
            eprintln!("help: `permitlint rules --all` lists every rule");
            false
        }
    }
}

/// `--format` of the commands that print for people or for programs
/// (`check` has more formats). `text` is accepted for `human`.
#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq, Default)]
pub enum TextFormat {
    #[default]
    #[value(alias = "text")]
    Human,
    Json,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Whether to colour and draw boxes on stdout.
pub fn human_options(color: ColorChoice) -> crate::report::HumanOptions {
    let tty = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color,
    };
    crate::report::HumanOptions {
        color,
        unicode: tty,
        width: 100,
    }
}

/// Write `text` to stdout and flush. A write error (a closed pipe, a full
/// disk, `/dev/full`) is printed and returns `false`: the caller exits 2,
/// never 0 with the output lost and never with a panic.
pub fn emit(text: &str) -> bool {
    let mut out = Stdout::new();
    out.put(text);
    out.finish()
}

/// Standard output written piece by piece; the first write error is kept
/// (later pieces are dropped) and reported by [`Stdout::finish`]. Written
/// in blocks when it is not a terminal (ripgrep's choice): a report of
/// 10,000 permits is a few dozen writes, not one per permit or per line.
pub struct Stdout {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    error: Option<std::io::Error>,
}

/// `write!`/`writeln!` onto [`Stdout`]: errors are kept for
/// [`Stdout::finish`], never returned, so callers need not check each line.
impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(buf)
        {
            self.error = Some(e);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Default for Stdout {
    fn default() -> Stdout {
        Stdout::new()
    }
}

impl Stdout {
    pub fn new() -> Stdout {
        use std::io::IsTerminal;
        let out = std::io::stdout().lock();
        // On a terminal every write goes straight to the line-buffered
        // stream (a buffer of 0 bytes passes writes through).
        let size = if out.is_terminal() { 0 } else { 256 * 1024 };
        Stdout {
            out: std::io::BufWriter::with_capacity(size, out),
            error: None,
        }
    }

    pub fn put(&mut self, text: &str) {
        self.put_bytes(text.as_bytes());
    }

    /// Bytes known to be UTF-8 (a report's piece).
    pub fn put_bytes(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(bytes)
        {
            self.error = Some(e);
        }
    }

    /// Flush; `false` (after printing the error) when any write failed.
    pub fn finish(mut self) -> bool {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
        match self.error {
            None => true,
            Some(e) => {
                eprintln!("error: cannot write the output: {e}");
                false
            }
        }
    }
}

pub fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Load the library the user asked for: the built-in one (unless
/// `--no-builtin`) with each `--policies` folder layered on it. Prints every
/// error and returns `None` when a folder is missing or empty, or the
/// library is broken (a usage error: exit 2).
pub fn load_library(args: &LibraryArgs) -> Option<Library> {
    use crate::lang::library::Layer;
    let mut layers = Vec::new();
    if !args.no_builtin {
        layers.push(Layer {
            name: crate::library::BUILTIN.into(),
            files: crate::library::embedded_files(),
        });
    } else if args.policies.is_empty() {
        eprintln!("error: `--no-builtin` leaves no library: give at least one `--policies DIR`");
        return None;
    }
    let mut bad = false;
    for d in &args.policies {
        if !d.exists() {
            eprintln!(
                "error: policy folder `{}` does not exist",
                crate::escape::path(d)
            );
            bad = true;
            continue;
        }
        match crate::library::read_dir(d) {
            Ok(f) if f.is_empty() => {
                eprintln!(
                    "error: policy folder `{}` holds no `.policy` file",
                    crate::escape::path(d)
                );
                bad = true;
            }
            Ok(f) => layers.push(Layer {
                name: d.display().to_string(),
                files: f,
            }),
            Err(errs) => {
                for e in errs {
                    eprintln!("error: {e}");
                }
                bad = true;
            }
        }
    }
    if bad {
        return None;
    }
    match crate::lang::library::build_layers(layers) {
        Ok(lib) => {
            let empty: Vec<&str> = lib
                .layers
                .iter()
                .filter(|l| l.policies == 0 && l.overrides.is_empty())
                .map(|l| l.name.as_str())
                .collect();
            if !empty.is_empty() {
                for name in empty {
                    eprintln!("error: the policy library `{name}` defines no policy");
                }
                return None;
            }
            Some(lib)
        }
        Err(errors) => {
            print_library_errors(&errors);
            eprintln!(
                "error: the policy library has {} error(s); run `permitlint policy check` on it",
                errors.len()
            );
            None
        }
    }
}

/// [`load_library`] with the library settings of `permitlint.toml`
/// (`policies`, `builtin`) where the flags give none: what `explain`,
/// `classify`, `countersign`, `notice` and `lists` run, so they see the
/// same library as `check`.
pub fn load_configured_library(flags: &LibraryArgs) -> Option<Library> {
    match config::Config::discover() {
        Ok(c) => load_library(&c.library(flags)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// `built-in (63 policies), local (1 policy, overrides 1)`: the libraries
/// a run used, for its summary.
pub fn describe_libraries(lib: &Library) -> String {
    lib.layers
        .iter()
        .map(|l| {
            let n = l.policies;
            let mut s = format!("{} ({n} polic{}", l.name, if n == 1 { "y" } else { "ies" });
            if !l.overrides.is_empty() {
                s.push_str(&format!(", overrides {}", l.overrides.join(", ")));
            }
            s.push(')');
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Say so when the working directory's `policies/` is not what ran: the
/// author who just edited it would otherwise believe it was checked.
pub fn note_workdir_library(args: &LibraryArgs) {
    let given = |p: &std::path::Path| {
        args.policies.iter().any(|d| {
            d.canonicalize()
                .ok()
                .is_some_and(|d| p.canonicalize().ok() == Some(d))
        })
    };
    if given(std::path::Path::new("policies")) {
        return;
    }
    if let Some(n) = crate::library::workdir_differs() {
        eprintln!(
            "note: `policies/` here differs from the built-in library ({n} file(s) differ) and was not used; \
             run it instead with `--no-builtin --policies policies`, or keep only your additions in a folder and layer it with `--policies DIR`"
        );
    }
}

/// Help of the PATHS argument of every command that reads permits: one
/// default, stated once.
pub const PATHS_HELP: &str = "Permit files or folders (folders are searched for `.yaml`/`.yml`) \
     [default: the `include` globs of `permitlint.toml`, else `.`]";

/// `-j`/`--jobs` of every command that checks many permits.
#[derive(Args, Debug, Clone, Default)]
pub struct JobsArgs {
    /// Worker threads, 1 to 256 [default: all cores]; output is the same
    /// for any number.
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// Most worker threads `-j` may ask for: more gain nothing on any machine
/// and `-j 100000` would start thousands of threads.
pub const MAX_JOBS: usize = 256;

impl JobsArgs {
    /// Size the thread pool; `false` (after saying why) when `-j` is out
    /// of range, a usage error.
    pub fn apply(&self) -> bool {
        if let Some(j) = self.jobs {
            if j == 0 || j > MAX_JOBS {
                eprintln!("error: `--jobs` must be from 1 to {MAX_JOBS}");
                return false;
            }
            // Only fails when the global pool is already built; harmless then.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(j)
                .build_global();
        }
        true
    }
}

/// `--as-of` as every command reads it: the flag, else `as-of` of
/// `permitlint.toml`, else today. `None` after printing why when the
/// configuration is broken.
pub fn resolve_as_of(flag: Option<Date>) -> Option<Date> {
    if let Some(d) = flag {
        return Some(d);
    }
    match config::Config::discover().and_then(|c| c.as_of()) {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// Every path named on the command line must exist: a missing one is a
/// usage error (exit 2) in every command, each named on stderr. `true`
/// when one is missing.
pub fn missing_paths(paths: &[PathBuf]) -> bool {
    let mut missing = false;
    for p in paths {
        if p.symlink_metadata().is_err() {
            eprintln!(
                "error: {}: no such file or folder",
                crate::escape::terminal(&p.display().to_string())
            );
            missing = true;
        }
    }
    missing
}

/// The permits a command reads, the same way in every command: the PATHS
/// given (each must exist), else the `include` globs of `permitlint.toml`
/// over its folder, else `.`. Files found in folders that match an
/// `exclude` glob are left out (a file named on the command line is always
/// read). Returns the files and the problems of the walk (unreadable
/// folders, link loops); `Err(2)` after printing why when a path is
/// missing, the configuration is broken, or no permit file is found.
pub fn permit_files(given: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<crate::run::WalkIssue>), i32> {
    let config = match config::Config::discover() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(2);
        }
    };
    permit_files_with(given, &config)
}

/// [`permit_files`] with a configuration already read.
pub fn permit_files_with(
    given: &[PathBuf],
    config: &config::Config,
) -> Result<(Vec<PathBuf>, Vec<crate::run::WalkIssue>), i32> {
    let walked = crate::run::collect(&walk_roots(given, config));
    permit_files_walked(given, config, walked)
}

/// The folders and files [`permit_files_with`] walks: the paths given,
/// else the config's folder when it has `include` globs, else `.`.
pub fn walk_roots(given: &[PathBuf], config: &config::Config) -> Vec<PathBuf> {
    if !given.is_empty() {
        given.to_vec()
    } else if !config.settings.include.is_empty() {
        let base = config.base();
        vec![if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        }]
    } else {
        vec![PathBuf::from(".")]
    }
}

/// [`permit_files_with`] over the result of walking [`walk_roots`]
/// (walked meanwhile on another thread by `check`).
pub fn permit_files_walked(
    given: &[PathBuf],
    config: &config::Config,
    walked: (Vec<PathBuf>, Vec<crate::run::WalkIssue>),
) -> Result<(Vec<PathBuf>, Vec<crate::run::WalkIssue>), i32> {
    if missing_paths(given) {
        return Err(2);
    }
    let from_include = given.is_empty() && !config.settings.include.is_empty();
    let paths = walk_roots(given, config);
    let (mut files, issues) = walked;
    if !config.settings.exclude.is_empty() || from_include {
        files.retain(|f| {
            let named = given.iter().any(|g| g == f);
            named || (!config.excluded(f) && (!from_include || config.included(f)))
        });
    }
    // `./a.yaml` reads as `a.yaml`.
    if given.is_empty() {
        for f in &mut files {
            if let Ok(rest) = f.strip_prefix(".") {
                *f = rest.to_path_buf();
            }
        }
    }
    if files.is_empty() {
        return Err(no_files(&paths, &issues));
    }
    Ok((files, issues))
}

/// A run with nothing to check is a usage error (exit 2), said plainly.
pub fn no_files(paths: &[PathBuf], issues: &[crate::run::WalkIssue]) -> i32 {
    for i in issues {
        eprintln!("error: {}: {}", i.path, i.message);
    }
    let shown: Vec<String> = paths
        .iter()
        .map(|p| format!("`{}`", crate::escape::path(p)))
        .collect();
    eprintln!(
        "error: no permit files found under the given path(s) {} (looked for `.yaml` and `.yml` files)",
        shown.join(", ")
    );
    2
}

pub fn print_library_errors(errors: &LibraryErrors) {
    let handler = report_handler(std::io::stderr().is_terminal());
    let mut err = std::io::stderr().lock();
    for e in &errors.parse {
        let _ = writeln!(err, "{}", render_diag(&handler, e));
    }
    for e in &errors.check {
        let _ = writeln!(err, "{}", render_diag(&handler, e));
    }
}

pub fn report_handler(tty: bool) -> miette::GraphicalReportHandler {
    let theme = if tty && std::env::var_os("NO_COLOR").is_none() {
        miette::GraphicalTheme::unicode()
    } else if tty {
        miette::GraphicalTheme::unicode_nocolor()
    } else {
        miette::GraphicalTheme::none()
    };
    miette::GraphicalReportHandler::new_themed(theme).with_width(100)
}

pub fn render_diag(handler: &miette::GraphicalReportHandler, d: &dyn miette::Diagnostic) -> String {
    let mut s = String::new();
    if handler.render_report(&mut s, d).is_err() {
        s = d.to_string();
    }
    s
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Policy(p) => policy::run(p),
        Command::Explain(a) => explain::run(a),
        Command::Rules(a) => rules::run(a),
        Command::Schema(a) => schema_cmd::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Classify(a) => review::classify(a),
        Command::Countersign(a) => review::countersign(a),
        Command::Notice(a) => review::notice(a),
        Command::Lists(a) => lists::run(a),
        Command::Lsp => lsp::run(),
        Command::Migrate(a) => migrate::run(a),
        Command::Import(a) => import::run(a),
        Command::Monitor(a) => monitor::run(a),
        Command::GenerateMonitoring(a) => monitor::generate(a),
    }
}
