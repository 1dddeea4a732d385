//! Fail closed: values no rule could decide on are document errors, never
//! silently accepted (non-finite numbers, negative quantities, malformed
//! credit codes on the lists, waivers nobody signed or that never expire,
//! baselines with broken dates, a BOM before a policy).

use permitlint::finding::Finding;
use permitlint::permit::{Limits, load};
use permitlint::span::SourceFile;
use std::path::Path;

fn reference() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/permits/reference.yaml"),
    )
    .unwrap()
}

fn findings(text: &str) -> Vec<Finding> {
    let l = load(SourceFile::new("p.yaml", text), &Limits::default());
    assert!(l.permit.is_some(), "{:?}", l.findings);
    l.findings
}

/// The single finding at `line`, whose message contains `needle`.
fn finding_at(text: &str, line: usize, needle: &str) -> Finding {
    let all = findings(text);
    let at: Vec<&Finding> = all.iter().filter(|f| f.line_col().0 == line).collect();
    assert_eq!(at.len(), 1, "findings at line {line}: {all:?}");
    assert!(
        at[0].message.contains(needle),
        "`{}` lacks `{needle}`",
        at[0].message
    );
    at[0].clone()
}

#[test]
fn reference_is_clean() {
    assert!(findings(&reference()).is_empty());
}

#[test]
fn non_finite_numbers_are_document_errors() {
    for bad in [".inf", "-.inf", ".nan", ".NaN", "1e400"] {
        let t = reference().replacen("complaints: 0 ", &format!("complaints: {bad} "), 1);
        let f = finding_at(&t, 48, "not a finite number");
        assert_eq!(f.rule, "document.wrong-type");
        let t = reference().replacen("lon: 120.612", &format!("lon: {bad}"), 1);
        finding_at(&t, 118, "not a finite number");
    }
}

#[test]
fn negative_quantities_are_document_errors() {
    for bad in ["-350 mg/m3", "-0 mg/m3", "-0.0 mg/m3", "-0.001 mg/m3"] {
        let t = reference().replacen(
            "concentration: 35 mg/m3\n",
            &format!("concentration: {bad}\n"),
            1,
        );
        let f = finding_at(&t, 126, "is negative");
        assert_eq!(f.rule, "document.wrong-type");
    }
    // Zero itself is a quantity.
    let t = reference().replacen("concentration: 35 mg/m3\n", "concentration: 0 mg/m3\n", 1);
    assert!(findings(&t).is_empty());
}

fn lists_fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists")
}

/// `permitlint ARGS --no-builtin --policies <lists fixture policies>` in `dir`.
fn cli(dir: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .arg("--no-builtin")
        .arg("--policies")
        .arg(lists_fixtures().join("policies"))
        .output()
        .unwrap()
}

/// `dir/permits/u1.yaml`: the lists fixture's key unit, edited by `edit`.
fn one_permit(dir: &Path, edit: impl Fn(String) -> String) {
    let text = std::fs::read_to_string(lists_fixtures().join("month1/u1.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("permits")).unwrap();
    std::fs::write(dir.join("permits/u1.yaml"), edit(text)).unwrap();
}

#[test]
fn invalid_credit_code_never_reaches_a_list() {
    let t = tempfile::tempdir().unwrap();
    let code = format!("91320506MA1W9X8Y68{}", "0".repeat(86));
    assert_eq!(code.len(), 104);
    one_permit(t.path(), |s| {
        s.replace("\"91320506MA1W9X8Y68\"", &format!("\"{code}\""))
    });
    let out = cli(
        t.path(),
        &["lists", "permits", "--as-of", "2026-11-01", "--out", "o"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let key = std::fs::read_to_string(t.path().join("o/key.csv")).unwrap();
    assert!(!key.contains("91320506MA1W9X8Y68"), "{key}");
    assert_eq!(key.lines().count(), 1, "only the header: {key}");
    let json = std::fs::read_to_string(t.path().join("o/lists.json")).unwrap();
    assert!(
        json.contains("not a valid unified social credit code"),
        "{json}"
    );
    // A wrong check character is refused the same way.
    one_permit(t.path(), |s| {
        s.replace("\"91320506MA1W9X8Y68\"", "\"91320506MA1W9X8Y69\"")
    });
    cli(
        t.path(),
        &["lists", "permits", "--as-of", "2026-11-01", "--out", "o2"],
    );
    let key = std::fs::read_to_string(t.path().join("o2/key.csv")).unwrap();
    assert_eq!(key.lines().count(), 1, "only the header: {key}");
}

fn waivers(dir: &Path, who: &str, expires: &str) -> std::process::Output {
    let w = serde_json::json!({"waivers": [{
        "fingerprint": "0123456789abcdef", "reason": "已受理变更申请",
        "who": who, "expires": expires }]});
    std::fs::write(dir.join("w.json"), w.to_string()).unwrap();
    cli(
        dir,
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--waivers",
            "w.json",
        ],
    )
}

#[test]
fn waiver_needs_a_visible_signer_and_a_bounded_expiry() {
    let t = tempfile::tempdir().unwrap();
    one_permit(t.path(), |s| s);
    for who in ["\u{200b}", " \u{feff}\u{2060} ", "\u{202e}", "\u{3000}"] {
        let out = waivers(t.path(), who, "2026-12-31");
        assert_eq!(out.status.code(), Some(2), "who {who:?} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("`who` is empty (no visible character)"),
            "{err}"
        );
    }
    for expires in ["9999-12-31", "2031-11-02"] {
        let out = waivers(t.path(), "张三", expires);
        assert_eq!(out.status.code(), Some(2), "expiry {expires} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("more than 5 years after 2026-11-01"), "{err}");
    }
    // Five years to the day is the longest waiver.
    let out = waivers(t.path(), "张三", "2031-11-01");
    assert_ne!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn baseline_with_a_broken_date_is_refused_and_kept() {
    let t = tempfile::tempdir().unwrap();
    one_permit(t.path(), |s| {
        s.replace("  complaints: 0 ", "  complaints: 1 ")
    });
    let out = cli(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let good = std::fs::read_to_string(t.path().join("b.json")).unwrap();
    assert!(good.contains("\"first_seen\": \"2026-11-01\""), "{good}");
    let bad = good.replace(
        "\"first_seen\": \"2026-11-01\"",
        "\"first_seen\": \"not-a-date\"",
    );
    std::fs::write(t.path().join("b.json"), &bad).unwrap();
    let out = cli(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-12-01",
            "--baseline",
            "b.json",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("first_seen `not-a-date` is not a date in the form YYYY-MM-DD"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("b.json")).unwrap(),
        bad
    );
}

#[test]
fn policy_file_starting_with_a_bom_is_accepted() {
    let t = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(lists_fixtures().join("policies/classification.policy")).unwrap();
    std::fs::copy(
        lists_fixtures().join("policies/library.policy"),
        t.path().join("library.policy"),
    )
    .unwrap();
    std::fs::write(
        t.path().join("classification.policy"),
        format!("\u{feff}{text}"),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("permitlint")
        .unwrap()
        .args(["policy", "check"])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // The formatter keeps it parseable (the BOM is dropped).
    let out = assert_cmd::Command::cargo_bin("permitlint")
        .unwrap()
        .args(["policy", "fmt"])
        .arg(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let formatted = std::fs::read_to_string(t.path().join("classification.policy")).unwrap();
    assert!(!formatted.starts_with('\u{feff}'));
}
