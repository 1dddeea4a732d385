//! The shipped library over the shipped corpus, as of 2026-12-01:
//! the manifest (`tests/corpus_manifest.yaml`) is asserted both ways, and
//! the full verdict is snapshotted in the human and JSON formats, so any
//! change of a verdict shows up in review.

use permitlint::date::Date;
use permitlint::finding::{Finding, Severity};
use permitlint::permit::model::Node;
use permitlint::report::{self, Format, HumanOptions, RunInfo};
use permitlint::run::{self, Options};
use std::collections::BTreeSet;
use std::path::PathBuf;

const AS_OF: &str = "2026-12-01";

fn as_of() -> Date {
    Date::parse(AS_OF).unwrap()
}

fn corpus_findings(as_of: Date) -> (usize, Vec<Finding>) {
    let lib =
        permitlint::library::shipped().unwrap_or_else(|_| panic!("shipped library has errors"));
    let (files, issues) = run::collect(&[PathBuf::from("corpus")]);
    assert!(issues.is_empty());
    let mut all = Vec::new();
    run::check_files(&lib, &files, &Options::new(as_of), false, |rs| {
        for r in rs {
            all.extend(r.findings);
        }
    });
    (files.len(), all)
}

fn str_of(n: &Node, key: &str) -> Option<String> {
    n.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

/// (file, rule, line) expected, the files declared clean, every file listed.
type Manifest = (
    BTreeSet<(String, String, usize)>,
    BTreeSet<String>,
    BTreeSet<String>,
);

/// Read the manifest with permitlint's own YAML reader.
fn manifest() -> Manifest {
    let text = std::fs::read_to_string("tests/corpus_manifest.yaml").unwrap();
    let root = permitlint::permit::yaml::parse(&text, &Default::default()).unwrap();
    let mut expected = BTreeSet::new();
    let mut clean = BTreeSet::new();
    let mut listed = BTreeSet::new();
    for entry in root.items() {
        let file = format!("corpus/{}", str_of(entry, "file").unwrap());
        listed.insert(file.clone());
        if matches!(
            entry.get("clean").map(|n| &n.value),
            Some(permitlint::permit::model::Value::Bool(true))
        ) {
            clean.insert(file.clone());
        }
        if let Some(list) = entry.get("expect") {
            for e in list.items() {
                let rule = str_of(e, "rule").unwrap();
                let line = match e.get("line").map(|n| &n.value) {
                    Some(permitlint::permit::model::Value::Int(i)) => *i as usize,
                    other => panic!("bad line {other:?}"),
                };
                expected.insert((file.clone(), rule, line));
            }
        }
    }
    (expected, clean, listed)
}

#[test]
fn manifest_lists_every_corpus_file() {
    let (_, _, listed) = manifest();
    let (files, _) = run::collect(&[PathBuf::from("corpus")]);
    let on_disk: BTreeSet<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(listed, on_disk);
    assert!(on_disk.len() >= 30);
}

#[test]
fn corpus_verdict_matches_the_manifest() {
    let (expected, clean, _) = manifest();
    let (_, findings) = corpus_findings(as_of());
    let actual: BTreeSet<(String, String, usize)> = findings
        .iter()
        .filter(|f| f.severity != Severity::Notice)
        .map(|f| (f.file.name.clone(), f.rule.clone(), f.line_col().0))
        .collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    let dirty_clean: Vec<_> = unexpected
        .iter()
        .filter(|(f, _, _)| clean.contains(f))
        .collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "expected but not found ({}):\n{:#?}\nfound but not expected ({}; {} in files declared clean):\n{:#?}",
        missing.len(),
        missing,
        unexpected.len(),
        dirty_clean.len(),
        unexpected
    );
}

fn render(format: Format) -> String {
    let (files, findings) = corpus_findings(as_of());
    let info = RunInfo {
        as_of: as_of(),
        files,
        elapsed: std::time::Duration::ZERO,
        rules: Vec::new(),
        tool_version: "snapshot",
    };
    report::render(format, &findings, &info, &HumanOptions::default())
}

#[test]
fn corpus_verdict_human_snapshot() {
    insta::assert_snapshot!("corpus_human", render(Format::Human));
}

#[test]
fn corpus_verdict_json_snapshot() {
    insta::assert_snapshot!("corpus_json", render(Format::Json));
}

/// The corpus verdict under the versions in force on 2013-06-01 (GB 13223-2003
/// still governs existing units; several later rules are not yet in force).
#[test]
fn corpus_verdict_2013_snapshot() {
    let (_, findings) = corpus_findings(Date::parse("2013-06-01").unwrap());
    let lines: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} [{}]",
                f.file.name,
                f.line_col().0,
                f.rule,
                f.severity
            )
        })
        .collect();
    insta::assert_snapshot!("corpus_2013", lines.join("\n"));
}
