//! A checked policy library: every file parsed and type-checked, tables
//! built, policies indexed by id and version. This is what the evaluator runs.

use super::ast::{Clauses, Expr, ExprKind, Policy, PolicyFile, Spanned, Stmt, StmtKind};
use super::errors::{CheckError, ParseError};
use super::table::TableData;
use super::template::{Part, Template};
use crate::date::Date;
use crate::finding::Severity;
use crate::schema::types::{Field, RecordDef};
use crate::span::{Source, SourceFile};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// What a policy says about itself (its header and documentation).
#[derive(Clone, Debug)]
pub struct PolicyMeta {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub basis: String,
    pub element: String,
    pub severity: Severity,
    /// 生效 (inclusive) and 废止 (exclusive) dates.
    pub effective_from: Option<Date>,
    pub effective_until: Option<Date>,
    pub supersedes: Option<String>,
    /// Documentation sections in the order written: `what`, `why`, ...
    pub doc: Vec<(String, String)>,
    pub file: String,
    /// Index of the library (layer) it comes from in `Library::layers`.
    pub library: usize,
}

impl PolicyMeta {
    pub fn in_force(&self, on: Date) -> bool {
        self.effective_from.is_none_or(|d| d <= on) && self.effective_until.is_none_or(|d| on < d)
    }
    pub fn doc_section(&self, name: &str) -> Option<&str> {
        self.doc
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Evaluation order: facts are derived first, then ordinary rules, then the
/// rules that read the findings of the others (on-site verification).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stratum {
    Derive = 0,
    Rule = 1,
    Review = 2,
}

#[derive(Debug)]
pub struct CompiledPolicy {
    pub meta: PolicyMeta,
    pub ast: Policy,
    pub source: Source,
    pub tables: HashMap<String, Arc<TableData>>,
    /// Message, label and help templates by the byte offset of their string.
    pub templates: rustc_hash::FxHashMap<u32, Template>,
    pub stratum: Stratum,
    /// Names and fields as the type checker resolved them, so evaluation
    /// does not look names up by string.
    pub resolution: Resolution,
}

/// What a name (`ExprKind::Var`) refers to, decided by the type checker.
#[derive(Clone, Debug)]
pub enum Name {
    /// A `let`, `for` or quantifier variable: its index in the scope stack
    /// (the interpreter's environment has the same shape).
    Local(u32),
    Const(ConstValue),
    Table(Arc<TableData>),
    Today,
    /// A top-level section of the permit: the field and its index in the
    /// root record's fields (what the validator records in `Entry::field`).
    Root(&'static Field, u16),
    /// The `facts.` and `findings.` namespaces.
    Facts,
    Findings,
}

/// The checker's name and field resolutions for one policy, keyed by the
/// byte offset where the name (or the field's identifier) starts; offsets
/// are unique within a policy's file, templates included.
#[derive(Debug, Default)]
pub struct Resolution {
    names: Vec<Name>,
    /// Field identifier → (record it was resolved on, the field, its index
    /// in the record's fields).
    fields: Vec<(&'static RecordDef, &'static Field, u16)>,
    /// Column identifier → (table, column index).
    columns: Vec<(Arc<TableData>, usize)>,
    /// Offset → index into `names` / `fields` / `columns`. Evaluation reads
    /// one of these for every name and field it meets, so it is a hash
    /// table with an integer hash, not a search.
    name_at: OffsetMap,
    field_at: OffsetMap,
    column_at: OffsetMap,
}

impl Resolution {
    pub fn new(
        names: Vec<(u32, Name)>,
        fields: Vec<(u32, &'static RecordDef, &'static Field)>,
        columns: Vec<(u32, Arc<TableData>, usize)>,
    ) -> Resolution {
        let name_at = OffsetMap::new(names.iter().map(|n| n.0));
        let field_at = OffsetMap::new(fields.iter().map(|f| f.0));
        let column_at = OffsetMap::new(columns.iter().map(|c| c.0));
        Resolution {
            names: names.into_iter().map(|n| n.1).collect(),
            fields: fields
                .into_iter()
                .map(|(_, r, f)| {
                    let i = r
                        .fields
                        .iter()
                        .position(|g| std::ptr::eq(g, f))
                        .and_then(|i| u16::try_from(i).ok())
                        .unwrap_or(u16::MAX);
                    (r, f, i)
                })
                .collect(),
            columns: columns.into_iter().map(|(_, t, c)| (t, c)).collect(),
            name_at,
            field_at,
            column_at,
        }
    }

