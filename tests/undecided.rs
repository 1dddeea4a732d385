//! No silent passes: a rule that cannot decide says so, once, with what is
//! missing; a rule that can decide says nothing of the kind.

use permitlint::date::Date;
use permitlint::finding::{Finding, Severity};
use permitlint::run::{Options, check_text};

const CEMENT: &str = include_str!("../corpus/cement-01-clean.yaml");

fn check(text: &str) -> (Vec<Finding>, usize, usize) {
    let lib = permitlint::library::shipped().unwrap_or_else(|_| panic!("library"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    let r = check_text(&lib, "permit.yaml", text, &opts, None);
    (r.findings, r.rules_applied, r.rules_undecided)
}

fn undecided(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter()
        .filter(|f| f.severity == Severity::Undecided)
        .collect()
}

#[test]
fn a_stated_fact_leaves_nothing_undecided() {
    let (fs, applied, open) = check(CEMENT);
    assert!(undecided(&fs).is_empty(), "{fs:#?}");
    assert_eq!(open, 0);
    assert!(applied > 20, "{applied}");
}

#[test]
fn an_unstated_reductant_makes_the_nh3_limit_undecided() {
    // GB 4915-2013 limits NH3 only where ammonia or urea is the reductant.
    // The kiln's reductant is not stated: the rule cannot know whether the
    // permitted NH3 concentration is limited, and must say so.
    let text = CEMENT
        .replace("      reductant: ammonia\n", "")
        .replace("technology: sncr_scr", "technology: staged_combustion");
    assert_ne!(text, CEMENT);
    let (fs, _, open) = check(&text);
    let u = undecided(&fs);
    assert_eq!(u.len(), 1, "{u:#?}");
    assert_eq!(u[0].rule, "air.gb4915-2013.limits");
    assert!(u[0].message.contains("脱硝还原剂"), "{}", u[0].message);
    assert!(
        u[0].path.ends_with("facilities.production[0]"),
        "{}",
        u[0].path
    );
    // It points at the facility that lacks the fact.
    let at = &text[u[0].primary.unwrap().range()];
    assert!(at.contains("MF0001"), "{at}");
    assert_eq!(open, 1);
    // Not an error: the exit code stays with real violations.
    assert!(!fs.iter().any(|f| f.severity == Severity::Error));
}

#[test]
fn an_snc_or_scr_installation_says_what_the_reductant_does_not() {
    // The kiln's reductant is not stated, but the outlet's SNCR+SCR
    // denitrification implies an ammonia-containing agent: the NH3 limit
    // applies and is decided (and met in this permit).
    let text = CEMENT.replace("      reductant: ammonia\n", "");
    let (fs, _, open) = check(&text);
    assert!(undecided(&fs).is_empty(), "{fs:#?}");
    assert_eq!(open, 0);
    // A stricter NH3 figure than the permit's breaks it: the row was checked.
    let over = text.replace(
        "{ pollutant: NH3, concentration: 8 mg/m3 }",
        "{ pollutant: NH3, concentration: 80 mg/m3 }",
    );
    assert_ne!(over, text);
    let (fs, _, _) = check(&over);
    assert!(
        fs.iter()
            .any(|f| f.rule == "air.gb4915-2013.limits" && f.message.contains("NH3")),
        "{fs:#?}"
    );
}

#[test]
fn an_undecided_rule_is_a_review_result_in_sarif() {
    let text = CEMENT
        .replace("      reductant: ammonia\n", "")
        .replace("technology: sncr_scr", "technology: staged_combustion");
    let (fs, _, _) = check(&text);
    let run = permitlint::report::RunInfo {
        as_of: Date::parse("2026-12-01").unwrap(),
        files: 1,
        elapsed: std::time::Duration::ZERO,
        rules: Vec::new(),
        tool_version: "test",
    };
    let out = permitlint::report::render(
        permitlint::report::Format::Sarif,
        &fs,
        &run,
        &Default::default(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let review: Vec<_> = results.iter().filter(|r| r["kind"] == "review").collect();
    assert_eq!(review.len(), 1);
    assert_eq!(review[0]["level"], "none");
}
