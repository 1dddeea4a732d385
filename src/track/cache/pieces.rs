//! Pieces: each permit's rendered output in one format
//! ([`crate::report::piece`]), kept beside the pack of its run key in
//! `<run key>-<piece key>.pieces`, so that a warm run of that format writes
//! an unchanged permit's output without decoding its findings.
//!
//! A piece stands on its own: its record carries the permit's file
//! metadata (and whether it is trusted, as in the pack), the key of the
//! bytes it was rendered from, the rule counts and the findings' counts by
//! severity, so the pack need not be read at all when every piece is used.
//!
//! The file is the texts followed by their index. A run reads the index (a
//! few hundred bytes a permit) when it opens the cache, and each text it
//! uses with one positioned read, on the worker thread that needs it; the
//! texts (the whole report, tens of megabytes for ten thousand permits) are
//! never in memory at once. A run that makes new pieces appends them to a
//! new file as they come ([`super::spool`]), then at its end the old texts
//! it keeps and the index, and renames the file over the old one: memory
//! holds the index, not the texts.
//!
//! Layout: `PLQ\x03`, the run key (16 bytes), the piece key (8), the
//! texts, the index, then a footer: the index's length (8), the count of
//! records (4) and the index's XXH3-128 (16). Per index record: the name, a
//! flag byte (1: metadata present, 2: trusted), the metadata (7 × 8
//! bytes), the key of the bytes (16), the rules applied and undecided
//! (2 × 4), the counts by severity (4 × 4), the text's offset in the file
//! (8), its length (4) and its XXH3-128 (16). A file whose header, footer
//! or index does not parse or match is ignored whole; a text that does not
//! give its sum, or is not UTF-8, is ignored alone.

use super::Key;
use super::entry::{Reader, put_u32, put_u64};
use super::layout;
use super::pack::Stat;
use super::spool::{Spool, Writer};
use crate::report::piece::Piece;
use rustc_hash::FxHashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const MAGIC: &[u8; 4] = b"PLQ\x03";
/// Magic, run key and piece key.
const HEADER: u64 = 4 + 16 + 8;

/// Where a record's text is: `len` bytes at `offset`, whose XXH3-128 is
/// `sum`, in the file read at the start (`old`) or in this run's spool.
#[derive(Clone, Copy, Debug)]
pub struct Text {
    pub old: bool,
    pub offset: u64,
    pub len: u32,
    pub sum: u128,
}

/// One permit's piece, with what it was made from.
#[derive(Clone, Debug)]
pub struct Record {
    pub name: String,
    pub stat: Option<Stat>,
    pub trusted: bool,
    pub key: Key,
    pub rules_applied: u32,
    pub rules_undecided: u32,
    pub counts: [u32; 4],
    pub text: Text,
}

/// The pieces of one run key and output format: the file as read, the
/// records this run used or made, and the spool of new texts.
#[derive(Debug)]
pub struct Store {
    pub path: PathBuf,
    old: Option<File>,
    pub records: FxHashMap<String, Record>,
    kept: Mutex<Vec<Record>>,
    spool: Spool,
}

