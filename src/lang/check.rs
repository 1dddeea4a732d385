//! The static checker: policies against the permit schema.
//!
//! Walks every file and collects every error (never stops at the first):
//! unknown fields and names with did-you-mean, type and unit-dimension
//! mismatches, enum values the schema does not know, table lookups with
//! keys the table lacks, malformed headers, duplicate rule ids and empty or
//! inverted effective ranges. The output is a [`Library`] ready to evaluate.

use super::ast::*;
use super::errors::{CheckError, did_you_mean};
use super::library::{
    CompiledPolicy, ConstValue, FactInfo, Library, Name, PolicyMeta, Resolution, Stratum,
};
use super::parser::ExprCache;
use super::table::{CellValue, TableData};
use super::template::Template;
use super::types::Ty;
use crate::finding::Severity;
use crate::schema::permit_v1::ROOT;
use crate::schema::types::{self as st, EnumDef, RecordDef};
use crate::span::{Source, Span};
use crate::units::{self, Dim, Quantity};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The elements (要素) a policy may belong to.
pub const ELEMENTS: &[&str] = &[
    "procedure",
    "classification",
    "eia",
    "air",
    "water",
    "soil",
    "solid_waste",
    "monitoring",
    "online",
];

/// Documentation sections every policy must have.
pub const DOC_SECTIONS: &[&str] = &["what", "why", "violating", "conforming"];

/// Built-in functions: name, arity, description (for docs and did-you-mean).
pub const BUILTINS: &[(&str, usize, &str)] = &[
    ("exists", 1, "true when the value is present in the permit"),
    (
        "len",
        1,
        "number of characters of a text or items of a list",
    ),
    ("max", 2, "the larger of two values"),
    ("min", 2, "the smaller of two values"),
    ("add_years", 2, "the date `n` years after a date"),
    ("days", 1, "a duration of `n` days"),
    (
        "known_standard",
        1,
        "true when a standard (with its grade) is one the library's policies of the same element check",
    ),
    (
        "known_standards",
        0,
        "the standards the library's policies of the same element check, as a list of texts",
    ),
    (
        "known_row",
        2,
        "true when the library's policies of the same element check a pollutant under a standard (its tables or texts name the pollutant)",
    ),
    (
        "known_rows",
        1,
        "the pollutants the library's policies of the same element check under a standard, as a list of codes",
    ),
    (
        "prefix_row",
        2,
        "the row of a one-key table whose key is the longest prefix of a text",
    ),
];

/// Other names every policy can use.
pub const BUILTIN_NAMES: &[&str] = &["today", "facts", "findings"];

/// Every enumeration of the schema, found by walking it.
pub fn schema_enums() -> BTreeMap<&'static str, &'static EnumDef> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<&'static RecordDef> = vec![&ROOT];
    let mut seen: Vec<*const RecordDef> = Vec::new();
    while let Some(r) = stack.pop() {
        if seen.contains(&(r as *const _)) {
            continue;
        }
        seen.push(r as *const _);
        for f in r.fields {
            let mut t = &f.ty;
            while let st::Ty::List(inner) = t {
                t = inner;
            }
            match t {
                st::Ty::Enum(e) => {
                    out.insert(e.name, *e);
                    out.entry(f.name).or_insert(*e);
                }
                st::Ty::Record(rr) => stack.push(rr),
                _ => {}
            }
        }
    }
    out
}

struct Globals {
    tables: HashMap<String, Arc<TableData>>,
    /// Tables that failed to build: their names resolve to an unknown type
    /// so one broken table does not cascade into "unknown name" errors.
    broken_tables: Vec<String>,
    consts: HashMap<String, (ConstValue, Ty)>,
    facts: BTreeMap<String, FactInfo>,
    /// Template expressions parsed so far, shared by the policies.
    exprs: ExprCache,
}

/// Check a library's files. Their policies are moved into the library
/// (the other items stay in `files`, which is then dropped).
pub fn check_files(mut files: Vec<PolicyFile>) -> (Library, Vec<CheckError>) {
    let mut policies = Vec::new();
    for f in &mut files {
        for item in std::mem::take(&mut f.items) {
            match item {
                Item::Policy(p) => policies.push((f.source.clone(), p)),
                other => f.items.push(other),
            }
        }
    }
    check_files_inner(&files, policies, None)
}

/// What the checker learned about one policy, kept even when the policy has
/// errors, for an editor: name and field resolutions, the type of every
/// expression and where each local variable was bound. Evaluation never
/// reads it; [`check_files`] does not build it.
#[derive(Debug)]
pub struct PolicyAnalysis {
    /// Name of the file the policy is in.
    pub file: String,
    pub id: Ident,
    pub span: Span,
    pub resolution: Resolution,
    /// (expression span, its type), in the order checked.
    pub types: Vec<(Span, Ty)>,
    /// (local variable use, the identifier that bound it).
    pub uses: Vec<(Span, Span)>,
    /// Every `let`, `for` and quantifier binding: (identifier, its type).
    pub bindings: Vec<(Ident, Ty)>,
    /// The tables declared inside the policy.
    pub tables: HashMap<String, Arc<TableData>>,
}

/// [`check_files`], plus a [`PolicyAnalysis`] for every policy (for editors).
pub fn check_files_for_editor(
    files: &[PolicyFile],
) -> (Library, Vec<CheckError>, Vec<PolicyAnalysis>) {
    let mut analyses = Vec::new();
    let policies = files
        .iter()
        .flat_map(|f| {
            f.items.iter().filter_map(|item| match item {
                Item::Policy(p) => Some((f.source.clone(), p.clone())),
                _ => None,
            })
        })
        .collect();
    let (lib, errors) = check_files_inner(files, policies, Some(&mut analyses));
    (lib, errors, analyses)
}

