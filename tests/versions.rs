//! Standards change: versions in force by date, and the exact verdict
//! changes a revised standard makes on the corpus.

use permitlint::date::Date;
use permitlint::finding::Finding;
use permitlint::lang::library::{Library, build};
use permitlint::run::{self, Options};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn corpus(lib: &Library, as_of: &str) -> Vec<Finding> {
    let (files, _) = run::collect(&[PathBuf::from("corpus")]);
    let mut all = Vec::new();
    run::check_files(
        lib,
        &files,
        &Options::new(Date::parse(as_of).unwrap()),
        false,
        |rs| {
            for r in rs {
                all.extend(r.findings);
            }
        },
    );
    all
}

fn shipped_files() -> Vec<(String, String)> {
    permitlint::library::embedded_files()
}

#[test]
fn the_version_in_force_is_chosen_by_date() {
    let lib = build(shipped_files()).unwrap();
    let ids = |d: &str| -> BTreeSet<String> {
        lib.in_force(Date::parse(d).unwrap())
            .iter()
            .map(|p| p.meta.id.clone())
            .collect()
    };
    let (y2010, y2013, y2026) = (ids("2010-06-01"), ids("2013-06-01"), ids("2026-12-01"));
    // GB 13223-2003 governs until existing units move to GB 13223-2011 (2014-07-01).
    assert!(
        y2010.contains("air.gb13223-2003.periods") && !y2010.contains("air.gb13223-2011.limits")
    );
    assert!(
        y2013.contains("air.gb13223-2003.periods") && y2013.contains("air.gb13223-2011.limits")
    );
    assert!(
        !y2026.contains("air.gb13223-2003.periods") && y2026.contains("air.gb13223-2011.limits")
    );
    let sup = lib.find("air.gb13223-2011.limits", None).unwrap();
    assert_eq!(
        sup.meta.supersedes.as_deref(),
        Some("air.gb13223-2003.periods")
    );
}

/// A revision of GB 13223-2011 table 1 written as version 2 of the rule,
/// in force from 2026-06-01, with the existing-unit SO2 limit lowered from
/// 200 to 100 mg/m3 (a test revision, not a real standard); version 1 ends
/// where version 2 begins.
fn revised_library() -> Library {
    let mut files = shipped_files();
    let (_, text) = files
        .iter_mut()
        .find(|(n, _)| n.ends_with("air/gb13223-2011.policy"))
        .expect("gb13223-2011.policy is shipped");
    let original = text.clone();
    let start = original.find("policy air.gb13223-2011.limits").unwrap();
    let end = start
        + original[start..]
            .find("\npolicy ")
            .unwrap_or(original.len() - start);
    let v1 = original[start..end].replacen(
        "effective 2012-01-01 ..",
        "effective 2012-01-01 .. 2026-06-01",
        1,
    );
    let v2 = original[start..end]
        .replacen("version 1", "version 2", 1)
        .replacen("effective 2012-01-01 ..", "effective 2026-06-01 ..", 1)
        .replace("gb13223_t1_coal", "gb13223_t1_coal_v2");
    let table_start = original.find("table gb13223_t1_coal(").unwrap();
    let table_end = table_start + original[table_start..].find("\n}\n").unwrap() + 3;
    let table_v2 = original[table_start..table_end]
        .replace("gb13223_t1_coal(", "gb13223_t1_coal_v2(")
        .replace(
            "| SO2       | 100 mg/m3  | 200 mg/m3  |",
            "| SO2       | 100 mg/m3  | 100 mg/m3  |",
        );
    assert_ne!(
        table_v2,
        original[table_start..table_end],
        "the revision changed the table"
    );
    *text = format!(
        "{}{}{}\n{}\n{}",
        &original[..start],
        v1,
        &original[end..],
        table_v2,
        v2
    );
    match build(files) {
        Ok(l) => l,
        Err(e) => panic!(
            "revised library does not check: {:?}",
            e.check.iter().map(|c| c.to_string()).collect::<Vec<_>>()
        ),
    }
}

#[test]
fn a_revised_standard_changes_exactly_these_verdicts() {
    let old = build(shipped_files()).unwrap();
    let new = revised_library();
    let d = permitlint::diff::diff(&corpus(&old, "2026-12-01"), &corpus(&new, "2026-12-01"));
    let changed: Vec<String> = d
        .entries
        .iter()
        .map(|e| {
            let kind = match &e.change {
                permitlint::diff::Change::Appeared { new } => format!("+ line {}", new.line),
                permitlint::diff::Change::Disappeared { old } => format!("- line {}", old.line),
                permitlint::diff::Change::Changed { new, .. } => format!("~ line {}", new.line),
            };
            format!("{} {} {}", e.file, e.rule, kind)
        })
        .collect();
    insta::assert_snapshot!("revised_gb13223_changes", changed.join("\n"));
    // Before the revision takes effect nothing changes.
    let before = permitlint::diff::diff(&corpus(&old, "2026-05-01"), &corpus(&new, "2026-05-01"));
    assert!(before.is_empty(), "{:?}", before.entries);
}
