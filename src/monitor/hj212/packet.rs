//! One HJ 212 packet (one line of a platform's archive):
//! `##` + four-digit length + data segment + CRC16 + CRLF, the data segment
//! being `QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;CP=&&…&&`.
//!
//! Reading is lenient where the meaning is unambiguous (a wrong length
//! field, a lower-case CRC, a missing CRLF, milliseconds in `DataTime`, a
//! key with two hyphens, a 2005-edition code): the packet is read and a
//! [`Deviation`] noted. Anything else rejects the packet with a reason and
//! the byte where it went wrong; the caller turns both into findings.

use super::crc::crc16;

/// Edition of HJ 212, from the version bits of `Flag` (bits 7–2: 0 = 2005,
/// 1 = 2017, 2 = 2025).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    Hj2005,
    Hj2017,
    Hj2025,
    /// No `Flag` field, or version bits of no known edition.
    Unknown,
}

impl Edition {
    pub fn from_flag(flag: u8) -> Edition {
        match flag >> 2 {
            0 => Edition::Hj2005,
            1 => Edition::Hj2017,
            2 => Edition::Hj2025,
            _ => Edition::Unknown,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Edition::Hj2005 => "HJ 212-2005",
            Edition::Hj2017 => "HJ 212-2017",
            Edition::Hj2025 => "HJ 212-2025",
            Edition::Unknown => "unknown edition",
        }
    }
}

/// A deviation from the standard that was read all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Deviation {
    Length,
    LowercaseCrc,
    NoCrlf,
    Milliseconds,
    TwoHyphenKey,
    Code2005,
    UnknownFlag,
    BadNumber,
}

impl Deviation {
    pub fn text(self) -> &'static str {
        match self {
            Deviation::Length => "the length field does not match the data segment",
            Deviation::LowercaseCrc => "the CRC is written in lower case",
            Deviation::NoCrlf => "the packet does not end with CRLF",
            Deviation::Milliseconds => "`DataTime` carries milliseconds",
            Deviation::TwoHyphenKey => {
                "a key with two hyphens (e.g. `a21026-i22004-Info`), read as a device-information field"
            }
            Deviation::Code2005 => {
                "an HJ 212-2005 code (digits only, e.g. `011`, `060`): not mapped, its values are not checked"
            }
            Deviation::UnknownFlag => {
                "a data flag outside HJ 212-2017's N, F, M, S, D, C, T, B: the value is excluded"
            }
            Deviation::BadNumber => "a value that is not a number: the field is skipped",
        }
    }
}

/// One `code-Kind=value` field of `CP`, with its byte range in the line.
#[derive(Clone, Debug, PartialEq)]
pub struct Field<'a> {
    /// Pollutant or parameter code (`a21026`).
    pub code: &'a str,
    /// `Rtd`, `Min`, `Avg`, `Max`, `Cou`, `ZsAvg`, `Flag`, `Info`, …
    pub kind: &'a str,
    pub value: &'a str,
    pub start: usize,
    pub end: usize,
}

/// `DataTime` of the packet: `YYYYMMDDhhmmss`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DataTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// A packet read from one line; offsets are bytes into that line.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet<'a> {
    pub cn: &'a str,
    pub mn: &'a str,
    pub st: &'a str,
    pub flag: Option<u8>,
    pub edition: Edition,
    pub data_time: Option<DataTime>,
    pub fields: Vec<Field<'a>>,
    /// Each deviation once, with the byte where it was seen.
    pub deviations: Vec<(Deviation, usize)>,
}

impl Packet<'_> {
    /// The value of `code-kind`, with its field.
    pub fn get(&self, code: &str, kind: &str) -> Option<&Field<'_>> {
        self.fields
            .iter()
            .find(|f| f.kind == kind && f.code == code)
    }
}

/// Why a packet was rejected, and the byte of the line where.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    pub reason: String,
    pub at: usize,
}

fn reject<T>(reason: impl Into<String>, at: usize) -> Result<T, Rejected> {
    Err(Rejected {
        reason: reason.into(),
        at,
    })
}

/// HJ 212-2017 data flags ([unverified]: as commonly cited): N normal, F stopped,
/// M maintenance, S manual input, D fault, C calibration, T over the upper
/// range, B communication fault.
pub const FLAGS: &[u8] = b"NFMSDCTB";

