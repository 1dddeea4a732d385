//! Completion: fields after `.` (the record the checker gave the value
//! before the dot), enumeration values after `==`, table keys inside
//! `table[...]`, units after a number, rule ids after `supersedes`, and
//! otherwise the names in scope (variables, tables, constants, permit
//! sections, builtins).
//!
//! Text being typed rarely parses, so the checker is run on a copy of the
//! text with a placeholder where the cursor is (a field name, a string),
//! and the type it found for the expression before the cursor is read
//! back: completion never guesses a type the checker would not give.

use super::query::policy_at;
use super::text::{LineIndex, word_at};
use super::workspace::{Analysis, Workspace};
use crate::lang::check::BUILTINS;
use crate::lang::table::CellValue;
use crate::lang::types::Ty;
use crate::schema::permit_v1::ROOT;
use crate::schema::types::RecordDef;
use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, TextEdit};
use std::collections::BTreeSet;

/// An identifier no policy uses, put where the cursor is.
const PLACEHOLDER: &str = "__complete";

pub fn complete(ws: &mut Workspace, name: &str, offset: usize) -> Vec<CompletionItem> {
    let Some(source) = ws.source(name).cloned() else {
        return Vec::new();
    };
    let text = source.text.as_str();
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let (s, _) = word_at(text, offset);
    let before = &text[..s];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);

    if let Some(rest) = text[line_start..offset]
        .trim_start()
        .strip_prefix("supersedes ")
    {
        let start = offset - rest.trim_start().len();
        let range = LineIndex::new(text).range(crate::span::Span::new(start, offset));
        return ws
            .analysis()
            .lib
            .rule_ids()
            .into_iter()
            .map(|id| CompletionItem {
                label: id.to_string(),
                kind: Some(CompletionItemKind::REFERENCE),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                    range,
                    id.to_string(),
                ))),
                ..CompletionItem::default()
            })
            .collect();
    }

    let quoted = before.ends_with('"');
    let ctx = text[..if quoted { s - 1 } else { s }].trim_end();
    if !quoted && before.ends_with('.') {
        return fields(ws, name, text, s - 1, offset);
    }
    if ctx.ends_with("==") || ctx.ends_with("!=") {
        return enum_values(ws, name, text, ctx.len() - 2, offset, quoted);
    }
    if ctx.ends_with('[') {
        return table_keys(ws, name, text, ctx.len() - 1, offset, quoted);
    }
    if quoted {
        return Vec::new();
    }
    if ctx.len() < s && after_number(ctx) {
        return units();
    }
    names(ws, name, offset)
}

/// Whether `ctx` ends with a number literal (not an identifier ending in a digit).
fn after_number(ctx: &str) -> bool {
    let b = ctx.as_bytes();
    let mut i = b.len();
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        i -= 1;
    }
    i < b.len()
        && b[i].is_ascii_digit()
        && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
}

/// Check `text` with each of `variants` in turn and return the first that parses.
fn analyse_variants(ws: &mut Workspace, name: &str, variants: &[String]) -> Option<Analysis> {
    variants.iter().find_map(|v| ws.analysis_with(name, v))
}

/// The type the checker gave the widest expression of the policy at
/// `offset` that ends at byte `end`.
fn type_ending_at(a: &Analysis, name: &str, offset: usize, end: usize) -> Option<Ty> {
    let p = policy_at(a, name, offset)?;
    p.types
        .iter()
        .filter(|(span, t)| span.end as usize == end && !t.is_unknown())
        .min_by_key(|(span, _)| span.start)
        .map(|(_, t)| t.clone())
}

/// The same text with `insert` at `offset`, then with what a statement
/// being typed still lacks: the `else ""` of a `require`, the block of a
/// `for` or `when` header.
fn variants(text: &str, offset: usize, insert: &str, skip: usize) -> Vec<String> {
    let (head, tail) = (&text[..offset], &text[offset + skip..]);
    vec![
        format!("{head}{insert}{tail}"),
        format!("{head}{insert} else \"\"{tail}"),
        format!("{head}{insert} {{}}{tail}"),
    ]
}

