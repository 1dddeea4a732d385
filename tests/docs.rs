//! The documents tell the truth about the repository as it stands:
//! - no merge-conflict marker and no relative link to a file that does not
//!   exist, in `README.md`, `docs/`, `corpus/README.md` and
//!   `policies/README.md`;
//! - no file refers to the shared folder outside the repository, by its
//!   absolute path or a relative one;
//! - the figures the READMEs state about the shipped data (corpus size,
//!   clean and defective permits, errors and warnings, rules shipped) are
//!   those of a run.

use permitlint::date::Date;
use permitlint::finding::Severity;
use permitlint::run::{self, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The Markdown files the repository ships as documentation.
fn documents() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["README.md", "corpus/README.md", "policies/README.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let mut stack = vec![PathBuf::from("docs")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("docs folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Conflict markers at the start of a line.
fn conflict_markers(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.starts_with("<<<<<<< ")
                || l.starts_with(">>>>>>> ")
                || *l == "======="
                || l.starts_with("||||||| ")
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Targets of Markdown links `[text](target)` outside code blocks and
/// code spans.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop code spans.
        let plain: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = plain.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].trim().to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// A link target that must be a file or folder of the repository.
fn local_target(doc: &Path, target: &str) -> Option<PathBuf> {
    let target = target.split_whitespace().next().unwrap_or("");
    if target.is_empty()
        || target.starts_with('#')
        || target.contains("://")
        || target.starts_with("mailto:")
    {
        return None;
    }
    let path = target.split('#').next().unwrap_or(target);
    let base = doc.parent().unwrap_or(Path::new(""));
    Some(base.join(path))
}

/// Repository paths named in the text (`docs/permit-format.md`,
/// `src/review/plain.rs`), in code spans or not: a word that starts with a
/// top-level folder and names a file with an extension. Patterns (`*`,
/// `NAME`, `<area>`) are not paths.
fn named_paths(text: &str) -> Vec<(usize, String)> {
    const TOP: &[&str] = &[
        "docs/",
        "src/",
        "tests/",
        "policies/",
        "corpus/",
        "benches/",
        "grammar/",
        "fuzz/",
        ".ci/",
    ];
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let words = line.split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '`' | '('
                        | ')'
                        | '['
                        | ']'
                        | ','
                        | ';'
                        | '"'
                        | '\''
                        | '：'
                        | '，'
                        | '（'
                        | '）'
                )
        });
        for w in words {
            let w = w.trim_end_matches(['.', ':']);
            // `file#anchor`, `file:line:col`.
            let w = w.split(['#', ':']).next().unwrap_or(w);
            if !TOP.iter().any(|t| w.starts_with(t)) {
                continue;
            }
            let file = w.rsplit('/').next().unwrap_or("");
            let pattern =
                w.contains(['*', '<', '{', '…']) || w.contains("NAME") || w.contains("...");
            if pattern || !file.contains('.') || file.ends_with('.') {
                continue;
            }
            out.push((n + 1, w.to_string()));
        }
    }
    out
}

#[test]
fn link_checker_finds_links() {
    let named: Vec<String> =
        named_paths("see `docs/a.md` and src/x.rs, not `tests/*.yaml` or docs/\n")
            .into_iter()
            .map(|(_, p)| p)
            .collect();
    assert_eq!(named, ["docs/a.md", "src/x.rs"]);
    let l = links("see [a](docs/a.md#x) and `[b](c)` and [c](https://x.org)\n```\n[d](e)\n```\n");
    let targets: Vec<&str> = l.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(targets, ["docs/a.md#x", "https://x.org"]);
    assert_eq!(
        conflict_markers("a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> x\n"),
        [2, 4, 6]
    );
    assert!(local_target(Path::new("docs/x.md"), "https://x.org").is_none());
    assert_eq!(
        local_target(Path::new("docs/x.md"), "language.md#safety"),
        Some(PathBuf::from("docs/language.md"))
    );
}

