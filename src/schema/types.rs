//! The types the permit schema is made of.
//!
//! One schema (`schema::permit_v1`) describes the permit format: it drives
//! document validation, the policy type checker, the JSON Schema export and
//! `docs/permit-format.md`. Everything is `'static` data.

use crate::units::Dim;

#[derive(Debug)]
pub enum Ty {
    Str,
    Bool,
    /// A plain number (counts, coordinates).
    Num,
    Date,
    /// A quantity whose unit has one of these dimensions.
    Qty(&'static [Dim]),
    /// A numeric range such as pH `6-9`.
    Range,
    Enum(&'static EnumDef),
    /// A code with a checked shape (credit code, permit number, ...).
    Code(CodeKind),
    /// A pollutant, written by code, Chinese name or alias, resolved
    /// through the pollutant catalogue (`None`: either medium).
    Pollutant(Option<crate::catalogue::Medium>),
    /// An emission standard, written any common way, canonicalised
    /// (`GB13223-2011` → `GB 13223-2011`).
    Standard,
    /// An id that must name an item of the list at `target` (a dotted path
    /// from the root, e.g. `facilities.production`). Field access on a
    /// reference follows it to the record.
    Ref(&'static RefTarget),
    List(&'static Ty),
    Record(&'static RecordDef),
    /// Either a quantity of these dimensions or a range (a water pollutant
    /// has `concentration` or, for pH, `range`).
    Any,
}

#[derive(Debug)]
pub struct RefTarget {
    /// Dotted path of the list the id points into.
    pub path: &'static str,
    /// The record type of that list's items.
    pub record: &'static RecordDef,
    /// Some references may point into several lists (a monitoring entry's
    /// `outlet` names an air or water outlet or a fugitive source).
    pub also: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// GB 32100-2015 unified social credit code, 18 characters with check character.
    CreditCode,
    /// HJ 608-2017 permit number: credit code + 3-digit serial + one letter.
    PermitNumber,
    /// GB/T 2260 region code, 6 digits.
    RegionCode,
    /// GB/T 4754-2017 industry code: a letter and 2-4 digits.
    IndustryCode,
    /// Outlet id: `DA###` (air), `DW###` (water); other ids are free.
    OutletId,
}

#[derive(Debug)]
pub struct EnumDef {
    pub name: &'static str,
    /// Values in order, weakest first where the enumeration is ordered.
    pub values: &'static [EnumValue],
    /// Whether `<`/`>` are meaningful (management category, frequency).
    pub ordered: bool,
}

#[derive(Debug)]
pub struct EnumValue {
    pub name: &'static str,
    pub zh: &'static str,
}

impl EnumDef {
    pub fn index(&self, name: &str) -> Option<u16> {
        self.values
            .iter()
            .position(|v| v.name == name)
            .map(|i| i as u16)
    }
    pub fn name_of(&self, index: u16) -> &'static str {
        self.values.get(index as usize).map_or("?", |v| v.name)
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// Nullable: `null` is accepted (e.g. `receiving_class` for indirect discharge).
    pub nullable: bool,
    /// Chinese label (official term) for human-facing output.
    pub zh: &'static str,
    /// English description.
    pub en: &'static str,
    /// The format version that introduced the field (`1` or `2`).
    pub since: u8,
}

#[derive(Debug)]
pub struct RecordDef {
    pub name: &'static str,
    pub zh: &'static str,
    pub fields: &'static [Field],
}

impl RecordDef {
    pub fn field(&'static self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}
