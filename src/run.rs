//! The `check` pipeline, shared by every command that looks at permits:
//! walk the paths, load each permit, evaluate the library, collect findings.
//!
//! Files are processed in parallel (rayon) in chunks, in path order; each
//! chunk's results are handed to a sink before the next chunk starts, so
//! memory is bounded by the chunk, not by the corpus. Output never depends on
//! the thread count: results are ordered by path and findings sorted.

use crate::date::Date;
use crate::eval::{self, Contribution, Coverage};
use crate::finding::{self, Finding, Severity};
use crate::lang::library::Library;
use crate::permit::{self, Limits};
use crate::span::{Source, SourceFile};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Options {
    pub as_of: Date,
    pub limits: Limits,
    /// Files per parallel chunk.
    pub chunk: usize,
    pub coverage: bool,
    /// Evaluation budget of each policy on each permit.
    pub budget: crate::eval::interp::Budget,
    /// The result cache, when the run uses one (`check` without
    /// `--no-cache`); ignored when coverage is recorded or permits kept.
    pub cache: Option<std::sync::Arc<crate::track::cache::Cache>>,
    /// Render each permit's piece of the report where it is checked
    /// ([`crate::report::piece`]); the cache keeps pieces too.
    pub pieces: Option<std::sync::Arc<crate::report::piece::Renderer>>,
    /// The caller reads the findings themselves, not only the pieces
    /// (statistics, baselines, waivers, coverage): a cached piece is then
    /// not enough.
    pub findings_needed: bool,
}

impl Options {
    pub fn new(as_of: Date) -> Options {
        Options {
            as_of,
            limits: Limits::default(),
            chunk: 256,
            coverage: false,
            budget: crate::eval::interp::Budget::DEFAULT,
            cache: None,
            pieces: None,
            findings_needed: true,
        }
    }
}

/// Everything known about one checked file.
#[derive(Debug)]
pub struct FileResult {
    pub path: String,
    pub findings: Vec<Finding>,
    pub facts: BTreeMap<String, Vec<Contribution>>,
    /// The loaded permit, kept only when the caller asked for it.
    pub permit: Option<permit::model::Permit>,
    /// A panic was caught while checking this file.
    pub internal_error: bool,
    /// Policies run over the permit, and how many left something undecided.
    pub rules_applied: usize,
    pub rules_undecided: usize,
    /// Findings taken out by suppression comments in the permit.
    pub suppressed: Vec<crate::track::suppress::Suppressed>,
    /// The permit's piece of the report, when the run renders pieces. A
    /// piece taken from the cache comes without `findings` (empty) unless
    /// the run needs them; its counts stand for them.
    pub piece: Option<crate::report::piece::Piece>,
}

/// A problem with the walk itself (unreadable folder, symlink loop).
#[derive(Debug)]
pub struct WalkIssue {
    pub path: String,
    pub message: String,
}

/// Find the permit files under `paths`: `.yaml`/`.yml` files in folders
/// (recursively, following links, reporting loops), and files named
/// directly whatever their extension. Sorted, deduplicated.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<WalkIssue>) {
    let mut files = Vec::new();
    let mut issues = Vec::new();
    for root in paths {
        if !root.exists() && root.symlink_metadata().is_err() {
            issues.push(WalkIssue {
                path: root.display().to_string(),
                message: "no such file or folder".into(),
            });
            continue;
        }
        if !root.is_dir() {
            files.push(root.clone());
            continue;
        }
        // Not sorted while walking: the files are sorted (by path
        // components, the walk's order) once at the end.
        for entry in walkdir::WalkDir::new(root).follow_links(true) {
            match entry {
                Ok(e) => {
                    let p = e.path();
                    let is_yaml = p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                        x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml")
                    });
                    if e.file_type().is_file() && is_yaml {
                        files.push(p.to_path_buf());
                    }
                }
                Err(err) => {
                    let path = err
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    let message = if err.loop_ancestor().is_some() {
                        format!(
                            "symbolic link loop: `{}` leads back to `{}`",
                            path,
                            err.loop_ancestor()
                                .map(|a| a.display().to_string())
                                .unwrap_or_default()
                        )
                    } else {
                        err.io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string())
                    };
                    issues.push(WalkIssue { path, message });
                }
            }
        }
    }
    (sort_paths(files), issues)
}

/// `files` in path order (component by component, as `Path` orders them:
/// a folder's files before those of a sibling folder whose name extends
/// it), deduplicated. Each path is turned once into a byte key that
/// compares as its components do ([`order_key`]), and the keys are sorted
/// as bytes: comparing `Path`s splits both at every comparison, which cost
/// more than the rest of a warm cached run's walk.
fn sort_paths(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut keyed: Vec<(Vec<u8>, PathBuf)> =
        files.into_iter().map(|p| (order_key(&p), p)).collect();
    // Stable: of two spellings of one path (`a//b`, `a/b`), the first
    // given is kept.
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    keyed.into_iter().map(|(_, p)| p).collect()
}

