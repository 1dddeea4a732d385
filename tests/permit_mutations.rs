//! Mutations of the reference permit: each breaks one thing and must give
//! the expected rule at the expected place. All findings of each mutation
//! are snapshotted compactly (`line:col rule severity message | help`); the
//! snapshots are spec.

use permitlint::finding::Finding;
use permitlint::permit::{Limits, load};
use permitlint::span::{SourceFile, line_col};

const REFERENCE: &str = include_str!("fixtures/permits/reference.yaml");

struct Mutation {
    name: &'static str,
    /// A snippet that occurs exactly once in the reference permit...
    find: &'static str,
    /// ...and what replaces it.
    replace: &'static str,
    /// The rule that must fire...
    rule: &'static str,
    /// ...at the first occurrence of this text in the mutated permit (a
    /// leading `\n` is skipped: it only makes the anchor unique).
    at: &'static str,
}

const fn m(
    name: &'static str,
    find: &'static str,
    replace: &'static str,
    rule: &'static str,
    at: &'static str,
) -> Mutation {
    Mutation {
        name,
        find,
        replace,
        rule,
        at,
    }
}

const MUTATIONS: &[Mutation] = &[
    // ---- required fields removed
    m(
        "missing_format",
        "format: permit/v1\n",
        "",
        "document.format",
        "\npermit:",
    ),
    m(
        "missing_permit_number",
        "  number: \"91320506MA1W9X8Y68001P\"",
        "",
        "document.missing-field",
        "\npermit:",
    ),
    m(
        "missing_management",
        "  management: key ",
        "",
        "document.missing-field",
        "\npermit:",
    ),
    m(
        "missing_acceptance_sealed",
        "    sealed: true",
        "",
        "document.missing-field",
        "acceptance:",
    ),
    m(
        "missing_credit_code",
        "  credit_code: \"91320506MA1W9X8Y68\"",
        "",
        "document.missing-field",
        "\nunit:",
    ),
    m(
        "missing_unit_name",
        "  name: 苏州某热电有限公司\n",
        "",
        "document.missing-field",
        "\nunit:",
    ),
    m(
        "missing_industry_role",
        "      role: main                          # main 主要行业 | secondary 次要行业\n",
        "",
        "document.missing-field",
        "code: D4412",
    ),
    m(
        "missing_product_capacity",
        "    capacity: 700 MW\n",
        "",
        "document.missing-field",
        "id: P1",
    ),
    m(
        "missing_facility_kind",
        "      kind: coal_boiler                   # coal_boiler",
        "#",
        "document.missing-field",
        "id: MF0001",
    ),
    m(
        "missing_outlet_height",
        "sources: [MF0001]\n      treatment: [TA001, TA002, TA003]\n      height: 210 m\n",
        "sources: [MF0001]\n      treatment: [TA001, TA002, TA003]\n",
        "document.missing-field",
        "id: DA001",
    ),
    m(
        "missing_discharge",
        "      discharge: indirect ",
        "",
        "document.missing-field",
        "id: DW001",
    ),
    m(
        "missing_monitoring_frequency",
        "    frequency: continuous ",
        "",
        "document.missing-field",
        "outlet: DA001",
    ),
    m(
        "missing_eia_date",
        "    date: 2008-09-01 ",
        "",
        "document.missing-field",
        "id: EIA1",
    ),
    m(
        "missing_waste_annual",
        "    annual: 50000 t/a\n",
        "",
        "document.missing-field",
        "id: SW1",
    ),
    m(
        "missing_ledger",
        "  ledger: true ",
        "",
        "document.missing-field",
        "\nmanagement:",
    ),
    m(
        "missing_water_concentration",
        "{ pollutant: SS, concentration: 400 mg/L }",
        "{ pollutant: SS }",
        "document.missing-field",
        "{ pollutant: SS }",
    ),
    m(
        "empty_required_value",
        "  address: 江苏省苏州市吴中区某路1号",
        "  address:",
        "document.missing-field",
        "address:",
    ),
    // ---- quantities with a wrong, missing or unknown unit
    m(
        "air_concentration_in_mg_per_l",
        "concentration: 35 mg/m3\n",
        "concentration: 35 mg/L\n",
        "document.unit",
        "35 mg/L",
    ),
    m(
        "water_concentration_in_mg_per_m3",
        "COD, concentration: 500 mg/L",
        "COD, concentration: 500 mg/m3",
        "document.unit",
        "500 mg/m3",
    ),
    m(
        "annual_in_kg_per_h",
        "annual: 200 t/a\n",
        "annual: 200 kg/h\n",
        "document.unit",
        "200 kg/h",
    ),
    m(
        "height_in_mw",
        "[MF0001]\n      treatment: [TA001, TA002, TA003]\n      height: 210 m",
        "[MF0001]\n      treatment: [TA001, TA002, TA003]\n      height: 210 MW",
        "document.unit",
        "210 MW",
    ),
    m(
        "sulfur_in_t_per_a",
        "sulfur: 0.8 %",
        "sulfur: 0.8 t/a",
        "document.unit",
        "0.8 t/a",
    ),
    m(
        "capacity_in_mg_per_m3",
        "    capacity: 700 MW\n",
        "    capacity: 700 mg/m3\n",
        "document.unit",
        "700 mg/m3",
    ),
    m(
        "ash_without_unit",
        "ash: 18 %",
        "ash: 18",
        "document.unit",
        "18  ",
    ),
    m(
        "unit_sm3",
        "concentration: 10 mg/m3         #",
        "concentration: 10 mg/Sm3        #",
        "document.unit",
        "10 mg/Sm3",
    ),
    m(
        "unit_in_chinese",
        "annual_use: 1500000 t/a",
        "annual_use: 1500000 公斤/年",
        "document.unit",
        "1500000 公斤/年",
    ),
    m(
        "quantity_not_a_number",
        "inner_diameter: 6.5 m\n      location: { lon: 120.612",
        "inner_diameter: six m\n      location: { lon: 120.612",
        "document.wrong-type",
        "six m",
    ),
    // ---- enumerations
    m(
        "management_misspelt",
        "management: key ",
        "management: kye ",
        "document.enum",
        "kye",
    ),
    m(
        "frequency_misspelt",
        "frequency: continuous ",
        "frequency: continous ",
        "document.enum",
        "continous",
    ),
    m(
        "facility_kind_misspelt",
        "kind: coal_boiler                   #",
        "kind: coal_boilr                    #",
        "document.enum",
        "coal_boilr",
    ),
    m(
        "outlet_type_unknown",
        "type: main                          # main",
        "type: primary                       # main",
        "document.enum",
        "primary",
    ),
    m(
        "discharge_misspelt",
        "discharge: indirect",
        "discharge: indirekt",
        "document.enum",
        "indirekt",
    ),
    m(
        "roster_unknown",
        "key_discharge_roster: [air]",
        "key_discharge_roster: [air, sea]",
        "document.enum",
        "sea]",
    ),
    m(
        "bool_written_yes",
        "platform_record: true",
        "platform_record: yes",
        "document.wrong-type",
        "yes",
    ),
    // ---- codes
    m(
        "credit_code_check_char",
        "credit_code: \"91320506MA1W9X8Y68\"",
        "credit_code: \"91320506MA1W9X8Y69\"",
        "document.credit-code",
        "\"91320506MA1W9X8Y69\"",
    ),
    m(
        "credit_code_bad_char",
        "credit_code: \"91320506MA1W9X8Y68\"",
        "credit_code: \"91320506MA1I9X8Y68\"",
        "document.credit-code",
        "\"91320506MA1I9X8Y68\"",
    ),
    m(
        "credit_code_short",
        "credit_code: \"91320506MA1W9X8Y68\"",
        "credit_code: \"91320506MA1W9X8Y6\"",
        "document.credit-code",
        "\"91320506MA1W9X8Y6\"",
    ),
    m(
        "permit_number_serial_000",
        "MA1W9X8Y68001P",
        "MA1W9X8Y68000P",
        "document.permit-number",
        "\"91320506MA1W9X8Y68000P\"",
    ),
    m(
        "permit_number_other_unit",
        "\"91320506MA1W9X8Y68001P\"",
        "\"91350100M000100Y43001P\"",
        "document.permit-number",
        "\"91350100M000100Y43001P\"",
    ),
    m(
        "region_code_five_digits",
        "region: \"320506\"",
        "region: \"32050\"",
        "document.region-code",
        "\"32050\"",
    ),
    m(
        "industry_code_without_letter",
        "code: D4412",
        "code: 4412",
        "document.industry-code",
        "4412",
    ),
    m(
        "outlet_id_wrong_prefix",
        "- id: DA002",
        "- id: DX002",
        "document.outlet-id",
        "DX002",
    ),
    m(
        "water_outlet_id_air_prefix",
        "- id: DW001",
        "- id: DA003",
        "document.outlet-id",
        "DA003",
    ),
    // ---- references and ids
    m(
        "dangling_outlet_source",
        "sources: [MF0002]",
        "sources: [MF0003]",
        "document.dangling-reference",
        "MF0003",
    ),
    m(
        "dangling_serves",
        "serves: [MF0001, MF0002]\n      pollutants: [SO2]",
        "serves: [MF0001, MF0020]\n      pollutants: [SO2]",
        "document.dangling-reference",
        "MF0020",
    ),
    m(
        "dangling_monitoring_outlet",
        "{ outlet: FA001,",
        "{ outlet: FA002,",
        "document.dangling-reference",
        "FA002",
    ),
    m(
        "dangling_special_period",
        "applies_to: [DA001, DA002]",
        "applies_to: [DA001, DW002]",
        "document.dangling-reference",
        "DW002",
    ),
    m(
        "dangling_eia_facility",
        "    facilities: [MF0001, MF0002]",
        "    facilities: [MF0001, MF9]",
        "document.dangling-reference",
        "MF9",
    ),
    m(
        "duplicate_facility_id",
        "- id: MF0002",
        "- id: MF0001",
        "document.duplicate-id",
        "MF0001\n      name: 2号",
    ),
    m(
        "duplicate_product_id",
        "- id: P2",
        "- id: P1",
        "document.duplicate-id",
        "P1\n    name: 蒸汽",
    ),
    // ---- dates and validity
    m(
        "issued_not_a_date",
        "issued: 2024-03-01",
        "issued: 2024-02-30",
        "document.date",
        "2024-02-30",
    ),
    m(
        "eia_date_slashes",
        "date: 2008-09-01",
        "date: 2008/09/01",
        "document.date",
        "2008/09/01",
    ),
    m(
        "valid_until_before_from",
        "valid_until: 2029-02-28",
        "valid_until: 2019-02-28",
        "document.validity",
        "2019-02-28",
    ),
    // ---- unknown keys, format, cross-field rules
    m(
        "unknown_key_typo",
        "  address: ",
        "  adress: ",
        "document.unknown-key",
        "adress",
    ),
    m(
        "unknown_top_level_key",
        "\nsoil:\n",
        "\nnoise: true\nsoil:\n",
        "document.unknown-key",
        "\nnoise: true",
    ),
    m(
        "format_unknown",
        "format: permit/v1",
        "format: permit/v9",
        "document.format",
        "permit/v9",
    ),
    m(
        "direct_without_receiving_class",
        "discharge: indirect",
        "discharge: direct  ",
        "document.receiving-class",
        "receiving_class",
    ),
    m(
        "ph_range_reversed",
        "range: 6-9",
        "range: 9-6",
        "document.wrong-type",
        "9-6",
    ),
    m(
        "location_not_a_mapping",
        "location: { lon: 120.612, lat: 31.281 }",
        "location: 120.612",
        "document.wrong-type",
        "120.612\n",
    ),
    m(
        "complaints_not_a_number",
        "complaints: 0",
        "complaints: many",
        "document.wrong-type",
        "many",
    ),
    m(
        "outlets_not_a_list",
        "  totals: []\n",
        "  totals: none\n",
        "document.wrong-type",
        "none\n\nmonitoring",
    ),
    // ---- YAML level
    m(
        "multiple_documents",
        "    requirement: 按当地重污染天气应急预案落实减排措施\n",
        "    requirement: 按当地重污染天气应急预案落实减排措施\n---\nformat: permit/v1\n",
        "document.yaml",
        "---\nformat",
    ),
    m(
        "duplicate_key",
        "  key_region: true",
        "  key_region: true\n  key_region: false",
        "document.yaml",
        "key_region: false",
    ),
    m(
        "unclosed_flow_sequence",
        "sealed: true",
        "sealed: [true",
        "document.yaml",
        "platform_record: true",
    ),
];

fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let (l, c) = f.line_col();
        out.push_str(&format!(
            "{l}:{c} {} {} {} [{}]",
            f.rule, f.severity, f.message, f.path
        ));
        if let Some(h) = &f.help {
            out.push_str(&format!(" | {h}"));
        }
        out.push('\n');
    }
    out
}

#[test]
fn every_mutation_gives_its_finding() {
    assert!(MUTATIONS.len() >= 40);
    let mut failures = Vec::new();
    for mu in MUTATIONS {
        if REFERENCE.matches(mu.find).count() != 1 {
            failures.push(format!("{}: `find` must occur exactly once", mu.name));
            continue;
        }
        let text = REFERENCE.replacen(mu.find, mu.replace, 1);
        let anchor = mu.at.strip_prefix('\n').unwrap_or(mu.at);
        let skip = mu.at.len() - anchor.len();
        let byte = text.find(mu.at).map(|b| b + skip);
        let Some(byte) = byte else {
            failures.push(format!("{}: anchor not in the mutated text", mu.name));
            continue;
        };
        let want = line_col(&text, byte);
        let loaded = load(
            SourceFile::new("reference.yaml", text.clone()),
            &Limits::default(),
        );
        let hit = loaded
            .findings
            .iter()
            .any(|f| f.rule == mu.rule && f.line_col() == want);
        if !hit {
            failures.push(format!(
                "{}: expected `{}` at {}:{}, got:\n{}",
                mu.name,
                mu.rule,
                want.0,
                want.1,
                render(&loaded.findings)
            ));
        }
        // Each finding has a path and, for errors in the document, a label.
        for f in &loaded.findings {
            assert!(
                f.primary.is_some_and(|s| s.end as usize <= text.len()),
                "{}: span",
                mu.name
            );
            assert_eq!(f.element, "document");
            // SARIF lists rules before its results: every rule a finding
            // can name must be registered.
            assert!(
                permitlint::finding::BUILTIN_RULES
                    .iter()
                    .any(|b| b.id == f.rule && b.element == f.element),
                "{}: `{}` is not in finding::BUILTIN_RULES",
                mu.name,
                f.rule
            );
        }
        insta::assert_snapshot!(mu.name, render(&loaded.findings));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