/// Pass 1 reads the items of `files` but their policies, which are given
/// apart, in file order, to be moved into the compiled policies.
fn check_files_inner(
    files: &[PolicyFile],
    policies: Vec<(Source, Policy)>,
    mut analyses: Option<&mut Vec<PolicyAnalysis>>,
) -> (Library, Vec<CheckError>) {
    let mut errors = Vec::new();
    let enums = schema_enums();
    let mut lib = Library::default();
    let mut globals = Globals {
        tables: HashMap::new(),
        broken_tables: Vec::new(),
        consts: HashMap::new(),
        facts: BTreeMap::new(),
        exprs: ExprCache::default(),
    };
    // Where each table, constant and route was first defined, so a
    // duplicate names both definitions.
    let mut first: HashMap<(&'static str, String), String> = HashMap::new();
    let mut route_spans: HashMap<String, ()> = HashMap::new();
    let mut table_defs: HashMap<&str, (&Source, Span)> = HashMap::new();

    // Pass 1: global declarations.
    for f in files {
        for item in &f.items {
            match item {
                Item::Table(t) => {
                    let data = build_table(&f.source, t, &mut errors);
                    if data.is_none() {
                        globals.broken_tables.push(t.name.node.clone());
                    }
                    if let Some(data) = data {
                        if globals.tables.contains_key(&t.name.node) {
                            let mut e = CheckError::new(
                                &f.source,
                                t.name.span,
                                "duplicate-name",
                                format!("table `{}` is defined twice", t.name.node),
                            )
                            .label("second definition");
                            // The first definition is shown as related
                            // information (a snippet and, in editors, a link).
                            match table_defs.get(t.name.node.as_str()) {
                                Some((src, span)) => e = e.related(src, *span, "first definition"),
                                None => e = e.help_opt(first_defined(&first, "table", &t.name.node)),
                            }
                            errors.push(e);
                        } else {
                            table_defs.insert(&t.name.node, (&f.source, t.name.span));
                            first.insert(("table", t.name.node.clone()), f.source.name.clone());
                            globals.tables.insert(t.name.node.clone(), data);
                        }
                    }
                }
                Item::Const(c) => if let Some(v) = const_value(&f.source, &c.value, &mut errors) {
                    if globals.consts.contains_key(&c.name.node) {
                        errors.push(
                            CheckError::new(
                                &f.source,
                                c.name.span,
                                "duplicate-name",
                                format!("constant `{}` is defined twice", c.name.node),
                            )
                            .label("second definition")
                            .help_opt(first_defined(&first, "const", &c.name.node)),
                        );
                    } else {
                        first.insert(("const", c.name.node.clone()), f.source.name.clone());
                    }
                    globals.consts.insert(c.name.node.clone(), v);
                },
                Item::Fact(d) => match enums.get(d.ty.node.as_str()) {
                    Some(e) if e.ordered => {
                        globals.facts.insert(
                            d.name.node.clone(),
                            FactInfo {
                                name: d.name.node.clone(),
                                enum_def: e,
                                doc: d.doc.as_ref().map(|s| s.text.node.clone()).unwrap_or_default(),
                            },
                        );
                    }
                    Some(e) => errors.push(
                        CheckError::new(
                            &f.source,
                            d.ty.span,
                            "fact-type",
                            format!("`{}` is not an ordered enumeration, so contributions cannot be combined", e.name),
                        )
                        .help(ordered_enums_help(&enums)),
                    ),
                    None => errors.push(
                        CheckError::new(
                            &f.source,
                            d.ty.span,
                            "unknown-enum",
                            format!("unknown enumeration `{}`", d.ty.node),
                        )
                        .help(match did_you_mean(&d.ty.node, enums.keys().copied()) {
                            Some(h) => format!("{h} {}", ordered_enums_help(&enums)),
                            None => ordered_enums_help(&enums),
                        }),
                    ),
                },
                Item::Route(r) => {
                    if !ELEMENTS.contains(&r.element.node.as_str()) && r.element.node != "document" && r.element.node != "internal" {
                        errors.push(unknown_element(&f.source, &r.element));
                    } else if route_spans.insert(r.element.node.clone(), ()).is_some() {
                        errors.push(
                            CheckError::new(
                                &f.source,
                                r.element.span,
                                "duplicate-name",
                                format!("element `{}` is routed twice", r.element.node),
                            )
                            .label("second definition")
                            .help_opt(first_defined(&first, "route", &r.element.node)),
                        );
                    } else {
                        first.insert(("route", r.element.node.clone()), f.source.name.clone());
                        lib.route_order.push(r.element.node.clone());
                        lib.routes.insert(
                            r.element.node.clone(),
                            (r.department.text.node.clone(), r.english.as_ref().map(|e| e.text.node.clone())),
                        );
                    }
                }
                Item::Policy(_) => {}
            }
        }
    }

    // Pass 2: policies. Routing is checked on the header as written, so
    // a policy with other errors still reports a missing route in the
    // same run.
    // Policies are checked in parallel (each on its own, against the
    // globals of pass 1) and their results taken in file order, so errors
    // and policies come out the same whatever the number of threads.
    let editor = analyses.is_some();
    let checked: Vec<CheckedPolicy> = policies
        .into_par_iter()
        .map(|(source, p)| {
            let source = &source;
            let mut errors = Vec::new();
            let mut analyses = Vec::new();
            if let Some(h) = p.header("element")
                && let HeaderKind::Element(e) = &h.node
                && ELEMENTS.contains(&e.node.as_str())
                && !lib.routes.contains_key(&e.node)
            {
                errors.push(
                    CheckError::new(
                        source,
                        h.span,
                        "unrouted-element",
                        format!("element `{}` is not routed to a department", e.node),
                    )
                    .help(format!("add `route {} to \"部门\"` to the library", e.node)),
                );
            }
            let compiled = check_policy(
                source,
                p,
                &globals,
                &mut errors,
                editor.then_some(&mut analyses),
            );
            (compiled, errors, analyses)
        })
        .collect();
    for (compiled, errs, found) in checked {
        errors.extend(errs);
        if let Some(out) = analyses.as_deref_mut() {
            out.extend(found);
        }
        lib.policies.extend(compiled);
    }

    // Pass 3: across policies.
    cross_checks(&lib, &mut errors);

    lib.tables = globals.tables;
    lib.consts = globals
        .consts
        .into_iter()
        .map(|(k, (v, _))| (k, v))
        .collect();
    lib.facts = globals.facts;
    (lib, errors)
}

/// What checking one policy gives: the compiled policy when it has no
/// error, its errors, and its analysis for an editor.
type CheckedPolicy = (Option<CompiledPolicy>, Vec<CheckError>, Vec<PolicyAnalysis>);

fn first_defined(
    first: &HashMap<(&'static str, String), String>,
    kind: &'static str,
    name: &str,
) -> Option<String> {
    first
        .get(&(kind, name.to_string()))
        .map(|file| format!("the first definition is in `{file}`; give this one another name"))
}

fn ordered_enums_help(enums: &BTreeMap<&'static str, &'static EnumDef>) -> String {
    let mut names: Vec<&str> = enums
        .iter()
        .filter(|(_, e)| e.ordered)
        .map(|(k, _)| *k)
        .collect();
    names.dedup();
    format!("ordered enumerations: {}", names.join(", "))
}

fn unknown_element(source: &Source, e: &Ident) -> CheckError {
    CheckError::new(
        source,
        e.span,
        "unknown-element",
        format!("unknown element `{}`", e.node),
    )
    .help(
        did_you_mean(&e.node, ELEMENTS.iter().copied())
            .map(|d| format!("{d} elements: {}", ELEMENTS.join(", ")))
            .unwrap_or_else(|| format!("elements: {}", ELEMENTS.join(", "))),
    )
}

fn cross_checks(lib: &Library, errors: &mut Vec<CheckError>) {
    let mut by_id: BTreeMap<&str, Vec<&CompiledPolicy>> = BTreeMap::new();
    for p in &lib.policies {
        by_id.entry(p.meta.id.as_str()).or_default().push(p);
    }
    for (id, versions) in &by_id {
        for (i, a) in versions.iter().enumerate() {
            for b in &versions[i + 1..] {
                let overlap = a.meta.effective_from.max(b.meta.effective_from);
                let a_end = a.meta.effective_until;
                let b_end = b.meta.effective_until;
                let end = match (a_end, b_end) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, None) => x,
                    (None, y) => y,
                };
                let overlaps = match (overlap, end) {
                    (Some(s), Some(e)) => s < e,
                    _ => true,
                };
                if overlaps || a.meta.version == b.meta.version {
                    errors.push(
                        CheckError::new(
                            &b.source,
                            b.ast.id.span,
                            "duplicate-rule",
                            format!("rule `{id}` is defined twice with overlapping effective ranges"),
                        )
                        .label("second definition")
                        .related(&a.source, a.ast.id.span, "other definition")
                        .help(format!(
                            "the other definition is in `{}`; give each version its own `version` and non-overlapping `effective` range",
                            a.meta.file
                        )),
                    );
                }
            }
        }
    }
    for p in &lib.policies {
        if let Some(sup) = &p.meta.supersedes
            && !by_id.contains_key(sup.as_str())
        {
            let span = p.ast.header("supersedes").map_or(p.ast.id.span, |h| h.span);
            errors.push(
                CheckError::new(
                    &p.source,
                    span,
                    "unknown-rule",
                    format!("`supersedes` names unknown rule `{sup}`"),
                )
                .help_opt(did_you_mean(sup, by_id.keys().copied())),
            );
        }
    }
}

