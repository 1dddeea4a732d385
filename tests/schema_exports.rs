//! The generated docs and JSON Schema agree with the schema and the reference permit.
use permitlint::permit::Limits;
use permitlint::permit::model::{Node, Value};
use permitlint::permit::yaml::parse;
use permitlint::schema::{json_schema::json_schema, markdown::markdown};

const REFERENCE: &str = include_str!("fixtures/permits/reference.yaml");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/permit-format.md");

#[test]
fn permit_format_doc_is_generated() {
    let generated = markdown();
    if std::env::var_os("PERMITLINT_WRITE_DOCS").is_some() {
        std::fs::write(DOC, &generated).expect("write docs/permit-format.md");
    }
    let committed = std::fs::read_to_string(DOC).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/permit-format.md is stale: run `PERMITLINT_WRITE_DOCS=1 cargo test --test integration schema_exports`"
    );
    assert!(generated.contains("## Project additions"));
    assert!(generated.contains("facilities.production[].furnace"));
}

/// The JSON view of an untyped YAML tree.
fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => J::from(*f),
        Value::Str(s) => J::String(s.to_string()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|e| (e.key.to_string(), to_json(&e.node)))
                .collect(),
        ),
        other => panic!("untyped tree expected, found {other:?}"),
    }
}

#[test]
fn json_schema_accepts_the_reference_and_rejects_a_wrong_unit() {
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["properties"]["unit"]["title"], "排污单位基本信息");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let tree = parse(REFERENCE, &Limits::default()).expect("reference parses");
    let json = to_json(&tree);
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let bad = REFERENCE.replacen("concentration: 35 mg/m3\n", "concentration: 35 mg/L\n", 1);
    let bad = to_json(&parse(&bad, &Limits::default()).expect("parses"));
    assert!(!validator.is_valid(&bad));
    let extra = REFERENCE.replacen("  address: ", "  adress: ", 1);
    let extra = to_json(&parse(&extra, &Limits::default()).expect("parses"));
    assert!(!validator.is_valid(&extra));
}
