//! A policy library folder as the editor sees it: every `.policy` file of
//! the folder, the open ones with the text in the editor, parsed and checked
//! together by the same compiler `policy check` runs, so an error about a
//! table defined in another file lands in the file that has it.

use super::text::LineIndex;
use crate::lang::ast::PolicyFile;
use crate::lang::check::{PolicyAnalysis, check_files_for_editor};
use crate::lang::errors::{CheckError, ParseError};
use crate::lang::library::Library;
use crate::lang::parser::parse_file;
use crate::span::{Source, SourceFile};
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file of the library.
struct FileEntry {
    source: Source,
    parse_error: Option<ParseError>,
    /// Open in the editor (its text is the editor's, not the disk's).
    open: bool,
}

/// The checked library: what the checker built and every error it found.
pub struct Analysis {
    pub lib: Library,
    pub errors: Vec<CheckError>,
    pub policies: Vec<PolicyAnalysis>,
}

pub struct Workspace {
    pub root: PathBuf,
    files: BTreeMap<String, FileEntry>,
    /// Files that parse, sorted by name (the order `policy check` uses).
    parsed: Vec<PolicyFile>,
    analysis: Option<Analysis>,
    /// Diagnostics last sent, by file name, so unchanged ones are not resent.
    published: BTreeMap<String, Vec<Diagnostic>>,
    /// Counts the changes to the library's texts (permits checked with an
    /// older generation are checked again).
    pub generation: u64,
}

/// The folder a policy file is checked with, and whether its subfolders
/// belong to it: a configured library folder that holds it, else its
/// nearest ancestor named `policies` (what `policy check` checks by
/// default), else its own folder without subfolders (a policy opened in a
/// home folder must not make the server read the whole tree).
pub fn library_root(file: &Path, configured: &[PathBuf]) -> (PathBuf, bool) {
    if let Some(c) = configured.iter().find(|c| file.starts_with(c)) {
        return (c.clone(), true);
    }
    if let Some(a) = file
        .ancestors()
        .skip(1)
        .find(|a| a.file_name().is_some_and(|n| n == "policies"))
    {
        return (a.to_path_buf(), true);
    }
    let dir = file
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    (dir, false)
}

impl Workspace {
    /// Read every policy file under `root` (in `root` itself only, unless
    /// `recursive`); unreadable files are skipped (the editor's own text
    /// replaces a file once it is opened).
    pub fn load(root: PathBuf, recursive: bool) -> Workspace {
        let mut ws = Workspace {
            root,
            files: BTreeMap::new(),
            parsed: Vec::new(),
            analysis: None,
            published: BTreeMap::new(),
            generation: 0,
        };
        for (name, text) in policy_files(&ws.root, recursive) {
            ws.set_text(&name, text, false);
        }
        ws
    }

    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    pub fn source(&self, name: &str) -> Option<&Source> {
        self.files.get(name).map(|f| &f.source)
    }

    /// The parsed files, sorted by name.
    pub fn parsed(&self) -> &[PolicyFile] {
        &self.parsed
    }

    pub fn parsed_file(&self, name: &str) -> Option<&PolicyFile> {
        self.parsed.iter().find(|f| f.source.name == name)
    }

