//! Command-line interface. Each subcommand lives in its own file; they share
//! library loading and output settings from here. Exit codes: 0 clean, 1
//! error findings (or `--check` differences), 2 usage, internal error or a
//! broken policy library.

mod check;
mod diff;
mod explain;
mod generate;
mod lists;
mod lsp;
mod monitor;
mod policy;
mod review;
mod schema_cmd;
mod tracking;

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
    /// Check monitoring data (HJ 212 packets, CSV) against the permits:
    /// exceedances, flagged and missing hours, annual totals; lead list and charts.
    Monitor(monitor::MonitorArgs),
    /// Write HJ 212 test data for permits, with injected exceedances and a manifest.
    #[command(hide = true)]
    GenerateMonitoring(monitor::GenerateMonitoringArgs),
}

#[derive(Args, Debug, Clone)]
pub struct LibraryArgs {
    /// Policy folder to use instead of the shipped library (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
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

pub fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Load the library the user asked for; print every error and return
/// `None` when it is broken.
pub fn load_library(args: &LibraryArgs) -> Option<Library> {
    let files = if args.policies.is_empty() {
        crate::library::embedded_files()
    } else {
        let mut all = Vec::new();
        let mut bad = false;
        for d in &args.policies {
            if !d.exists() {
                eprintln!("error: policy folder `{}` does not exist", d.display());
                bad = true;
                continue;
            }
            match crate::library::read_dir(d) {
                Ok(f) => all.extend(f),
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
        all
    };
    match crate::lang::library::build(files) {
        Ok(lib) => Some(lib),
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
        Command::Schema(a) => schema_cmd::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Classify(a) => review::classify(a),
        Command::Countersign(a) => review::countersign(a),
        Command::Notice(a) => review::notice(a),
        Command::Lists(a) => lists::run(a),
        Command::Lsp => lsp::run(),
        Command::Monitor(a) => monitor::run(a),
        Command::GenerateMonitoring(a) => monitor::generate(a),
    }
}
