//! YAML reader: saphyr-parser events → [`Node`] trees with byte spans.
//!
//! The tree is built **iteratively** with an explicit stack, so nesting depth
//! never turns into native recursion: a 10,000-deep file gives
//! [`LoadError::TooDeep`], not a stack overflow.
//!
//! Semantics (YAML 1.2 core schema, restricted to what a permit needs):
//! - plain scalars: `null`/`Null`/`NULL`/`~`/empty → `Null`; `true`/`True`/
//!   `TRUE` (and false) → `Bool`; decimal, `0o`, `0x` integers → `Int`;
//!   decimal floats and `.inf`/`.nan` → `Float`; everything else → `Str`.
//!   YAML 1.1 booleans (`yes`, `no`, `on`, `off`) stay strings.
//! - quoted and block scalars are always `Str`; a `!!str` tag forces `Str`.
//! - mapping keys are stored as their text (`1: x` has key `1`); a collection
//!   used as a key is an error. A duplicate key is an error at the second key.
//! - aliases are **expanded** (a permit has no cycles and the tree must stay
//!   a tree), under a cap on the total number of nodes all expansions add
//!   ([`Limits::max_alias_nodes`]): a "billion laughs" file fails at the
//!   alias that crosses the cap.
//! - one document per file: a second document is an error at its `---`.
//!
//! saphyr's markers count characters; spans here are **byte** offsets
//! (`Offsets`: nothing to convert in an ASCII text).

use super::model::{Entry, Node, Value};
use crate::span::Span;
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::borrow::Cow;

/// Resource limits for reading one permit file. All configurable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (checked before reading it).
    pub max_file_bytes: u64,
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Total nodes all alias expansions may add.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_alias_nodes: 10_000,
        }
    }
}

/// Why a file could not be read into a tree.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read the file: {message}")]
    #[diagnostic(code(document::yaml))]
    Io { message: String },

    #[error("the file is {size} bytes, more than the limit of {limit} bytes")]
    #[diagnostic(
        code(document::yaml),
        help(
            "a permit file is a few tens of kilobytes; raise the limit only for a file you trust"
        )
    )]
    TooLarge { size: u64, limit: u64 },

    #[error("the file is not valid UTF-8 (first bad byte at offset {offset})")]
    #[diagnostic(code(document::yaml), help("save the file as UTF-8"))]
    NotUtf8 {
        offset: usize,
        #[label("not UTF-8")]
        span: Span,
    },

    #[error("the file holds a NUL byte at offset {offset}: it looks binary, not YAML")]
    #[diagnostic(code(document::yaml))]
    Binary {
        offset: usize,
        #[label("NUL byte")]
        span: Span,
    },

    #[error("the file is empty: it holds no permit document")]
    #[diagnostic(code(document::yaml))]
    Empty,

    #[error("invalid YAML: {message}")]
    #[diagnostic(code(document::yaml))]
    Syntax {
        message: String,
        #[label("here")]
        span: Span,
    },

    #[error("a permit file holds one document")]
    #[diagnostic(code(document::yaml), help("put each permit in a file of its own"))]
    MultipleDocuments {
        #[label("second document starts here")]
        span: Span,
    },

    #[error("duplicate key `{key}`")]
    #[diagnostic(code(document::yaml), help("a key may appear once in a mapping"))]
    DuplicateKey {
        key: String,
        #[label("second `{key}`")]
        span: Span,
        #[label("first defined here")]
        first: Span,
    },

    #[error("a collection cannot be a mapping key")]
    #[diagnostic(code(document::yaml))]
    ComplexKey {
        #[label("key")]
        span: Span,
    },

    #[error("nesting deeper than {limit} levels")]
    #[diagnostic(code(document::yaml))]
    TooDeep {
        limit: usize,
        #[label("too deep")]
        span: Span,
    },

    #[error("aliases expand to more than {limit} nodes")]
    #[diagnostic(
        code(document::yaml),
        help("a permit needs no aliases; write the values out")
    )]
    AliasLimit {
        limit: usize,
        #[label("this alias crosses the limit")]
        span: Span,
    },

    #[error("alias to an unknown anchor")]
    #[diagnostic(code(document::yaml))]
    UnknownAnchor {
        #[label("unknown anchor")]
        span: Span,
    },
}

