//! Document validation: one pass over the tree against `schema::permit_v1`
//! that reports **every** problem (一次性告知) and types scalars in place.
//!
//! **Invariant**: validation collects, it never stops at the first problem.
//! A value that fails its check keeps its untyped form (`Str`, `Int`, ...);
//! a value that passes is rewritten into `Value::Date`/`Qty`/`Range`/`Enum`,
//! so the evaluator never parses text. Policies must therefore tolerate
//! untyped values in a permit that has document errors.
//!
//! Every finding has element `document`, a rule id `document.<kind>`, the
//! permit path of the value (`air.outlets[0].pollutants[1].concentration`)
//! and the Chinese label of the field.

use super::model::{Entry, Node, Value};
use crate::date::Date;
use crate::finding::{Finding, Label, Severity};
use crate::schema::permit_v1::{self, ROOT};
use crate::schema::types::{CodeKind, EnumDef, Field, RecordDef, RefTarget, Ty};
use crate::span::{Source, Span};
use crate::units::{self, Dim, QuantityError, Range};
use rustc_hash::FxHashMap;

/// The current format, written by `migrate`, `import` and the docs.
pub const FORMAT: &str = "permit/v2";

/// Every format this loader reads. `permit/v1` is `permit/v2` without the
/// fields marked `since: 2` in the schema; a v1 document that uses one gets
/// a warning (the value is still read).
pub const FORMATS: &[&str] = &["permit/v1", "permit/v2"];

/// Validate `root` against the permit/v1 schema, typing scalars in place.
pub fn validate(root: &mut Node, source: &Source) -> Vec<Finding> {
    let mut v = Validator {
        source,
        findings: Vec::new(),
        ids: FxHashMap::default(),
        refs: Vec::with_capacity(64),
        ref_ids: String::with_capacity(512),
        ref_paths: Vec::with_capacity(256),
        unknown_pollutants: Default::default(),
        respelled: Default::default(),
        version: 2,
    };
    if !matches!(root.value, Value::Map(_)) {
        v.push(
            "document.wrong-type",
            Severity::Error,
            root.span,
            "",
            ROOT.zh,
            format!("a permit document is a mapping, found {}", root.kind_name()),
            Some("start from the reference permit in `docs/permit-format.md`".into()),
        );
        return v.findings;
    }
    v.version = match root.get("format").map(|f| &f.value) {
        Some(Value::Str(s)) if s == "permit/v1" => 1,
        _ => 2,
    };
    v.record(root, &ROOT, None, &Path::Root, &Path::Root);
    v.check_references();
    v.cross_field_rules(root);
    inherit_standards(root);
    v.findings
}

struct Validator<'a> {
    source: &'a Source,
    findings: Vec<Finding>,
    /// Ids seen per list (schema path without indices): id → span.
    ids: FxHashMap<&'static str, Vec<(String, Span)>>,
    /// References to check once every id is known.
    refs: Vec<PendingRef>,
    /// The ids of `refs`, end to end (a reference holds its range).
    ref_ids: String,
    /// The paths of `refs` as segments, end to end: rendered only for a
    /// reference that dangles.
    ref_paths: Vec<Seg>,
    /// Pollutant names already reported unknown (one warning per spelling).
    unknown_pollutants: rustc_hash::FxHashSet<String>,
    /// Standard spellings already reported rewritten (one notice per spelling).
    respelled: rustc_hash::FxHashSet<String>,
    /// The document's format version (`1` or `2`).
    version: u8,
}

struct PendingRef {
    target: &'static RefTarget,
    id: std::ops::Range<usize>,
    span: Span,
    path: std::ops::Range<usize>,
    zh: &'static str,
}