#[test]
fn documents_have_no_conflict_markers_or_dead_links() {
    let mut problems = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("document");
        for line in conflict_markers(&text) {
            problems.push(format!("{}:{line}: merge-conflict marker", doc.display()));
        }
        for (line, path) in named_paths(&text) {
            if !Path::new(&path).exists() {
                problems.push(format!(
                    "{}:{line}: names `{path}`, which does not exist",
                    doc.display()
                ));
            }
        }
        for (line, target) in links(&text) {
            if let Some(path) = local_target(&doc, &target)
                && !path.exists()
            {
                problems.push(format!(
                    "{}:{line}: link to `{target}`, which does not exist",
                    doc.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_file_refers_outside_the_repository() {
    let mut problems = Vec::new();
    let mut stack = vec![PathBuf::from(".")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("folder").flatten() {
            let p = e.path();
            let name = e.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            // Split so this file does not name the folder itself.
            for needle in [["/work/", "shared"].concat(), ["../", "shared"].concat()] {
                if text.contains(&needle) {
                    problems.push(format!("{}: refers to `{needle}`", p.display()));
                }
            }
        }
    }
    problems.sort();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The first number before `word` in `text`: `43 errors` → 43.
fn number_before(text: &str, word: &str) -> Option<usize> {
    let at = text.find(word)?;
    let head = text[..at].trim_end().trim_end_matches("**").trim_end();
    let digits: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

#[test]
fn figures_about_the_shipped_data_are_those_of_a_run() {
    let lib = permitlint::library::shipped().expect("shipped library");
    let as_of = Date::parse("2026-12-01").expect("valid date");
    let (files, _) = run::collect(&[PathBuf::from("corpus")]);
    let mut per_file: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    for f in &files {
        let r = run::check_file(&lib, f, &Options::new(as_of), false, None);
        let c = per_file.entry(r.path.clone()).or_default();
        for x in &r.findings {
            match x.severity {
                Severity::Error => c[0] += 1,
                Severity::Warning => c[1] += 1,
                Severity::Notice | Severity::Undecided => {}
            }
        }
    }
    let clean: Vec<_> = per_file
        .keys()
        .filter(|k| k.ends_with("-clean.yaml"))
        .collect();
    let defects: Vec<_> = per_file
        .keys()
        .filter(|k| k.ends_with("-defects.yaml"))
        .collect();
    let errors: usize = per_file.values().map(|c| c[0]).sum();
    let warnings: usize = per_file.values().map(|c| c[1]).sum();
    for k in &clean {
        assert_eq!(per_file[*k], [0, 0], "{k} is called clean");
    }
    let corpus = std::fs::read_to_string("corpus/README.md").expect("corpus README");
    // "1–N each": the most defects a defective permit has, as the README says.
    let most: usize = corpus
        .split("1–")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the README gives the defects per permit as `1–N each`");
    for k in &defects {
        let n = per_file[*k][0] + per_file[*k][1];
        assert!(
            (1..=most).contains(&n),
            "{k}: {n} errors and warnings, the README says 1–{most}"
        );
    }

    assert_eq!(
        number_before(&corpus, "realistic"),
        Some(files.len()),
        "corpus size"
    );
    assert_eq!(
        number_before(&corpus, "clean permits"),
        Some(clean.len()),
        "clean permits"
    );
    assert_eq!(
        number_before(&corpus, "permits with deliberate defects"),
        Some(defects.len()),
        "defective permits"
    );
    assert_eq!(number_before(&corpus, "errors and"), Some(errors), "errors");
    assert_eq!(
        number_before(&corpus, "warnings in"),
        Some(warnings),
        "warnings"
    );

    let readme = std::fs::read_to_string("README.md").expect("README");
    assert_eq!(
        number_before(&readme, "file(s) as of"),
        Some(files.len()),
        "README's `checked N file(s)`"
    );
    assert_eq!(
        number_before(&readme, "rules across"),
        Some(lib.policies.len()),
        "README's rule count"
    );
}
