//! The interpreter: runs one checked policy over one permit.
//!
//! Logic is three-valued. A comparison with an absent or invalid value, or
//! across dimensions, is *unknown*; `require` over an unknown condition
//! produces no finding (the document validator has already reported the
//! bad value), `when` and `where` over unknown skip. Loops range over permit
//! lists only, and there is no recursion, so evaluation always terminates;
//! nested loops can still be slow on a large permit, so each run has a
//! [`Budget`] of loop iterations and message bytes.

use super::value::{V, Val};
use super::{Contribution, Coverage};
use crate::date::{Date, YearlyWindow};
use crate::finding::Label;
use crate::lang::ast::*;
use crate::lang::library::{CompiledPolicy, ConstValue, Library, Name};
use crate::lang::template::{Part, Template};
use crate::permit::model::Node;
use crate::schema::permit_v1::ROOT;
use crate::schema::types::RecordDef;
use crate::span::Span;
use crate::units::{Dim, Quantity};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A variable in scope (the interpreter's scope stack has the shape the
/// checker gave `Name::Local` slots).
///
/// A `let` is evaluated when it is first read, not where it is written:
/// expressions have no effects and every name in a `let`'s expression
/// refers to a slot below it, which stays put while the slot lives; the
/// expression is evaluated with the scope cut back to where the `let` was
/// (see `Interp::force`), so the value is the same and no verdict can
/// change. The catalogue policies
/// total boiler and treatment capacities that only a few industries read;
/// most permits never pay for them.
#[derive(Debug)]
pub struct Slot<'a> {
    pub name: &'a str,
    pub val: Val<'a>,
    /// The `let` expression, until the slot is first read.
    pub pending: Option<&'a Expr>,
}

impl<'a> Slot<'a> {
    fn bound(name: &'a str, val: Val<'a>) -> Slot<'a> {
        Slot {
            name,
            val,
            pending: None,
        }
    }
}

/// Every table lookup (`t[k]`) under `e`, outermost first.
fn collect_lookups<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.node {
        ExprKind::Index(base, keys) => {
            out.push(e);
            collect_lookups(base, out);
            for k in keys {
                collect_lookups(k, out);
            }
        }
        ExprKind::Paren(a) | ExprKind::Unary(_, a) => collect_lookups(a, out),
        ExprKind::Field(b, _) => collect_lookups(b, out),
        ExprKind::Binary(_, a, b) => {
            collect_lookups(a, out);
            collect_lookups(b, out);
        }
        ExprKind::Call(_, args) | ExprKind::List(args) => {
            for a in args {
                collect_lookups(a, out);
            }
        }
        _ => {}
    }
}

/// A failed requirement or a report, before it becomes a `Finding`.
#[derive(Debug)]
pub struct Raw {
    pub message: String,
    pub help: Option<String>,
    pub primary: Option<Span>,
    pub labels: Vec<Label>,
}

