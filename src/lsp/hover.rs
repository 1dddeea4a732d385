//! Hover: what the name under the cursor is, as the checker resolved it —
//! a permit field (type, unit dimension, Chinese label, schema doc), a
//! table (caption and rows), a variable (its type), a rule (its `explain`
//! text) or a builtin (its signature).

use super::query::{self, Target};
use super::workspace::Workspace;
use crate::lang::library::ConstValue;
use crate::lang::table::{CellValue, TableData};
use crate::lang::types::Ty;
use crate::schema::types::{Field, RecordDef};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

/// Table rows shown in a hover before it says how many more there are.
const MAX_ROWS: usize = 30;

pub fn hover(ws: &mut Workspace, name: &str, offset: usize) -> Option<Hover> {
    let (target, span) = query::target_at(ws, name, offset)?;
    let lib = &ws.analysis().lib;
    let text = match target {
        Target::Field(rec, f) => field_markdown(rec, f),
        Target::Column(t, c) => format!(
            "column `{}` of table `{}`\n\n{}",
            t.columns.get(c).map_or("?", String::as_str),
            t.name,
            table_markdown(&t)
        ),
        Target::Table(t) => table_markdown(&t),
        Target::Local { name, ty, .. } => format!("```\n{name}: {ty}\n```"),
        Target::Const(n, v) => format!("```\nconst {n} = {}\n```", const_text(&v)),
        Target::Fact(n) => {
            let f = lib.facts.get(&n)?;
            let values: Vec<String> = f
                .enum_def
                .values
                .iter()
                .map(|v| format!("`{}` ({})", v.name, v.zh))
                .collect();
            format!(
                "fact `{}`: `{}`\n\n{}\n\nvalues, weakest first: {}",
                f.name,
                f.enum_def.name,
                f.doc,
                values.join(", ")
            )
        }
        Target::Rule(id) => {
            let mut versions: Vec<_> = lib.policies.iter().filter(|p| p.meta.id == id).collect();
            if versions.is_empty() {
                return None;
            }
            versions.sort_by_key(|p| std::cmp::Reverse(p.meta.version));
            versions
                .iter()
                .map(|p| crate::docs::policy_markdown(lib, p))
                .collect::<Vec<_>>()
                .join("\n---\n\n")
        }
        Target::Builtin(n, arity, doc) => {
            let params: Vec<String> = (1..=arity).map(|i| format!("arg{i}")).collect();
            format!("```\n{n}({})\n```\n\n{doc}", params.join(", "))
        }
        Target::Today => "`today`: the date the permit is checked as of (`--as-of`)".to_string(),
    };
    let source = ws.source(name)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(super::text::LineIndex::new(&source.text).range(span)),
    })
}

/// A permit field: its name, Chinese label, type with unit dimensions, the
/// record it belongs to and its description.
pub fn field_markdown(rec: &RecordDef, f: &'static Field) -> String {
    let ty = Ty::from_schema(&f.ty);
    let mut s = format!("**`{}`** {} — {}\n\n{}\n\n", f.name, f.zh, ty, f.en.trim());
    if let Some(units) = units_of(&f.ty) {
        s.push_str(&format!("units: {units}\n\n"));
    }
    s.push_str(&format!(
        "in `{}` ({}){}{}",
        rec.name,
        rec.zh,
        if f.required { " · required" } else { "" },
        if f.nullable { " · may be null" } else { "" }
    ));
    s
}

fn units_of(t: &crate::schema::types::Ty) -> Option<String> {
    use crate::schema::types::Ty as S;
    let dims = match t {
        S::Qty(d) => *d,
        S::List(inner) => return units_of(inner),
        _ => return None,
    };
    let units: Vec<String> = dims
        .iter()
        .map(|d| {
            let u: Vec<&str> = d.units().map(|u| u.symbol).collect();
            format!("{} `{}`", d.name(), u.join("`, `"))
        })
        .collect();
    Some(units.join("; "))
}

/// A table: name, keys, caption and its rows as a Markdown table.
pub fn table_markdown(t: &TableData) -> String {
    let mut s = format!(
        "table `{}`({})",
        t.name,
        t.columns[..t.key_count.min(t.columns.len())].join(", ")
    );
    if let Some(c) = &t.caption {
        s.push_str(&format!(" — {c}"));
    }
    s.push_str("\n\n| ");
    s.push_str(&t.columns.join(" | "));
    s.push_str(" |\n|");
    s.push_str(&"---|".repeat(t.columns.len()));
    s.push('\n');
    for row in t.rows.iter().take(MAX_ROWS) {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    if t.rows.len() > MAX_ROWS {
        s.push_str(&format!("\n… {} more rows\n", t.rows.len() - MAX_ROWS));
    }
    s
}

/// A constant's value as it would be written in a policy.
pub fn const_text(v: &ConstValue) -> String {
    match v {
        ConstValue::Num(n) => crate::units::format_number(*n),
        ConstValue::Qty(q) => q.to_string(),
        ConstValue::Str(s) => format!("{s:?}"),
        ConstValue::Date(d) => d.to_string(),
        ConstValue::Bool(b) => b.to_string(),
    }
}

pub fn cell_text(c: &CellValue) -> String {
    match c {
        CellValue::Qty(q) => q.to_string(),
        CellValue::Num(n) => crate::units::format_number(*n),
        CellValue::Date(d) => d.to_string(),
        CellValue::Text(t) => t.replace('|', "\\|"),
        CellValue::None => "none".into(),
    }
}
