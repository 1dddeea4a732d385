//! The pack: every entry of one run key (library, date, limits, build) in
//! one file, `<run key>.pack`, read with one call when a run opens the
//! cache and written again (to a temporary name, then renamed) when it
//! ends. Per permit name it holds the permit's file metadata when the
//! result was recorded, whether that metadata may be trusted on its own,
//! the entry's key (the permit's name and bytes) and the entry.
//!
//! Layout: `PLP\x03`, the run key (16 bytes), a count, then per slot the
//! name, a flag byte (1: metadata present, 2: trusted), the metadata
//! (device, inode, size, modification and change times: 7 × 8 bytes), the
//! entry key (16 bytes), the entry's XXH3-128 (16 bytes) and the entry
//! (length-prefixed). A pack that does not parse in full, or belongs to
//! another run key, is ignored whole; an entry whose bytes do not give its
//! hash (a flipped bit on disk, an edit by hand) is ignored alone.

use super::Key;
use super::entry::{Reader, put_str, put_u32, put_u64};
use rustc_hash::FxHashMap;
use std::path::Path;

const MAGIC: &[u8; 4] = b"PLP\x03";

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

/// An entry's bytes: a range of the pack read at the start, or new.
#[derive(Clone, Debug)]
pub enum Body {
    Old(std::ops::Range<usize>),
    New(Vec<u8>),
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
        let mut r = Reader { b: bytes };
        if r.take(4)? != MAGIC || r.take(16)? != run.bytes() {
            return None;
        }
        let n = r.count()?;
        let mut slots = FxHashMap::default();
        slots.reserve(n);
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
            let sum = r.take(16)?;
            let len = r.u32()? as usize;
            let start = bytes.len() - r.b.len();
            let body = r.take(len)?;
            if twox_hash::XxHash3_128::oneshot(body).to_le_bytes() != sum {
                continue;
            }
            slots.insert(
                name.clone(),
                Slot {
                    name,
                    stat,
                    trusted: flags & 2 != 0 && stat.is_some(),
                    key,
                    body: Body::Old(start..start + len),
                },
            );
        }
        r.b.is_empty().then_some(slots)
    }

    /// The entry bytes of `slot`, a slot of this pack or a new one.
    pub fn body<'a>(&'a self, slot: &'a Slot) -> Option<&'a [u8]> {
        match &slot.body {
            Body::Old(range) => self.bytes.get(range.clone()),
            Body::New(b) => Some(b),
        }
    }

    /// Write `slots` (sorted by name) as the pack of `run` at `path`:
    /// to a temporary file beside it, then renamed, so a reader never sees
    /// half a pack. Failures are ignored: the cache only ever saves time.
    pub fn write(&self, path: &Path, run: Key, slots: &[&Slot]) {
        let slots: Vec<(&Slot, &[u8])> = slots
            .iter()
            .filter_map(|s| Some((*s, self.body(s)?)))
            .collect();
        let mut w = Vec::with_capacity(64 + slots.len() * 1500);
        w.extend_from_slice(MAGIC);
        w.extend_from_slice(&run.bytes());
        put_u32(&mut w, slots.len() as u32);
        for (s, body) in slots {
            put_str(&mut w, &s.name);
            w.push(u8::from(s.stat.is_some()) | u8::from(s.trusted && s.stat.is_some()) << 1);
            if let Some(st) = &s.stat {
                st.write(&mut w);
            }
            w.extend_from_slice(&s.key.bytes());
            w.extend_from_slice(&twox_hash::XxHash3_128::oneshot(body).to_le_bytes());
            put_u32(&mut w, body.len() as u32);
            w.extend_from_slice(body);
        }
        super::write_atomic(path, &w);
    }
}
