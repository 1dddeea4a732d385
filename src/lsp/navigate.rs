//! Go to definition, find references, document and workspace symbols.

use super::query::{self, ItemKind, Target};
use super::text::{LineIndex, path_to_uri};
use super::workspace::Workspace;
use crate::lang::ast::{Item, PolicyFile};
use crate::lang::library::Name;
use crate::span::Span;
use lsp_types::{DocumentSymbol, Location, OneOf, SymbolKind, WorkspaceSymbol};
use std::path::Path;
use std::sync::Arc;

pub fn definition(ws: &mut Workspace, name: &str, offset: usize) -> Vec<Location> {
    let Some((target, _)) = query::target_at(ws, name, offset) else {
        return Vec::new();
    };
    let places = definitions(ws, name, offset, &target);
    locations(ws, places)
}

fn definitions(
    ws: &mut Workspace,
    name: &str,
    offset: usize,
    target: &Target,
) -> Vec<(String, Span)> {
    match target {
        Target::Local { def, .. } => vec![(name.to_string(), *def)],
        Target::Table(t) => {
            // A table declared inside the policy hides a library table.
            if let Some(file) = ws.parsed_file(name) {
                for item in &file.items {
                    if let Item::Policy(p) = item
                        && p.span.start as usize <= offset
                        && offset <= p.span.end as usize
                        && let Some(local) = p.tables.iter().find(|l| l.name.node == t.name)
                    {
                        return vec![(name.to_string(), local.name.span)];
                    }
                }
            }
            query::item_def(ws.parsed(), &t.name, ItemKind::Table)
                .into_iter()
                .collect()
        }
        Target::Const(n, _) => query::item_def(ws.parsed(), n, ItemKind::Const)
            .into_iter()
            .collect(),
        Target::Fact(n) => query::item_def(ws.parsed(), n, ItemKind::Fact)
            .into_iter()
            .collect(),
        Target::Rule(id) => ws
            .analysis()
            .policies
            .iter()
            .filter(|p| &p.id.node == id)
            .map(|p| (p.file.clone(), p.id.span))
            .collect(),
        Target::Field(..) | Target::Column(..) | Target::Builtin(..) | Target::Today => Vec::new(),
    }
}

pub fn references(
    ws: &mut Workspace,
    name: &str,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let Some((target, _)) = query::target_at(ws, name, offset) else {
        return Vec::new();
    };
    let mut places = if include_declaration {
        definitions(ws, name, offset, &target)
    } else {
        Vec::new()
    };
    let a = ws.analysis();
    match &target {
        Target::Local { def, .. } => {
            if let Some(p) = query::policy_at(a, name, def.start as usize) {
                places.extend(
                    p.uses
                        .iter()
                        .filter(|(_, d)| d == def)
                        .map(|(u, _)| (name.to_string(), *u)),
                );
            }
        }
        Target::Table(t) => {
            for p in &a.policies {
                for (span, _) in &p.types {
                    // The name itself, not the lookups that start with it.
                    if span.len() == t.name.len()
                        && let Some(Name::Table(x)) = p.resolution.name_at(span.start)
                        && Arc::ptr_eq(x, t)
                    {
                        places.push((p.file.clone(), *span));
                    }
                }
            }
        }
        Target::Field(_, f) => {
            let len = f.name.len() as u32;
            for p in &a.policies {
                for (span, _) in &p.types {
                    let start = span.end.saturating_sub(len);
                    if let Some((_, g)) = p.resolution.field_at(start)
                        && std::ptr::eq(*f, g)
                    {
                        places.push((p.file.clone(), Span::new(start as usize, span.end as usize)));
                    }
                }
                // A permit section read by name (`air`, `facilities`).
                for (span, _) in &p.types {
                    if span.len() == f.name.len()
                        && let Some(Name::Root(g, _)) = p.resolution.name_at(span.start)
                        && std::ptr::eq(*f, *g)
                    {
                        places.push((p.file.clone(), *span));
                    }
                }
            }
        }
        _ => {}
    }
    places.sort();
    places.dedup();
    locations(ws, places)
}

