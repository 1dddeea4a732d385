//! Text → AST. One conversion function per grammar rule; pest's own errors
//! are translated into words by `rule_name` (exhaustive, no catch-all, so a
//! new grammar rule forces a new name).

use super::ast::*;
use super::errors::ParseError;
use crate::date::Date;
use crate::span::{Source, Span};
use pest::Parser;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
struct PolicyParser;

/// Parse one policy file. A syntax error stops this file only (pest does not
/// recover); the library loader keeps going with the other files.
pub fn parse_file(source: &Source) -> Result<PolicyFile, ParseError> {
    let mut pairs = PolicyParser::parse(Rule::file, &source.text)
        .map_err(|e| ParseError::from_pest(source, e))?;
    nesting_guard(pairs.clone(), 0)?;
    let mut items = Vec::new();
    if let Some(file) = pairs.next() {
        for pair in file.into_inner() {
            match pair.as_rule() {
                Rule::policy => items.push(Item::Policy(policy(pair)?)),
                Rule::table_def => items.push(Item::Table(table(pair)?)),
                Rule::const_def => items.push(Item::Const(const_def(pair)?)),
                Rule::fact_def => items.push(Item::Fact(fact_def(pair))),
                Rule::route_def => items.push(Item::Route(route_def(pair)?)),
                _ => {}
            }
        }
    }
    Ok(PolicyFile {
        source: source.clone(),
        items,
    })
}

/// Parse an expression written inside a message string (`{p.concentration}`),
/// with spans shifted to where it sits in the file.
pub fn parse_expr_at(source: &Source, text: &str, offset: usize) -> Result<Expr, ParseError> {
    let mut e = parse_expr_text(source, text, offset)?;
    shift(&mut e, offset as u32);
    Ok(e)
}

/// Expressions of message templates already parsed, by their text, with
/// spans as if the text started at byte 0. A library's messages repeat a
/// few expressions (`{o.id}`, `{p.pollutant}`: the shipped library has 590
/// interpolations of 144 texts), and copying one costs far less than
/// parsing it again. Only expressions that parsed are kept: an error's span
/// depends on where its text is.
#[derive(Debug, Default)]
pub struct ExprCache(Mutex<HashMap<String, Expr>>);

/// [`parse_expr_at`], taking the expression from `cache` when its text was
/// parsed before. The result is the same expression either way.
pub fn parse_expr_cached(
    cache: &ExprCache,
    source: &Source,
    text: &str,
    offset: usize,
) -> Result<Expr, ParseError> {
    let lock = || cache.0.lock().unwrap_or_else(|e| e.into_inner());
    let hit = lock().get(text).cloned();
    let mut e = match hit {
        Some(e) => e,
        None => {
            let e = parse_expr_text(source, text, offset)?;
            lock().insert(text.to_string(), e.clone());
            e
        }
    };
    shift(&mut e, offset as u32);
    Ok(e)
}

/// [`parse_expr_at`] without the shift: spans count from the text's start
/// (errors from `offset`).
fn parse_expr_text(source: &Source, text: &str, offset: usize) -> Result<Expr, ParseError> {
    let pairs = PolicyParser::parse(Rule::expr, text)
        .map_err(|e| ParseError::from_pest_at(source, e, offset))?;
    nesting_guard(pairs.clone(), offset)?;
    let pair = pairs.into_iter().next().ok_or_else(|| ParseError::Syntax {
        src: source.named_source(),
        span: Span::new(offset, offset + text.len()).into(),
        expected: "an expression".into(),
    })?;
    if pair.as_str().len() != text.trim_end().len() {
        let end = offset + pair.as_str().len();
        return Err(ParseError::Syntax {
            src: source.named_source(),
            span: Span::new(end, offset + text.len()).into(),
            expected: "`}` after the expression".into(),
        });
    }
    expr(pair)
}

/// Deepest nesting a policy may have, counted in parse-tree levels plus the
/// operators chained at each level (`not not x`, `a + b + c`, `a.b.c`: each
/// operator adds an AST level). The AST builder, checker, formatter and
/// evaluator recurse over the tree; this bound keeps them well inside a
/// 2 MiB thread stack (rayon workers, test threads) even in debug builds.
/// The shipped library stays below 40.
pub const MAX_NESTING: usize = 200;