impl LoadError {
    /// The byte span the error points at, if it has one.
    pub fn span(&self) -> Option<Span> {
        match self {
            LoadError::Io { .. } | LoadError::TooLarge { .. } | LoadError::Empty => None,
            LoadError::NotUtf8 { span, .. }
            | LoadError::Binary { span, .. }
            | LoadError::Syntax { span, .. }
            | LoadError::MultipleDocuments { span }
            | LoadError::DuplicateKey { span, .. }
            | LoadError::ComplexKey { span }
            | LoadError::TooDeep { span, .. }
            | LoadError::AliasLimit { span, .. }
            | LoadError::UnknownAnchor { span } => Some(*span),
        }
    }

    /// A second location worth showing (the first of two duplicate keys).
    pub fn secondary(&self) -> Option<(Span, &'static str)> {
        match self {
            LoadError::DuplicateKey { first, .. } => Some((*first, "first defined here")),
            _ => None,
        }
    }
}

/// Character index → byte offset, for saphyr's character markers.
///
/// saphyr's markers arrive in document order, so a cursor (the character
/// and byte where the last lookup landed) moves forward by the difference:
/// eight bytes at a time while the target lies beyond them (a branch-free
/// count of the characters starting in a word), then byte by byte. Every
/// byte of the text is passed over about once per file. A lookup behind
/// the cursor (none on the permits measured) uses a table of runs ([`Runs`],
/// built on first need). An ASCII text needs neither.
///
/// Earlier versions built a table up front — one entry per character, then
/// per run of wide characters — which cost a fifth, then a tenth of the raw
/// parse in wall-clock time on permits full of Chinese names and comments.
struct Offsets<'t> {
    text: &'t str,
    ascii: bool,
    /// (character index, byte offset) of the last lookup; the byte offset
    /// is where that character starts.
    cursor: std::cell::Cell<(usize, usize)>,
    behind: std::cell::OnceCell<Runs>,
}

/// A byte that starts a character (ASCII or a UTF-8 lead byte).
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Offsets<'t> {
        Offsets {
            text,
            ascii: text.is_ascii(),
            cursor: std::cell::Cell::new((0, 0)),
            behind: std::cell::OnceCell::new(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        if self.ascii {
            return char_index.min(len);
        }
        let (at_char, at_byte) = self.cursor.get();
        if char_index < at_char {
            return self
                .behind
                .get_or_init(|| Runs::new(self.text))
                .byte(char_index);
        }
        let mut n = char_index - at_char;
        let mut b = at_byte;
        // Whole words while the target character starts beyond them.
        while let Some(word) = bytes.get(b..b + 8) {
            let w = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            // Continuation bytes are 0b10xx_xxxx: bit 7 set, bit 6 clear.
            let continuation = (w & !(w << 1) & 0x8080_8080_8080_8080).count_ones() as usize;
            let starts = 8 - continuation;
            if starts > n {
                break;
            }
            n -= starts;
            b += 8;
        }
        // Then byte by byte to the character itself.
        loop {
            match bytes.get(b) {
                None => {
                    b = len;
                    break;
                }
                Some(&x) if starts_char(x) => {
                    if n == 0 {
                        break;
                    }
                    n -= 1;
                }
                Some(_) => {}
            }
            b += 1;
        }
        self.cursor.set((char_index, b));
        b
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span::new(self.byte(s.start.index()), self.byte(s.end.index()))
    }
}

/// Character index → byte offset by a table, for lookups that go back
/// (which saphyr's markers never do on the permits measured, but a hostile
/// file must not turn into a quadratic walk).
///
/// Sparse: one entry per **run** of non-ASCII characters of the same UTF-8
/// width (a permit is mostly ASCII keys, numbers and units, with Chinese
/// names and comments: a name of nine characters is one run), found by
/// skipping ASCII a chunk at a time. Building a dense char→byte table cost
/// about as much as a fifth of the YAML scan; one entry per character made
/// every lookup walk or search through each name.
struct Runs {
    runs: Vec<Run>,
    len: usize,
    /// Runs starting before the last lookup (markers mostly arrive in order).
    hint: std::cell::Cell<usize>,
}

/// Consecutive non-ASCII characters of one width.
#[derive(Clone, Copy)]
struct Run {
    /// Char index of the first character.
    start: u32,
    /// Number of characters.
    len: u32,
    /// Extra bytes per character (UTF-8 length − 1).
    width: u32,
    /// Extra bytes of every non-ASCII character before the run.
    before: u32,
}

