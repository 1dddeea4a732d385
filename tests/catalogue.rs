//! The pollutant catalogue and standard spellings: every alias resolves,
//! and a permit written the way real permits are written is checked like
//! one written in codes (no silent pass on `二氧化硫`, `mg/Nm3`, `GB13223-2011`).

use permitlint::catalogue::Medium;
use permitlint::catalogue::pollutants::{Resolved, catalogue};
use permitlint::date::Date;
use permitlint::finding::Finding;
use permitlint::run::{Options, check_text};

#[test]
fn the_shipped_catalogue_has_no_malformed_row() {
    let c = catalogue();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(c.pollutants.len() >= 60, "{}", c.pollutants.len());
}

#[test]
fn every_code_name_and_alias_resolves_to_its_row() {
    for p in &catalogue().pollutants {
        let expect_code =
            matches!(catalogue().resolve(p.code, Some(p.medium)), Resolved::Code(q) if q == p);
        assert!(expect_code, "code {} does not resolve", p.code);
        for name in std::iter::once(&p.name_zh).chain(&p.aliases) {
            match catalogue().resolve(name, Some(p.medium)) {
                Resolved::Code(q) | Resolved::Alias(q) => {
                    assert_eq!(
                        q.code, p.code,
                        "`{name}` resolves to {} not {}",
                        q.code, p.code
                    )
                }
                Resolved::Unknown { .. } => panic!("`{name}` ({}) does not resolve", p.code),
            }
        }
    }
}

#[test]
fn spellings_of_real_permits_resolve() {
    // As the platform and bureaus print them (full-width brackets, subscripts, qualifiers).
    for (written, medium, code) in [
        ("二氧化硫", Medium::Air, "SO2"),
        ("SO₂", Medium::Air, "SO2"),
        ("烟尘", Medium::Air, "PM"),
        ("颗粒物", Medium::Air, "PM"),
        ("氮氧化物", Medium::Air, "NOx"),
        ("氨（氨气）", Medium::Air, "NH3"),
        ("非甲烷总烃", Medium::Air, "NMHC"),
        ("挥发性有机物", Medium::Air, "VOCs"),
        ("林格曼黑度", Medium::Air, "smoke_blackness"),
        ("化学需氧量", Medium::Water, "COD"),
        ("CODcr", Medium::Water, "COD"),
        ("氨氮（NH3-N）", Medium::Water, "NH3-N"),
        ("总氮（以N计）", Medium::Water, "TN"),
        ("总磷（以P计）", Medium::Water, "TP"),
        ("pH值", Medium::Water, "pH"),
    ] {
        match catalogue().resolve(written, Some(medium)) {
            Resolved::Code(p) | Resolved::Alias(p) => assert_eq!(p.code, code, "{written}"),
            Resolved::Unknown { .. } => panic!("`{written}` does not resolve"),
        }
    }
    // The medium matters: 氨 in air is ammonia, not 氨氮.
    assert!(matches!(
        catalogue().resolve("氨氮", Some(Medium::Air)),
        Resolved::Unknown { .. }
    ));
}

#[test]
fn a_near_miss_gets_a_suggestion_and_nonsense_none() {
    match catalogue().resolve("二氧化流", Some(Medium::Air)) {
        Resolved::Unknown {
            suggestion: Some(p),
        } => assert_eq!(p.code, "SO2"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        catalogue().resolve("完全不是污染物的名字", Some(Medium::Air)),
        Resolved::Unknown { suggestion: None }
    ));
}

const COAL_UNIT: &str = include_str!("fixtures/permits/new-coal-unit-real-spellings.yaml");

fn check(text: &str) -> Vec<Finding> {
    let lib = permitlint::library::shipped().unwrap_or_else(|_| panic!("library"));
    let opts = Options::new(Date::parse("2026-12-01").unwrap());
    check_text(&lib, "coal.yaml", text, &opts, None).findings
}

fn rules(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect()
}