    /// The name a `Var` node was annotated with ([`Self::annotate`]).
    pub fn name_of(&self, var: &Expr) -> Option<&Name> {
        var.resolved.get().and_then(|i| self.names.get(i))
    }

    /// The field a field identifier was annotated with, when read on `rec`,
    /// and its index in `rec.fields`.
    pub fn field_of(
        &self,
        ident: &Spanned<String>,
        rec: &'static RecordDef,
    ) -> Option<(&'static Field, u16)> {
        let (r, f, i) = *self.fields.get(ident.resolved.get()?)?;
        std::ptr::eq(r, rec).then_some((f, i))
    }

    /// Write each name's and field identifier's resolution into the AST
    /// node itself (`Spanned::resolved`), for the body and the message
    /// templates of the policy this resolution belongs to. Evaluation then
    /// reads an index instead of hashing an offset per name it meets.
    pub fn annotate<'t>(&self, body: &[Stmt], templates: impl Iterator<Item = &'t Template>) {
        let mut exprs: Vec<&Expr> = Vec::new();
        let mut stmts: Vec<&Stmt> = body.iter().collect();
        while let Some(s) = stmts.pop() {
            match &s.node {
                StmtKind::Let(_, e) => exprs.push(e),
                StmtKind::For {
                    coll, filter, body, ..
                } => {
                    exprs.push(coll);
                    exprs.extend(filter);
                    stmts.extend(body);
                }
                StmtKind::When {
                    cond,
                    then,
                    otherwise,
                } => {
                    exprs.push(cond);
                    stmts.extend(then);
                    stmts.extend(otherwise.iter().flatten());
                }
                StmtKind::During { ahead, body, .. } => {
                    exprs.extend(ahead);
                    stmts.extend(body);
                }
                StmtKind::Require { cond, clauses, .. } => {
                    exprs.push(cond);
                    exprs.extend(clause_exprs(clauses));
                }
                StmtKind::Report { clauses, .. } => exprs.extend(clause_exprs(clauses)),
                StmtKind::Derive { value, clauses, .. } => {
                    exprs.push(value);
                    exprs.extend(clause_exprs(clauses));
                }
            }
        }
        for t in templates {
            for p in &t.parts {
                if let Part::Expr(e) = p {
                    exprs.push(e);
                }
            }
        }
        while let Some(e) = exprs.pop() {
            match &e.node {
                ExprKind::Lit(_) => {}
                ExprKind::Var(_) => e.resolved.set(self.name_at.get(e.span.start)),
                ExprKind::Field(base, f) => {
                    f.resolved.set(self.field_at.get(f.span.start));
                    exprs.push(base);
                }
                ExprKind::Index(base, keys) => {
                    exprs.push(base);
                    exprs.extend(keys);
                }
                ExprKind::Unary(_, a) | ExprKind::Paren(a) => exprs.push(a),
                ExprKind::Binary(_, a, b) => {
                    exprs.push(a);
                    exprs.push(b);
                }
                ExprKind::Call(_, args) | ExprKind::List(args) => exprs.extend(args),
                ExprKind::Quant {
                    coll, filter, body, ..
                } => {
                    exprs.push(coll);
                    exprs.extend(filter.as_deref());
                    exprs.extend(body.as_deref());
                }
            }
        }
    }

