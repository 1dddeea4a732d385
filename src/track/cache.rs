//! The result cache (`.permitlint_cache/`, ruff's `.ruff_cache` is the
//! model): a bureau re-checks thousands of permits a month, most of them
//! unchanged, and an unchanged permit checked by an unchanged library on
//! the same date gives the same findings.
//!
//! An entry is keyed by a 128-bit hash of everything the result depends
//! on: the permit's name (it is in every finding) and bytes, the library's
//! content (every policy file, and which rules survived selection and
//! overriding), the as-of date, the loader limits, and the tool and entry
//! format versions. The permit's bytes, the only large part, are hashed
//! once with XXH3-128; that digest and the rest go through SipHash.
//!
//! An entry is a small binary record: the findings (with their spans, not
//! the text: the text is the permit's bytes, read anyway), the suppressed
//! findings and the rule counts. What a finding shares with its rule in
//! this library — its element, its department, its basis — is left out
//! when it equals the library's and filled in again from the library on
//! reading (the library is part of the key, so it is the same library).
//! Reading an entry checks its magic, format and full key, and every
//! length and span against what is left; anything that does not parse or
//! does not match is ignored and overwritten, never trusted. Files are
//! written to a temporary name and renamed, so a reader never sees half an
//! entry.
//!
//! Not cached: files that cannot be read as UTF-8 text or exceed the size
//! limit, runs that keep the permit (`--stats`) or record coverage, and
//! results with an internal error.

use crate::date::Date;
use crate::finding::{Finding, Label, Severity, Suppressed};
use crate::lang::library::Library;
use crate::permit::Limits;
use crate::span::{Source, SourceFile, Span};
use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Folder name, created where the run starts (or beside `permitlint.toml`).
pub const DIR: &str = ".permitlint_cache";

/// Entry format version: bump when the record layout or what it depends on
/// changes.
const FORMAT: u32 = 2;
const TAG: &str = "permitlint-cache";
/// First bytes of every entry.
const MAGIC: &[u8; 4] = b"PLC\x02";

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

    fn bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.0.to_le_bytes());
        b[8..].copy_from_slice(&self.1.to_le_bytes());
        b
    }
}

