//! The formatter: one canonical layout for policy files.
//!
//! Comments are not in the AST; they are collected from the text and put
//! back before the first node that starts after them (own-line comments) or
//! at the end of the line they ended (trailing comments). Formatting is
//! idempotent and `parse(fmt(x)) == parse(x)` (a test runs both over every
//! shipped policy).

use super::ast::*;
use super::errors::ParseError;
use super::parser::parse_file;
use crate::span::Source;
use crate::units::format_number;
use unicode_width::UnicodeWidthStr;

/// Format a whole file. Fails only when the file does not parse.
pub fn format_source(source: &Source) -> Result<String, ParseError> {
    let file = parse_file(source).map_err(|e| e.attach(source))?;
    Ok(format_file(&file))
}

pub fn format_file(file: &PolicyFile) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
        comments: collect_comments(&file.source.text),
        next: 0,
        text: &file.source.text,
        last: 0,
    };
    let mut prev_multiline = false;
    for item in &file.items {
        let start = item_start(item);
        let multiline = matches!(item, Item::Policy(_) | Item::Table(_));
        // Policies and tables are always set apart; one-line items keep
        // the author's grouping (at most one blank line).
        if multiline || prev_multiline {
            p.blank();
        }
        p.flush_before(start);
        p.gap(start);
        p.item(item);
        // A comment on the line of a policy's or table's closing `}` stays
        // there. (Found by the `policy` fuzzer: it was attached to the blank
        // line before the next item, so the second formatting moved it.)
        p.trailing(item_end(item));
        p.last = item_end(item) as usize;
        prev_multiline = multiline;
    }
    p.flush_before(u32::MAX);
    let mut out = p.out.trim_end().to_string();
    out.push('\n');
    out
}

struct Comment {
    start: u32,
    end: u32,
    text: String,
    /// Code precedes it on its line.
    trailing: bool,
}

/// Find `#` comments outside strings.
fn collect_comments(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_has_code = false;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line_has_code = false;
                i += 1;
            }
            b'"' if text[i..].starts_with("\"\"\"") => {
                line_has_code = true;
                i = text[i + 3..]
                    .find("\"\"\"")
                    .map_or(b.len(), |j| i + 3 + j + 3);
            }
            b'"' => {
                line_has_code = true;
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(b.len(), |j| i + j);
                out.push(Comment {
                    start: i as u32,
                    end: end as u32,
                    text: text[i..end].trim_end().to_string(),
                    trailing: line_has_code,
                });
                i = end;
            }
            // The grammar's whitespace includes U+3000 (ideographic space):
            // it is not code either. (Found by the `policy` fuzzer.)
            _ if b[i..].starts_with("\u{3000}".as_bytes()) => i += 3,
            c => {
                if !c.is_ascii_whitespace() {
                    line_has_code = true;
                }
                i += 1;
            }
        }
    }
    out
}

fn item_end(item: &Item) -> u32 {
    match item {
        Item::Policy(p) => p.span.end,
        Item::Table(t) => t.span.end,
        Item::Const(c) => c.doc.as_ref().map_or(c.value.span.end, |d| d.text.span.end),
        Item::Fact(f) => f.doc.as_ref().map_or(f.ty.span.end, |d| d.text.span.end),
        Item::Route(r) => r.english.as_ref().unwrap_or(&r.department).text.span.end,
    }
}

fn item_start(item: &Item) -> u32 {
    match item {
        Item::Policy(p) => p.span.start,
        Item::Table(t) => t.span.start,
        Item::Const(c) => c.name.span.start,
        Item::Fact(f) => f.name.span.start,
        Item::Route(r) => r.element.span.start,
    }
}

struct Printer<'a> {
    out: String,
    indent: usize,
    comments: Vec<Comment>,
    next: usize,
    text: &'a str,
    /// Source offset of the end of what was printed last.
    last: usize,
}

