//! The pack: every entry of one run key (library, date, limits, build) in
//! one file, `<run key>.pack`, read with one call when a run first needs it
//! and written again when it ends: new entries go to the new file as they
//! are made ([`super::spool`]), then the entries kept from the old file,
//! the index and a footer, and the file is renamed over the old one. Per
//! permit name the index holds the permit's file metadata when the result
//! was recorded, whether that metadata may be trusted on its own, the
//! entry's key (the permit's name and bytes) and where the entry is.
//!
//! Layout: `PLP\x04`, the run key (16 bytes), the entries, the index, then
//! a footer: the index's length (8), the count of slots (4) and the index's
//! XXH3-128 (16). Per index record: the name, a flag byte (1: metadata
//! present, 2: trusted), the metadata (device, inode, size, modification
//! and change times: 7 × 8 bytes), the entry key (16 bytes), the entry's
//! offset (8), length (4) and XXH3-128 (16). A pack whose header, footer or
//! index does not parse or match is ignored whole; an entry whose bytes do
//! not give its hash (a flipped bit on disk, an edit by hand) is ignored
//! alone.

use super::Key;
use super::entry::{Reader, put_u64};
use super::layout;
use super::spool::{Spool, Writer};
use rustc_hash::FxHashMap;
use std::path::Path;

const MAGIC: &[u8; 4] = b"PLP\x04";
/// Magic and run key.
const HEADER: usize = 4 + 16;
use layout::FOOTER;

/// What identifies a file's content without reading it, as git's index
/// does: a change to the file changes its size, its modification time or
/// (even when a tool sets the modification time back) its change time;
/// a replaced file has another inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stat {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        Some(Stat {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Elsewhere no change time can be read: never trusted alone.
    #[cfg(not(unix))]
    pub fn of(_: &std::fs::Metadata) -> Option<Stat> {
        None
    }

    /// Whether the file was last changed before `secs` (Unix seconds).
    pub fn settled_before(&self, secs: i64) -> bool {
        self.mtime.0 < secs && self.ctime.0 < secs
    }

    pub(super) fn write(&self, w: &mut Vec<u8>) {
        for v in [
            self.dev,
            self.ino,
            self.size,
            self.mtime.0 as u64,
            self.mtime.1 as u64,
            self.ctime.0 as u64,
            self.ctime.1 as u64,
        ] {
            put_u64(w, v);
        }
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Option<Stat> {
        let mut v = [0u64; 7];
        for x in &mut v {
            *x = r.u64()?;
        }
        Some(Stat {
            dev: v[0],
            ino: v[1],
            size: v[2],
            mtime: (v[3] as i64, v[4] as i64),
            ctime: (v[5] as i64, v[6] as i64),
        })
    }
}

/// Where an entry is: a range of the pack read at the start, or in this
/// run's new file (at `offset`, `len` bytes whose XXH3-128 is `sum`).
#[derive(Clone, Debug)]
pub enum Body {
    Old(std::ops::Range<usize>),
    Spooled { offset: u64, len: u32, sum: u128 },
}

/// One permit's result in a pack.
#[derive(Clone, Debug)]
pub struct Slot {
    pub name: String,
    pub stat: Option<Stat>,
    /// The metadata was recorded long enough after the file's last change
    /// that an equal metadata means equal bytes.
    pub trusted: bool,
    pub key: Key,
    pub body: Body,
}

/// A pack as read: its bytes and its slots by permit name.
#[derive(Debug, Default)]
pub struct Pack {
    pub bytes: Vec<u8>,
    pub slots: FxHashMap<String, Slot>,
}

impl Pack {
    /// The pack at `path` for `run`; empty when there is none, or it does
    /// not parse, or it is another run's.
    pub fn read(path: &Path, run: Key) -> Pack {
        let Ok(bytes) = crate::fsio::read_bytes(path, crate::fsio::MAX_DATA_BYTES) else {
            return Pack::default();
        };
        match Pack::parse(&bytes, run) {
            Some(slots) => Pack { bytes, slots },
            None => Pack::default(),
        }
    }

    fn parse(bytes: &[u8], run: Key) -> Option<FxHashMap<String, Slot>> {
        let mut r = Reader {
            b: bytes.get(..HEADER)?,
        };
        if r.take(4)? != MAGIC || r.take(16)? != run.bytes() {
            return None;
        }
        let body_end = bytes.len().checked_sub(FOOTER).filter(|&e| e >= HEADER)?;
        let (index_len, n, sum) = layout::read_footer(bytes.get(body_end..)?)?;
        let index_len = usize::try_from(index_len).ok()?;
        let entries_end = body_end.checked_sub(index_len).filter(|&e| e >= HEADER)?;
        let index = bytes.get(entries_end..body_end)?;
        if !layout::index_matches(index, &sum) {
            return None;
        }
        let mut r = Reader { b: index };
        let mut slots = FxHashMap::default();
        slots.reserve(n.min(index.len()));
        for _ in 0..n {
            let (name, stat, trusted, key) = layout::read_head(&mut r)?;
            let (offset, len, sum) = layout::read_place(&mut r)?;
            let offset = usize::try_from(offset).ok()?;
            let end = offset.checked_add(len as usize)?;
            if offset < HEADER || end > entries_end {
                return None;
            }
            if twox_hash::XxHash3_128::oneshot(&bytes[offset..end]) != sum {
                continue;
            }
            slots.insert(
                name.clone(),
                Slot {
                    name,
                    stat,
                    trusted,
                    key,
                    body: Body::Old(offset..end),
                },
            );
        }
        r.b.is_empty().then_some(slots)
    }

    /// The entry bytes of `slot`, a slot of this pack (a spooled entry is
    /// not read back).
    pub fn body<'a>(&'a self, slot: &'a Slot) -> Option<&'a [u8]> {
        match &slot.body {
            Body::Old(range) => self.bytes.get(range.clone()),
            Body::Spooled { .. } => None,
        }
    }

    /// Finish the pack of `run` being written by `w` with `slots` (sorted
    /// by name): the entries kept from this pack, the index and the footer.
    pub fn finish(&self, w: &mut Writer, slots: &[&Slot]) -> Option<()> {
        let mut index = Vec::with_capacity(slots.len() * 160);
        let mut count = 0u32;
        for s in slots {
            let (offset, len, sum) = match &s.body {
                Body::Old(range) => {
                    let Some(body) = self.bytes.get(range.clone()) else {
                        continue;
                    };
                    let offset = w.append(body).ok()?;
                    (
                        offset,
                        body.len() as u32,
                        twox_hash::XxHash3_128::oneshot(body),
                    )
                }
                Body::Spooled { offset, len, sum } => (*offset, *len, *sum),
            };
            layout::write_head(&mut index, &s.name, s.stat, s.trusted, s.key);
            layout::write_place(&mut index, offset, len, sum);
            count += 1;
        }
        w.append(&index).ok()?;
        w.append(&layout::footer(&index, count)).ok()?;
        Some(())
    }
}

/// The spool of the pack of `run` at `path`.
pub fn spool(path: std::path::PathBuf, run: Key) -> Spool {
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&run.bytes());
    Spool::new(path, header)
}
