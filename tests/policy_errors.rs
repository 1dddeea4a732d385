//! Invalid policies: each case must produce the expected error kind, and the
//! rendered diagnostics (message, span underline, help) are snapshotted.
//! The snapshots are the specification of what a policy author sees.

use permitlint::lang::library::build;

const ROUTES: &str = r#"
route air to "大气环境"
route water to "水生态环境"
route procedure to "环评与审批"
route classification to "环评与审批"
route monitoring to "监测"
fact required_management: management "名录要求"
"#;

/// A valid policy; cases replace one piece of it.
const BASE: &str = r#"table limits(pollutant) "GB 13223-2011 表1" {
  | pollutant | new       | existing  |
  | SO2       | 100 mg/m3 | 200 mg/m3 |
  | NOx       | 100 mg/m3 | 100 mg/m3 |
}

policy air.test.limits {
  title "测试"
  version 1
  basis "GB 13223-2011 表1"
  element air
  severity error
  effective 2012-01-01 ..
  doc {
    what "w"
    why "y"
    violating "v"
    conforming "c"
  }
  for o in air.outlets where o.standard == "GB 13223-2011" {
    for p in o.pollutants where p.pollutant in limits {
      require p.concentration <= limits[p.pollutant].new
        else "{p.pollutant} {p.concentration} 超过 {limits[p.pollutant].new}"
        label o.standard "执行标准"
    }
  }
}
"#;

fn render(files: Vec<(String, String)>) -> (Vec<String>, String) {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none()).with_width(100);
    match build(files) {
        Ok(_) => (Vec::new(), String::from("(no errors)")),
        Err(errors) => {
            let mut kinds = Vec::new();
            let mut out = String::new();
            for e in &errors.parse {
                kinds.push("syntax".to_string());
                let mut s = String::new();
                handler.render_report(&mut s, e).unwrap();
                out.push_str(&s);
                out.push('\n');
            }
            for e in &errors.check {
                kinds.push(e.kind.to_string());
                let mut s = String::new();
                handler.render_report(&mut s, e).unwrap();
                out.push_str(&s);
                out.push('\n');
            }
            (kinds, out)
        }
    }
}

fn case(name: &str, from: &str, to: &str, expect_kind: &str) {
    assert!(
        BASE.contains(from),
        "case {name}: `{from}` not in the base policy"
    );
    let text = BASE.replacen(from, to, 1);
    let files = vec![
        ("policies/library.policy".to_string(), ROUTES.to_string()),
        ("policies/air/test.policy".to_string(), text),
    ];
    let (kinds, rendered) = render(files);
    assert!(
        kinds.iter().any(|k| k == expect_kind),
        "case {name}: expected a `{expect_kind}` error, got {kinds:?}\n{rendered}"
    );
    insta::assert_snapshot!(name, rendered);
}

#[test]
fn base_policy_is_valid() {
    let files = vec![
        ("policies/library.policy".to_string(), ROUTES.to_string()),
        ("policies/air/test.policy".to_string(), BASE.to_string()),
    ];
    let (kinds, rendered) = render(files);
    assert!(kinds.is_empty(), "{rendered}");
}