/// Bytes that order as `path`'s components do: per component, a byte for
/// its kind (in the order of [`std::path::Component`]'s variants), its
/// name, and a zero byte, which sorts before any byte of a name (no path
/// component holds a zero byte), so a name sorts before its extensions.
fn order_key(path: &Path) -> Vec<u8> {
    use std::path::Component;
    let mut key = Vec::with_capacity(path.as_os_str().len() + 16);
    for c in path.components() {
        let (kind, name): (u8, &[u8]) = match c {
            Component::Prefix(p) => (1, p.as_os_str().as_encoded_bytes()),
            Component::RootDir => (2, b""),
            Component::CurDir => (3, b""),
            Component::ParentDir => (4, b""),
            Component::Normal(n) => (5, n.as_encoded_bytes()),
        };
        key.push(kind);
        key.extend_from_slice(name);
        key.push(0);
    }
    key
}

/// Check one file: load, validate, evaluate. Never panics: a panic inside
/// is caught and reported as an internal-error finding for this file.
pub fn check_file(
    lib: &Library,
    path: &Path,
    opts: &Options,
    keep_permit: bool,
    coverage: Option<&mut Coverage>,
) -> FileResult {
    let name = path.display().to_string();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        test_panic_hook(path);
        let loaded = permit::load_path(path, &opts.limits);
        finish(lib, &name, loaded, opts, keep_permit, coverage)
    }));
    result.unwrap_or_else(|payload| internal_error(&name, payload))
}

/// Test hook, debug builds only (tests/hostile_files.rs): panic on the
/// file with this name, to test the panic path end to end.
fn test_panic_hook(_path: &Path) {
    #[cfg(debug_assertions)]
    if let Some(name) = std::env::var_os("PERMITLINT_TEST_PANIC_ON")
        && _path.file_name() == Some(name.as_os_str())
    {
        panic!("PERMITLINT_TEST_PANIC_ON: test panic");
    }
}

/// Check a permit given as text (tests, `policy test`).
pub fn check_text(
    lib: &Library,
    name: &str,
    text: &str,
    opts: &Options,
    coverage: Option<&mut Coverage>,
) -> FileResult {
    check_source(lib, SourceFile::new(name, text), opts, coverage)
}

/// [`check_text`] for a text already in a [`Source`] (what the loader
/// reads; benchmarks share one source between runs instead of copying it).
pub fn check_source(
    lib: &Library,
    source: Source,
    opts: &Options,
    coverage: Option<&mut Coverage>,
) -> FileResult {
    let name = source.name.clone();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let loaded = permit::load(source, &opts.limits);
        finish(lib, &name, loaded, opts, true, coverage)
    }));
    result.unwrap_or_else(|payload| internal_error(&name, payload))
}

fn finish(
    lib: &Library,
    name: &str,
    loaded: permit::Loaded,
    opts: &Options,
    keep_permit: bool,
    coverage: Option<&mut Coverage>,
) -> FileResult {
    let mut findings = loaded.findings;
    let doc_department = lib.department("document");
    for f in &mut findings {
        if f.department.is_empty() {
            f.department = doc_department.clone();
        }
        if let Some(m) = shorten_quoted(&f.message) {
            f.message = m;
        }
    }
    let mut facts = BTreeMap::new();
    let (mut rules_applied, mut rules_undecided) = (0, 0);
    let mut suppressed = Vec::new();
    if let Some(p) = &loaded.permit {
        let ev = eval::evaluate_budgeted(lib, p, opts.as_of, &findings, coverage, opts.budget);
        findings.extend(ev.findings);
        facts = ev.facts;
        rules_applied = ev.rules_applied;
        rules_undecided = ev.undecided_rules;
    }
    finding::sort(&mut findings);
    if let Some(p) = &loaded.permit {
        let rules = crate::track::suppress::RunRules {
            lib,
            as_of: opts.as_of,
        };
        suppressed = crate::track::suppress::apply(&p.source, &mut findings, &rules);
    }
    FileResult {
        path: name.to_string(),
        findings,
        facts,
        permit: if keep_permit { loaded.permit } else { None },
        internal_error: false,
        rules_applied,
        rules_undecided,
        suppressed,
        piece: None,
    }
}

/// Longest value (between backticks) a document finding quotes in full.
const MAX_QUOTED_CHARS: usize = 200;

