//! The language server (`permitlint lsp`): policy authoring in an editor.
//! It owns the protocol side only — reading and writing JSON-RPC messages
//! over stdio, the documents the editor has open, and turning what the
//! compiler knows into diagnostics, hovers, completions, locations, symbols
//! and formatting edits. Every answer comes from the same parser, type
//! checker and formatter `policy check` and `policy fmt` run (`lang`); the
//! checker records for the editor what it resolved (expression types,
//! variable bindings), and nothing here parses or types a policy itself.
//! A library folder (`workspace`) is checked as a whole, so cross-file
//! errors land in the file that has them; open permits (`.yaml`) are
//! checked like `check` does. Diagnostics are published when no message is
//! waiting, so a burst of edits is checked once.
//!
//! Built on `lsp-server` and `lsp-types` (rust-analyzer's crates): plain
//! types and a synchronous loop, no async runtime. Framing is read here
//! rather than by `lsp-server`'s stdio thread, which stops at the first
//! malformed message: a malformed message is answered with a JSON-RPC
//! parse error and the server goes on.

mod complete;
mod hover;
mod navigate;
mod permit;
mod query;
pub mod text;
mod workspace;

use crate::date::Date;
use crate::lang::library::Library;
use lsp_server::{ErrorCode, Message, Notification, Request, Response, ResponseError};
use lsp_types::{
    CompletionOptions, DocumentFormattingParams, DocumentSymbolParams, GotoDefinitionParams,
    HoverParams, HoverProviderCapability, InitializeResult, OneOf, PublishDiagnosticsParams,
    ReferenceParams, ServerCapabilities, ServerInfo, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri, WorkspaceSymbolParams,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use text::{LineIndex, uri_to_path};
use workspace::{Workspace, library_root};

/// Largest message body accepted (a policy library file is kilobytes).
const MAX_MESSAGE: usize = 64 << 20;

/// What the reader thread hands to the server.
enum Incoming {
    Message(Message),
    /// A message that could not be read: why.
    Malformed(String),
}

/// Serve the protocol on stdin/stdout until `exit`. Returns the exit code:
/// 0 after `shutdown` then `exit`, 1 when the input ends or `exit` comes
/// without `shutdown` (as the protocol asks).
pub fn run_stdio() -> i32 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        read_messages(&mut stdin.lock(), &tx);
    });
    let mut server = Server::new(Box::new(std::io::stdout()));
    server.run(&rx)
}

fn read_messages(r: &mut impl BufRead, tx: &Sender<Incoming>) {
    loop {
        let incoming = match read_frame(r) {
            Ok(None) => return,
            Ok(Some(body)) => match serde_json::from_str::<Message>(&body) {
                Ok(m) => Incoming::Message(m),
                Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
            },
            Err(Frame::Closed) => return,
            Err(Frame::Bad(why)) => Incoming::Malformed(why),
        };
        if tx.send(incoming).is_err() {
            return;
        }
    }
}

enum Frame {
    Closed,
    Bad(String),
}

/// One message body: headers up to an empty line, then `Content-Length` bytes.
fn read_frame(r: &mut impl BufRead) -> Result<Option<String>, Frame> {
    let mut length = None;
    let mut bad_header = None;
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(_) => return Err(Frame::Closed),
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        match l.split_once(':') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("content-length") => {
                match v.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", v.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header `{l}`")),
        }
    }
    let Some(n) = length else {
        return Err(Frame::Bad(
            bad_header.unwrap_or_else(|| "a message without Content-Length".into()),
        ));
    };
    if n > MAX_MESSAGE {
        let _ = std::io::copy(&mut r.take(n as u64), &mut std::io::sink());
        return Err(Frame::Bad(format!(
            "a message of {n} bytes (the limit is {MAX_MESSAGE})"
        )));
    }
    let mut body = vec![0; n];
    r.read_exact(&mut body).map_err(|_| Frame::Closed)?;
    if let Some(why) = bad_header {
        return Err(Frame::Bad(why));
    }
    String::from_utf8(body)
        .map(Some)
        .map_err(|_| Frame::Bad("a message body that is not UTF-8".into()))
}

