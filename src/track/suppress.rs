//! Suppression comments in a permit:
//!
//! ```yaml
//! outlets:
//!   # permitlint: ignore[air.gb13223-2011.limits] 2025年改造完成前执行地方过渡限值（X环函〔2024〕12号）
//!   - id: DA001
//!     ...
//!     concentration: 250 mg/m3   # permitlint: ignore[air.ultra-low.*] 非超低排放机组
//! ```
//!
//! A comment on a line of its own applies to the next line with content; a
//! comment after a value applies to its own line. Either way it covers that
//! line and, when the line heads a mapping or a list item, every line of
//! that mapping (the lines below it that are indented further). Inside the
//! brackets: rule selectors, comma-separated, as for `--select` (an id, a
//! glob, a dotted prefix). After them, the reason — required.
//!
//! Every suppression is accounted for: the findings it took out are
//! returned (and reported as suppressed, with the reason); a suppression
//! that took nothing out is a warning (`suppression.unused`), one without a
//! reason or that cannot be read is a warning and suppresses nothing
//! (`suppression.no-reason`, `suppression.malformed`). A permit without the
//! marker `permitlint:` costs one substring search.

use crate::finding::{Finding, Severity};
use crate::span::{Source, Span};

/// The marker that starts a suppression comment (after `#`).
pub const MARKER: &str = "permitlint:";

pub use crate::finding::Suppressed;

/// One parsed comment.
#[derive(Debug, Clone, PartialEq)]
struct Comment {
    /// Span of the comment text (from `#`).
    span: Span,
    line: usize,
    selectors: Vec<String>,
    reason: String,
    /// Lines covered, 1-based inclusive.
    lines: (usize, usize),
}

/// What the run knows about rules, to tell an unused suppression from one
/// naming a rule that did not run (deselected, or not in force).
pub trait Rules {
    /// Does `selector` match a rule that ran over this permit?
    fn ran(&self, selector: &str) -> bool;
    /// Does `selector` match any rule permitlint knows (run or not)?
    fn exists(&self, selector: &str) -> bool;
}

/// [`Rules`] of a run: the library's policies in force on a date, and the
/// built-in rules (document checks), which always run.
pub struct RunRules<'a> {
    pub lib: &'a crate::lang::library::Library,
    pub as_of: crate::date::Date,
}

impl Rules for RunRules<'_> {
    fn ran(&self, selector: &str) -> bool {
        let m = |id: &str| crate::select::matches(selector, id);
        self.lib.in_force(self.as_of).iter().any(|p| m(&p.meta.id))
            || crate::finding::BUILTIN_RULES.iter().any(|b| m(b.id))
    }
    fn exists(&self, selector: &str) -> bool {
        let m = |id: &str| crate::select::matches(selector, id);
        self.ran(selector)
            || self.lib.rule_ids().into_iter().any(m)
            || self.lib.deselected.iter().any(|id| m(id))
    }
}

/// Apply the suppression comments of `source` to `findings` (sorted; the
/// order is kept). Returns the suppressed findings; warnings about the
/// comments themselves are added to `findings`.
pub fn apply(source: &Source, findings: &mut Vec<Finding>, rules: &dyn Rules) -> Vec<Suppressed> {
    if !source.text.contains(MARKER) {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    let comments = parse(source, &mut warnings);
    let mut used = vec![false; comments.len()];
    let mut suppressed = Vec::new();
    let mut kept = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        let hit = f.primary.and_then(|span| {
            let (line, _) = source.line_col(span.start);
            comments.iter().position(|c| {
                line >= c.lines.0
                    && line <= c.lines.1
                    && c.selectors
                        .iter()
                        .any(|s| crate::select::matches(s, &f.rule))
            })
        });
        match hit {
            // Findings about another file (none today) are never suppressed.
            Some(i) if std::sync::Arc::ptr_eq(&f.file, source) || f.file.name == source.name => {
                used[i] = true;
                suppressed.push(Suppressed {
                    reason: comments[i].reason.clone(),
                    comment_line: comments[i].line,
                    finding: f,
                });
            }
            _ => kept.push(f),
        }
    }
    for (c, used) in comments.iter().zip(used) {
        if used {
            continue;
        }
        let ran = c.selectors.iter().any(|s| rules.ran(s));
        let exists = c.selectors.iter().any(|s| rules.exists(s));
        if ran {
            warnings.push(warning(
                source,
                c.span,
                "suppression.unused",
                format!(
                    "this suppression of `{}` matches no finding (lines {}–{})",
                    c.selectors.join(", "),
                    c.lines.0,
                    c.lines.1
                ),
                "remove it, or move it to the line of the finding or the mapping that holds it",
            ));
        } else if !exists {
            warnings.push(warning(
                source,
                c.span,
                "suppression.unused",
                format!(
                    "this suppression names no rule: `{}`",
                    c.selectors.join(", ")
                ),
                "`permitlint rules --all` lists every rule id",
            ));
        }
    }
    kept.extend(warnings);
    crate::finding::sort(&mut kept);
    *findings = kept;
    suppressed
}

fn warning(source: &Source, span: Span, rule: &str, message: String, help: &str) -> Finding {
    Finding {
        rule: rule.into(),
        severity: Severity::Warning,
        element: "document".into(),
        department: String::new(),
        message,
        basis: None,
        help: Some(help.into()),
        file: source.clone(),
        primary: Some(span),
        labels: Vec::new(),
        path: String::new(),
        field_zh: String::new(),
    }
}