/// A document finding's message with every quoted value longer than
/// [`MAX_QUOTED_CHARS`] cut to its first 60 characters and its length
/// (`D44121111…` (400005 characters)), so a 16 MiB value is not repeated
/// in every output; `None` when nothing is that long.
fn shorten_quoted(message: &str) -> Option<String> {
    let parts: Vec<&str> = message.split('`').collect();
    let long = |p: &str| p.chars().nth(MAX_QUOTED_CHARS).is_some();
    let quoted = parts.len().saturating_sub(1) / 2;
    if !(0..quoted).any(|k| long(parts[2 * k + 1])) {
        return None;
    }
    let mut out = String::new();
    let mut after_quote = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
            out.push_str(&std::mem::take(&mut after_quote));
        }
        // Odd parts are quoted when a closing backtick follows.
        if i % 2 == 1 && i + 1 < parts.len() && long(p) {
            out.extend(p.chars().take(60));
            out.push('…');
            after_quote = format!(" ({} characters)", p.chars().count());
        } else {
            out.push_str(p);
        }
    }
    Some(out)
}

fn internal_error(name: &str, payload: Box<dyn std::any::Any + Send>) -> FileResult {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    FileResult {
        path: name.to_string(),
        findings: vec![Finding {
            rule: "internal.panic".into(),
            severity: Severity::Error,
            element: "internal".into(),
            department: String::new(),
            message: format!("internal error while checking this file: {what}"),
            basis: None,
            help: Some(
                "this is a bug in permitlint; please report it with this file attached".into(),
            ),
            file: SourceFile::new(name, ""),
            primary: None,
            labels: Vec::new(),
            path: String::new(),
            field_zh: String::new(),
        }],
        facts: BTreeMap::new(),
        permit: None,
        internal_error: true,
        rules_applied: 0,
        rules_undecided: 0,
        suppressed: Vec::new(),
        piece: None,
    }
}

/// [`check_file`] through the result cache: the file is read once; a
/// valid entry for its name and bytes gives the result, else it is checked
/// from those bytes and the result stored. When the run renders pieces and
/// needs nothing else, a cached piece is the result (no finding built).
/// Files the loader would reject before parsing (too large, not UTF-8,
/// unreadable) go to `check_file`.
fn check_cached(
    lib: &Library,
    path: &Path,
    opts: &Options,
    cache: &crate::track::cache::Cache,
) -> FileResult {
    use crate::report::piece::Piece;
    use crate::track::cache::{Cached, Key};
    let name = path.display().to_string();
    let result = |findings, suppressed, rules_applied, rules_undecided, piece| FileResult {
        path: name.clone(),
        findings,
        facts: BTreeMap::new(),
        permit: None,
        internal_error: false,
        rules_applied,
        rules_undecided,
        suppressed,
        piece,
    };
    let piece_hit = |(piece, applied, undecided): (Piece, u32, u32)| {
        result(
            Vec::new(),
            Vec::new(),
            applied as usize,
            undecided as usize,
            Some(piece),
        )
    };
    // `stat` before `open`: opening a FIFO would block until a writer
    // comes.
    let Ok(meta) = std::fs::metadata(path) else {
        return check_file(lib, path, opts, false, None);
    };
    // A result, with its piece rendered and kept when the run renders them.
    let hit = |c: Cached, key: Key| {
        let piece = opts.pieces.as_deref().map(|r| {
            let p = r.render(&c.findings, &c.suppressed);
            // The JSON report lists suppressions at its end: a result with
            // any needs its findings, so its piece is not kept.
            if c.suppressed.is_empty() {
                cache.put_piece(&name, key, &meta, &p, (c.rules_applied, c.rules_undecided));
            }
            p
        });
        result(
            c.findings,
            c.suppressed,
            c.rules_applied,
            c.rules_undecided,
            piece,
        )
    };
    let piece_only = opts.pieces.is_some() && !opts.findings_needed;
    if piece_only && let Some(p) = cache.piece_unread(&name, &meta) {
        return piece_hit(p);
    }
    if let Some((c, key)) = cache.by_metadata(&name, &meta) {
        return hit(c, key);
    }
    let Some(text) = read_regular(path, &meta, opts.limits.max_file_bytes) else {
        return check_file(lib, path, opts, false, None);
    };
    let key = cache.key(&name, text.as_bytes());
    if piece_only && let Some(p) = cache.piece_read(&name, key, &meta) {
        return piece_hit(p);
    }
    let text = match cache.get(&name, key, text, &meta) {
        Ok(c) => return hit(c, key),
        Err(text) => text,
    };
    let source = SourceFile::new(name.as_str(), text.as_str());
    let checked = std::panic::catch_unwind(AssertUnwindSafe(|| {
        test_panic_hook(path);
        let loaded = permit::load(source, &opts.limits);
        finish(lib, &name, loaded, opts, false, None)
    }));
    let r = checked.unwrap_or_else(|payload| internal_error(&name, payload));
    if r.internal_error {
        return r;
    }
    let c = Cached {
        findings: r.findings,
        suppressed: r.suppressed,
        rules_applied: r.rules_applied,
        rules_undecided: r.rules_undecided,
    };
    cache.put(&name, key, &meta, &c);
    FileResult {
        facts: r.facts,
        ..hit(c, key)
    }
}

