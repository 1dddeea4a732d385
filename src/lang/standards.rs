//! The emission standards the library knows: every text a policy compares
//! a `standard` field with (`o.standard == "GB 13223-2011"`,
//! `o.standard in ["GB 8978-1996 一级", …]`). Collected from the checked
//! policies, so a new standard's author has no list to remember to edit;
//! `known_standard(s)` and `known_standards()` read it.
//!
//! Likewise the pollutants checked under each standard ([`collect_rows`]):
//! the keys of the tables a policy looks a `pollutant` up in, inside loops
//! and conditions that select the standard. `known_row(standard,
//! pollutant)` reads it, so a permit row under a known standard whose
//! pollutant no policy checks is said to be unchecked, not passed.

use super::ast::BinOp;
use super::ast::{Expr, ExprKind, Lit, Stmt, StmtKind};
use std::collections::BTreeSet;

/// Texts compared with a field named `standard` anywhere in `body`.
pub fn collect(body: &[Stmt], out: &mut BTreeSet<String>) {
    for s in body {
        match &s.node {
            StmtKind::Let(_, e) => expr(e, out),
            StmtKind::For {
                coll, filter, body, ..
            } => {
                expr(coll, out);
                if let Some(f) = filter {
                    expr(f, out);
                }
                collect(body, out);
            }
            StmtKind::When {
                cond,
                then,
                otherwise,
            } => {
                expr(cond, out);
                collect(then, out);
                if let Some(o) = otherwise {
                    collect(o, out);
                }
            }
            StmtKind::During { body, .. } => collect(body, out),
            StmtKind::Require { cond, .. } => expr(cond, out),
            StmtKind::Report { .. } => {}
            StmtKind::Derive { value, .. } => expr(value, out),
        }
    }
}

fn is_standard_field(e: &Expr) -> bool {
    matches!(&e.node, ExprKind::Field(_, f) if f.node == "standard")
}

fn texts(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.node {
        ExprKind::Lit(Lit::Str(s)) => {
            out.insert(s.clone());
        }
        ExprKind::List(items) => items.iter().for_each(|i| texts(i, out)),
        ExprKind::Paren(inner) => texts(inner, out),
        _ => {}
    }
}

fn expr(e: &Expr, out: &mut BTreeSet<String>) {
    if let ExprKind::Binary(op, a, b) = &e.node
        && matches!(op, BinOp::Eq | BinOp::Ne | BinOp::In | BinOp::NotIn)
    {
        if is_standard_field(a) {
            texts(b, out);
        }
        if is_standard_field(b) {
            texts(a, out);
        }
    }
    children(e).into_iter().for_each(|c| expr(c, out));
}

/// The direct sub-expressions of `e`, for the walks of this module.
fn children(e: &Expr) -> Vec<&Expr> {
    match &e.node {
        ExprKind::Binary(_, a, b) => vec![a, b],
        ExprKind::Unary(_, a) | ExprKind::Paren(a) | ExprKind::Field(a, _) => vec![a],
        ExprKind::Index(a, keys) => std::iter::once(&**a).chain(keys).collect(),
        ExprKind::Call(_, args) | ExprKind::List(args) => args.iter().collect(),
        ExprKind::Quant {
            coll, filter, body, ..
        } => std::iter::once(&**coll)
            .chain(filter.as_deref())
            .chain(body.as_deref())
            .collect(),
        ExprKind::Lit(_) | ExprKind::Var(_) => Vec::new(),
    }
}

/// What a policy checks of a standard's pollutants: a table looked up or
/// tested with a `pollutant` field (`p.pollutant in gb13223_t1_coal`,
/// `gb18918_t1[g, p.pollutant]`, with the key position), or a pollutant
/// named by a literal (`p.pollutant == "pH"`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Covered {
    Table(String, usize),
    Code(String),
}

