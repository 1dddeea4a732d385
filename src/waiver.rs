//! Waivers (豁免): accepted findings, by fingerprint, with a reason, who
//! accepted them and an expiry date. Waivers are never silent: a waived
//! finding is still reported (status `waived`), an expired waiver turns the
//! finding back into an ordinary one with a note, and a waiver that matches
//! no finding is reported as a stale-waiver warning.
//!
//! File format (JSON; documented in docs/output.md, "Waivers"):
//! `{"waivers": [{"fingerprint": "…", "reason": "…", "who": "…", "expires": "YYYY-MM-DD"}]}`

use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::span::SourceFile;
use serde::Deserialize;
use std::collections::BTreeSet;

/// A waiver expires at most this many years after the as-of date of the
/// run: no longer than a permit is valid (排污许可管理条例 第十四条第一款:
/// 排污许可证有效期为5年), so nothing is accepted "for ever".
pub const MAX_YEARS: i32 = 5;

/// Whether `s` holds a character a reader can see: not only whitespace,
/// controls, zero-width or bidi format characters, fillers.
fn visible(s: &str) -> bool {
    s.chars().any(|c| {
        !(c.is_whitespace()
            || c.is_control()
            || crate::escape::is_hazard(c)
            || matches!(
                c,
                '\u{ad}'
                    | '\u{34f}'
                    | '\u{115f}'
                    | '\u{1160}'
                    | '\u{180e}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{2060}'..='\u{206f}'
                    | '\u{3164}'
                    | '\u{fe00}'..='\u{fe0f}'
                    | '\u{feff}'
                    | '\u{ffa0}'
            ))
    })
}

/// Rule id of the stale-waiver warning.
pub const STALE_RULE: &str = "waiver.stale";

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    fingerprint: String,
    reason: String,
    who: String,
    expires: String,
    /// Optional, informational: the rule the waiver was written for.
    #[serde(default)]
    rule: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    waivers: Vec<RawWaiver>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    pub fingerprint: String,
    pub reason: String,
    pub who: String,
    pub expires: Date,
    pub rule: Option<String>,
}

/// What a waiver does to one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Waived until `expires` (inclusive).
    Waived(Waiver),
    /// The waiver expired: the finding counts again.
    Expired(Waiver),
}

impl Effect {
    pub fn waiver(&self) -> &Waiver {
        match self {
            Effect::Waived(w) | Effect::Expired(w) => w,
        }
    }
    pub fn note(&self) -> String {
        match self {
            Effect::Waived(w) => format!("waived until {} by {}: {}", w.expires, w.who, w.reason),
            Effect::Expired(w) => format!(
                "waiver expired on {} (by {}: {})",
                w.expires, w.who, w.reason
            ),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Waivers {
    pub file: String,
    pub list: Vec<Waiver>,
}

impl Waivers {
    /// Parse a waiver file for a run as of `as_of`. Every problem is
    /// reported, with the entry index. `reason` and `who` must hold a
    /// visible character; `expires` may be at most [`MAX_YEARS`] after
    /// `as_of`.
    pub fn parse(file: &str, text: &str, as_of: Date) -> Result<Waivers, Vec<String>> {
        let raw: RawFile = serde_json::from_str(text)
            .map_err(|e| vec![format!("{file}: {}", crate::escape::json_error(&e))])?;
        let mut errors = Vec::new();
        let mut list = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, w) in raw.waivers.into_iter().enumerate() {
            let at = format!("{file}: waivers[{i}]");
            let fp_ok =
                w.fingerprint.len() == 16 && w.fingerprint.bytes().all(|b| b.is_ascii_hexdigit());
            if !fp_ok {
                errors.push(format!(
                    "{at}: fingerprint `{}` is not 16 hex digits",
                    crate::escape::terminal(&w.fingerprint)
                ));
            }
            if !visible(&w.reason) {
                errors.push(format!("{at}: `reason` is empty (no visible character)"));
            }
            if !visible(&w.who) {
                errors.push(format!("{at}: `who` is empty (no visible character)"));
            }
            let limit = as_of.add_years(MAX_YEARS);
            let expires = match Date::parse(&w.expires) {
                None => {
                    errors.push(format!(
                        "{at}: expires `{}` is not a date in the form YYYY-MM-DD",
                        crate::escape::terminal(&w.expires)
                    ));
                    None
                }
                Some(d) if d > limit => {
                    errors.push(format!(
                        "{at}: expires {d} is more than {MAX_YEARS} years after {as_of}; a waiver cannot outlive a permit (valid 5 years)"
                    ));
                    None
                }
                d => d,
            };
            if !seen.insert(w.fingerprint.to_ascii_lowercase()) {
                errors.push(format!(
                    "{at}: fingerprint {} is waived twice",
                    crate::escape::terminal(&w.fingerprint)
                ));
            }
            if let (Some(expires), true) = (expires, fp_ok) {
                list.push(Waiver {
                    fingerprint: w.fingerprint.to_ascii_lowercase(),
                    reason: w.reason,
                    who: w.who,
                    expires,
                    rule: w.rule,
                });
            }
        }
        if errors.is_empty() {
            Ok(Waivers {
                file: file.to_string(),
                list,
            })
        } else {
            Err(errors)
        }
    }

    /// The effect of the waivers on a finding with this fingerprint.
    pub fn effect(&self, fingerprint: &str, as_of: Date) -> Option<Effect> {
        let w = self.list.iter().find(|w| w.fingerprint == fingerprint)?;
        Some(if as_of <= w.expires {
            Effect::Waived(w.clone())
        } else {
            Effect::Expired(w.clone())
        })
    }

    /// Warnings for waivers that matched none of `fingerprints`.
    pub fn stale(&self, fingerprints: &BTreeSet<String>) -> Vec<Finding> {
        let source = SourceFile::new(self.file.clone(), "");
        self.list
            .iter()
            .filter(|w| !fingerprints.contains(&w.fingerprint))
            .map(|w| Finding {
                rule: STALE_RULE.into(),
                severity: Severity::Warning,
                element: "document".into(),
                department: String::new(),
                message: format!(
                    "豁免 {}{} 未匹配本次检查的任何发现（{}，{}，至 {}）：问题可能已整改，请删除该豁免",
                    w.fingerprint,
                    w.rule.as_deref().map(|r| format!("（{r}）")).unwrap_or_default(),
                    w.who,
                    w.reason,
                    w.expires
                ),
                basis: None,
                help: Some("remove the waiver, or check that the fingerprint is current".into()),
                file: source.clone(),
                primary: None,
                labels: Vec::new(),
                path: format!("waivers[{}]", w.fingerprint),
                field_zh: String::new(),
            })
            .collect()
    }
}