impl Printer<'_> {
    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.out.ends_with("{\n") {
            self.out.push('\n');
        }
    }

    /// The first `}` at or after `from` outside a comment: between a block's
    /// last statement and its closing brace there are only blanks and
    /// comments. (Found by the `policy` fuzzer: a comment after the last
    /// statement of a `when` block moved into its `else` block, so
    /// formatting was not idempotent.)
    fn closing_brace(&self, from: u32) -> u32 {
        let bytes = self.text.as_bytes();
        let mut i = from as usize;
        while i < bytes.len() {
            match bytes[i] {
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'}' => return i as u32,
                _ => i += 1,
            }
        }
        bytes.len() as u32
    }

    /// Keep one blank line where the author left one before `pos`.
    fn gap(&mut self, pos: u32) {
        let between = self
            .text
            .get(self.last..(pos as usize).max(self.last))
            .unwrap_or("");
        let blank = between
            .split('\n')
            .skip(1)
            .take(between.matches('\n').count().saturating_sub(1))
            .any(|l| l.trim().is_empty());
        if blank {
            self.blank();
        }
    }

    /// Emit comments that start before `pos`.
    fn flush_before(&mut self, pos: u32) {
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= pos {
                break;
            }
            let (start, end, trailing) = (c.start, c.end, c.trailing);
            if !trailing {
                self.gap(start);
            }
            self.last = end as usize;
            let Some(c) = self.comments.get(self.next) else {
                break;
            };
            if c.trailing && self.out.ends_with('\n') && !self.out.is_empty() {
                self.out.pop();
                self.out.push_str("  ");
                self.out.push_str(&c.text.clone());
                self.out.push('\n');
            } else {
                let t = c.text.clone();
                self.line(&t);
            }
            self.next += 1;
        }
    }

    /// Emit a trailing comment that sits on the same line right after `end`.
    fn trailing(&mut self, end: u32) {
        if let Some(c) = self.comments.get(self.next) {
            let between = self
                .text
                .get(end as usize..c.start as usize)
                .unwrap_or("\n");
            // Only closing punctuation may stand between: a comment after a
            // later token (`effective ..  doc {  # c`) belongs to that token.
            // (Found by the `policy` fuzzer.)
            let only_punctuation = !between
                .chars()
                .any(|ch| ch.is_alphanumeric() || ch == '"' || ch == '\n');
            if c.trailing && only_punctuation && self.out.ends_with('\n') {
                self.out.pop();
                self.out.push_str("  ");
                self.out.push_str(&c.text.clone());
                self.out.push('\n');
                self.next += 1;
            }
        }
        let _ = self.comments.get(self.next).map(|c| c.end);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Policy(p) => self.policy(p),
            Item::Table(t) => self.table(t),
            Item::Const(c) => {
                let mut s = format!("const {} = {}", c.name.node, expr(&c.value));
                if let Some(d) = &c.doc {
                    s.push(' ');
                    s.push_str(&string(d, self.indent));
                }
                self.line(&s);
                self.trailing(c.doc.as_ref().map_or(c.value.span.end, |d| d.text.span.end));
            }
            Item::Fact(f) => {
                let mut s = format!("fact {}: {}", f.name.node, f.ty.node);
                if let Some(d) = &f.doc {
                    s.push(' ');
                    s.push_str(&string(d, self.indent));
                }
                self.line(&s);
                self.trailing(f.doc.as_ref().map_or(f.ty.span.end, |d| d.text.span.end));
            }
            Item::Route(r) => {
                let mut s = format!("route {} to {}", r.element.node, string(&r.department, 0));
                if let Some(e) = &r.english {
                    s.push(' ');
                    s.push_str(&string(e, 0));
                }
                self.line(&s);
                self.trailing(r.english.as_ref().unwrap_or(&r.department).text.span.end);
            }
        }
    }

    fn policy(&mut self, p: &Policy) {
        self.line(&format!("policy {} {{", p.id.node));
        self.trailing(p.id.span.end);
        self.indent += 1;
        // Headers in canonical order; a header given twice (a check error)
        // is kept, both times, so formatting never drops what the author
        // wrote. (Found by the `policy` fuzzer: the second `title` was lost.)
        for kw in [
            "title",
            "version",
            "basis",
            "element",
            "severity",
            "effective",
            "supersedes",
        ] {
            for h in p.headers.iter().filter(|h| h.node.keyword() == kw) {
                self.flush_before(h.span.start);
                let s = header(&h.node, self.indent);
                self.line(&s);
                self.trailing(h.span.end);
            }
        }
        if let Some(doc) = &p.doc {
            self.blank();
            self.flush_before(doc.span.start);
            self.line("doc {");
            self.indent += 1;
            for (k, v) in &doc.node {
                self.flush_before(k.span.start);
                let s = format!("{} {}", k.node, string(v, self.indent));
                self.line(&s);
                self.trailing(v.text.span.end);
            }
            self.flush_before(doc.span.end);
            self.indent -= 1;
            self.line("}");
            // A comment on the line of the doc block's closing `}` stays
            // there. (Found by the policy property test: it moved to a line
            // of its own, and the next formatting put a blank line before
            // it.)
            self.trailing(doc.span.end);
        }
        for t in &p.tables {
            self.blank();
            self.flush_before(t.span.start);
            self.table(t);
        }
        if !p.body.is_empty() {
            self.blank();
        }
        self.stmts(&p.body);
        self.flush_before(p.span.end.saturating_sub(1));
        self.indent -= 1;
        self.line("}");
    }

    fn table(&mut self, t: &Table) {
        let keys: Vec<&str> = t.keys.iter().map(|k| k.node.as_str()).collect();
        let mut head = format!("table {}({})", t.name.node, keys.join(", "));
        if let Some(c) = &t.caption {
            head.push(' ');
            head.push_str(&string(c, self.indent));
        }
        head.push_str(" {");
        self.line(&head);
        self.indent += 1;
        let cells: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| r.node.iter().map(cell).collect())
            .collect();
        let ncols = cells.iter().map(|r| r.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..ncols)
            .map(|i| {
                cells
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (row, texts) in t.rows.iter().zip(&cells) {
            self.flush_before(row.span.start);
            let mut s = String::from("|");
            for (i, c) in texts.iter().enumerate() {
                s.push(' ');
                s.push_str(c);
                let w = widths.get(i).copied().unwrap_or(0);
                for _ in c.width()..w {
                    s.push(' ');
                }
                s.push_str(" |");
            }
            self.line(&s);
            self.trailing(row.span.end);
        }
        self.flush_before(t.span.end.saturating_sub(1));
        self.indent -= 1;
        self.line("}");
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.flush_before(s.span.start);
            self.gap(s.span.start);
            self.stmt(s);
            self.last = s.span.end as usize;
        }
    }

    fn block(&mut self, head: String, body: &[Stmt], end: u32) {
        self.line(&format!("{head} {{"));
        self.indent += 1;
        self.stmts(body);
        self.flush_before(end);
        self.indent -= 1;
        self.line("}");
    }

    fn clauses(&mut self, c: &Clauses) {
        self.indent += 1;
        if let Some(at) = &c.at {
            self.line(&format!("at {}", expr(at)));
            self.trailing(at.span.end);
        }
        for (e, s) in &c.labels {
            let l = format!("label {} {}", expr(e), string(s, self.indent));
            self.line(&l);
            self.trailing(s.text.span.end);
        }
        if let Some(h) = &c.help {
            let l = format!("help {}", string(h, self.indent));
            self.line(&l);
            self.trailing(h.text.span.end);
        }
        self.indent -= 1;
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.node {
            StmtKind::Let(n, e) => {
                self.line(&format!("let {} = {}", n.node, expr(e)));
                self.trailing(s.span.end);
            }
            StmtKind::For {
                var,
                coll,
                filter,
                body,
            } => {
                let mut head = format!("for {} in {}", var.node, expr(coll));
                if let Some(f) = filter {
                    head.push_str(&format!(" where {}", expr(f)));
                }
                self.block(head, body, s.span.end.saturating_sub(1));
            }
            StmtKind::When {
                cond,
                then,
                otherwise,
            } => {
                let head = format!("when {}", expr(cond));
                match otherwise {
                    None => self.block(head, then, s.span.end.saturating_sub(1)),
                    Some(o) => {
                        let else_start = o.first().map_or(s.span.end, |x| x.span.start);
                        self.line(&format!("{head} {{"));
                        self.indent += 1;
                        self.stmts(then);
                        // Comments up to the `}` that closes the `then` block
                        // belong to it, not to the `else` block.
                        let then_end = then.last().map_or(cond.span.end, |t| t.span.end);
                        self.flush_before(else_start.min(self.closing_brace(then_end)));
                        self.indent -= 1;
                        self.line("} else {");
                        self.indent += 1;
                        self.stmts(o);
                        self.flush_before(s.span.end.saturating_sub(1));
                        self.indent -= 1;
                        self.line("}");
                    }
                }
            }
            StmtKind::During {
                from,
                to,
                ahead,
                body,
            } => {
                let mut head = format!(
                    "during {:02}-{:02}..{:02}-{:02}",
                    from.node.0, from.node.1, to.node.0, to.node.1
                );
                if let Some(a) = ahead {
                    head.push_str(&format!(" ahead {}", expr(a)));
                }
                self.block(head, body, s.span.end.saturating_sub(1));
            }
            StmtKind::Require {
                cond,
                message,
                clauses,
            } => {
                self.line(&format!("require {}", expr(cond)));
                self.trailing(cond.span.end);
                self.indent += 1;
                let l = format!("else {}", string(message, self.indent));
                self.line(&l);
                self.trailing(message.text.span.end);
                self.indent -= 1;
                self.clauses(clauses);
            }
            StmtKind::Report { message, clauses } => {
                let l = format!("report {}", string(message, self.indent));
                self.line(&l);
                self.trailing(message.text.span.end);
                self.clauses(clauses);
            }
            StmtKind::Derive {
                fact,
                value,
                item,
                because,
                clauses,
            } => {
                let mut l = format!("derive {} = {}", fact.node, expr(value));
                if let Some(i) = item {
                    l.push_str(&format!(" item {}", string(i, 0)));
                }
                self.line(&l);
                self.trailing(item.as_ref().map_or(value.span.end, |i| i.text.span.end));
                self.indent += 1;
                let b = format!("because {}", string(because, self.indent));
                self.line(&b);
                self.trailing(because.text.span.end);
                self.indent -= 1;
                self.clauses(clauses);
            }
        }
    }
}