fn locations(ws: &Workspace, places: Vec<(String, Span)>) -> Vec<Location> {
    places
        .into_iter()
        .filter_map(|(file, span)| {
            let source = ws.source(&file)?;
            let uri = path_to_uri(Path::new(&file))?;
            Some(Location::new(uri, LineIndex::new(&source.text).range(span)))
        })
        .collect()
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be given
fn symbol(
    ix: &LineIndex,
    name: &str,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: name.to_string(),
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: ix.range(span.join(name_span)),
        selection_range: ix.range(name_span),
        children: (!children.is_empty()).then_some(children),
    }
}

/// Policies (with their own tables), tables, constants, facts and routes of one file.
pub fn document_symbols(file: &PolicyFile) -> Vec<DocumentSymbol> {
    let ix = LineIndex::new(&file.source.text);
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Policy(p) => {
                let tables = p
                    .tables
                    .iter()
                    .map(|t| {
                        symbol(
                            &ix,
                            &t.name.node,
                            None,
                            SymbolKind::STRUCT,
                            t.span,
                            t.name.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                let title = p.header("title").and_then(|h| match &h.node {
                    crate::lang::ast::HeaderKind::Title(s) => Some(s.text.node.clone()),
                    _ => None,
                });
                out.push(symbol(
                    &ix,
                    &p.id.node,
                    title,
                    SymbolKind::MODULE,
                    p.span,
                    p.id.span,
                    tables,
                ));
            }
            Item::Table(t) => out.push(symbol(
                &ix,
                &t.name.node,
                t.caption.as_ref().map(|c| c.text.node.clone()),
                SymbolKind::STRUCT,
                t.span,
                t.name.span,
                Vec::new(),
            )),
            Item::Const(c) => out.push(symbol(
                &ix,
                &c.name.node,
                None,
                SymbolKind::CONSTANT,
                c.value.span,
                c.name.span,
                Vec::new(),
            )),
            Item::Fact(d) => out.push(symbol(
                &ix,
                &d.name.node,
                Some(d.ty.node.clone()),
                SymbolKind::ENUM,
                d.ty.span,
                d.name.span,
                Vec::new(),
            )),
            Item::Route(r) => out.push(symbol(
                &ix,
                &r.element.node,
                Some(r.department.text.node.clone()),
                SymbolKind::KEY,
                r.department.text.span,
                r.element.span,
                Vec::new(),
            )),
        }
    }
    out
}

/// Policies, tables, constants and facts of the whole library whose name
/// contains `query` (ignoring case), sorted by name.
pub fn workspace_symbols(ws: &Workspace, query: &str) -> Vec<WorkspaceSymbol> {
    let q = query.to_lowercase();
    let mut out = Vec::new();
    for file in ws.parsed() {
        let Some(uri) = path_to_uri(Path::new(&file.source.name)) else {
            continue;
        };
        let ix = LineIndex::new(&file.source.text);
        let mut push = |name: &str, kind: SymbolKind, span: Span, container: Option<String>| {
            if name.to_lowercase().contains(&q) {
                out.push(WorkspaceSymbol {
                    name: name.to_string(),
                    kind,
                    tags: None,
                    container_name: container,
                    location: OneOf::Left(Location::new(uri.clone(), ix.range(span))),
                    data: None,
                });
            }
        };
        for item in &file.items {
            match item {
                Item::Policy(p) => {
                    push(&p.id.node, SymbolKind::MODULE, p.id.span, None);
                    for t in &p.tables {
                        push(
                            &t.name.node,
                            SymbolKind::STRUCT,
                            t.name.span,
                            Some(p.id.node.clone()),
                        );
                    }
                }
                Item::Table(t) => push(&t.name.node, SymbolKind::STRUCT, t.name.span, None),
                Item::Const(c) => push(&c.name.node, SymbolKind::CONSTANT, c.name.span, None),
                Item::Fact(d) => push(&d.name.node, SymbolKind::ENUM, d.name.span, None),
                Item::Route(_) => {}
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