/// Reject a parse tree deeper than [`MAX_NESTING`] before anything recurses
/// over it. Iterative: pest built the tree under its own stack guard. One
/// pass over the pairs' start and end tokens (a pair is closed in the order
/// a post-order walk would visit it), so the first pair found too deep is
/// the innermost, leftmost one.
fn nesting_guard(pairs: pest::iterators::Pairs<'_, Rule>, offset: usize) -> Result<(), ParseError> {
    use pest::Token;
    /// An open pair: where it starts, the operators among its children and
    /// the depth of its deepest child.
    struct Frame {
        start: usize,
        ops: usize,
        deepest: usize,
    }
    let mut stack: Vec<Frame> = Vec::new();
    for token in pairs.tokens() {
        match token {
            Token::Start { rule, pos } => {
                if let Some(parent) = stack.last_mut()
                    && (matches!(rule, Rule::op_not | Rule::op_neg) || is_operator(rule))
                {
                    parent.ops += 1;
                }
                stack.push(Frame {
                    start: pos.pos(),
                    ops: 0,
                    deepest: 0,
                });
            }
            Token::End { pos, .. } => {
                let Some(done) = stack.pop() else { continue };
                let depth = 1 + done.ops + done.deepest;
                if depth > MAX_NESTING {
                    return Err(ParseError::Invalid {
                        src: None,
                        span: Span::new(offset + done.start, offset + pos.pos()).into(),
                        message: format!(
                            "nested too deeply: more than {MAX_NESTING} levels of brackets, blocks and chained operators"
                        ),
                    });
                }
                if let Some(parent) = stack.last_mut() {
                    parent.deepest = parent.deepest.max(depth);
                }
            }
        }
    }
    Ok(())
}

fn shift(e: &mut Expr, by: u32) {
    e.span.start += by;
    e.span.end += by;
    match &mut e.node {
        ExprKind::Lit(_) | ExprKind::Var(_) => {}
        ExprKind::Field(a, f) => {
            shift(a, by);
            f.span.start += by;
            f.span.end += by;
        }
        ExprKind::Index(a, ks) => {
            shift(a, by);
            ks.iter_mut().for_each(|k| shift(k, by));
        }
        ExprKind::Unary(_, a) | ExprKind::Paren(a) => shift(a, by),
        ExprKind::Binary(_, a, b) => {
            shift(a, by);
            shift(b, by);
        }
        ExprKind::Call(n, args) => {
            n.span.start += by;
            n.span.end += by;
            args.iter_mut().for_each(|k| shift(k, by));
        }
        ExprKind::List(xs) => xs.iter_mut().for_each(|k| shift(k, by)),
        ExprKind::Quant {
            var,
            coll,
            filter,
            body,
            ..
        } => {
            var.span.start += by;
            var.span.end += by;
            shift(coll, by);
            if let Some(f) = filter {
                shift(f, by);
            }
            if let Some(b) = body {
                shift(b, by);
            }
        }
    }
}

fn span(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

fn ident(p: Pair<Rule>) -> Ident {
    Spanned::new(p.as_str().to_string(), span(&p))
}

/// Errors that pest's grammar cannot express but the AST builder detects
/// (a date that does not exist, a number too large).
fn invalid(p: &Pair<Rule>, what: &str) -> ParseError {
    ParseError::Invalid {
        src: None,
        span: span(p).into(),
        message: what.to_string(),
    }
}

fn string(p: Pair<Rule>) -> Str {
    // p is Rule::string → triple_str | plain_str
    let sp = span(&p);
    let inner = p.into_inner().next();
    match inner {
        Some(q) if q.as_rule() == Rule::triple_str => {
            let text = q.into_inner().next().map_or("", |t| t.as_str());
            Str {
                text: Spanned::new(dedent(text), sp),
                triple: true,
            }
        }
        Some(q) => {
            let raw = q.into_inner().next().map_or("", |t| t.as_str());
            Str {
                text: Spanned::new(unescape(raw), sp),
                triple: false,
            }
        }
        None => Str {
            text: Spanned::new(String::new(), sp),
            triple: false,
        },
    }
}

/// Keep `\{` and `\}` escaped: they matter to interpolation, which runs later.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('{') => out.push_str("\\{"),
                Some('}') => out.push_str("\\}"),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Remove the common indentation of a triple-quoted block and the first and
/// last line breaks, so documentation can be indented with the policy. A
/// line of whitespace only becomes empty (as the formatter writes it).
pub fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect();
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out.join("\n")
}

