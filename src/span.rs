//! Byte spans and source files.
//!
//! Every AST node of a policy and every value of a loaded permit carries a
//! [`Span`] into the [`SourceFile`] it came from. Spans are **byte** offsets
//! (what miette wants); line and column shown to people are computed from the
//! text and count **characters**, so Chinese text is not miscounted.

use std::sync::Arc;

/// A half-open byte range `start..end` into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        miette::SourceSpan::new((s.start as usize).into(), s.len())
    }
}

/// A named source text, shared by everything that points into it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given by the user (or `policies/...` for embedded files).
    pub name: String,
    pub text: String,
    /// Byte offsets of line starts, built on first use (locating findings).
    lines: std::sync::OnceLock<Vec<u32>>,
    normal_name: std::sync::OnceLock<String>,
    /// Regions of some spans given by [`SourceFile::know_regions`].
    known_regions: std::sync::OnceLock<Vec<(Span, Region)>>,
}

/// A span in people's coordinates: 1-based lines, 1-based character
/// columns, end exclusive, and the byte offsets it was resolved from (the
/// span clamped into the text and to character boundaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Region {
    /// Resolve `span` in `file` (see [`SourceFile::region`]).
    pub fn of(file: &SourceFile, span: Span) -> Region {
        file.region(span)
    }
}

pub type Source = Arc<SourceFile>;

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
            normal_name: std::sync::OnceLock::new(),
            known_regions: std::sync::OnceLock::new(),
        })
    }

    /// Give the regions of some spans, known from elsewhere (the result
    /// cache stores the regions its findings point at, resolved when the
    /// result was computed from these same bytes): [`SourceFile::region`]
    /// then answers for them without the text, so a cached result can be
    /// reported without reading its permit. Ignored once set.
    pub fn know_regions(&self, mut regions: Vec<(Span, Region)>) {
        regions.sort_unstable_by_key(|r| r.0);
        regions.dedup_by_key(|r| r.0);
        let _ = self.known_regions.set(regions);
    }

    /// `span` in people's coordinates: clamped into the text and to
    /// character boundaries (start down, end up) so a bad span never
    /// panics a reporter, then lines and character columns of its ends. A
    /// span given by [`SourceFile::know_regions`] is answered from there.
    pub fn region(&self, span: Span) -> Region {
        if let Some(known) = self.known_regions.get()
            && let Ok(i) = known.binary_search_by_key(&span, |r| r.0)
        {
            return known[i].1;
        }
        let (start, end) = clamp(&self.text, span);
        let (line, column) = self.line_col(start as u32);
        let (end_line, end_column) = self.line_col(end as u32);
        Region {
            line,
            column,
            end_line,
            end_column,
            start_byte: start,
            end_byte: end,
        }
    }

    /// [`crate::finding::normal_file`] of the name, computed once per file
    /// (every finding's fingerprint reads it).
    pub fn normal_name(&self) -> &str {
        self.normal_name
            .get_or_init(|| crate::finding::normal_file(&self.name))
    }

    /// 1-based line and 1-based column counted in characters (not bytes).
    /// Uses a line index built once per file, so locating many findings in
    /// one file does not rescan it from the start each time.
    pub fn line_col(&self, byte: u32) -> (usize, usize) {
        let text = &self.text;
        if text.is_empty()
            && let Some(known) = self.known_regions.get()
        {
            // A cached result reported without its text: the ends of the
            // spans it knows are all there is to answer with.
            for (_, r) in known {
                if r.start_byte == byte as usize {
                    return (r.line, r.column);
                }
                if r.end_byte == byte as usize {
                    return (r.end_line, r.end_column);
                }
            }
        }
        let byte = (byte as usize).min(text.len());
        let lines = self.lines.get_or_init(|| line_starts(text.as_bytes()));
        let line = lines.partition_point(|&start| start as usize <= byte);
        let start = lines.get(line.saturating_sub(1)).map_or(0, |&s| s as usize);
        let col = String::from_utf8_lossy(&text.as_bytes()[start..byte])
            .chars()
            .count()
            + 1;
        (line.max(1), col)
    }

    pub fn named_source(&self) -> miette::NamedSource<String> {
        miette::NamedSource::new(&self.name, self.text.clone())
    }
}

