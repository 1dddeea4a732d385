//! The reference permit loads with zero findings, and every value is typed.
use permitlint::permit::model::Value;
use permitlint::permit::{Limits, load_path};
use std::path::Path;

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/permits/reference.yaml"
);

#[test]
fn reference_permit_loads_clean() {
    let loaded = load_path(Path::new(REFERENCE), &Limits::default());
    let shown: Vec<String> = loaded
        .findings
        .iter()
        .map(|f| format!("{:?} {} {} {}", f.line_col(), f.rule, f.path, f.message))
        .collect();
    assert!(shown.is_empty(), "{shown:#?}");
    let permit = loaded.permit.expect("a tree");
    let root = &permit.root;
    let conc = root
        .get("air")
        .and_then(|a| a.get("outlets"))
        .and_then(|o| o.items().first())
        .and_then(|o| o.get("pollutants"))
        .and_then(|p| p.items().get(1))
        .and_then(|p| p.get("concentration"))
        .expect("air.outlets[0].pollutants[1].concentration");
    assert!(matches!(conc.value, Value::Qty(q) if q.value == 35.0 && q.unit.symbol == "mg/m3"));
    let mgmt = root
        .get("permit")
        .and_then(|p| p.get("management"))
        .expect("management");
    assert!(matches!(mgmt.value, Value::Enum(2)));
    let issued = root
        .get("permit")
        .and_then(|p| p.get("issued"))
        .expect("issued");
    assert!(matches!(issued.value, Value::Date(_)));
    let ph = root
        .get("water")
        .and_then(|w| w.get("outlets"))
        .and_then(|o| o.items().first())
        .and_then(|o| o.get("pollutants"))
        .and_then(|p| p.items().first())
        .and_then(|p| p.get("range"))
        .expect("pH range");
    assert!(matches!(ph.value, Value::Range(r) if r.lo == 6.0 && r.hi == 9.0));
}