#[test]
fn unknown_field_with_did_you_mean() {
    case(
        "unknown_field",
        "p.concentration <=",
        "p.concentraton <=",
        "unknown-field",
    );
}
#[test]
fn unknown_section() {
    case(
        "unknown_section",
        "in air.outlets",
        "in air.outlet",
        "unknown-field",
    );
}
#[test]
fn unknown_root_name() {
    case(
        "unknown_root_name",
        "in air.outlets",
        "in aír.outlets",
        "syntax",
    );
}
#[test]
fn unknown_variable() {
    case(
        "unknown_variable",
        "in o.pollutants",
        "in q.pollutants",
        "unknown-name",
    );
}
#[test]
fn unit_dimension_mismatch() {
    case(
        "unit_dimension_mismatch",
        "<= limits[p.pollutant].new",
        "<= 100 mg/L",
        "unit-mismatch",
    );
}
#[test]
fn number_without_unit() {
    case(
        "number_without_unit",
        "<= limits[p.pollutant].new",
        "<= 100",
        "type-mismatch",
    );
}
#[test]
fn unknown_unit_in_literal() {
    case(
        "unknown_unit_in_literal",
        "<= limits[p.pollutant].new",
        "<= 100 mg/Sm3",
        "unknown-unit",
    );
}
#[test]
fn unknown_unit_in_table() {
    case(
        "unknown_unit_in_table",
        "| SO2       | 100 mg/m3 |",
        "| SO2       | 100 mg/M3 |",
        "unknown-unit",
    );
}
#[test]
fn table_mixes_dimensions() {
    case(
        "table_mixes_dimensions",
        "| NOx       | 100 mg/m3 |",
        "| NOx       | 100 mg/L  |",
        "unit-mismatch",
    );
}
#[test]
fn table_row_too_short() {
    case(
        "table_row_too_short",
        "| NOx       | 100 mg/m3 | 100 mg/m3 |",
        "| NOx       | 100 mg/m3 |",
        "table",
    );
}
#[test]
fn table_duplicate_row() {
    case(
        "table_duplicate_row",
        "| NOx       | 100 mg/m3 | 100 mg/m3 |",
        "| SO2       | 100 mg/m3 | 100 mg/m3 |",
        "table",
    );
}
#[test]
fn table_header_does_not_match_key() {
    case(
        "table_header_does_not_match_key",
        "| pollutant | new",
        "| pollutants | new",
        "table",
    );
}
#[test]
fn table_lookup_missing_key() {
    case(
        "table_lookup_missing_key",
        "limits[p.pollutant].new\n",
        "limits[\"SO3\"].new\n",
        "table-key",
    );
}
#[test]
fn table_lookup_wrong_arity() {
    case(
        "table_lookup_wrong_arity",
        "limits[p.pollutant].new\n",
        "limits[p.pollutant, \"x\"].new\n",
        "table-key",
    );
}
#[test]
fn table_unknown_column() {
    case(
        "table_unknown_column",
        "limits[p.pollutant].new\n",
        "limits[p.pollutant].newer\n",
        "unknown-column",
    );
}
#[test]
fn unknown_table() {
    case(
        "unknown_table",
        "p.pollutant in limits",
        "p.pollutant in limitz",
        "unknown-name",
    );
}
#[test]
fn unknown_enum_value() {
    case(
        "unknown_enum_value",
        "for o in air.outlets where o.standard == \"GB 13223-2011\"",
        "for o in air.outlets where o.type == \"mian\"",
        "unknown-enum-value",
    );
}
#[test]
fn unordered_comparison_of_text() {
    case(
        "unordered_comparison_of_text",
        "o.standard == \"GB 13223-2011\"",
        "o.standard < \"GB\"",
        "unordered",
    );
}
#[test]
fn condition_not_boolean() {
    case(
        "condition_not_boolean",
        "where o.standard == \"GB 13223-2011\"",
        "where o.standard",
        "type-mismatch",
    );
}
#[test]
fn field_of_a_list() {
    case(
        "field_of_a_list",
        "in o.pollutants where",
        "in o.pollutants.pollutant where",
        "type-mismatch",
    );
}
#[test]
fn iterate_over_non_list() {
    case(
        "iterate_over_non_list",
        "in o.pollutants where",
        "in o.standard where",
        "type-mismatch",
    );
}
#[test]
fn unknown_function() {
    case(
        "unknown_function",
        "label o.standard",
        "label exist(o.standard)",
        "unknown-function",
    );
}
#[test]
fn wrong_arity() {
    case(
        "wrong_arity",
        "label o.standard",
        "label add_years(o.standard)",
        "arity",
    );
}
#[test]
fn unknown_element() {
    case(
        "unknown_element",
        "element air",
        "element airr",
        "unknown-element",
    );
}
#[test]
fn unknown_severity() {
    case(
        "unknown_severity",
        "severity error",
        "severity eror",
        "unknown-severity",
    );
}
#[test]
fn missing_basis() {
    case(
        "missing_basis",
        "  basis \"GB 13223-2011 表1\"\n",
        "",
        "missing-header",
    );
}
#[test]
fn duplicate_header() {
    case(
        "duplicate_header",
        "  version 1\n",
        "  version 1\n  version 2\n",
        "duplicate-header",
    );
}
#[test]
fn inverted_effective_range() {
    case(
        "inverted_effective_range",
        "effective 2012-01-01 ..",
        "effective 2012-01-01 .. 2011-01-01",
        "effective-range",
    );
}
#[test]
fn empty_effective_range() {
    case(
        "empty_effective_range",
        "effective 2012-01-01 ..",
        "effective 2012-01-01 .. 2012-01-01",
        "effective-range",
    );
}
#[test]
fn missing_doc_section() {
    case(
        "missing_doc_section",
        "    conforming \"c\"\n",
        "",
        "doc-section",
    );
}
#[test]
fn unknown_doc_section() {
    case(
        "unknown_doc_section",
        "    why \"y\"\n",
        "    why \"y\"\n    wy \"z\"\n",
        "doc-section",
    );
}
#[test]
fn duplicate_rule_id() {
    let second = BASE.split("policy air.test.limits").nth(1).unwrap();
    case(
        "duplicate_rule_id",
        "policy air.test.limits",
        &format!("policy air.test.limits{second}\npolicy air.test.limits"),
        "duplicate-rule",
    );
}
#[test]
fn supersedes_unknown_rule() {
    case(
        "supersedes_unknown_rule",
        "  effective 2012-01-01 ..\n",
        "  effective 2012-01-01 ..\n  supersedes air.test.limit\n",
        "unknown-rule",
    );
}
#[test]
fn syntax_error_in_words() {
    case(
        "syntax_error_in_words",
        "require p.concentration <=",
        "require p.concentration <= <=",
        "syntax",
    );
}
#[test]
fn syntax_missing_else() {
    case(
        "syntax_missing_else",
        "        else \"{p.pollutant}",
        "        \"{p.pollutant}",
        "syntax",
    );
}
#[test]
fn bad_date() {
    case(
        "bad_date",
        "effective 2012-01-01",
        "effective 2012-02-30",
        "syntax",
    );
}
#[test]
fn interpolation_unknown_field() {
    case(
        "interpolation_unknown_field",
        "{p.concentration} 超过",
        "{p.concentation} 超过",
        "unknown-field",
    );
}
#[test]
fn interpolation_unclosed() {
    case(
        "interpolation_unclosed",
        "{limits[p.pollutant].new}\"",
        "{limits[p.pollutant].new\"",
        "template",
    );
}
#[test]
fn unknown_fact() {
    case(
        "unknown_fact",
        "label o.standard",
        "label facts.required_managment",
        "unknown-fact",
    );
}
#[test]
fn shadowing_a_section() {
    case(
        "shadowing_a_section",
        "    for p in o.pollutants",
        "    let unit = o.standard\n    for p in o.pollutants",
        "shadowing",
    );
}
#[test]
fn ahead_needs_duration() {
    case(
        "ahead_needs_duration",
        "  for o in air.outlets",
        "  during 10-01..03-31 ahead 30 MW {\n  }\n  for o in air.outlets",
        "unit-mismatch",
    );
}

#[test]
fn every_error_of_every_file_is_reported() {
    // Two broken files: both files' errors come back in one run.
    let a = BASE.replacen("p.concentration <=", "p.concentraton <=", 1);
    let b = BASE
        .replacen("air.test.limits", "air.test.other", 1)
        .replacen("severity error", "severity eror", 1)
        .replacen("table limits", "table limits2", 1)
        .replacen("in limits", "in limits2", 1)
        .replacen("limits[", "limits2[", 2);
    let files = vec![
        ("policies/library.policy".to_string(), ROUTES.to_string()),
        ("policies/a.policy".to_string(), a),
        ("policies/b.policy".to_string(), b),
    ];
    let (kinds, rendered) = render(files);
    assert!(kinds.contains(&"unknown-field".to_string()), "{rendered}");
    assert!(
        kinds.contains(&"unknown-severity".to_string()),
        "{rendered}"
    );
}