/// One segment of a stored [`Path`].
#[derive(Clone, Copy)]
enum Seg {
    Field(&'static str),
    Index(usize),
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// A permit path under construction, as a linked list of segments on the
/// stack: rendered to text only when a finding needs it, so a clean permit
/// validates without building a string per field and list item.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'static str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The text `air.outlets[0].height` (same rules as [`join`]).
    fn render(&self) -> String {
        let mut segs = Vec::new();
        self.segments(&mut segs);
        Path::render_segments(&segs)
    }

    /// Append the segments of this path to `out`, root first.
    fn segments(&self, out: &mut Vec<Seg>) {
        match self {
            Path::Root => {}
            Path::Field(parent, key) => {
                parent.segments(out);
                out.push(Seg::Field(key));
            }
            Path::Index(parent, i) => {
                parent.segments(out);
                out.push(Seg::Index(*i));
            }
        }
    }

    /// Render segments as a path: fields joined by `.`, indices as `[i]`.
    fn render_segments(segs: &[Seg]) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for s in segs {
            match s {
                Seg::Field(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    /// `self.render() == text`, without rendering. Exact for paths whose
    /// field names are non-empty (schema paths are).
    fn is(&self, text: &str) -> bool {
        match self {
            Path::Root => text.is_empty(),
            Path::Field(parent, key) => match text.strip_suffix(key) {
                None => false,
                Some(rest) if matches!(parent, Path::Root) => rest.is_empty(),
                Some(rest) => rest.strip_suffix('.').is_some_and(|r| parent.is(r)),
            },
            Path::Index(parent, i) => text
                .strip_suffix(']')
                .and_then(|t| t.rsplit_once('['))
                .is_some_and(|(p, n)| n == i.to_string() && parent.is(p)),
        }
    }
}

fn closest<'b>(word: &str, candidates: impl IntoIterator<Item = &'b str>) -> Option<&'b str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, f64, &'b str)> = None;
    for c in candidates {
        let cl = c.to_lowercase();
        let d = strsim::levenshtein(&lower, &cl);
        if d > 2.max(c.chars().count() / 3) {
            continue;
        }
        // Ties go to the candidate sharing the longer prefix (`FA002` → `FA001`).
        let jw = strsim::jaro_winkler(&lower, &cl);
        if best.is_none_or(|(bd, bj, _)| d < bd || (d == bd && jw > bj)) {
            best = Some((d, jw, c));
        }
    }
    best.map(|(_, _, c)| c)
}

/// Human name of the values a type accepts, for "expected ..." messages.
pub fn expected(ty: &Ty) -> String {
    match ty {
        Ty::Str => "a string".into(),
        Ty::Pollutant(_) => "a pollutant name or code".into(),
        Ty::Standard => "a standard number such as `GB 13223-2011`".into(),
        Ty::Bool => "`true` or `false`".into(),
        Ty::Num => "a number".into(),
        Ty::Date => "a date `YYYY-MM-DD`".into(),
        Ty::Qty(dims) => format!("{} such as `{}`", dims_name(dims), dims[0].example()),
        Ty::Range => "a range such as `6-9`".into(),
        Ty::Enum(e) => format!("one of {}", enum_list(e)),
        Ty::Code(_) => "a code (string)".into(),
        Ty::Ref(_) => "an id".into(),
        Ty::List(_) => "a list".into(),
        Ty::Record(_) => "a mapping".into(),
        Ty::Any => "a quantity or a range".into(),
    }
}

/// `an air concentration`, `a power, mass rate, volume flow or annual quantity`.
fn dims_name(dims: &[Dim]) -> String {
    let names: Vec<&str> = dims.iter().map(|d| d.name()).collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    };
    format!("{} {list}", article(&list))
}

fn enum_list(e: &EnumDef) -> String {
    let v: Vec<String> = e.values.iter().map(|v| format!("`{}`", v.name)).collect();
    v.join(", ")
}