/// The running executable's size and modification time: a new build of
/// the same version gets new keys. `None` (hashed as such) when the
/// executable cannot be read; the version and the library still key it.
fn build_stamp() -> Option<(u64, std::time::SystemTime)> {
    let meta = std::env::current_exe().ok()?.metadata().ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// What a rule's findings share, taken from the library.
#[derive(Debug)]
struct RuleFields {
    element: String,
    basis: String,
}

/// A cache for one run: where entries live, what every key shares
/// (library, date, limits, versions), and the library's fields per rule.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    run: Key,
    /// Rules in force with one version on the date: element and basis.
    rules: FxHashMap<String, RuleFields>,
    /// Department of each routed element.
    departments: FxHashMap<String, String>,
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
        let mut rules: FxHashMap<String, RuleFields> = FxHashMap::default();
        let mut twice = Vec::new();
        for p in lib.in_force(as_of) {
            let fields = RuleFields {
                element: p.meta.element.clone(),
                basis: p.meta.basis.clone(),
            };
            if rules.insert(p.meta.id.clone(), fields).is_some() {
                twice.push(p.meta.id.clone());
            }
        }
        // A rule with two versions in force has no one set of fields.
        for id in twice {
            rules.remove(&id);
        }
        let mut departments = FxHashMap::default();
        for p in &lib.policies {
            let d = lib.department(&p.meta.element);
            departments.insert(p.meta.element.clone(), d);
        }
        departments.insert("document".into(), lib.department("document"));
        Some(Cache {
            dir,
            run,
            rules,
            departments,
        })
    }

    /// The key of the permit `name` with these bytes: XXH3-128 of the
    /// bytes (one fast pass), then SipHash over it, the name and the run.
    fn key(&self, name: &str, bytes: &[u8]) -> Key {
        let digest = twox_hash::XxHash3_128::oneshot(bytes);
        let run = self.run;
        Key::of(&|h: &mut dyn Hasher| {
            let mut h = h;
            run.0.hash(&mut h);
            run.1.hash(&mut h);
            name.hash(&mut h);
            bytes.len().hash(&mut h);
            digest.hash(&mut h);
        })
    }

    fn path(&self, key: Key) -> PathBuf {
        let hex = key.hex();
        self.dir.join(&hex[..2]).join(&hex[2..])
    }

    /// The cached result of the permit `name` whose text is `text`, if a
    /// valid entry exists; the text becomes the findings' source. On a
    /// miss the text is given back.
    pub fn get(&self, name: &str, text: String) -> Result<Cached, String> {
        let key = self.key(name, text.as_bytes());
        let Some(raw) = read_entry(&self.path(key)) else {
            return Err(text);
        };
        let source = SourceFile::new(name, text);
        match self.decode(&raw, key, &source) {
            Some(c) => Ok(c),
            // Nothing else holds the source yet: take the text back.
            None => Err(std::sync::Arc::try_unwrap(source)
                .map(|s| s.text)
                .unwrap_or_else(|s| s.text.clone())),
        }
    }

    fn decode(&self, raw: &[u8], key: Key, source: &Source) -> Option<Cached> {
        let mut r = Reader { b: raw };
        if r.take(4)? != MAGIC || r.take(16)? != key.bytes() {
            return None;
        }
        let len = source.text.len() as u32;
        let mut lines = Vec::new();
        let rules_applied = r.u32()? as usize;
        let rules_undecided = r.u32()? as usize;
        let n = r.count()?;
        let mut findings = Vec::with_capacity(n);
        for _ in 0..n {
            findings.push(self.read_finding(&mut r, source, len, &mut lines)?);
        }
        let n = r.count()?;
        let mut suppressed = Vec::with_capacity(n);
        for _ in 0..n {
            let finding = self.read_finding(&mut r, source, len, &mut lines)?;
            let reason = r.string()?;
            let comment_line = r.u32()? as usize;
            suppressed.push(Suppressed {
                finding,
                reason,
                comment_line,
            });
        }
        if !r.b.is_empty() {
            return None;
        }
        source.know_lines(lines);
        Some(Cached {
            findings,
            suppressed,
            rules_applied,
            rules_undecided,
        })
    }

    /// Store a result. Failures are ignored: the cache only ever saves time.
    pub fn put(&self, name: &str, text: &str, r: &Cached) {
        let key = self.key(name, text.as_bytes());
        let mut w = Vec::with_capacity(512 + 256 * r.findings.len());
        w.extend_from_slice(MAGIC);
        w.extend_from_slice(&key.bytes());
        let (Ok(applied), Ok(undecided)) = (
            u32::try_from(r.rules_applied),
            u32::try_from(r.rules_undecided),
        ) else {
            return;
        };
        put_u32(&mut w, applied);
        put_u32(&mut w, undecided);
        put_u32(&mut w, r.findings.len() as u32);
        for f in &r.findings {
            self.write_finding(&mut w, f);
        }
        put_u32(&mut w, r.suppressed.len() as u32);
        for s in &r.suppressed {
            self.write_finding(&mut w, &s.finding);
            put_str(&mut w, &s.reason);
            put_u32(&mut w, s.comment_line as u32);
        }
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
        if std::fs::write(&tmp, w).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    fn write_finding(&self, w: &mut Vec<u8>, f: &Finding) {
        let lib = self.rules.get(&f.rule);
        let element_lib = lib.is_some_and(|l| l.element == f.element);
        let basis_lib = lib.is_some_and(|l| f.basis.as_deref() == Some(l.basis.as_str()));
        let department_lib = self.departments.get(&f.element) == Some(&f.department);
        let flags = u8::from(element_lib)
            | u8::from(basis_lib) << 1
            | u8::from(department_lib) << 2
            | u8::from(f.basis.is_some()) << 3
            | u8::from(f.help.is_some()) << 4
            | u8::from(f.primary.is_some()) << 5;
        put_str(w, &f.rule);
        w.push(f.severity as u8);
        w.push(flags);
        if !element_lib {
            put_str(w, &f.element);
        }
        if !department_lib {
            put_str(w, &f.department);
        }
        if let Some(b) = &f.basis
            && !basis_lib
        {
            put_str(w, b);
        }
        if let Some(h) = &f.help {
            put_str(w, h);
        }
        put_str(w, &f.message);
        // Each span with the lines of its ends, so a warm run locates
        // findings without building the permit's line index.
        let put_span = |w: &mut Vec<u8>, s: Span| {
            put_u32(w, s.start);
            put_u32(w, s.end);
            put_u32(w, f.file.line_col(s.start).0 as u32);
            put_u32(w, f.file.line_col(s.end).0 as u32);
        };
        if let Some(p) = f.primary {
            put_span(w, p);
        }
        put_u32(w, f.labels.len() as u32);
        for l in &f.labels {
            put_span(w, l.span);
            put_str(w, &l.text);
        }
        put_str(w, &f.path);
        put_str(w, &f.field_zh);
    }

    /// One finding over `source`; `None` when anything does not fit (a
    /// foreign or corrupt entry, a span outside the text, a rule the
    /// library does not hold).
    fn read_finding(
        &self,
        r: &mut Reader<'_>,
        source: &Source,
        len: u32,
        lines: &mut Vec<(u32, u32)>,
    ) -> Option<Finding> {
        let mut span = |r: &mut Reader<'_>| -> Option<Span> {
            let (a, b, la, lb) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?);
            // A line is at least 1 and at most one more than the bytes
            // before it.
            if a > b || b > len || la == 0 || lb < la || la > a + 1 || lb > b + 1 {
                return None;
            }
            lines.push((a, la));
            lines.push((b, lb));
            Some(Span::new(a as usize, b as usize))
        };
        let rule = r.string()?;
        let severity = match r.u8()? {
            0 => Severity::Error,
            1 => Severity::Warning,
            2 => Severity::Notice,
            3 => Severity::Undecided,
            _ => return None,
        };
        let flags = r.u8()?;
        if flags >> 6 != 0 {
            return None;
        }
        let lib = if flags & 0b11 != 0 {
            Some(self.rules.get(&rule)?)
        } else {
            None
        };
        let element = match lib {
            Some(l) if flags & 1 != 0 => l.element.clone(),
            _ => r.string()?,
        };
        let department = if flags & 4 != 0 {
            self.departments.get(&element)?.clone()
        } else {
            r.string()?
        };
        let basis = match (flags & 8 != 0, lib) {
            (false, _) if flags & 2 != 0 => return None,
            (false, _) => None,
            (true, Some(l)) if flags & 2 != 0 => Some(l.basis.clone()),
            (true, _) => Some(r.string()?),
        };
        let help = if flags & 16 != 0 {
            Some(r.string()?)
        } else {
            None
        };
        let message = r.string()?;
        let primary = if flags & 32 != 0 {
            Some(span(r)?)
        } else {
            None
        };
        let n = r.count()?;
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let s = span(r)?;
            labels.push(Label {
                span: s,
                text: r.string()?,
            });
        }
        let path = r.string()?;
        let field_zh = r.string()?;
        Some(Finding {
            rule,
            severity,
            element,
            department,
            message,
            basis,
            help,
            file: source.clone(),
            primary,
            labels,
            path,
            field_zh,
        })
    }
}

