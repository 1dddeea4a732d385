//! JSON Schema (draft 2020-12) of permit/v1, generated from `permit_v1::ROOT`.
//!
//! Titles are the Chinese labels, descriptions English. Quantities are
//! strings checked by a `pattern` built from the unit table; records are
//! closed (`additionalProperties: false`). The schema describes the JSON view
//! of a permit (plain YAML dates and codes are strings there too).

use super::permit_v1::{CAPACITY, ROOT};
use super::types::{CodeKind, Field, RecordDef, Ty};
use crate::units::{Dim, UNITS};
use serde_json::{Map, Value, json};

/// Regex source for a number as `units::parse_quantity` reads it.
const NUMBER: &str = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?";

pub fn json_schema() -> Value {
    let mut defs = Map::new();
    let root = record(&ROOT, &mut defs);
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://permitlint.invalid/schemas/permit-v1.json",
    });
    if let (Value::Object(s), Value::Object(r)) = (&mut schema, root) {
        s.extend(r);
        s.insert("$defs".into(), Value::Object(defs));
    }
    schema
}

/// `^<number> ?(mg/m3|g/m3|...)$` for the units of these dimensions.
pub fn quantity_pattern(dims: &[Dim]) -> String {
    let symbols: Vec<String> = UNITS
        .iter()
        .filter(|u| dims.contains(&u.dim))
        .map(|u| regex_escape(u.symbol))
        .collect();
    format!(r"^\s*{NUMBER} ?({})\s*$", symbols.join("|"))
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn code_pattern(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::CreditCode => "^[0-9A-HJ-NPQRTUWXY]{18}$",
        CodeKind::PermitNumber => {
            "^[0-9A-HJ-NPQRTUWXY]{18}(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})[A-Z]$"
        }
        CodeKind::RegionCode => "^[0-9]{6}$",
        CodeKind::IndustryCode => "^[A-Z][0-9]{2,4}$",
        CodeKind::OutletId => "^D[AW][0-9]{3}$",
    }
}

/// A `$ref` to the record's definition, adding it to `defs` on first use.
fn record_ref(def: &'static RecordDef, defs: &mut Map<String, Value>) -> Value {
    if !defs.contains_key(def.name) {
        defs.insert(def.name.into(), Value::Null); // reserve: no cycles, but keep order stable
        let body = record(def, defs);
        defs.insert(def.name.into(), body);
    }
    json!({ "$ref": format!("#/$defs/{}", def.name) })
}

fn record(def: &'static RecordDef, defs: &mut Map<String, Value>) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in def.fields {
        props.insert(f.name.into(), field(f, defs));
        if f.required {
            required.push(f.name);
        }
    }
    let mut out = json!({
        "type": "object",
        "title": def.zh,
        "properties": props,
        "required": required,
        "additionalProperties": false,
    });
    if def.name == "water_pollutant" {
        out["anyOf"] = json!([{ "required": ["concentration"] }, { "required": ["range"] }]);
    }
    if std::ptr::eq(def, &ROOT) {
        out["properties"]["format"]["enum"] = json!(crate::permit::validate::FORMATS);
    }
    out
}

fn field(f: &'static Field, defs: &mut Map<String, Value>) -> Value {
    let mut v = ty(&f.ty, defs);
    if let Value::Object(o) = &mut v {
        o.insert("title".into(), json!(f.zh));
        o.insert("description".into(), json!(f.en));
    }
    if f.nullable {
        v = json!({ "title": f.zh, "description": f.en, "anyOf": [v, { "type": "null" }] });
    }
    v
}

fn ty(t: &'static Ty, defs: &mut Map<String, Value>) -> Value {
    match t {
        Ty::Str | Ty::Pollutant(_) | Ty::Standard => json!({ "type": "string" }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Num => json!({ "type": "number" }),
        Ty::Date => {
            json!({ "type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$" })
        }
        Ty::Qty(dims) => json!({ "type": "string", "pattern": quantity_pattern(dims) }),
        Ty::Range => {
            json!({ "type": "string", "pattern": format!(r"^\s*{NUMBER}\s*[-~–]\s*{NUMBER}\s*$") })
        }
        Ty::Enum(e) => {
            let names: Vec<&str> = e.values.iter().map(|v| v.name).collect();
            json!({ "type": "string", "enum": names })
        }
        Ty::Code(k) => json!({ "type": "string", "pattern": code_pattern(*k) }),
        Ty::Ref(target) => {
            let lists: Vec<&str> = std::iter::once(target.path)
                .chain(target.also.iter().copied())
                .collect();
            json!({ "type": "string", "$comment": format!("id of an item of {}", lists.join(" or ")) })
        }
        Ty::List(inner) => json!({ "type": "array", "items": ty(inner, defs) }),
        Ty::Record(r) => record_ref(r, defs),
        Ty::Any => json!({ "type": "string", "pattern": quantity_pattern(CAPACITY) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_patterns_come_from_the_unit_table() {
        let p = quantity_pattern(&[Dim::AirConcentration]);
        assert!(p.contains("mg/m3") && p.contains("ug/m3") && !p.contains("mg/L"));
        assert_eq!(regex_escape("%"), "%");
        assert_eq!(regex_escape("a.b"), r"a\.b");
    }
}