impl Runs {
    fn new(text: &str) -> Runs {
        let mut runs: Vec<Run> = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0u32;
            let mut at = 0usize;
            for chunk in text.as_bytes().chunks(16) {
                if !chunk.is_ascii() {
                    for (j, &b) in chunk.iter().enumerate() {
                        // A lead byte; continuation bytes are 0x80..=0xBF.
                        if b >= 0xC0 {
                            let width = if b >= 0xF0 {
                                3
                            } else if b >= 0xE0 {
                                2
                            } else {
                                1
                            };
                            let ci = (at + j) as u32 - extra;
                            match runs.last_mut() {
                                Some(r) if r.start + r.len == ci && r.width == width => r.len += 1,
                                _ => runs.push(Run {
                                    start: ci,
                                    len: 1,
                                    width,
                                    before: extra,
                                }),
                            }
                            extra += width;
                        }
                    }
                }
                at += chunk.len();
            }
        }
        Runs {
            runs,
            len: text.len(),
            hint: std::cell::Cell::new(0),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.runs.is_empty() {
            return char_index.min(self.len);
        }
        let c = u32::try_from(char_index).unwrap_or(u32::MAX);
        let r = &self.runs;
        // `k` = number of runs starting before `c`.
        let mut k = self.hint.get();
        if k > 0 && r[k - 1].start >= c {
            k = r[..k].partition_point(|run| run.start < c);
        } else {
            let mut steps = 0;
            while k < r.len() && r[k].start < c {
                k += 1;
                steps += 1;
                if steps == 4 {
                    k += r[k..].partition_point(|run| run.start < c);
                    break;
                }
            }
        }
        self.hint.set(k);
        let extra = match k.checked_sub(1).map(|i| r[i]) {
            None => 0,
            Some(run) => run.before + (c - run.start).min(run.len) * run.width,
        };
        char_index.saturating_add(extra as usize).min(self.len)
    }
}

/// Classify a plain scalar by the YAML 1.2 core schema.
pub fn core_scalar(text: &str) -> Value {
    match core_non_str(text) {
        Some(v) => v,
        None => Value::Str(text.into()),
    }
}

/// [`core_scalar`] for the parser's own text: a string keeps its buffer.
fn core_scalar_owned(text: Cow<'_, str>) -> Value {
    match core_non_str(&text) {
        Some(v) => v,
        None => Value::Str(boxed(text)),
    }
}

/// The parser's scalar text as an owned string. Its `String` is kept as it
/// is, not shrunk: `into_boxed_str` reallocated every scalar (saphyr
/// allocates 32 bytes or more per scalar), about a fifth of tree building.
fn boxed(text: Cow<'_, str>) -> String {
    text.into_owned()
}

/// The non-string value a plain scalar stands for, if any.
fn core_non_str(text: &str) -> Option<Value> {
    // Every non-string form starts with one of these bytes (or is empty);
    // names, ids and quantities with a letter first are strings at once.
    if let Some(b) = text.as_bytes().first()
        && !matches!(
            b,
            b'0'..=b'9' | b'-' | b'+' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
        )
    {
        return None;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    if let Some(v) = core_int(text) {
        return Some(Value::Int(v));
    }
    if is_core_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

fn core_int(text: &str) -> Option<i64> {
    if let Some(oct) = text.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return i64::from_str_radix(oct, 8).ok();
        }
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return i64::from_str_radix(hex, 16).ok();
        }
        return None;
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    None
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// Text of a scalar used as a mapping key (a string key keeps its buffer).
fn key_text(value: Value) -> Option<String> {
    Some(match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s,
        _ => return None,
    })
}

/// A collection under construction.
struct Frame {
    start: Span,
    flow: bool,
    anchor: usize,
    kind: FrameKind,
}

/// Children of open collections live on two shared stacks (`items`,
/// `entries` in [`parse`]); a frame records where its own children start, and
/// its finished `Vec` is allocated once, at its exact size.
enum FrameKind {
    /// Items from this index of the shared item stack.
    Seq(usize),
    /// Entries from this index of the shared entry stack, a pending key
    /// waiting for its value, and (once the map is large) the hashes of its
    /// keys, so the duplicate-key check stays linear in the map's size.
    Map(usize, Option<(String, Span)>, Option<Box<KeyHashes>>),
}

/// Hashes of a large mapping's keys.
type KeyHashes = rustc_hash::FxHashSet<u64>;

