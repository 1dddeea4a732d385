//! A permit's piece of a streamed report: its findings rendered in the
//! run's format, where the permit was checked (on a worker thread), so
//! that the thread writing the report only copies bytes, and so that the
//! result cache can keep the rendering and a warm run write it again
//! without building a single finding.
//!
//! A piece is independent of the permits before it: formats whose items are
//! separated (the JSON and SARIF arrays, the blank line between human
//! diagnostics) start every item of a piece with the separator, and the
//! writer drops it from the first item of the run ([`Renderer::separator`]).
//! Everything else a piece depends on (the format, the human options, the
//! rules in force and the date) is either in [`Renderer::key`] or in the
//! cache's run key.

use super::{Format, HumanOptions, RunInfo};
use crate::finding::{Finding, Suppressed};
use std::hash::{Hash, Hasher};

/// Version of what pieces hold: bump when a format's per-permit rendering
/// changes, so that cached pieces of the old rendering are not reused.
const VERSION: u32 = 1;

/// One permit's rendered output (UTF-8) and its findings' counts by
/// severity.
#[derive(Clone, Debug)]
pub struct Piece {
    bytes: Vec<u8>,
    /// Findings by [`crate::finding::Severity`] (as index): what the
    /// summary and the exit code need when the findings themselves are not
    /// built.
    pub counts: [usize; 4],
}

impl Piece {
    pub fn new(text: String, counts: [usize; 4]) -> Piece {
        Piece {
            bytes: text.into_bytes(),
            counts,
        }
    }

    /// A piece whose text is `bytes` (read back from the result cache);
    /// `None` when they are not UTF-8.
    pub fn from_utf8(bytes: Vec<u8>, counts: [usize; 4]) -> Option<Piece> {
        simdutf8::basic::from_utf8(&bytes).ok()?;
        Some(Piece { bytes, counts })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Renders pieces for one run; shared by the worker threads.
#[derive(Debug)]
pub struct Renderer {
    format: Format,
    human: HumanOptions,
    run: RunInfo,
    /// SARIF's rule index, and the log up to its `results` array.
    sarif: Option<(super::sarif::Stream, String)>,
}

impl Renderer {
    /// A renderer of `format` for the run described by `run` (its rules
    /// and date).
    pub fn new(format: Format, human: HumanOptions, run: &RunInfo) -> Renderer {
        let sarif = (format == Format::Sarif).then(|| {
            let (head, stream) = super::sarif::Stream::start(run);
            (stream, head)
        });
        Renderer {
            format,
            human,
            run: run.clone(),
            sarif,
        }
    }

    /// What the report starts with, before the first piece.
    pub fn head(&self) -> String {
        match self.format {
            Format::Json => super::json::stream_header(&self.run),
            Format::Sarif => self
                .sarif
                .as_ref()
                .map(|(_, h)| h.clone())
                .unwrap_or_default(),
            Format::Junit => super::junit::header(),
            Format::Human | Format::Github | Format::Concise => String::new(),
        }
    }

    /// What starts every item of a piece and is dropped from the run's
    /// first item.
    pub fn separator(&self) -> &'static [u8] {
        match self.format {
            Format::Json | Format::Sarif => b",",
            Format::Human => b"\n",
            Format::Junit | Format::Github | Format::Concise => b"",
        }
    }

    /// Everything the bytes of a piece depend on besides the findings and
    /// the cache's run key (library, date, build).
    pub fn key(&self) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        VERSION.hash(&mut h);
        self.format.name().hash(&mut h);
        if self.format == Format::Human {
            self.human.color.hash(&mut h);
            self.human.unicode.hash(&mut h);
            self.human.width.hash(&mut h);
        }
        h.finish()
    }

    /// The piece of one permit (or of the walk's findings): `findings`
    /// sorted; `suppressed` is written by SARIF (results with an in-source
    /// suppression), listed by JSON at the end of the run.
    pub fn render(&self, findings: &[Finding], suppressed: &[Suppressed]) -> Piece {
        let mut counts = [0usize; 4];
        for f in findings {
            counts[f.severity as usize] += 1;
        }
        let text = match self.format {
            Format::Json => super::json::stream_findings(findings, &mut false),
            Format::Sarif => match &self.sarif {
                Some((s, _)) => s.items(findings, suppressed),
                None => String::new(),
            },
            Format::Junit => super::junit::suites(findings, &self.run),
            Format::Github => super::github::render(findings),
            Format::Concise => super::concise::render(findings),
            Format::Human => human_items(
                findings
                    .iter()
                    .map(|f| super::human::render_one(f, &self.human)),
            ),
        };
        Piece::new(text, counts)
    }
}

/// Human diagnostics, each after a blank line (the separator).
pub fn human_items(diagnostics: impl IntoIterator<Item = String>) -> String {
    let mut s = String::new();
    for d in diagnostics {
        s.push('\n');
        s.push_str(&d);
    }
    s
}

/// Writes pieces in order, dropping the separator of the run's first item.
#[derive(Debug)]
pub struct Joiner {
    separator: &'static [u8],
    first: bool,
}

impl Joiner {
    pub fn new(separator: &'static [u8]) -> Joiner {
        Joiner {
            separator,
            first: true,
        }
    }

    /// The bytes of `text` to write next.
    pub fn next<'t>(&mut self, text: &'t [u8]) -> &'t [u8] {
        if text.is_empty() {
            return text;
        }
        let out = if self.first {
            text.strip_prefix(self.separator).unwrap_or(text)
        } else {
            text
        };
        self.first = false;
        out
    }

    /// Whether nothing has been written yet.
    pub fn first(&self) -> bool {
        self.first
    }
}