/// An open permit.
struct PermitDoc {
    uri: Uri,
    name: String,
    text: String,
    due: bool,
    /// The library folder it is checked with, when it is a workspace (edits
    /// to its policies re-check the permit); `None`: the configured folders
    /// or the shipped library.
    library: Option<PathBuf>,
    /// The generation of that library it was last checked with.
    checked: Option<u64>,
}

struct Server {
    out: Box<dyn Write>,
    initialized: bool,
    shutdown: bool,
    /// Library folders named in `initializationOptions.library`.
    configured: Vec<PathBuf>,
    workspaces: Vec<Workspace>,
    /// Workspaces whose diagnostics may have changed.
    due: Vec<PathBuf>,
    permits: BTreeMap<String, PermitDoc>,
    /// The library permits are checked with, built on first use.
    permit_library: Option<Result<Library, String>>,
}

fn error(code: ErrorCode, message: impl Into<String>) -> ResponseError {
    ResponseError {
        code: code as i32,
        message: message.into(),
        data: None,
    }
}

fn params<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ResponseError> {
    serde_json::from_value(v)
        .map_err(|e| error(ErrorCode::InvalidParams, format!("invalid params: {e}")))
}

impl Server {
    fn new(out: Box<dyn Write>) -> Server {
        Server {
            out,
            initialized: false,
            shutdown: false,
            configured: Vec::new(),
            workspaces: Vec::new(),
            due: Vec::new(),
            permits: BTreeMap::new(),
            permit_library: None,
        }
    }