/// Read one line (without its `\n`; a trailing `\r` is the packet's CR).
pub fn parse(line: &str) -> Result<Packet<'_>, Rejected> {
    let mut deviations = Vec::new();
    let (body, crlf) = match line.strip_suffix('\r') {
        Some(b) => (b, true),
        None => (line, false),
    };
    if !body.starts_with("##") {
        return reject("a packet starts with `##`", 0);
    }
    if body.len() < 2 + 4 + 4 {
        return reject("too short for `##`, a length, a data segment and a CRC", 0);
    }
    if !crlf {
        deviations.push((Deviation::NoCrlf, body.len()));
    }
    let Some(len_text) = body.get(2..6) else {
        return reject("the length field is not four digits", 2);
    };
    if !len_text.bytes().all(|b| b.is_ascii_digit()) {
        return reject("the length field is not four digits", 2);
    }
    let crc_at = body.len() - 4;
    let (Some(data), Some(crc_text)) = (body.get(6..crc_at), body.get(crc_at..)) else {
        return reject("the CRC is not four hexadecimal digits", crc_at);
    };
    let declared: usize = len_text.parse().unwrap_or(0);
    if declared != data.len() {
        deviations.push((Deviation::Length, 2));
    }
    let Ok(crc) = u16::from_str_radix(crc_text, 16) else {
        return reject(
            format!("the CRC `{crc_text}` is not four hexadecimal digits"),
            crc_at,
        );
    };
    if crc_text.bytes().any(|b| b.is_ascii_lowercase()) {
        deviations.push((Deviation::LowercaseCrc, crc_at));
    }
    let computed = crc16(data.as_bytes());
    if computed != crc {
        return reject(
            format!(
                "CRC mismatch: the packet says {crc_text}, the data segment gives {computed:04X}"
            ),
            crc_at,
        );
    }
    let Some(cp_at) = data.find("CP=&&") else {
        return reject("no `CP=&&` in the data segment", 6);
    };
    let cp_start = cp_at + 5;
    let tail = &data[cp_start..];
    let closed = if tail.ends_with("&&") {
        Some(tail.len() - 2)
    } else {
        tail.rfind("&&")
    };
    let Some(cp_len) = closed else {
        return reject("`CP=&&` is not closed by `&&`", 6 + cp_start);
    };
    let (mut cn, mut mn, mut st, mut flag) = (None, None, "", None);
    let mut at = 6;
    for part in data[..cp_at].split(';') {
        if let Some((k, v)) = part.split_once('=') {
            match k {
                "CN" => cn = Some(v),
                "MN" => mn = Some(v),
                "ST" => st = v,
                "Flag" => match v.parse::<u8>() {
                    Ok(f) => flag = Some(f),
                    Err(_) => return reject(format!("`Flag={v}` is not a number"), at),
                },
                _ => {}
            }
        }
        at += part.len() + 1;
    }
    let Some(cn) = cn else {
        return reject("no `CN` (command code)", 6);
    };
    let Some(mn) = mn.filter(|m| !m.is_empty()) else {
        return reject("no `MN` (device number)", 6);
    };
    let edition = flag.map_or(Edition::Unknown, Edition::from_flag);
    let mut fields = Vec::with_capacity(16);
    let mut data_time = None;
    let cp = &data[cp_start..cp_start + cp_len];
    let base = 6 + cp_start;
    // One pass over the bytes: items end at `;` (between groups) or `,`
    // (within one); the first `=` ends the key, whose hyphens split code
    // and kind. The delimiters are ASCII, so every slice is on a char boundary.
    let bytes = cp.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let from = i;
        let (mut eq, mut first_hy, mut last_hy) = (usize::MAX, usize::MAX, usize::MAX);
        while i < bytes.len() {
            match bytes[i] {
                b';' | b',' => break,
                b'=' if eq == usize::MAX => eq = i,
                b'-' if eq == usize::MAX => {
                    if first_hy == usize::MAX {
                        first_hy = i;
                    }
                    last_hy = i;
                }
                _ => {}
            }
            i += 1;
        }
        let to = i;
        i += 1;
        if to == from {
            continue;
        }
        let start = base + from;
        let item = &cp[from..to];
        if eq == usize::MAX {
            return reject(format!("`{item}` is not `key=value`"), start);
        }
        let key = &cp[from..eq];
        let value = &cp[eq + 1..to];
        if key == "DataTime" {
            data_time = Some(parse_time(value, start + 9, &mut deviations)?);
            continue;
        }
        if last_hy == usize::MAX {
            continue; // QnRtn, ExeRtn, RtdInterval, …: not data
        }
        let code = &cp[from..last_hy];
        let kind = &cp[last_hy + 1..eq];
        if first_hy != last_hy {
            push_once(&mut deviations, Deviation::TwoHyphenKey, start);
        } else if !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit()) {
            push_once(&mut deviations, Deviation::Code2005, start);
            continue;
        }
        fields.push(Field {
            code,
            kind,
            value,
            start: start + key.len() + 1,
            end: start + item.len(),
        });
    }
    Ok(Packet {
        cn,
        mn,
        st,
        flag,
        edition,
        data_time,
        fields,
        deviations,
    })
}

fn push_once(devs: &mut Vec<(Deviation, usize)>, d: Deviation, at: usize) {
    if !devs.iter().any(|(x, _)| *x == d) {
        devs.push((d, at));
    }
}

