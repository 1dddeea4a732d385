//! The loaded permit: a YAML tree in which every node keeps its byte span.
//!
//! The YAML reader (`permit::yaml`) produces untyped scalars (`Str`, `Int`,
//! `Float`, `Bool`, `Null`); document validation (`permit::validate`)
//! rewrites scalars in place into the typed forms the schema gives them
//! (`Date`, `Qty`, `Range`, `Enum`), so the evaluator never parses text.

use crate::date::Date;
use crate::span::{Source, Span};
use crate::units::{Quantity, Range};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Span of the value itself (for a mapping or sequence: all of it).
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
    /// The key's index in the fields of the record the validator checked
    /// this mapping against ([`Entry::UNCHECKED`] until validation,
    /// [`Entry::UNKNOWN`] for a key the schema does not have), so the
    /// evaluator finds a field without comparing strings.
    pub field: u16,
}

impl Entry {
    /// Not (yet) checked against a record of the schema.
    pub const UNCHECKED: u16 = u16::MAX;
    /// Checked, and not a field of the record.
    pub const UNKNOWN: u16 = u16::MAX - 1;
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    // Typed by validation:
    Date(Date),
    Qty(Quantity),
    Range(Range),
    /// Index into the enumeration's ordered values (`schema::EnumDef::values`).
    Enum(u16),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.node)
    }
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| &*e.key == key),
            _ => None,
        }
    }
    /// The value of field number `index` of the record this mapping was
    /// validated against (named `name`, which is used when the mapping was
    /// not validated).
    pub fn field(&self, index: u16, name: &str) -> Option<&Node> {
        let Value::Map(entries) = &self.value else {
            return None;
        };
        match entries.first() {
            Some(e) if e.field != Entry::UNCHECKED => {
                entries.iter().find(|e| e.field == index).map(|e| &e.node)
            }
            _ => entries.iter().find(|e| e.key == name).map(|e| &e.node),
        }
    }
    /// The node at a dotted path of keys (`facilities.production`).
    pub fn at_path(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }
    /// A short name of the YAML kind, for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Date(_) => "a date",
            Value::Qty(_) => "a quantity",
            Value::Range(_) => "a range",
            Value::Enum(_) => "an enumeration value",
        }
    }
}

/// One permit document, loaded and (after validation) typed.
#[derive(Debug)]
pub struct Permit {
    pub source: Source,
    pub root: Node,
}
