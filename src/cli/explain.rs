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
}

pub fn run(a: ExplainArgs) -> i32 {
    let Some(lib) = super::load_library(&a.library) else {
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