/// The text of `path`, whose metadata is `meta`, when it is a regular
/// file of at most `max` bytes holding UTF-8: one open, one read (as many
/// as it takes when the kernel returns less). A FIFO or device is not
/// read here: the loader refuses it with a finding (never blocks on it).
fn read_regular(path: &Path, meta: &std::fs::Metadata, max: u64) -> Option<String> {
    use std::io::Read;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    // The size `stat` gave, in one read: no second read to find the end.
    // A file that changes meanwhile is read as it was at some moment, as
    // by any reader; the result is keyed by the bytes actually read.
    // `take` stops at that size without asking the kernel again, and the
    // buffer is not zeroed first.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(meta.len()).read_to_end(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}

/// `r` with its piece, when the run renders pieces (results the cache did
/// not give have none yet).
fn with_piece(mut r: FileResult, opts: &Options) -> FileResult {
    if let Some(render) = &opts.pieces
        && r.piece.is_none()
    {
        r.piece = Some(render.render(&r.findings, &r.suppressed));
    }
    r
}

/// Check `files` in parallel chunks, handing each chunk's results, in path
/// order, to `sink`. Returns the merged coverage when asked for.
pub fn check_files(
    lib: &Library,
    files: &[PathBuf],
    opts: &Options,
    keep_permit: bool,
    mut sink: impl FnMut(Vec<FileResult>),
) -> Option<Coverage> {
    let mut total = opts.coverage.then(Coverage::default);
    let check_chunk = |chunk: &[PathBuf]| -> Vec<(FileResult, Option<Coverage>)> {
        chunk
            .par_iter()
            .map(|p| {
                if let Some(cache) = opts.cache.as_deref()
                    && !opts.coverage
                    && !keep_permit
                {
                    return (with_piece(check_cached(lib, p, opts, cache), opts), None);
                }
                let mut cov = opts.coverage.then(Coverage::default);
                let r = check_file(lib, p, opts, keep_permit, cov.as_mut());
                (with_piece(r, opts), cov)
            })
            .collect()
    };
    let mut hand_over = |results: Vec<(FileResult, Option<Coverage>)>| {
        let mut out = Vec::with_capacity(results.len());
        for (r, cov) in results {
            if let (Some(t), Some(c)) = (total.as_mut(), cov) {
                t.merge(c);
            }
            out.push(r);
        }
        sink(out);
    };
    // The sink (the caller's thread: writing the report) takes a chunk
    // while the pool checks the next one; chunks still reach it in order.
    let mut pending: Option<Vec<(FileResult, Option<Coverage>)>> = None;
    for chunk in files.chunks(opts.chunk.max(1)) {
        let mut next = None;
        rayon::in_place_scope(|s| {
            s.spawn(|_| next = Some(check_chunk(chunk)));
            if let Some(done) = pending.take() {
                hand_over(done);
            }
        });
        pending = next;
    }
    if let Some(done) = pending {
        hand_over(done);
    }
    total
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_sort_as_path_orders_them() {
        let names = [
            "b/x.yaml",
            "a.yaml",
            "a/z.yaml",
            "a/b/c.yaml",
            "a-b.yaml",
            "a/b.yaml",
            "./a/y.yaml",
            "a/y.yaml",
            "苏州/1.yaml",
            "a/b/c.yaml",
            "A.yaml",
            "a//b.yaml",
            "a/./b.yaml",
            "/abs/x.yaml",
            "../up.yaml",
            "-/x.yaml",
            "./-x.yaml",
            ".",
            "a.yaml/",
        ];
        let files: Vec<std::path::PathBuf> = names.iter().map(Into::into).collect();
        let mut expected = files.clone();
        expected.sort();
        expected.dedup();
        assert_eq!(super::sort_paths(files), expected);
    }

    #[test]
    fn long_quoted_values_are_cut() {
        let long = "1".repeat(1000);
        let m = format!("industry code `D{long}` is not a letter and 2-4 digits");
        let s = super::shorten_quoted(&m).unwrap();
        assert_eq!(
            s,
            format!(
                "industry code `D{}…` (1001 characters) is not a letter and 2-4 digits",
                "1".repeat(59)
            )
        );
        assert_eq!(super::shorten_quoted("short `x` value"), None);
        assert_eq!(super::shorten_quoted(&format!("unclosed `{long}")), None);
    }
}
