//! The ZIP container of an XLSX file, read from its central directory:
//! stored and deflated entries (the only methods spreadsheet programs
//! write), CRC-32 checked, sizes bounded. No ZIP64, encryption or
//! multi-disk archives: those are errors, not panics. Deflate is
//! `miniz_oxide`, already in the build through `backtrace`.

/// A named entry of the archive.
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    method: u16,
    flags: u16,
    crc: u32,
    compressed: usize,
    size: usize,
    local: usize,
}

pub struct Archive<'a> {
    bytes: &'a [u8],
    entries: Vec<Entry>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;

/// Whether `bytes` start like a ZIP archive (`PK\3\4`).
pub fn is_zip(bytes: &[u8]) -> bool {
    u32_at(bytes, 0) == Some(LOCAL)
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Archive<'a>, String> {
        // The end record is the last 22 bytes, or a comment (at most
        // 65,535 bytes) later.
        let lowest = bytes.len().saturating_sub(22 + 65_535);
        let end = (lowest..=bytes.len().saturating_sub(22))
            .rev()
            .find(|&i| u32_at(bytes, i) == Some(END))
            .ok_or("no end of central directory: not a ZIP archive, or a truncated one")?;
        let count = u16_at(bytes, end + 10).unwrap_or(0);
        let offset = u32_at(bytes, end + 16).unwrap_or(0);
        if count == 0xFFFF || offset == 0xFFFF_FFFF {
            return Err("a ZIP64 archive, which this reader does not read".into());
        }
        let mut at = offset as usize;
        let mut entries = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let bad = || format!("the central directory is damaged at byte {at}");
            if u32_at(bytes, at) != Some(CENTRAL) {
                return Err(bad());
            }
            let field16 = |o: usize| u16_at(bytes, at + o).ok_or_else(bad);
            let field32 = |o: usize| u32_at(bytes, at + o).ok_or_else(bad);
            let name_len = usize::from(field16(28)?);
            let extra_len = usize::from(field16(30)?);
            let comment_len = usize::from(field16(32)?);
            let name = bytes.get(at + 46..at + 46 + name_len).ok_or_else(bad)?;
            entries.push(Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                flags: field16(8)?,
                method: field16(10)?,
                crc: field32(16)?,
                compressed: field32(20)? as usize,
                size: field32(24)? as usize,
                local: field32(42)? as usize,
            });
            at += 46 + name_len + extra_len + comment_len;
        }
        Ok(Archive { bytes, entries })
    }

    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// The entry `name`, decompressed: `Ok(None)` when there is none.
    /// `limit` bounds its size (a small archive can inflate to gigabytes).
    pub fn read(&self, name: &str, limit: usize) -> Result<Option<Vec<u8>>, String> {
        let Some(e) = self.entries.iter().find(|e| e.name == name) else {
            return Ok(None);
        };
        let bad = |what: &str| format!("`{name}` in the archive: {what}");
        if e.flags & 1 != 0 {
            return Err(bad("encrypted"));
        }
        if e.size > limit {
            return Err(bad(&format!(
                "{} bytes, more than the {limit} allowed",
                e.size
            )));
        }
        let b = self.bytes;
        if u32_at(b, e.local) != Some(LOCAL) {
            return Err(bad("its local header is missing"));
        }
        let name_len = usize::from(u16_at(b, e.local + 26).unwrap_or(0));
        let extra_len = usize::from(u16_at(b, e.local + 28).unwrap_or(0));
        let start = e.local + 30 + name_len + extra_len;
        let data = b
            .get(start..start.saturating_add(e.compressed))
            .ok_or_else(|| bad("its data runs past the end of the file"))?;
        let out = match e.method {
            0 => data.to_vec(),
            // Never more than the directory says (a bomb stops there).
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, e.size)
                .map_err(|err| bad(&format!("deflate data is damaged ({:?})", err.status)))?,
            m => {
                return Err(bad(&format!(
                    "compression method {m}, not stored (0) or deflate (8)"
                )));
            }
        };
        if out.len() != e.size {
            return Err(bad("its size does not match the directory"));
        }
        if crc32(&out) != e.crc {
            return Err(bad("CRC-32 mismatch"));
        }
        Ok(Some(out))
    }
}

const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 (ISO-HDLC, the one ZIP uses).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// Write a ZIP archive of `(name, content)` entries, deflated when
/// `deflate` (tests and fuzz seeds build their workbooks with it).
pub fn write(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in entries {
        let data = if deflate {
            miniz_oxide::deflate::compress_to_vec(content, 6)
        } else {
            content.to_vec()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let crc = crc32(content);
        let local = out.len() as u32;
        let header = |sig: u32, buf: &mut Vec<u8>| {
            buf.extend_from_slice(&sig.to_le_bytes());
            if sig == CENTRAL {
                buf.extend_from_slice(&20u16.to_le_bytes()); // version made by
            }
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&method.to_le_bytes());
            buf.extend_from_slice(&[0, 0, 0x21, 0]); // time, date (1980-01-01)
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(content.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
            if sig == CENTRAL {
                buf.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
                buf.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                buf.extend_from_slice(&local.to_le_bytes());
            }
            buf.extend_from_slice(name.as_bytes());
        };
        header(LOCAL, &mut out);
        out.extend_from_slice(&data);
        header(CENTRAL, &mut central);
    }
    let offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&END.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disks
    let n = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(&n);
    out.extend_from_slice(&n);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn round_trip_stored_and_deflated() {
        for deflate in [false, true] {
            let z = write(
                &[("a.xml", b"<a>hello hello hello</a>"), ("b", b"")],
                deflate,
            );
            assert!(is_zip(&z));
            let a = Archive::open(&z).unwrap();
            assert!(a.has("a.xml") && !a.has("c"));
            assert_eq!(
                a.read("a.xml", 1000).unwrap().unwrap(),
                b"<a>hello hello hello</a>"
            );
            assert_eq!(a.read("b", 1000).unwrap().unwrap(), b"");
            assert!(a.read("c", 1000).unwrap().is_none());
            assert!(a.read("a.xml", 5).unwrap_err().contains("more than"));
        }
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        let z = write(&[("a.xml", b"<a>hello hello hello</a>")], true);
        for cut in 0..z.len() {
            if let Ok(a) = Archive::open(&z[..cut]) {
                let _ = a.read("a.xml", 1000);
            }
        }
        for i in 0..z.len() {
            let mut bent = z.clone();
            bent[i] ^= 0x55;
            if let Ok(a) = Archive::open(&bent) {
                let _ = a.read("a.xml", 1000);
            }
        }
        // Deflate data that inflates past the size its directory states
        // stops there: an error, not a bomb.
        let content = vec![b'a'; 10_000];
        let mut z = write(&[("a.xml", &content)], true);
        let central = z
            .windows(4)
            .rposition(|w| w == CENTRAL.to_le_bytes())
            .unwrap();
        z[central + 24..central + 28].copy_from_slice(&100u32.to_le_bytes());
        let err = Archive::open(&z)
            .unwrap()
            .read("a.xml", 1 << 20)
            .unwrap_err();
        assert!(err.contains("damaged") || err.contains("size"), "{err}");
        // A changed byte of stored content is caught by the CRC.
        let mut z = write(&[("a.xml", b"<a>x</a>")], false);
        let at = z.windows(3).position(|w| w == b"<a>").unwrap() + 3;
        z[at] = b'y';
        let err = Archive::open(&z).unwrap().read("a.xml", 1000).unwrap_err();
        assert!(err.contains("CRC"), "{err}");
    }
}