    /// What the name starting at byte `at` resolved to (for editors).
    pub fn name_at(&self, at: u32) -> Option<&Name> {
        self.names.get(self.name_at.get(at)?)
    }

    /// The record and field the field identifier starting at `at` resolved to.
    pub fn field_at(&self, at: u32) -> Option<(&'static RecordDef, &'static Field)> {
        let (r, f, _) = self.fields.get(self.field_at.get(at)?)?;
        Some((r, f))
    }

    /// The table and column the column identifier starting at `at` resolved to.
    pub fn column_at(&self, at: u32) -> Option<(&Arc<TableData>, usize)> {
        let (t, c) = self.columns.get(self.column_at.get(at)?)?;
        Some((t, *c))
    }

    /// The column whose identifier starts at `at`, when read on table `t`.
    pub fn column(&self, at: u32, t: &TableData) -> Option<usize> {
        let (table, c) = &self.columns[self.column_at.get(at)?];
        std::ptr::eq(Arc::as_ptr(table), t).then_some(*c)
    }
}

fn clause_exprs(c: &Clauses) -> impl Iterator<Item = &Expr> {
    c.at.iter().chain(c.labels.iter().map(|(e, _)| e))
}

/// A fixed hash table from byte offsets to indices (open addressing, linear
/// probing, at most half full). Offsets are distinct; the first wins.
#[derive(Debug, Default)]
struct OffsetMap {
    /// (offset + 1, index); offset + 1 == 0 marks an empty slot.
    slots: Vec<(u32, u32)>,
    shift: u32,
}

impl OffsetMap {
    fn new(keys: impl ExactSizeIterator<Item = u32>) -> OffsetMap {
        let n = keys.len();
        if n == 0 {
            return OffsetMap::default();
        }
        let size = (n * 2).next_power_of_two().max(2);
        let mut map = OffsetMap {
            slots: vec![(0, 0); size],
            shift: 32 - size.trailing_zeros(),
        };
        let mask = size - 1;
        for (index, key) in keys.enumerate() {
            let k = key.wrapping_add(1);
            if k == 0 {
                continue; // u32::MAX: not an offset of a policy file
            }
            let mut h = map.home(key);
            loop {
                let slot = &mut map.slots[h];
                if slot.0 == 0 {
                    *slot = (k, index as u32);
                    break;
                }
                if slot.0 == k {
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        map
    }

    fn home(&self, key: u32) -> usize {
        // Fibonacci hashing: the top bits of key × 2^32/φ.
        (key.wrapping_mul(0x9E37_79B9) >> self.shift) as usize
    }

    fn get(&self, key: u32) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let k = key.wrapping_add(1);
        if k == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut h = self.home(key);
        loop {
            let (sk, i) = self.slots[h];
            if sk == k {
                return Some(i as usize);
            }
            if sk == 0 {
                return None;
            }
            h = (h + 1) & mask;
        }
    }
}

#[derive(Debug, Clone)]
pub struct FactInfo {
    pub name: String,
    pub enum_def: &'static crate::schema::types::EnumDef,
    pub doc: String,
}

/// A memoised `in_force`: (date, number of policies, indices).
type InForce = (Date, usize, Arc<[usize]>);

#[derive(Debug, Default)]
pub struct Library {
    pub policies: Vec<CompiledPolicy>,
    pub tables: HashMap<String, Arc<TableData>>,
    pub consts: HashMap<String, ConstValue>,
    pub facts: BTreeMap<String, FactInfo>,
    /// Element → (department, English name).
    pub routes: BTreeMap<String, (String, Option<String>)>,
    /// Routed elements in declaration order (files sorted by name).
    pub route_order: Vec<String>,
    pub sources: Vec<Source>,
    /// Element → every text that element's policies compare a `standard`
    /// field with: the standards (with grades) the library checks
    /// (`lang::standards`).
    pub standards: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Element → standard → the pollutant codes that element's policies
    /// check under that standard (`lang::standards::collect_rows`).
    pub standard_rows: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// The libraries this one was layered from, lowest first (see
    /// [`build_layers`]); one entry for a library built from one folder.
    pub layers: Vec<LayerInfo>,
    /// Ids of the rules left out by [`Library::retain_policies`] (rule
    /// selection), so a suppression naming one is not called unknown.
    pub deselected: Vec<String>,
    /// `in_force` memoised for the last dates asked (one per run, usually),
    /// with the number of policies it was computed over.
    in_force_memo: Mutex<Vec<InForce>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConstValue {
    Num(f64),
    Qty(crate::units::Quantity),
    Str(String),
    Date(Date),
    Bool(bool),
}

impl Library {
    /// The policies in force on `date`, in a fixed order (by id).
    pub fn in_force(&self, date: Date) -> Vec<&CompiledPolicy> {
        self.in_force_indices(date)
            .iter()
            .map(|&i| &self.policies[i])
            .collect()
    }

    /// Indices into `policies` of the policies in force on `date`, in the
    /// order of [`Library::in_force`]; computed once per date.
    pub fn in_force_indices(&self, date: Date) -> Arc<[usize]> {
        let mut memo = self.in_force_memo.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.policies.len();
        if let Some((_, _, v)) = memo.iter().find(|(d, len, _)| *d == date && *len == n) {
            return v.clone();
        }
        let mut v: Vec<usize> = (0..self.policies.len())
            .filter(|&i| self.policies[i].meta.in_force(date))
            .collect();
        v.sort_by(|&a, &b| {
            let (a, b) = (&self.policies[a].meta, &self.policies[b].meta);
            a.id.cmp(&b.id).then(a.version.cmp(&b.version))
        });
        let v: Arc<[usize]> = v.into();
        if memo.len() >= 8 {
            memo.remove(0);
        }
        memo.push((date, n, v.clone()));
        v
    }

    /// The newest version of a rule (for `explain`), or the one in force on a date.
    pub fn find(&self, id: &str, on: Option<Date>) -> Option<&CompiledPolicy> {
        self.policies
            .iter()
            .filter(|p| p.meta.id == id && on.is_none_or(|d| p.meta.in_force(d)))
            .max_by_key(|p| p.meta.version)
    }

    pub fn department(&self, element: &str) -> String {
        self.routes
            .get(element)
            .map(|(d, _)| d.clone())
            .unwrap_or_default()
    }

    /// Departments in a fixed order: as first routed in the library
    /// (declaration order), each once, with its English name.
    pub fn departments(&self) -> Vec<(String, Option<String>)> {
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        for element in &self.route_order {
            if let Some((d, en)) = self.routes.get(element)
                && !out.iter().any(|(x, _)| x == d)
            {
                out.push((d.clone(), en.clone()));
            }
        }
        out
    }

    /// Keep only the policies `keep` accepts (rule selection); the
    /// memoised `in_force` answers are dropped with the others.
    pub fn retain_policies(&mut self, keep: impl Fn(&CompiledPolicy) -> bool) {
        let mut dropped = Vec::new();
        self.policies.retain(|p| {
            let k = keep(p);
            if !k {
                dropped.push(p.meta.id.clone());
            }
            k
        });
        dropped.dedup();
        self.deselected.extend(dropped);
        self.in_force_memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn rule_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.policies.iter().map(|p| p.meta.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Everything wrong with a library, all files at once.
#[derive(Debug, Default)]
pub struct LibraryErrors {
    pub parse: Vec<ParseError>,
    pub check: Vec<CheckError>,
}

impl LibraryErrors {
    pub fn is_empty(&self) -> bool {
        self.parse.is_empty() && self.check.is_empty()
    }
    pub fn len(&self) -> usize {
        self.parse.len() + self.check.len()
    }
}

/// Parse and check a set of policy files given as (name, text), e.g. the
/// embedded library or a folder read by the CLI. Collects every error.
pub fn build(files: Vec<(String, String)>) -> Result<Library, Box<LibraryErrors>> {
    build_layers(vec![Layer {
        name: "library".into(),
        files,
    }])
}

/// One library of a layered build: a name people recognise (`built-in`,
/// the folder given) and its policy files as (name, text).
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    pub files: Vec<(String, String)>,
}

/// What one layer contributed to a built library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub name: String,
    /// Policy definitions (versions) this layer contributes.
    pub policies: usize,
    /// Rule ids this layer overrides in the layers below it.
    pub overrides: Vec<String>,
}

/// A policy definition found while layering: its id, version and where.
struct Def {
    layer: usize,
    file: usize,
    id: String,
    version: u32,
}

/// Build a library from layers, lowest first (the built-in library, then
/// each `--policies` folder). A layer adds rules to those below it, and
/// overrides a rule by defining its id with a version higher than every
/// version below: the lower definitions of that id are dropped, and a lower
/// file whose every policy is overridden is dropped whole (its tables and
/// constants with it, so a copied file with raised versions works). The
/// same id with the same or a lower version is an accidental clash and an
/// error. Tables, constants and routes share one name space across layers:
/// a clash there is an error naming both definitions.
pub fn build_layers(mut layers: Vec<Layer>) -> Result<Library, Box<LibraryErrors>> {
    use rayon::prelude::*;
    let mut errors = LibraryErrors::default();
    // Every file of every layer, in layer order, sorted by name in a layer.
    let mut sources = Vec::new();
    let mut source_layer = Vec::new();
    for (li, layer) in layers.iter_mut().enumerate() {
        // The texts are moved into the sources, not copied.
        let mut files = std::mem::take(&mut layer.files);
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, text) in files {
            sources.push(SourceFile::new(name, text));
            source_layer.push(li);
        }
    }
    // Files are parsed in parallel (rayon's pool, sized by `-j`); the
    // results are collected in file order, so what follows, errors
    // included, does not depend on the number of threads.
    let results: Vec<Result<PolicyFile, ParseError>> = sources
        .par_iter()
        .map(|source| super::parser::parse_file(source).map_err(|e| e.attach(source)))
        .collect();
    // (layer, parsed file), in the order of `sources`.
    let mut parsed: Vec<(usize, PolicyFile)> = Vec::with_capacity(results.len());
    for (li, result) in source_layer.into_iter().zip(results) {
        match result {
            Ok(f) => parsed.push((li, f)),
            Err(e) => errors.parse.push(e),
        }
    }
    let mut infos: Vec<LayerInfo> = layers
        .iter()
        .map(|l| LayerInfo {
            name: l.name.clone(),
            policies: 0,
            overrides: Vec::new(),
        })
        .collect();
    let defs: Vec<Def> = parsed
        .iter()
        .enumerate()
        .flat_map(|(fi, (li, f))| {
            f.items.iter().filter_map(move |item| match item {
                super::ast::Item::Policy(p) => Some(Def {
                    layer: *li,
                    file: fi,
                    id: p.id.node.clone(),
                    version: ast_version(p),
                }),
                _ => None,
            })
        })
        .collect();
    // (file, id) of the definitions overridden from above.
    let mut dropped: std::collections::HashSet<(usize, String)> = Default::default();
    for (li, info) in infos.iter_mut().enumerate().skip(1) {
        let mut ids: Vec<&str> = defs
            .iter()
            .filter(|d| d.layer == li)
            .map(|d| d.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let below: Vec<&Def> = defs
                .iter()
                .filter(|d| {
                    d.layer < li && d.id == id && !dropped.contains(&(d.file, d.id.clone()))
                })
                .collect();
            let Some(top) = below.iter().max_by_key(|d| d.version) else {
                continue;
            };
            let mut clash = false;
            for d in defs.iter().filter(|d| d.layer == li && d.id == id) {
                if d.version <= top.version {
                    clash = true;
                    // Reported once, here, not again as a duplicate rule.
                    dropped.insert((d.file, d.id.clone()));
                    let (_, f) = &parsed[d.file];
                    let span = policy_span(f, id, d.version);
                    let (_, lower) = &parsed[top.file];
                    errors.check.push(
                        CheckError::new(
                            &f.source,
                            span,
                            "override-clash",
                            format!(
                                "rule `{id}` version {} clashes with version {} of the library `{}` below",
                                d.version, top.version, layers[top.layer].name
                            ),
                        )
                        .label("clashes")
                        .help(format!(
                            "the other definition is in `{}`; to override it, give this one a `version` above {}; to run this library alone, leave the built-in one out (`--no-builtin`)",
                            lower.source.name, top.version
                        )),
                    );
                }
            }
            if !clash {
                info.overrides.push(id.to_string());
                for d in below {
                    dropped.insert((d.file, d.id.clone()));
                }
            }
        }
    }
    let mut files: Vec<PolicyFile> = Vec::with_capacity(parsed.len());
    let mut file_layer: Vec<usize> = Vec::with_capacity(parsed.len());
    for (fi, (li, mut f)) in parsed.into_iter().enumerate() {
        let had = f
            .items
            .iter()
            .any(|i| matches!(i, super::ast::Item::Policy(_)));
        f.items.retain(|i| match i {
            super::ast::Item::Policy(p) => !dropped.contains(&(fi, p.id.node.clone())),
            _ => true,
        });
        let kept = f
            .items
            .iter()
            .filter(|i| matches!(i, super::ast::Item::Policy(_)))
            .count();
        if had && kept == 0 {
            continue;
        }
        infos[li].policies += kept;
        files.push(f);
        file_layer.push(li);
    }
    let layer_of: HashMap<*const SourceFile, usize> = files
        .iter()
        .zip(&file_layer)
        .map(|(f, li)| (Arc::as_ptr(&f.source), *li))
        .collect();
    let (mut lib, check_errors) = super::check::check_files(files);
    for p in &mut lib.policies {
        p.meta.library = layer_of
            .get(&Arc::as_ptr(&p.source))
            .copied()
            .unwrap_or_default();
    }
    lib.sources = sources;
    let mut standards: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for p in &lib.policies {
        let set = standards.entry(p.meta.element.clone()).or_default();
        super::standards::collect(&p.ast.body, set);
    }
    standards.retain(|_, s| !s.is_empty());
    lib.standards = standards;
    lib.standard_rows = standard_rows(&lib);
    lib.layers = infos;
    errors.check.extend(check_errors);
    errors
        .check
        .sort_by(|a, b| a.file.cmp(&b.file).then(a.byte.cmp(&b.byte)));
    if errors.is_empty() {
        Ok(lib)
    } else {
        Err(Box::new(errors))
    }
}

/// A policy's `version` header as written (0 when missing: the checker
/// reports that).
/// Element → standard → pollutant codes checked: the literal codes and the
/// keys, at the pollutant's position, of the tables the policies use.
fn standard_rows(lib: &Library) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    use super::standards::Covered;
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for p in &lib.policies {
        let mut uses = BTreeSet::new();
        super::standards::collect_rows(&p.ast.body, &BTreeSet::new(), &mut uses);
        let by_std = out.entry(p.meta.element.clone()).or_default();
        for (standard, covered) in uses {
            let codes = by_std.entry(standard).or_default();
            match covered {
                Covered::Code(c) => {
                    codes.insert(c);
                }
                Covered::Table(name, pos) => {
                    if let Some(t) = lib.tables.get(&name) {
                        codes.extend(t.rows.iter().filter_map(|r| match r.get(pos) {
                            Some(super::table::CellValue::Text(k)) => Some(k.clone()),
                            _ => None,
                        }));
                    }
                }
            }
        }
    }
    out.retain(|_, m| !m.is_empty());
    out
}

fn ast_version(p: &Policy) -> u32 {
    match p.header("version").map(|h| &h.node) {
        Some(super::ast::HeaderKind::Version(v)) => *v,
        _ => 0,
    }
}

/// Where the definition of `id` at `version` is in `f`, for an error.
fn policy_span(f: &PolicyFile, id: &str, version: u32) -> crate::span::Span {
    f.items
        .iter()
        .find_map(|i| match i {
            super::ast::Item::Policy(p) if p.id.node == id && ast_version(p) == version => {
                Some(p.id.span)
            }
            _ => None,
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{OffsetMap, build};

    /// Files are parsed and policies checked in parallel; the library and
    /// its errors must not depend on the number of threads.
    #[test]
    fn the_library_and_its_errors_are_the_same_whatever_the_threads() {
        let good = crate::library::embedded_files();
        let mut bad = good.clone();
        for i in 0..6 {
            let body = match i % 3 {
                0 => "  require (1 < else \"m\"".to_string(),
                1 => format!("  require unit.no_field_{i} < 1 else \"m {{unit.nope}}\""),
                _ => "  element nowhere".to_string(),
            };
            let text = format!(
                "policy bad.p{i} {{\n  title \"t\"\n  version 1\n  basis \"b\"\n  severity error\n{body}\n}}\n"
            );
            bad.insert(i * 7, (format!("policies/bad-{i}.policy"), text));
        }
        let on = |threads: usize, files: &Vec<(String, String)>| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            match pool.install(|| build(files.clone())) {
                Ok(lib) => lib
                    .policies
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {} {:?}",
                            p.meta.id, p.meta.version, p.meta.file, p.stratum
                        )
                    })
                    .collect::<Vec<_>>(),
                Err(e) => e
                    .parse
                    .iter()
                    .map(|p| format!("{p} {:?}", p.span()))
                    .chain(e.check.iter().map(|c| {
                        format!(
                            "{} {} {} {} {:?}",
                            c.file, c.byte, c.kind, c.message, c.help
                        )
                    }))
                    .collect(),
            }
        };
        let (lib, errors) = (on(1, &good), on(1, &bad));
        assert!(lib.len() > 50, "{lib:?}");
        // Two files do not parse; the four others have check errors.
        assert_eq!(
            errors.iter().filter(|e| e.contains("syntax error")).count(),
            2
        );
        for i in [1, 2, 4, 5] {
            let file = format!("policies/bad-{i}.policy ");
            assert!(
                errors.iter().any(|e| e.starts_with(&file)),
                "{i}: {errors:#?}"
            );
        }
        for threads in [2, 3, 8] {
            assert_eq!(on(threads, &good), lib, "{threads} threads");
            assert_eq!(on(threads, &bad), errors, "{threads} threads");
        }
    }

    #[test]
    fn offset_map_finds_every_key_and_no_other() {
        for n in [0u32, 1, 2, 3, 7, 100, 1000] {
            // Offsets as a checker produces them: distinct, clustered, some large.
            let keys: Vec<u32> = (0..n).map(|i| i * 7 + (i % 3) * 100_000).collect();
            let map = OffsetMap::new(keys.iter().copied());
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(map.get(*k), Some(i), "key {k} of {n}");
            }
            for miss in [1u32, 5, 99_999, 123_456_789, u32::MAX] {
                if !keys.contains(&miss) {
                    assert_eq!(map.get(miss), None, "missing {miss} of {n}");
                }
            }
        }
        // A repeated key keeps its first index; u32::MAX is never stored.
        let map = OffsetMap::new([4u32, 4, u32::MAX].into_iter());
        assert_eq!(map.get(4), Some(0));
        assert_eq!(map.get(u32::MAX), None);
    }
}