#[test]
fn so2_written_in_chinese_with_platform_units_is_checked() {
    // A new coal unit at SO2 200 mg/Nm3: GB 13223-2011 table 1 allows 100
    // for new boilers. Written `二氧化硫`, `mg/Nm3`, `GB13223-2011`, it
    // must fail exactly as `SO2`, `mg/m3`, `GB 13223-2011` does.
    let real = check(COAL_UNIT);
    let canonical = check(
        &COAL_UNIT
            .replace("pollutant: 二氧化硫", "pollutant: SO2")
            .replace("pollutant: 烟尘", "pollutant: PM")
            .replace("pollutant: 氮氧化物", "pollutant: NOx")
            .replace("mg/Nm3", "mg/m3")
            .replace("火电厂大气污染物排放标准GB13223-2011", "GB 13223-2011"),
    );
    let limit = |fs: &[Finding]| {
        fs.iter()
            .filter(|f| f.rule == "air.gb13223-2011.limits")
            // The value is quoted as written (`200 mg/Nm3`).
            .map(|f| f.message.replace("mg/Nm3", "mg/m3"))
            .collect::<Vec<_>>()
    };
    assert!(!limit(&real).is_empty(), "{:#?}", rules(&real));
    assert_eq!(limit(&real), limit(&canonical));
    assert!(
        limit(&real).iter().any(|m| m.contains("200")),
        "{:#?}",
        limit(&real)
    );
    // One notice says how the standard was read; nothing is unknown.
    let notices: Vec<_> = real
        .iter()
        .filter(|f| f.rule == "document.standard-spelling")
        .collect();
    assert_eq!(notices.len(), 1, "{:#?}", rules(&real));
    assert!(notices[0].message.contains("read as `GB 13223-2011`"));
    assert!(!real.iter().any(|f| f.rule == "document.unknown-pollutant"
        || f.rule == "document.unit"
        || f.rule == "air.unknown-standard"));
}

#[test]
fn an_unknown_pollutant_is_said_once_with_a_suggestion() {
    let text = COAL_UNIT.replacen("pollutant: 氮氧化物", "pollutant: 氮氧化无", 1);
    let fs = check(&text);
    let unknown: Vec<_> = fs
        .iter()
        .filter(|f| f.rule == "document.unknown-pollutant")
        .collect();
    assert_eq!(unknown.len(), 1, "{:#?}", rules(&fs));
    assert!(unknown[0].message.contains("no rule checks its limits"));
    assert!(
        unknown[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("氮氧化物")
    );
}

#[test]
fn the_known_standards_come_from_the_policies_themselves() {
    let lib = permitlint::library::shipped().unwrap_or_else(|_| panic!("library"));
    let air = &lib.standards["air"];
    for s in [
        "GB 13223-2011",
        "GB 13223-2003",
        "GB 13271-2014",
        "GB 16297-1996",
        "GB 4915-2013",
    ] {
        assert!(air.contains(s), "{s} not in {air:?}");
    }
    let water = &lib.standards["water"];
    assert!(water.contains("GB 18918-2002 一级A"), "{water:?}");
    assert!(water.contains("GB 8978-1996 三级"), "{water:?}");
    // A standard checked by one element is not known to the other.
    assert!(!air.contains("GB 8978-1996 三级"));

    // A new policy that checks a standard makes it known, with no list to edit.
    let mut files: Vec<(String, String)> = lib
        .sources
        .iter()
        .map(|s| (s.name.clone(), s.text.clone()))
        .collect();
    files.push((
        "air/gb9078.policy".into(),
        r#"policy air.test-gb9078 {
  title "t"
  version 1
  basis "GB 9078-1996"
  element air
  severity error
  effective 1997-01-01 ..
  doc { what "t" why "t" violating """a""" conforming """b""" }
  for o in air.outlets where o.standard == "GB 9078-1996" {
    require o.height >= 15 m else "低于 15 m"
  }
}
"#
        .into(),
    ));
    let lib2 = permitlint::lang::library::build(files).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(lib2.standards["air"].contains("GB 9078-1996"));
}