fn date(p: &Pair<Rule>) -> Result<Date, ParseError> {
    Date::parse(p.as_str())
        .ok_or_else(|| invalid(p, &format!("`{}` is not a calendar date", p.as_str())))
}

fn number(p: &Pair<Rule>) -> Result<f64, ParseError> {
    p.as_str()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| invalid(p, &format!("`{}` is not a number", p.as_str())))
}

fn policy(p: Pair<Rule>) -> Result<Policy, ParseError> {
    let sp = span(&p);
    let mut inner = p.into_inner();
    let id = inner
        .next()
        .map(|i| Spanned::new(i.as_str().to_string(), span(&i)))
        .unwrap_or_else(|| Spanned::new(String::new(), sp));
    let mut pol = Policy {
        id,
        headers: Vec::new(),
        doc: None,
        tables: Vec::new(),
        body: Vec::new(),
        span: sp,
    };
    for part in inner {
        let psp = span(&part);
        let kind = match part.as_rule() {
            Rule::h_title => Some(HeaderKind::Title(first_string(part))),
            Rule::h_version => {
                let n = part.into_inner().next();
                let v = match &n {
                    Some(n) => n
                        .as_str()
                        .parse::<u32>()
                        .map_err(|_| invalid(n, "version must be a whole number below 2^32"))?,
                    None => 0,
                };
                Some(HeaderKind::Version(v))
            }
            Rule::h_basis => Some(HeaderKind::Basis(first_string(part))),
            Rule::h_element => Some(HeaderKind::Element(first_ident(part, psp))),
            Rule::h_severity => Some(HeaderKind::Severity(first_ident(part, psp))),
            Rule::h_effective => {
                // `effective A .. B`: the dates' positions relative to `..` tell which is which.
                let text = part.as_str();
                let dots = text.find("..").map_or(0, |i| i + psp.start as usize);
                let mut from = None;
                let mut to = None;
                for d in part.into_inner() {
                    let v = Spanned::new(date(&d)?, span(&d));
                    if (v.span.start as usize) < dots {
                        from = Some(v);
                    } else {
                        to = Some(v);
                    }
                }
                Some(HeaderKind::Effective(from, to))
            }
            Rule::h_supersedes => {
                let id = part
                    .into_inner()
                    .next()
                    .map(|i| Spanned::new(i.as_str().to_string(), span(&i)))
                    .unwrap_or_else(|| Spanned::new(String::new(), psp));
                Some(HeaderKind::Supersedes(id))
            }
            Rule::doc_block => {
                let mut entries = Vec::new();
                for e in part.into_inner() {
                    let mut ei = e.into_inner();
                    if let (Some(k), Some(v)) = (ei.next(), ei.next()) {
                        entries.push((ident(k), string(v)));
                    }
                }
                pol.doc = Some(Spanned::new(entries, psp));
                None
            }
            Rule::table_def => {
                pol.tables.push(table(part)?);
                None
            }
            _ => {
                pol.body.push(stmt(part)?);
                None
            }
        };
        if let Some(k) = kind {
            pol.headers.push(Spanned::new(k, psp));
        }
    }
    Ok(pol)
}

fn first_string(p: Pair<Rule>) -> Str {
    let sp = span(&p);
    p.into_inner().next().map(string).unwrap_or(Str {
        text: Spanned::new(String::new(), sp),
        triple: false,
    })
}

fn first_ident(p: Pair<Rule>, sp: Span) -> Ident {
    p.into_inner()
        .next()
        .map(ident)
        .unwrap_or_else(|| Spanned::new(String::new(), sp))
}

