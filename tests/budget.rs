//! Time and memory: a hostile permit or policy costs a bounded amount.
//! Each policy has an evaluation budget per permit (loop iterations and
//! message bytes): running out is an error finding for that rule and
//! permit, and the run goes on. Date arithmetic that overflows is unknown.
//! The quadratic paths of loading (duplicate keys, long industry codes with
//! `prefix_row`) are linear.

use crate::common;

use permitlint::date::Date;
use permitlint::eval::interp::{Budget, MAX_MESSAGE_BYTES};
use permitlint::finding::{Finding, Severity};
use permitlint::lang::library::{Library, build};
use permitlint::permit::{Limits, load};
use permitlint::run::{self, Options};
use permitlint::span::SourceFile;
use std::time::{Duration, Instant};

const REFERENCE: &str = include_str!("fixtures/permits/reference.yaml");
const LIBRARY: &str = include_str!("../policies/library.policy");

fn library(policies: &[(&str, &str)]) -> Library {
    let mut files = vec![("policies/library.policy".to_string(), LIBRARY.to_string())];
    for (name, body) in policies {
        files.push((
            format!("{name}.policy"),
            common::policy(name, "error", body),
        ));
    }
    build(files).unwrap_or_else(|e| panic!("{}", common::render_library_errors(&e)))
}

fn check(lib: &Library, text: &str, budget: Budget) -> Vec<Finding> {
    let mut opts = Options::new(Date::parse("2026-12-01").unwrap());
    opts.budget = budget;
    run::check_text(lib, "p.yaml", text, &opts, None).findings
}

/// The reference permit with `n` monitoring entries.
fn with_monitoring(n: usize) -> String {
    let start = REFERENCE.find("\nmonitoring:").unwrap();
    let start = REFERENCE[start + 1..].find('\n').unwrap() + start + 2;
    let end = REFERENCE[start..].find("\n\n").unwrap() + start + 1;
    let entries: String = (0..n)
        .map(|_| "  - { outlet: DA001, pollutant: SO2, method: manual, frequency: monthly }\n")
        .collect();
    format!("{}{entries}{}", &REFERENCE[..start], &REFERENCE[end..])
}

const SMALL: Budget = Budget {
    steps: 200_000,
    message_bytes: 1 << 20,
};

#[test]
fn nested_loops_run_out_of_steps_and_the_run_goes_on() {
    let lib = library(&[
        (
            "nested",
            r#"  for a in monitoring {
    for b in monitoring {
      for c in monitoring {
        for d in monitoring {
          require d.pollutant != "none" else "never"
        }
      }
    }
  }"#,
        ),
        ("other", "  report \"still here\""),
    ]);
    let text = with_monitoring(312);
    let start = Instant::now();
    let f = check(&lib, &text, SMALL);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    let nested: Vec<&Finding> = f.iter().filter(|f| f.rule == "x.nested").collect();
    assert_eq!(nested.len(), 1, "{nested:?}");
    assert_eq!(nested[0].severity, Severity::Error);
    assert!(
        nested[0]
            .message
            .contains("more than 200000 loop iterations"),
        "{}",
        nested[0].message
    );
    assert!(
        f.iter()
            .any(|f| f.rule == "x.other" && f.message == "still here")
    );
    // With room enough, the same rule decides (and finds nothing).
    let lib = library(&[(
        "nested",
        r#"  for a in monitoring {
    for b in monitoring {
      require b.pollutant != "none" else "never"
    }
  }"#,
    )]);
    assert!(
        check(&lib, &text, SMALL)
            .iter()
            .all(|f| f.rule != "x.nested")
    );
}

#[test]
fn huge_messages_are_cut_and_bounded() {
    let address = "某".repeat(35_000); // about 100 KB
    let text = REFERENCE.replace(
        "  address: 江苏省苏州市吴中区某路1号",
        &format!("  address: {address}"),
    );
    let template = "{unit.address}".repeat(10_000);
    let lib = library(&[("big", &format!("  report \"{template}\""))]);
    let f = check(&lib, &text, Budget::DEFAULT);
    let big: Vec<&Finding> = f.iter().filter(|f| f.rule == "x.big").collect();
    assert_eq!(big.len(), 1);
    assert!(
        big[0].message.len() <= MAX_MESSAGE_BYTES + 4,
        "{}",
        big[0].message.len()
    );
    assert!(big[0].message.ends_with('…'));
    // Many messages: the byte budget stops the rule with one finding.
    let lib = library(&[(
        "many",
        "  for a in monitoring {\n    for b in monitoring {\n      report \"{unit.address}\"\n    }\n  }",
    )]);
    let f = check(
        &lib,
        &with_monitoring(200).replace(
            "  address: 江苏省苏州市吴中区某路1号",
            &format!("  address: {address}"),
        ),
        SMALL,
    );
    let many: Vec<&Finding> = f.iter().filter(|f| f.rule == "x.many").collect();
    assert_eq!(many.len(), 1, "{} findings", many.len());
    assert!(
        many[0].message.contains("bytes of messages"),
        "{}",
        many[0].message
    );
}

