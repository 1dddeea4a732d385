//! `permitlint import FILE... [--out DIR | -o FILE]`: the platform's tables
//! (HTML pages, CSV) into `permit/v2` documents with their sources.

use crate::import::{self, Level};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Pages of one permit (`.html`, `.htm`, `.csv`), or folders each holding
    /// the pages of one permit.
    #[arg(required = true, value_hint = clap::ValueHint::AnyPath)]
    pub files: Vec<PathBuf>,
    /// Write one `<name>.yaml` per permit into this folder (a folder
    /// argument names its permit; files given directly form one permit).
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub out: Option<PathBuf>,
    /// Write the permit to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The permits to build: (name, page files).
fn permits(files: &[PathBuf]) -> Result<Vec<(String, Vec<PathBuf>)>, String> {
    let mut loose = Vec::new();
    let mut out = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut pages: Vec<PathBuf> = std::fs::read_dir(f)
                .map_err(|e| format!("{}: cannot read folder: {e}", f.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(e.to_ascii_lowercase().as_str(), "html" | "htm" | "csv")
                    })
                })
                .collect();
            pages.sort();
            if pages.is_empty() {
                return Err(format!(
                    "{}: no .html, .htm or .csv file in this folder",
                    f.display()
                ));
            }
            out.push((stem(f), pages));
        } else {
            loose.push(f.clone());
        }
    }
    if let Some(first) = loose.first() {
        out.insert(0, (stem(first), loose));
    }
    Ok(out)
}

fn stem(p: &Path) -> String {
    p.file_stem().map_or_else(
        || "permit".to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

pub fn run(args: ImportArgs) -> i32 {
    if super::missing_paths(&args.files) {
        return 2;
    }
    let permits = match permits(&args.files) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if permits.len() > 1 && args.out.is_none() {
        eprintln!(
            "error: {} permits given (each folder is one permit); use --out DIR to write one file each",
            permits.len()
        );
        return 2;
    }
    let mut code = 0;
    for (name, files) in permits {
        let mut pages = Vec::new();
        let mut failed = false;
        for f in &files {
            match import::read_page(f) {
                Ok(p) => pages.push(p),
                Err(e) => {
                    eprintln!("error: {e}");
                    failed = true;
                }
            }
        }
        if failed {
            code = 2;
            continue;
        }
        let imported = import::import(&pages);
        for n in &imported.notes {
            eprintln!("{n}");
        }
        let warnings = imported
            .notes
            .iter()
            .filter(|n| n.level == Level::Warning)
            .count();
        let target = match (&args.out, &args.output) {
            (Some(dir), _) => Some(dir.join(format!("{name}.yaml"))),
            (None, Some(file)) => Some(file.clone()),
            (None, None) => None,
        };
        match target {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                    && let Err(e) = std::fs::create_dir_all(dir)
                {
                    eprintln!("error: {}: {e}", crate::escape::path(dir));
                    code = 2;
                    continue;
                }
                if let Err(e) = std::fs::write(&path, &imported.yaml) {
                    eprintln!("error: {}: {e}", crate::escape::path(&path));
                    code = 2;
                    continue;
                }
                eprintln!(
                    "imported {} page(s) into {} ({warnings} item(s) not imported, listed above and in the file)",
                    pages.len(),
                    crate::escape::path(&path)
                );
            }
            None => {
                print!("{}", imported.yaml);
                eprintln!(
                    "imported {} page(s) ({warnings} item(s) not imported, listed above and in the output)",
                    pages.len()
                );
            }
        }
    }
    code
}
