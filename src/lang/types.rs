//! Static types of policy expressions, derived from the permit schema.

use super::table::TableData;
use crate::schema::types::{self as st, EnumDef, RecordDef, RefTarget};
use crate::units::Dim;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum Ty {
    Bool,
    Num,
    Str,
    Date,
    /// A quantity of one of these dimensions (a permit field may allow several).
    Qty(Vec<Dim>),
    Range,
    Enum(&'static EnumDef),
    Record(&'static RecordDef),
    Ref(&'static RefTarget),
    List(Box<Ty>),
    Table(Arc<TableData>),
    Row(Arc<TableData>),
    /// `none`, an empty table cell.
    None,
    /// After an error (to avoid cascades) or for schema fields of mixed type.
    Unknown,
}

impl Ty {
    pub fn from_schema(t: &'static st::Ty) -> Ty {
        match t {
            st::Ty::Str | st::Ty::Code(_) | st::Ty::Pollutant(_) | st::Ty::Standard => Ty::Str,
            st::Ty::Bool => Ty::Bool,
            st::Ty::Num => Ty::Num,
            st::Ty::Date => Ty::Date,
            st::Ty::Qty(dims) => Ty::Qty(dims.to_vec()),
            st::Ty::Range => Ty::Range,
            st::Ty::Enum(e) => Ty::Enum(e),
            st::Ty::Ref(r) => Ty::Ref(r),
            st::Ty::List(inner) => Ty::List(Box::new(Ty::from_schema(inner))),
            st::Ty::Record(r) => Ty::Record(r),
            st::Ty::Any => Ty::Unknown,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Ty::Unknown)
    }

    /// Strings, enumeration values and ids compare with string literals.
    pub fn is_textual(&self) -> bool {
        matches!(self, Ty::Str | Ty::Enum(_) | Ty::Ref(_))
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("a boolean"),
            Ty::Num => f.write_str("a number"),
            Ty::Str => f.write_str("text"),
            Ty::Date => f.write_str("a date"),
            Ty::Qty(dims) => {
                let names: Vec<String> = dims
                    .iter()
                    .map(|d| format!("{} (`{}`)", d.name(), d.example()))
                    .collect();
                write!(f, "a quantity of {}", names.join(" or "))
            }
            Ty::Range => f.write_str("a range"),
            Ty::Enum(e) => write!(f, "a `{}` value", e.name),
            Ty::Record(r) => write!(f, "a `{}` record", r.name),
            Ty::Ref(r) => write!(f, "an id in `{}`", r.path),
            Ty::List(t) => write!(f, "a list of {t}"),
            Ty::Table(t) => write!(f, "table `{}`", t.name),
            Ty::Row(t) => write!(f, "a row of table `{}`", t.name),
            Ty::None => f.write_str("`none`"),
            Ty::Unknown => f.write_str("a value"),
        }
    }
}
