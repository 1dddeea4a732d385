//! The policy library: the shipped `policies/` folder compiled into the
//! binary, or policy folders read from disk (`--policies DIR`).

use crate::lang::library::{Library, LibraryErrors, build};
use include_dir::{Dir, include_dir};
use std::path::Path;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policies");

/// The name the shipped library goes by in summaries and errors.
pub const BUILTIN: &str = "built-in";

/// Extension of policy files.
pub const EXT: &str = "policy";

/// The shipped library's files as (`policies/<path>`, text), sorted.
pub fn embedded_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![&EMBEDDED];
    while let Some(dir) = stack.pop() {
        for f in dir.files() {
            if f.path().extension().and_then(|e| e.to_str()) == Some(EXT)
                && let Some(text) = f.contents_utf8()
            {
                out.push((format!("policies/{}", f.path().display()), text.to_string()));
            }
        }
        stack.extend(dir.dirs());
    }
    out.sort();
    out
}

/// Policy files under `dir` (recursively), as (path, text). Unreadable
/// files are returned as errors, not skipped.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if dir.is_file() {
        match crate::fsio::read_text(dir, crate::fsio::MAX_INPUT_BYTES) {
            Ok(t) => out.push((dir.display().to_string(), t)),
            Err(e) => errors.push(e),
        }
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter(|_| dir.is_dir())
    {
        match entry {
            Ok(e)
                if e.file_type().is_file()
                    && e.path().extension().and_then(|x| x.to_str()) == Some(EXT) =>
            {
                match crate::fsio::read_text(e.path(), crate::fsio::MAX_INPUT_BYTES) {
                    Ok(t) => out.push((e.path().display().to_string(), t)),
                    Err(err) => errors.push(err),
                }
            }
            Ok(_) => {}
            Err(err) => errors.push(err.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// When the folder `policies/` of the working directory holds policy files
/// that differ from the built-in library's (added, removed or edited), how
/// many differ; `None` when there is no such folder or it is the same.
pub fn workdir_differs() -> Option<usize> {
    let dir = Path::new("policies");
    if !dir.is_dir() {
        return None;
    }
    let local = read_dir(dir).ok()?;
    let builtin = embedded_files();
    let key = |(name, text): &(String, String)| {
        (
            name.trim_start_matches("./").replace('\\', "/"),
            text.clone(),
        )
    };
    let a: std::collections::BTreeSet<(String, String)> = local.iter().map(key).collect();
    let b: std::collections::BTreeSet<(String, String)> = builtin.iter().map(key).collect();
    let names = |s: &std::collections::BTreeSet<(String, String)>,
                 o: &std::collections::BTreeSet<(String, String)>| {
        s.difference(o)
            .map(|(n, _)| n.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let differ = names(&a, &b).union(&names(&b, &a)).count();
    (differ > 0).then_some(differ)
}

/// Build the shipped library. The shipped library is checked by the test
/// suite, so an error here is a bug in the release, not in the user's input.
pub fn shipped() -> Result<Library, Box<LibraryErrors>> {
    build(embedded_files())
}