/// Below this many entries a mapping's keys are compared one by one.
const KEY_SCAN: usize = 16;

fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// An anchored node and its size, for bounded alias expansion.
struct Anchored {
    node: Node,
    nodes: usize,
    height: usize,
}

fn count_nodes(node: &Node) -> (usize, usize) {
    // Iterative: (nodes, height).
    let mut total = 0;
    let mut height = 0;
    let mut stack = vec![(node, 1usize)];
    while let Some((n, d)) = stack.pop() {
        total += 1;
        height = height.max(d);
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter().map(|c| (c, d + 1))),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| (&e.node, d + 1))),
            _ => {}
        }
    }
    (total, height - 1)
}

/// Read one YAML document into a [`Node`] tree.
pub fn parse(text: &str, limits: &Limits) -> Result<Node, LoadError> {
    let offsets = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    // Sized for a typical permit (nesting ~8, ~100 open children), so the
    // shared stacks do not regrow from empty on every file.
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    let mut items: Vec<Node> = Vec::with_capacity(64);
    let mut entries: Vec<Entry> = Vec::with_capacity(128);
    let mut anchors: std::collections::HashMap<usize, Anchored> = Default::default();
    let mut expanded = 0usize;
    let mut root: Option<Node> = None;
    let mut documents = 0usize;

    while let Some(next) = parser.next_event() {
        let (event, marks) = next.map_err(|e| {
            let at = offsets.byte(e.marker().index());
            if e.info() == "recursion limit exceeded" {
                // saphyr's scanner caps flow nesting at 255 levels by itself.
                return LoadError::TooDeep {
                    limit: limits.max_depth.min(255),
                    span: Span::new(at, at),
                };
            }
            LoadError::Syntax {
                message: e.info().to_string(),
                span: Span::new(at, at),
            }
        })?;
        let span = offsets.span(&marks);
        let (node, anchor) = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(LoadError::MultipleDocuments { span });
                }
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        span,
                    });
                }
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    FrameKind::Seq(items.len())
                } else {
                    FrameKind::Map(entries.len(), None, None)
                };
                // A flow collection's start event covers its `[`/`{`; a block
                // collection's start event is empty.
                let flow = text
                    .get(span.range())
                    .is_some_and(|s| s.ends_with(['[', '{']));
                stack.push(Frame {
                    start: span,
                    flow,
                    anchor,
                    kind,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else {
                    return Err(LoadError::Syntax {
                        message: "unbalanced collection end".into(),
                        span,
                    });
                };
                let (value, last_end) = match frame.kind {
                    FrameKind::Seq(from) => {
                        let last = items[from..].last().map(|n| n.span.end);
                        (Value::Seq(items.drain(from..).collect()), last)
                    }
                    FrameKind::Map(from, _, _) => {
                        let last = entries[from..]
                            .last()
                            .map(|e| e.node.span.end.max(e.key_span.end));
                        (Value::Map(entries.drain(from..).collect()), last)
                    }
                };
                // Start at the collection itself, not at its anchor.
                let start = if frame.flow {
                    frame.start.end.saturating_sub(1)
                } else {
                    collection_start(text, frame.start)
                };
                let end = if frame.flow {
                    span.end
                } else {
                    last_end.unwrap_or(span.end).max(start)
                };
                (
                    Node {
                        span: Span { start, end },
                        value,
                    },
                    frame.anchor,
                )
            }
            Event::Scalar(text_value, style, anchor, tag) => {
                let forced_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !forced_str {
                    core_scalar_owned(text_value)
                } else {
                    Value::Str(boxed(text_value))
                };
                let span = if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    trim_trailing_ws(text, span)
                } else {
                    span
                };
                (Node { span, value }, anchor)
            }
            Event::Alias(id) => {
                let Some(a) = anchors.get(&id) else {
                    return Err(LoadError::UnknownAnchor { span });
                };
                expanded = expanded.saturating_add(a.nodes);
                if expanded > limits.max_alias_nodes {
                    return Err(LoadError::AliasLimit {
                        limit: limits.max_alias_nodes,
                        span,
                    });
                }
                if stack.len() + a.height > limits.max_depth {
                    return Err(LoadError::TooDeep {
                        limit: limits.max_depth,
                        span,
                    });
                }
                let mut node = a.node.clone();
                node.span = span;
                (node, 0)
            }
        };
        if anchor != 0 {
            let (nodes, height) = count_nodes(&node);
            anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    nodes,
                    height,
                },
            );
        }
        // Attach the finished node to its parent.
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return Err(LoadError::MultipleDocuments { span: node.span });
                }
                root = Some(node);
            }
            Some(Frame {
                kind: FrameKind::Seq(_),
                ..
            }) => items.push(node),
            Some(Frame {
                kind: FrameKind::Map(from, pending, hashes),
                ..
            }) => match pending.take() {
                None => {
                    let key_span = node.span;
                    let Some(key) = key_text(node.value) else {
                        return Err(LoadError::ComplexKey { span: key_span });
                    };
                    let siblings = &entries[*from..];
                    if hashes.is_none() && siblings.len() >= KEY_SCAN {
                        *hashes = Some(Box::new(
                            siblings.iter().map(|e| key_hash(&e.key)).collect(),
                        ));
                    }
                    // With hashes, the scan runs only on a hash match (a
                    // duplicate, or a collision): linear overall.
                    let maybe = hashes.as_mut().is_none_or(|h| !h.insert(key_hash(&key)));
                    if maybe && let Some(first) = siblings.iter().find(|e| e.key == key) {
                        return Err(LoadError::DuplicateKey {
                            key,
                            span: key_span,
                            first: first.key_span,
                        });
                    }
                    *pending = Some((key, key_span));
                }
                Some((key, key_span)) => entries.push(Entry {
                    key,
                    key_span,
                    node,
                    field: Entry::UNCHECKED,
                }),
            },
        }
    }
    match root {
        None
        | Some(Node {
            value: Value::Null, ..
        }) => Err(LoadError::Empty),
        Some(node) => Ok(node),
    }
}