fn fields(
    ws: &mut Workspace,
    name: &str,
    text: &str,
    dot: usize,
    offset: usize,
) -> Vec<CompletionItem> {
    let (ns_start, _) = word_at(text, dot);
    match &text[ns_start..dot] {
        "facts" => {
            return ws
                .analysis()
                .lib
                .facts
                .values()
                .map(|f| CompletionItem {
                    label: f.name.clone(),
                    kind: Some(CompletionItemKind::ENUM),
                    detail: Some(f.enum_def.name.to_string()),
                    documentation: Some(Documentation::String(f.doc.clone())),
                    ..CompletionItem::default()
                })
                .collect();
        }
        "findings" => {
            return ["errors", "warnings", "notices"]
                .iter()
                .map(|n| CompletionItem {
                    label: n.to_string(),
                    kind: Some(CompletionItemKind::FIELD),
                    detail: Some("a number".into()),
                    ..CompletionItem::default()
                })
                .collect();
        }
        _ => {}
    }
    let typed = offset > dot + 1;
    let insert = if typed { "" } else { PLACEHOLDER };
    let Some(a) = analyse_variants(ws, name, &variants(text, offset, insert, 0)) else {
        return Vec::new();
    };
    match type_ending_at(&a, name, offset, dot) {
        Some(Ty::Record(r)) => record_fields(r),
        Some(Ty::Ref(r)) => record_fields(r.record),
        Some(Ty::Row(t)) => t
            .columns
            .iter()
            .enumerate()
            .skip(t.key_count)
            .map(|(_, c)| CompletionItem {
                label: c.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(format!("column of table `{}`", t.name)),
                ..CompletionItem::default()
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn record_fields(r: &'static RecordDef) -> Vec<CompletionItem> {
    r.fields
        .iter()
        .map(|f| CompletionItem {
            label: f.name.to_string(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(format!("{} — {}", f.zh, Ty::from_schema(&f.ty))),
            documentation: Some(Documentation::String(f.en.trim().to_string())),
            ..CompletionItem::default()
        })
        .collect()
}

fn enum_values(
    ws: &mut Workspace,
    name: &str,
    text: &str,
    op: usize,
    offset: usize,
    quoted: bool,
) -> Vec<CompletionItem> {
    let left_end = text[..op].trim_end().len();
    // Replace what is being typed by a complete string literal.
    let mut skip = 0;
    let mut head_end = offset;
    if quoted {
        let (s, _) = word_at(text, offset);
        head_end = s - 1;
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        skip = text[offset..line_end].find('"').map_or(0, |i| i + 1);
        skip += offset - head_end;
    }
    let insert = format!("\"{PLACEHOLDER}\"");
    let Some(a) = analyse_variants(ws, name, &variants(text, head_end, &insert, skip)) else {
        return Vec::new();
    };
    let Some(Ty::Enum(e)) = type_ending_at(&a, name, offset, left_end) else {
        return Vec::new();
    };
    e.values
        .iter()
        .map(|v| CompletionItem {
            label: v.name.to_string(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            detail: Some(v.zh.to_string()),
            insert_text: (!quoted).then(|| format!("\"{}\"", v.name)),
            ..CompletionItem::default()
        })
        .collect()
}

fn table_keys(
    ws: &mut Workspace,
    name: &str,
    text: &str,
    bracket: usize,
    offset: usize,
    quoted: bool,
) -> Vec<CompletionItem> {
    let (s, _) = word_at(text, bracket);
    let table_name = &text[s..bracket];
    let a = ws.analysis();
    let table = policy_at(a, name, offset)
        .and_then(|p| p.tables.get(table_name))
        .or_else(|| a.lib.tables.get(table_name));
    let Some(t) = table else {
        return Vec::new();
    };
    let mut keys = BTreeSet::new();
    for row in &t.rows {
        if let Some(CellValue::Text(k)) = row.first() {
            keys.insert(k.clone());
        }
    }
    keys.into_iter()
        .map(|k| CompletionItem {
            label: k.clone(),
            kind: Some(CompletionItemKind::VALUE),
            detail: Some(format!("key of table `{}`", t.name)),
            insert_text: (!quoted).then(|| format!("\"{k}\"")),
            ..CompletionItem::default()
        })
        .collect()
}

fn units() -> Vec<CompletionItem> {
    crate::units::UNITS
        .iter()
        .map(|u| CompletionItem {
            label: u.symbol.to_string(),
            kind: Some(CompletionItemKind::UNIT),
            detail: Some(u.dim.name().to_string()),
            ..CompletionItem::default()
        })
        .collect()
}

fn names(ws: &mut Workspace, name: &str, offset: usize) -> Vec<CompletionItem> {
    let a = ws.analysis();
    let mut out: Vec<CompletionItem> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |label: &str, kind, detail: String| {
        if seen.insert(label.to_string()) {
            out.push(CompletionItem {
                label: label.to_string(),
                kind: Some(kind),
                detail: Some(detail),
                ..CompletionItem::default()
            });
        }
    };
    if let Some(p) = policy_at(a, name, offset) {
        for (ident, ty) in p.bindings.iter().rev() {
            if (ident.span.end as usize) < offset {
                push(&ident.node, CompletionItemKind::VARIABLE, ty.to_string());
            }
        }
        let mut local: Vec<_> = p.tables.iter().collect();
        local.sort_by(|x, y| x.0.cmp(y.0));
        for (n, t) in local {
            push(
                n,
                CompletionItemKind::STRUCT,
                t.caption.clone().unwrap_or_default(),
            );
        }
    }
    let mut tables: Vec<_> = a.lib.tables.iter().collect();
    tables.sort_by(|x, y| x.0.cmp(y.0));
    for (n, t) in tables {
        push(
            n,
            CompletionItemKind::STRUCT,
            t.caption.clone().unwrap_or_default(),
        );
    }
    let mut consts: Vec<_> = a.lib.consts.iter().collect();
    consts.sort_by(|x, y| x.0.cmp(y.0));
    for (n, v) in consts {
        push(n, CompletionItemKind::CONSTANT, super::hover::const_text(v));
    }
    for f in ROOT.fields {
        push(
            f.name,
            CompletionItemKind::MODULE,
            format!("{} — {}", f.zh, Ty::from_schema(&f.ty)),
        );
    }
    for (n, arity, doc) in BUILTINS {
        push(
            n,
            CompletionItemKind::FUNCTION,
            format!("{n}/{arity}: {doc}"),
        );
    }
    for n in crate::lang::check::BUILTIN_NAMES {
        push(n, CompletionItemKind::KEYWORD, String::new());
    }
    out
}