impl<'a> Validator<'a> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &str,
        severity: Severity,
        span: Span,
        path: &str,
        field_zh: &str,
        message: String,
        help: Option<String>,
    ) {
        let f = Finding {
            rule: rule.to_string(),
            severity,
            message,
            help,
            primary: Some(span),
            path: path.to_string(),
            field_zh: field_zh.to_string(),
            ..self.finding_stub()
        };
        self.findings.push(f);
    }

    fn error(
        &mut self,
        rule: &str,
        span: Span,
        path: &str,
        zh: &str,
        message: String,
        help: Option<String>,
    ) {
        self.push(rule, Severity::Error, span, path, zh, message, help);
    }

    /// Source text of a scalar (so `region: 007` keeps its leading zeros).
    fn text_of(&self, node: &Node) -> String {
        self.src(node).to_string()
    }

    /// [`Self::text_of`], borrowed.
    fn src(&self, node: &Node) -> &'a str {
        self.source.text.get(node.span.range()).unwrap_or("")
    }

    fn record(
        &mut self,
        node: &mut Node,
        def: &'static RecordDef,
        key_span: Option<Span>,
        path: &Path<'_>,
        schema_path: &Path<'_>,
    ) {
        let map_span = node.span;
        let Value::Map(entries) = &mut node.value else {
            return;
        };
        // Each key's field index (for the evaluator); unknown keys are
        // warnings, not descended into.
        // Keys mostly come in the schema's order: look from just after the
        // previous key's field first, then from the start.
        let mut next = 0;
        for e in entries.iter_mut() {
            let from = next.min(def.fields.len());
            let index = def.fields[from..]
                .iter()
                .position(|f| f.name == e.key)
                .map(|i| from + i)
                .or_else(|| def.fields[..from].iter().position(|f| f.name == e.key));
            next = index.map_or(next, |i| i + 1);
            e.field = index.map_or(Entry::UNKNOWN, |i| i as u16);
            if index.is_none() {
                let names = def.fields.iter().map(|f| f.name);
                let help = match closest(&e.key, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => {
                        let all: Vec<&str> = def.fields.iter().map(|f| f.name).collect();
                        format!("known keys: {}", all.join(", "))
                    }
                };
                let path = path.render();
                let where_ = if path.is_empty() {
                    "the document".to_string()
                } else {
                    format!("`{path}`")
                };
                self.push(
                    "document.unknown-key",
                    Severity::Warning,
                    e.key_span,
                    &join(&path, &e.key),
                    "",
                    format!("unknown key `{}` in {where_}", e.key),
                    Some(help),
                );
            }
        }
        for (index, field) in def.fields.iter().enumerate() {
            let fpath = Path::Field(path, field.name);
            let fschema = Path::Field(schema_path, field.name);
            let entry = entries.iter_mut().find(|e| usize::from(e.field) == index);
            let absent = match &entry {
                None => true,
                Some(e) => matches!(e.node.value, Value::Null) && !field.nullable,
            };
            if absent {
                if field.required {
                    let path = path.render();
                    let where_ = if path.is_empty() {
                        "the document".to_string()
                    } else {
                        format!("`{path}`")
                    };
                    // `format` is checked before validation (`permit::format_gate`).
                    let (rule, help) = (
                        "document.missing-field",
                        Some(format!("add `{}:` ({})", field.name, field.en)),
                    );
                    let (span, verb) = match &entry {
                        Some(e) => (e.key_span, "has no value"),
                        None => (key_span.unwrap_or(map_span), "is missing"),
                    };
                    let message = if verb == "is missing" {
                        format!(
                            "missing required field `{}` ({}) in {where_}",
                            field.name, field.zh
                        )
                    } else {
                        format!(
                            "required field `{}` ({}) in {where_} has no value",
                            field.name, field.zh
                        )
                    };
                    self.error(rule, span, &fpath.render(), field.zh, message, help);
                }
                continue;
            }
            let Some(entry) = entry else { continue };
            if matches!(entry.node.value, Value::Null) {
                continue; // nullable and null
            }
            if field.since > self.version {
                let key_span = entry.key_span;
                self.push(
                    "document.format-version",
                    Severity::Warning,
                    key_span,
                    &fpath.render(),
                    field.zh,
                    format!(
                        "`{}` ({}) is a field of `permit/v{}`; this document says `format: permit/v{}`",
                        field.name, field.zh, field.since, self.version
                    ),
                    Some(format!(
                        "write `format: permit/v{}` (`permitlint migrate` rewrites the file); the value is read either way",
                        field.since
                    )),
                );
            }
            let key_span = entry.key_span;
            self.value(
                &mut entry.node,
                field,
                &field.ty,
                def,
                Some(key_span),
                &fpath,
                &fschema,
            );
        }
        // Ids of list items.
        if let Some(id) = entries.iter().find(|e| &*e.key == "id") {
            let text = match &id.node.value {
                Value::Str(s) => Some(&**s),
                Value::Int(_) | Value::Float(_) => Some(self.src(&id.node)),
                _ => None,
            };
            if let (Some(text), Some(list)) = (text, list_path(schema_path)) {
                let seen = self.ids.entry(list).or_default();
                if let Some((_, first)) = seen.iter().find(|(s, _)| *s == text) {
                    let first = *first;
                    let span = id.node.span;
                    let mut f = Finding {
                        labels: vec![Label {
                            span: first,
                            text: "first used here".into(),
                        }],
                        ..self.finding_stub()
                    };
                    f.rule = "document.duplicate-id".into();
                    f.message = format!("duplicate id `{text}` in `{list}`");
                    f.help = Some("every item of a list has its own id".into());
                    f.primary = Some(span);
                    f.path = Path::Field(path, "id").render();
                    f.field_zh = "编号".into();
                    self.findings.push(f);
                } else {
                    seen.push((text.to_string(), id.node.span));
                }
            }
        }
    }

    fn finding_stub(&self) -> Finding {
        Finding {
            rule: String::new(),
            severity: Severity::Error,
            element: "document".into(),
            department: String::new(),
            message: String::new(),
            basis: None,
            help: None,
            file: self.source.clone(),
            primary: None,
            labels: Vec::new(),
            path: String::new(),
            field_zh: String::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn value(
        &mut self,
        node: &mut Node,
        field: &'static Field,
        ty: &'static Ty,
        parent: &'static RecordDef,
        key_span: Option<Span>,
        path: &Path<'_>,
        schema_path: &Path<'_>,
    ) {
        let zh = field.zh;
        let wrong = |v: &mut Self, node: &Node| {
            v.error(
                "document.wrong-type",
                node.span,
                &path.render(),
                zh,
                format!(
                    "`{}` ({}) must be {}, found {}",
                    field.name,
                    zh,
                    expected(ty),
                    node.kind_name()
                ),
                None,
            );
        };
        match ty {
            Ty::Str => match &node.value {
                Value::Str(_) => {}
                Value::Int(_) | Value::Float(_) => node.value = Value::Str(self.text_of(node)),
                _ => wrong(self, node),
            },
            Ty::Pollutant(medium) => {
                if let Value::Int(_) | Value::Float(_) = node.value {
                    node.value = Value::Str(self.text_of(node));
                }
                let Value::Str(text) = &node.value else {
                    return wrong(self, node);
                };
                use crate::catalogue::pollutants::{Resolved, catalogue};
                match catalogue().resolve(text, *medium) {
                    Resolved::Code(_) => {}
                    Resolved::Alias(p) => node.value = Value::Str(p.code.to_string()),
                    Resolved::Unknown { suggestion } => {
                        let written = text.clone();
                        if !self.unknown_pollutants.insert(written.clone()) {
                            return;
                        }
                        let help = match suggestion {
                            Some(p) => format!("did you mean `{}` ({})?", p.name_zh, p.code),
                            None => "see `permitlint pollutants` for the catalogue; a pollutant \
                                     it lacks is reviewed by hand"
                                .to_string(),
                        };
                        let medium = medium.map_or("", |m| m.zh());
                        self.push(
                            "document.unknown-pollutant",
                            Severity::Warning,
                            node.span,
                            &path.render(),
                            zh,
                            format!(
                                "`{written}` is not in the {medium}pollutant catalogue: no rule checks its limits"
                            ),
                            Some(help),
                        );
                    }
                }
            }
            Ty::Standard => {
                let Value::Str(text) = &node.value else {
                    return wrong(self, node);
                };
                let Some(std) = crate::catalogue::standards::canonical(text) else {
                    return;
                };
                let canonical = std.canonical();
                if canonical != *text {
                    let written = std::mem::replace(&mut node.value, Value::Str(canonical.clone()));
                    let Value::Str(written) = written else { return };
                    if self.respelled.insert(written.clone()) {
                        self.push(
                            "document.standard-spelling",
                            Severity::Notice,
                            node.span,
                            &path.render(),
                            zh,
                            format!("standard `{}` read as `{canonical}`", written.trim()),
                            Some(format!("write `{canonical}`")),
                        );
                    }
                }
            }
            Ty::Bool => {
                if !matches!(node.value, Value::Bool(_)) {
                    let help = match node.as_str() {
                        Some("yes" | "on" | "是") => Some("write `true`".to_string()),
                        Some("no" | "off" | "否") => Some("write `false`".to_string()),
                        _ => None,
                    };
                    self.error(
                        "document.wrong-type",
                        node.span,
                        &path.render(),
                        zh,
                        format!(
                            "`{}` ({}) must be `true` or `false`, found {}",
                            field.name,
                            zh,
                            node.kind_name()
                        ),
                        help,
                    );
                }
            }
            Ty::Num => match node.value {
                Value::Int(_) => {}
                Value::Float(f) if f.is_finite() => {}
                // `.inf`, `.nan`, `1e400`: no comparison could decide on them.
                Value::Float(_) => self.error(
                    "document.wrong-type",
                    node.span,
                    &path.render(),
                    zh,
                    format!(
                        "`{}` is not a finite number: `{}` ({zh}) must be {}",
                        self.src(node),
                        field.name,
                        expected(ty)
                    ),
                    None,
                ),
                _ => wrong(self, node),
            },
            Ty::Date => match &node.value {
                Value::Str(s) => match Date::parse(s) {
                    Some(d) => node.value = Value::Date(d),
                    None => {
                        let m = format!("`{s}` is not a valid date for `{}` ({zh})", field.name);
                        self.error(
                            "document.date",
                            node.span,
                            &path.render(),
                            zh,
                            m,
                            Some("write dates as `YYYY-MM-DD`, e.g. `2024-03-01`".into()),
                        );
                    }
                },
                _ => {
                    let m = format!(
                        "`{}` ({zh}) must be a date `YYYY-MM-DD`, found {}",
                        field.name,
                        node.kind_name()
                    );
                    self.error(
                        "document.date",
                        node.span,
                        &path.render(),
                        zh,
                        m,
                        Some("write dates as `YYYY-MM-DD`, e.g. `2024-03-01`".into()),
                    );
                }
            },
            Ty::Qty(dims) => self.quantity(node, field, dims, path),
            Ty::Range => {
                let text = match &node.value {
                    Value::Str(s) => s,
                    _ => "",
                };
                match Range::parse(text).filter(|r| r.lo.is_finite() && r.hi.is_finite()) {
                    Some(r) => node.value = Value::Range(r),
                    None => {
                        let shown = self.text_of(node);
                        self.error(
                            "document.wrong-type",
                            node.span,
                            &path.render(),
                            zh,
                            format!("`{shown}` is not a range for `{}` ({zh})", field.name),
                            Some("write a range as `low-high`, e.g. `6-9`".into()),
                        );
                    }
                }
            }
            Ty::Enum(e) => {
                let text = match &node.value {
                    Value::Str(s) => Some(&**s),
                    Value::Bool(_) | Value::Int(_) | Value::Float(_) => Some(self.src(node)),
                    _ => None,
                };
                match text.and_then(|t| e.index(t)) {
                    Some(i) => node.value = Value::Enum(i),
                    None => {
                        let shown = text.unwrap_or_else(|| node.kind_name()).to_string();
                        let help = match closest(&shown, e.values.iter().map(|v| v.name)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("expected one of {}", enum_list(e)),
                        };
                        self.error(
                            "document.enum",
                            node.span,
                            &path.render(),
                            zh,
                            format!("`{shown}` is not a valid `{}` ({zh})", field.name),
                            Some(help),
                        );
                    }
                }
            }
            Ty::Code(kind) => {
                if let Value::Int(_) = node.value {
                    node.value = Value::Str(self.src(node).into());
                }
                let Value::Str(text) = &node.value else {
                    return wrong(self, node);
                };
                if let Err((rule, message, help)) = check_code(*kind, text, parent) {
                    self.error(rule, node.span, &path.render(), zh, message, help);
                }
            }
            Ty::Ref(target) => {
                if let Value::Int(_) = node.value {
                    node.value = Value::Str(self.src(node).into());
                }
                let Value::Str(text) = &node.value else {
                    return wrong(self, node);
                };
                let id = self.ref_ids.len()..self.ref_ids.len() + text.len();
                self.ref_ids.push_str(text);
                let from = self.ref_paths.len();
                path.segments(&mut self.ref_paths);
                self.refs.push(PendingRef {
                    target,
                    id,
                    span: node.span,
                    path: from..self.ref_paths.len(),
                    zh,
                });
            }
            Ty::List(inner) => {
                let Value::Seq(items) = &mut node.value else {
                    return wrong(self, node);
                };
                for (i, item) in items.iter_mut().enumerate() {
                    let ipath = Path::Index(path, i);
                    if matches!(item.value, Value::Null) {
                        self.error(
                            "document.wrong-type",
                            item.span,
                            &ipath.render(),
                            zh,
                            format!("empty item in `{}` ({zh})", field.name),
                            None,
                        );
                        continue;
                    }
                    self.value(item, field, inner, parent, None, &ipath, schema_path);
                }
            }
            Ty::Record(def) => {
                if !matches!(node.value, Value::Map(_)) {
                    return wrong(self, node);
                }
                self.record(node, def, key_span, path, schema_path);
            }
            Ty::Any => {}
        }
    }

    fn quantity(&mut self, node: &mut Node, field: &'static Field, dims: &[Dim], path: &Path<'_>) {
        let zh = field.zh;
        // Only needed for a message: built lazily.
        let want = || format!("{} such as `{}`", dims_name(dims), dims[0].example());
        let text = match &node.value {
            Value::Str(s) => &**s,
            Value::Int(_) | Value::Float(_) => {
                let want = want();
                let t = self.text_of(node);
                self.error(
                    "document.unit",
                    node.span,
                    &path.render(),
                    zh,
                    format!("`{t}` has no unit: `{}` ({zh}) must be {want}", field.name),
                    Some(format!(
                        "write the unit, e.g. `{} {}`",
                        t,
                        dims[0].units().next().map_or("", |u| u.symbol)
                    )),
                );
                return;
            }
            _ => {
                let want = want();
                let m = format!(
                    "`{}` ({zh}) must be {want}, found {}",
                    field.name,
                    node.kind_name()
                );
                self.error(
                    "document.wrong-type",
                    node.span,
                    &path.render(),
                    zh,
                    m,
                    None,
                );
                return;
            }
        };
        let parsed = units::parse_quantity(text);
        if let Ok(q) = parsed
            && dims.contains(&q.dim())
        {
            // No permitted quantity is negative; `-0` is refused too, as a
            // sign the value was not meant.
            if q.value.is_sign_negative() {
                self.error(
                    "document.wrong-type",
                    node.span,
                    &path.render(),
                    zh,
                    format!(
                        "`{text}` is negative: `{}` ({zh}) must be zero or more",
                        field.name
                    ),
                    None,
                );
                return;
            }
            node.value = Value::Qty(q);
            return;
        }
        let want = want();
        match parsed {
            Ok(q) => {
                let help = same_shape_unit(q.unit.symbol, dims).map_or_else(
                    || format!("expected {want}"),
                    |s| format!("did you mean `{}`?", s),
                );
                self.error(
                    "document.unit",
                    node.span,
                    &path.render(),
                    zh,
                    format!(
                        "`{text}` is {} {}, but `{}` ({zh}) must be {want}",
                        article(q.dim().name()),
                        q.dim().name(),
                        field.name
                    ),
                    Some(help),
                );
            }
            Err(QuantityError::MissingUnit) => self.error(
                "document.unit",
                node.span,
                &path.render(),
                zh,
                format!(
                    "`{text}` has no unit: `{}` ({zh}) must be {want}",
                    field.name
                ),
                Some(format!("write the unit, e.g. `{}`", dims[0].example())),
            ),
            Err(QuantityError::UnknownUnit { unit, suggestion }) => self.error(
                "document.unit",
                node.span,
                &path.render(),
                zh,
                format!("unknown unit `{unit}` in `{}` ({zh})", field.name),
                Some(
                    suggestion
                        .filter(|s| units::unit(s).is_some_and(|u| dims.contains(&u.dim)))
                        .map_or_else(
                            || format!("expected {want}"),
                            |s| format!("did you mean `{s}`?"),
                        ),
                ),
            ),
            Err(QuantityError::BadNumber) => self.error(
                "document.wrong-type",
                node.span,
                &path.render(),
                zh,
                format!(
                    "`{text}` is not a quantity: `{}` ({zh}) must be {want}",
                    field.name
                ),
                None,
            ),
        }
    }

    fn check_references(&mut self) {
        let refs = std::mem::take(&mut self.refs);
        let ref_ids = std::mem::take(&mut self.ref_ids);
        for r in refs {
            let id = ref_ids.get(r.id.clone()).unwrap_or("");
            let found = std::iter::once(r.target.path)
                .chain(r.target.also.iter().copied())
                .any(|l| {
                    self.ids
                        .get(l)
                        .is_some_and(|ids| ids.iter().any(|(s, _)| s == id))
                });
            if found {
                continue;
            }
            let lists: Vec<&str> = std::iter::once(r.target.path)
                .chain(r.target.also.iter().copied())
                .collect();
            let candidates: Vec<&str> = lists
                .iter()
                .filter_map(|l| self.ids.get(l))
                .flat_map(|ids| ids.iter().map(|(s, _)| s.as_str()))
                .collect();
            let help = match closest(id, candidates.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if candidates.is_empty() => format!("`{}` has no items", lists.join("` or `")),
                None => format!("known ids: {}", candidates.join(", ")),
            };
            let message = format!("`{id}` names no item of `{}`", lists.join("` or `"));
            let path = Path::render_segments(self.ref_paths.get(r.path).unwrap_or(&[]));
            self.error(
                "document.dangling-reference",
                r.span,
                &path,
                r.zh,
                message,
                Some(help),
            );
        }
    }

    fn cross_field_rules(&mut self, root: &Node) {
        // Validity period.
        if let Some(p) = root.get("permit") {
            if let (Some(from), Some(until)) = (p.get("valid_from"), p.get("valid_until"))
                && let (Value::Date(a), Value::Date(b)) = (&from.value, &until.value)
                && b <= a
            {
                let mut f = self.finding_stub();
                f.rule = "document.validity".into();
                f.message =
                    format!("the permit is valid until `{b}`, not after it is valid from `{a}`");
                f.help = Some("the validity period (有效期) ends after it starts".into());
                f.primary = Some(until.span);
                f.labels = vec![Label {
                    span: from.span,
                    text: "valid from".into(),
                }];
                f.path = "permit.valid_until".into();
                f.field_zh = "有效期止".into();
                self.findings.push(f);
            }
            // Permit number against the unit's credit code.
            let code = root.get("unit").and_then(|u| u.get("credit_code"));
            if let (Some(num), Some(code)) = (p.get("number"), code)
                && let (Some(n), Some(c)) = (num.as_str(), code.as_str())
                && n.len() == 22
                && n.is_char_boundary(18)
                && c.len() == 18
                && n[..18] != *c
            {
                let mut f = self.finding_stub();
                f.rule = "document.permit-number".into();
                f.message =
                    format!("permit number `{n}` does not start with the unit's credit code `{c}`");
                f.help = Some(
                    "a permit number is the unit's credit code, a 3-digit serial and a letter"
                        .into(),
                );
                f.primary = Some(num.span);
                f.labels = vec![Label {
                    span: code.span,
                    text: "credit code".into(),
                }];
                f.path = "permit.number".into();
                f.field_zh = "许可证编号".into();
                self.findings.push(f);
            }
        }
        // Air limit rows: at least one limit. A row that names a pollutant
        // and limits nothing would otherwise pass every rule unread.
        const LIMITS: &[&str] = &[
            "concentration",
            "daily",
            "rate",
            "annual",
            "annual_years",
            "committed",
            "limit",
        ];
        for (i, j, p) in limit_rows(root, "air") {
            if LIMITS.iter().any(|k| p.get(k).is_some()) {
                continue;
            }
            let ppath = format!("air.outlets[{i}].pollutants[{j}]");
            self.error(
                "document.missing-field",
                p.span,
                &format!("{ppath}.concentration"),
                "许可排放浓度限值",
                format!("`{ppath}` states no limit (许可排放浓度限值, 日均浓度限值, 速率限值, 年排放量限值 or another limit)"),
                Some("give at least `concentration`, e.g. `50 mg/m3`".into()),
            );
        }
        // Water outlets: a receiving class when the discharge is direct.
        if let Some(outlets) = root.get("water").and_then(|w| w.get("outlets")) {
            let direct = permit_v1::DISCHARGE.index("direct");
            for (i, o) in outlets.items().iter().enumerate() {
                // Paths are built only for a finding.
                let path = || format!("water.outlets[{i}]");
                let is_direct = matches!(o.get("discharge").map(|d| &d.value), Some(Value::Enum(x)) if Some(*x) == direct);
                if is_direct {
                    let class = o.entry("receiving_class");
                    if class.is_none_or(|e| matches!(e.node.value, Value::Null)) {
                        let span = class.map_or(o.span, |e| e.key_span);
                        let path = path();
                        self.error(
                            "document.receiving-class",
                            span,
                            &format!("{path}.receiving_class"),
                            "地表水环境功能区类别",
                            format!("outlet `{path}` discharges directly but has no `receiving_class` (地表水环境功能区类别)"),
                            Some("give the GB 3838-2002 class of the receiving water, `I`..`V`".into()),
                        );
                    }
                }
            }
        }
        // Water limit rows: a concentration or a range, not both.
        for (i, j, p) in limit_rows(root, "water") {
            let ppath = || format!("water.outlets[{i}].pollutants[{j}]");
            match (p.get("concentration"), p.get("range")) {
                (None, None) => {
                    let ppath = ppath();
                    self.error(
                    "document.missing-field",
                    p.span,
                    &format!("{ppath}.concentration"),
                    "许可排放浓度",
                    format!("missing `concentration` (许可排放浓度) or `range` (许可排放范围) in `{ppath}`"),
                    Some("give `concentration`, e.g. `50 mg/L`, or for pH a `range`, e.g. `6-9`".into()),
                )
                }
                (Some(c), Some(_)) => {
                    let ppath = ppath();
                    self.error(
                        "document.conflicting-fields",
                        c.span,
                        &format!("{ppath}.concentration"),
                        "许可排放浓度",
                        format!("`{ppath}` has both `concentration` and `range`"),
                        Some("keep one of them".into()),
                    )
                }
                _ => {}
            }
        }
    }
}

/// Every limit row (a mapping) of the medium's outlets: (outlet index, row
/// index, row).
fn limit_rows<'n>(root: &'n Node, medium: &str) -> impl Iterator<Item = (usize, usize, &'n Node)> {
    let outlets = root.get(medium).and_then(|m| m.get("outlets"));
    outlets
        .map_or(&[][..], |o| o.items())
        .iter()
        .enumerate()
        .flat_map(|(i, o)| {
            o.get("pollutants")
                .map_or(&[][..], |p| p.items())
                .iter()
                .enumerate()
                .filter(|(_, p)| matches!(p.value, Value::Map(_)))
                .map(move |(j, p)| (i, j, p))
        })
}