/// A block collection's start event may cover an anchor and the spaces after
/// it (`&a\n  `); the collection itself starts after them.
fn collection_start(text: &str, start: Span) -> u32 {
    let s = text.get(start.range()).unwrap_or("");
    if s.starts_with('&') || s.starts_with('!') {
        let trimmed = s.trim_end();
        let skipped = s.len() - trimmed.len();
        if skipped > 0 {
            return start.end;
        }
    }
    start.start
}

fn trim_trailing_ws(text: &str, span: Span) -> Span {
    let s = text.get(span.range()).unwrap_or("");
    let trimmed = s.trim_end();
    Span::new(span.start as usize, span.start as usize + trimmed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, LoadError> {
        parse(text, &Limits::default())
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    #[test]
    fn offsets_match_a_dense_table() {
        let texts = [
            "",
            "ascii only",
            "名称: 苏州",
            "a: é😀b\n  - 一二三 x",
            &format!("{}é{}😀", "x".repeat(40), "名".repeat(20)),
            // Runs of one width, broken by a change of width or by ASCII.
            "éé名名名😀😀é名a名名\né",
            &"苏州某热电 x ".repeat(30),
            &"😀a名é".repeat(25),
            &"ab名cdefé名名gh😀ij".repeat(9),
        ];
        for t in texts {
            let mut dense: Vec<usize> = t.char_indices().map(|(b, _)| b).collect();
            dense.push(t.len());
            let o = Offsets::new(t);
            let n = dense.len() + 3;
            // In order, backwards and scattered (the lookup keeps a hint).
            let order: Vec<usize> = (0..n)
                .chain((0..n).rev())
                .chain((0..n).map(|i| i * 7 % n))
                .collect();
            for c in order {
                let want = dense.get(c).copied().unwrap_or(t.len());
                assert_eq!(o.byte(c), want, "{t:?} char {c}");
            }
            // Forward jumps of every size, so the cursor takes word steps
            // over every mix of one- to four-byte characters.
            for step in 1..40 {
                let o = Offsets::new(t);
                for c in (0..n).step_by(step) {
                    let want = dense.get(c).copied().unwrap_or(t.len());
                    assert_eq!(o.byte(c), want, "{t:?} char {c} step {step}");
                }
            }
        }
    }

    #[test]
    fn core_schema_scalars() {
        assert_eq!(core_scalar(""), Value::Null);
        assert_eq!(core_scalar("~"), Value::Null);
        assert_eq!(core_scalar("null"), Value::Null);
        assert_eq!(core_scalar("True"), Value::Bool(true));
        assert_eq!(core_scalar("FALSE"), Value::Bool(false));
        assert_eq!(core_scalar("yes"), Value::Str("yes".into()));
        assert_eq!(core_scalar("off"), Value::Str("off".into()));
        assert_eq!(core_scalar("42"), Value::Int(42));
        assert_eq!(core_scalar("-7"), Value::Int(-7));
        assert_eq!(core_scalar("0x1F"), Value::Int(31));
        assert_eq!(core_scalar("0o17"), Value::Int(15));
        assert_eq!(core_scalar("1.5"), Value::Float(1.5));
        assert_eq!(core_scalar("1e3"), Value::Float(1000.0));
        assert_eq!(core_scalar(".5"), Value::Float(0.5));
        assert_eq!(core_scalar("2024-03-01"), Value::Str("2024-03-01".into()));
        assert_eq!(core_scalar("35 mg/m3"), Value::Str("35 mg/m3".into()));
        assert_eq!(core_scalar("320506"), Value::Int(320506));
        assert_eq!(core_scalar("1_000"), Value::Str("1_000".into()));
        assert!(matches!(core_scalar(".nan"), Value::Float(f) if f.is_nan()));
    }

    #[test]
    fn quoted_scalars_are_strings_and_spans_include_quotes() {
        let t = "a: \"320506\"\nb: 'true'\nc: !!str 12\n";
        let n = load(t).unwrap();
        let a = n.get("a").unwrap();
        assert_eq!(a.value, Value::Str("320506".into()));
        assert_eq!(slice(t, a.span), "\"320506\"");
        assert_eq!(n.get("b").unwrap().value, Value::Str("true".into()));
        assert_eq!(n.get("c").unwrap().value, Value::Str("12".into()));
    }

    #[test]
    fn spans_are_bytes_and_cover_collections() {
        let t = "名称: 苏州某热电\nlist:\n  - 一\n  - [二, 三]\nm: {k: 值}\n";
        let n = load(t).unwrap();
        let e = n.entry("名称").unwrap();
        assert_eq!(slice(t, e.key_span), "名称");
        assert_eq!(slice(t, e.node.span), "苏州某热电");
        let list = n.get("list").unwrap();
        assert_eq!(slice(t, list.span), "- 一\n  - [二, 三]");
        assert_eq!(slice(t, list.items()[1].span), "[二, 三]");
        assert_eq!(slice(t, n.get("m").unwrap().span), "{k: 值}");
        assert_eq!(slice(t, n.span), t.trim_end());
    }

    #[test]
    fn non_string_keys_become_text() {
        let n = load("1: a\ntrue: b\n~: c\n").unwrap();
        assert!(n.get("1").is_some());
        assert!(n.get("true").is_some());
        assert!(n.get("null").is_some());
    }

    #[test]
    fn duplicate_key_points_at_second() {
        let t = "a: 1\nb: 2\na: 3\n";
        match load(t) {
            Err(LoadError::DuplicateKey { key, span, first }) => {
                assert_eq!(key, "a");
                assert_eq!(span.start, 10);
                assert_eq!(first.start, 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn multiple_documents_point_at_second_marker() {
        let t = "a: 1\n---\nb: 2\n";
        match load(t) {
            Err(LoadError::MultipleDocuments { span }) => assert_eq!(slice(t, span), "---"),
            other => panic!("{other:?}"),
        }
        assert!(load("---\na: 1\n").is_ok());
    }

    #[test]
    fn empty_inputs() {
        for t in ["", "# only a comment\n", "---\n", "~\n"] {
            assert_eq!(load(t), Err(LoadError::Empty), "{t:?}");
        }
    }

    #[test]
    fn aliases_expand_within_the_cap() {
        let n = load("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(n.get("b").unwrap().items().len(), 2);
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n\
                    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        assert!(matches!(load(bomb), Err(LoadError::AliasLimit { .. })));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            load(&flow),
            Err(LoadError::TooDeep { limit: 64, .. })
        ));
        let block = format!("{}x\n", "- ".repeat(10_000));
        assert!(matches!(
            load(&block),
            Err(LoadError::TooDeep { limit: 64, .. })
        ));
        let ok = format!("{}x\n", "- ".repeat(60));
        assert!(load(&ok).is_ok());
    }

    #[test]
    fn syntax_errors_have_spans() {
        let t = "a: 1\nb: [1, 2\n";
        match load(t) {
            Err(LoadError::Syntax { span, .. }) => assert!(span.end as usize <= t.len()),
            other => panic!("{other:?}"),
        }
    }
}