fn table(p: Pair<Rule>) -> Result<Table, ParseError> {
    let sp = span(&p);
    let mut name = None;
    let mut keys = Vec::new();
    let mut caption = None;
    let mut rows = Vec::new();
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::ident if name.is_none() => name = Some(ident(q)),
            Rule::ident => keys.push(ident(q)),
            Rule::string => caption = Some(string(q)),
            Rule::table_row => {
                let rsp = span(&q);
                let mut cells = Vec::new();
                for c in q.into_inner() {
                    cells.push(cell(c)?);
                }
                rows.push(Spanned::new(cells, rsp));
            }
            _ => {}
        }
    }
    Ok(Table {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), sp)),
        keys,
        caption,
        rows,
        span: sp,
    })
}

fn cell(c: Pair<Rule>) -> Result<Cell, ParseError> {
    let sp = span(&c);
    let kind = match c.as_rule() {
        Rule::quantity => {
            let (v, u) = quantity(c)?;
            CellKind::Qty(v, u)
        }
        Rule::number => CellKind::Num(number(&c)?),
        Rule::date => CellKind::Date(date(&c)?),
        Rule::none_cell => CellKind::None,
        Rule::string => CellKind::Str(string(c).text.node),
        _ => CellKind::Word(c.as_str().to_string()),
    };
    Ok(Spanned::new(kind, sp))
}

fn quantity(p: Pair<Rule>) -> Result<(f64, String), ParseError> {
    let mut it = p.into_inner();
    let (Some(n), Some(u)) = (it.next(), it.next()) else {
        return Ok((0.0, String::new()));
    };
    Ok((number(&n)?, u.as_str().to_string()))
}

fn const_def(p: Pair<Rule>) -> Result<Const, ParseError> {
    let sp = span(&p);
    let mut it = p.into_inner();
    let name = it
        .next()
        .map(ident)
        .unwrap_or_else(|| Spanned::new(String::new(), sp));
    let value = match it.next() {
        Some(v) => literal_expr(v)?,
        None => Spanned::new(ExprKind::Lit(Lit::None), sp),
    };
    let doc = it.next().map(string);
    Ok(Const { name, value, doc })
}

fn fact_def(p: Pair<Rule>) -> FactDecl {
    let sp = span(&p);
    let mut it = p.into_inner();
    let name = it
        .next()
        .map(ident)
        .unwrap_or_else(|| Spanned::new(String::new(), sp));
    let ty = it
        .next()
        .map(ident)
        .unwrap_or_else(|| Spanned::new(String::new(), sp));
    let doc = it.next().map(string);
    FactDecl { name, ty, doc }
}

fn route_def(p: Pair<Rule>) -> Result<Route, ParseError> {
    let sp = span(&p);
    let mut it = p.into_inner();
    let element = it
        .next()
        .map(ident)
        .unwrap_or_else(|| Spanned::new(String::new(), sp));
    let department = it.next().map(string).unwrap_or(Str {
        text: Spanned::new(String::new(), sp),
        triple: false,
    });
    let english = it.next().map(string);
    Ok(Route {
        element,
        department,
        english,
    })
}

fn block(p: Pair<Rule>) -> Result<Vec<Stmt>, ParseError> {
    p.into_inner().map(stmt).collect()
}

fn clauses<'i>(pairs: impl Iterator<Item = Pair<'i, Rule>>) -> Result<Clauses, ParseError> {
    let mut c = Clauses::default();
    for q in pairs {
        match q.as_rule() {
            Rule::at_clause => {
                if let Some(e) = q.into_inner().next() {
                    c.at = Some(expr(e)?);
                }
            }
            Rule::label_clause => {
                let mut it = q.into_inner();
                if let (Some(e), Some(s)) = (it.next(), it.next()) {
                    c.labels.push((expr(e)?, string(s)));
                }
            }
            Rule::help_clause => c.help = q.into_inner().next().map(string),
            _ => {}
        }
    }
    Ok(c)
}

fn month_day(p: &Pair<Rule>) -> Result<Spanned<(u8, u8)>, ParseError> {
    let t = p.as_str();
    let m: u8 = t[..2].parse().map_err(|_| invalid(p, "bad month"))?;
    let d: u8 = t[3..].parse().map_err(|_| invalid(p, "bad day"))?;
    // 2000 is a leap year, so 02-29 is accepted as a window bound.
    if Date::new(2000, m, d).is_none() {
        return Err(invalid(p, &format!("`{t}` is not a month and day (MM-DD)")));
    }
    Ok(Spanned::new((m, d), span(p)))
}

