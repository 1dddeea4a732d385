//! Warnings about a library that builds: patterns that are legal but
//! probably not what the author meant. `policy check` prints them; they do
//! not fail it.
//!
//! `guard-table`: a lookup `T2[k]` inside a `where`/`when` that guards with
//! `k in T1`, where T1 has keys T2 lacks. For those keys the guard lets the
//! value through and the lookup finds no row, so the rule cannot decide
//! (an undecided finding at run time). The warning names the keys.

use super::ast::{BinOp, Expr, ExprKind, Stmt, StmtKind};
use super::errors::CheckError;
use super::library::{CompiledPolicy, Library};
use super::table::TableData;
use std::sync::Arc;

/// Every warning of the library, in policy order.
pub fn warnings(lib: &Library) -> Vec<CheckError> {
    let mut out = Vec::new();
    for p in &lib.policies {
        let mut guards = Vec::new();
        stmts(lib, p, &p.ast.body, &mut guards, &mut out);
    }
    out
}

/// A guard in scope: (the key expression's text, the table it is tested in).
type Guard = (String, String);

fn text(p: &CompiledPolicy, e: &Expr) -> String {
    p.source
        .text
        .get(e.span.range())
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn table<'l>(lib: &'l Library, p: &'l CompiledPolicy, name: &str) -> Option<&'l Arc<TableData>> {
    p.tables.get(name).or_else(|| lib.tables.get(name))
}

/// The `k in T` terms of a condition's conjunction.
fn conjuncts(lib: &Library, p: &CompiledPolicy, e: &Expr, out: &mut Vec<Guard>) {
    match &e.node {
        ExprKind::Paren(a) => conjuncts(lib, p, a, out),
        ExprKind::Binary(BinOp::And, a, b) => {
            conjuncts(lib, p, a, out);
            conjuncts(lib, p, b, out);
        }
        ExprKind::Binary(BinOp::In, k, t) => {
            if let ExprKind::Var(name) = &t.node
                && table(lib, p, name).is_some()
            {
                out.push((text(p, k), name.clone()));
            }
        }
        _ => {}
    }
}

fn stmts(
    lib: &Library,
    p: &CompiledPolicy,
    body: &[Stmt],
    guards: &mut Vec<Guard>,
    out: &mut Vec<CheckError>,
) {
    for s in body {
        let depth = guards.len();
        match &s.node {
            StmtKind::Let(_, e) => expr(lib, p, e, guards, out),
            StmtKind::For {
                coll, filter, body, ..
            } => {
                expr(lib, p, coll, guards, out);
                if let Some(f) = filter {
                    conjuncts(lib, p, f, guards);
                    expr(lib, p, f, guards, out);
                }
                stmts(lib, p, body, guards, out);
            }
            StmtKind::When {
                cond,
                then,
                otherwise,
            } => {
                conjuncts(lib, p, cond, guards);
                expr(lib, p, cond, guards, out);
                stmts(lib, p, then, guards, out);
                guards.truncate(depth);
                if let Some(o) = otherwise {
                    stmts(lib, p, o, guards, out);
                }
            }
            StmtKind::During { body, .. } => stmts(lib, p, body, guards, out),
            StmtKind::Require { cond, .. } => expr(lib, p, cond, guards, out),
            StmtKind::Derive { value, .. } => expr(lib, p, value, guards, out),
            StmtKind::Report { .. } => {}
        }
        guards.truncate(depth);
    }
}

/// Check every lookup under `e` against the guards in scope.
fn expr(lib: &Library, p: &CompiledPolicy, e: &Expr, guards: &[Guard], out: &mut Vec<CheckError>) {
    match &e.node {
        ExprKind::Index(base, keys) => {
            if let (ExprKind::Var(t2), [k]) = (&base.node, keys.as_slice()) {
                lookup(lib, p, e, t2, k, guards, out);
            }
            expr(lib, p, base, guards, out);
            for k in keys {
                expr(lib, p, k, guards, out);
            }
        }
        ExprKind::Paren(a) | ExprKind::Unary(_, a) | ExprKind::Field(a, _) => {
            expr(lib, p, a, guards, out)
        }
        ExprKind::Binary(_, a, b) => {
            expr(lib, p, a, guards, out);
            expr(lib, p, b, guards, out);
        }
        ExprKind::Call(_, args) | ExprKind::List(args) => {
            for a in args {
                expr(lib, p, a, guards, out);
            }
        }
        ExprKind::Quant {
            coll, filter, body, ..
        } => {
            expr(lib, p, coll, guards, out);
            for x in [filter, body].into_iter().flatten() {
                expr(lib, p, x, guards, out);
            }
        }
        _ => {}
    }
}

fn lookup(
    lib: &Library,
    p: &CompiledPolicy,
    at: &Expr,
    t2: &str,
    k: &Expr,
    guards: &[Guard],
    out: &mut Vec<CheckError>,
) {
    let key = text(p, k);
    let mine: Vec<&Guard> = guards.iter().filter(|(g, _)| *g == key).collect();
    if mine.is_empty() || mine.iter().any(|(_, t)| t == t2) {
        return;
    }
    let Some(target) = table(lib, p, t2) else {
        return;
    };
    for (_, t1) in mine {
        let Some(guard) = table(lib, p, t1) else {
            continue;
        };
        if guard.key_count != 1 || target.key_count != 1 {
            continue;
        }
        let mut missing: Vec<&str> = guard
            .index
            .keys()
            .filter(|k| !target.index.contains_key(*k))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            continue;
        }
        missing.sort_unstable();
        out.push(
            CheckError::new(
                &p.source,
                at.span,
                "guard-table",
                format!(
                    "`{}` is guarded by `{key} in {t1}`, but `{t1}` has rows `{t2}` lacks ({}): for those the rule cannot decide",
                    text(p, at),
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                ),
            )
            .label("no row here for some guarded values")
            .help(format!("guard with `{key} in {t2}` too, or add the rows to `{t2}`")),
        );
    }
}
