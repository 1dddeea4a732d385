//! The result cache (`.permitlint_cache/`, ruff's `.ruff_cache` is the
//! model): a bureau re-checks thousands of permits a month, most of them
//! unchanged, and an unchanged permit checked by an unchanged library on
//! the same date gives the same findings.
//!
//! A result is keyed by a 128-bit hash of everything it depends on: the
//! permit's name (it is in every finding) and bytes, the library's content
//! (every policy file, and which rules survived selection and overriding),
//! the as-of date, the loader limits, and the tool's build and formats.
//! The permit's bytes, the only large part, are hashed once with
//! XXH3-128; that digest and the rest go through SipHash.
//!
//! All results of one run key live in one pack file ([`pack`]), read once
//! when the run opens the cache and written once when it ends: a warm run
//! makes no system call per entry. Each result ([`entry`]) carries its
//! findings with their regions resolved, so it can be reported without the
//! permit's text. Whether the permit must be read at all is git's
//! question: when its file metadata (device, inode, size, modification and
//! change times) equals the one recorded with the result, and that record
//! was made at least [`RACY_SECS`] after the file last changed (a change
//! within the file system's timestamp granularity would otherwise go
//! unseen), the bytes are the same and the file is not read. Otherwise it
//! is read and hashed, and the result is used only when the hash matches.
//! The human format shows source snippets, so it always reads the text.
//!
//! Anything that does not parse or does not match is ignored and
//! overwritten, never trusted. Not cached: files that cannot be read as
//! UTF-8 text or exceed the size limit, runs that keep the permit
//! (`--stats`) or record coverage, and results with an internal error.

mod entry;
mod layout;
mod pack;
mod pieces;
mod spool;

pub use entry::Cached;

use crate::date::Date;
use crate::lang::library::Library;
use crate::permit::Limits;
use crate::report::piece::Piece;
use crate::span::SourceFile;
use entry::LibFields;
use pack::{Body, Pack, Slot, Stat};
use pieces::Record;

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Folder name, created where the run starts (or beside `permitlint.toml`).
pub const DIR: &str = ".permitlint_cache";

/// Cache format version: bump when the pack or entry layout or what they
/// depend on changes. Each version has its own folder (`v4/`).
const FORMAT: u32 = 4;
const TAG: &str = "permitlint-cache";

/// Packs of other run keys (other dates, libraries, limits or builds) kept
/// beside the current one; older ones are deleted.
const KEEP_PACKS: usize = 8;

/// A permit's metadata is trusted alone only when it was recorded at
/// least this many seconds after the file last changed (git's "racy"
/// rule; file systems keep times in steps of up to 2 s).
pub const RACY_SECS: i64 = 2;

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

    pub(super) fn bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.0.to_le_bytes());
        b[8..].copy_from_slice(&self.1.to_le_bytes());
        b
    }

    pub(super) fn from_bytes(b: &[u8]) -> Option<Key> {
        let mut x = [0u8; 8];
        let mut y = [0u8; 8];
        x.copy_from_slice(b.get(..8)?);
        y.copy_from_slice(b.get(8..16)?);
        Some(Key(u64::from_le_bytes(x), u64::from_le_bytes(y)))
    }
}

/// The running executable's size and modification time: a new build of
/// the same version gets new keys. `None` (hashed as such) when the
/// executable cannot be read; the version and the library still key it.
fn build_stamp() -> Option<(u64, std::time::SystemTime)> {
    let meta = std::env::current_exe().ok()?.metadata().ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A cache for one run: the pack of its run key as read, the results this
/// run used or made, and the library's fields per rule.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    run: Key,
    fields: LibFields,
    /// The pack of the run key, read when first needed (a run whose every
    /// result comes from its pieces never reads it).
    old: OnceLock<Pack>,
    /// The pieces of the run's output format, when it renders them.
    pieces: Option<pieces::Store>,
    /// The new pack, written as results are made.
    spool: spool::Spool,
    /// When the run opened the cache (Unix seconds).
    started: i64,
    /// Results may be reported without their permit's text.
    text_free: bool,
    /// The results of this run: reused or new.
    slots: Mutex<Vec<Slot>>,
    unread: AtomicUsize,
    reread: AtomicUsize,
    missed: AtomicUsize,
}