/// `'a`: the library, the permit and what the run reads; `'c`: the
/// coverage record, borrowed for one policy's run only.
pub struct Interp<'a, 'c> {
    pub lib: &'a Library,
    pub policy: &'a CompiledPolicy,
    pub root: &'a Node,
    /// Id references of this permit, shared by every policy.
    pub ids: &'a super::ids::Ids<'a>,
    pub as_of: Date,
    pub facts: &'a BTreeMap<String, Vec<Contribution>>,
    pub finding_counts: [usize; 4],
    pub env: Vec<Slot<'a>>,
    /// Spans of the records the enclosing `for` loops are at (fallback
    /// location when a requirement tests no permit value).
    pub context: Vec<Span>,
    pub out: Vec<Raw>,
    /// Conditions this policy could not decide, one per cause.
    pub undecided: Vec<Raw>,
    pub derived: Vec<(String, Contribution)>,
    pub coverage: Option<&'c mut Coverage>,
    /// What this run of the policy may still spend.
    pub budget: Budget,
    /// Set when the budget ran out: the run stops and its verdict is unknown.
    pub exhausted: Option<Exhausted>,
    /// Permit lists indexed by a field, built on first use by a quantifier
    /// that looks items up by equality (see [`Interp::quant`]).
    pub indexes: rustc_hash::FxHashMap<(usize, &'a str), std::rc::Rc<FieldIndex>>,
    /// Where to write the evaluation step by step (`check --trace`);
    /// `None` in every ordinary run.
    pub trace: Option<&'c mut super::trace::Trace>,
}

/// The items of one permit list by the text of one field: items whose
/// field is a text (`by_text`), and every other item (`other`: missing,
/// unknown or not a text), which an equality may still not rule out.
#[derive(Debug, Default)]
pub struct FieldIndex {
    by_text: rustc_hash::FxHashMap<String, Vec<u32>>,
    other: Vec<u32>,
}

/// `VAR.FIELD == e` (or `e == VAR.FIELD`) among the top-level `and`
/// conjuncts of `cond`, where `e` does not mention `VAR`.
fn equality_key<'e>(cond: &'e Expr, var: &str) -> Option<(&'e Ident, &'e Expr)> {
    match &cond.node {
        ExprKind::Paren(a) => equality_key(a, var),
        ExprKind::Binary(BinOp::And, a, b) => equality_key(a, var).or_else(|| equality_key(b, var)),
        ExprKind::Binary(BinOp::Eq, a, b) => {
            let field = |x: &'e Expr| match &x.node {
                ExprKind::Field(base, f) if matches!(&base.node, ExprKind::Var(v) if v == var) => {
                    Some(f)
                }
                _ => None,
            };
            match (field(a), field(b)) {
                (Some(f), None) if !mentions(b, var) => Some((f, b)),
                (None, Some(f)) if !mentions(a, var) => Some((f, a)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `e` names `var` anywhere (conservative: any binding of the name).
fn mentions(e: &Expr, var: &str) -> bool {
    match &e.node {
        ExprKind::Lit(_) => false,
        ExprKind::Var(v) => v == var,
        ExprKind::Paren(a) | ExprKind::Unary(_, a) | ExprKind::Field(a, _) => mentions(a, var),
        ExprKind::Index(a, keys) => mentions(a, var) || keys.iter().any(|k| mentions(k, var)),
        ExprKind::Binary(_, a, b) => mentions(a, var) || mentions(b, var),
        ExprKind::Call(_, args) | ExprKind::List(args) => args.iter().any(|a| mentions(a, var)),
        ExprKind::Quant {
            var: v,
            coll,
            filter,
            body,
            ..
        } => {
            v.node == var
                || mentions(coll, var)
                || filter.as_deref().is_some_and(|f| mentions(f, var))
                || body.as_deref().is_some_and(|b| mentions(b, var))
        }
    }
}

/// The evaluation budget of one policy over one permit: loop iterations
/// (of `for` and the quantifiers) and bytes of rendered messages. Each
/// iteration does at most the policy's own (bounded) work, so together they
/// bound time and memory whatever the permit and the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub steps: u64,
    pub message_bytes: usize,
}

impl Budget {
    /// 10 million loop iterations (a few seconds at most in a release build)
    /// and 16 MiB of messages per policy and permit.
    pub const DEFAULT: Budget = Budget {
        steps: 10_000_000,
        message_bytes: 16 << 20,
    };
}

/// Longest message (or help, label) one statement renders; longer text is
/// cut with `…`.
pub const MAX_MESSAGE_BYTES: usize = 64 << 10;

/// Which part of the [`Budget`] ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    Steps,
    MessageBytes,
}

impl<'a> Interp<'a, '_> {
    pub fn run(&mut self) {
        let body: &'a [Stmt] = &self.policy.ast.body;
        self.stmts(body);
    }

    fn stmts(&mut self, stmts: &'a [Stmt]) {
        let depth = self.env.len();
        for s in stmts {
            if self.exhausted.is_some() {
                break;
            }
            self.stmt(s);
        }
        self.env.truncate(depth);
    }

    /// Spend one loop iteration; `false` once the budget is gone.
    #[inline]
    fn tick(&mut self) -> bool {
        if self.exhausted.is_some() {
            return false;
        }
        if self.budget.steps == 0 {
            self.exhausted = Some(Exhausted::Steps);
            return false;
        }
        self.budget.steps -= 1;
        true
    }

    fn record_outcome(&mut self, span: Span, ok: bool) {
        if let Some(c) = self.coverage.as_deref_mut() {
            let e = c
                .outcomes
                .entry((
                    self.policy.meta.id.clone(),
                    self.policy.meta.version,
                    span.start,
                ))
                .or_default();
            if ok {
                e.passed += 1;
            } else {
                e.failed += 1;
            }
        }
    }

    fn stmt(&mut self, s: &'a Stmt) {
        if let Some(c) = self.coverage.as_deref_mut() {
            c.reached.insert((
                self.policy.meta.id.clone(),
                self.policy.meta.version,
                s.span.start,
            ));
        }
        match &s.node {
            StmtKind::Let(name, e) => self.env.push(Slot {
                name: name.node.as_str(),
                val: Val::unknown(),
                pending: Some(e),
            }),
            StmtKind::For {
                var,
                coll,
                filter,
                body,
            } => {
                let coll_expr = coll;
                let coll = self.expr(coll);
                if self.trace.is_some() {
                    self.trace_for(var, coll_expr, &coll);
                }
                let Some(n) = coll.list_len() else {
                    // The list a rule ranges over is not stated: what it
                    // would have checked is undecided, not compliant. An
                    // optional list left out (`water` of a unit with no
                    // wastewater) is an empty list, not a gap.
                    if !self.absent_optional(coll_expr) {
                        self.undecided(coll_expr, "适用范围");
                    }
                    return;
                };
                for i in 0..n {
                    if !self.tick() {
                        break;
                    }
                    let item = coll.list_item(i);
                    let depth = self.env.len();
                    let span = item.span;
                    if self.trace.is_some() {
                        self.trace_item(var, i, span);
                    }
                    self.env.push(Slot::bound(var.node.as_str(), item));
                    let pass = match filter {
                        Some(f) => {
                            let v = self.expr(f);
                            if self.trace.is_some() {
                                self.trace_cond("where", f, &v);
                            }
                            match v.as_bool() {
                                Some(b) => b,
                                None => {
                                    self.undecided(f, "适用条件");
                                    false
                                }
                            }
                        }
                        None => true,
                    };
                    if pass {
                        if let Some(sp) = span {
                            self.context.push(sp);
                        }
                        self.stmts(body);
                        if span.is_some() {
                            self.context.pop();
                        }
                    }
                    if let Some(t) = self.trace.as_deref_mut() {
                        t.depth -= 1;
                    }
                    self.env.truncate(depth);
                }
            }
            StmtKind::When {
                cond,
                then,
                otherwise,
            } => {
                let v = self.expr(cond);
                if self.trace.is_some() {
                    self.trace_cond("when", cond, &v);
                }
                self.indent(1);
                match v.as_bool() {
                    Some(true) => self.stmts(then),
                    Some(false) => {
                        if let Some(o) = otherwise {
                            self.stmts(o)
                        }
                    }
                    None => self.undecided(cond, "适用条件"),
                }
                self.indent(-1);
            }
            StmtKind::During {
                from,
                to,
                ahead,
                body,
            } => {
                let window = YearlyWindow {
                    from: from.node,
                    to: to.node,
                };
                let days = match ahead.as_ref().map(|a| self.expr(a).v) {
                    Some(V::Qty(q)) if q.dim() == Dim::Duration => q.base().round() as i64,
                    _ => 0,
                };
                let active = window.active(self.as_of, days.clamp(0, 366));
                if let Some(t) = self.trace.as_deref_mut() {
                    t.line(format!(
                        "during {}: {} on {}",
                        &self.policy.source.text[s.span.range()]
                            .lines()
                            .next()
                            .unwrap_or("")
                            .trim_end_matches('{')
                            .trim(),
                        if active { "active" } else { "not active" },
                        self.as_of
                    ));
                }
                self.indent(1);
                if active {
                    self.stmts(body);
                }
                self.indent(-1);
            }
            StmtKind::Require {
                cond,
                message,
                clauses,
            } => {
                let v = self.expr(cond);
                if self.trace.is_some() {
                    self.trace_cond("require", cond, &v);
                }
                match v.as_bool() {
                    Some(true) => self.record_outcome(s.span, true),
                    Some(false) => {
                        self.record_outcome(s.span, false);
                        let primary = match &clauses.at {
                            Some(at) => self.expr(at).span,
                            None => self.tested_span(cond),
                        };
                        self.emit(message, clauses, primary);
                    }
                    None => self.undecided(cond, "要求"),
                }
            }
            StmtKind::Report { message, clauses } => {
                if let Some(t) = self.trace.as_deref_mut() {
                    t.line("report → finding");
                }
                self.record_outcome(s.span, false);
                let primary = clauses.at.as_ref().and_then(|at| self.expr(at).span);
                self.emit(message, clauses, primary);
            }
            StmtKind::Derive {
                fact,
                value,
                item,
                because,
                clauses,
            } => {
                let v = self.expr(value);
                let Some(info) = self.lib.facts.get(&fact.node) else {
                    return;
                };
                let index = match &v.v {
                    V::Enum(_, i) => Some(*i),
                    V::Str(s) => info.enum_def.index(s),
                    _ => None,
                };
                let Some(index) = index else { return };
                let span = match &clauses.at {
                    Some(at) => self.expr(at).span,
                    None => self.context.last().copied(),
                };
                let reason = self.render(because);
                let item = item.as_ref().map(|i| self.render(i));
                if let Some(t) = self.trace.as_deref_mut() {
                    t.line(format!(
                        "derive {} = {} ({reason})",
                        fact.node,
                        info.enum_def
                            .values
                            .get(index as usize)
                            .map_or("?", |v| v.name)
                    ));
                }
                self.record_outcome(s.span, false);
                self.derived.push((
                    fact.node.clone(),
                    Contribution {
                        value: index,
                        item,
                        reason,
                        span,
                        rule: self.policy.meta.id.clone(),
                    },
                ));
            }
        }
    }

    /// Record that `cond` (a requirement, or the condition a rule's
    /// applicability rests on) came out unknown, with its cause. A cause
    /// the document validator already reported (an invalid value, a
    /// dangling reference) stays with that document error: the rule adds
    /// nothing. One entry per cause and policy.
    #[inline(never)]
    fn undecided(&mut self, cond: &'a Expr, what: &str) {
        let Some((cause, span)) = self.unknown_cause(cond) else {
            return;
        };
        // One entry per cause, whatever the statement that met it.
        let suffix = format!("：{cause}");
        if self.undecided.iter().any(|r| r.message.ends_with(&suffix)) {
            return;
        }
        let primary = span.or_else(|| self.context.last().copied());
        self.undecided.push(Raw {
            message: format!("未能判定{what}{suffix}"),
            help: None,
            primary,
            labels: Vec::new(),
        });
    }

    /// Is `e` unknown because an optional field on its path is absent
    /// (`water.outlets` without `water`)? Such a list means "none".
    fn absent_optional(&mut self, e: &'a Expr) -> bool {
        match &e.node {
            ExprKind::Paren(a) => self.absent_optional(a),
            ExprKind::Var(name) => {
                ROOT.field(name).is_some_and(|f| !f.required) && self.root.get(name).is_none()
            }
            ExprKind::Field(base, f) => {
                let b = self.expr(base);
                if b.is_unknown() {
                    return self.absent_optional(base);
                }
                let record = match b.v {
                    V::Record(node, rec) => Some((node, rec)),
                    V::Ref(id, target) => self.deref(id, target),
                    _ => None,
                };
                record.is_some_and(|(node, rec)| {
                    node.get(&f.node).is_none() && rec.field(&f.node).is_some_and(|d| !d.required)
                })
            }
            _ => false,
        }
    }

    /// Why `e` is unknown: the first absent field, missing table row or
    /// comparison across dimensions under it, with where to point. `None`
    /// when the unknown is an invalid value (reported by validation).
    fn unknown_cause(&mut self, e: &'a Expr) -> Option<(String, Option<Span>)> {
        if !self.expr(e).is_unknown() && !matches!(e.node, ExprKind::Binary(..)) {
            return None;
        }
        match &e.node {
            ExprKind::Paren(a) | ExprKind::Unary(_, a) => self.unknown_cause(a),
            ExprKind::Var(name) => {
                let f = ROOT.field(name)?;
                if self.root.get(name).is_some() {
                    return None;
                }
                Some((format!("许可证未载明「{}」", f.zh), None))
            }
            ExprKind::Field(base, f) => {
                let b = self.expr(base);
                if b.is_unknown() {
                    return self.unknown_cause(base);
                }
                let name = f.node.as_str();
                let record = match b.v {
                    V::Record(node, rec) => Some((node, rec)),
                    V::Ref(id, target) => self.deref(id, target),
                    _ => None,
                };
                match record {
                    Some((node, rec)) => {
                        let present = node
                            .get(name)
                            .is_some_and(|n| !matches!(n.value, crate::permit::model::Value::Null));
                        if present {
                            return None;
                        }
                        let zh = rec.field(name).map_or(name, |d| d.zh);
                        Some((format!("「{}」未载明「{zh}」", rec.zh), Some(node.span)))
                    }
                    _ => None,
                }
            }
            ExprKind::Index(base, keys) => {
                let b = self.expr(base);
                let V::Table(t) = b.v else {
                    return self.unknown_cause(base);
                };
                let mut shown = Vec::new();
                let mut span = None;
                for k in keys {
                    let v = self.expr(k);
                    match v.text() {
                        Some(s) => shown.push(s.to_string()),
                        None => return self.unknown_cause(k),
                    }
                    span = span.or(v.span);
                }
                let table = t.caption.as_deref().unwrap_or(&t.name);
                Some((
                    format!("表「{table}」中没有 `{}` 对应的行", shown.join(", ")),
                    span,
                ))
            }
            ExprKind::Binary(op, a, b) => {
                let (va, vb) = (self.expr(a), self.expr(b));
                if matches!(op, BinOp::And | BinOp::Or) {
                    // Only the side that left the result open matters.
                    if !self.expr(e).is_unknown() {
                        return None;
                    }
                    return match va.is_unknown() {
                        true => self.unknown_cause(a),
                        false => self.unknown_cause(b),
                    };
                }
                if !self.expr(e).is_unknown() {
                    return None;
                }
                if va.is_unknown() {
                    return self.unknown_cause(a);
                }
                if vb.is_unknown() {
                    return self.unknown_cause(b);
                }
                if op.is_comparison()
                    && let (V::Qty(x), V::Qty(y)) = (&va.v, &vb.v)
                {
                    return Some((
                        format!("`{x}` 与 `{y}` 量纲不同，无法比较"),
                        va.span.or(vb.span),
                    ));
                }
                None
            }
            ExprKind::Call(name, args) => {
                for a in args {
                    if self.expr(a).is_unknown() {
                        return self.unknown_cause(a);
                    }
                }
                if name.node == "prefix_row" {
                    let code = args.get(1).map(|a| self.expr(a));
                    let table = match args.first().map(|a| self.expr(a).v) {
                        Some(V::Table(t)) => t.caption.as_deref().unwrap_or(&t.name),
                        _ => return None,
                    };
                    let text = code.as_ref().and_then(|c| c.text()).unwrap_or("");
                    return Some((
                        format!("表「{table}」中没有与 `{text}` 对应的行"),
                        code.and_then(|c| c.span),
                    ));
                }
                None
            }
            _ => None,
        }
    }

    /// The policy's text of an expression, on one line.
    fn source_of(&self, e: &Expr) -> String {
        self.policy
            .source
            .text
            .get(e.span.range())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn indent(&mut self, by: isize) {
        if let Some(t) = self.trace.as_deref_mut() {
            t.depth = t.depth.saturating_add_signed(by);
        }
    }

    #[cold]
    #[inline(never)]
    fn trace_for(&mut self, var: &Ident, coll_expr: &'a Expr, coll: &Val<'a>) {
        let text = format!(
            "for {} in {}: {}",
            var.node,
            self.source_of(coll_expr),
            match coll.list_len() {
                Some(n) => format!("{n} item(s)"),
                None => match self.unknown_cause(coll_expr) {
                    Some((cause, _)) => format!("nothing to loop over: {cause}"),
                    None => "nothing to loop over (absent)".into(),
                },
            }
        );
        if let Some(t) = self.trace.as_deref_mut() {
            t.line(text);
        }
    }

    #[cold]
    #[inline(never)]
    fn trace_item(&mut self, var: &Ident, i: usize, span: Option<Span>) {
        let root = self.root;
        if let Some(t) = self.trace.as_deref_mut() {
            let place = match span {
                Some(sp) => {
                    let (path, _) = super::locate::locate(root, sp);
                    format!("{path} at {}", t.at(sp.start))
                }
                None => format!("item {i}"),
            };
            t.line(format!("{} = {place}", var.node));
            t.depth += 1;
        }
    }

    /// A condition and its value; the table lookups under it; for an
    /// unknown value, the cause (as an undecided finding gives it).
    #[cold]
    #[inline(never)]
    fn trace_cond(&mut self, what: &str, e: &'a Expr, v: &Val<'a>) {
        let value = match v.as_bool() {
            Some(true) if what == "require" => "true: holds".to_string(),
            Some(false) if what == "require" => "false: finding".to_string(),
            Some(b) => b.to_string(),
            None => match self.unknown_cause(e) {
                Some((cause, _)) => format!("unknown: {cause}"),
                None => "unknown (a value the document check reported as invalid)".to_string(),
            },
        };
        // A comparison shows the values it compared.
        let operands = match &e.node {
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let (x, y) = (self.expr(a), self.expr(b));
                let show = |v: &Val| {
                    if v.is_unknown() {
                        "unknown".to_string()
                    } else {
                        v.display()
                    }
                };
                format!(" [{} vs {}]", show(&x), show(&y))
            }
            _ => String::new(),
        };
        let mut lines = vec![format!("{what} {}{operands} → {value}", self.source_of(e))];
        let mut lookups = Vec::new();
        collect_lookups(e, &mut lookups);
        for l in lookups {
            let v = self.expr(l);
            let text = match (&v.v, &l.node) {
                (V::Row(t, i), ExprKind::Index(_, keys)) => {
                    let keys: Vec<String> = keys.iter().map(|k| self.expr(k).display()).collect();
                    format!(
                        "lookup {} → row `{}` (row {}) of table `{}`",
                        self.source_of(l),
                        keys.join(", "),
                        i + 1,
                        t.name
                    )
                }
                (_, ExprKind::Index(base, keys)) => match self.expr(base).v {
                    V::Table(t) => {
                        let keys: Vec<String> =
                            keys.iter().map(|k| self.expr(k).display()).collect();
                        format!(
                            "lookup {} → no row for `{}` in table `{}`",
                            self.source_of(l),
                            keys.join(", "),
                            t.name
                        )
                    }
                    _ => format!("lookup {} → not a table here", self.source_of(l)),
                },
                _ => continue,
            };
            lines.push(format!("  {text}"));
        }
        if let Some(t) = self.trace.as_deref_mut() {
            if what == "require" {
                match v.as_bool() {
                    Some(true) => t.passed += 1,
                    Some(false) => t.failed += 1,
                    None => t.unknown += 1,
                }
            }
            for l in lines {
                t.line(l);
            }
        }
    }

    fn emit(&mut self, message: &'a Str, clauses: &'a Clauses, primary: Option<Span>) {
        let primary = primary.or_else(|| self.context.last().copied());
        let text = self.render(message);
        let help = clauses.help.as_ref().map(|h| self.render(h));
        let mut labels = Vec::new();
        for (e, s) in &clauses.labels {
            // `label facts.X "..."` points at every contribution that set the fact.
            if let ExprKind::Field(base, name) = &e.node
                && self.is_namespace(base, "facts")
            {
                let text = self.render(s);
                if let Some(contribs) = self.facts.get(&name.node) {
                    let max = contribs.iter().map(|c| c.value).max();
                    for c in contribs.iter().filter(|c| Some(c.value) == max) {
                        if let Some(sp) = c.span {
                            let item = c
                                .item
                                .as_deref()
                                .map(|i| format!("{i} "))
                                .unwrap_or_default();
                            labels.push(Label {
                                span: sp,
                                text: format!("{text}: {item}{}", c.reason),
                            });
                        }
                    }
                }
                continue;
            }
            if let Some(sp) = self.expr(e).span
                && Some(sp) != primary
            {
                let text = self.render(s);
                labels.push(Label { span: sp, text });
            }
        }
        self.out.push(Raw {
            message: text,
            help,
            primary,
            labels,
        });
    }

    /// The permit value a requirement tested: the left side of the first
    /// comparison that has a location, else any located value in it.
    fn tested_span(&mut self, cond: &'a Expr) -> Option<Span> {
        match &cond.node {
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                self.expr(a).span.or_else(|| self.expr(b).span)
            }
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                // The side that made the condition false: for `and`, the left
                // side when it is false, else the right; an `or` is false only
                // when both are, so its left side.
                let left_failed = *op == BinOp::Or || self.expr(a).as_bool() == Some(false);
                let first = if left_failed {
                    self.tested_span(a)
                } else {
                    None
                };
                first
                    .or_else(|| self.tested_span(b))
                    .or_else(|| self.tested_span(a))
            }
            ExprKind::Unary(UnOp::Not, a) | ExprKind::Paren(a) => self.tested_span(a),
            ExprKind::Call(_, args) => args.first().and_then(|a| self.expr(a).span),
            ExprKind::Quant { coll, .. } => self.expr(coll).span,
            _ => self.expr(cond).span,
        }
    }

    pub fn render(&mut self, s: &'a Str) -> String {
        let Some(t) = self.policy.templates.get(&s.text.span.start) else {
            return s.text.node.clone();
        };
        let t: &'a Template = t;
        let mut out = String::new();
        for p in &t.parts {
            match p {
                Part::Text(x) => out.push_str(x),
                Part::Expr(e) => self.expr(e).write_display(&mut out),
            }
            if out.len() > MAX_MESSAGE_BYTES {
                let mut cut = MAX_MESSAGE_BYTES;
                while !out.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.truncate(cut);
                out.push('…');
                break;
            }
        }
        // Each rendering also costs a little for the finding that holds it,
        // so a million one-byte messages exhaust the budget too.
        match self.budget.message_bytes.checked_sub(out.len() + 64) {
            Some(left) => self.budget.message_bytes = left,
            None => {
                self.budget.message_bytes = 0;
                self.exhausted = Some(Exhausted::MessageBytes);
            }
        }
        out
    }

    /// The innermost variable called `name`, by its slot.
    fn lookup(&self, name: &str) -> Option<usize> {
        self.env.iter().rposition(|s| s.name == name)
    }

    /// Evaluate slot `i`'s `let` if it has not been read yet, in the scope
    /// it was written in: the slots above it are set aside meanwhile, since
    /// variables the expression binds (a quantifier's) take the slots from
    /// `i` up, as the checker numbered them.
    #[inline]
    fn force(&mut self, i: usize) {
        if self.env.get(i).is_some_and(|s| s.pending.is_some()) {
            self.force_pending(i);
        }
    }

    fn force_pending(&mut self, i: usize) {
        if let Some(e) = self.env.get_mut(i).and_then(|s| s.pending.take()) {
            let above = self.env.split_off(i);
            let v = self.expr(e);
            self.env.truncate(i);
            self.env.extend(above);
            if let Some(s) = self.env.get_mut(i) {
                s.val = v;
            }
        }
    }

    fn table(&self, name: &str) -> Option<&'a crate::lang::table::TableData> {
        self.policy
            .tables
            .get(name)
            .or_else(|| self.lib.tables.get(name))
            .map(|t| t.as_ref())
    }

    pub fn expr(&mut self, e: &'a Expr) -> Val<'a> {
        match &e.node {
            ExprKind::Lit(l) => Val::new(match l {
                Lit::Num(n) => V::Num(*n),
                Lit::Str(s) => V::Str(Cow::Borrowed(s)),
                Lit::Date(d) => V::Date(*d),
                Lit::Bool(b) => V::Bool(*b),
                Lit::None => V::Unknown,
                Lit::Qty(v, u) => match crate::units::unit(u) {
                    Some(unit) => V::Qty(Quantity { value: *v, unit }),
                    None => V::Unknown,
                },
            }),
            ExprKind::Paren(a) => self.expr(a),
            ExprKind::Var(name) => self.var(e, name),
            ExprKind::Field(base, f) => self.field(base, f),
            ExprKind::Index(base, keys) => self.index(base, keys),
            ExprKind::Unary(op, a) => {
                let v = self.expr(a);
                let span = v.span;
                let out = match (op, v.v) {
                    (UnOp::Not, V::Bool(b)) => V::Bool(!b),
                    (UnOp::Neg, V::Num(n)) => V::Num(-n),
                    (UnOp::Neg, V::Qty(q)) => V::Qty(Quantity {
                        value: -q.value,
                        unit: q.unit,
                    }),
                    _ => V::Unknown,
                };
                Val { v: out, span }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b),
            ExprKind::Call(name, args) => self.call(&name.node, args),
            ExprKind::List(items) => {
                Val::new(V::List(items.iter().map(|i| self.expr(i)).collect()))
            }
            ExprKind::Quant {
                kind,
                var,
                coll,
                filter,
                body,
            } => self.quant(*kind, var, coll, filter.as_deref(), body.as_deref()),
        }
    }

    /// `t[k1, k2]`: the row with these key cells. Kept out of [`Self::expr`]
    /// (as are quantifiers) so the hot path's frame stays small.
    #[inline(never)]
    fn index(&mut self, base: &'a Expr, keys: &'a [Expr]) -> Val<'a> {
        let b = self.expr(base);
        let V::Table(t) = b.v else {
            return Val::unknown();
        };
        let row = if let [k] = keys {
            // One key cell (most tables): look it up by reference.
            let k = self.expr(k);
            k.text().and_then(|s| t.lookup(&[s]))
        } else {
            let vals: Vec<Val<'a>> = keys.iter().map(|k| self.expr(k)).collect();
            let texts: Option<Vec<&str>> = vals.iter().map(Val::text).collect();
            texts.and_then(|k| t.lookup(&k))
        };
        match row {
            Some(i) => Val::new(V::Row(t, i)),
            None => Val::unknown(),
        }
    }

    /// `any`/`all`/`count`/`sum x in coll where filter: body`.
    #[inline(never)]
    fn quant(
        &mut self,
        kind: QuantKind,
        var: &'a Ident,
        coll: &'a Expr,
        filter: Option<&'a Expr>,
        body: Option<&'a Expr>,
    ) -> Val<'a> {
        let coll = self.expr(coll);
        let Some(n) = coll.list_len() else {
            return Val::unknown();
        };
        let candidates = self.candidates(kind, var, &coll, filter, body);
        let mut any_unknown = false;
        let mut hit = false;
        let mut all = true;
        let mut count = 0usize;
        let mut sum: Option<Val<'a>> = None;
        for k in 0..candidates.as_ref().map_or(n, Vec::len) {
            if !self.tick() {
                return Val::unknown();
            }
            let i = candidates.as_ref().map_or(k, |c| c[k] as usize);
            let item = coll.list_item(i);
            let depth = self.env.len();
            self.env.push(Slot::bound(var.node.as_str(), item));
            let pass = match filter {
                Some(f) => self.expr(f).as_bool(),
                None => Some(true),
            };
            if pass == Some(true) {
                count += 1;
                match (kind, body) {
                    (QuantKind::Any | QuantKind::All, Some(b)) => match self.expr(b).as_bool() {
                        Some(true) => hit = true,
                        Some(false) => all = false,
                        None => any_unknown = true,
                    },
                    (QuantKind::Sum, Some(b)) => {
                        let v = self.expr(b);
                        sum = Some(match sum {
                            None => Val::new(v.v),
                            Some(acc) => Val::new(arith(BinOp::Add, &acc.v, &v.v)),
                        });
                    }
                    _ => {}
                }
            } else if pass.is_none() {
                any_unknown = true;
            }
            self.env.truncate(depth);
            // Decided: expressions have no effects, so stop here.
            if (kind == QuantKind::Any && hit) || (kind == QuantKind::All && !all) {
                break;
            }
        }
        Val::new(match kind {
            QuantKind::Any if hit => V::Bool(true),
            QuantKind::Any if any_unknown => V::Unknown,
            QuantKind::Any => V::Bool(false),
            QuantKind::All if !all => V::Bool(false),
            QuantKind::All if any_unknown => V::Unknown,
            QuantKind::All => V::Bool(true),
            QuantKind::Count => V::Num(count as f64),
            QuantKind::Sum => sum.map_or(V::Num(0.0), |s| s.v),
        })
    }

    /// The only items of a permit list that can change the result of `any`
    /// or `count` when the filter (or, without a filter, the body of `any`)
    /// requires `VAR.FIELD == e` with a text `e`: items whose field has that
    /// text, and items whose field is not a text. Every other item makes
    /// the equality false, so the filter false (skipped) or the body false
    /// (no effect on `any`). `None`: iterate every item. Without this,
    /// `for o in outlets: any m in monitoring: m.outlet == o.id` costs
    /// outlets × monitoring.
    fn candidates(
        &mut self,
        kind: QuantKind,
        var: &'a Ident,
        coll: &Val<'a>,
        filter: Option<&'a Expr>,
        body: Option<&'a Expr>,
    ) -> Option<Vec<u32>> {
        const MIN_ITEMS: usize = 16;
        let V::Seq(node, _) = coll.v else {
            return None;
        };
        if node.items().len() < MIN_ITEMS {
            return None;
        }
        let cond = match (kind, filter, body) {
            (QuantKind::Any | QuantKind::Count, Some(f), _) => f,
            (QuantKind::Any, None, Some(b)) => b,
            _ => return None,
        };
        let (field, key) = equality_key(cond, &var.node)?;
        let key = self.expr(key);
        let key = match &key.v {
            V::Str(_) | V::Ref(..) => key.text()?.to_string(),
            _ => return None,
        };
        let id = (std::ptr::from_ref(node) as usize, field.node.as_str());
        let index = match self.indexes.get(&id) {
            Some(ix) => ix.clone(),
            None => {
                let mut ix = FieldIndex::default();
                for i in 0..node.items().len() {
                    let v = self.field_of(&coll.list_item(i), field);
                    match &v.v {
                        V::Str(_) | V::Ref(..) => ix
                            .by_text
                            .entry(v.text().unwrap_or_default().to_string())
                            .or_default()
                            .push(i as u32),
                        _ => ix.other.push(i as u32),
                    }
                }
                let ix = std::rc::Rc::new(ix);
                self.indexes.insert(id, ix.clone());
                ix
            }
        };
        let mut out: Vec<u32> = index.other.clone();
        if let Some(hits) = index.by_text.get(&key) {
            out.extend(hits);
        }
        out.sort_unstable();
        Some(out)
    }

    /// Is `base` the namespace `ns` (`facts`, `findings`), not a variable?
    fn is_namespace(&self, base: &Expr, ns: &str) -> bool {
        let ExprKind::Var(v) = &base.node else {
            return false;
        };
        match self.policy.resolution.name_of(base) {
            Some(Name::Facts) => ns == "facts",
            Some(Name::Findings) => ns == "findings",
            Some(_) => false,
            // Not resolved by the checker: decide by name, as it would.
            None => v == ns && self.lookup(ns).is_none(),
        }
    }

    /// A name, as the type checker resolved it.
    fn var(&mut self, e: &Expr, name: &str) -> Val<'a> {
        let policy: &'a CompiledPolicy = self.policy;
        match policy.resolution.name_of(e) {
            Some(Name::Local(i)) => {
                let i = *i as usize;
                self.force(i);
                match self.env.get(i) {
                    Some(slot) => {
                        debug_assert_eq!(slot.name, name, "variable slot resolved by the checker");
                        slot.val.clone()
                    }
                    None => self.var_by_name(name),
                }
            }
            Some(Name::Const(c)) => const_val(c),
            Some(Name::Table(t)) => Val::new(V::Table(t)),
            Some(Name::Today) => Val::new(V::Date(self.as_of)),
            Some(Name::Root(f, index)) => match self.root.field(*index, name) {
                Some(node) => Val::from_node(node, &f.ty),
                None => Val::unknown(),
            },
            Some(Name::Facts | Name::Findings) | None => self.var_by_name(name),
        }
    }

    /// A name looked up by its text (names the checker did not resolve).
    fn var_by_name(&mut self, name: &str) -> Val<'a> {
        if let Some(i) = self.lookup(name) {
            self.force(i);
            return self.env[i].val.clone();
        }
        if let Some(c) = self.lib.consts.get(name) {
            return const_val(c);
        }
        if let Some(t) = self.table(name) {
            return Val::new(V::Table(t));
        }
        if name == "today" {
            return Val::new(V::Date(self.as_of));
        }
        match (ROOT.field(name), self.root.get(name)) {
            (Some(f), Some(node)) => Val::from_node(node, &f.ty),
            _ => Val::unknown(),
        }
    }

    fn field(&mut self, base: &'a Expr, f: &'a Ident) -> Val<'a> {
        let name = f.node.as_str();
        if let ExprKind::Var(v) = &base.node {
            let policy: &'a CompiledPolicy = self.policy;
            let res = policy.resolution.name_of(base);
            // A variable (the common case): read its field in place,
            // without copying it.
            if let Some(Name::Local(i)) = res {
                let i = *i as usize;
                self.force(i);
                if let Some(slot) = self.env.get(i) {
                    return self.field_of(&slot.val, f);
                }
            }
            // Not resolved by the checker: decide by name, as it would.
            let unresolved = |ns: &str| res.is_none() && v == ns && self.lookup(ns).is_none();
            if matches!(res, Some(Name::Facts)) || unresolved("facts") {
                let Some(info) = self.lib.facts.get(name) else {
                    return Val::unknown();
                };
                let contribs = self.facts.get(name);
                let best = contribs.and_then(|cs| cs.iter().max_by_key(|c| c.value));
                return match best {
                    Some(c) => Val {
                        v: V::Enum(info.enum_def, c.value),
                        span: c.span,
                    },
                    None => Val::unknown(),
                };
            }
            if matches!(res, Some(Name::Findings)) || unresolved("findings") {
                let n = match name {
                    "errors" => self.finding_counts[0],
                    "warnings" => self.finding_counts[1],
                    _ => self.finding_counts[2],
                };
                return Val::new(V::Num(n as f64));
            }
        }
        let b = self.expr(base);
        self.field_of(&b, f)
    }

    /// Field `f` of the value `b`.
    fn field_of(&self, b: &Val<'a>, f: &Ident) -> Val<'a> {
        let name = f.node.as_str();
        match b.v {
            V::Record(node, rec) => self.record_field(node, rec, f),
            V::Ref(id, target) => match self.deref(id, target) {
                Some((node, rec)) => self.record_field(node, rec, f),
                None => Val::unknown(),
            },
            V::Range(r) => Val {
                v: match name {
                    "lo" => V::Num(r.lo),
                    "hi" => V::Num(r.hi),
                    _ => V::Unknown,
                },
                span: b.span,
            },
            V::Row(t, i) => {
                let col = self
                    .policy
                    .resolution
                    .column(f.span.start, t)
                    .or_else(|| t.column(name));
                match col {
                    Some(c) => Val::from_cell(&t.rows[i][c]),
                    None => Val::unknown(),
                }
            }
            _ => Val::unknown(),
        }
    }

    fn record_field(&self, node: &'a Node, rec: &'static RecordDef, f: &Ident) -> Val<'a> {
        let name = f.node.as_str();
        let (def, index) = match self.policy.resolution.field_of(f, rec) {
            Some(resolved) => resolved,
            None => match rec.fields.iter().position(|d| d.name == name) {
                Some(i) => (&rec.fields[i], i as u16),
                None => return Val::unknown(),
            },
        };
        match node.field(index, name) {
            Some(n) => Val::from_node(n, &def.ty),
            None => Val::unknown(),
        }
    }

    /// Follow an id to the item it names in the target list(s).
    fn deref(
        &self,
        id: &str,
        target: &'static crate::schema::types::RefTarget,
    ) -> Option<(&'a Node, &'static RecordDef)> {
        std::iter::once(target.path)
            .chain(target.also.iter().copied())
            .find_map(|path| self.ids.get(path, id))
            .map(|node| (node, target.record))
    }

    /// The pollutants this policy's element checks under `standard`: those
    /// collected under the standard itself and under every prefix of it a
    /// policy selects with `starts_with` (`lang::standards::collect_rows`).
    /// Collected only for a message (`known_rows`); `known_row` asks the
    /// sets directly, with no allocation per permit row.
    fn checked_rows(&self, standard: &str) -> std::collections::BTreeSet<&'a str> {
        let lib: &'a Library = self.lib;
        lib.standard_rows
            .get(&self.policy.meta.element)
            .into_iter()
            .flatten()
            .filter(|(key, _)| crate::lang::standards::selects(key, standard))
            .flat_map(|(_, codes)| codes.iter().map(String::as_str))
            .collect()
    }

    fn call(&mut self, name: &str, args: &'a [Expr]) -> Val<'a> {
        // Every builtin reads its first argument; the two-argument ones
        // evaluate `args[1]` where they use it. The checker enforces each
        // builtin's arity, so a missing argument is a broken invariant:
        // indexing `args` panics and the run reports an internal error for
        // this permit.
        let first = match args.first() {
            Some(a) => self.expr(a),
            None => Val::unknown(),
        };
        let span = first.span;
        let v = match name {
            "exists" => V::Bool(match &first.v {
                V::Unknown => false,
                V::List(_) | V::Seq(..) => first.list_len().unwrap_or(0) > 0,
                _ => true,
            }),
            "len" => match &first.v {
                V::List(_) | V::Seq(..) => V::Num(first.list_len().unwrap_or(0) as f64),
                V::Str(s) => V::Num(s.chars().count() as f64),
                _ => V::Unknown,
            },
            "max" | "min" => {
                let second = self.expr(&args[1]);
                return match first.compare(&second) {
                    Some(o) => {
                        let pick_first = (o != Ordering::Less) == (name == "max");
                        if pick_first { first } else { second }
                    }
                    None => Val::unknown(),
                };
            }
            "add_years" => match (&first.v, &self.expr(&args[1]).v) {
                // Overflow (`add_years(d, 2147483647)`) is unknown, never a
                // wrapped date.
                (V::Date(d), V::Num(n)) => d.checked_add_years(*n).map_or(V::Unknown, V::Date),
                _ => V::Unknown,
            },
            "prefix_row" => {
                let code = self.expr(&args[1]);
                match (&first.v, code.text()) {
                    (V::Table(t), Some(code)) => match t.longest_prefix(code) {
                        Some(i) => V::Row(t, i),
                        None => V::Unknown,
                    },
                    _ => V::Unknown,
                }
            }
            "known_standard" => match first.text() {
                Some(s) => V::Bool(
                    self.lib
                        .standards
                        .get(&self.policy.meta.element)
                        .is_some_and(|set| set.contains(s)),
                ),
                None => V::Unknown,
            },
            "known_standards" => V::List(
                self.lib
                    .standards
                    .get(&self.policy.meta.element)
                    .into_iter()
                    .flatten()
                    .map(|s| Val::new(V::Str(std::borrow::Cow::Borrowed(s.as_str()))))
                    .collect(),
            ),
            "known_row" => match (first.text(), self.expr(&args[1]).text()) {
                (Some(standard), Some(pollutant)) => V::Bool(
                    self.lib
                        .standard_rows
                        .get(&self.policy.meta.element)
                        .into_iter()
                        .flatten()
                        .any(|(key, codes)| {
                            crate::lang::standards::selects(key, standard)
                                && codes.contains(pollutant)
                        }),
                ),
                _ => V::Unknown,
            },
            "known_rows" => match first.text() {
                Some(standard) => V::List(
                    self.checked_rows(standard)
                        .into_iter()
                        .map(|s| Val::new(V::Str(std::borrow::Cow::Borrowed(s))))
                        .collect(),
                ),
                None => V::Unknown,
            },
            "days" => match &first.v {
                V::Num(n) => match crate::units::unit("d") {
                    Some(unit) => V::Qty(Quantity { value: *n, unit }),
                    None => V::Unknown,
                },
                _ => V::Unknown,
            },
            _ => V::Unknown,
        };
        Val { v, span }
    }

    fn binary(&mut self, op: BinOp, a: &'a Expr, b: &'a Expr) -> Val<'a> {
        // Short-circuit with Kleene logic.
        if matches!(op, BinOp::And | BinOp::Or) {
            let l = self.expr(a).as_bool();
            let stop = if op == BinOp::And {
                Some(false)
            } else {
                Some(true)
            };
            if l == stop {
                return Val::new(V::Bool(l == Some(true)));
            }
            let r = self.expr(b).as_bool();
            return Val::new(match (op, l, r) {
                (_, _, x) if x == stop => V::Bool(x == Some(true)),
                (_, Some(x), Some(y)) => V::Bool(if op == BinOp::And { x && y } else { x || y }),
                _ => V::Unknown,
            });
        }
        let l = self.expr(a);
        // `x in ["PM", "SO2"]`: compare item by item, without building the list.
        if let (BinOp::In | BinOp::NotIn, ExprKind::List(items)) = (op, &b.node) {
            if l.is_unknown() {
                return Val::new(V::Unknown);
            }
            let mut found = false;
            for it in items {
                if l.equals(&self.expr(it)) == Some(true) {
                    found = true;
                    break;
                }
            }
            return Val {
                v: V::Bool(found == (op == BinOp::In)),
                span: l.span,
            };
        }
        let r = self.expr(b);
        let span = l.span.or(r.span);
        let v = match op {
            BinOp::Eq => l.equals(&r).map_or(V::Unknown, V::Bool),
            BinOp::Ne => l.equals(&r).map_or(V::Unknown, |x| V::Bool(!x)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match l.compare(&r) {
                Some(o) => V::Bool(match op {
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::Le => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
                None => V::Unknown,
            },
            BinOp::In | BinOp::NotIn => {
                let found = match &r.v {
                    V::List(_) | V::Seq(..) => {
                        if l.is_unknown() {
                            None
                        } else {
                            let n = r.list_len().unwrap_or(0);
                            Some((0..n).any(|i| l.equals(&r.list_item(i)) == Some(true)))
                        }
                    }
                    V::Table(t) => l.text().map(|k| t.lookup(&[k]).is_some()),
                    _ => None,
                };
                match found {
                    Some(f) => V::Bool(f == (op == BinOp::In)),
                    None => V::Unknown,
                }
            }
            BinOp::StartsWith => match (l.text(), r.text()) {
                (Some(x), Some(y)) => V::Bool(x.starts_with(y)),
                _ => V::Unknown,
            },
            _ => arith(op, &l.v, &r.v),
        };
        Val { v, span }
    }
}

fn const_val<'a>(c: &'a ConstValue) -> Val<'a> {
    Val::new(match c {
        ConstValue::Num(n) => V::Num(*n),
        ConstValue::Qty(q) => V::Qty(*q),
        ConstValue::Str(s) => V::Str(Cow::Borrowed(s)),
        ConstValue::Date(d) => V::Date(*d),
        ConstValue::Bool(b) => V::Bool(*b),
    })
}

