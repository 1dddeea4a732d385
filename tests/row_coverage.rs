//! What the library says it checks under each standard (`known_row`,
//! `known_rows`): gathered from the tables and texts the policies use for a
//! `pollutant` inside loops and conditions that select the standard, so a
//! permit row no policy reads is reported as unchecked instead of passing.

use crate::common;

use permitlint::lang::library::build;
use std::collections::BTreeSet;

const TABLES: &str = r#"
route air to "大气环境" "Air environment"
table t_exact(pollutant) "t" {
  | pollutant | limit    |
  | SO2       | 50 mg/m3 |
  | NOx       | 50 mg/m3 |
}

table t_graded(grade, pollutant) "t" {
  | grade | pollutant | limit    |
  | 一级  | PM        | 10 mg/m3 |
  | 二级  | Hg        | 1 mg/m3  |
}

table t_unscoped(pollutant) "t" {
  | pollutant | limit    |
  | CO        | 50 mg/m3 |
}
"#;

fn rows(lib: &permitlint::lang::library::Library, standard: &str) -> BTreeSet<String> {
    lib.standard_rows
        .get("air")
        .and_then(|m| m.get(standard))
        .cloned()
        .unwrap_or_default()
}

#[test]
fn tables_positions_literals_and_prefixes_are_collected_per_standard() {
    let body = r#"
  for o in air.outlets where o.standard == "GB A" {
    for p in o.pollutants where p.pollutant in t_exact {
      require p.concentration <= t_exact[p.pollutant].limit else "x"
    }
  }
  for o in air.outlets where o.standard starts_with "GB B" {
    for p in o.pollutants where p.pollutant == "VOCs" {
      require exists(p.concentration) else "x"
    }
    when o.standard == "GB B 一级" {
      for p in o.pollutants {
        require p.concentration <= t_graded["一级", p.pollutant].limit else "x"
      }
    }
  }
  for o in air.outlets {
    for p in o.pollutants where p.pollutant in t_unscoped {
      require p.concentration <= t_unscoped[p.pollutant].limit else "x"
    }
  }
"#;
    let lib = build(vec![
        ("t.policy".into(), TABLES.into()),
        ("x.policy".into(), common::policy("rows", "notice", body)),
    ])
    .unwrap_or_else(|e| panic!("{}", common::render_library_errors(&e)));
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    // A one-key table tested and looked up under one standard.
    assert_eq!(rows(&lib, "GB A"), set(&["NOx", "SO2"]));
    // A literal under a prefix selects every standard with that prefix…
    assert_eq!(rows(&lib, "GB B*"), set(&["VOCs"]));
    // …and a two-key table contributes the keys at the pollutant's position
    // (both grades' rows: the grade is not followed).
    assert_eq!(rows(&lib, "GB B 一级"), set(&["Hg", "PM"]));
    // A table used under no standard belongs to none.
    assert!(
        lib.standard_rows["air"]
            .values()
            .all(|codes| !codes.contains("CO")),
        "{:?}",
        lib.standard_rows
    );
}

#[test]
fn the_shipped_library_checks_the_rows_it_encodes_and_not_others() {
    let lib = permitlint::library::shipped()
        .unwrap_or_else(|e| panic!("{}", common::render_library_errors(&e)));
    let air = &lib.standard_rows["air"];
    let water = &lib.standard_rows["water"];
    // GB 13223-2011 表1: PM, SO2, NOx, Hg; ammonia is not a row of it.
    let gb13223 = &air["GB 13223-2011"];
    for p in ["PM", "SO2", "NOx", "Hg"] {
        assert!(gb13223.contains(p), "{gb13223:?}");
    }
    assert!(!gb13223.contains("NH3"));
    // GB 8978-1996: pH is checked by its range under the prefix of every
    // grade; GB 18918-2002: TP by the construction date, pH by range.
    assert!(water["GB 8978-1996*"].contains("pH"), "{water:?}");
    assert!(water["GB 18918-2002*"].contains("TP"), "{water:?}");
    assert!(water["GB 18918-2002*"].contains("pH"), "{water:?}");
}
