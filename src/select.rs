//! Rule selection (`--select`, `--ignore`) and the exit policy
//! (`--fail-on`, `--exit-zero`): which rules of the library run, and which
//! findings make a run fail.
//!
//! A selector is a rule id, a glob over ids (`*` any run of characters,
//! `?` one character: `air.*`, `*.limits`), or a dotted prefix (`air`
//! selects `air.gb13223-2011.limits`). With `select` given, only the rules
//! it matches run; `ignore` then removes rules. A selector that matches no
//! rule of the library is an error (a typo must not silently select
//! nothing). Selection acts on the library's rules: findings that no
//! policy produces (`document.*`, `internal.*`) are always reported.

use crate::finding::Severity;
use crate::lang::library::Library;

/// Does `pattern` select the rule `id`?
pub fn matches(pattern: &str, id: &str) -> bool {
    if pattern.contains(['*', '?']) {
        glob(pattern.as_bytes(), id.as_bytes())
    } else {
        id == pattern
            || id
                .strip_prefix(pattern)
                .is_some_and(|rest| rest.starts_with('.'))
    }
}

/// `*` and `?` glob matching, iterative (no backtracking blow-up).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Which rules run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.select.is_empty() && self.ignore.is_empty()
    }

    /// Does this selection keep the rule `id`?
    pub fn keeps(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|p| matches(p, id)))
            && !self.ignore.iter().any(|p| matches(p, id))
    }

    /// Keep only the selected rules of `lib`. Returns the selectors that
    /// match no rule of the library (an error for the caller to report).
    pub fn apply(&self, lib: &mut Library) -> Result<(), Vec<String>> {
        let ids = lib.rule_ids();
        let unknown: Vec<String> = self
            .select
            .iter()
            .chain(&self.ignore)
            .filter(|p| !ids.iter().any(|id| matches(p, id)))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        if !self.is_empty() {
            lib.retain_policies(|p| self.keeps(&p.meta.id));
        }
        Ok(())
    }
}

/// The least severe finding that fails a run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Notice,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Notice => "notice",
        }
    }

    /// Does a finding of this severity fail the run? Undecided findings
    /// never do: they are items for a reviewer, not verdicts.
    pub fn fails(self, s: Severity) -> bool {
        let level = match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Notice => Severity::Notice,
        };
        s != Severity::Undecided && s <= level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_globs_and_dotted_prefixes() {
        let id = "air.gb13223-2011.limits";
        for yes in [
            id,
            "air.*",
            "air",
            "air.gb13223-2011",
            "*.limits",
            "air.gb13223-????.limits",
            "*",
        ] {
            assert!(matches(yes, id), "{yes}");
        }
        for no in [
            "ai",
            "air.gb",
            "water.*",
            "*.limit",
            "air.gb13223-2011.limits.x",
            "air.gb13223-20?.limits",
        ] {
            assert!(!matches(no, id), "{no}");
        }
        assert!(glob(b"a*b*c", b"axxbyyc"));
        assert!(!glob(b"a*b*c", b"axxbyy"));
        assert!(glob(b"**", b""));
    }

    #[test]
    fn select_then_ignore() {
        let s = Selection {
            select: vec!["air".into()],
            ignore: vec!["*.special-limits".into()],
        };
        assert!(s.keeps("air.gb13223-2011.limits"));
        assert!(!s.keeps("air.gb13223-2011.special-limits"));
        assert!(!s.keeps("water.gb8978-1996.limits"));
        assert!(Selection::default().keeps("anything"));
    }

    #[test]
    fn fail_levels() {
        assert!(FailOn::Error.fails(Severity::Error));
        assert!(!FailOn::Error.fails(Severity::Warning));
        assert!(FailOn::Warning.fails(Severity::Warning));
        assert!(!FailOn::Warning.fails(Severity::Notice));
        assert!(FailOn::Notice.fails(Severity::Notice));
        assert!(!FailOn::Notice.fails(Severity::Undecided));
    }
}