/// Where the last token of `p` ends. A pair whose rule ends in an optional
/// or repeated part (`expr`, `postfix_expr`) keeps the whitespace pest
/// skipped before trying that part; descend into the last child until a
/// pair ends at a token. (Found by tests/proptest_policies.rs: a `let`
/// written before the headers took the headers' blank line with it, so
/// formatting was not idempotent.)
fn token_end(p: &Pair<Rule>) -> usize {
    let mut p = p.clone();
    loop {
        let text = p.as_str();
        if !text.ends_with(char::is_whitespace) {
            return p.as_span().end();
        }
        match p.clone().into_inner().last() {
            Some(q) => p = q,
            None => return p.as_span().start() + text.trim_end().len(),
        }
    }
}

fn stmt(p: Pair<Rule>) -> Result<Stmt, ParseError> {
    // pest keeps the whitespace and comments it skipped while trying an
    // optional trailing part (`else { ... }`, clauses) inside the rule's
    // span; end the statement at its last token instead.
    let full = span(&p);
    let end = p
        .clone()
        .into_inner()
        .last()
        .map_or(full.end as usize, |q| token_end(&q));
    let sp = Span::new(full.start as usize, end);
    let rule = p.as_rule();
    let mut it = p
        .into_inner()
        .filter(|q| q.as_rule() != Rule::kw_else)
        .peekable();
    let kind = match rule {
        Rule::let_stmt => {
            let (Some(n), Some(e)) = (it.next(), it.next()) else {
                return Err(invalid_span(sp, "incomplete `let`"));
            };
            StmtKind::Let(ident(n), expr(e)?)
        }
        Rule::for_stmt => {
            let (Some(v), Some(c)) = (it.next(), it.next()) else {
                return Err(invalid_span(sp, "incomplete `for`"));
            };
            let mut filter = None;
            let mut body = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::where_clause => filter = q.into_inner().next().map(expr).transpose()?,
                    Rule::block => body = block(q)?,
                    _ => {}
                }
            }
            StmtKind::For {
                var: ident(v),
                coll: expr(c)?,
                filter,
                body,
            }
        }
        Rule::when_stmt => {
            let Some(c) = it.next() else {
                return Err(invalid_span(sp, "incomplete `when`"));
            };
            let then = match it.next() {
                Some(b) => block(b)?,
                None => Vec::new(),
            };
            let otherwise = match it.next() {
                Some(e) => match e.into_inner().next() {
                    Some(b) => Some(block(b)?),
                    None => Some(Vec::new()),
                },
                None => None,
            };
            StmtKind::When {
                cond: expr(c)?,
                then,
                otherwise,
            }
        }
        Rule::during_stmt => {
            let (Some(a), Some(b)) = (it.next(), it.next()) else {
                return Err(invalid_span(sp, "incomplete `during`"));
            };
            let mut ahead = None;
            let mut body = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::ahead => {
                        if let Some(qq) = q.into_inner().next() {
                            let qsp = span(&qq);
                            let (v, u) = quantity(qq)?;
                            ahead = Some(Spanned::new(ExprKind::Lit(Lit::Qty(v, u)), qsp));
                        }
                    }
                    Rule::block => body = block(q)?,
                    _ => {}
                }
            }
            StmtKind::During {
                from: month_day(&a)?,
                to: month_day(&b)?,
                ahead,
                body,
            }
        }
        Rule::require_stmt => {
            let (Some(c), Some(m)) = (it.next(), it.next()) else {
                return Err(invalid_span(sp, "incomplete `require`"));
            };
            StmtKind::Require {
                cond: expr(c)?,
                message: string(m),
                clauses: clauses(it)?,
            }
        }
        Rule::report_stmt => {
            let Some(m) = it.next() else {
                return Err(invalid_span(sp, "incomplete `report`"));
            };
            StmtKind::Report {
                message: string(m),
                clauses: clauses(it)?,
            }
        }
        Rule::derive_stmt => {
            let (Some(f), Some(v)) = (it.next(), it.next()) else {
                return Err(invalid_span(sp, "incomplete `derive`"));
            };
            let mut item = None;
            if it.peek().is_some_and(|q| q.as_rule() == Rule::item_clause) {
                item = it.next().and_then(|q| q.into_inner().next()).map(string);
            }
            let Some(b) = it.next() else {
                return Err(invalid_span(sp, "`derive` needs `because \"...\"`"));
            };
            StmtKind::Derive {
                fact: ident(f),
                value: expr(v)?,
                item,
                because: string(b),
                clauses: clauses(it)?,
            }
        }
        _ => return Err(invalid_span(sp, "unexpected statement")),
    };
    Ok(Spanned::new(kind, sp))
}