#[test]
fn date_overflow_is_unknown_not_a_wrapped_date() {
    let lib = library(&[
        (
            "years",
            "  require add_years(permit.valid_from, 2147483647) > permit.valid_from else \"wrapped {add_years(permit.valid_from, 2147483647)}\"",
        ),
        (
            "days",
            "  require permit.valid_from + days(1000000000000000) > permit.valid_from else \"wrapped {permit.valid_from + days(1000000000000000)}\"",
        ),
        (
            "sane",
            "  require add_years(permit.valid_from, 5) > permit.valid_until else \"{add_years(permit.valid_from, 5)}\"",
        ),
    ]);
    let f = check(&lib, REFERENCE, Budget::DEFAULT);
    let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
    assert!(!rules.contains(&"internal.panic"), "{rules:?}");
    assert!(
        !rules.contains(&"x.years") && !rules.contains(&"x.days"),
        "{rules:?}"
    );
    // Ordinary arithmetic is unchanged: 2024-03-01 + 5 years > 2029-02-28.
    assert!(!rules.contains(&"x.sane"), "{rules:?}");
    let d = Date::parse("2024-02-29").unwrap();
    assert_eq!(d.checked_add_years(1.0), Date::parse("2025-02-28"));
    assert_eq!(d.checked_add_years(2147483647.0), None);
    assert_eq!(d.checked_add_years(f64::NAN), None);
    assert_eq!(d.checked_add_days(1e300), None);
    assert_eq!(d.checked_add_days(-1e7), None);
    assert_eq!(d.checked_add_days(1.0), Date::parse("2024-03-01"));
}

/// Seconds to load `text`.
fn load_time(text: &str) -> f64 {
    let start = Instant::now();
    let l = load(
        SourceFile::new("p.yaml", text),
        &Limits {
            max_file_bytes: 64 << 20,
            ..Limits::default()
        },
    );
    std::hint::black_box(&l);
    start.elapsed().as_secs_f64()
}

#[test]
fn many_keys_load_in_linear_time() {
    let keys = |n: usize| -> String {
        let mut s = String::from("format: permit/v1\nextra:\n");
        for i in 0..n {
            s.push_str(&format!("  k{i}: {i}\n"));
        }
        s
    };
    // 100,000 keys took 106 s with the pairwise check.
    let t = load_time(&keys(100_000));
    assert!(t < 10.0, "100,000 keys: {t:.1} s");
    // A duplicate among many keys is still found, pointing at both.
    let mut dup = keys(50_000);
    dup.push_str("  k777: again\n");
    let l = load(SourceFile::new("p.yaml", &dup), &Limits::default());
    assert!(l.permit.is_none());
    assert!(
        l.findings[0].message.contains("duplicate key `k777`"),
        "{:?}",
        l.findings
    );
}

#[test]
fn long_industry_code_costs_linear_time() {
    let code = format!("D4412{}", "1".repeat(400_000));
    let text = REFERENCE.replacen("code: D4412", &format!("code: {code}"), 1);
    let lib = permitlint::library::shipped().unwrap();
    let start = Instant::now();
    let f = check(&lib, &text, Budget::DEFAULT);
    let t = start.elapsed().as_secs_f64();
    // 400,000 characters took 194 s when every prefix was hashed.
    assert!(t < 10.0, "{t:.1} s");
    assert!(f.iter().any(|f| f.rule == "document.industry-code"));
}