/// A limit row without its own `standard` takes its outlet's: the loader
/// writes the outlet's standard into the row (same span, so a finding on it
/// points at the outlet's `standard`), and policies read `p.standard`
/// knowing it is stated. A row that sets its own keeps it.
fn inherit_standards(root: &mut Node) {
    for (medium, record) in [
        ("air", &permit_v1::AIR_POLLUTANT),
        ("water", &permit_v1::WATER_POLLUTANT),
    ] {
        let Some(index) = record.fields.iter().position(|f| f.name == "standard") else {
            continue;
        };
        let Some(Value::Map(section)) = root_entry_mut(root, medium).map(|n| &mut n.value) else {
            continue;
        };
        let Some(outlets) = section.iter_mut().find(|e| e.key == "outlets") else {
            continue;
        };
        let Value::Seq(outlets) = &mut outlets.node.value else {
            continue;
        };
        for o in outlets {
            let Value::Map(entries) = &mut o.value else {
                continue;
            };
            let Some(std) = entries
                .iter()
                .find(|e| e.key == "standard" && matches!(e.node.value, Value::Str(_)))
                .map(|e| (e.key_span, e.node.clone()))
            else {
                continue;
            };
            let Some(rows) = entries.iter_mut().find(|e| e.key == "pollutants") else {
                continue;
            };
            let Value::Seq(rows) = &mut rows.node.value else {
                continue;
            };
            for row in rows {
                let Value::Map(fields) = &mut row.value else {
                    continue;
                };
                if fields
                    .iter()
                    .any(|e| e.key == "standard" && !matches!(e.node.value, Value::Null))
                {
                    continue;
                }
                fields.retain(|e| e.key != "standard");
                fields.push(Entry {
                    key: "standard".into(),
                    key_span: std.0,
                    node: std.1.clone(),
                    field: index as u16,
                });
            }
        }
    }
}