/// Byte offsets of the starts of lines: 0, then one past each `\n`. Eight
/// bytes at a time: a word with no newline costs a few instructions (lines
/// of permits are short, so a search call per line cost more than the
/// scan).
fn line_starts(b: &[u8]) -> Vec<u32> {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NL: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut out = Vec::with_capacity(b.len() / 32 + 1);
    out.push(0);
    let mut chunks = b.chunks_exact(8);
    let mut base = 0u32;
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ NL;
        // High bit of each byte set exactly where the byte is zero, i.e.
        // where the text has `\n` (no carry crosses bytes).
        let mut zero = !(((w & LO7) + LO7) | w | LO7);
        while zero != 0 {
            out.push(base + zero.trailing_zeros() / 8 + 1);
            zero &= zero - 1;
        }
        base += 8;
    }
    for (i, &x) in chunks.remainder().iter().enumerate() {
        if x == b'\n' {
            out.push(base + i as u32 + 1);
        }
    }
    out
}

/// Cheap source for miette diagnostics: shares the text instead of copying it.
pub fn named(source: &Source) -> miette::NamedSource<Source> {
    miette::NamedSource::new(source.name.clone(), source.clone())
}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        self.text
            .read_span(span, context_lines_before, context_lines_after)
    }
}

/// `span` clamped into `text` and moved to character boundaries (start
/// down, end up).
pub fn clamp(text: &str, span: Span) -> (usize, usize) {
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end)
}

/// 1-based line and character column of byte offset `byte` in `text`.
/// An offset inside a multi-byte character counts as that character.
pub fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let byte = byte.min(text.len());
    let before = &text.as_bytes()[..byte];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_line_col_agrees_with_the_scan() {
        let text = "a: 1\n名称: 苏州\n\n  x: \"y\"\n末行";
        let f = SourceFile::new("t", text);
        for b in 0..=text.len() + 3 {
            assert_eq!(f.line_col(b as u32), line_col(text, b), "byte {b}");
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "name: 苏州某热电\nx: 1";
        // `苏` starts at byte 6; `热` at byte 6 + 3*3.
        assert_eq!(line_col(text, 6), (1, 7));
        assert_eq!(line_col(text, 15), (1, 10));
        let x = text.find("x:").unwrap();
        assert_eq!(line_col(text, x), (2, 1));
    }
}

#[cfg(test)]
mod line_tests {
    #[test]
    fn known_regions_answer_without_the_text() {
        let text = "a: 1\nb: 苏州\n  c: [x, 是]\n";
        let plain = super::SourceFile::new("p.yaml", text);
        let spans: Vec<super::Span> = [(0, 1), (8, 14), (9, 12), (20, 30), (40, 50)]
            .into_iter()
            .map(|(a, b)| super::Span::new(a, b))
            .collect();
        let bare = super::SourceFile::new("p.yaml", "");
        bare.know_regions(spans.iter().map(|&s| (s, plain.region(s))).collect());
        for &s in &spans {
            let r = plain.region(s);
            assert_eq!(bare.region(s), r, "{s:?}");
            assert_eq!(bare.line_col(r.start_byte as u32), (r.line, r.column));
        }
        // Inside a character: clamped to its boundaries.
        let r = plain.region(super::Span::new(9, 12));
        assert_eq!((r.start_byte, r.end_byte), (8, 14));
        assert!(bare.lines.get().is_none(), "an index was built");
    }

    #[test]
    fn line_starts_match_a_plain_scan() {
        let texts = [
            String::new(),
            "\n".into(),
            "a\nb".into(),
            "\n\n\n\n\n\n\n\n\n".into(),
            "苏州\n\u{0a}x\u{8a}\n".into(),
            (0..300u32)
                .map(|i| format!("{}\n", "é".repeat((i % 13) as usize)))
                .collect(),
            (0u8..=255).map(char::from).collect(),
        ];
        for t in &texts {
            let plain: Vec<u32> = std::iter::once(0)
                .chain(
                    t.bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| i as u32 + 1),
                )
                .collect();
            assert_eq!(super::line_starts(t.as_bytes()), plain, "{t:?}");
        }
    }
}
