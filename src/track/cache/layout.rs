//! What the pack and the pieces files share: both are a header, entries,
//! an index and a footer (the index's length, its count of records and
//! its XXH3-128), and each index record starts with the permit's name, its
//! file metadata (and whether it is trusted) and the key of its bytes, and
//! ends with where its entry is. Both are rewritten the same way at the end
//! of a run ([`merge`]).

use super::Key;
use super::entry::{Reader, put_str, put_u32, put_u64};
use super::pack::Stat;
use rustc_hash::{FxHashMap, FxHashSet};

/// Index length (8), count (4) and the index's sum (16).
pub const FOOTER: usize = 8 + 4 + 16;

/// Who an index record is about: the permit's name, its file metadata
/// when the entry was recorded, whether that metadata may be trusted on
/// its own, and the key of the bytes the entry was made from.
pub fn write_head(w: &mut Vec<u8>, name: &str, stat: Option<Stat>, trusted: bool, key: Key) {
    put_str(w, name);
    w.push(u8::from(stat.is_some()) | u8::from(trusted && stat.is_some()) << 1);
    if let Some(st) = &stat {
        st.write(w);
    }
    w.extend_from_slice(&key.bytes());
}

/// What [`write_head`] wrote: name, metadata, trusted, key.
pub fn read_head(r: &mut Reader<'_>) -> Option<(String, Option<Stat>, bool, Key)> {
    let name = r.string()?;
    let flags = r.u8()?;
    if flags >> 2 != 0 {
        return None;
    }
    let stat = if flags & 1 != 0 {
        Some(Stat::read(r)?)
    } else {
        None
    };
    let key = Key::from_bytes(r.take(16)?)?;
    Some((name, stat, flags & 2 != 0 && stat.is_some(), key))
}

/// Where an entry is: its offset in the file, its length and its XXH3-128.
pub fn write_place(w: &mut Vec<u8>, offset: u64, len: u32, sum: u128) {
    put_u64(w, offset);
    put_u32(w, len);
    w.extend_from_slice(&sum.to_le_bytes());
}

/// What [`write_place`] wrote.
pub fn read_place(r: &mut Reader<'_>) -> Option<(u64, u32, u128)> {
    let offset = r.u64()?;
    let len = r.u32()?;
    let mut s = [0u8; 16];
    s.copy_from_slice(r.take(16)?);
    Some((offset, len, u128::from_le_bytes(s)))
}

/// The footer of a file whose index is `index`, of `count` records.
pub fn footer(index: &[u8], count: u32) -> Vec<u8> {
    let mut w = Vec::with_capacity(FOOTER);
    put_u64(&mut w, index.len() as u64);
    put_u32(&mut w, count);
    w.extend_from_slice(&twox_hash::XxHash3_128::oneshot(index).to_le_bytes());
    w
}

/// The index's length, the count of records and the index's sum, read
/// from a footer.
pub fn read_footer(foot: &[u8]) -> Option<(u64, usize, [u8; 16])> {
    let mut r = Reader { b: foot };
    let len = r.u64()?;
    let n = r.u32()? as usize;
    let mut sum = [0u8; 16];
    sum.copy_from_slice(r.take(16)?);
    Some((len, n, sum))
}

/// Whether `index` gives `sum`.
pub fn index_matches(index: &[u8], sum: &[u8; 16]) -> bool {
    twox_hash::XxHash3_128::oneshot(index).to_le_bytes() == *sum
}

/// The records a file rewritten at the end of a run holds, sorted by name:
/// those this run `kept` (the last of a name wins) and those of `old` it
/// did not see (a run over part of a folder keeps the rest's); `None` when
/// nothing changed (every record kept is `unchanged` from the old one).
pub fn merge<'a, T>(
    old: &'a FxHashMap<String, T>,
    kept: &'a [T],
    name: impl Fn(&T) -> &str,
    unchanged: impl Fn(&T, &T) -> bool,
) -> Option<Vec<&'a T>> {
    let mut latest: FxHashMap<&str, &T> = FxHashMap::default();
    for r in kept {
        latest.insert(name(r), r);
    }
    let changed = latest
        .iter()
        .any(|(n, r)| old.get(*n).is_none_or(|o| !unchanged(o, r)));
    if !changed {
        return None;
    }
    let seen: FxHashSet<&str> = latest.keys().copied().collect();
    let mut all: Vec<&T> = old
        .values()
        .filter(|r| !seen.contains(name(r)))
        .chain(latest.values().copied())
        .collect();
    all.sort_unstable_by(|a, b| name(a).cmp(name(b)));
    Some(all)
}