fn header(h: &HeaderKind, indent: usize) -> String {
    match h {
        HeaderKind::Title(s) => format!("title {}", string(s, indent)),
        HeaderKind::Version(v) => format!("version {v}"),
        HeaderKind::Basis(s) => format!("basis {}", string(s, indent)),
        HeaderKind::Element(e) => format!("element {}", e.node),
        HeaderKind::Severity(e) => format!("severity {}", e.node),
        HeaderKind::Effective(a, b) => {
            let a = a
                .as_ref()
                .map(|d| format!("{} ", d.node))
                .unwrap_or_default();
            let b = b
                .as_ref()
                .map(|d| format!(" {}", d.node))
                .unwrap_or_default();
            format!("effective {a}..{b}")
        }
        HeaderKind::Supersedes(id) => format!("supersedes {}", id.node),
    }
}

fn cell(c: &Cell) -> String {
    match &c.node {
        CellKind::Qty(v, u) => format!("{} {u}", format_number(*v)),
        CellKind::Num(v) => format_number(*v),
        CellKind::Date(d) => d.to_string(),
        CellKind::Str(s) => quote(s),
        CellKind::None => "-".into(),
        CellKind::Word(w) => w.clone(),
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            // `\{` and `\}` are kept escaped by the parser; pass them through.
            '\\' if matches!(chars.peek(), Some('{') | Some('}')) => out.push('\\'),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn string(s: &Str, indent: usize) -> String {
    if s.triple {
        let pad = "  ".repeat(indent + 1);
        let mut out = String::from("\"\"\"\n");
        for l in s.text.node.lines() {
            if l.trim().is_empty() {
                out.push('\n');
            } else {
                out.push_str(&pad);
                out.push_str(l);
                out.push('\n');
            }
        }
        out.push_str(&"  ".repeat(indent));
        out.push_str("\"\"\"");
        out
    } else {
        quote(&s.text.node)
    }
}

pub fn expr(e: &Expr) -> String {
    match &e.node {
        ExprKind::Lit(l) => match l {
            Lit::Num(n) => format_number(*n),
            Lit::Qty(v, u) => format!("{} {u}", format_number(*v)),
            Lit::Str(s) => quote(s),
            Lit::Date(d) => d.to_string(),
            Lit::Bool(b) => b.to_string(),
            Lit::None => "none".into(),
        },
        ExprKind::Var(v) => v.clone(),
        ExprKind::Field(b, f) => format!("{}.{}", expr(b), f.node),
        ExprKind::Index(b, ks) => format!(
            "{}[{}]",
            expr(b),
            ks.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Unary(UnOp::Not, a) => format!("not {}", expr(a)),
        ExprKind::Unary(UnOp::Neg, a) => format!("-{}", expr(a)),
        ExprKind::Binary(op, a, b) => format!("{} {} {}", expr(a), op.symbol(), expr(b)),
        ExprKind::Call(n, args) => format!(
            "{}({})",
            n.node,
            args.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Paren(a) => format!("({})", expr(a)),
        ExprKind::Quant {
            kind,
            var,
            coll,
            filter,
            body,
        } => {
            let mut s = format!("{} {} in {}", kind.keyword(), var.node, expr(coll));
            if let Some(f) = filter {
                s.push_str(&format!(" where {}", expr(f)));
            }
            if let Some(b) = body {
                s.push_str(&format!(": {}", expr(b)));
            }
            s
        }
    }
}
