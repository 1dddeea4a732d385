//! `permitlint diff`: which permits change verdict between two policy
//! libraries or two dates. Exit 1 when anything changed (a merge gate).

use crate::date::Date;
use crate::finding::Finding;
use crate::lang::library::Library;
use crate::run::{self, Options};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// The library before the change [default: the built-in library].
    #[arg(long, value_name = "DIR")]
    pub old: Option<PathBuf>,
    /// The library after the change [default: the built-in library].
    #[arg(long, value_name = "DIR")]
    pub new: Option<PathBuf>,
    /// Evaluate both sides as of this date [default: `as-of` of
    /// `permitlint.toml`, else today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Evaluation date of the old side [default: `--as-of`].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub old_as_of: Option<Date>,
    /// Evaluation date of the new side [default: `--as-of`].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub new_as_of: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::TextFormat,
    #[command(flatten)]
    pub jobs: super::JobsArgs,
}

fn findings(lib: &Library, files: &[PathBuf], as_of: Date) -> Vec<Finding> {
    let opts = Options::new(as_of);
    let mut all = Vec::new();
    run::check_files(lib, files, &opts, false, |rs| {
        for r in rs {
            all.extend(r.findings);
        }
    });
    all
}

pub fn run(a: DiffArgs) -> i32 {
    if !a.jobs.apply() {
        return 2;
    }
    let (files, issues) = match super::permit_files(&a.paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let lib_of = |d: &Option<PathBuf>| super::load_library(&super::LibraryArgs::only(d.clone()));
    let (Some(old_lib), Some(new_lib)) = (lib_of(&a.old), lib_of(&a.new)) else {
        return 2;
    };
    let Some(today) = super::resolve_as_of(a.as_of) else {
        return 2;
    };
    let (old_date, new_date) = (a.old_as_of.unwrap_or(today), a.new_as_of.unwrap_or(today));
    for i in &issues {
        eprintln!("error: {}: {}", crate::escape::terminal(&i.path), i.message);
    }
    let old = findings(&old_lib, &files, old_date);
    let new = findings(&new_lib, &files, new_date);
    let d = crate::diff::diff(&old, &new);
    let text = if a.format == super::TextFormat::Json {
        match serde_json::to_string_pretty(&d) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    } else {
        crate::escape::terminal(&crate::diff::render_text(&d)).into_owned()
    };
    if !super::emit(&text) {
        return 2;
    }
    eprintln!(
        "compared {} file(s): old as of {old_date}, new as of {new_date}: {} change(s)",
        files.len(),
        d.entries.len()
    );
    if !issues.is_empty() {
        2
    } else if d.is_empty() {
        0
    } else {
        1
    }
}