fn arith<'a>(op: BinOp, a: &V<'a>, b: &V<'a>) -> V<'a> {
    let duration = || crate::units::unit("d");
    match (a, b) {
        (V::Num(x), V::Num(y)) => match op {
            BinOp::Add => V::Num(x + y),
            BinOp::Sub => V::Num(x - y),
            BinOp::Mul => V::Num(x * y),
            BinOp::Div if *y != 0.0 => V::Num(x / y),
            _ => V::Unknown,
        },
        (V::Qty(x), V::Qty(y)) if x.dim() == y.dim() => match op {
            BinOp::Add => V::Qty(Quantity::from_base(x.base() + y.base(), x.unit)),
            BinOp::Sub => V::Qty(Quantity::from_base(x.base() - y.base(), x.unit)),
            BinOp::Div if y.base() != 0.0 => V::Num(x.base() / y.base()),
            _ => V::Unknown,
        },
        (V::Qty(x), V::Num(y)) => match op {
            BinOp::Mul => V::Qty(Quantity {
                value: x.value * y,
                unit: x.unit,
            }),
            BinOp::Div if *y != 0.0 => V::Qty(Quantity {
                value: x.value / y,
                unit: x.unit,
            }),
            _ => V::Unknown,
        },
        (V::Num(x), V::Qty(y)) if op == BinOp::Mul => V::Qty(Quantity {
            value: x * y.value,
            unit: y.unit,
        }),
        (V::Date(x), V::Date(y)) if op == BinOp::Sub => match duration() {
            Some(unit) => V::Qty(Quantity {
                value: (x.days() - y.days()) as f64,
                unit,
            }),
            None => V::Unknown,
        },
        (V::Date(x), V::Qty(q)) if q.dim() == Dim::Duration => {
            let n = q.base();
            let d = match op {
                BinOp::Add => x.checked_add_days(n),
                BinOp::Sub => x.checked_add_days(-n),
                _ => None,
            };
            d.map_or(V::Unknown, V::Date)
        }
        _ => V::Unknown,
    }
}