/// Whether `standard` is selected by `key`, an output key of
/// [`collect_rows`]: the same text, or a prefix of it marked with [`PREFIX`].
pub fn selects(key: &str, standard: &str) -> bool {
    match key.strip_suffix(PREFIX) {
        Some(prefix) => standard.starts_with(prefix),
        None => key == standard,
    }
}

/// (standard, what is checked) for every pollutant table or literal used
/// under a comparison of `standard` with literal texts: the loops and
/// conditions enclosing a use give the standards it belongs to. Uses with
/// no such standard around them belong to none.
pub fn collect_rows(body: &[Stmt], ctx: &BTreeSet<String>, out: &mut BTreeSet<(String, Covered)>) {
    for s in body {
        match &s.node {
            StmtKind::Let(_, e) | StmtKind::Derive { value: e, .. } => rows_expr(e, ctx, out),
            StmtKind::Require { cond, .. } => rows_expr(cond, ctx, out),
            StmtKind::For {
                coll, filter, body, ..
            } => {
                rows_expr(coll, ctx, out);
                let inner = narrowed(filter.as_ref(), ctx);
                if let Some(f) = filter {
                    rows_expr(f, &inner, out);
                }
                collect_rows(body, &inner, out);
            }
            StmtKind::When {
                cond,
                then,
                otherwise,
            } => {
                let inner = narrowed(Some(cond), ctx);
                rows_expr(cond, &inner, out);
                collect_rows(then, &inner, out);
                if let Some(o) = otherwise {
                    collect_rows(o, ctx, out);
                }
            }
            StmtKind::During { body, .. } => collect_rows(body, ctx, out),
            StmtKind::Report { .. } => {}
        }
    }
}

/// The standards a condition compares `standard` with, or `ctx` when it
/// names none. `o.standard starts_with "GB 8978-1996"` names every standard
/// with that prefix, kept as the prefix followed by [`PREFIX`].
fn narrowed(cond: Option<&Expr>, ctx: &BTreeSet<String>) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    if let Some(c) = cond {
        expr(c, &mut named);
        prefixes(c, &mut named);
    }
    if named.is_empty() { ctx.clone() } else { named }
}

/// Marks a key of [`collect_rows`]'s output as a prefix of standards.
pub const PREFIX: char = '*';

fn prefixes(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.node {
        ExprKind::Binary(BinOp::StartsWith, a, b) if is_standard_field(a) => {
            let mut t = BTreeSet::new();
            texts(b, &mut t);
            out.extend(t.into_iter().map(|p| format!("{p}{PREFIX}")));
        }
        ExprKind::Binary(BinOp::And | BinOp::Or, a, b) => {
            prefixes(a, out);
            prefixes(b, out);
        }
        ExprKind::Paren(a) => prefixes(a, out),
        _ => {}
    }
}

fn is_pollutant_field(e: &Expr) -> bool {
    matches!(&e.node, ExprKind::Field(_, f) if f.node == "pollutant")
}

fn rows_expr(e: &Expr, ctx: &BTreeSet<String>, out: &mut BTreeSet<(String, Covered)>) {
    let mut add = |c: Covered| {
        for s in ctx {
            out.insert((s.clone(), c.clone()));
        }
    };
    match &e.node {
        ExprKind::Binary(op, a, b) if is_pollutant_field(a) => match (op, &b.node) {
            (BinOp::In, ExprKind::Var(t)) => add(Covered::Table(t.clone(), 0)),
            (BinOp::In | BinOp::Eq, _) => {
                let mut codes = BTreeSet::new();
                texts(b, &mut codes);
                codes.into_iter().for_each(|c| add(Covered::Code(c)));
            }
            _ => {}
        },
        ExprKind::Index(a, keys) => {
            if let ExprKind::Var(t) = &a.node {
                for (i, k) in keys.iter().enumerate() {
                    if is_pollutant_field(k) {
                        add(Covered::Table(t.clone(), i));
                    }
                }
            }
        }
        _ => {}
    }
    children(e).into_iter().for_each(|c| rows_expr(c, ctx, out));
}
