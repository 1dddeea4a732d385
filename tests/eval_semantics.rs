//! Evaluation semantics the interpreter must keep however it is tuned:
//! `let` values are computed lazily (on first read), and must come out as
//! if computed where they are written, whatever scope they are read in.

use crate::common;

use permitlint::date::Date;
use permitlint::lang::library::build;
use permitlint::permit::{self, Limits};
use permitlint::run::{self, Options};
use permitlint::span::SourceFile;

const REFERENCE: &str = include_str!("fixtures/permits/reference.yaml");
const LIBRARY: &str = include_str!("../policies/library.policy");

/// The messages of the one test policy over the reference permit, in order.
fn messages(body: &str) -> Vec<String> {
    let lib = build(vec![
        ("x.policy".into(), common::policy("lets", "notice", body)),
        ("policies/library.policy".into(), LIBRARY.into()),
    ])
    .unwrap_or_else(|e| panic!("{e:?}"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    let r = run::check_text(&lib, "reference.yaml", REFERENCE, &opts, None);
    r.findings
        .into_iter()
        .filter(|f| f.rule == "x.lets")
        .map(|f| f.message)
        .collect()
}

/// Counts read from the tree directly, not through the interpreter.
fn pollutants_per_air_outlet() -> Vec<usize> {
    let loaded = permit::load(SourceFile::new("r.yaml", REFERENCE), &Limits::default());
    let root = loaded.permit.unwrap().root;
    root.get("air")
        .and_then(|a| a.get("outlets"))
        .map(|o| {
            o.items()
                .iter()
                .map(|i| i.get("pollutants").map_or(0, |p| p.items().len()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_let_read_deep_inside_loops_sees_the_scope_it_was_written_in() {
    let outlets = pollutants_per_air_outlet();
    assert!(outlets.len() >= 2, "{outlets:?}");
    let total: usize = outlets.iter().sum();
    // `n` binds a quantifier variable; it is first read two loops deeper,
    // where the slots above it hold `o`, `k` and `q`.
    let got = messages(
        "  let n = count o in air.outlets where any p in o.pollutants: exists(p)
  let total = sum o in air.outlets: len(o.pollutants)
  for o in air.outlets {
    let k = len(o.pollutants)
    for q in o.pollutants {
      report \"n={n} total={total} k={k}\"
    }
  }",
    );
    let want: Vec<String> = outlets
        .iter()
        .flat_map(|&k| {
            std::iter::repeat_n(
                format!(
                    "n={} total={total} k={k}",
                    outlets.iter().filter(|&&k| k > 0).count()
                ),
                k,
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn lets_read_in_quantifier_bodies_and_nested_lets() {
    let outlets = pollutants_per_air_outlet();
    let total: usize = outlets.iter().sum();
    let got = messages(
        "  let total = sum o in air.outlets: len(o.pollutants)
  let twice = total * 2
  when any o in air.outlets: twice > len(o.pollutants) {
    report \"twice={twice} total={total}\"
  }",
    );
    assert_eq!(got, [format!("twice={} total={total}", total * 2)]);
}

#[test]
fn quantities_with_units_that_are_not_ascii_parse_compare_and_print() {
    // A Ringelmann grade, a dimensionless figure and a temperature, as the
    // permit format writes them (`limit: 1 级`).
    let got = messages(
        "  let g = 1 级
  let o = 1000 无量纲
  let t = 850 ℃
  when 2 级 > g and o < 2000 无量纲 and t >= 850 ℃ {
    report \"{g} {o} {t}\"
  }",
    );
    assert_eq!(got, vec!["1 级 1000 无量纲 850 ℃".to_string()]);
}
