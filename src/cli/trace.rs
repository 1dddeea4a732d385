//! `check --trace RULE`: print how one rule evaluated over each permit.

use crate::date::Date;
use crate::lang::library::Library;
use crate::permit::Limits;
use std::path::PathBuf;

/// Is `rule` a rule of the library? Prints the error (and a suggestion)
/// when it is not.
pub fn known(lib: &Library, rule: &str) -> bool {
    if lib.policies.iter().any(|p| p.meta.id == rule) {
        return true;
    }
    if lib.deselected.iter().any(|id| id == rule) {
        eprintln!("error: `--trace {rule}`: the rule is not selected (see `--select`/`--ignore`)");
        return false;
    }
    eprintln!("error: `--trace {rule}`: unknown rule");
    if let Some(h) = crate::lang::errors::did_you_mean(rule, lib.rule_ids()) {
        eprintln!("help: {h}");
    }
    false
}

/// The trace of `rule` over each file, as text.
pub fn traces(
    lib: &Library,
    files: &[PathBuf],
    as_of: Date,
    limits: &Limits,
    rule: &str,
) -> String {
    let mut out = String::new();
    let in_force: Vec<_> = lib
        .in_force(as_of)
        .into_iter()
        .filter(|p| p.meta.id == rule)
        .collect();
    for f in files {
        out.push_str(&format!(
            "trace of {rule} over {} as of {as_of}\n",
            f.display()
        ));
        if in_force.is_empty() {
            let versions: Vec<String> = lib
                .policies
                .iter()
                .filter(|p| p.meta.id == rule)
                .map(|p| format!("v{} {}", p.meta.version, crate::docs::effective(p)))
                .collect();
            out.push_str(&format!(
                "  not in force on {as_of} (versions: {}): it does not run\n\n",
                versions.join("; ")
            ));
            continue;
        }
        let loaded = crate::permit::load_path(f, limits);
        let Some(permit) = &loaded.permit else {
            out.push_str("  not evaluated: the file is not a readable permit (see its `document` findings)\n\n");
            continue;
        };
        let (_, t) = crate::eval::evaluate_traced(lib, permit, as_of, &loaded.findings, rule);
        out.push_str(&t.render());
        out.push('\n');
    }
    out
}
