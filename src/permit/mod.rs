//! Permit documents: YAML reading with byte spans, and document validation.
//!
//! [`load`] never fails: read errors, YAML errors and document problems all
//! become findings (element `document`). `Loaded::permit` is `Some` whenever
//! a tree could be built, even when validation found errors, so policies can
//! still run on the good parts. **Policies must therefore tolerate untyped
//! values**: a quantity that failed validation is still a `Value::Str`.

pub mod migrate;
pub mod model;
pub mod validate;
pub mod yaml;

use crate::finding::{Finding, Label, Severity};
use crate::span::{Source, SourceFile, Span};
use model::Permit;
use std::io::Read;
use std::path::Path;
pub use yaml::{Limits, LoadError};

/// The result of loading one permit file.
#[derive(Debug)]
pub struct Loaded {
    /// The tree, typed where validation succeeded; `None` when no tree could be built.
    pub permit: Option<Permit>,
    /// Every problem found, in source order.
    pub findings: Vec<Finding>,
}

/// Read, parse and validate one permit text.
pub fn load(source: Source, limits: &Limits) -> Loaded {
    if source.text.len() as u64 > limits.max_file_bytes {
        let err = LoadError::TooLarge {
            size: source.text.len() as u64,
            limit: limits.max_file_bytes,
        };
        return failed(&source, &err);
    }
    if let Some(offset) = source.text.find('\0') {
        let err = LoadError::Binary {
            offset,
            span: Span::new(offset, offset + 1),
        };
        return failed(&source, &err);
    }
    match yaml::parse(&source.text, limits) {
        Err(err) => failed(&source, &err),
        Ok(mut root) => {
            if let Err(f) = format_gate(&root, &source) {
                return Loaded {
                    permit: None,
                    findings: vec![*f],
                };
            }
            let mut findings = validate::validate(&mut root, &source);
            crate::finding::sort(&mut findings);
            Loaded {
                permit: Some(Permit { source, root }),
                findings,
            }
        }
    }
}

/// Read a file (refusing it by size before reading it) and [`load`] it.
pub fn load_path(path: &Path, limits: &Limits) -> Loaded {
    let name = path.display().to_string();
    match read_limited(path, limits.max_file_bytes) {
        Ok(text) => load(SourceFile::new(name, text), limits),
        Err((err, bytes)) => {
            // Show what can be shown: the valid prefix for a UTF-8 error.
            let text = match &err {
                LoadError::NotUtf8 { offset, .. } => {
                    String::from_utf8_lossy(&bytes[..*offset]).into_owned()
                }
                _ => String::new(),
            };
            failed(&SourceFile::new(name, text), &err)
        }
    }
}

/// Read at most `limit` bytes; a larger file is an error before its contents are read.
fn read_limited(path: &Path, limit: u64) -> Result<String, (LoadError, Vec<u8>)> {
    let io = |e: std::io::Error| {
        (
            LoadError::Io {
                message: e.to_string().to_lowercase(),
            },
            Vec::new(),
        )
    };
    // Opening a FIFO blocks until a writer comes, a device may never end:
    // only regular files are read (checked before opening).
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err((
            LoadError::Io {
                message: "not a regular file (a folder, pipe, device or socket)".into(),
            },
            Vec::new(),
        ));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    if let Ok(meta) = file.metadata()
        && meta.len() > limit
    {
        return Err((
            LoadError::TooLarge {
                size: meta.len(),
                limit,
            },
            Vec::new(),
        ));
    }
    // The metadata may lie (pipes, growing files): never read more than limit + 1.
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err((
            LoadError::TooLarge {
                size: bytes.len() as u64,
                limit,
            },
            Vec::new(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        (
            LoadError::NotUtf8 {
                offset,
                span: Span::new(offset, offset),
            },
            bytes,
        )
    })
}

/// Is this a permit document at all? A YAML file that is not a mapping,
/// has no `format` key or names a format this version does not read is
/// not checked: it gets one `document.format` error and no policy runs on
/// it (a CI workflow file in a permit folder must not collect findings
/// about undated acceptance certificates).
fn format_gate(root: &model::Node, source: &Source) -> Result<(), Box<Finding>> {
    use model::Value;
    let current = validate::FORMAT;
    let (span, message, help) = match &root.value {
        Value::Map(_) => match root.entry("format") {
            None => (
                Span::new(root.span.start as usize, root.span.start as usize),
                "not a permit document: no `format` key".to_string(),
                format!(
                    "a permit starts with `format: {current}`; other YAML files in a permit folder are not checked"
                ),
            ),
            Some(e) => match &e.node.value {
                Value::Str(s) if validate::FORMATS.contains(&s.as_str()) => return Ok(()),
                _ => {
                    let shown = source.text.get(e.node.span.range()).unwrap_or("");
                    (
                        e.node.span,
                        format!("unsupported format `{shown}`"),
                        format!(
                            "this version of permitlint reads {}",
                            validate::FORMATS
                                .iter()
                                .map(|f| format!("`format: {f}`"))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        ),
                    )
                }
            },
        },
        _ => (
            root.span,
            format!(
                "not a permit document: the file holds {}, a permit is a mapping",
                root.kind_name()
            ),
            format!("a permit starts with `format: {current}`"),
        ),
    };
    Err(Box::new(Finding {
        rule: "document.format".into(),
        severity: Severity::Error,
        element: "document".into(),
        department: String::new(),
        message,
        basis: None,
        help: Some(help),
        file: source.clone(),
        primary: Some(clamp(span, source.text.len())),
        labels: Vec::new(),
        path: "format".into(),
        field_zh: "格式版本".into(),
    }))
}

/// A load that produced no tree: one `document.yaml` finding.
fn failed(source: &Source, err: &LoadError) -> Loaded {
    use miette::Diagnostic;
    let primary = err.span().map(|s| clamp(s, source.text.len()));
    Loaded {
        permit: None,
        findings: vec![Finding {
            rule: "document.yaml".into(),
            severity: Severity::Error,
            element: "document".into(),
            department: String::new(),
            message: err.to_string(),
            basis: None,
            help: err.help().map(|h| h.to_string()),
            file: source.clone(),
            primary,
            labels: err
                .secondary()
                .map(|(span, text)| Label {
                    span: clamp(span, source.text.len()),
                    text: text.into(),
                })
                .into_iter()
                .collect(),
            path: String::new(),
            field_zh: String::new(),
        }],
    }
}

fn clamp(s: Span, len: usize) -> Span {
    let len = len as u32;
    Span {
        start: s.start.min(len),
        end: s.end.min(len),
    }
}
