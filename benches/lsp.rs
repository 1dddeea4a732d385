//! The language server as an editor sees it, over stdio through the test
//! client: time from `didChange` to the diagnostics published for it in a
//! shipped policy file (the whole library is checked on each edit), and
//! the time of a completion after `.` (the text is checked again with a
//! placeholder). Median and slowest of `EDITS` edits (default 50).
//! `cargo bench --bench lsp`.

#[path = "../tests/lsp_client/mod.rs"]
mod lsp_client;

use lsp_client::{Client, file_uri, position_of};
use std::time::{Duration, Instant};

const FILE: &str = "air/gb13271-2014.policy";

fn main() {
    let edits: usize = std::env::var("EDITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let path = std::fs::canonicalize("policies")
        .expect("run from the repository")
        .join(FILE);
    let text = std::fs::read_to_string(&path).expect("read the policy");
    let lines = text.lines().count();
    // One edit breaks a field name, the next repairs it: each changes the
    // diagnostics, so each is published.
    let field = "p.concentration";
    let broken = text.replacen(field, "p.concentraton", 1);
    assert_ne!(broken, text, "{FILE} reads `{field}`");

    let mut c = Client::start();
    let uri = file_uri(&path);
    c.open(&uri, &text);
    assert!(c.diagnostics(&uri).is_empty(), "{FILE} checks clean");

    let mut diag = Vec::new();
    for i in 0..edits {
        let (t, want_errors) = if i % 2 == 0 { (&broken, 1) } else { (&text, 0) };
        let start = Instant::now();
        c.change(&uri, i as i64 + 2, t);
        let d = c.diagnostics(&uri);
        diag.push(start.elapsed());
        assert_eq!(d.len(), want_errors, "edit {i}: {d:?}");
    }

    // Completion after `p.` typed on a new line before the first `require`.
    let at = text.find("require p.").expect("a require reading p");
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..at];
    let typing = format!("{}require p.\n{indent}{}", &text[..at], &text[at..]);
    c.change(&uri, 1000, &typing);
    let _ = c.diagnostics(&uri);
    let pos = position_of(&typing, "require p.", 0, false);
    let mut completion = Vec::new();
    for _ in 0..edits {
        let start = Instant::now();
        let items = c.at("textDocument/completion", &uri, pos.clone());
        completion.push(start.elapsed());
        let n = items.as_array().map_or(0, Vec::len);
        assert!(n > 0, "completion offered nothing");
    }
    let _ = c.shutdown();

    println!("policy file: policies/{FILE} ({lines} lines), {edits} edits");
    report("diagnostics after didChange", &mut diag);
    report("completion after `.`", &mut completion);
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<30} median {:>7.2} ms   min {:>7.2} ms   max {:>7.2} ms",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