fn invalid_span(sp: Span, msg: &str) -> ParseError {
    ParseError::Invalid {
        src: None,
        span: sp.into(),
        message: msg.to_string(),
    }
}

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::infix(Rule::op_not_in, Assoc::Left)
            | Op::infix(Rule::op_starts, Assoc::Left))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
});

pub(crate) fn expr(p: Pair<Rule>) -> Result<Expr, ParseError> {
    PRATT
        .map_primary(postfix_expr)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let sp = span(&op).join(rhs.span);
            let u = if op.as_rule() == Rule::op_not {
                UnOp::Not
            } else {
                UnOp::Neg
            };
            Ok(Spanned::new(ExprKind::Unary(u, Box::new(rhs)), sp))
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let b = match op.as_rule() {
                Rule::op_or => BinOp::Or,
                Rule::op_and => BinOp::And,
                Rule::op_eq => BinOp::Eq,
                Rule::op_ne => BinOp::Ne,
                Rule::op_lt => BinOp::Lt,
                Rule::op_le => BinOp::Le,
                Rule::op_gt => BinOp::Gt,
                Rule::op_ge => BinOp::Ge,
                Rule::op_in => BinOp::In,
                Rule::op_not_in => BinOp::NotIn,
                Rule::op_starts => BinOp::StartsWith,
                Rule::op_add => BinOp::Add,
                Rule::op_sub => BinOp::Sub,
                Rule::op_mul => BinOp::Mul,
                _ => BinOp::Div,
            };
            let sp = lhs.span.join(rhs.span);
            Ok(Spanned::new(
                ExprKind::Binary(b, Box::new(lhs), Box::new(rhs)),
                sp,
            ))
        })
        .parse(p.into_inner())
}

fn postfix_expr(p: Pair<Rule>) -> Result<Expr, ParseError> {
    let mut it = p.into_inner();
    let Some(first) = it.next() else {
        return Err(invalid_span(Span::default(), "empty expression"));
    };
    let mut e = primary(first)?;
    for q in it {
        let qsp = span(&q);
        let sp = e.span.join(qsp);
        e = match q.as_rule() {
            Rule::field_access => {
                let name = q
                    .into_inner()
                    .next()
                    .map(ident)
                    .unwrap_or_else(|| Spanned::new(String::new(), qsp));
                Spanned::new(ExprKind::Field(Box::new(e), name), sp)
            }
            _ => {
                let keys = q.into_inner().map(expr).collect::<Result<Vec<_>, _>>()?;
                Spanned::new(ExprKind::Index(Box::new(e), keys), sp)
            }
        };
    }
    Ok(e)
}

fn literal_expr(p: Pair<Rule>) -> Result<Expr, ParseError> {
    let sp = span(&p);
    let lit = match p.as_rule() {
        Rule::quantity => {
            let (v, u) = quantity(p)?;
            Lit::Qty(v, u)
        }
        Rule::date => Lit::Date(date(&p)?),
        Rule::number => Lit::Num(number(&p)?),
        Rule::string => Lit::Str(string(p).text.node),
        Rule::boolean => Lit::Bool(p.as_str() == "true"),
        _ => Lit::None,
    };
    Ok(Spanned::new(ExprKind::Lit(lit), sp))
}

