//! What the monitoring checks need from a permit: per outlet and pollutant
//! the limits (hourly, daily, floor, annual by year of validity), the
//! reference O₂, and the line of each limit in the permit file.

use crate::catalogue::pollutants::{Medium, Resolved, catalogue};
use crate::date::Date;
use crate::permit::model::{Node, Value};
use crate::span::Source;

/// A limit with the place the permit states it.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    /// In the base unit of its dimension (mg/m³, mg/L, ℃, t/a).
    pub value: f64,
    /// As written in the permit (`35 mg/m3`).
    pub text: String,
    /// 1-based line of the limit in the permit file.
    pub line: usize,
    /// Bytes of the limit in the permit file.
    pub span: crate::span::Span,
    /// Dimension of the limit (a manual result in another unit is converted
    /// to the base unit of this one, or not compared).
    pub dim: crate::units::Dim,
}

/// How often the permit's monitoring plan (`monitoring[]`) requires a
/// manual measurement: the schema's `frequency` values except `continuous`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frequency {
    Annual,
    Semiannual,
    Quarterly,
    Monthly,
    Weekly,
    Daily,
}

impl Frequency {
    /// The permit's word (`quarterly`).
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Annual => "annual",
            Frequency::Semiannual => "semiannual",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
            Frequency::Weekly => "weekly",
            Frequency::Daily => "daily",
        }
    }
}

/// One manual entry of the permit's monitoring plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanEntry {
    pub outlet: String,
    /// Catalogue code.
    pub code: &'static str,
    pub frequency: Frequency,
    /// The entry in the permit file (its `frequency` value when stated).
    pub span: crate::span::Span,
    pub line: usize,
    /// As written (`frequency: quarterly`).
    pub text: String,
}

/// One pollutant row of an outlet.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub hj212: Option<&'static str>,
    /// `concentration`: the hourly (or permitted) concentration.
    pub hourly: Option<Limit>,
    /// A `limit` that is not a concentration, `bound: max` (Ringelmann grade).
    pub ceiling: Option<Limit>,
    pub daily: Option<Limit>,
    /// A `limit` with `bound: min` (furnace temperature).
    pub floor: Option<Limit>,
    /// Reference O₂ (%) when the permit's concentrations are corrected to it.
    pub reference_o2: Option<f64>,
    pub annual: Option<Limit>,
    pub annual_years: Vec<Limit>,
}

#[derive(Clone, Debug)]
pub struct Outlet {
    pub id: String,
    pub medium: Medium,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug)]
