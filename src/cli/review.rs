//! `permitlint classify`, `countersign` and `notice`: the review documents.
//! The glue only: checking is `run`, rendering is `review`.

use super::LibraryArgs;
use crate::date::Date;
use crate::lang::library::Library;
use crate::review::{self, Lang};
use crate::run::{self, FileResult, Options};
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;
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
    /// Evaluate as of this date (policy versions in force, special periods)
    /// [default: `as-of` of `permitlint.toml`, else today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// Language of headings and fixed text (findings' messages stay as the policies wrote them).
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    #[command(flatten)]
    pub jobs: super::JobsArgs,
}

#[derive(Args, Debug)]
pub struct ClassifyArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: ReviewCommon,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::TextFormat,
}

#[derive(Args, Debug)]
pub struct CountersignArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: ReviewCommon,
    /// Folder to write `NAME.md` and `NAME.html` into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace existing files permitlint did not write.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct NoticeArgs {
    /// The permit file (one: the notice is a letter to one applicant).
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub path: PathBuf,
    #[command(flatten)]
    pub common: ReviewCommon,
    /// Write the notice to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing file permitlint did not write.
    #[arg(long)]
    pub force: bool,
}

/// Load the library and check the permits, keeping the loaded permits.
/// `None` (after printing why) when the library is broken or a path is
/// missing.
fn check(
    paths: &[PathBuf],
    common: &ReviewCommon,
    writer: &mut crate::fsio::Writer,
) -> Option<(Library, Vec<FileResult>, Date)> {
    if !common.jobs.apply() {
        return None;
    }
    let (files, issues) = super::permit_files(paths).ok()?;
    let lib = super::load_configured_library(&common.library)?;
    let as_of = super::resolve_as_of(common.as_of)?;
    for i in &issues {
        eprintln!("error: {}: {}", crate::escape::terminal(&i.path), i.message);
    }
    if !issues.is_empty() {
        return None;
    }
    for f in &files {
        writer.input(f);
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
    let mut writer = crate::fsio::Writer::new(false);
    let Some((lib, results, _)) = check(&a.paths, &a.common, &mut writer) else {
        return 2;
    };
    let list: Vec<_> = results
        .iter()
        .map(|r| review::classify::classify(&lib, r))
        .collect();
    let text = match a.format {
        super::TextFormat::Human => {
            crate::escape::terminal(&review::classify::render_text(&list, a.common.lang.into()))
                .into_owned()
        }
        super::TextFormat::Json => review::classify::render_json(&list),
    };
    if !super::emit(&text) || internal(&results) {
        2
    } else {
        0
    }
}

/// A file name for each permit: its stem, made safe (no path separators or
/// control characters, not a Windows device name such as `CON`, at most
/// [`MAX_STEM_BYTES`] bytes so `NAME.html` fits any file system) and unique
/// ignoring case (`name`, `name-2`, ...; `A.yaml` and `a.yaml` differ on
/// Linux, not on Windows or macOS); `index` is kept for the index when
/// there are several permits.
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
            let mut stem: String = stem
                .chars()
                .map(|c| {
                    if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                        || c.is_control()
                        || crate::escape::is_hazard(c)
                    {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            let device = stem.split('.').next().unwrap_or("").to_ascii_uppercase();
            let reserved = matches!(device.as_str(), "CON" | "PRN" | "AUX" | "NUL")
                || (device.len() == 4
                    && (device.starts_with("COM") || device.starts_with("LPT"))
                    && device.as_bytes()[3].is_ascii_digit());
            if reserved {
                stem.insert(0, '_');
            }
            let mut cut = stem.len().min(MAX_STEM_BYTES);
            while !stem.is_char_boundary(cut) {
                cut -= 1;
            }
            stem.truncate(cut);
            let stem = stem.trim_end_matches(['.', ' ']).to_string();
            let stem = if stem.is_empty() {
                "permit".into()
            } else {
                stem
            };
            let mut name = stem.clone();
            let mut n = 2;
            while !used.insert(name.to_lowercase()) {
                name = format!("{stem}-{n}");
                n += 1;
            }
            name
        })
        .collect()
}

/// Longest stem of a countersign file name, in bytes: with `-NNNNN` and
/// `.html` it stays under the 255 bytes of common file systems.
const MAX_STEM_BYTES: usize = 200;

pub fn countersign(a: CountersignArgs) -> i32 {
    let mut writer = crate::fsio::Writer::new(a.force);
    let Some((lib, results, as_of)) = check(&a.paths, &a.common, &mut writer) else {
        return 2;
    };
    let lang: Lang = a.common.lang.into();
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!(
            "error: cannot create `{}`: {e}",
            crate::escape::path(&a.out)
        );
        return 2;
    }
    let names = output_names(&results);
    // Every target is checked before the first is written: a refused
    // target leaves no half set of outputs.
    let mut refused = false;
    let mut targets: Vec<String> = names.clone();
    if names.len() > 1 {
        targets.push("index".into());
    }
    for name in &targets {
        for ext in ["md", "html"] {
            if let Err(e) = writer.check(&a.out.join(format!("{name}.{ext}"))) {
                eprintln!("error: {e}");
                refused = true;
            }
        }
    }
    if refused {
        return 2;
    }
    let mut failed = false;
    let forms: Vec<(String, review::form::Form)> = results
        .iter()
        .zip(names)
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
        match writer.write(&path, text.as_bytes()) {
            Ok(()) => eprintln!(
                "wrote {}",
                crate::escape::terminal(&path.display().to_string())
            ),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed || internal(&results) { 2 } else { 0 }
}

pub fn notice(a: NoticeArgs) -> i32 {
    if super::missing_paths(std::slice::from_ref(&a.path)) {
        return 2;
    }
    if a.path.is_dir() {
        eprintln!(
            "error: `{}` is a folder; `notice` takes one permit file",
            crate::escape::path(&a.path)
        );
        return 2;
    }
    let mut writer = crate::fsio::Writer::new(a.force);
    let Some((_, results, as_of)) = check(std::slice::from_ref(&a.path), &a.common, &mut writer)
    else {
        return 2;
    };
    let lang: Lang = a.common.lang.into();
    let mut text = String::new();
    for r in &results {
        text.push_str(&review::notice::render(r, as_of, lang));
    }
    match &a.out {
        Some(p) => {
            if let Err(e) = writer.write(p, text.as_bytes()) {
                eprintln!("error: {e}");
                return 2;
            }
            eprintln!(
                "wrote {}",
                crate::escape::terminal(&p.display().to_string())
            );
        }
        None => {
            if !super::emit(&crate::escape::terminal(&text)) {
                return 2;
            }
        }
    }
    if internal(&results) { 2 } else { 0 }
}