fn parse_time(
    v: &str,
    at: usize,
    devs: &mut Vec<(Deviation, usize)>,
) -> Result<DataTime, Rejected> {
    let digits = v.bytes().all(|b| b.is_ascii_digit());
    if !digits || (v.len() != 14 && v.len() != 17) {
        return reject(format!("`DataTime={v}` is not YYYYMMDDhhmmss"), at);
    }
    if v.len() == 17 {
        push_once(devs, Deviation::Milliseconds, at);
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(u32::MAX);
    let t = DataTime {
        year: n(0..4) as i32,
        month: n(4..6) as u8,
        day: n(6..8) as u8,
        hour: n(8..10) as u8,
        minute: n(10..12) as u8,
        second: n(12..14) as u8,
    };
    let date_ok = crate::date::Date::new(t.year, t.month, t.day).is_some();
    if !date_ok || t.hour > 23 || t.minute > 59 || t.second > 59 {
        return reject(format!("`DataTime={v}` is not a valid date and time"), at);
    }
    Ok(t)
}

/// Write a packet: `##`, length, `data`, CRC and CRLF (for the generator
/// and tests).
pub fn frame(data: &str) -> String {
    format!(
        "##{:04}{data}{:04X}\r\n",
        data.len(),
        crc16(data.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOURLY: &str = "QN=20260301010000000;ST=22;CN=2061;PW=123456;MN=MN0001;Flag=4;CP=&&DataTime=20260301000000;a21026-Avg=30.5,a21026-ZsAvg=31.0,a21026-Flag=N;a19001-Avg=6.0,a19001-Flag=N&&";

    fn line(data: &str) -> String {
        frame(data).trim_end_matches('\n').to_string()
    }

    #[test]
    fn reads_a_2017_hourly_packet() {
        let l = line(HOURLY);
        let p = parse(&l).unwrap();
        assert_eq!((p.cn, p.mn, p.edition), ("2061", "MN0001", Edition::Hj2017));
        assert!(p.deviations.is_empty(), "{:?}", p.deviations);
        let f = p.get("a21026", "Avg").unwrap();
        assert_eq!(f.value, "30.5");
        assert_eq!(&l[f.start..f.end], "30.5");
        assert_eq!(p.get("a21026", "Flag").unwrap().value, "N");
        assert_eq!(p.data_time.unwrap().hour, 0);
    }

    #[test]
    fn editions_by_flag_bits() {
        assert_eq!(Edition::from_flag(4), Edition::Hj2017);
        assert_eq!(Edition::from_flag(5), Edition::Hj2017);
        assert_eq!(Edition::from_flag(8), Edition::Hj2025);
        assert_eq!(Edition::from_flag(9), Edition::Hj2025);
        assert_eq!(Edition::from_flag(1), Edition::Hj2005);
        let l = line(&HOURLY.replace("Flag=4", "Flag=9"));
        assert_eq!(parse(&l).unwrap().edition, Edition::Hj2025);
    }

    #[test]
    fn lenient_deviations_are_read_and_noted() {
        let data = HOURLY
            .replace("20260301000000", "20260301000000123")
            .replace("a19001-Avg", "a21026-i22004-Info=1;a19001-Avg")
            .replace("a21026-Avg=30.5", "011-Avg=2,a21026-Avg=30.5");
        let good = frame(&data);
        let crc = &good[good.len() - 6..good.len() - 2];
        // Wrong length, lower-case CRC, no CRLF.
        let bent = format!("##9999{data}{}", crc.to_lowercase());
        let p = parse(&bent).unwrap();
        let kinds: Vec<Deviation> = p.deviations.iter().map(|d| d.0).collect();
        for d in [
            Deviation::NoCrlf,
            Deviation::Length,
            Deviation::LowercaseCrc,
            Deviation::Milliseconds,
            Deviation::TwoHyphenKey,
            Deviation::Code2005,
        ] {
            assert!(kinds.contains(&d), "{d:?} not noted in {kinds:?}");
        }
        assert_eq!(p.get("a21026", "Avg").unwrap().value, "30.5");
        assert!(p.fields.iter().all(|f| f.code != "011"));
    }

    #[test]
    fn rejects_what_is_ambiguous_with_the_byte() {
        let l = line(HOURLY);
        // A changed digit breaks the CRC.
        let bad = l.replacen("30.5", "90.5", 1);
        let r = parse(&bad).unwrap_err();
        assert!(r.reason.contains("CRC mismatch"), "{}", r.reason);
        assert_eq!(r.at, bad.len() - 5);
        assert_eq!(parse("QN=1").unwrap_err().at, 0);
        assert!(parse("##00x1abc").is_err());
        let no_mn = line(&HOURLY.replace("MN=MN0001;", ""));
        assert!(parse(&no_mn).unwrap_err().reason.contains("MN"));
        let bad_time = line(&HOURLY.replace("20260301000000", "20261301000000"));
        assert!(parse(&bad_time).unwrap_err().reason.contains("DataTime"));
    }

    #[test]
    fn never_panics_on_cut_lines() {
        let l = line(HOURLY);
        for i in 0..l.len() {
            let _ = parse(&l[..i]);
        }
        let _ = parse("##0000中文字符测试CRC1");
    }
}