fn primary(p: Pair<Rule>) -> Result<Expr, ParseError> {
    let sp = span(&p);
    let kind = match p.as_rule() {
        Rule::quantity
        | Rule::date
        | Rule::number
        | Rule::string
        | Rule::boolean
        | Rule::none_lit => return literal_expr(p),
        Rule::ident => ExprKind::Var(p.as_str().to_string()),
        Rule::paren => match p.into_inner().next() {
            Some(e) => ExprKind::Paren(Box::new(expr(e)?)),
            None => ExprKind::Lit(Lit::None),
        },
        Rule::list_lit => ExprKind::List(p.into_inner().map(expr).collect::<Result<_, _>>()?),
        Rule::call => {
            let mut it = p.into_inner();
            let name = it
                .next()
                .map(ident)
                .unwrap_or_else(|| Spanned::new(String::new(), sp));
            ExprKind::Call(name, it.map(expr).collect::<Result<_, _>>()?)
        }
        Rule::quantifier => {
            let mut it = p.into_inner();
            let kind = match it.next().map(|k| k.as_str().to_string()).as_deref() {
                Some("all") => QuantKind::All,
                Some("count") => QuantKind::Count,
                Some("sum") => QuantKind::Sum,
                _ => QuantKind::Any,
            };
            let var = it
                .next()
                .map(ident)
                .unwrap_or_else(|| Spanned::new(String::new(), sp));
            let coll = match it.next() {
                Some(c) => expr(c)?,
                None => return Err(invalid_span(sp, "quantifier without a collection")),
            };
            let mut filter = None;
            let mut body = None;
            for q in it {
                if q.as_rule() == Rule::where_clause {
                    filter = q.into_inner().next().map(expr).transpose()?.map(Box::new);
                } else {
                    body = Some(Box::new(expr(q)?));
                }
            }
            ExprKind::Quant {
                kind,
                var,
                coll: Box::new(coll),
                filter,
                body,
            }
        }
        _ => return Err(invalid_span(sp, "unexpected expression")),
    };
    Ok(Spanned::new(kind, sp))
}

/// Infix operators and postfix forms (collapsed to "an operator" in errors).
pub(crate) fn is_operator(r: Rule) -> bool {
    matches!(
        r,
        Rule::op_or
            | Rule::op_and
            | Rule::op_in
            | Rule::op_not_in
            | Rule::op_starts
            | Rule::op_le
            | Rule::op_ge
            | Rule::op_ne
            | Rule::op_eq
            | Rule::op_lt
            | Rule::op_gt
            | Rule::op_add
            | Rule::op_sub
            | Rule::op_mul
            | Rule::op_div
            | Rule::field_access
            | Rule::index
    )
}

