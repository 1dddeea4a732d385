//! The result cache (`.permitlint_cache/`, ruff's `.ruff_cache` is the
//! model): a bureau re-checks thousands of permits a month, most of them
//! unchanged, and an unchanged permit checked by an unchanged library on
//! the same date gives the same findings.
//!
//! An entry is keyed by a 128-bit hash of everything the result depends
//! on: the permit's name (it is in every finding) and bytes, the library's
//! content (every policy file, and which rules survived selection and
//! overriding), the as-of date, the loader limits, and the tool and entry
//! format versions. It stores the findings (with their spans, not the
//! text: the text is the permit's bytes, read anyway), the suppressed
//! findings and the rule counts. Reading an entry checks its format tag
//! and full key; anything that does not parse or does not match is
//! ignored and overwritten, never trusted. Files are written to a
//! temporary name and renamed, so a reader never sees half an entry.
//!
//! Not cached: files that cannot be read as UTF-8 text or exceed the size
//! limit, runs that keep the permit (`--stats`) or record coverage, and
//! results with an internal error.

use crate::date::Date;
use crate::finding::{Finding, Label, Severity, Suppressed};
use crate::lang::library::Library;
use crate::permit::Limits;
use crate::span::{Source, SourceFile, Span};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Folder name, created where the run starts (or beside `permitlint.toml`).
pub const DIR: &str = ".permitlint_cache";

/// Entry format version: bump when [`Entry`] or what it depends on changes.
const FORMAT: u32 = 1;
const TAG: &str = "permitlint-cache";

/// A 128-bit key: two SipHash-1-3 passes with different prefixes (fixed
/// keys, so the same input gives the same key in every run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(u64, u64);

impl Key {
    fn of(parts: &dyn Fn(&mut dyn Hasher)) -> Key {
        let mut a = std::hash::DefaultHasher::new();
        0xA5u8.hash(&mut a);
        parts(&mut a);
        let mut b = std::hash::DefaultHasher::new();
        0x5Au8.hash(&mut b);
        parts(&mut b);
        Key(a.finish(), b.finish())
    }

    pub fn hex(self) -> String {
        format!("{:016x}{:016x}", self.0, self.1)
    }
}

/// A cache for one run: where entries live and what every key shares
/// (library, date, limits, versions).
/// The running executable's size and modification time: a new build of
/// the same version gets new keys. `None` (hashed as such) when the
/// executable cannot be read; the version and the library still key it.
fn build_stamp() -> Option<(u64, std::time::SystemTime)> {
    let meta = std::env::current_exe().ok()?.metadata().ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    run: Key,
}