#[test]
fn jobs_are_capped() {
    for j in ["0", "257", "100000"] {
        let out = assert_cmd::Command::cargo_bin("permitlint")
            .unwrap()
            .args(["check", "tests/fixtures/permits", "-j", j])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "-j {j}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("from 1 to 256"),
            "-j {j}"
        );
    }
    let out = assert_cmd::Command::cargo_bin("permitlint")
        .unwrap()
        .args([
            "check",
            "tests/fixtures/permits/reference.yaml",
            "-j",
            "256",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// The reference permit with `n` general air outlets, each with one
/// monitoring entry.
fn with_outlets(n: usize) -> String {
    let at = REFERENCE.find("\nair:").unwrap();
    let start = REFERENCE[at..].find("  outlets:").unwrap() + at;
    let start = REFERENCE[start..].find('\n').unwrap() + start + 1;
    let end = REFERENCE.find("  fugitive:").unwrap();
    let outlets: String = (1..=n)
        .map(|i| {
            format!(
                "    - id: DA{i:03}\n      name: 烟囱{i}\n      type: general\n      sources: [MF0001]\n      treatment: [TA001]\n      height: 50 m\n      standard: GB 13223-2011\n      pollutants:\n        - {{ pollutant: SO2, concentration: 35 mg/m3 }}\n"
            )
        })
        .collect();
    let text = format!("{}{outlets}{}", &REFERENCE[..start], &REFERENCE[end..]);
    let m = text.find("\nmonitoring:").unwrap();
    let m = text[m + 1..].find('\n').unwrap() + m + 2;
    let e = text[m..].find("\n\n").unwrap() + m + 1;
    let entries: String = (1..=n)
        .map(|i| format!("  - {{ outlet: DA{i:03}, pollutant: SO2, method: automatic, frequency: continuous, networked: true }}\n"))
        .collect();
    format!("{}{entries}{}", &text[..m], &text[e..])
}

#[test]
fn outlets_with_monitoring_cost_linear_time() {
    let lib = permitlint::library::shipped().unwrap();
    // 5,000 outlets took 34 s when each outlet scanned the monitoring list.
    let text = with_outlets(5_000);
    let start = Instant::now();
    let f = check(&lib, &text, Budget::DEFAULT);
    let t = start.elapsed().as_secs_f64();
    assert!(t < 15.0, "{t:.1} s");
    let stopped: Vec<&str> = f
        .iter()
        .filter(|f| f.message.contains("evaluation stopped"))
        .map(|f| f.rule.as_str())
        .collect();
    assert!(stopped.is_empty(), "{stopped:?}");
    // Every air outlet is monitored: the coverage findings are those of 40
    // outlets (the water outlet and fugitive source have no entries).
    let coverage = |f: &[Finding]| {
        f.iter()
            .filter(|f| f.rule == "monitoring.hj819.coverage")
            .count()
    };
    let few = check(&lib, &with_outlets(40), Budget::DEFAULT);
    assert_eq!(coverage(&f), coverage(&few));
}

#[test]
fn indexed_quantifiers_decide_as_plain_ones() {
    // The same questions asked twice: with `==` (looked up by index) and
    // with `not (… != …)` (every item visited). Entries without an outlet,
    // with another outlet, and with the outlet make every case occur.
    let mut text = with_outlets(40);
    let m = text.find("\nmonitoring:").unwrap();
    let m = text[m + 1..].find('\n').unwrap() + m + 2;
    text.insert_str(
        m,
        "  - { pollutant: SO2, method: manual, frequency: monthly }\n  - { outlet: DA002, pollutant: NOx, method: manual, frequency: monthly }\n",
    );
    let ask = |eq: &str, ne: &str| {
        format!(
            r#"  for o in air.outlets {{
    for p in o.pollutants {{
      let a = any m in monitoring: {eq}
      let c = count m in monitoring where {eq}
      let w = any m in monitoring where {eq}: m.method == "manual"
      let n = any m in monitoring: {ne}
      report "{{o.id}} {{p.pollutant}}: any={{a}} count={{c}} anyw={{w}} none={{n}}"
    }}
  }}"#
        )
    };
    let indexed = ask(
        "m.outlet == o.id and m.pollutant == p.pollutant",
        "m.outlet == \"DA999\"",
    );
    let plain = ask(
        "not (m.outlet != o.id) and not (m.pollutant != p.pollutant)",
        "not (m.outlet != \"DA999\")",
    );
    let lib = library(&[("indexed", &indexed), ("plain", &plain)]);
    let f = check(&lib, &text, Budget::DEFAULT);
    let msgs = |rule: &str| -> Vec<String> {
        f.iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message.clone())
            .collect()
    };
    let (a, b) = (msgs("x.indexed"), msgs("x.plain"));
    assert_eq!(a.len(), 40, "{a:?}");
    assert_eq!(a, b);
    // The entry without an outlet keeps `any` unknown, not false: the
    // index visits the items it cannot rule out.
    assert!(a[0].contains("any=true count=1"), "{}", a[0]);
    assert!(a[0].contains("none=（未填）"), "{}", a[0]);
}

#[test]
fn a_sixteen_mebibyte_value_is_not_repeated_in_findings() {
    let code = format!("D4412{}", "1".repeat(15 << 20));
    let text = REFERENCE.replacen("code: D4412", &format!("code: {code}"), 1);
    let lib = permitlint::library::shipped().unwrap();
    let start = Instant::now();
    let f = check(&lib, &text, Budget::DEFAULT);
    let t = start.elapsed().as_secs_f64();
    assert!(t < 30.0, "{t:.1} s");
    let code_finding = f
        .iter()
        .find(|f| f.rule == "document.industry-code")
        .expect("industry code finding");
    assert!(
        code_finding.message.len() < 1000,
        "{} bytes",
        code_finding.message.len()
    );
    assert!(code_finding.message.contains("(15728645 characters)"));
    let longest = f.iter().map(|f| f.message.len()).max().unwrap_or(0);
    assert!(longest < 70_000, "a message of {longest} bytes");
}
