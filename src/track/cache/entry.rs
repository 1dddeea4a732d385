//! One cached result as bytes: the findings (with their spans and the
//! spans' regions — lines and character columns — resolved from the text
//! the result was computed from), the suppressed findings and the rule
//! counts. What a finding shares with its rule in this library (element,
//! department, basis) is left out when it equals the library's and filled
//! in again on reading (the library is part of the key). Reading checks
//! the magic, the key, and every length, span and region against what is
//! left and against the permit's size; anything that does not fit is
//! `None`, never a panic.

use super::Key;
use crate::finding::{Finding, Label, Severity, Suppressed};
use crate::lang::library::Library;
use crate::span::{Region, Source, Span};
use rustc_hash::FxHashMap;

/// First bytes of every entry.
const MAGIC: &[u8; 4] = b"PLC\x03";

/// What a cached check gives back.
#[derive(Debug)]
pub struct Cached {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub rules_applied: usize,
    pub rules_undecided: usize,
}

/// What a rule's findings share, taken from the library.
#[derive(Debug)]
pub(super) struct RuleFields {
    pub element: String,
    pub basis: String,
}

/// The library's fields that findings share: per rule in force with one
/// version, its element and basis; per element, its department.
#[derive(Debug, Default)]
pub(super) struct LibFields {
    pub rules: FxHashMap<String, RuleFields>,
    pub departments: FxHashMap<String, String>,
}

impl LibFields {
    pub fn of(lib: &Library, as_of: crate::date::Date) -> LibFields {
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
        LibFields { rules, departments }
    }

    /// The entry of `r` under `key`; `None` when a count does not fit.
    pub fn encode(&self, key: Key, r: &Cached) -> Option<Vec<u8>> {
        let mut w = Vec::with_capacity(512 + 256 * r.findings.len());
        w.extend_from_slice(MAGIC);
        w.extend_from_slice(&key.bytes());
        put_u32(&mut w, u32::try_from(r.rules_applied).ok()?);
        put_u32(&mut w, u32::try_from(r.rules_undecided).ok()?);
        put_u32(&mut w, u32::try_from(r.findings.len()).ok()?);
        for f in &r.findings {
            self.write_finding(&mut w, f);
        }
        put_u32(&mut w, u32::try_from(r.suppressed.len()).ok()?);
        for s in &r.suppressed {
            self.write_finding(&mut w, &s.finding);
            put_str(&mut w, &s.reason);
            put_u32(&mut w, s.comment_line as u32);
        }
        Some(w)
    }

    /// The result stored in `raw` under `key`, its findings over `source`,
    /// a permit of `len` bytes (its text may be left empty: the regions
    /// stored are what reporters read).
    pub fn decode(&self, raw: &[u8], key: Key, source: &Source, len: u64) -> Option<Cached> {
        let len = u32::try_from(len).ok()?;
        let mut r = Reader { b: raw };
        if r.take(4)? != MAGIC || r.take(16)? != key.bytes() {
            return None;
        }
        let mut regions = Vec::new();
        let rules_applied = r.u32()? as usize;
        let rules_undecided = r.u32()? as usize;
        let n = r.count()?;
        let mut findings = Vec::with_capacity(n);
        for _ in 0..n {
            findings.push(self.read_finding(&mut r, source, len, &mut regions)?);
        }
        let n = r.count()?;
        let mut suppressed = Vec::with_capacity(n);
        for _ in 0..n {
            let finding = self.read_finding(&mut r, source, len, &mut regions)?;
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
        source.know_regions(regions);
        Some(Cached {
            findings,
            suppressed,
            rules_applied,
            rules_undecided,
        })
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
        // Each span with its region, resolved now from the text: a warm run
        // reports it without reading (or indexing) the permit.
        let put_span = |w: &mut Vec<u8>, s: Span| {
            let r = f.file.region(s);
            for v in [
                s.start as usize,
                s.end as usize,
                r.start_byte,
                r.end_byte,
                r.line,
                r.column,
                r.end_line,
                r.end_column,
            ] {
                put_u32(w, v as u32);
            }
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
    /// foreign or corrupt entry, a span outside the permit, a region that
    /// cannot be, a rule the library does not hold).
    pub(super) fn read_finding(
        &self,
        r: &mut Reader<'_>,
        source: &Source,
        len: u32,
        regions: &mut Vec<(Span, Region)>,
    ) -> Option<Finding> {
        let mut span = |r: &mut Reader<'_>| -> Option<Span> {
            let mut v = [0u32; 8];
            for x in &mut v {
                *x = r.u32()?;
            }
            let [a, b, sb, eb, line, col, end_line, end_col] = v;
            // Both ranges inside the permit; a line or column is at least
            // 1 and at most one more than the bytes before it; the end is
            // not before the start.
            let fits = a <= b
                && b <= len
                && sb <= eb
                && eb <= len
                && line >= 1
                && col >= 1
                && end_line >= line
                && end_col >= 1
                && line <= sb + 1
                && col <= sb + 1
                && end_line <= eb + 1
                && end_col <= eb + 1
                && (end_line > line || end_col >= col);
            if !fits {
                return None;
            }
            let span = Span::new(a as usize, b as usize);
            regions.push((
                span,
                Region {
                    line: line as usize,
                    column: col as usize,
                    end_line: end_line as usize,
                    end_column: end_col as usize,
                    start_byte: sb as usize,
                    end_byte: eb as usize,
                },
            ));
            Some(span)
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

pub(super) fn put_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}

pub(super) fn put_u64(w: &mut Vec<u8>, v: u64) {
    w.extend_from_slice(&v.to_le_bytes());
}

pub(super) fn put_str(w: &mut Vec<u8>, s: &str) {
    put_u32(w, s.len() as u32);
    w.extend_from_slice(s.as_bytes());
}

/// Reads bytes front to back; every read checks what is left.
pub(super) struct Reader<'a> {
    pub b: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.b.len() {
            return None;
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Some(head)
    }

    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so a corrupt count cannot make a huge allocation.
    pub fn count(&mut self) -> Option<usize> {
        let n = self.u32()? as usize;
        (n <= self.b.len()).then_some(n)
    }

    /// A length-prefixed UTF-8 string (validated with SIMD: entries are
    /// mostly Chinese text, which the standard library checks byte by
    /// byte).
    pub fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        simdutf8::basic::from_utf8(b).ok().map(str::to_owned)
    }
}