fn const_value(
    source: &Source,
    e: &Expr,
    errors: &mut Vec<CheckError>,
) -> Option<(ConstValue, Ty)> {
    match &e.node {
        ExprKind::Lit(Lit::Num(n)) => Some((ConstValue::Num(*n), Ty::Num)),
        ExprKind::Lit(Lit::Str(s)) => Some((ConstValue::Str(s.clone()), Ty::Str)),
        ExprKind::Lit(Lit::Date(d)) => Some((ConstValue::Date(*d), Ty::Date)),
        ExprKind::Lit(Lit::Bool(b)) => Some((ConstValue::Bool(*b), Ty::Bool)),
        ExprKind::Lit(Lit::Qty(v, u)) => {
            let q = quantity(source, *v, u, e.span, errors)?;
            Some((ConstValue::Qty(q), Ty::Qty(vec![q.dim()])))
        }
        _ => {
            errors.push(CheckError::new(
                source,
                e.span,
                "const-value",
                "a constant must be a single value",
            ));
            None
        }
    }
}

fn quantity(
    source: &Source,
    v: f64,
    u: &str,
    span: Span,
    errors: &mut Vec<CheckError>,
) -> Option<Quantity> {
    match units::unit(u) {
        Some(unit) => Some(Quantity { value: v, unit }),
        None => {
            let help = units::suggest_unit(u)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "known units: {}",
                        units::UNITS
                            .iter()
                            .map(|u| u.symbol)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            errors.push(
                CheckError::new(source, span, "unknown-unit", format!("unknown unit `{u}`"))
                    .help(help),
            );
            None
        }
    }
}

