//! The policy AST. Every node records its byte span; equality ignores spans
//! (as cedar's `Node<T>` does) so `parse → fmt → parse` can be compared
//! structurally.

use crate::date::Date;
use crate::span::{Source, Span};

/// A value with the span it was written at. `==` compares only the value.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
    /// For a name (`ExprKind::Var` node) or a field identifier: what the
    /// type checker resolved it to, as an index into its policy's
    /// `Resolution`, written once when the library is built (see
    /// `library::Resolution::annotate`) so evaluation reads it directly.
    pub resolved: Resolved,
}

/// An index set once after type checking ([`Resolved::NONE`] before, and
/// for nodes that resolve to nothing). Atomic only so a checked library is
/// `Sync`; reads and the one write are relaxed.
#[derive(Debug)]
pub struct Resolved(std::sync::atomic::AtomicU32);

impl Resolved {
    pub const NONE: u32 = u32::MAX;
    pub fn get(&self) -> Option<usize> {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            Self::NONE => None,
            i => Some(i as usize),
        }
    }
    pub fn set(&self, index: Option<usize>) {
        let v = index
            .and_then(|i| u32::try_from(i).ok())
            .unwrap_or(Self::NONE);
        self.0.store(v, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Default for Resolved {
    fn default() -> Self {
        Resolved(std::sync::atomic::AtomicU32::new(Self::NONE))
    }
}

impl Clone for Resolved {
    fn clone(&self) -> Self {
        let r = Resolved::default();
        r.set(self.get());
        r
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned {
            node,
            span,
            resolved: Resolved::default(),
        }
    }
}

pub type Ident = Spanned<String>;

/// A string literal; `parts` holds its text split into literal text and
/// `{expr}` interpolations (only message strings are interpolated).
#[derive(Clone, Debug, PartialEq)]
pub struct Str {
    pub text: Spanned<String>,
    /// Written as `"""..."""`.
    pub triple: bool,
}

#[derive(Debug)]
pub struct PolicyFile {
    pub source: Source,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Policy(Policy),
    Table(Table),
    Const(Const),
    Fact(FactDecl),
    Route(Route),
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub id: Spanned<String>,
    pub headers: Vec<Header>,
    pub doc: Option<Spanned<Vec<(Ident, Str)>>>,
    pub tables: Vec<Table>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum HeaderKind {
    Title(Str),
    Version(u32),
    Basis(Str),
    Element(Ident),
    Severity(Ident),
    Effective(Option<Spanned<Date>>, Option<Spanned<Date>>),
    Supersedes(Spanned<String>),
}

pub type Header = Spanned<HeaderKind>;

impl HeaderKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            HeaderKind::Title(_) => "title",
            HeaderKind::Version(_) => "version",
            HeaderKind::Basis(_) => "basis",
            HeaderKind::Element(_) => "element",
            HeaderKind::Severity(_) => "severity",
            HeaderKind::Effective(..) => "effective",
            HeaderKind::Supersedes(_) => "supersedes",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: Ident,
    pub keys: Vec<Ident>,
    pub caption: Option<Str>,
    /// First row is the header (column names).
    pub rows: Vec<Spanned<Vec<Cell>>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CellKind {
    Qty(f64, String),
    Num(f64),
    Date(Date),
    Str(String),
    /// `-`: no value in the standard for this cell.
    None,
    Word(String),
}

pub type Cell = Spanned<CellKind>;

#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    pub name: Ident,
    pub value: Expr,
    pub doc: Option<Str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FactDecl {
    pub name: Ident,
    /// Name of an ordered enumeration of the permit schema (`management`).
    pub ty: Ident,
    pub doc: Option<Str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub element: Ident,
    pub department: Str,
    pub english: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Clauses {
    pub at: Option<Expr>,
    pub labels: Vec<(Expr, Str)>,
    pub help: Option<Str>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Let(Ident, Expr),
    For {
        var: Ident,
        coll: Expr,
        filter: Option<Expr>,
        body: Vec<Stmt>,
    },
    When {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Option<Vec<Stmt>>,
    },
    During {
        from: Spanned<(u8, u8)>,
        to: Spanned<(u8, u8)>,
        ahead: Option<Expr>,
        body: Vec<Stmt>,
    },
    Require {
        cond: Expr,
        message: Str,
        clauses: Clauses,
    },
    Report {
        message: Str,
        clauses: Clauses,
    },
    Derive {
        fact: Ident,
        value: Expr,
        item: Option<Str>,
        because: Str,
        clauses: Clauses,
    },
}

pub type Stmt = Spanned<StmtKind>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    StartsWith,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::StartsWith => "starts_with",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
    /// Binding power, used by the formatter to decide on parentheses.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::In
            | BinOp::NotIn
            | BinOp::StartsWith => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }
    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantKind {
    Any,
    All,
    Count,
    Sum,
}

impl QuantKind {
    pub fn keyword(self) -> &'static str {
        match self {
            QuantKind::Any => "any",
            QuantKind::All => "all",
            QuantKind::Count => "count",
            QuantKind::Sum => "sum",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Num(f64),
    /// Value and unit symbol as written (checked against the unit table).
    Qty(f64, String),
    Str(String),
    Date(Date),
    Bool(bool),
    None,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Lit(Lit),
    Var(String),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Ident, Vec<Expr>),
    List(Vec<Expr>),
    Quant {
        kind: QuantKind,
        var: Ident,
        coll: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Option<Box<Expr>>,
    },
    /// `( expr )`, kept so the formatter reproduces what the author wrote.
    Paren(Box<Expr>),
}

pub type Expr = Spanned<ExprKind>;

impl Policy {
    pub fn header(&self, keyword: &str) -> Option<&Header> {
        self.headers.iter().find(|h| h.node.keyword() == keyword)
    }
}

// Structural equality: spans are ignored, like `Spanned`'s.
impl PartialEq for Policy {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.headers == o.headers
            && self.doc == o.doc
            && self.tables == o.tables
            && self.body == o.body
    }
}

impl PartialEq for Table {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
            && self.keys == o.keys
            && self.caption == o.caption
            && self.rows == o.rows
    }
}