    /// Replace a file's text (opened, edited or reverted) and reparse it.
    pub fn set_text(&mut self, name: &str, text: String, open: bool) {
        if let Some(f) = self.files.get(name)
            && f.source.text == text
        {
            if let Some(f) = self.files.get_mut(name) {
                f.open = open;
            }
            return;
        }
        let source = SourceFile::new(name, text);
        let (file, parse_error) = match parse_file(&source) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(e.attach(&source))),
        };
        self.parsed.retain(|f| f.source.name != name);
        if let Some(file) = file {
            let at = self
                .parsed
                .partition_point(|f| f.source.name.as_str() < name);
            self.parsed.insert(at, file);
        }
        self.files.insert(
            name.to_string(),
            FileEntry {
                source,
                parse_error,
                open,
            },
        );
        self.analysis = None;
        self.generation += 1;
    }

    /// The editor closed a file: go back to the text on disk (or forget a
    /// file that is not on disk).
    pub fn close(&mut self, name: &str) {
        match std::fs::read_to_string(name) {
            Ok(text) => self.set_text(name, text, false),
            Err(_) => {
                self.files.remove(name);
                self.parsed.retain(|f| f.source.name != name);
                self.analysis = None;
                self.generation += 1;
            }
        }
    }

    /// How many errors the library has (syntax and check).
    pub fn error_count(&mut self) -> usize {
        let parse = self
            .files
            .values()
            .filter(|f| f.parse_error.is_some())
            .count();
        parse + self.analysis().errors.len()
    }

    /// The checked library, checking it again if a file changed.
    pub fn analysis(&mut self) -> &Analysis {
        let parsed = &self.parsed;
        self.analysis.get_or_insert_with(|| check(parsed))
    }

    /// The library checked with `name` holding `text` instead (completion
    /// checks the text with a placeholder where the cursor is), leaving the
    /// workspace as it was. `None` when that text does not parse.
    pub fn analysis_with(&mut self, name: &str, text: &str) -> Option<Analysis> {
        let source = SourceFile::new(name, text);
        let file = parse_file(&source).ok()?;
        let at = self
            .parsed
            .partition_point(|f| f.source.name.as_str() < name);
        let replaces = self.parsed.get(at).is_some_and(|f| f.source.name == name);
        let old = if replaces {
            Some(std::mem::replace(&mut self.parsed[at], file))
        } else {
            self.parsed.insert(at, file);
            None
        };
        let analysis = check(&self.parsed);
        match old {
            Some(old) => self.parsed[at] = old,
            None => {
                self.parsed.remove(at);
            }
        }
        Some(analysis)
    }

    /// Diagnostics of every file whose diagnostics changed since last sent
    /// (an open file's are sent once even when empty).
    pub fn diagnostics(&mut self) -> Vec<(String, Vec<Diagnostic>)> {
        let mut all: BTreeMap<String, Vec<Diagnostic>> =
            self.files.keys().map(|k| (k.clone(), Vec::new())).collect();
        for (name, f) in &self.files {
            if let Some(e) = &f.parse_error
                && let Some(list) = all.get_mut(name)
            {
                list.push(parse_diagnostic(&f.source, e));
            }
        }
        let analysis = self.analysis();
        let mut by_file: Vec<(String, Diagnostic)> = Vec::new();
        // One line index per file, however many errors it has.
        let mut indexes = std::collections::HashMap::new();
        for e in &analysis.errors {
            by_file.push((e.file.clone(), check_diagnostic(e, &mut indexes)));
        }
        for (file, d) in by_file {
            all.entry(file).or_default().push(d);
        }
        let mut changed = Vec::new();
        for (name, list) in all {
            // A clean file the editor has not opened needs no message.
            let open = self.files.get(&name).is_some_and(|f| f.open);
            let unchanged = match self.published.get(&name) {
                Some(sent) => sent == &list,
                None => list.is_empty() && !open,
            };
            if !unchanged {
                self.published.insert(name.clone(), list.clone());
                changed.push((name, list));
            }
        }
        changed
    }

    /// Forget what was sent for `name` (the editor closed it), so it is sent again.
    pub fn forget_published(&mut self, name: &str) {
        self.published.remove(name);
    }
}

fn check(parsed: &[PolicyFile]) -> Analysis {
    let (lib, mut errors, policies) = check_files_for_editor(parsed);
    // The order `policy check` prints them in.
    errors.sort_by(|a, b| a.file.cmp(&b.file).then(a.byte.cmp(&b.byte)));
    Analysis {
        lib,
        errors,
        policies,
    }
}

/// Policy files under `dir` as (path, text), sorted, skipping the unreadable ones.
fn policy_files(dir: &Path, recursive: bool) -> Vec<(String, String)> {
    walkdir::WalkDir::new(dir)
        .max_depth(if recursive { usize::MAX } else { 1 })
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path().extension().and_then(|x| x.to_str()) == Some(crate::library::EXT)
        })
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.path().display().to_string(), text))
        })
        .collect()
}

fn parse_diagnostic(source: &Source, e: &ParseError) -> Diagnostic {
    let span = e.span();
    let ix = LineIndex::new(&source.text);
    let range = ix.range(crate::span::Span::new(
        span.offset(),
        span.offset() + span.len(),
    ));
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("syntax".into())),
        source: Some("permitlint".into()),
        message: e.to_string(),
        ..Diagnostic::default()
    }
}

/// The line index of `src`, built once.
fn index<'m, 'a>(
    indexes: &'m mut std::collections::HashMap<&'a str, LineIndex<'a>>,
    src: &'a crate::span::SourceFile,
) -> &'m LineIndex<'a> {
    indexes
        .entry(src.name.as_str())
        .or_insert_with(|| LineIndex::new(&src.text))
}

fn check_diagnostic<'a>(
    e: &'a CheckError,
    indexes: &mut std::collections::HashMap<&'a str, LineIndex<'a>>,
) -> Diagnostic {
    let span = crate::span::Span::new(e.span.offset(), e.span.offset() + e.span.len());
    let mut message = e.message.clone();
    if let Some(h) = &e.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let related: Vec<DiagnosticRelatedInformation> = e
        .related
        .iter()
        .filter_map(|(src, span, what)| {
            let uri = super::text::path_to_uri(Path::new(&src.name))?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, index(indexes, src).range(*span)),
                message: what.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: index(indexes, e.src.inner()).range(span),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(e.kind.into())),
        source: Some("permitlint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_belongs_to_the_configured_folder_then_to_policies_then_to_its_own() {
        let configured = [PathBuf::from("/lib/mine")];
        assert_eq!(
            library_root(Path::new("/lib/mine/air/a.policy"), &configured),
            (PathBuf::from("/lib/mine"), true)
        );
        assert_eq!(
            library_root(Path::new("/repo/policies/air/x/a.policy"), &configured),
            (PathBuf::from("/repo/policies"), true)
        );
        assert_eq!(
            library_root(Path::new("/home/me/a.policy"), &configured),
            (PathBuf::from("/home/me"), false)
        );
    }
}