impl Cache {
    /// Open (create) the cache folder under `root` for a run of `lib` as of
    /// `as_of`; `text_free` when the run's output needs no permit text
    /// (every format but human). `None` when the folder cannot be created:
    /// the run goes on uncached.
    pub fn open(
        root: &Path,
        lib: &Library,
        as_of: Date,
        limits: &Limits,
        text_free: bool,
    ) -> Option<Cache> {
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
        Some(Cache::new(
            dir,
            run,
            LibFields::of(lib, as_of),
            now_secs(),
            text_free,
        ))
    }

    /// The cache of run key `run` in `dir` (the folder of its format
    /// version), for a run that started at `started` (Unix seconds).
    fn new(dir: PathBuf, run: Key, fields: LibFields, started: i64, text_free: bool) -> Cache {
        let spool = pack::spool(dir.join(format!("{}.pack", run.hex())), run);
        Cache {
            dir,
            run,
            fields,
            old: OnceLock::new(),
            pieces: None,
            spool,
            started,
            text_free,
            slots: Mutex::new(Vec::new()),
            unread: AtomicUsize::new(0),
            reread: AtomicUsize::new(0),
            missed: AtomicUsize::new(0),
        }
    }

    /// Also keep the pieces of an output format whose renderer has key
    /// `piece_key` ([`crate::report::piece::Renderer::key`]).
    pub fn with_pieces(mut self, piece_key: u64) -> Cache {
        let path = self
            .dir
            .join(format!("{}-{piece_key:016x}.pieces", self.run.hex()));
        self.pieces = Some(pieces::Store::open(path, self.run, piece_key));
        self
    }

    fn old(&self) -> &Pack {
        self.old
            .get_or_init(|| Pack::read(&self.pack_path(), self.run))
    }

