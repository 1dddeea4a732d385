//! `permit/v1` documents are still read, with the verdicts they had; and
//! `permitlint migrate` rewrites them as `permit/v2` changing nothing else.

use permitlint::date::Date;
use permitlint::run::{Options, check_text};
use std::path::PathBuf;

#[test]
fn v1_and_v2_give_identical_verdicts_on_the_corpus() {
    let lib = permitlint::library::shipped().unwrap_or_else(|_| panic!("library"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    let (files, _) = permitlint::run::collect(&[PathBuf::from("corpus")]);
    assert!(files.len() >= 30);
    for f in &files {
        let v2 = std::fs::read_to_string(f).unwrap();
        assert!(v2.contains("\nformat: permit/v2"), "{}", f.display());
        let v1 = v2.replacen("\nformat: permit/v2", "\nformat: permit/v1", 1);
        let shape = |text: &str| {
            check_text(&lib, "p.yaml", text, &opts, None)
                .findings
                .iter()
                .map(|x| (x.rule.clone(), x.severity, x.message.clone(), x.primary))
                .collect::<Vec<_>>()
        };
        // A v2-only field (`limit: 1 级`) in the v1 copy is read all the same, with a
        // `document.format-version` warning of its own: that is the only difference allowed.
        let (format_warnings, v1_rest): (Vec<_>, Vec<_>) = shape(&v1)
            .into_iter()
            .partition(|x| x.0 == "document.format-version");
        for w in &format_warnings {
            assert!(w.2.contains("`limit`"), "{}: {}", f.display(), w.2);
        }
        assert_eq!(
            format_warnings.len(),
            v2.matches("limit: ").count(),
            "{}",
            f.display()
        );
        assert_eq!(v1_rest, shape(&v2), "{}", f.display());
    }
}

#[test]
fn a_v2_field_in_a_v1_document_is_read_with_a_warning() {
    let lib = permitlint::library::shipped().unwrap_or_else(|_| panic!("library"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    let text = std::fs::read_to_string("corpus/thermal-power-01-clean.yaml")
        .unwrap()
        .replacen("\nformat: permit/v2", "\nformat: permit/v1", 1)
        .replacen(
            "- { pollutant: SO2, concentration: 35 mg/m3, annual: 368 t/a }",
            "- { pollutant: SO2, concentration: 35 mg/m3, daily: 30 mg/m3, annual: 368 t/a }",
            1,
        );
    let fs = check_text(&lib, "p.yaml", &text, &opts, None).findings;
    let w: Vec<_> = fs
        .iter()
        .filter(|f| f.rule == "document.format-version")
        .collect();
    assert_eq!(w.len(), 1, "{fs:#?}");
    assert!(w[0].message.contains("`daily`"));
    assert!(
        w[0].help
            .as_deref()
            .unwrap_or("")
            .contains("permitlint migrate")
    );
}

#[test]
fn migrate_rewrites_only_the_format_value_and_check_reports() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("corpus/cement-04-defects.yaml").unwrap();
    let v1 = original.replacen("\nformat: permit/v2", "\nformat: permit/v1", 1);
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, &v1).unwrap();
    let bin = || assert_cmd::Command::cargo_bin("permitlint").unwrap();
    let check = bin()
        .args(["migrate", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        v1,
        "--check writes nothing"
    );
    let run = bin().arg("migrate").arg(&path).output().unwrap();
    assert_eq!(run.status.code(), Some(0));
    // Byte for byte the v2 corpus file: comments and layout kept.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    let again = bin()
        .args(["migrate", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
}