/// Words for grammar rules, used when pest reports what it expected.
/// Exhaustive on purpose: a new rule must be given a name here.
pub(crate) fn rule_name(r: Rule) -> &'static str {
    match r {
        Rule::EOI => "end of file",
        Rule::WHITESPACE | Rule::COMMENT | Rule::comment_text => "whitespace",
        Rule::file | Rule::item => "`policy`, `table`, `const`, `fact` or `route`",
        Rule::policy => "`policy ID { ... }`",
        Rule::policy_part | Rule::header => {
            "a header (`title`, `basis`, ...), `doc`, `table` or a statement"
        }
        Rule::h_title => "`title \"...\"`",
        Rule::h_version => "`version N`",
        Rule::h_basis => "`basis \"GB ... 表N\"`",
        Rule::h_element => "`element air`",
        Rule::h_severity => "`severity error`",
        Rule::h_effective => "`effective 2012-01-01 ..`",
        Rule::h_supersedes => "`supersedes RULE_ID`",
        Rule::doc_block => "`doc { what \"...\" ... }`",
        Rule::doc_entry => "a documentation section such as `what \"...\"`",
        Rule::table_def => "`table NAME(KEY) \"caption\" { | ... | }`",
        Rule::table_row => "a table row `| cell | cell |`",
        Rule::cell => "a table cell",
        Rule::none_cell => "`-`",
        Rule::bareword => "a word",
        Rule::const_def => "`const NAME = VALUE`",
        Rule::fact_def => "`fact NAME: ENUM`",
        Rule::route_def => "`route ELEMENT to \"部门\"`",
        Rule::stmt => "a statement (`for`, `when`, `require`, `report`, `let`, `derive`, `during`)",
        Rule::block => "a block `{ ... }`",
        Rule::let_stmt => "`let NAME = EXPR`",
        Rule::for_stmt => "`for x in COLLECTION { ... }`",
        Rule::where_clause => "`where CONDITION`",
        Rule::when_stmt => "`when CONDITION { ... }`",
        Rule::else_block => "`else { ... }`",
        Rule::during_stmt => "`during MM-DD..MM-DD { ... }`",
        Rule::ahead => "`ahead 30 d`",
        Rule::require_stmt => "`require CONDITION else \"message\"`",
        Rule::kw_else => "`else \"message\"`",
        Rule::report_stmt => "`report \"message\"`",
        Rule::derive_stmt => "`derive FACT = VALUE because \"reason\"`",
        Rule::item_clause => "`item \"95\"`",
        Rule::clause => "`at`, `label` or `help`",
        Rule::at_clause => "`at EXPR`",
        Rule::label_clause => "`label EXPR \"text\"`",
        Rule::help_clause => "`help \"...\"`",
        Rule::expr | Rule::postfix_expr | Rule::primary => "an expression",
        Rule::prefix => "`not` or `-`",
        Rule::op_not => "`not`",
        Rule::op_neg => "`-`",
        Rule::infix => "an operator",
        Rule::op_or => "`or`",
        Rule::op_and => "`and`",
        Rule::op_in => "`in`",
        Rule::op_not_in => "`not in`",
        Rule::op_starts => "`starts_with`",
        Rule::op_le => "`<=`",
        Rule::op_ge => "`>=`",
        Rule::op_ne => "`!=`",
        Rule::op_eq => "`==`",
        Rule::op_lt => "`<`",
        Rule::op_gt => "`>`",
        Rule::op_add => "`+`",
        Rule::op_sub => "`-`",
        Rule::op_mul => "`*`",
        Rule::op_div => "`/`",
        Rule::field_access => "`.field`",
        Rule::index => "`[key]`",
        Rule::paren => "`( ... )`",
        Rule::list_lit => "a list `[a, b]`",
        Rule::call => "a function call",
        Rule::quantifier => "`any x in ...`",
        Rule::quant_kind => "`any`, `all`, `count` or `sum`",
        Rule::literal => "a value",
        Rule::quantity => "a quantity such as `35 mg/m3`",
        Rule::unit => "a unit such as `mg/m3`",
        Rule::date => "a date such as `2012-01-01`",
        Rule::month_day => "a month and day such as `10-01`",
        Rule::number => "a number",
        Rule::integer => "a whole number",
        Rule::boolean => "`true` or `false`",
        Rule::none_lit => "`none`",
        Rule::string | Rule::plain_str | Rule::triple_str => "a string in double quotes",
        Rule::triple_inner | Rule::str_inner => "string text",
        Rule::rule_id | Rule::id_seg => "a rule id such as `air.gb13223-2011.limits`",
        Rule::ident => "a name",
        Rule::ident_char => "a letter, digit or `_`",
        Rule::keyword => "a keyword",
    }
}

#[cfg(test)]
mod tests {
    use super::{ExprCache, parse_expr_at, parse_expr_cached};
    use crate::span::SourceFile;

    /// A template expression taken from the cache is the one a parse at its
    /// own place gives, spans included (`==` on the AST ignores spans, so
    /// the debug forms are compared); an error is not cached and keeps its
    /// own place.
    #[test]
    fn cached_template_expressions_equal_a_parse_at_their_place() {
        let source = SourceFile::new("t.policy", "x".repeat(100));
        let cache = ExprCache::default();
        for text in [
            "p.concentration > 2 * limit",
            "any o in outlets: o.id == \"DA001\"",
        ] {
            for offset in [3, 40, 3] {
                let direct = parse_expr_at(&source, text, offset);
                let cached = parse_expr_cached(&cache, &source, text, offset);
                assert_eq!(
                    format!("{direct:?}"),
                    format!("{cached:?}"),
                    "{text} at {offset}"
                );
                assert!(cached.is_ok(), "{text}");
            }
        }
        for offset in [3, 40] {
            let direct = parse_expr_at(&source, "p +", offset).map_err(|e| e.span());
            let cached = parse_expr_cached(&cache, &source, "p +", offset).map_err(|e| e.span());
            assert!(cached.is_err());
            assert_eq!(direct, cached, "at {offset}");
        }
    }
}
