//! Runtime values. A value read from the permit keeps the span of the node
//! it came from, so a failed requirement can point at it.

use crate::date::Date;
use crate::lang::table::{CellValue, TableData};
use crate::permit::model::{Node, Value};
use crate::schema::types::{self as st, EnumDef, RecordDef, RefTarget};
use crate::span::Span;
use crate::units::{Quantity, Range, format_number};
use std::borrow::Cow;
use std::cmp::Ordering;

#[derive(Clone, Debug)]
pub enum V<'a> {
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Date(Date),
    Qty(Quantity),
    Range(Range),
    Enum(&'static EnumDef, u16),
    /// An id referring to an item of another list.
    Ref(&'a str, &'static RefTarget),
    Record(&'a Node, &'static RecordDef),
    /// A list written in the policy (`["PM", "SO2"]`) or computed.
    List(std::rc::Rc<[Val<'a>]>),
    /// A list in the permit, read lazily: the sequence node and its items' type.
    Seq(&'a Node, &'static st::Ty),
    Table(&'a TableData),
    Row(&'a TableData, usize),
    /// Absent, invalid in the permit, or the result of comparing the
    /// incomparable: requirements over unknown values are not decided.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Val<'a> {
    pub v: V<'a>,
    pub span: Option<Span>,
}

impl<'a> Val<'a> {
    pub fn new(v: V<'a>) -> Self {
        Val { v, span: None }
    }
    pub fn unknown() -> Self {
        Val::new(V::Unknown)
    }
    pub fn at(v: V<'a>, span: Span) -> Self {
        Val {
            v,
            span: Some(span),
        }
    }

    /// Interpret a permit node by its schema type.
    #[inline(always)]
    pub fn from_node(node: &'a Node, ty: &'static st::Ty) -> Val<'a> {
        // By the node's value first, then the type the schema gives it:
        // anything that does not fit failed validation and was reported.
        let v = match &node.value {
            Value::Null => V::Unknown,
            Value::Qty(q) => V::Qty(*q),
            Value::Date(d) => V::Date(*d),
            Value::Range(r) => V::Range(*r),
            Value::Enum(i) => match ty {
                st::Ty::Enum(def) => V::Enum(def, *i),
                _ => V::Unknown,
            },
            Value::Bool(b) => match ty {
                st::Ty::Bool => V::Bool(*b),
                _ => V::Unknown,
            },
            Value::Int(i) => match ty {
                st::Ty::Num => V::Num(*i as f64),
                // Codes written as plain numbers in YAML (`region: 320506`).
                st::Ty::Str | st::Ty::Code(_) | st::Ty::Pollutant(_) | st::Ty::Standard => {
                    V::Str(Cow::Owned(i.to_string()))
                }
                _ => V::Unknown,
            },
            Value::Float(f) => match ty {
                st::Ty::Num if f.is_finite() => V::Num(*f),
                _ => V::Unknown,
            },
            Value::Str(s) => match ty {
                st::Ty::Ref(target) => V::Ref(s, target),
                st::Ty::Str
                | st::Ty::Code(_)
                | st::Ty::Pollutant(_)
                | st::Ty::Standard
                | st::Ty::Any => V::Str(Cow::Borrowed(s)),
                _ => V::Unknown,
            },
            Value::Seq(_) => match ty {
                st::Ty::List(inner) => V::Seq(node, inner),
                _ => V::Unknown,
            },
            Value::Map(_) => match ty {
                st::Ty::Record(r) => V::Record(node, r),
                _ => V::Unknown,
            },
        };
        Val {
            v,
            span: Some(node.span),
        }
    }

    pub fn from_cell(c: &'a CellValue) -> Val<'a> {
        Val::new(match c {
            CellValue::Qty(q) => V::Qty(*q),
            CellValue::Num(n) => V::Num(*n),
            CellValue::Date(d) => V::Date(*d),
            CellValue::Text(s) => V::Str(Cow::Borrowed(s.as_str())),
            CellValue::None => V::Unknown,
        })
    }

    /// Number of items, when the value is a list.
    pub fn list_len(&self) -> Option<usize> {
        match &self.v {
            V::List(items) => Some(items.len()),
            V::Seq(node, _) => Some(node.items().len()),
            _ => None,
        }
    }

    /// Item `i` of a list (see [`Val::list_len`]).
    pub fn list_item(&self, i: usize) -> Val<'a> {
        match &self.v {
            V::List(items) => items.get(i).cloned().unwrap_or_else(Val::unknown),
            V::Seq(node, ty) => node
                .items()
                .get(i)
                .map_or_else(Val::unknown, |n| Val::from_node(n, ty)),
            _ => Val::unknown(),
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.v, V::Unknown)
    }

    /// The text of a string-like value (string, enum name, id).
    pub fn text(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            V::Enum(def, i) => Some(def.name_of(*i)),
            V::Ref(id, _) => Some(id),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.v {
            V::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Equality, three-valued: `None` when either side is unknown or the
    /// two cannot be compared.
    pub fn equals(&self, other: &Val) -> Option<bool> {
        // Texts first: ids, codes and pollutant names are most comparisons.
        if let (V::Str(_) | V::Ref(..), V::Str(_) | V::Ref(..)) = (&self.v, &other.v) {
            return Some(self.text() == other.text());
        }
        match (&self.v, &other.v) {
            (V::Unknown, _) | (_, V::Unknown) => None,
            (V::Enum(a, i), V::Enum(b, j)) if a.name == b.name => Some(i == j),
            (V::Bool(a), V::Bool(b)) => Some(a == b),
            (V::Date(a), V::Date(b)) => Some(a == b),
            (V::Range(a), V::Range(b)) => Some(a == b),
            _ => match (self.text(), other.text()) {
                (Some(a), Some(b)) => Some(a == b),
                _ => self.compare(other).map(|o| o == Ordering::Equal),
            },
        }
    }

    /// Order, three-valued. Quantities compare through their base unit and
    /// only within one dimension; enumerations by their declared order.
    pub fn compare(&self, other: &Val) -> Option<Ordering> {
        match (&self.v, &other.v) {
            (V::Num(a), V::Num(b)) => fuzzy_cmp(*a, *b),
            (V::Qty(a), V::Qty(b)) if a.dim() == b.dim() => fuzzy_cmp(a.base(), b.base()),
            // The empty sum (plain 0) compares with any quantity.
            (V::Qty(a), V::Num(z)) if *z == 0.0 => fuzzy_cmp(a.base(), 0.0),
            (V::Num(z), V::Qty(b)) if *z == 0.0 => fuzzy_cmp(0.0, b.base()),
            (V::Date(a), V::Date(b)) => Some(a.cmp(b)),
            (V::Enum(a, i), V::Enum(b, j)) if a.name == b.name => Some(i.cmp(j)),
            (V::Enum(def, i), V::Str(s)) => def.index(s).map(|j| i.cmp(&j)),
            (V::Str(s), V::Enum(def, j)) => def.index(s).map(|i| i.cmp(j)),
            _ => None,
        }
    }

    /// Text for messages: `150 mg/m3`, `key`, `2012-01-01`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out);
        out
    }

    /// Append [`Self::display`] to `out` (message templates build one
    /// string, not one per interpolation).
    pub fn write_display(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = match &self.v {
            V::Bool(b) => write!(out, "{b}"),
            V::Num(n) => {
                out.push_str(&format_number(*n));
                Ok(())
            }
            V::Str(s) => {
                out.push_str(s);
                Ok(())
            }
            V::Date(d) => write!(out, "{d}"),
            V::Qty(q) => write!(out, "{q}"),
            V::Range(r) => write!(out, "{r}"),
            // Messages are Chinese: show the official term, keep the code.
            V::Enum(def, i) => {
                out.push_str(match def.values.get(*i as usize) {
                    Some(v) if !v.zh.is_empty() => v.zh,
                    Some(v) => v.name,
                    None => "?",
                });
                Ok(())
            }
            V::Ref(id, _) => {
                out.push_str(id);
                Ok(())
            }
            V::Record(n, _) => {
                out.push_str(
                    n.get("id")
                        .and_then(|i| i.as_str())
                        .or_else(|| n.get("name").and_then(|i| i.as_str()))
                        .unwrap_or("…"),
                );
                Ok(())
            }
            V::List(_) | V::Seq(..) => {
                for i in 0..self.list_len().unwrap_or(0) {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.list_item(i).write_display(out);
                }
                Ok(())
            }
            V::Table(t) => {
                out.push_str(&t.name);
                Ok(())
            }
            V::Row(t, i) => {
                for (k, c) in t.rows[*i].iter().take(t.key_count).enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{c}");
                }
                Ok(())
            }
            V::Unknown => {
                out.push_str("（未填）");
                Ok(())
            }
        };
    }
}

/// Compare with a relative tolerance, so `0.1 + 0.2 <= 0.3` holds.
fn fuzzy_cmp(a: f64, b: f64) -> Option<Ordering> {
    let scale = a.abs().max(b.abs()).max(1e-12);
    if (a - b).abs() <= scale * 1e-9 {
        Some(Ordering::Equal)
    } else {
        a.partial_cmp(&b)
    }
}