fn root_entry_mut<'n>(root: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    match &mut root.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.node),
        _ => None,
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A unit of the wanted dimensions that differs from `symbol` only in the
/// volume part (`mg/L` → `mg/m3`), for did-you-mean help.
fn same_shape_unit(symbol: &str, dims: &[Dim]) -> Option<&'static str> {
    let head = symbol.split('/').next().unwrap_or(symbol);
    dims.iter()
        .flat_map(|d| d.units())
        .find(|u| u.symbol.split('/').next() == Some(head))
        .map(|u| u.symbol)
}

/// The list an id belongs to: the schema path of the record, if it is a list item.
fn list_path(schema_path: &Path<'_>) -> Option<&'static str> {
    const LISTS: &[&str] = &[
        "products",
        "materials",
        "facilities.production",
        "facilities.treatment",
        "eia",
        "air.outlets",
        "air.fugitive",
        "water.outlets",
        "solid_waste",
        "monitoring_points",
    ];
    LISTS.iter().copied().find(|l| schema_path.is(l))
}

/// GB 32100-2015 code alphabet (no I, O, S, V, Z).
pub const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Problems with a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    Length(usize),
    BadChar { ch: char, position: usize },
    Check { found: char, expected: char },
}

/// Check a GB 32100-2015 unified social credit code, check character included.
pub fn check_credit_code(code: &str) -> Result<(), CreditCodeError> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(CreditCodeError::Length(chars.len()));
    }
    let mut values = [0u32; 18];
    for (i, &ch) in chars.iter().enumerate() {
        match CREDIT_ALPHABET.find(ch) {
            Some(v) => values[i] = v as u32,
            None => {
                return Err(CreditCodeError::BadChar {
                    ch,
                    position: i + 1,
                });
            }
        }
    }
    let sum: u32 = CREDIT_WEIGHTS
        .iter()
        .zip(values.iter())
        .map(|(w, v)| w * v)
        .sum();
    let check = ((31 - sum % 31) % 31) as usize;
    let expected = CREDIT_ALPHABET.as_bytes()[check] as char;
    if chars[17] != expected {
        return Err(CreditCodeError::Check {
            found: chars[17],
            expected,
        });
    }
    Ok(())
}