    /// The key of the permit `name` with these bytes: XXH3-128 of the
    /// bytes (one fast pass), then SipHash over it, the name and the run.
    pub fn key(&self, name: &str, bytes: &[u8]) -> Key {
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

    fn pack_path(&self) -> PathBuf {
        self.dir.join(format!("{}.pack", self.run.hex()))
    }

    /// Whether metadata recorded now may be trusted alone later: the file
    /// last changed long enough before the run.
    fn trusted(&self, stat: Option<Stat>) -> bool {
        stat.is_some_and(|s| s.settled_before(self.started - RACY_SECS))
    }

    /// Keep the result of `name` (key `key`, read from a file with
    /// metadata `meta`) for the pack this run writes.
    fn record(&self, name: &str, meta: &std::fs::Metadata, key: Key, body: Body) {
        let stat = Stat::of(meta);
        self.keep(Slot {
            name: name.to_string(),
            stat,
            trusted: self.trusted(stat),
            key,
            body,
        });
    }

    fn keep(&self, slot: Slot) {
        if let Ok(mut v) = self.slots.lock() {
            v.push(slot);
        }
    }

    /// The cached result of the permit `name` whose file has metadata
    /// `meta`, and its key, without reading it: only when the run may
    /// report without text and the metadata equals the trusted one
    /// recorded.
    pub fn by_metadata(&self, name: &str, meta: &std::fs::Metadata) -> Option<(Cached, Key)> {
        if !self.text_free || !meta.is_file() {
            return None;
        }
        let stat = Stat::of(meta)?;
        let old = self.old();
        let slot = old.slots.get(name)?;
        if !slot.trusted || slot.stat != Some(stat) {
            return None;
        }
        let raw = old.body(slot)?;
        let source = SourceFile::new(name, String::new());
        let c = self.fields.decode(raw, slot.key, &source, meta.len())?;
        // Unchanged: carried into the next pack as a slot not seen.
        self.unread.fetch_add(1, Ordering::Relaxed);
        Some((c, slot.key))
    }

    /// The cached result of the permit `name` whose text is `text`, of key
    /// `key` (read from a file with metadata `meta`), if the pack holds a
    /// valid one for these bytes; the text becomes the findings' source.
    /// On a miss the text is given back.
    pub fn get(
        &self,
        name: &str,
        key: Key,
        text: String,
        meta: &std::fs::Metadata,
    ) -> Result<Cached, String> {
        let old = self.old();
        let Some(slot) = old.slots.get(name).filter(|s| s.key == key) else {
            self.missed.fetch_add(1, Ordering::Relaxed);
            return Err(text);
        };
        let Some(raw) = old.body(slot) else {
            self.missed.fetch_add(1, Ordering::Relaxed);
            return Err(text);
        };
        let len = text.len() as u64;
        let source = SourceFile::new(name, text);
        match self.fields.decode(raw, key, &source, len) {
            Some(c) => {
                self.record(name, meta, key, slot.body.clone());
                self.reread.fetch_add(1, Ordering::Relaxed);
                Ok(c)
            }
            None => {
                self.missed.fetch_add(1, Ordering::Relaxed);
                // Nothing else holds the source yet: take the text back.
                Err(std::sync::Arc::try_unwrap(source)
                    .map(|s| s.text)
                    .unwrap_or_else(|s| s.text.clone()))
            }
        }
    }

    /// Store the result of the permit `name` of key `key`, read from a
    /// file with metadata `meta` (written with the pack at the end of the
    /// run).
    pub fn put(&self, name: &str, key: Key, meta: &std::fs::Metadata, r: &Cached) {
        let Some(body) = self.fields.encode(key, r) else {
            return;
        };
        let Ok(len) = u32::try_from(body.len()) else {
            return;
        };
        let sum = twox_hash::XxHash3_128::oneshot(&body);
        // Not kept when the new pack cannot be written.
        let Some(offset) = self.spool.append(&body) else {
            return;
        };
        self.record(name, meta, key, Body::Spooled { offset, len, sum });
    }

    /// The piece of the permit `name` whose file has metadata `meta`,
    /// without reading it (the metadata equals the trusted one recorded),
    /// with the rules applied and undecided.
    pub fn piece_unread(&self, name: &str, meta: &std::fs::Metadata) -> Option<(Piece, u32, u32)> {
        let store = self.pieces.as_ref()?;
        if !meta.is_file() {
            return None;
        }
        let stat = Stat::of(meta)?;
        let rec = store.records.get(name)?;
        if !rec.trusted || rec.stat != Some(stat) {
            return None;
        }
        let piece = store.piece(rec)?;
        // Unchanged: carried into the next file as a record not seen.
        self.unread.fetch_add(1, Ordering::Relaxed);
        Some((piece, rec.rules_applied, rec.rules_undecided))
    }

    /// The piece of the permit `name` whose bytes (read from a file with
    /// metadata `meta`) have the key `key`.
    pub fn piece_read(
        &self,
        name: &str,
        key: Key,
        meta: &std::fs::Metadata,
    ) -> Option<(Piece, u32, u32)> {
        let store = self.pieces.as_ref()?;
        let rec = store.records.get(name).filter(|r| r.key == key)?;
        let piece = store.piece(rec)?;
        let stat = Stat::of(meta);
        store.keep(Record {
            stat,
            trusted: self.trusted(stat),
            ..rec.clone()
        });
        self.reread.fetch_add(1, Ordering::Relaxed);
        Some((piece, rec.rules_applied, rec.rules_undecided))
    }

    /// Store the piece of the permit `name` of key `key`, read from a file
    /// with metadata `meta`, `rules` (applied, undecided) run over it.
    pub fn put_piece(
        &self,
        name: &str,
        key: Key,
        meta: &std::fs::Metadata,
        piece: &Piece,
        rules: (usize, usize),
    ) {
        let Some(store) = &self.pieces else { return };
        let (Ok(applied), Ok(undecided)) = (u32::try_from(rules.0), u32::try_from(rules.1)) else {
            return;
        };
        let mut counts = [0u32; 4];
        for (c, n) in counts.iter_mut().zip(piece.counts) {
            let Ok(n) = u32::try_from(n) else { return };
            *c = n;
        }
        let stat = Stat::of(meta);
        let trusted = self.trusted(stat);
        // The same bytes give the same piece: the text already kept for
        // them stays (the file is rewritten only if the metadata changed).
        if let Some(old) = store.records.get(name)
            && old.key == key
        {
            store.keep(Record {
                stat,
                trusted,
                ..old.clone()
            });
            return;
        }
        let Some(text) = store.spool(piece.bytes()) else {
            return;
        };
        store.keep(Record {
            name: name.to_string(),
            stat,
            trusted,
            key,
            rules_applied: applied,
            rules_undecided: undecided,
            counts,
            text,
        });
    }

    /// Write the pack and the pieces when this run changed them: the
    /// results it used or made, and those of permits it did not check (a
    /// run over part of a folder keeps the rest's). Then delete the oldest
    /// files of other run keys beyond [`KEEP_PACKS`].
    pub fn save(&self) {
        let mut wrote = false;
        if let Ok(mut slots) = self.slots.lock()
            && !slots.is_empty()
        {
            let old = self.old();
            let all = layout::merge(
                &old.slots,
                &slots,
                |s| &s.name,
                |o, s| {
                    matches!(s.body, Body::Old(_))
                        && o.key == s.key
                        && o.stat == s.stat
                        && o.trusted == s.trusted
                },
            );
            match all {
                Some(all) => {
                    if let Some(mut w) = self.spool.finish() {
                        wrote = old.finish(&mut w, &all).is_some() && self.spool.commit(w);
                    }
                }
                None => self.spool.discard(),
            }
            slots.clear();
        }
        if let Some(store) = &self.pieces {
            wrote |= store.save();
        }
        if wrote {
            self.prune();
        }
    }

    fn prune(&self) {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let current = self.pack_path();
        let pieces = self.pieces.as_ref().map(|p| p.path.clone());
        let mut packs: Vec<(std::time::SystemTime, PathBuf)> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "pack" || x == "pieces")
                    && *p != current
                    && Some(p) != pieces.as_ref()
            })
            .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
            .collect();
        packs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (_, p) in packs.into_iter().skip(KEEP_PACKS) {
            let _ = std::fs::remove_file(p);
        }
        // Temporary files of runs that were killed before their end.
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for e in rd.filter_map(Result::ok) {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let stale = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < hour_ago);
            if name.starts_with('.') && name.ends_with(".tmp") && stale {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// One line for the run's summary: how many results were reused, and
    /// how many of those without reading the permit.
    pub fn summary(&self) -> String {
        let unread = self.unread.load(Ordering::Relaxed);
        let reread = self.reread.load(Ordering::Relaxed);
        let missed = self.missed.load(Ordering::Relaxed);
        let mut line = format!(
            "cache: {} of {} result(s) reused ({unread} without reading the permit)",
            unread + reread,
            unread + reread + missed
        );
        // Never silent: a run whose results could not be kept says so
        // (the next run checks every permit again).
        let failures = [
            self.spool.failure(),
            self.pieces.as_ref().and_then(pieces::Store::failure),
        ];
        for why in failures.into_iter().flatten() {
            line.push_str(&format!("\nwarning: the result cache was not saved: {why}"));
        }
        line
    }
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
mod tests;