    fn run(&mut self, rx: &Receiver<Incoming>) -> i32 {
        let mut waiting: Option<Incoming> = None;
        loop {
            let incoming = match waiting.take() {
                Some(m) => m,
                None => match rx.recv() {
                    Ok(m) => m,
                    Err(_) => return 1,
                },
            };
            match incoming {
                Incoming::Malformed(why) => self.send_raw(serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": null,
                    "error": { "code": ErrorCode::ParseError as i32, "message": why },
                })),
                Incoming::Message(Message::Request(req)) => self.on_request(req),
                Incoming::Message(Message::Notification(n)) => {
                    if n.method == "exit" {
                        return if self.shutdown { 0 } else { 1 };
                    }
                    let method = n.method.clone();
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.on_notification(n)
                    }));
                    if r.is_err() {
                        self.log(&format!("internal error while handling `{method}`"));
                    }
                }
                Incoming::Message(Message::Response(_)) => {}
            }
            // Publish once the burst of messages is over.
            match rx.try_recv() {
                Ok(m) => waiting = Some(m),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                    let r =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.publish()));
                    if r.is_err() {
                        self.log("internal error while checking");
                    }
                }
            }
        }
    }

    fn send(&mut self, m: Message) {
        let _ = m.write(&mut self.out);
        let _ = self.out.flush();
    }

    fn send_raw(&mut self, v: Value) {
        let body = v.to_string();
        let _ = write!(self.out, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.out.flush();
    }

    fn log(&mut self, message: &str) {
        self.send(Message::Notification(Notification::new(
            "window/logMessage".into(),
            serde_json::json!({ "type": 1, "message": message }),
        )));
    }

    fn on_request(&mut self, req: Request) {
        let id = req.id.clone();
        let result = if !self.initialized && req.method != "initialize" {
            Err(error(
                ErrorCode::ServerNotInitialized,
                "the server is not initialized",
            ))
        } else if self.shutdown {
            Err(error(
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            ))
        } else {
            let method = req.method.clone();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(req)))
                .unwrap_or_else(|_| {
                    Err(error(
                        ErrorCode::InternalError,
                        format!("internal error while handling `{method}`"),
                    ))
                })
        };
        let response = Response {
            id,
            response_result: result,
        };
        self.send(Message::Response(response));
    }

    fn dispatch(&mut self, req: Request) -> Result<Value, ResponseError> {
        let to_json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| error(ErrorCode::InternalError, e.to_string()))
        };
        match req.method.as_str() {
            "initialize" => {
                self.initialize(&req.params);
                to_json(serde_json::to_value(InitializeResult {
                    capabilities: capabilities(),
                    server_info: Some(ServerInfo {
                        name: "permitlint".into(),
                        version: Some(env!("CARGO_PKG_VERSION").into()),
                    }),
                }))
            }
            "shutdown" => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            "textDocument/hover" => {
                let p: HoverParams = params(req.params)?;
                let Some((ws, name, offset)) = self.position(&p.text_document_position_params)
                else {
                    return Ok(Value::Null);
                };
                to_json(serde_json::to_value(hover::hover(ws, &name, offset)))
            }
            "textDocument/completion" => {
                let p: lsp_types::CompletionParams = params(req.params)?;
                let Some((ws, name, offset)) = self.position(&p.text_document_position) else {
                    return Ok(Value::Null);
                };
                to_json(serde_json::to_value(complete::complete(ws, &name, offset)))
            }
            "textDocument/definition" => {
                let p: GotoDefinitionParams = params(req.params)?;
                let Some((ws, name, offset)) = self.position(&p.text_document_position_params)
                else {
                    return Ok(Value::Null);
                };
                to_json(serde_json::to_value(navigate::definition(
                    ws, &name, offset,
                )))
            }
            "textDocument/references" => {
                let p: ReferenceParams = params(req.params)?;
                let Some((ws, name, offset)) = self.position(&p.text_document_position) else {
                    return Ok(Value::Null);
                };
                let decl = p.context.include_declaration;
                to_json(serde_json::to_value(navigate::references(
                    ws, &name, offset, decl,
                )))
            }
            "textDocument/documentSymbol" => {
                let p: DocumentSymbolParams = params(req.params)?;
                let Some((ws, name)) = self.document(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let symbols = ws
                    .parsed_file(&name)
                    .map(navigate::document_symbols)
                    .unwrap_or_default();
                to_json(serde_json::to_value(symbols))
            }
            "workspace/symbol" => {
                let p: WorkspaceSymbolParams = params(req.params)?;
                let mut all = Vec::new();
                for ws in &self.workspaces {
                    all.extend(navigate::workspace_symbols(ws, &p.query));
                }
                to_json(serde_json::to_value(all))
            }
            "textDocument/formatting" => {
                let p: DocumentFormattingParams = params(req.params)?;
                let Some((ws, name)) = self.document(&p.text_document.uri) else {
                    return Ok(Value::Null);
                };
                let Some(source) = ws.source(&name) else {
                    return Ok(Value::Null);
                };
                // A file that does not parse is left alone (its diagnostics say why).
                let Ok(out) = crate::lang::fmt::format_source(source) else {
                    return Ok(Value::Null);
                };
                let edits = if out == source.text {
                    Vec::new()
                } else {
                    let ix = LineIndex::new(&source.text);
                    let end = ix.position(source.text.len());
                    vec![TextEdit::new(
                        lsp_types::Range::new(lsp_types::Position::new(0, 0), end),
                        out,
                    )]
                };
                to_json(serde_json::to_value(edits))
            }
            "textDocument/codeAction" => {
                let p: lsp_types::CodeActionParams = params(req.params)?;
                let Some(doc) = self.permits.get(p.text_document.uri.as_str()) else {
                    return Ok(Value::Array(Vec::new()));
                };
                to_json(serde_json::to_value(permit::suppress_actions(
                    &p.text_document.uri,
                    &doc.text,
                    &p.context.diagnostics,
                )))
            }
            m => Err(error(
                ErrorCode::MethodNotFound,
                format!("unknown method `{m}`"),
            )),
        }
    }

    fn initialize(&mut self, p: &Value) {
        self.initialized = true;
        let lib = p
            .get("initializationOptions")
            .and_then(|o| o.get("library"));
        let paths: Vec<&str> = match lib {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        self.configured = paths.into_iter().map(PathBuf::from).collect();
    }

    /// The workspace holding an open document, and the document's name.
    fn document(&mut self, uri: &Uri) -> Option<(&mut Workspace, String)> {
        let name = uri_to_path(uri)?.display().to_string();
        let ws = self.workspaces.iter_mut().find(|w| w.contains(&name))?;
        Some((ws, name))
    }

    fn position(
        &mut self,
        p: &TextDocumentPositionParams,
    ) -> Option<(&mut Workspace, String, usize)> {
        let (ws, name) = self.document(&p.text_document.uri)?;
        let offset = LineIndex::new(&ws.source(&name)?.text).offset(p.position);
        Some((ws, name, offset))
    }

    fn on_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                else {
                    return;
                };
                self.set_text(p.text_document.uri, p.text_document.text);
            }
            "textDocument/didChange" => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return;
                };
                // We ask for full texts; a client that sends ranges anyway
                // has them applied in order to the text we hold.
                let uri = p.text_document.uri;
                let mut text = None;
                for c in p.content_changes {
                    match c.range {
                        None => text = Some(c.text),
                        Some(range) => {
                            let Some(mut t) = text.take().or_else(|| self.text_of(&uri)) else {
                                return;
                            };
                            let ix = LineIndex::new(&t);
                            let (a, b) = (ix.offset(range.start), ix.offset(range.end));
                            t.replace_range(a..b.max(a), &c.text);
                            text = Some(t);
                        }
                    }
                }
                if let Some(t) = text {
                    self.set_text(uri, t);
                }
            }
            "textDocument/didClose" => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                else {
                    return;
                };
                let uri = p.text_document.uri;
                if self.permits.remove(uri.as_str()).is_some() {
                    self.publish_diagnostics(uri, Vec::new());
                    return;
                }
                if let Some(path) = uri_to_path(&uri) {
                    let name = path.display().to_string();
                    if let Some(ws) = self.workspaces.iter_mut().find(|w| w.contains(&name)) {
                        ws.close(&name);
                        ws.forget_published(&name);
                        let root = ws.root.clone();
                        self.mark_due(root);
                    }
                }
            }
            _ => {}
        }
    }

    /// The text held for an open document.
    fn text_of(&self, uri: &Uri) -> Option<String> {
        if let Some(d) = self.permits.get(uri.as_str()) {
            return Some(d.text.clone());
        }
        let name = uri_to_path(uri)?.display().to_string();
        let ws = self.workspaces.iter().find(|w| w.contains(&name))?;
        Some(ws.source(&name)?.text.clone())
    }

    fn mark_due(&mut self, root: PathBuf) {
        if !self.due.contains(&root) {
            self.due.push(root);
        }
    }

    /// A document was opened or changed.
    fn set_text(&mut self, uri: Uri, text: String) {
        let Some(path) = uri_to_path(&uri) else {
            return;
        };
        let name = path.display().to_string();
        if permit::is_permit(&path) {
            // Without configured folders, a permit next to a `policies`
            // folder (in it or in a folder beside it) is checked with that
            // library as it stands in the editor.
            let library = if self.configured.is_empty() {
                path.ancestors()
                    .skip(1)
                    .map(|a| a.join("policies"))
                    .find(|p| p.is_dir())
            } else {
                None
            };
            self.permits.insert(
                uri.as_str().to_string(),
                PermitDoc {
                    uri,
                    name,
                    text,
                    due: true,
                    library,
                    checked: None,
                },
            );
            return;
        }
        if path.extension().and_then(|e| e.to_str()) != Some(crate::library::EXT) {
            return;
        }
        let i = match self.workspaces.iter().position(|w| w.contains(&name)) {
            Some(i) => i,
            None => {
                let (root, recursive) = library_root(&path, &self.configured);
                match self.workspaces.iter().position(|w| w.root == root) {
                    Some(i) => i,
                    None => {
                        self.workspaces.push(Workspace::load(root, recursive));
                        self.workspaces.len() - 1
                    }
                }
            }
        };
        self.workspaces[i].set_text(&name, text, true);
        let root = self.workspaces[i].root.clone();
        self.mark_due(root);
    }

    /// Send the diagnostics that changed.
    fn publish(&mut self) {
        for root in std::mem::take(&mut self.due) {
            let Some(ws) = self.workspaces.iter_mut().find(|w| w.root == root) else {
                continue;
            };
            let generation = ws.generation;
            for (name, list) in ws.diagnostics() {
                if let Some(uri) = text::path_to_uri(std::path::Path::new(&name)) {
                    self.publish_diagnostics(uri, list);
                }
            }
            for d in self.permits.values_mut() {
                if d.library.as_ref() == Some(&root) && d.checked != Some(generation) {
                    d.due = true;
                }
            }
        }
        // The date of each check, so a server left running passes midnight.
        let as_of = Date::today();
        let due: Vec<String> = self
            .permits
            .iter()
            .filter(|(_, d)| d.due)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let Some(doc) = self.permits.get_mut(&key) else {
                continue;
            };
            doc.due = false;
            let library = doc.library.clone();
            let list = match library {
                Some(root) => {
                    let i = match self.workspaces.iter().position(|w| w.root == root) {
                        Some(i) => i,
                        None => {
                            self.workspaces.push(Workspace::load(root, true));
                            self.workspaces.len() - 1
                        }
                    };
                    let ws = &mut self.workspaces[i];
                    let errors = ws.error_count();
                    let Some(doc) = self.permits.get_mut(&key) else {
                        continue;
                    };
                    doc.checked = Some(ws.generation);
                    if errors > 0 {
                        vec![library_broken(&format!(
                            "the policy library `{}` has {errors} error(s); permits are not checked until it builds",
                            ws.root.display()
                        ))]
                    } else {
                        let lib = &ws.analysis().lib;
                        permit::diagnostics(lib, &doc.uri, &doc.name, &doc.text, as_of)
                    }
                }
                None => {
                    let lib = self
                        .permit_library
                        .get_or_insert_with(|| permit_library(&self.configured));
                    let Some(doc) = self.permits.get(&key) else {
                        continue;
                    };
                    match lib {
                        Ok(lib) => permit::diagnostics(lib, &doc.uri, &doc.name, &doc.text, as_of),
                        Err(why) => vec![library_broken(why)],
                    }
                }
            };
            let Some(uri) = self.permits.get(&key).map(|d| d.uri.clone()) else {
                continue;
            };
            self.publish_diagnostics(uri, list);
        }
    }

    fn publish_diagnostics(&mut self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        if let Ok(v) = serde_json::to_value(params) {
            self.send(Message::Notification(Notification::new(
                "textDocument/publishDiagnostics".into(),
                v,
            )));
        }
    }
}

/// One diagnostic at the top of a permit: its library does not build.
fn library_broken(why: &str) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        message: why.to_string(),
        source: Some("permitlint".into()),
        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
        ..lsp_types::Diagnostic::default()
    }
}

/// The configured library folders, or the shipped library.
fn permit_library(configured: &[PathBuf]) -> Result<Library, String> {
    let files = if configured.is_empty() {
        crate::library::embedded_files()
    } else {
        let mut all = Vec::new();
        for d in configured {
            all.extend(crate::library::read_dir(d).map_err(|e| e.join("; "))?);
        }
        all
    };
    crate::lang::library::build(files).map_err(|e| {
        format!(
            "the policy library has {} error(s); permits are not checked until it builds",
            e.len()
        )
    })
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "[".into(), "\"".into(), "=".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}
