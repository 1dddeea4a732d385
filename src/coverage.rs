//! Policy coverage: which requirements were exercised both ways (held and
//! failed) and which statements were never evaluated.

use crate::eval::Coverage;
use crate::lang::ast::{Stmt, StmtKind};
use crate::lang::library::Library;
use std::fmt::Write;

fn walk<'a>(stmts: &'a [Stmt], out: &mut Vec<&'a Stmt>) {
    for s in stmts {
        out.push(s);
        match &s.node {
            StmtKind::For { body, .. } | StmtKind::During { body, .. } => walk(body, out),
            StmtKind::When {
                then, otherwise, ..
            } => {
                walk(then, out);
                if let Some(o) = otherwise {
                    walk(o, out);
                }
            }
            _ => {}
        }
    }
}

pub fn report(lib: &Library, cov: &Coverage) -> String {
    let mut s = String::from("coverage:\n");
    let mut ps: Vec<_> = lib.policies.iter().collect();
    ps.sort_by(|a, b| {
        a.meta
            .id
            .cmp(&b.meta.id)
            .then(a.meta.version.cmp(&b.meta.version))
    });
    for p in ps {
        let mut stmts = Vec::new();
        walk(&p.ast.body, &mut stmts);
        let key = |s: &Stmt| (p.meta.id.clone(), p.meta.version, s.span.start);
        let mut both = 0;
        let mut reqs = 0;
        let mut one_way = Vec::new();
        let mut never = Vec::new();
        for st in &stmts {
            let (line, _) = p.source.line_col(st.span.start);
            if !cov.reached.contains(&key(st)) {
                never.push(line);
            }
            if let StmtKind::Require { .. } = st.node {
                reqs += 1;
                let o = cov.outcomes.get(&key(st)).copied().unwrap_or_default();
                if o.passed > 0 && o.failed > 0 {
                    both += 1;
                } else {
                    one_way.push(format!(
                        "line {line} ({})",
                        if o.passed > 0 {
                            "never failed"
                        } else if o.failed > 0 {
                            "never held"
                        } else {
                            "never decided"
                        }
                    ));
                }
            }
        }
        let _ = writeln!(
            s,
            "  {} v{}: {}/{} requirements exercised both ways",
            p.meta.id, p.meta.version, both, reqs
        );
        for o in one_way {
            let _ = writeln!(s, "    {}:{o}", p.meta.file);
        }
        if !never.is_empty() {
            let lines: Vec<String> = never.iter().map(|l| l.to_string()).collect();
            let _ = writeln!(
                s,
                "    never evaluated: {}:{}",
                p.meta.file,
                lines.join(",")
            );
        }
    }
    s
}