/// Read an entry with one `read` call where it fits in 64 KiB (entries
/// are about 1.3 KB): no `stat` for its size and no second read to find
/// the end. A short read only makes an entry that does not decode, which
/// is a miss.
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    const CAP: usize = 64 * 1024;
    thread_local! {
        // Zeroed once per thread, reused for every entry.
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; CAP]);
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut out = BUF.with_borrow_mut(|buf| {
        loop {
            match file.read(buf) {
                Ok(n) => break Some(buf[..n].to_vec()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break None,
            }
        }
    })?;
    if out.len() == CAP {
        file.read_to_end(&mut out).ok()?;
    }
    Some(out)
}

fn put_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    put_u32(w, s.len() as u32);
    w.extend_from_slice(s.as_bytes());
}

/// Reads an entry front to back; every read checks what is left.
struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.b.len() {
            return None;
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so a corrupt count cannot make a huge allocation.
    fn count(&mut self) -> Option<usize> {
        let n = self.u32()? as usize;
        (n <= self.b.len()).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> Cache {
        let mut rules = FxHashMap::default();
        rules.insert(
            "air.x".to_string(),
            RuleFields {
                element: "air".into(),
                basis: "GB 1 表1".into(),
            },
        );
        let mut departments = FxHashMap::default();
        departments.insert("air".to_string(), "大气环境".to_string());
        departments.insert("document".to_string(), "环评与审批".to_string());
        Cache {
            dir: dir.to_path_buf(),
            run: Key(1, 2),
            rules,
            departments,
        }
    }

    const TEXT: &str = "a: 1\nb: \"苏州\"\n";

    fn finding(source: &Source) -> Finding {
        Finding {
            rule: "air.x".into(),
            severity: Severity::Warning,
            element: "air".into(),
            department: "大气环境".into(),
            message: "消息 \"q\"".into(),
            basis: Some("GB 1 表1".into()),
            help: Some("help".into()),
            file: source.clone(),
            primary: Some(Span::new(8, 14)),
            labels: vec![Label {
                span: Span::new(0, 1),
                text: "甲".into(),
            }],
            path: "b".into(),
            field_zh: "乙".into(),
        }
    }

    /// Findings of every shape: fields equal to the library's and not,
    /// no basis, no help, no span, a rule the library does not hold.
    fn result(source: &Source) -> Cached {
        let a = finding(source);
        let mut b = finding(source);
        b.basis = Some("another basis".into());
        b.element = "document".into();
        b.department = "环评与审批".into();
        let mut c = finding(source);
        c.rule = "document.unit".into();
        c.basis = None;
        c.help = None;
        c.primary = None;
        c.labels.clear();
        c.severity = Severity::Undecided;
        let mut d = finding(source);
        d.department = "其他".into();
        Cached {
            findings: vec![a, b, c],
            suppressed: vec![Suppressed {
                finding: d,
                reason: "原因".into(),
                comment_line: 3,
            }],
            rules_applied: 7,
            rules_undecided: 1,
        }
    }

    fn show(c: &Cached) -> String {
        let f = |f: &Finding| {
            format!(
                "{} {:?} {} {} {} {:?} {:?} {:?} {:?} {} {} {} {:?}",
                f.rule,
                f.severity,
                f.element,
                f.department,
                f.message,
                f.basis,
                f.help,
                f.primary,
                f.labels
                    .iter()
                    .map(|l| (l.span, l.text.clone()))
                    .collect::<Vec<_>>(),
                f.path,
                f.field_zh,
                f.file.name,
                f.primary
                    .iter()
                    .chain(f.labels.iter().map(|l| &l.span))
                    .map(|s| (f.file.line_col(s.start), f.file.line_col(s.end)))
                    .collect::<Vec<_>>()
            )
        };
        let mut s: Vec<String> = c.findings.iter().map(f).collect();
        s.extend(
            c.suppressed
                .iter()
                .map(|x| format!("{} {} {}", f(&x.finding), x.reason, x.comment_line)),
        );
        s.push(format!("{} {}", c.rules_applied, c.rules_undecided));
        s.join("\n")
    }

    #[test]
    fn an_entry_gives_back_what_was_stored() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let source = SourceFile::new("p.yaml", TEXT);
        let r = result(&source);
        assert!(c.get("p.yaml", TEXT.into()).is_err());
        c.put("p.yaml", TEXT, &r);
        let back = c.get("p.yaml", TEXT.into()).unwrap();
        assert_eq!(show(&back), show(&r));
        // Another name or other bytes: another key, no entry.
        assert!(c.get("q.yaml", TEXT.into()).is_err());
        assert!(c.get("p.yaml", format!("{TEXT} ")).is_err());
    }

    #[test]
    fn library_fields_are_not_stored_per_finding() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let source = SourceFile::new("p.yaml", TEXT);
        let f = finding(&source);
        let mut w = Vec::new();
        c.write_finding(&mut w, &f);
        let raw = String::from_utf8_lossy(&w);
        assert!(!raw.contains("GB 1 表1") && !raw.contains("大气环境"));
        // Read back by a cache whose library lacks the rule: refused.
        let mut other = cache(dir.path());
        other.rules.clear();
        let mut r = Reader { b: &w };
        let mut lines = Vec::new();
        assert!(
            other
                .read_finding(&mut r, &source, TEXT.len() as u32, &mut lines)
                .is_none()
        );
        let mut r = Reader { b: &w };
        let back = c
            .read_finding(&mut r, &source, TEXT.len() as u32, &mut lines)
            .unwrap();
        assert_eq!(back.basis.as_deref(), Some("GB 1 表1"));
        assert_eq!(back.department, "大气环境");
    }

    #[test]
    fn a_corrupt_entry_is_refused_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let source = SourceFile::new("p.yaml", TEXT);
        c.put("p.yaml", TEXT, &result(&source));
        let key = c.key("p.yaml", TEXT.as_bytes());
        let raw = std::fs::read(c.path(key)).unwrap();
        assert!(c.decode(&raw, key, &source).is_some());
        for n in 0..raw.len() {
            assert!(c.decode(&raw[..n], key, &source).is_none(), "cut at {n}");
        }
        for i in 0..raw.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = raw.clone();
                b[i] ^= bit;
                let _ = c.decode(&b, key, &source);
            }
        }
        // Another key (a foreign entry), or spans past a shorter text.
        assert!(c.decode(&raw, Key(9, 9), &source).is_none());
        let short = SourceFile::new("p.yaml", "a: 1\n");
        assert!(c.decode(&raw, key, &short).is_none());
    }
}
