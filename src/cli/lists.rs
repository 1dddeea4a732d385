//! `permitlint lists LIBRARY --out DIR [--previous OLD_DIR]`: the three
//! dynamic lists (key / simplified / registration) and, with `--previous`,
//! the changes since the previous run and the action each unit needs. With
//! `--eia-approvals` / `--problems`, the monthly dispatch (`dispatch.rs`).

use super::LibraryArgs;
use crate::date::Date;
use crate::fsio::Writer;
use crate::lists::{self, Builder, ListsFile, changes};
use crate::run::{self, FileResult, Options};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ListsArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
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
    /// Evaluate as of this date (policies in force, renewal deadlines)
    /// [default: `as-of` of `permitlint.toml`, else today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Replace existing files permitlint did not write.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub dispatch: super::dispatch::DispatchArgs,
    #[command(flatten)]
    pub jobs: super::JobsArgs,
}

/// Check every target, then write each atomically.
fn write_all(w: &Writer, dir: &Path, files: &[(String, String)]) -> Result<(), ()> {
    let mut ok = true;
    for (name, _) in files {
        if let Err(e) = w.check(&dir.join(name)) {
            eprintln!("error: {e}");
            ok = false;
        }
    }
    if !ok {
        return Err(());
    }
    for (name, text) in files {
        w.write(&dir.join(name), text.as_bytes()).map_err(|e| {
            eprintln!("error: {e}");
        })?;
    }
    Ok(())
}

pub fn run(a: ListsArgs) -> i32 {
    match run_inner(a) {
        Ok(()) => 0,
        Err(()) => 2,
    }
}

fn run_inner(a: ListsArgs) -> Result<(), ()> {
    if !a.jobs.apply() {
        return Err(());
    }
    let (files, issues) = super::permit_files(&a.paths).map_err(|_| ())?;
    let as_of = super::resolve_as_of(a.as_of).ok_or(())?;
    // Read the previous run first: a bad --previous should fail before any work.
    let previous = match &a.previous {
        Some(dir) => {
            let path = dir.join("lists.json");
            let text =
                crate::fsio::read_text(&path, crate::fsio::MAX_INPUT_BYTES).map_err(|e| {
                    eprintln!("error: {e}");
                })?;
            Some(ListsFile::parse(&text).map_err(|e| {
                eprintln!("error: `{}`: {e}", crate::escape::path(&path));
            })?)
        }
        None => None,
    };
    let inputs = super::dispatch::Inputs::open(&a.dispatch, a.previous.as_deref(), as_of)?;
    let lib = super::load_configured_library(&a.library).ok_or(())?;
    for i in &issues {
        eprintln!("error: {}: {}", crate::escape::terminal(&i.path), i.message);
    }
    if !issues.is_empty() {
        return Err(());
    }
    let mut writer = Writer::new(a.force);
    for f in &files {
        writer.input(f);
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
        eprintln!(
            "error: cannot create `{}`: {e}",
            crate::escape::path(&a.out)
        );
    })?;
    let mut outputs: Vec<(String, String)> = lists::CATEGORIES
        .iter()
        .map(|cat| (format!("{cat}.csv"), current.csv(cat)))
        .collect();
    outputs.push(("lists.json".into(), current.json()));
    let prev_as_of = previous.as_ref().map(|p| p.as_of.clone());
    let ch = previous.map(|prev| changes::compare(&prev, &current, as_of));
    if let Some(c) = &ch {
        outputs.push(("changes.csv".into(), c.csv()));
        outputs.push(("changes.json".into(), c.json()));
    }
    write_all(&writer, &a.out, &outputs)?;
    let count = |c: &str| current.lists.get(c).map_or(0, Vec::len);
    eprintln!(
        "lists as of {as_of}: {} key, {} simplified, {} registration, {} skipped",
        count("key"),
        count("simplified"),
        count("registration"),
        current.skipped.len()
    );
    for s in &current.skipped {
        eprintln!(
            "  skipped {}: {}",
            crate::escape::terminal(&s.file),
            s.reason
        );
    }
    if let Some(c) = &ch {
        eprintln!(
            "changes since {}: {} unit(s) to act on or moved",
            prev_as_of.as_deref().unwrap_or_default(),
            c.units.len()
        );
    }
    dispatch.finish(inputs, &current, ch.as_ref(), &a.out, as_of)?;
    if internal { Err(()) } else { Ok(()) }
}