fn build_table(source: &Source, t: &Table, errors: &mut Vec<CheckError>) -> Option<Arc<TableData>> {
    let before = errors.len();
    let Some(header) = t.rows.first() else {
        errors.push(CheckError::new(
            source,
            t.span,
            "table",
            format!("table `{}` has no header row", t.name.node),
        ));
        return None;
    };
    let columns: Vec<String> = header
        .node
        .iter()
        .map(|c| match &c.node {
            CellKind::Word(w) | CellKind::Str(w) => w.clone(),
            _ => String::new(),
        })
        .collect();
    for (c, name) in header.node.iter().zip(&columns) {
        if name.is_empty() {
            errors.push(CheckError::new(
                source,
                c.span,
                "table",
                "a header cell must be a column name",
            ));
        }
    }
    for (i, k) in t.keys.iter().enumerate() {
        if columns.get(i) != Some(&k.node) {
            errors.push(
                CheckError::new(
                    source,
                    header.span,
                    "table",
                    format!("the header row must start with the key column `{}`", k.node),
                )
                .help(format!(
                    "keys are declared as `({})`",
                    t.keys
                        .iter()
                        .map(|k| k.node.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    let key_count = t.keys.len();
    let mut rows = Vec::new();
    let mut index = rustc_hash::FxHashMap::default();
    let mut col_dims: Vec<Option<(Dim, Span)>> = vec![None; columns.len()];
    for row in &t.rows[1..] {
        if row.node.len() != columns.len() {
            errors.push(
                CheckError::new(
                    source,
                    row.span,
                    "table",
                    format!(
                        "this row has {} cells but the header has {}",
                        row.node.len(),
                        columns.len()
                    ),
                )
                .help("write `-` for a cell the standard leaves empty"),
            );
            continue;
        }
        let mut values = Vec::new();
        let mut key = Vec::new();
        for (i, c) in row.node.iter().enumerate() {
            let v = match &c.node {
                CellKind::Qty(v, u) => match quantity(source, *v, u, c.span, errors) {
                    Some(q) => {
                        match col_dims[i] {
                            Some((d, _)) if d != q.dim() => errors.push(
                                CheckError::new(
                                    source,
                                    c.span,
                                    "unit-mismatch",
                                    format!(
                                        "column `{}` mixes {} and {}",
                                        columns[i],
                                        d.name(),
                                        q.dim().name()
                                    ),
                                )
                                .help(format!(
                                    "write this cell in a unit of {}, such as `{}`",
                                    d.name(),
                                    d.example()
                                )),
                            ),
                            Some(_) => {}
                            None => col_dims[i] = Some((q.dim(), c.span)),
                        }
                        CellValue::Qty(q)
                    }
                    None => CellValue::None,
                },
                CellKind::Num(n) => CellValue::Num(*n),
                CellKind::Date(d) => CellValue::Date(*d),
                CellKind::Str(s) | CellKind::Word(s) => CellValue::Text(s.clone()),
                CellKind::None => CellValue::None,
            };
            if i < key_count {
                let k = match &v {
                    CellValue::Text(s) => s.clone(),
                    CellValue::Num(n) => units::format_number(*n),
                    other => {
                        errors.push(CheckError::new(
                            source,
                            c.span,
                            "table",
                            format!("key cell `{other}` must be a word"),
                        ));
                        String::new()
                    }
                };
                // A pollutant key must be the catalogue's code: permits are
                // read into codes, so `石油类` would never match a row.
                if columns.get(i).is_some_and(|c| c == "pollutant")
                    && let crate::catalogue::pollutants::Resolved::Alias(p) =
                        crate::catalogue::pollutants::catalogue().resolve(&k, None)
                {
                    let mut e = CheckError::new(
                        source,
                        c.span,
                        "table-key",
                        format!(
                            "pollutant key `{k}` is written as a name: permits are read into the catalogue's codes, so this row would never match"
                        ),
                    );
                    e.help = Some(format!("write `{}` ({})", p.code, p.name_zh));
                    errors.push(e);
                }
                key.push(k);
            }
            values.push(v);
        }
        if index
            .insert(super::table::index_key(&key), rows.len())
            .is_some()
        {
            errors.push(CheckError::new(
                source,
                row.span,
                "table",
                format!(
                    "duplicate row for key `{}` in table `{}`",
                    key.join(", "),
                    t.name.node
                ),
            ));
        }
        rows.push(values);
    }
    if errors.len() > before {
        return None;
    }
    Some(Arc::new(TableData {
        name: t.name.node.clone(),
        caption: t.caption.as_ref().map(|c| c.text.node.clone()),
        columns,
        key_count,
        rows,
        max_key_len: index.keys().map(String::len).max().unwrap_or(0),
        index,
    }))
}

fn table_column_ty(t: &TableData, col: usize) -> Ty {
    let mut ty = Ty::None;
    for row in &t.rows {
        match &row[col] {
            CellValue::Qty(q) => return Ty::Qty(vec![q.dim()]),
            CellValue::Num(_) => ty = Ty::Num,
            CellValue::Date(_) => ty = Ty::Date,
            CellValue::Text(_) => ty = Ty::Str,
            CellValue::None => {}
        }
    }
    ty
}

struct Cx<'a> {
    source: &'a Source,
    errors: &'a mut Vec<CheckError>,
    globals: &'a Globals,
    tables: HashMap<String, Arc<TableData>>,
    broken_tables: Vec<String>,
    scope: Vec<(String, Ty)>,
    templates: rustc_hash::FxHashMap<u32, Template>,
    derives: Option<Span>,
    reads_facts: Option<Span>,
    reads_findings: bool,
    /// Resolutions for the evaluator (see `library::Resolution`).
    names: Vec<(u32, Name)>,
    fields: Vec<(u32, &'static RecordDef, &'static st::Field)>,
    columns: Vec<(u32, Arc<TableData>, usize)>,
    /// What an editor wants to know, recorded only for `check_files_for_editor`.
    editor: Option<Editor>,
}

#[derive(Default)]
struct Editor {
    types: Vec<(Span, Ty)>,
    uses: Vec<(Span, Span)>,
    bindings: Vec<(Ident, Ty)>,
    /// The binding identifier of each scope slot (parallel to `Cx::scope`
    /// up to its current length).
    slots: Vec<Span>,
}

fn check_policy(
    source: &Source,
    p: Policy,
    globals: &Globals,
    errors: &mut Vec<CheckError>,
    analyses: Option<&mut Vec<PolicyAnalysis>>,
) -> Option<CompiledPolicy> {
    let before = errors.len();
    let meta = check_header(source, &p, errors);
    let mut tables = HashMap::new();
    let mut broken = Vec::new();
    for t in &p.tables {
        match build_table(source, t, errors) {
            Some(d) => {
                tables.insert(t.name.node.clone(), d);
            }
            None => broken.push(t.name.node.clone()),
        }
    }
    let mut cx = Cx {
        source,
        errors,
        globals,
        tables,
        broken_tables: broken,
        scope: Vec::new(),
        templates: rustc_hash::FxHashMap::default(),
        derives: None,
        reads_facts: None,
        reads_findings: false,
        names: Vec::new(),
        fields: Vec::new(),
        columns: Vec::new(),
        editor: analyses.is_some().then(Editor::default),
    };
    cx.stmts(&p.body);
    if let (Some(d), Some(r)) = (cx.derives, cx.reads_facts) {
        cx.errors.push(
            CheckError::new(
                source,
                r,
                "fact-cycle",
                "a policy that derives facts cannot read facts",
            )
            .help(format!(
                "move the rule that reads facts into its own policy (the derivation is at byte {})",
                d.start
            )),
        );
    }
    let stratum = if cx.derives.is_some() {
        Stratum::Derive
    } else if cx.reads_findings {
        Stratum::Review
    } else {
        Stratum::Rule
    };
    if let (Some(out), Some(ed)) = (analyses, cx.editor.take()) {
        out.push(PolicyAnalysis {
            file: source.name.clone(),
            id: p.id.clone(),
            span: p.span,
            resolution: Resolution::new(cx.names.clone(), cx.fields.clone(), cx.columns.clone()),
            types: ed.types,
            uses: ed.uses,
            bindings: ed.bindings,
            tables: cx.tables.clone(),
        });
    }
    let templates = cx.templates;
    let tables = cx.tables;
    let resolution = Resolution::new(cx.names, cx.fields, cx.columns);
    if errors.len() > before {
        return None;
    }
    let compiled = CompiledPolicy {
        meta: meta?,
        ast: p,
        source: source.clone(),
        tables,
        templates,
        stratum,
        resolution,
    };
    compiled
        .resolution
        .annotate(&compiled.ast.body, compiled.templates.values());
    Some(compiled)
}

fn check_header(source: &Source, p: &Policy, errors: &mut Vec<CheckError>) -> Option<PolicyMeta> {
    let mut seen: Vec<&str> = Vec::new();
    for h in &p.headers {
        let k = h.node.keyword();
        if seen.contains(&k) {
            errors.push(CheckError::new(
                source,
                h.span,
                "duplicate-header",
                format!("`{k}` is given twice"),
            ));
        }
        seen.push(k);
    }
    let mut ok = true;
    let missing = |errors: &mut Vec<CheckError>, name: &str, example: &str| {
        errors.push(
            CheckError::new(
                source,
                p.id.span,
                "missing-header",
                format!("policy `{}` has no `{name}`", p.id.node),
            )
            .help(format!("add `{example}` to the policy")),
        );
    };
    let title = match p.header("title").map(|h| &h.node) {
        Some(HeaderKind::Title(s)) => s.text.node.clone(),
        _ => {
            missing(errors, "title", "title \"...\"");
            ok = false;
            String::new()
        }
    };
    let basis = match p.header("basis").map(|h| &h.node) {
        Some(HeaderKind::Basis(s)) if !s.text.node.trim().is_empty() => s.text.node.clone(),
        _ => {
            missing(errors, "basis", "basis \"GB 13223-2011 表1\"");
            ok = false;
            String::new()
        }
    };
    let version = match p.header("version").map(|h| &h.node) {
        Some(HeaderKind::Version(v)) => *v,
        _ => {
            missing(errors, "version", "version 1");
            ok = false;
            0
        }
    };
    let element = match p.header("element").map(|h| &h.node) {
        Some(HeaderKind::Element(e)) => {
            if !ELEMENTS.contains(&e.node.as_str()) {
                errors.push(unknown_element(source, e));
                ok = false;
            }
            e.node.clone()
        }
        _ => {
            missing(errors, "element", "element air");
            ok = false;
            String::new()
        }
    };
    let severity = match p.header("severity").map(|h| &h.node) {
        Some(HeaderKind::Severity(s)) => match Severity::parse(&s.node) {
            Some(sev) => sev,
            None => {
                errors.push(
                    CheckError::new(
                        source,
                        s.span,
                        "unknown-severity",
                        format!("unknown severity `{}`", s.node),
                    )
                    .help(
                        match did_you_mean(&s.node, ["error", "warning", "notice"]) {
                            Some(d) => format!("{d} severities: error, warning, notice"),
                            None => "severities: error, warning, notice".into(),
                        },
                    ),
                );
                ok = false;
                Severity::Error
            }
        },
        _ => {
            missing(errors, "severity", "severity error");
            ok = false;
            Severity::Error
        }
    };
    let (mut from, mut until) = (None, None);
    if let Some(h) = p.header("effective")
        && let HeaderKind::Effective(a, b) = &h.node
    {
        from = a.as_ref().map(|d| d.node);
        until = b.as_ref().map(|d| d.node);
        if let (Some(a), Some(b)) = (a, b)
            && a.node >= b.node
        {
            errors.push(
                CheckError::new(
                    source,
                    a.span.join(b.span),
                    "effective-range",
                    format!(
                        "effective range `{} .. {}` is empty or inverted",
                        a.node, b.node
                    ),
                )
                .help("the first date (生效) must come before the second (废止)"),
            );
            ok = false;
        }
    }
    let supersedes = match p.header("supersedes").map(|h| &h.node) {
        Some(HeaderKind::Supersedes(id)) => Some(id.node.clone()),
        _ => None,
    };
    let mut doc = Vec::new();
    match &p.doc {
        Some(d) => {
            for (k, v) in &d.node {
                if !DOC_SECTIONS.contains(&k.node.as_str())
                    && k.node != "references"
                    && k.node != "notes"
                {
                    errors.push(
                        CheckError::new(
                            source,
                            k.span,
                            "doc-section",
                            format!("unknown documentation section `{}`", k.node),
                        )
                        .help_opt(did_you_mean(
                            &k.node,
                            DOC_SECTIONS.iter().copied().chain(["references", "notes"]),
                        )),
                    );
                }
                doc.push((k.node.clone(), v.text.node.clone()));
            }
            for s in DOC_SECTIONS {
                if !d.node.iter().any(|(k, _)| k.node == *s) {
                    errors.push(
                        CheckError::new(
                            source,
                            Span::new(d.span.start as usize, d.span.start as usize + 3),
                            "doc-section",
                            format!("documentation has no `{s}` section"),
                        )
                        .help("every policy documents `what`, `why`, `violating` and `conforming`"),
                    );
                    ok = false;
                }
            }
        }
        None => {
            missing(
                errors,
                "doc",
                "doc { what \"...\" why \"...\" violating \"\"\"...\"\"\" conforming \"\"\"...\"\"\" }",
            );
            ok = false;
        }
    }
    ok.then(|| PolicyMeta {
        id: p.id.node.clone(),
        title,
        version,
        basis,
        element,
        severity,
        effective_from: from,
        effective_until: until,
        supersedes,
        doc,
        file: source.name.clone(),
        library: 0,
    })
}

impl Cx<'_> {
    fn err(&mut self, span: Span, kind: &'static str, msg: impl Into<String>) -> &mut CheckError {
        self.errors
            .push(CheckError::new(self.source, span, kind, msg));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        let depth = self.scope.len();
        for s in stmts {
            self.stmt(s);
        }
        self.scope.truncate(depth);
    }

    fn bind(&mut self, name: &Ident, ty: Ty) {
        if self.lookup_var(&name.node).is_some() {
            self.err(
                name.span,
                "shadowing",
                format!("`{}` is already defined here", name.node),
            )
            .help = Some("choose another name".into());
        }
        if self.root_field(&name.node).is_some() || BUILTIN_NAMES.contains(&name.node.as_str()) {
            self.err(
                name.span,
                "shadowing",
                format!(
                    "`{}` would hide the permit section or built-in of the same name",
                    name.node
                ),
            )
            .help = Some("choose another name".into());
        }
        if let Some(ed) = &mut self.editor {
            ed.slots.truncate(self.scope.len());
            ed.slots.push(name.span);
            ed.bindings.push((name.clone(), ty.clone()));
        }
        self.scope.push((name.node.clone(), ty));
    }

    fn expect_bool(&mut self, e: &Expr, what: &str) {
        let t = self.expr(e);
        if !matches!(t, Ty::Bool | Ty::Unknown) {
            self.err(
                e.span,
                "type-mismatch",
                format!("{what} must be true or false, found {t}"),
            );
        }
    }

    fn template(&mut self, s: &Str) {
        match Template::parse(self.source, s, &self.globals.exprs) {
            Ok(t) => {
                for e in t.exprs() {
                    self.expr(e);
                }
                self.templates.insert(s.text.span.start, t);
            }
            Err(e) => {
                let span = e.span();
                let msg = e.to_string();
                self.err(
                    Span::new(span.offset(), span.offset() + span.len()),
                    "template",
                    msg,
                );
            }
        }
    }

    fn clauses(&mut self, c: &Clauses) {
        if let Some(at) = &c.at {
            self.expr(at);
        }
        for (e, s) in &c.labels {
            self.expr(e);
            self.template(s);
        }
        if let Some(h) = &c.help {
            self.template(h);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.node {
            StmtKind::Let(name, e) => {
                let t = self.expr(e);
                self.bind(name, t);
            }
            StmtKind::For {
                var,
                coll,
                filter,
                body,
            } => {
                let depth = self.enter_loop(var, coll, filter.as_ref());
                self.stmts(body);
                self.scope.truncate(depth);
            }
            StmtKind::When {
                cond,
                then,
                otherwise,
            } => {
                self.expect_bool(cond, "a `when` condition");
                self.stmts(then);
                if let Some(o) = otherwise {
                    self.stmts(o);
                }
            }
            StmtKind::During {
                from,
                to,
                ahead,
                body,
            } => {
                if from.node == to.node {
                    self.err(
                        from.span.join(to.span),
                        "window",
                        "a yearly window needs two different days",
                    );
                }
                if let Some(a) = ahead {
                    let t = self.expr(a);
                    if !matches!(&t, Ty::Qty(d) if d.contains(&Dim::Duration)) {
                        self.err(
                            a.span,
                            "unit-mismatch",
                            format!("`ahead` takes a duration such as `30 d`, found {t}"),
                        );
                    }
                }
                self.stmts(body);
            }
            StmtKind::Require {
                cond,
                message,
                clauses,
            } => {
                self.expect_bool(cond, "a requirement");
                self.template(message);
                self.clauses(clauses);
            }
            StmtKind::Report { message, clauses } => {
                self.template(message);
                self.clauses(clauses);
            }
            StmtKind::Derive {
                fact,
                value,
                item,
                because,
                clauses,
            } => {
                self.derives.get_or_insert(fact.span);
                let t = self.expr(value);
                match self.globals.facts.get(&fact.node) {
                    Some(info) => {
                        let want = Ty::Enum(info.enum_def);
                        self.compatible(value, &t, &want, Some(value.span), false);
                    }
                    None => {
                        let names: Vec<&str> =
                            self.globals.facts.keys().map(|s| s.as_str()).collect();
                        let help = did_you_mean(&fact.node, names.iter().copied());
                        self.err(
                            fact.span,
                            "unknown-fact",
                            format!("unknown fact `{}`", fact.node),
                        )
                        .help = help.or_else(|| {
                            Some("declare it with `fact NAME: ENUM` at the top level".into())
                        });
                    }
                }
                if let Some(i) = item {
                    self.template(i);
                }
                self.template(because);
                self.clauses(clauses);
            }
        }
    }

    /// Bind a loop variable (`for x in coll where f`, `any x in coll where f`)
    /// and check its filter; returns the scope depth to restore.
    fn enter_loop(&mut self, var: &Ident, coll: &Expr, filter: Option<&Expr>) -> usize {
        let elem = self.element_ty(coll);
        let depth = self.scope.len();
        self.bind(var, elem);
        if let Some(f) = filter {
            self.expect_bool(f, "a `where` condition");
        }
        depth
    }

    /// The element type of a collection expression (`for x in coll`).
    fn element_ty(&mut self, coll: &Expr) -> Ty {
        let t = self.expr(coll);
        match t {
            Ty::List(inner) => *inner,
            Ty::Unknown => Ty::Unknown,
            other => {
                self.err(
                    coll.span,
                    "type-mismatch",
                    format!("expected a list to iterate over, found {other}"),
                );
                Ty::Unknown
            }
        }
    }

    fn lookup_var(&self, name: &str) -> Option<&Ty> {
        self.lookup_slot(name).map(|(_, t)| t)
    }

    /// A variable in scope and its index in the scope stack.
    fn lookup_slot(&self, name: &str) -> Option<(usize, &Ty)> {
        self.scope
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (n, _))| n == name)
            .map(|(i, (_, t))| (i, t))
    }

    /// Remember what the name at `span` refers to (for the evaluator).
    fn resolve(&mut self, span: Span, name: Name) {
        self.names.push((span.start, name));
    }

    fn root_field(&self, name: &str) -> Option<&'static st::Field> {
        ROOT.field(name)
    }

    fn all_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.scope.iter().map(|(n, _)| n.clone()).collect();
        v.extend(self.globals.consts.keys().cloned());
        v.extend(self.globals.tables.keys().cloned());
        v.extend(self.tables.keys().cloned());
        v.extend(ROOT.fields.iter().map(|f| f.name.to_string()));
        v.extend(BUILTIN_NAMES.iter().map(|s| s.to_string()));
        v
    }

    fn table(&self, name: &str) -> Option<Arc<TableData>> {
        self.tables
            .get(name)
            .or_else(|| self.globals.tables.get(name))
            .cloned()
    }

    fn expr(&mut self, e: &Expr) -> Ty {
        let t = self.expr_ty(e);
        if let Some(ed) = &mut self.editor {
            ed.types.push((e.span, t.clone()));
        }
        t
    }

    fn expr_ty(&mut self, e: &Expr) -> Ty {
        match &e.node {
            ExprKind::Lit(l) => match l {
                Lit::Num(_) => Ty::Num,
                Lit::Str(_) => Ty::Str,
                Lit::Date(_) => Ty::Date,
                Lit::Bool(_) => Ty::Bool,
                Lit::None => Ty::None,
                Lit::Qty(v, u) => match quantity(self.source, *v, u, e.span, self.errors) {
                    Some(q) => Ty::Qty(vec![q.dim()]),
                    None => Ty::Unknown,
                },
            },
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Var(name) => self.var(name, e.span),
            ExprKind::Field(base, field) => self.field(base, field),
            ExprKind::Index(base, keys) => self.index(base, keys),
            ExprKind::Unary(op, a) => {
                let t = self.expr(a);
                match (op, &t) {
                    (UnOp::Not, Ty::Bool | Ty::Unknown) => Ty::Bool,
                    (UnOp::Neg, Ty::Num | Ty::Qty(_) | Ty::Unknown) => t,
                    (UnOp::Not, _) => {
                        self.err(
                            a.span,
                            "type-mismatch",
                            format!("`not` needs true or false, found {t}"),
                        );
                        Ty::Bool
                    }
                    (UnOp::Neg, _) => {
                        self.err(a.span, "type-mismatch", format!("cannot negate {t}"));
                        Ty::Unknown
                    }
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, a, b),
            ExprKind::Call(name, args) => self.call(name, args),
            ExprKind::List(items) => {
                let mut elem = Ty::Unknown;
                for (i, it) in items.iter().enumerate() {
                    let t = self.expr(it);
                    if i == 0 {
                        elem = t;
                    } else if !same_kind(&elem, &t) {
                        self.err(
                            it.span,
                            "type-mismatch",
                            format!("list items must have one type: expected {elem}, found {t}"),
                        );
                    }
                }
                Ty::List(Box::new(elem))
            }
            ExprKind::Quant {
                kind,
                var,
                coll,
                filter,
                body,
            } => {
                let depth = self.enter_loop(var, coll, filter.as_deref());
                let out = match (kind, body) {
                    (QuantKind::Any | QuantKind::All, Some(b)) => {
                        self.expect_bool(b, "the condition after `:`");
                        Ty::Bool
                    }
                    (QuantKind::Any | QuantKind::All, None) => {
                        self.err(
                            e.span,
                            "syntax",
                            format!("`{}` needs a condition after `:`", kind.keyword()),
                        )
                        .help = Some(format!(
                            "`{} x in list: x.field == \"value\"`",
                            kind.keyword()
                        ));
                        Ty::Bool
                    }
                    (QuantKind::Count, Some(b)) => {
                        self.err(
                            b.span,
                            "syntax",
                            "`count` takes a `where` filter, not a value after `:`",
                        )
                        .help = Some("`count x in list where condition`".into());
                        Ty::Num
                    }
                    (QuantKind::Count, None) => Ty::Num,
                    (QuantKind::Sum, Some(b)) => {
                        let t = self.expr(b);
                        match t {
                            Ty::Num | Ty::Qty(_) | Ty::Unknown => t,
                            other => {
                                self.err(
                                    b.span,
                                    "type-mismatch",
                                    format!("`sum` adds numbers or quantities, found {other}"),
                                );
                                Ty::Unknown
                            }
                        }
                    }
                    (QuantKind::Sum, None) => {
                        self.err(e.span, "syntax", "`sum` needs the value to add after `:`")
                            .help = Some("`sum p in list: p.annual`".into());
                        Ty::Unknown
                    }
                };
                self.scope.truncate(depth);
                out
            }
        }
    }

    fn var(&mut self, name: &str, span: Span) -> Ty {
        if let Some((i, t)) = self.lookup_slot(name) {
            let t = t.clone();
            if let Some(ed) = &mut self.editor
                && let Some(def) = ed.slots.get(i)
            {
                ed.uses.push((span, *def));
            }
            self.resolve(span, Name::Local(i as u32));
            return t;
        }
        if let Some((v, t)) = self.globals.consts.get(name) {
            self.resolve(span, Name::Const(v.clone()));
            return t.clone();
        }
        if let Some(t) = self.table(name) {
            self.resolve(span, Name::Table(t.clone()));
            return Ty::Table(t);
        }
        if self
            .broken_tables
            .iter()
            .chain(&self.globals.broken_tables)
            .any(|b| b == name)
        {
            return Ty::Unknown;
        }
        if let Some(f) = self.root_field(name) {
            let index = crate::schema::permit_v1::ROOT
                .fields
                .iter()
                .position(|g| std::ptr::eq(g, f))
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(u16::MAX);
            self.resolve(span, Name::Root(f, index));
            return Ty::from_schema(&f.ty);
        }
        match name {
            "today" => {
                self.resolve(span, Name::Today);
                return Ty::Date;
            }
            "facts" | "findings" => {
                self.err(span, "syntax", format!("`{name}` is used as `{name}.NAME`"));
                return Ty::Unknown;
            }
            _ => {}
        }
        let names = self.all_names();
        let help = did_you_mean(name, names.iter().map(|s| s.as_str()));
        self.err(span, "unknown-name", format!("unknown name `{name}`"))
            .help = help.or_else(|| {
            Some(format!(
                "permit sections: {}",
                ROOT.fields
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        Ty::Unknown
    }

    fn field(&mut self, base: &Expr, field: &Ident) -> Ty {
        // `facts.X` and `findings.X` are namespaces, not values.
        if let ExprKind::Var(ns) = &base.node
            && self.lookup_var(ns).is_none()
        {
            if ns == "facts" {
                self.resolve(base.span, Name::Facts);
                self.reads_facts.get_or_insert(field.span);
                return match self.globals.facts.get(&field.node) {
                    Some(f) => Ty::Enum(f.enum_def),
                    None => {
                        let names: Vec<&str> =
                            self.globals.facts.keys().map(|s| s.as_str()).collect();
                        let help = did_you_mean(&field.node, names.iter().copied());
                        self.err(
                            field.span,
                            "unknown-fact",
                            format!("unknown fact `{}`", field.node),
                        )
                        .help = help;
                        Ty::Unknown
                    }
                };
            }
            if ns == "findings" {
                self.resolve(base.span, Name::Findings);
                self.reads_findings = true;
                return match field.node.as_str() {
                    "errors" | "warnings" | "notices" => Ty::Num,
                    _ => {
                        let help = did_you_mean(&field.node, ["errors", "warnings", "notices"]);
                        self.err(
                            field.span,
                            "unknown-field",
                            format!("`findings` has no `{}`", field.node),
                        )
                        .help = help.or_else(|| {
                            Some(
                                "`findings.errors`, `findings.warnings`, `findings.notices`".into(),
                            )
                        });
                        Ty::Unknown
                    }
                };
            }
        }
        let t = self.expr(base);
        let record = match &t {
            Ty::Record(r) => *r,
            Ty::Ref(r) => r.record,
            Ty::Row(table) => {
                return match table.column(&field.node) {
                    Some(c) => {
                        self.columns.push((field.span.start, table.clone(), c));
                        table_column_ty(table, c)
                    }
                    _ => {
                        let help =
                            did_you_mean(&field.node, table.columns.iter().map(|s| s.as_str()));
                        self.err(
                            field.span,
                            "unknown-column",
                            format!("table `{}` has no column `{}`", table.name, field.node),
                        )
                        .help =
                            help.or_else(|| Some(format!("columns: {}", table.columns.join(", "))));
                        Ty::Unknown
                    }
                };
            }
            Ty::Range => {
                return match field.node.as_str() {
                    "lo" | "hi" => Ty::Num,
                    _ => {
                        self.err(
                            field.span,
                            "unknown-field",
                            format!("a range has `lo` and `hi`, not `{}`", field.node),
                        );
                        Ty::Unknown
                    }
                };
            }
            Ty::Unknown => return Ty::Unknown,
            Ty::List(_) => {
                self.err(
                    field.span,
                    "type-mismatch",
                    format!("cannot read `{}` of a list", field.node),
                )
                .help = Some(format!("iterate over it: `any x in ...: x.{}`", field.node));
                return Ty::Unknown;
            }
            other => {
                self.err(
                    field.span,
                    "type-mismatch",
                    format!("{other} has no field `{}`", field.node),
                );
                return Ty::Unknown;
            }
        };
        match record.field(&field.node) {
            Some(f) => {
                self.fields.push((field.span.start, record, f));
                Ty::from_schema(&f.ty)
            }
            None => {
                let help = did_you_mean(&field.node, record.fields.iter().map(|f| f.name));
                self.err(
                    field.span,
                    "unknown-field",
                    format!("unknown field `{}` on `{}`", field.node, record.name),
                )
                .help = help.or_else(|| {
                    Some(format!(
                        "fields of `{}`: {}",
                        record.name,
                        record
                            .fields
                            .iter()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                });
                Ty::Unknown
            }
        }
    }

    fn index(&mut self, base: &Expr, keys: &[Expr]) -> Ty {
        let t = self.expr(base);
        let Ty::Table(table) = t else {
            if !t.is_unknown() {
                self.err(
                    base.span,
                    "type-mismatch",
                    format!("only tables can be looked up with `[...]`, found {t}"),
                );
            }
            return Ty::Unknown;
        };
        if keys.len() != table.key_count {
            self.err(
                base.span.join(keys.last().map_or(base.span, |k| k.span)),
                "table-key",
                format!(
                    "table `{}` is looked up by {} key(s), found {}",
                    table.name,
                    table.key_count,
                    keys.len()
                ),
            )
            .help = Some(format!(
                "keys: {}",
                table.columns[..table.key_count].join(", ")
            ));
            return Ty::Row(table);
        }
        for (i, k) in keys.iter().enumerate() {
            let kt = self.expr(k);
            if !(kt.is_textual() || matches!(kt, Ty::Unknown | Ty::Num)) {
                self.err(
                    k.span,
                    "type-mismatch",
                    format!("a table key must be text, found {kt}"),
                );
            }
            if let ExprKind::Lit(Lit::Str(s)) = &k.node {
                let present = table
                    .rows
                    .iter()
                    .any(|r| matches!(&r[i], super::table::CellValue::Text(t) if t == s));
                if !present {
                    let mut values: Vec<String> = table
                        .rows
                        .iter()
                        .filter_map(|r| match &r[i] {
                            super::table::CellValue::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect();
                    values.dedup();
                    let help = did_you_mean(s, values.iter().map(|s| s.as_str()));
                    self.err(
                        k.span,
                        "table-key",
                        format!(
                            "table `{}` has no row with {} `{s}`",
                            table.name, table.columns[i]
                        ),
                    )
                    .help = help
                        .or_else(|| Some(format!("{}: {}", table.columns[i], values.join(", "))));
                }
            }
        }
        Ty::Row(table)
    }

    fn call(&mut self, name: &Ident, args: &[Expr]) -> Ty {
        let Some((_, arity, _)) = BUILTINS.iter().find(|(n, _, _)| *n == name.node) else {
            let help = did_you_mean(&name.node, BUILTINS.iter().map(|(n, _, _)| *n));
            self.err(
                name.span,
                "unknown-function",
                format!("unknown function `{}`", name.node),
            )
            .help = help.or_else(|| {
                Some(format!(
                    "functions: {}",
                    BUILTINS
                        .iter()
                        .map(|(n, _, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
            for a in args {
                self.expr(a);
            }
            return Ty::Unknown;
        };
        let tys: Vec<Ty> = args.iter().map(|a| self.expr(a)).collect();
        if tys.len() != *arity {
            self.err(
                name.span,
                "arity",
                format!(
                    "`{}` takes {arity} argument(s), found {}",
                    name.node,
                    tys.len()
                ),
            );
            return Ty::Unknown;
        }
        match name.node.as_str() {
            "exists" => Ty::Bool,
            "count" => {
                if !matches!(tys[0], Ty::List(_) | Ty::Unknown) {
                    self.err(
                        args[0].span,
                        "type-mismatch",
                        format!("`count` needs a list, found {}", tys[0]),
                    );
                }
                Ty::Num
            }
            "len" => Ty::Num,
            "max" | "min" => {
                self.compatible(&args[1], &tys[1], &tys[0], None, true);
                tys[0].clone()
            }
            "add_years" => {
                if !matches!(tys[0], Ty::Date | Ty::Unknown) {
                    self.err(
                        args[0].span,
                        "type-mismatch",
                        format!("`add_years` needs a date, found {}", tys[0]),
                    );
                }
                if !matches!(tys[1], Ty::Num | Ty::Unknown) {
                    self.err(
                        args[1].span,
                        "type-mismatch",
                        format!("`add_years` needs a number of years, found {}", tys[1]),
                    );
                }
                Ty::Date
            }
            "days" => Ty::Qty(vec![Dim::Duration]),
            "known_standard" => {
                if !(tys[0].is_textual() || tys[0].is_unknown()) {
                    self.err(
                        args[0].span,
                        "type-mismatch",
                        format!("`known_standard` needs a text, found {}", tys[0]),
                    );
                }
                Ty::Bool
            }
            "known_standards" => Ty::List(Box::new(Ty::Str)),
            "known_row" | "known_rows" => {
                for (i, t) in tys.iter().enumerate() {
                    if !(t.is_textual() || t.is_unknown()) {
                        self.err(
                            args[i].span,
                            "type-mismatch",
                            format!(
                                "`{}` needs texts (a standard, a pollutant), found {t}",
                                name.node
                            ),
                        );
                    }
                }
                if name.node == "known_row" {
                    Ty::Bool
                } else {
                    Ty::List(Box::new(Ty::Str))
                }
            }
            "prefix_row" => match &tys[0] {
                Ty::Table(t) => {
                    if t.key_count != 1 {
                        self.err(
                            args[0].span,
                            "table-key",
                            format!(
                                "`prefix_row` needs a table with one key; `{}` has {}",
                                t.name, t.key_count
                            ),
                        );
                    }
                    if !(tys[1].is_textual() || tys[1].is_unknown()) {
                        self.err(
                            args[1].span,
                            "type-mismatch",
                            format!("`prefix_row` looks up text, found {}", tys[1]),
                        );
                    }
                    Ty::Row(t.clone())
                }
                Ty::Unknown => Ty::Unknown,
                other => {
                    self.err(
                        args[0].span,
                        "type-mismatch",
                        format!("`prefix_row` needs a table, found {other}"),
                    );
                    Ty::Unknown
                }
            },
            _ => Ty::Unknown,
        }
    }

    /// Check that `t` (of expression `e`) can be compared with `want`.
    /// String literals compared with enumerations must be known values.
    fn compatible(
        &mut self,
        e: &Expr,
        t: &Ty,
        want: &Ty,
        _at: Option<Span>,
        ordered: bool,
    ) -> bool {
        use Ty::*;
        match (t, want) {
            (Unknown, _) | (_, Unknown) | (None, _) | (_, None) => true,
            (Qty(a), Qty(b)) => {
                if a.iter().any(|d| b.contains(d)) {
                    true
                } else {
                    let help = b.first().map(|d| {
                        format!(
                            "write it in a unit of {}, such as `{}`",
                            d.name(),
                            d.example()
                        )
                    });
                    self.err(
                        e.span,
                        "unit-mismatch",
                        format!("cannot compare {t} with {want}"),
                    )
                    .help = help;
                    false
                }
            }
            (Str, Enum(def)) | (Enum(def), Str) => {
                self.enum_literal(e, def, ordered);
                true
            }
            (Enum(a), Enum(b)) => {
                if std::ptr::eq(*a, *b) || a.name == b.name {
                    if ordered && !a.ordered {
                        self.err(
                            e.span,
                            "unordered",
                            format!("`{}` values have no order", a.name),
                        );
                    }
                    true
                } else {
                    self.err(
                        e.span,
                        "type-mismatch",
                        format!("cannot compare {t} with {want}"),
                    );
                    false
                }
            }
            (Str | Ref(_), Str | Ref(_)) => {
                if ordered {
                    self.err(
                        e.span,
                        "unordered",
                        "text has no order; compare it with `==`, `in` or `starts_with`",
                    );
                }
                true
            }
            (Num, Num) | (Date, Date) | (Bool, Bool) | (Range, Range) => true,
            (Record(_), Record(_)) => true,
            (List(a), List(b)) => {
                let (a, b) = (a.as_ref().clone(), b.as_ref().clone());
                self.compatible(e, &a, &b, Option::None, ordered)
            }
            _ => {
                let help = match (t, want) {
                    (Num, Qty(d)) | (Qty(d), Num) => d
                        .first()
                        .map(|d| format!("give the number a unit, such as `{}`", d.example())),
                    _ => Option::None,
                };
                self.err(
                    e.span,
                    "type-mismatch",
                    format!("cannot compare {t} with {want}"),
                )
                .help = help;
                false
            }
        }
    }

    /// `"keyy"` where a `management` value is expected: unknown enum value.
    fn enum_literal(&mut self, e: &Expr, def: &'static EnumDef, ordered: bool) {
        if ordered && !def.ordered {
            self.err(
                e.span,
                "unordered",
                format!("`{}` values have no order", def.name),
            );
        }
        let lits: Vec<&Expr> = match &e.node {
            ExprKind::Lit(Lit::Str(_)) => vec![e],
            ExprKind::List(items) => items.iter().collect(),
            _ => vec![],
        };
        for l in lits {
            if let ExprKind::Lit(Lit::Str(s)) = &l.node
                && def.index(s).is_none()
            {
                let names: Vec<&str> = def.values.iter().map(|v| v.name).collect();
                let help = did_you_mean(s, names.iter().copied());
                self.err(
                    l.span,
                    "unknown-enum-value",
                    format!("`{s}` is not a `{}` value", def.name),
                )
                .help = Some(match help {
                    Some(h) => format!("{h} values: {}", names.join(", ")),
                    Option::None => format!("values: {}", names.join(", ")),
                });
            }
        }
    }

    fn binary(&mut self, whole: &Expr, op: BinOp, a: &Expr, b: &Expr) -> Ty {
        let ta = self.expr(a);
        let tb = self.expr(b);
        let _ = whole;
        match op {
            BinOp::And | BinOp::Or => {
                for (e, t) in [(a, &ta), (b, &tb)] {
                    if !matches!(t, Ty::Bool | Ty::Unknown) {
                        self.err(
                            e.span,
                            "type-mismatch",
                            format!("`{}` joins conditions, found {t}", op.symbol()),
                        );
                    }
                }
                Ty::Bool
            }
            BinOp::Eq | BinOp::Ne => {
                // Report on the literal side so the span points at what to fix.
                if matches!(a.node, ExprKind::Lit(_) | ExprKind::List(_)) {
                    self.compatible(a, &ta, &tb, None, false);
                } else {
                    self.compatible(b, &tb, &ta, None, false);
                }
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if matches!(a.node, ExprKind::Lit(_)) {
                    self.compatible(a, &ta, &tb, None, true);
                } else {
                    self.compatible(b, &tb, &ta, None, true);
                }
                for (e, t) in [(a, &ta), (b, &tb)] {
                    if matches!(
                        t,
                        Ty::Bool
                            | Ty::Record(_)
                            | Ty::List(_)
                            | Ty::Table(_)
                            | Ty::Row(_)
                            | Ty::Range
                    ) {
                        self.err(e.span, "unordered", format!("{t} has no order"));
                    }
                }
                Ty::Bool
            }
            BinOp::In | BinOp::NotIn => {
                match &tb {
                    Ty::List(elem) => {
                        let elem = elem.as_ref().clone();
                        if matches!(b.node, ExprKind::List(_)) {
                            self.compatible(
                                b,
                                &Ty::List(Box::new(elem)),
                                &Ty::List(Box::new(ta)),
                                None,
                                false,
                            );
                        } else {
                            self.compatible(a, &ta, &elem, None, false);
                        }
                    }
                    Ty::Table(t) => {
                        if t.key_count != 1 {
                            self.err(
                                b.span,
                                "table-key",
                                format!(
                                    "`in` needs a table with one key; `{}` has {}",
                                    t.name, t.key_count
                                ),
                            );
                        }
                        if !(ta.is_textual() || ta.is_unknown()) {
                            self.err(
                                a.span,
                                "type-mismatch",
                                format!("table keys are text, found {ta}"),
                            );
                        }
                    }
                    Ty::Unknown => {}
                    other => {
                        self.err(
                            b.span,
                            "type-mismatch",
                            format!("`{}` needs a list or a table, found {other}", op.symbol()),
                        );
                    }
                }
                Ty::Bool
            }
            BinOp::StartsWith => {
                for (e, t) in [(a, &ta), (b, &tb)] {
                    if !(t.is_textual() || t.is_unknown()) {
                        self.err(
                            e.span,
                            "type-mismatch",
                            format!("`starts_with` compares text, found {t}"),
                        );
                    }
                }
                Ty::Bool
            }
            BinOp::Add | BinOp::Sub => match (&ta, &tb) {
                (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
                (Ty::Num, Ty::Num) => Ty::Num,
                (Ty::Qty(_), Ty::Qty(_)) => {
                    self.compatible(b, &tb, &ta, None, false);
                    ta
                }
                (Ty::Date, Ty::Date) if op == BinOp::Sub => Ty::Qty(vec![Dim::Duration]),
                (Ty::Date, Ty::Qty(d)) if d.contains(&Dim::Duration) => Ty::Date,
                _ => {
                    self.err(
                        whole.span,
                        "type-mismatch",
                        format!(
                            "cannot {} {ta} and {tb}",
                            if op == BinOp::Add { "add" } else { "subtract" }
                        ),
                    );
                    Ty::Unknown
                }
            },
            BinOp::Mul | BinOp::Div => match (&ta, &tb) {
                (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
                (Ty::Num, Ty::Num) => Ty::Num,
                (Ty::Qty(_), Ty::Num) => ta,
                (Ty::Num, Ty::Qty(_)) if op == BinOp::Mul => tb,
                (Ty::Qty(_), Ty::Qty(_)) if op == BinOp::Div => {
                    self.compatible(b, &tb, &ta, None, false);
                    Ty::Num
                }
                _ => {
                    self.err(
                        whole.span,
                        "type-mismatch",
                        format!(
                            "cannot {} {ta} by {tb}",
                            if op == BinOp::Mul {
                                "multiply"
                            } else {
                                "divide"
                            }
                        ),
                    );
                    Ty::Unknown
                }
            },
        }
    }
}

fn same_kind(a: &Ty, b: &Ty) -> bool {
    use Ty::*;
    matches!(
        (a, b),
        (Unknown, _)
            | (_, Unknown)
            | (Num, Num)
            | (Str, Str)
            | (Date, Date)
            | (Bool, Bool)
            | (Qty(_), Qty(_))
            | (None, _)
            | (_, None)
    )
}
