//! `check FILE --trace RULE`: the evaluation of one rule over one permit,
//! written out step by step (OPA's `--explain`): each loop and the item it
//! is at, each condition and its value, each table lookup and the row it
//! found or missed, each requirement's outcome and why an unknown stayed
//! undecided.
//!
//! The interpreter writes here only when a trace was asked for: its field
//! is `None` in every ordinary run, and each hook is one test of that
//! field, so an untraced run does the same work as before.

use crate::span::Source;

/// The lines of a trace, indented by nesting.
#[derive(Debug)]
pub struct Trace {
    /// The permit traced (for line numbers of the values met).
    pub permit: Source,
    pub lines: Vec<String>,
    pub depth: usize,
    /// Requirements that held, failed, or stayed unknown.
    pub passed: usize,
    pub failed: usize,
    pub unknown: usize,
}

impl Trace {
    pub fn new(permit: Source) -> Trace {
        Trace {
            permit,
            lines: Vec::new(),
            depth: 0,
            passed: 0,
            failed: 0,
            unknown: 0,
        }
    }

    pub fn line(&mut self, text: impl AsRef<str>) {
        let indent = "  ".repeat(self.depth + 1);
        for (i, l) in text.as_ref().lines().enumerate() {
            let extra = if i > 0 { "    " } else { "" };
            self.lines.push(format!("{indent}{extra}{l}"));
        }
    }

    /// `line L` of a permit byte offset.
    pub fn at(&self, byte: u32) -> String {
        let (line, col) = self.permit.line_col(byte);
        format!("{}:{line}:{col}", self.permit.name)
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}
