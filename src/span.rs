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
}

pub type Source = Arc<SourceFile>;

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        })
    }

    /// 1-based line and 1-based column counted in characters (not bytes).
    /// Uses a line index built once per file, so locating many findings in
    /// one file does not rescan it from the start each time.
    pub fn line_col(&self, byte: u32) -> (usize, usize) {
        let text = &self.text;
        let byte = (byte as usize).min(text.len());
        let lines = self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    text.bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| i as u32 + 1),
                )
                .collect()
        });
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