type CodeProblem = (&'static str, String, Option<String>);

fn check_code(kind: CodeKind, text: &str, parent: &RecordDef) -> Result<(), CodeProblem> {
    match kind {
        CodeKind::CreditCode => check_credit_code(text).map_err(|e| {
            let m = match e {
                CreditCodeError::Length(n) => format!("credit code `{text}` has {n} characters, not 18"),
                CreditCodeError::BadChar { ch, position } => {
                    format!("credit code `{text}` has `{ch}` at position {position}, outside the GB 32100-2015 alphabet")
                }
                CreditCodeError::Check { found, expected } => {
                    format!("credit code `{text}` has check character `{found}`, but GB 32100-2015 gives `{expected}`")
                }
            };
            ("document.credit-code", m, Some("copy the code from the business licence (营业执照)".into()))
        }),
        CodeKind::PermitNumber => {
            let b = text.as_bytes();
            let ok = b.len() == 22
                && text.is_ascii()
                && b[18..21].iter().all(u8::is_ascii_digit)
                && &text[18..21] != "000"
                && b[21].is_ascii_uppercase();
            if ok {
                Ok(())
            } else {
                Err((
                    "document.permit-number",
                    format!("permit number `{text}` is not a credit code, a serial `001`-`999` and an uppercase letter"),
                    Some("e.g. `91320506MA1W9X8Y68001P` (HJ 608-2017 appendix A)".into()),
                ))
            }
        }
        CodeKind::RegionCode => {
            if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err((
                    "document.region-code",
                    format!("region code `{text}` is not 6 digits (GB/T 2260)"),
                    Some("e.g. `320506`; quote it so YAML keeps it a string".into()),
                ))
            }
        }
        CodeKind::IndustryCode => {
            let b = text.as_bytes();
            let ok = (3..=5).contains(&b.len())
                && b[0].is_ascii_uppercase()
                && b[1..].iter().all(u8::is_ascii_digit);
            if ok {
                Ok(())
            } else {
                Err((
                    "document.industry-code",
                    format!("industry code `{text}` is not a letter and 2-4 digits (GB/T 4754-2017)"),
                    Some("e.g. `D4412`".into()),
                ))
            }
        }
        CodeKind::OutletId => {
            let prefix = if parent.name == "water_outlet" { "DW" } else { "DA" };
            let ok = text.len() == 5
                && text.starts_with(prefix)
                && text.as_bytes()[2..].iter().all(u8::is_ascii_digit);
            if ok {
                Ok(())
            } else {
                Err((
                    "document.outlet-id",
                    format!("outlet id `{text}` is not `{prefix}` and 3 digits"),
                    Some(format!("e.g. `{prefix}001` (HJ 608-2017)")),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_check_character() {
        assert_eq!(check_credit_code("91350100M000100Y43"), Ok(()));
        assert_eq!(check_credit_code("91110000802100433B"), Ok(()));
        assert_eq!(check_credit_code("91320506MA1W9X8Y68"), Ok(()));
        assert_eq!(
            check_credit_code("91350100M000100Y44"),
            Err(CreditCodeError::Check {
                found: '4',
                expected: '3'
            })
        );
        assert_eq!(
            check_credit_code("91350100M000100Y4"),
            Err(CreditCodeError::Length(17))
        );
        assert_eq!(
            check_credit_code("91350100I000100Y43"),
            Err(CreditCodeError::BadChar {
                ch: 'I',
                position: 9
            })
        );
        assert_eq!(
            check_credit_code("91350100M000100Y4３").map_err(|_| ()),
            Err(())
        );
    }

    #[test]
    fn codes() {
        let unit = &permit_v1::UNIT;
        assert!(check_code(CodeKind::PermitNumber, "91320506MA1W9X8Y68001P", unit).is_ok());
        assert!(check_code(CodeKind::PermitNumber, "91320506MA1W9X8Y68000P", unit).is_err());
        assert!(check_code(CodeKind::PermitNumber, "91320506MA1W9X8Y6801P", unit).is_err());
        assert!(check_code(CodeKind::PermitNumber, "91320506MA1W9X8Y68001p", unit).is_err());
        assert!(check_code(CodeKind::RegionCode, "320506", unit).is_ok());
        assert!(check_code(CodeKind::RegionCode, "32050", unit).is_err());
        assert!(check_code(CodeKind::IndustryCode, "D4412", unit).is_ok());
        assert!(check_code(CodeKind::IndustryCode, "D44123", unit).is_err());
        assert!(check_code(CodeKind::OutletId, "DA001", &permit_v1::AIR_OUTLET).is_ok());
        assert!(check_code(CodeKind::OutletId, "DW001", &permit_v1::AIR_OUTLET).is_err());
        assert!(check_code(CodeKind::OutletId, "DW001", &permit_v1::WATER_OUTLET).is_ok());
    }

    #[test]
    fn lazy_paths_render_like_joined_strings() {
        let root = Path::Root;
        let air = Path::Field(&root, "air");
        let outlets = Path::Field(&air, "outlets");
        let first = Path::Index(&outlets, 0);
        let height = Path::Field(&first, "height");
        assert_eq!(root.render(), "");
        assert_eq!(air.render(), join("", "air"));
        assert_eq!(first.render(), format!("{}[0]", join("air", "outlets")));
        assert_eq!(height.render(), "air.outlets[0].height");
        // An empty key behaves as `join` does.
        let empty = Path::Field(&root, "");
        assert_eq!(Path::Field(&empty, "x").render(), join(&join("", ""), "x"));
        assert!(outlets.is("air.outlets"));
        assert!(!outlets.is("outlets"));
        assert!(!outlets.is("xair.outlets"));
        assert!(air.is("air") && !air.is("") && root.is(""));
        assert_eq!(list_path(&outlets), Some("air.outlets"));
        assert_eq!(list_path(&air), None);
        let fac = Path::Field(&root, "facilities");
        assert_eq!(
            list_path(&Path::Field(&fac, "treatment")),
            Some("facilities.treatment")
        );
    }

    #[test]
    fn unit_suggestion_keeps_the_mass_part() {
        assert_eq!(
            same_shape_unit("mg/L", &[Dim::AirConcentration]),
            Some("mg/m3")
        );
        assert_eq!(same_shape_unit("t/h", &[Dim::AnnualMass]), Some("t/a"));
    }
}
