//! The emission standards the library knows: every text a policy compares
//! a `standard` field with (`o.standard == "GB 13223-2011"`,
//! `o.standard in ["GB 8978-1996 一级", …]`). Collected from the checked
//! policies, so a new standard's author has no list to remember to edit;
//! `known_standard(s)` and `known_standards()` read it.

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
    match &e.node {
        ExprKind::Binary(op, a, b) => {
            if matches!(op, BinOp::Eq | BinOp::Ne | BinOp::In | BinOp::NotIn) {
                if is_standard_field(a) {
                    texts(b, out);
                }
                if is_standard_field(b) {
                    texts(a, out);
                }
            }
            expr(a, out);
            expr(b, out);
        }
        ExprKind::Unary(_, a) | ExprKind::Paren(a) => expr(a, out),
        ExprKind::Field(a, _) => expr(a, out),
        ExprKind::Index(a, keys) => {
            expr(a, out);
            keys.iter().for_each(|k| expr(k, out));
        }
        ExprKind::Call(_, args) | ExprKind::List(args) => args.iter().for_each(|a| expr(a, out)),
        ExprKind::Quant {
            coll, filter, body, ..
        } => {
            expr(coll, out);
            if let Some(f) = filter {
                expr(f, out);
            }
            if let Some(b) = body {
                expr(b, out);
            }
        }
        ExprKind::Lit(_) | ExprKind::Var(_) => {}
    }
}