impl Store {
    /// The pieces at `path` of `run` in the format `piece_key`; none when
    /// there are none, or the file does not parse, or is another's.
    pub fn open(path: PathBuf, run: Key, piece_key: u64) -> Store {
        let (old, records) = match read_index(&path, run, piece_key) {
            Some((file, records)) => (Some(file), records),
            None => (None, FxHashMap::default()),
        };
        let mut header = Vec::with_capacity(HEADER as usize);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&run.bytes());
        put_u64(&mut header, piece_key);
        Store {
            spool: Spool::new(path.clone(), header),
            path,
            old,
            records,
            kept: Mutex::new(Vec::new()),
        }
    }

    /// The text of an old record, read and checked against its sum.
    fn old_text(&self, t: Text) -> Option<Vec<u8>> {
        if !t.old {
            return None;
        }
        let mut buf = vec![0u8; t.len as usize];
        read_at(self.old.as_ref()?, &mut buf, t.offset)?;
        (twox_hash::XxHash3_128::oneshot(&buf) == t.sum).then_some(buf)
    }

    /// The piece of an old `record` with its counts; `None` when its text
    /// cannot be read, does not give its sum, or is not UTF-8.
    pub fn piece(&self, record: &Record) -> Option<Piece> {
        Piece::from_utf8(
            self.old_text(record.text)?,
            record.counts.map(|c| c as usize),
        )
    }

    /// Why the new pieces file could not be written, when it could not.
    pub fn failure(&self) -> Option<String> {
        self.spool.failure()
    }

    /// Keep `record` for the file this run writes.
    pub fn keep(&self, record: Record) {
        if let Ok(mut v) = self.kept.lock() {
            v.push(record);
        }
    }

    /// Append `text` to the spool; where it went, or `None` when it could
    /// not be written (the run goes on; the pieces file is not replaced).
    pub fn spool(&self, text: &[u8]) -> Option<Text> {
        let len = u32::try_from(text.len()).ok()?;
        let sum = twox_hash::XxHash3_128::oneshot(text);
        let offset = self.spool.append(text)?;
        Some(Text {
            old: false,
            offset,
            len,
            sum,
        })
    }

    /// Write the pieces when this run changed them (the records it used or
    /// made, and those of permits it did not check); whether it did.
    pub fn save(&self) -> bool {
        let Ok(mut kept) = self.kept.lock() else {
            return false;
        };
        let all = layout::merge(
            &self.records,
            &kept,
            |r| &r.name,
            |o, r| r.text.old && o.key == r.key && o.stat == r.stat && o.trusted == r.trusted,
        );
        let wrote = match all {
            Some(all) => self
                .spool
                .finish()
                .is_some_and(|mut w| self.finish(&mut w, &all).is_some() && self.spool.commit(w)),
            None => {
                self.spool.discard();
                false
            }
        };
        kept.clear();
        wrote
    }

    /// Append the old texts of `all` still kept, the index and the footer
    /// to the spool's file.
    fn finish(&self, w: &mut Writer, all: &[&Record]) -> Option<()> {
        let mut index = Vec::with_capacity(all.len() * 200);
        let mut count = 0u32;
        for r in all {
            let mut t = r.text;
            if t.old {
                // A text that no longer reads (the file changed under the
                // run) is left out with its record.
                let Some(text) = self.old_text(t) else {
                    continue;
                };
                t.offset = w.append(&text).ok()?;
            }
            layout::write_head(&mut index, &r.name, r.stat, r.trusted, r.key);
            put_u32(&mut index, r.rules_applied);
            put_u32(&mut index, r.rules_undecided);
            for c in r.counts {
                put_u32(&mut index, c);
            }
            layout::write_place(&mut index, t.offset, t.len, t.sum);
            count += 1;
        }
        w.append(&index).ok()?;
        w.append(&layout::footer(&index, count)).ok()?;
        Some(())
    }
}

/// Read the header, the footer and the index of the pieces at `path`.
fn read_index(path: &Path, run: Key, piece_key: u64) -> Option<(File, FxHashMap<String, Record>)> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let body_end = size
        .checked_sub(layout::FOOTER as u64)
        .filter(|&e| e >= HEADER)?;
    let mut head = [0u8; HEADER as usize];
    read_at(&file, &mut head, 0)?;
    let mut r = Reader { b: &head };
    if r.take(4)? != MAGIC || r.take(16)? != run.bytes() || r.u64()? != piece_key {
        return None;
    }
    let mut foot = [0u8; layout::FOOTER];
    read_at(&file, &mut foot, body_end)?;
    let (index_len, n, sum) = layout::read_footer(&foot)?;
    // The index must fit between the header and the footer before any
    // allocation.
    let texts_end = body_end.checked_sub(index_len).filter(|&t| t >= HEADER)?;
    let mut index = vec![0u8; usize::try_from(index_len).ok()?];
    read_at(&file, &mut index, texts_end)?;
    if !layout::index_matches(&index, &sum) {
        return None;
    }
    let mut r = Reader { b: &index };
    let mut records = FxHashMap::default();
    records.reserve(n.min(index.len()));
    for _ in 0..n {
        let (name, stat, trusted, key) = layout::read_head(&mut r)?;
        let rules_applied = r.u32()?;
        let rules_undecided = r.u32()?;
        let mut counts = [0u32; 4];
        for c in &mut counts {
            *c = r.u32()?;
        }
        let (offset, len, sum) = layout::read_place(&mut r)?;
        if offset < HEADER || offset.checked_add(u64::from(len))? > texts_end {
            return None;
        }
        records.insert(
            name.clone(),
            Record {
                name,
                stat,
                trusted,
                key,
                rules_applied,
                rules_undecided,
                counts,
                text: Text {
                    old: true,
                    offset,
                    len,
                    sum,
                },
            },
        );
    }
    r.b.is_empty().then_some((file, records))
}

/// Fill `buf` from `file` at `offset` (one positioned read: threads share
/// the file without a cursor); `None` on any error or a short file.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> Option<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset).ok()
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], mut offset: u64) -> Option<()> {
    use std::os::windows::fs::FileExt;
    let mut at = 0;
    while at < buf.len() {
        match file.seek_read(&mut buf[at..], offset) {
            Ok(0) | Err(_) => return None,
            Ok(n) => {
                at += n;
                offset += n as u64;
            }
        }
    }
    Some(())
}

/// Elsewhere no positioned read: no pieces are read.
#[cfg(not(any(unix, windows)))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> Option<()> {
    None
}
