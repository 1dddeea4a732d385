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
//! The file is an index followed by the texts. A run reads the index (a
//! few hundred bytes a permit) when it opens the cache, and each text it
//! uses with one positioned read, on the worker thread that needs it: the
//! texts (the whole report, tens of megabytes for ten thousand permits) are
//! never read into memory at once. Written again at the end of a run that
//! changed it (to a temporary name, then renamed).
//!
//! Layout: `PLQ\x02`, the run key (16 bytes), the piece key (8), a count,
//! the index's length (8), the index, its XXH3-128 (16), then the texts.
//! Per index record: the name, a flag byte (1: metadata present,
//! 2: trusted), the metadata (7 × 8 bytes), the key of the bytes (16), the
//! rules applied and undecided (2 × 4), the counts by severity (4 × 4), the
//! text's offset among the texts (8), its length (4) and its XXH3-128 (16).
//! A file whose header or index does not parse or match is ignored whole;
//! a text that does not give its sum, or is not UTF-8, is ignored alone.

use super::Key;
use super::entry::{Reader, put_str, put_u32, put_u64};
use super::pack::Stat;
use crate::report::piece::Piece;
use rustc_hash::FxHashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

const MAGIC: &[u8; 4] = b"PLQ\x02";
/// Magic, run key, piece key, count and index length.
const HEADER: usize = 4 + 16 + 8 + 4 + 8;

/// Where a record's text is.
#[derive(Clone, Debug)]
pub enum Text {
    /// In the file read at the start: `len` bytes at `offset` among the
    /// texts, whose XXH3-128 is `sum`.
    At { offset: u64, len: u32, sum: u128 },
    /// A range of a piece's own buffer.
    New(Arc<Vec<u8>>, std::ops::Range<usize>),
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

/// A pieces file as opened: its records by permit name, and the file for
/// reading their texts.
#[derive(Debug, Default)]
pub struct Pieces {
    file: Option<File>,
    /// Where the texts start in the file.
    texts: u64,
    pub records: FxHashMap<String, Record>,
}

impl Pieces {
    /// The pieces at `path` of `run` in the format `piece_key`; empty when
    /// there are none, or the file does not parse, or is another's.
    pub fn read(path: &Path, run: Key, piece_key: u64) -> Pieces {
        open(path, run, piece_key).unwrap_or_default()
    }

    /// The text of `record` (a record of this file or a new one).
    fn text(&self, record: &Record) -> Option<Vec<u8>> {
        match &record.text {
            Text::At { offset, len, sum } => {
                let mut buf = vec![0u8; *len as usize];
                read_at(
                    self.file.as_ref()?,
                    &mut buf,
                    self.texts.checked_add(*offset)?,
                )?;
                (twox_hash::XxHash3_128::oneshot(&buf) == *sum).then_some(buf)
            }
            Text::New(b, r) => b.get(r.clone()).map(<[u8]>::to_vec),
        }
    }

    /// The piece of `record` with its counts; `None` when its text cannot
    /// be read, does not give its sum, or is not UTF-8.
    pub fn piece(&self, record: &Record) -> Option<Piece> {
        let counts = record.counts.map(|c| c as usize);
        match &record.text {
            Text::At { .. } => Piece::from_utf8(self.text(record)?, counts),
            Text::New(b, r) => Piece::shared(b.clone(), r.clone(), counts),
        }
    }

    /// Write `records` (sorted by name) as the pieces of `run` in the
    /// format `piece_key` at `path`: to a temporary file, then renamed. A
    /// record whose text cannot be read again is left out. Failures are
    /// ignored: the cache only ever saves time.
    pub fn write(&self, path: &Path, run: Key, piece_key: u64, records: &[&Record]) {
        let items: Vec<(&Record, Vec<u8>)> = records
            .iter()
            .filter_map(|r| Some((*r, self.text(r)?)))
            .collect();
        let mut index = Vec::with_capacity(items.len() * 200);
        let mut offset = 0u64;
        for (r, text) in &items {
            put_str(&mut index, &r.name);
            index.push(u8::from(r.stat.is_some()) | u8::from(r.trusted && r.stat.is_some()) << 1);
            if let Some(st) = &r.stat {
                st.write(&mut index);
            }
            index.extend_from_slice(&r.key.bytes());
            put_u32(&mut index, r.rules_applied);
            put_u32(&mut index, r.rules_undecided);
            for c in r.counts {
                put_u32(&mut index, c);
            }
            put_u64(&mut index, offset);
            put_u32(&mut index, text.len() as u32);
            index.extend_from_slice(&twox_hash::XxHash3_128::oneshot(text).to_le_bytes());
            offset += text.len() as u64;
        }
        let mut w = Vec::with_capacity(HEADER + index.len() + 16 + offset as usize);
        w.extend_from_slice(MAGIC);
        w.extend_from_slice(&run.bytes());
        put_u64(&mut w, piece_key);
        put_u32(&mut w, items.len() as u32);
        put_u64(&mut w, index.len() as u64);
        w.extend_from_slice(&index);
        w.extend_from_slice(&twox_hash::XxHash3_128::oneshot(&index).to_le_bytes());
        for (_, text) in &items {
            w.extend_from_slice(text);
        }
        super::write_atomic(path, &w);
    }
}

/// Read the header and the index of the pieces at `path`.
fn open(path: &Path, run: Key, piece_key: u64) -> Option<Pieces> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut head = [0u8; HEADER];
    read_at(&file, &mut head, 0)?;
    let mut r = Reader { b: &head };
    if r.take(4)? != MAGIC || r.take(16)? != run.bytes() || r.u64()? != piece_key {
        return None;
    }
    let n = r.u32()? as usize;
    let index_len = r.u64()?;
    // The index and its sum must fit in the file before any allocation.
    let texts = (HEADER as u64)
        .checked_add(index_len)?
        .checked_add(16)
        .filter(|&t| t <= size)?;
    let mut index = vec![0u8; usize::try_from(index_len).ok()?];
    read_at(&file, &mut index, HEADER as u64)?;
    let mut sum = [0u8; 16];
    read_at(&file, &mut sum, HEADER as u64 + index_len)?;
    if twox_hash::XxHash3_128::oneshot(&index).to_le_bytes() != sum {
        return None;
    }
    let room = size - texts;
    let mut r = Reader { b: &index };
    let mut records = FxHashMap::default();
    records.reserve(n.min(index.len()));
    for _ in 0..n {
        let name = r.string()?;
        let flags = r.u8()?;
        if flags >> 2 != 0 {
            return None;
        }
        let stat = if flags & 1 != 0 {
            Some(Stat::read(&mut r)?)
        } else {
            None
        };
        let key = Key::from_bytes(r.take(16)?)?;
        let rules_applied = r.u32()?;
        let rules_undecided = r.u32()?;
        let mut counts = [0u32; 4];
        for c in &mut counts {
            *c = r.u32()?;
        }
        let offset = r.u64()?;
        let len = r.u32()?;
        let mut s = [0u8; 16];
        s.copy_from_slice(r.take(16)?);
        if offset.checked_add(u64::from(len))? > room {
            return None;
        }
        records.insert(
            name.clone(),
            Record {
                name,
                stat,
                trusted: flags & 2 != 0 && stat.is_some(),
                key,
                rules_applied,
                rules_undecided,
                counts,
                text: Text::At {
                    offset,
                    len,
                    sum: u128::from_le_bytes(s),
                },
            },
        );
    }
    r.b.is_empty().then_some(Pieces {
        file: Some(file),
        texts,
        records,
    })
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