impl Cache {
    /// Open (create) the cache folder under `root` for a run of `lib` as of
    /// `as_of`. `None` when the folder cannot be created: the run goes on
    /// uncached.
    pub fn open(root: &Path, lib: &Library, as_of: Date, limits: &Limits) -> Option<Cache> {
        let top = root.join(DIR);
        let dir = top.join(format!("v{FORMAT}"));
        std::fs::create_dir_all(&dir).ok()?;
        // Mark the folder as a cache (backup tools skip it) and keep it out
        // of version control, as ruff does.
        let tag = top.join("CACHEDIR.TAG");
        if !tag.exists() {
            let _ = std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# permitlint result cache\n",
            );
            let _ = std::fs::write(top.join(".gitignore"), "*\n");
        }
        let run = Key::of(&|h: &mut dyn Hasher| {
            let mut h = h;
            TAG.hash(&mut h);
            FORMAT.hash(&mut h);
            env!("CARGO_PKG_VERSION").hash(&mut h);
            // The build, not only the version: a rebuilt binary of the same
            // version (a fix to the evaluator or a builtin) must not reuse
            // the results of the old one.
            build_stamp().hash(&mut h);
            as_of.to_string().hash(&mut h);
            limits.max_file_bytes.hash(&mut h);
            limits.max_depth.hash(&mut h);
            limits.max_alias_nodes.hash(&mut h);
            library_hash(lib, &mut h);
        });
        Some(Cache { dir, run })
    }

    fn key(&self, name: &str, bytes: &[u8]) -> Key {
        let run = self.run;
        Key::of(&|h: &mut dyn Hasher| {
            let mut h = h;
            run.0.hash(&mut h);
            run.1.hash(&mut h);
            name.hash(&mut h);
            bytes.hash(&mut h);
        })
    }

    fn path(&self, key: Key) -> PathBuf {
        let hex = key.hex();
        self.dir.join(&hex[..2]).join(&hex[2..])
    }

    /// The cached result of the permit `name` with these bytes, if a valid
    /// entry exists. `text` becomes the findings' source.
    pub fn get(&self, name: &str, text: &str) -> Option<Cached> {
        let key = self.key(name, text.as_bytes());
        let raw = std::fs::read(self.path(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&raw).ok()?;
        if entry.tag != TAG || entry.format != FORMAT || entry.key != key.hex() {
            return None;
        }
        let source = SourceFile::new(name, text);
        let len = text.len() as u32;
        let findings = entry
            .findings
            .into_iter()
            .map(|f| f.restore(&source, len))
            .collect::<Option<Vec<_>>>()?;
        let suppressed = entry
            .suppressed
            .into_iter()
            .map(|s| {
                Some(Suppressed {
                    finding: s.finding.restore(&source, len)?,
                    reason: s.reason,
                    comment_line: s.comment_line,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Cached {
            findings,
            suppressed,
            rules_applied: entry.rules_applied,
            rules_undecided: entry.rules_undecided,
        })
    }

    /// Store a result. Failures are ignored: the cache only ever saves time.
    pub fn put(&self, name: &str, text: &str, r: &Cached) {
        let key = self.key(name, text.as_bytes());
        let entry = Entry {
            tag: TAG.into(),
            format: FORMAT,
            key: key.hex(),
            findings: r.findings.iter().map(Stored::of).collect(),
            suppressed: r
                .suppressed
                .iter()
                .map(|s| StoredSuppressed {
                    finding: Stored::of(&s.finding),
                    reason: s.reason.clone(),
                    comment_line: s.comment_line,
                })
                .collect(),
            rules_applied: r.rules_applied,
            rules_undecided: r.rules_undecided,
        };
        let Ok(json) = serde_json::to_vec(&entry) else {
            return;
        };
        let path = self.path(key);
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        // Unique per process and thread: concurrent writers never share a
        // temporary file.
        let tmp = parent.join(format!(
            ".{}.{}.{:?}.tmp",
            &key.hex()[2..],
            std::process::id(),
            std::thread::current().id()
        ));
        if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// What a cached check gives back.
#[derive(Debug)]
pub struct Cached {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub rules_applied: usize,
    pub rules_undecided: usize,
}

/// The library's content: every policy file (name and text), and the
/// rules that run (id and version, after overriding and selection).
fn library_hash(lib: &Library, h: &mut dyn Hasher) {
    let mut h = h;
    lib.sources.len().hash(&mut h);
    for s in &lib.sources {
        s.name.hash(&mut h);
        s.text.hash(&mut h);
    }
    lib.policies.len().hash(&mut h);
    for p in &lib.policies {
        p.meta.id.hash(&mut h);
        p.meta.version.hash(&mut h);
        p.meta.file.hash(&mut h);
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    tag: String,
    format: u32,
    key: String,
    findings: Vec<Stored>,
    suppressed: Vec<StoredSuppressed>,
    rules_applied: usize,
    rules_undecided: usize,
}

#[derive(Serialize, Deserialize)]
struct StoredSuppressed {
    finding: Stored,
    reason: String,
    comment_line: usize,
}

/// A finding without its source text.
#[derive(Serialize, Deserialize)]
struct Stored {
    rule: String,
    severity: Severity,
    element: String,
    department: String,
    message: String,
    basis: Option<String>,
    help: Option<String>,
    primary: Option<(u32, u32)>,
    labels: Vec<(u32, u32, String)>,
    path: String,
    field_zh: String,
}

impl Stored {
    fn of(f: &Finding) -> Stored {
        Stored {
            rule: f.rule.clone(),
            severity: f.severity,
            element: f.element.clone(),
            department: f.department.clone(),
            message: f.message.clone(),
            basis: f.basis.clone(),
            help: f.help.clone(),
            primary: f.primary.map(|s| (s.start, s.end)),
            labels: f
                .labels
                .iter()
                .map(|l| (l.span.start, l.span.end, l.text.clone()))
                .collect(),
            path: f.path.clone(),
            field_zh: f.field_zh.clone(),
        }
    }

    /// Back to a finding over `source`; `None` when a span does not fit
    /// the text (a foreign or corrupt entry).
    fn restore(self, source: &Source, len: u32) -> Option<Finding> {
        let span =
            |(a, b): (u32, u32)| (a <= b && b <= len).then(|| Span::new(a as usize, b as usize));
        let primary = match self.primary {
            Some(p) => Some(span(p)?),
            None => None,
        };
        let labels = self
            .labels
            .into_iter()
            .map(|(a, b, text)| {
                Some(Label {
                    span: span((a, b))?,
                    text,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Finding {
            rule: self.rule,
            severity: self.severity,
            element: self.element,
            department: self.department,
            message: self.message,
            basis: self.basis,
            help: self.help,
            file: source.clone(),
            primary,
            labels,
            path: self.path,
            field_zh: self.field_zh,
        })
    }
}
