//! What the text under the cursor refers to, read from the checker's own
//! resolutions (`Resolution`, `PolicyAnalysis`): the one place hover, go to
//! definition and references ask.

use super::text::word_at;
use super::workspace::{Analysis, Workspace};
use crate::lang::ast::{Item, PolicyFile};
use crate::lang::check::{BUILTINS, PolicyAnalysis};
use crate::lang::library::{ConstValue, Name};
use crate::lang::table::TableData;
use crate::lang::types::Ty;
use crate::schema::permit_v1::ROOT;
use crate::schema::types::{Field, RecordDef};
use crate::span::Span;
use std::sync::Arc;

pub enum Target {
    Field(&'static RecordDef, &'static Field),
    Column(Arc<TableData>, usize),
    Table(Arc<TableData>),
    /// A `let`, `for` or quantifier variable, and where it was bound.
    Local {
        name: String,
        ty: Ty,
        def: Span,
    },
    Const(String, ConstValue),
    Fact(String),
    Rule(String),
    Builtin(&'static str, usize, &'static str),
    Today,
}

/// The policy of file `name` whose text holds byte `offset`.
pub fn policy_at<'a>(a: &'a Analysis, name: &str, offset: usize) -> Option<&'a PolicyAnalysis> {
    a.policies.iter().find(|p| {
        p.file == name && p.span.start as usize <= offset && offset <= p.span.end as usize
    })
}

/// A rule id around `offset`: letters, digits, `_`, `.` and `-`.
fn rule_word_at(text: &str, offset: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let is_id = |c: u8| c.is_ascii_alphanumeric() || b"_.-".contains(&c);
    let mut s = offset.min(b.len());
    while s > 0 && is_id(b[s - 1]) {
        s -= 1;
    }
    let mut e = offset.min(b.len());
    while e < b.len() && is_id(b[e]) {
        e += 1;
    }
    (s, e)
}

/// What the word at `offset` of file `name` refers to, and its span.
pub fn target_at(ws: &mut Workspace, name: &str, offset: usize) -> Option<(Target, Span)> {
    let source = ws.source(name)?.clone();
    let text = source.text.as_str();
    let a = ws.analysis();

    let (rs, re) = rule_word_at(text, offset);
    if rs < re {
        let id = &text[rs..re];
        let line_start = text[..rs].rfind('\n').map_or(0, |i| i + 1);
        let before = text[line_start..rs].trim();
        if (before == "supersedes" || before.ends_with("policy"))
            && a.policies.iter().any(|p| p.id.node == id)
        {
            return Some((Target::Rule(id.to_string()), Span::new(rs, re)));
        }
    }

    let (s, e) = word_at(text, offset);
    if s == e {
        return None;
    }
    let word = &text[s..e];
    let span = Span::new(s, e);
    let at = s as u32;
    if let Some(p) = policy_at(a, name, offset) {
        if let Some((r, f)) = p.resolution.field_at(at) {
            return Some((Target::Field(r, f), span));
        }
        if let Some((t, c)) = p.resolution.column_at(at) {
            return Some((Target::Column(t.clone(), c), span));
        }
        match p.resolution.name_at(at) {
            Some(Name::Table(t)) => return Some((Target::Table(t.clone()), span)),
            Some(Name::Root(f, _)) => return Some((Target::Field(&ROOT, f), span)),
            Some(Name::Const(v)) => return Some((Target::Const(word.into(), v.clone()), span)),
            Some(Name::Today) => return Some((Target::Today, span)),
            Some(Name::Local(_)) => {
                let def = p
                    .uses
                    .iter()
                    .find(|(u, _)| u.start == at)
                    .map(|(_, d)| *d)?;
                let ty = p
                    .bindings
                    .iter()
                    .find(|(i, _)| i.span == def)
                    .map_or(Ty::Unknown, |(_, t)| t.clone());
                return Some((
                    Target::Local {
                        name: word.into(),
                        ty,
                        def,
                    },
                    span,
                ));
            }
            _ => {}
        }
        if let Some((i, ty)) = p.bindings.iter().find(|(i, _)| i.span.start == at) {
            return Some((
                Target::Local {
                    name: word.into(),
                    ty: ty.clone(),
                    def: i.span,
                },
                span,
            ));
        }
        if let Some(t) = p.tables.get(word) {
            return Some((Target::Table(t.clone()), span));
        }
    }
    if a.lib.facts.contains_key(word)
        && (text[..s].ends_with("facts.")
            || text[..s].trim_end().ends_with("fact")
            || text[..s].trim_end().ends_with("derive"))
    {
        return Some((Target::Fact(word.into()), span));
    }
    if let Some(t) = a.lib.tables.get(word) {
        return Some((Target::Table(t.clone()), span));
    }
    if let Some(&(n, arity, doc)) = BUILTINS.iter().find(|b| b.0 == word)
        && text[e..].trim_start().starts_with('(')
    {
        return Some((Target::Builtin(n, arity, doc), span));
    }
    if let Some(v) = a.lib.consts.get(word) {
        return Some((Target::Const(word.into(), v.clone()), span));
    }
    None
}

/// Where a top-level item named `name` is declared: (file, name span).
pub fn item_def(files: &[PolicyFile], name: &str, kind: ItemKind) -> Option<(String, Span)> {
    for f in files {
        for item in &f.items {
            let ident = match (item, kind) {
                (Item::Table(t), ItemKind::Table) => &t.name,
                (Item::Const(c), ItemKind::Const) => &c.name,
                (Item::Fact(d), ItemKind::Fact) => &d.name,
                _ => continue,
            };
            if ident.node == name {
                return Some((f.source.name.clone(), ident.span));
            }
        }
    }
    None
}

#[derive(Clone, Copy)]
pub enum ItemKind {
    Table,
    Const,
    Fact,
}
