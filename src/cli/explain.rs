//! `permitlint explain RULE`: a rule's own documentation.

use super::LibraryArgs;
use crate::lang::errors::did_you_mean;
use crate::lang::library::CompiledPolicy;
use clap::Args;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule id, e.g. `air.gb13223-2011.limits`.
    pub rule: String,
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Show only the version in force on this date [default: every version,
    /// newest first].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<crate::date::Date>,
}

pub fn run(a: ExplainArgs) -> i32 {
    let Some(lib) = super::load_configured_library(&a.library) else {
        return 2;
    };
    let versions: Vec<&CompiledPolicy> = {
        let mut v: Vec<&CompiledPolicy> = lib
            .policies
            .iter()
            .filter(|p| p.meta.id == a.rule)
            .collect();
        v.sort_by_key(|p| std::cmp::Reverse(p.meta.version));
        v
    };
    if versions.is_empty() {
        eprintln!("error: unknown rule `{}`", a.rule);
        if let Some(h) = did_you_mean(&a.rule, lib.rule_ids()) {
            eprintln!("help: {h}");
        } else {
            eprintln!("help: rules: {}", lib.rule_ids().join(", "));
        }
        return 2;
    }
    let versions = match a.as_of {
        None => versions,
        Some(d) => {
            let all: Vec<String> = versions
                .iter()
                .map(|p| format!("v{} {}", p.meta.version, crate::docs::effective(p)))
                .collect();
            let v: Vec<&CompiledPolicy> = versions
                .into_iter()
                .filter(|p| p.meta.in_force(d))
                .collect();
            if v.is_empty() {
                eprintln!(
                    "error: no version of `{}` is in force on {d} (versions: {})",
                    a.rule,
                    all.join("; ")
                );
                return 2;
            }
            v
        }
    };
    if super::emit(&explain_text(&lib, &versions)) {
        0
    } else {
        2
    }
}

/// The text `explain` prints, also used for `docs/policies.md` and SARIF help.
pub fn explain_text(lib: &crate::lang::library::Library, versions: &[&CompiledPolicy]) -> String {
    let mut s = String::new();
    for (i, p) in versions.iter().enumerate() {
        if i > 0 {
            s.push_str("\n---\n\n");
        }
        s.push_str(&crate::docs::policy_markdown(lib, p));
    }
    s
}
