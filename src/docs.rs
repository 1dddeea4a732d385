//! Documentation generated from the policies themselves (`explain`,
//! `docs/policies.md`, SARIF rule help).

use crate::lang::library::{CompiledPolicy, Library};

pub fn effective(p: &CompiledPolicy) -> String {
    match (p.meta.effective_from, p.meta.effective_until) {
        (Some(a), Some(b)) => format!("{a} .. {b}"),
        (Some(a), None) => format!("from {a}"),
        (None, Some(b)) => format!("until {b}"),
        (None, None) => "always".into(),
    }
}

/// One rule as Markdown, in fixed sections (ruff's model).
pub fn policy_markdown(lib: &Library, p: &CompiledPolicy) -> String {
    let m = &p.meta;
    let mut s = format!("## {} — {}\n\n", m.id, m.title);
    s.push_str(&format!(
        "- version: {}\n- basis: {}\n- element: {} → {}\n- severity: {}\n- effective: {}\n",
        m.version,
        m.basis,
        m.element,
        lib.department(&m.element),
        m.severity,
        effective(p)
    ));
    if let Some(sup) = &m.supersedes {
        s.push_str(&format!("- supersedes: {sup}\n"));
    }
    s.push_str(&format!("- file: {}\n\n", m.file));
    for (title, key) in [
        ("What it checks", "what"),
        ("Why", "why"),
        ("Violating example", "violating"),
        ("Conforming example", "conforming"),
        ("Notes", "notes"),
        ("References", "references"),
    ] {
        if let Some(text) = m.doc_section(key) {
            s.push_str(&format!("### {title}\n\n"));
            if key == "violating" || key == "conforming" {
                s.push_str("```yaml\n");
                s.push_str(text.trim_end());
                s.push_str("\n```\n\n");
            } else {
                s.push_str(text.trim_end());
                s.push_str("\n\n");
            }
        }
    }
    s
}

/// `docs/policies.md`: every rule of the library with its basis.
pub fn policies_markdown(lib: &Library) -> String {
    let mut ps: Vec<&CompiledPolicy> = lib.policies.iter().collect();
    ps.sort_by(|a, b| {
        a.meta
            .id
            .cmp(&b.meta.id)
            .then(a.meta.version.cmp(&b.meta.version))
    });
    let mut s = String::from(
        "# Policies\n\nGenerated from the shipped policies' own documentation by `permitlint policy docs`; do not edit by hand (a test keeps it in sync).\n\n| rule | version | element | severity | effective | basis |\n|---|---|---|---|---|---|\n",
    );
    for p in &ps {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            p.meta.id,
            p.meta.version,
            p.meta.element,
            p.meta.severity,
            effective(p),
            p.meta.basis.replace('|', "\\|")
        ));
    }
    s.push('\n');
    s.push_str(STANDARDS_COVERAGE);
    s.push('\n');
    for p in &ps {
        s.push_str(&policy_markdown(lib, p));
    }
    s
}

/// Per-standard coverage of the shipped library (rows encoded and not, source
/// grades), kept beside the policies it describes.
const STANDARDS_COVERAGE: &str = include_str!("../policies/STANDARDS.md");
