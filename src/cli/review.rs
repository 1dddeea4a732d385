//! `permitlint classify`, `countersign` and `notice`: the review documents.
//! The glue only: checking is `run`, rendering is `review`.

use super::LibraryArgs;
use crate::date::Date;
use crate::lang::library::Library;
use crate::review::{self, Lang};
use crate::run::{self, FileResult, Options};
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ReviewCommon {
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Evaluate as of this date (policy versions in force, special periods); default today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Language of headings and fixed text (findings' messages stay as the policies wrote them).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// Permit files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: ReviewCommon,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::TextFormat,
}

#[derive(Args, Debug)]
pub struct CountersignArgs {
    /// Permit files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: ReviewCommon,
    /// Folder to write `NAME.md` and `NAME.html` into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct NoticeArgs {
    /// The permit file.
    pub path: PathBuf,
    #[command(flatten)]
    pub common: ReviewCommon,
    /// Write the notice to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Load the library and check the permits, keeping the loaded permits.
/// `None` (after printing why) when the library is broken or a path is
/// missing.
fn check(paths: &[PathBuf], common: &ReviewCommon) -> Option<(Library, Vec<FileResult>, Date)> {
    let lib = super::load_configured_library(&common.library)?;
    let as_of = common.as_of.unwrap_or_else(Date::today);
    let (files, issues) = run::collect(paths);
    for i in &issues {
        eprintln!("error: {}: {}", i.path, i.message);
    }
    if !issues.is_empty() {
        return None;
    }
    if files.is_empty() {
        eprintln!("error: no permit files found");
        return None;
    }
    let opts = Options::new(as_of);
    let mut results = Vec::new();
    run::check_files(&lib, &files, &opts, true, |chunk| results.extend(chunk));
    Some((lib, results, as_of))
}

fn internal(results: &[FileResult]) -> bool {
    results.iter().any(|r| r.internal_error)
}

pub fn classify(a: ClassifyArgs) -> i32 {
    let Some((lib, results, _)) = check(&a.paths, &a.common) else {
        return 2;
    };
    let list: Vec<_> = results
        .iter()
        .map(|r| review::classify::classify(&lib, r))
        .collect();
    let text = match a.format {
        super::TextFormat::Human => review::classify::render_text(&list, a.common.lang.into()),
        super::TextFormat::Json => review::classify::render_json(&list),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if internal(&results) { 2 } else { 0 }
}

/// A file name for each permit: its stem, made unique (`name`, `name-2`, ...)
/// and safe (no path separators); `index` is kept for the index when there
/// are several permits.
fn output_names(results: &[FileResult]) -> Vec<String> {
    let mut used = BTreeSet::new();
    if results.len() > 1 {
        // Reserved for the index of several forms.
        used.insert("index".to_string());
    }
    results
        .iter()
        .map(|r| {
            let stem = Path::new(&r.path)
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .filter(|s| !s.is_empty() && s != "." && s != "..")
                .unwrap_or_else(|| "permit".into());
            let stem: String = stem
                .chars()
                .map(|c| {
                    if matches!(c, '/' | '\\' | ':') {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            let mut name = stem.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{stem}-{n}");
                n += 1;
            }
            name
        })
        .collect()
}

pub fn countersign(a: CountersignArgs) -> i32 {
    let Some((lib, results, as_of)) = check(&a.paths, &a.common) else {
        return 2;
    };
    let lang: Lang = a.common.lang.into();
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!("error: cannot create `{}`: {e}", a.out.display());
        return 2;
    }
    let mut failed = false;
    let forms: Vec<(String, review::form::Form)> = results
        .iter()
        .zip(output_names(&results))
        .map(|(r, name)| (name, review::form::build(&lib, r, as_of, lang)))
        .collect();
    let mut outputs: Vec<(String, String)> = Vec::new();
    for (name, form) in &forms {
        outputs.push((
            format!("{name}.md"),
            review::form::render_markdown(form, lang),
        ));
        outputs.push((
            format!("{name}.html"),
            review::html::render_form(form, lang),
        ));
    }
    // Several permits: an index of them (a permit named `index` is written
    // as `index-2`, see `output_names`).
    if forms.len() > 1 {
        outputs.push((
            "index.md".into(),
            review::form::render_index_markdown(&forms, lang),
        ));
        outputs.push((
            "index.html".into(),
            review::html::render_index(&forms, lang),
        ));
    }
    for (file, text) in outputs {
        let path = a.out.join(file);
        match std::fs::write(&path, text) {
            Ok(()) => eprintln!("wrote {}", path.display()),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                failed = true;
            }
        }
    }
    if failed || internal(&results) { 2 } else { 0 }
}

pub fn notice(a: NoticeArgs) -> i32 {
    if a.path.is_dir() {
        eprintln!(
            "error: `{}` is a folder; `notice` takes one permit file",
            a.path.display()
        );
        return 2;
    }
    let Some((_, results, as_of)) = check(std::slice::from_ref(&a.path), &a.common) else {
        return 2;
    };
    let lang: Lang = a.common.lang.into();
    let mut text = String::new();
    for r in &results {
        text.push_str(&review::notice::render(r, as_of, lang));
    }
    match &a.out {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &text) {
                eprintln!("error: cannot write `{}`: {e}", p.display());
                return 2;
            }
            eprintln!("wrote {}", p.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
    if internal(&results) { 2 } else { 0 }
}