/// Leading spaces of a line (a list item's `-` counts as content).
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// Every suppression comment, with the lines it covers. Malformed ones and
/// those without a reason become warnings and are not returned.
fn parse(source: &Source, warnings: &mut Vec<Finding>) -> Vec<Comment> {
    let text = source.text.as_str();
    let lines: Vec<(usize, &str)> = {
        let mut out = Vec::new();
        let mut at = 0;
        for l in text.split_inclusive('\n') {
            out.push((at, l.trim_end_matches(['\n', '\r'])));
            at += l.len();
        }
        out
    };
    let mut comments = Vec::new();
    for (n, &(start, line)) in lines.iter().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let body = line[hash + 1..].trim_start();
        let Some(rest) = body.strip_prefix(MARKER) else {
            continue;
        };
        let span = Span::new(start + hash, start + line.len());
        let rest = rest.trim_start();
        let parsed = rest.strip_prefix("ignore[").and_then(|r| {
            let close = r.find(']')?;
            let selectors: Vec<String> = r[..close]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            (!selectors.is_empty()).then(|| (selectors, r[close + 1..].trim().to_string()))
        });
        let Some((selectors, reason)) = parsed else {
            warnings.push(warning(
                source,
                span,
                "suppression.malformed",
                "a `permitlint:` comment that is not `ignore[RULE, ...] reason`; it suppresses nothing".into(),
                "write `# permitlint: ignore[air.gb13223-2011.limits] 原因`",
            ));
            continue;
        };
        if reason.is_empty() {
            warnings.push(warning(
                source,
                span,
                "suppression.no-reason",
                format!(
                    "this suppression of `{}` gives no reason; it suppresses nothing",
                    selectors.join(", ")
                ),
                "write the reason after the brackets: `# permitlint: ignore[RULE] 原因（文号）`",
            ));
            continue;
        }
        // The line covered: this one when the comment follows content, else
        // the next line with content.
        let own_line = line[..hash].trim().is_empty();
        let target = if own_line {
            (n + 1..lines.len()).find(|&i| is_content(lines[i].1))
        } else {
            Some(n)
        };
        let Some(t) = target else {
            warnings.push(warning(
                source,
                span,
                "suppression.unused",
                format!(
                    "this suppression of `{}` is followed by nothing it could apply to",
                    selectors.join(", ")
                ),
                "put it on the line of the finding or above the mapping that holds it",
            ));
            continue;
        };
        let head = lines[t].1;
        let i = indent(head);
        // A key with a block below (`outlets:`) may have its list at the
        // same indent (`- id: ...`).
        let key_line = !head.trim_start().starts_with("- ");
        let mut end = t;
        for (j, &(_, l)) in lines.iter().enumerate().skip(t + 1) {
            if !is_content(l) {
                continue;
            }
            let li = indent(l);
            if li > i || (key_line && li == i && l.trim_start().starts_with("- ")) {
                end = j;
            } else {
                break;
            }
        }
        comments.push(Comment {
            span,
            line: n + 1,
            selectors,
            reason,
            lines: (t + 1, end + 1),
        });
    }
    comments
}

/// Byte offset of the `#` that starts a comment on this line: at the start
/// or after a space, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && (prev == ' ' || prev == ':' || i == 0) => {
                quote = Some(c)
            }
            None if c == '#' && (prev == ' ' || prev == '\t' || i == 0) => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceFile;

    struct All;
    impl Rules for All {
        fn ran(&self, _: &str) -> bool {
            true
        }
        fn exists(&self, _: &str) -> bool {
            true
        }
    }

    fn covered(text: &str) -> Vec<(usize, (usize, usize), String)> {
        let src = SourceFile::new("t.yaml", text);
        let mut w = Vec::new();
        parse(&src, &mut w)
            .into_iter()
            .map(|c| (c.line, c.lines, c.reason))
            .collect()
    }

    #[test]
    fn own_line_comments_cover_the_mapping_below_and_trailing_ones_their_line() {
        let text = "\
air:
  outlets:
    # permitlint: ignore[air.x] 过渡期
    - id: DA001
      pollutants:
        - pollutant: SO2
          concentration: 250 mg/m3   # permitlint: ignore[air.y] 非超低
        - pollutant: NOx

    - id: DA002
";
        assert_eq!(
            covered(text),
            [
                (3, (4, 8), "过渡期".to_string()),
                (7, (7, 7), "非超低".to_string())
            ]
        );
        // A key heading a list at its own indent covers the list.
        let text = "# permitlint: ignore[a] r\noutlets:\n- id: 1\n  x: 2\n- id: 2\nnext: 3\n";
        assert_eq!(covered(text), [(1, (2, 5), "r".to_string())]);
    }

    #[test]
    fn quotes_hide_hashes_and_bad_comments_are_warnings() {
        assert_eq!(comment_start("a: \"x # permitlint: ignore[a] r\""), None);
        assert_eq!(comment_start("a: b # c"), Some(5));
        assert_eq!(comment_start("a: b#c"), None);
        let src = SourceFile::new(
            "t.yaml",
            "a: 1 # permitlint: ignore[a]\nb: 2 # permitlint: ignroe[a] x\nc: 3 # permitlint: ignore[] x\n",
        );
        let mut findings = Vec::new();
        let s = apply(&src, &mut findings, &All);
        assert!(s.is_empty());
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "suppression.no-reason",
                "suppression.malformed",
                "suppression.malformed"
            ]
        );
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    }

    #[test]
    fn a_text_without_the_marker_is_untouched() {
        let src = SourceFile::new("t.yaml", "a: 1 # ignore[x] y\n");
        let mut findings = Vec::new();
        assert!(apply(&src, &mut findings, &All).is_empty());
        assert!(findings.is_empty());
    }
}