pub struct PermitLimits {
    pub source: Source,
    pub credit_code: String,
    pub unit_name: String,
    /// GB/T 2260 region code of the unit (`unit.region`), as written.
    pub region: String,
    pub valid_from: Option<Date>,
    pub outlets: Vec<Outlet>,
    /// Plant-wide annual limits (`air.totals`, `water.totals`): medium,
    /// catalogue code, limit.
    pub totals: Vec<(Medium, &'static str, Limit)>,
    /// The manual entries of the monitoring plan, in permit order.
    pub plan: Vec<PlanEntry>,
}

impl PermitLimits {
    pub fn outlet(&self, id: &str) -> Option<&Outlet> {
        self.outlets.iter().find(|o| o.id == id)
    }
}

impl Row {
    /// The annual limit of the year of validity that `date` falls in
    /// (`annual_years[n]`, else `annual`).
    pub fn annual_for(&self, valid_from: Option<Date>, date: Date) -> Option<&Limit> {
        if let Some(from) = valid_from {
            let mut year = 0usize;
            while year < 5 && from.add_years(year as i32 + 1) <= date {
                year += 1;
            }
            if let Some(l) = self.annual_years.get(year) {
                return Some(l);
            }
        }
        self.annual.as_ref()
    }
}

fn qty(node: Option<&Node>, source: &Source) -> Option<Limit> {
    let n = node?;
    let Value::Qty(q) = &n.value else {
        return None;
    };
    Some(Limit {
        value: q.base(),
        text: q.to_string(),
        line: source.line_col(n.span.start).0,
        span: n.span,
        dim: q.dim(),
    })
}

fn percent(node: Option<&Node>) -> Option<f64> {
    match &node?.value {
        Value::Qty(q) => Some(q.value),
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// `true` when an enum field holds its value number `index` (or the text `name`).
fn is_enum(node: Option<&Node>, index: u16, name: &str) -> bool {
    match node.map(|n| &n.value) {
        Some(Value::Enum(i)) => *i == index,
        Some(Value::Str(s)) => s == name,
        _ => false,
    }
}

/// Extract the limits of a loaded permit.
pub fn limits(p: &crate::permit::model::Permit) -> PermitLimits {
    let src = &p.source;
    let root = &p.root;
    let text = |path: &str| {
        root.at_path(path)
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string()
    };
    let valid_from = match root.at_path("permit.valid_from").map(|n| &n.value) {
        Some(Value::Date(d)) => Some(*d),
        Some(Value::Str(s)) => Date::parse(s),
        _ => None,
    };
    let mut outlets = Vec::new();
    for (medium, key) in [(Medium::Air, "air"), (Medium::Water, "water")] {
        let list = root.at_path(&format!("{key}.outlets"));
        for o in list.map(Node::items).unwrap_or(&[]) {
            let Some(id) = o.get("id").and_then(Node::as_str) else {
                continue;
            };
            let outlet_o2 = percent(o.get("reference_o2"));
            let measured = is_enum(o.get("concentration_basis"), 1, "measured");
            let mut rows = Vec::new();
            for r in o.get("pollutants").map(Node::items).unwrap_or(&[]) {
                let Some(name) = r.get("pollutant").and_then(Node::as_str) else {
                    continue;
                };
                let pol = match catalogue().resolve(name, Some(medium)) {
                    Resolved::Code(p) | Resolved::Alias(p) => p,
                    Resolved::Unknown { .. } => continue,
                };
                let limit = qty(r.get("limit"), src);
                let floor_bound = is_enum(r.get("bound"), 1, "min");
                let (floor, ceiling) = if floor_bound {
                    (limit, None)
                } else {
                    (None, limit)
                };
                let reference_o2 = if measured {
                    None
                } else {
                    percent(r.get("reference_o2")).or(outlet_o2)
                };
                rows.push(Row {
                    code: pol.code,
                    name_zh: pol.name_zh,
                    hj212: pol.hj212,
                    hourly: qty(r.get("concentration"), src),
                    ceiling,
                    daily: qty(r.get("daily"), src),
                    floor,
                    reference_o2,
                    annual: qty(r.get("annual"), src),
                    annual_years: r
                        .get("annual_years")
                        .map(Node::items)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|n| qty(Some(n), src))
                        .collect(),
                });
            }
            outlets.push(Outlet {
                id: id.to_string(),
                medium,
                rows,
            });
        }
    }
    let mut totals = Vec::new();
    for (medium, key) in [(Medium::Air, "air"), (Medium::Water, "water")] {
        let list = root.at_path(&format!("{key}.totals"));
        for t in list.map(Node::items).unwrap_or(&[]) {
            let Some(name) = t.get("pollutant").and_then(Node::as_str) else {
                continue;
            };
            let (Resolved::Code(p) | Resolved::Alias(p)) = catalogue().resolve(name, Some(medium))
            else {
                continue;
            };
            if let Some(l) = qty(t.get("annual"), src) {
                totals.push((medium, p.code, l));
            }
        }
    }
    let mut plan = Vec::new();
    for m in root.at_path("monitoring").map(Node::items).unwrap_or(&[]) {
        // `monitoring_method`: automatic 0, manual 1.
        if !is_enum(m.get("method"), 1, "manual") {
            continue;
        }
        let (Some(outlet), Some(name)) = (
            m.get("outlet").and_then(Node::as_str),
            m.get("pollutant").and_then(Node::as_str),
        ) else {
            continue;
        };
        let medium = outlets.iter().find(|o| o.id == outlet).map(|o| o.medium);
        let (Resolved::Code(p) | Resolved::Alias(p)) = catalogue().resolve(name, medium) else {
            continue;
        };
        let Some(f) = m.get("frequency") else {
            continue;
        };
        // `frequency`: annual, semiannual, quarterly, monthly, weekly, daily, continuous.
        let frequency = match &f.value {
            Value::Enum(0) => Frequency::Annual,
            Value::Enum(1) => Frequency::Semiannual,
            Value::Enum(2) => Frequency::Quarterly,
            Value::Enum(3) => Frequency::Monthly,
            Value::Enum(4) => Frequency::Weekly,
            Value::Enum(5) => Frequency::Daily,
            _ => continue,
        };
        plan.push(PlanEntry {
            outlet: outlet.to_string(),
            code: p.code,
            frequency,
            span: f.span,
            line: src.line_col(f.span.start).0,
            text: format!(
                "frequency: {}",
                src.text
                    .get(f.span.start as usize..f.span.end as usize)
                    .unwrap_or("")
            ),
        });
    }
    PermitLimits {
        plan,
        totals,
        source: src.clone(),
        credit_code: text("unit.credit_code"),
        unit_name: text("unit.name"),
        region: text("unit.region"),
        valid_from,
        outlets,
    }
}
