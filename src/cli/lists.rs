//! `permitlint lists LIBRARY --out DIR [--previous OLD_DIR]`: the three
//! dynamic lists (key / simplified / registration) and, with `--previous`,
//! the changes since the previous run and the action each unit needs. With
//! `--eia-approvals` / `--problems`, the monthly dispatch (`dispatch.rs`).

use super::LibraryArgs;
use crate::date::Date;
use crate::lists::{self, Builder, ListsFile, changes};
use crate::run::{self, FileResult, Options};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ListsArgs {
    /// Permit library: files or folders (folders are searched for `.yaml`/`.yml`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Folder to write key.csv, simplified.csv, registration.csv and lists.json
    /// (and changes.csv / changes.json with `--previous`) into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Output folder of the previous run (its lists.json is compared with this run).
    #[arg(long, value_name = "OLD_DIR")]
    pub previous: Option<PathBuf>,
    /// As-of date (policies in force, renewal deadlines); default today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    #[command(flatten)]
    pub dispatch: super::dispatch::DispatchArgs,
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), ()> {
    lists::report::write_atomic(dir, name, text).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", dir.join(name).display());
    })
}

pub fn run(a: ListsArgs) -> i32 {
    match run_inner(a) {
        Ok(()) => 0,
        Err(()) => 2,
    }
}

fn run_inner(a: ListsArgs) -> Result<(), ()> {
    let as_of = a.as_of.unwrap_or_else(Date::today);
    // Read the previous run first: a bad --previous should fail before any work.
    let previous = match &a.previous {
        Some(dir) => {
            let path = dir.join("lists.json");
            let text = std::fs::read_to_string(&path).map_err(|e| {
                eprintln!("error: cannot read `{}`: {e}", path.display());
            })?;
            Some(ListsFile::parse(&text).map_err(|e| {
                eprintln!("error: `{}`: {e}", path.display());
            })?)
        }
        None => None,
    };
    let inputs = super::dispatch::Inputs::open(&a.dispatch, a.previous.as_deref())?;
    let lib = super::load_library(&a.library).ok_or(())?;
    let (files, issues) = run::collect(&a.paths);
    for i in &issues {
        eprintln!("error: {}: {}", i.path, i.message);
    }
    if !issues.is_empty() {
        return Err(());
    }
    let opts = Options::new(as_of);
    let mut builder = Builder::default();
    let mut internal = false;
    let mut dispatch = super::dispatch::Month::new(&inputs);
    run::check_files(&lib, &files, &opts, true, |results: Vec<FileResult>| {
        for r in &results {
            internal |= r.internal_error;
            builder.add(r);
            dispatch.add(r);
        }
    });
    let current = builder.finish(as_of);
    std::fs::create_dir_all(&a.out).map_err(|e| {
        eprintln!("error: cannot create `{}`: {e}", a.out.display());
    })?;
    for cat in lists::CATEGORIES {
        write(&a.out, &format!("{cat}.csv"), &current.csv(cat))?;
    }
    write(&a.out, "lists.json", &current.json())?;
    let count = |c: &str| current.lists.get(c).map_or(0, Vec::len);
    eprintln!(
        "lists as of {as_of}: {} key, {} simplified, {} registration, {} skipped",
        count("key"),
        count("simplified"),
        count("registration"),
        current.skipped.len()
    );
    for s in &current.skipped {
        eprintln!("  skipped {}: {}", s.file, s.reason);
    }
    let mut ch = None;
    if let Some(prev) = previous {
        let c = changes::compare(&prev, &current, as_of);
        write(&a.out, "changes.csv", &c.csv())?;
        write(&a.out, "changes.json", &c.json())?;
        eprintln!(
            "changes since {}: {} unit(s) to act on or moved",
            prev.as_of,
            c.units.len()
        );
        ch = Some(c);
    }
    dispatch.finish(inputs, &current, ch.as_ref(), &a.out, as_of)?;
    if internal { Err(()) } else { Ok(()) }
}
