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
    /// Parse a waiver file. Every problem is reported, with the entry index.
    pub fn parse(file: &str, text: &str) -> Result<Waivers, Vec<String>> {
        let raw: RawFile = serde_json::from_str(text).map_err(|e| vec![format!("{file}: {e}")])?;
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
                    w.fingerprint
                ));
            }
            if w.reason.trim().is_empty() {
                errors.push(format!("{at}: `reason` is empty"));
            }
            if w.who.trim().is_empty() {
                errors.push(format!("{at}: `who` is empty"));
            }
            let expires = Date::parse(&w.expires);
            if expires.is_none() {
                errors.push(format!(
                    "{at}: expires `{}` is not a date in the form YYYY-MM-DD",
                    w.expires
                ));
            }
            if !seen.insert(w.fingerprint.to_ascii_lowercase()) {
                errors.push(format!(
                    "{at}: fingerprint {} is waived twice",
                    w.fingerprint
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
