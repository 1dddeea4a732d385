//! The bodies of the six fuzz targets, in one place: the `cargo fuzz`
//! targets (`fuzz/fuzz_targets/*.rs`) and the regression test that replays
//! every saved crash (`tests/fuzz_regressions.rs`) include this file, so
//! both check exactly the same properties. Uses only permitlint's API.

// Each fuzz target binary uses one of the six functions.
#![allow(dead_code)]

use permitlint::date::Date;
use permitlint::lang::{fmt, library, parser};
use permitlint::permit::{Limits, load_path};
use permitlint::run::{Options, check_text};
use permitlint::span::SourceFile;

const LIBRARY: &str = include_str!("../policies/library.policy");

/// The AST as the formatter's oracle compares it: `==` ignores spans, and
/// each policy's headers are in the formatter's canonical order (their
/// order means nothing: the checker looks each up by keyword; a header
/// given twice keeps its place among its kind).
fn canonical(mut items: Vec<permitlint::lang::ast::Item>) -> Vec<permitlint::lang::ast::Item> {
    const ORDER: [&str; 7] = [
        "title",
        "version",
        "basis",
        "element",
        "severity",
        "effective",
        "supersedes",
    ];
    for item in &mut items {
        if let permitlint::lang::ast::Item::Policy(p) = item {
            p.headers
                .sort_by_key(|h| ORDER.iter().position(|k| *k == h.node.keyword()));
        }
    }
    items
}

/// The file the `permit` target writes each input to: one per process, in
/// `/dev/shm` where it exists (no disk writes), else the temporary folder.
fn scratch_file() -> &'static std::path::Path {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("permitlint-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir.join("fuzz.yaml")
    })
}

/// Remove the scratch folder of this process (the regression test calls it
/// when done; a fuzzer's is left, a few small files, until the next reboot
/// for `/dev/shm`).
pub fn remove_scratch() {
    if let Some(dir) = scratch_file().parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Permit bytes, as they are (non-UTF-8, NUL and all) → `permit::load_path`,
/// the entry point the CLI reads permit files with (size limit, UTF-8 and
/// binary checks, then parse and validate), with the default limits. Must
/// not panic, and every finding's spans lie inside the text it carries
/// (reporters slice by them).
pub fn permit(data: &[u8]) {
    let path = scratch_file();
    std::fs::write(path, data).expect("write the scratch permit");
    let loaded = load_path(path, &Limits::default());
    if std::str::from_utf8(data).is_err() || data.contains(&0) {
        assert!(loaded.permit.is_none(), "binary or non-UTF-8 input loaded");
        assert!(!loaded.findings.is_empty(), "binary input gave no finding");
    }
    for f in &loaded.findings {
        let len = f.file.text.len() as u32;
        if let Some(p) = f.primary {
            assert!(p.start <= p.end && p.end <= len, "{f:?}");
        }
        for l in &f.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= len, "{f:?}");
        }
    }
}

/// Permit bytes → `run::check_text` against `lib` (the shipped library).
/// `check_text` catches panics; a caught panic still fails here.
pub fn check(lib: &library::Library, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let opts = Options::new(Date::new(2026, 12, 1).expect("date"));
    let r = check_text(lib, "fuzz.yaml", &text, &opts, None);
    assert!(!r.internal_error, "{:?}", r.findings);
}

/// Policy text → parse + type-check (with the shipped `library.policy`, so
/// routes and facts resolve) → when it parses, format it: the formatted
/// text parses to the same AST (`==` on the AST ignores spans), and the
/// formatter is idempotent.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = library::build(vec![
        ("fuzz.policy".to_string(), text.to_string()),
        ("policies/library.policy".to_string(), LIBRARY.to_string()),
    ]);
    let source = SourceFile::new("fuzz.policy", text);
    let Ok(before) = parser::parse_file(&source) else {
        return;
    };
    let once = fmt::format_file(&before);
    let after = parser::parse_file(&SourceFile::new("fuzz.policy", once.clone()))
        .unwrap_or_else(|e| panic!("formatted output does not parse: {e:?}\n{once}"));
    assert!(
        canonical(before.items) == canonical(after.items.clone()),
        "formatting changed the AST\n--- input\n{text}\n--- formatted\n{once}"
    );
    let again = fmt::format_file(&after);
    assert_eq!(once, again, "formatting is not idempotent");
}

/// The permit every fuzzed policy is evaluated over (`eval`) and the one
/// the `render` target writes fuzzed text into.
const REFERENCE_PERMIT: &str = include_str!("../tests/fixtures/permits/reference.yaml");

fn as_of() -> Date {
    Date::new(2026, 12, 1).expect("date")
}

/// The budget of the `eval` target: far below the default (10 million
/// loop iterations, 16 MiB of messages) so one input stays well inside
/// libFuzzer's `-timeout` even in an AddressSanitizer build.
pub const EVAL_BUDGET: permitlint::eval::interp::Budget = permitlint::eval::interp::Budget {
    steps: 200_000,
    message_bytes: 1 << 20,
};

/// Policy text → a library of it and `policies/library.policy` → when it
/// builds, evaluate it over the reference permit with [`EVAL_BUDGET`]. Must
/// end (libFuzzer's `-timeout` is the hang oracle), never panic (a caught
/// panic is `internal_error`), and a rule that runs out of budget gets its
/// one "evaluation stopped" finding, with the rest of the run intact.
pub fn eval(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(lib) = library::build(vec![
        ("fuzz.policy".to_string(), text.to_string()),
        ("policies/library.policy".to_string(), LIBRARY.to_string()),
    ]) else {
        return;
    };
    let mut opts = Options::new(as_of());
    opts.budget = EVAL_BUDGET;
    let r = check_text(&lib, "reference.yaml", REFERENCE_PERMIT, &opts, None);
    assert!(!r.internal_error, "{:?}", r.findings);
    assert!(r.rules_applied <= lib.policies.len(), "{r:?}");
    for f in &r.findings {
        if f.message.starts_with("evaluation stopped") {
            assert_eq!(f.severity, permitlint::finding::Severity::Error);
        }
        assert!(
            f.message.len() <= 2 * permitlint::eval::interp::MAX_MESSAGE_BYTES,
            "a {}-byte message",
            f.message.len()
        );
    }
}

/// `s` as a YAML double-quoted scalar: printable ASCII as it is, every
/// other character as a `\u`/`\U` escape, so any text reaches the loader.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The fuzzed text of one `render` input: pieces of the input split at
/// 0xFF (a byte that never occurs in UTF-8), each read as UTF-8 (invalid
/// sequences become U+FFFD); missing pieces are empty.
struct Pieces(Vec<String>);

impl Pieces {
    fn new(data: &[u8]) -> Pieces {
        Pieces(
            data.split(|&b| b == 0xff)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect(),
        )
    }
    fn get(&self, i: usize) -> &str {
        self.0.get(i).map_or("", String::as_str)
    }
}

/// The input with every line break in its pieces (a character a renderer
/// could turn into a new line) replaced by as many spaces as it has bytes,
/// so every span and length stays where it was; the flags byte is kept.
fn without_line_breaks(data: &[u8]) -> Vec<u8> {
    let Some((&flags, rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut out = vec![flags];
    for (i, piece) in Pieces::new(rest).0.iter().enumerate() {
        if i > 0 {
            out.push(0xff);
        }
        for c in piece.chars() {
            match c {
                '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                    out.extend(std::iter::repeat_n(b' ', c.len_utf8()))
                }
                c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
    }
    out
}

/// Everything the `render` target renders from one input.
struct Rendered {
    formats: Vec<(&'static str, String)>,
    findings: usize,
    markdown: Vec<(&'static str, String)>,
    html: Vec<(&'static str, String)>,
    csv: Vec<(&'static str, String)>,
    json: Vec<(&'static str, String)>,
}

fn render_all(lib: &library::Library, data: &[u8]) -> Rendered {
    use permitlint::finding::{Finding, Label, Severity};
    use permitlint::lists::{Builder, changes};
    use permitlint::report::{self, Format, HumanOptions, RuleMeta, RunInfo};
    use permitlint::review::{Lang, form, html, notice};
    use permitlint::span::Span;

    // The first byte holds flags (severity, span, human options); the rest
    // is the text.
    let flags = data.first().copied().unwrap_or(0);
    let p = Pieces::new(data.get(1..).unwrap_or_default());
    let file_name = match p.get(0) {
        "" => "fuzz.yaml".to_string(),
        s => s.to_string(),
    };
    let text = REFERENCE_PERMIT
        .replacen(
            "name: 苏州某热电有限公司",
            &format!("name: {}", yaml_quoted(p.get(1))),
            1,
        )
        .replacen(
            "address: 江苏省苏州市吴中区某路1号",
            &format!("address: {}", yaml_quoted(p.get(2))),
            1,
        );
    let opts = Options::new(as_of());
    let mut r = check_text(lib, &file_name, &text, &opts, None);
    assert!(!r.internal_error, "{:?}", r.findings);
    // One finding made of fuzzed text, pointing somewhere in the permit.
    let source = SourceFile::new(file_name.clone(), text.clone());
    let at = |n: usize| {
        let mut i = n % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = at(p.get(3).len() * 97);
    let end = start.max(at(start + p.get(4).len()));
    let severity = [
        Severity::Error,
        Severity::Warning,
        Severity::Notice,
        Severity::Undecided,
    ][usize::from(flags) % 4];
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    r.findings.push(Finding {
        rule: p.get(3).to_string(),
        severity,
        element: p.get(11).to_string(),
        department: p.get(7).to_string(),
        message: p.get(4).to_string(),
        basis: opt(p.get(6)),
        help: opt(p.get(5)),
        file: source,
        primary: (flags & 4 == 0).then(|| Span::new(start, end)),
        labels: vec![Label {
            span: Span::new(start, start),
            text: p.get(10).to_string(),
        }],
        path: p.get(8).to_string(),
        field_zh: p.get(9).to_string(),
    });
    permitlint::finding::sort(&mut r.findings);

    // The rules as `check` lists them (`cli::check::rule_metas`).
    let mut rules: Vec<RuleMeta> = lib
        .in_force(as_of())
        .into_iter()
        .map(|p| RuleMeta {
            id: p.meta.id.clone(),
            title: p.meta.title.clone(),
            basis: p.meta.basis.clone(),
            element: p.meta.element.clone(),
            severity: p.meta.severity,
            help: permitlint::docs::policy_markdown(lib, p),
        })
        .collect();
    rules.push(RuleMeta {
        id: p.get(3).to_string(),
        title: p.get(12).to_string(),
        basis: p.get(6).to_string(),
        element: p.get(11).to_string(),
        severity,
        help: p.get(13).to_string(),
    });
    let run = RunInfo {
        as_of: as_of(),
        files: 1,
        elapsed: std::time::Duration::ZERO,
        rules,
        tool_version: "0.0.0-fuzz",
    };
    let plain = HumanOptions {
        color: false,
        unicode: flags & 8 != 0,
        width: 40 + usize::from(flags >> 4) * 8,
    };
    let formats = Format::ALL
        .iter()
        .map(|&(name, f)| (name, report::render(f, &r.findings, &run, &plain)))
        .collect();
    // Coloured human output must render too (its escapes are its own).
    let coloured = HumanOptions {
        color: true,
        ..plain
    };
    let _ = report::render(Format::Human, &r.findings, &run, &coloured);

    let mut markdown = Vec::new();
    let mut html_out = Vec::new();
    for (lang, n) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        markdown.push((n, notice::render(&r, as_of(), lang)));
        let f = form::build(lib, &r, as_of(), lang);
        markdown.push((n, form::render_markdown(&f, lang)));
        html_out.push((n, html::render_form(&f, lang)));
        // The index names each form by its output file's stem, which the
        // CLI makes safe (`cli::review::output_names`: no path, control or
        // Markdown-special characters); a stem from the fuzzed name would
        // test an input the index never gets.
        let index = vec![("permit".to_string(), f)];
        markdown.push((n, form::render_index_markdown(&index, lang)));
        html_out.push((n, html::render_index(&index, lang)));
    }

    let mut lists = Builder::default();
    lists.add(&r);
    let current = lists.finish(as_of());
    let previous = Builder::default().finish(as_of());
    let mut csv = Vec::new();
    for c in permitlint::lists::CATEGORIES {
        csv.push((c, current.csv(c)));
    }
    let ch = changes::compare(&previous, &current, as_of());
    csv.push(("changes", ch.csv()));
    let json = vec![("lists", current.json()), ("changes", ch.json())];
    Rendered {
        findings: r.findings.len(),
        formats,
        markdown,
        html: html_out,
        csv,
        json,
    }
}

/// Fuzzed text (a file name, the unit's name and address written into the
/// reference permit, and every field of one extra finding) → every output:
/// the six `--format`s, the notice, the countersign form (Markdown and
/// HTML, and their index) and the lists (CSV, JSON). Each must be well
/// formed for its reader and carry nothing that could act on it: JSON
/// parses; JUnit is well-formed XML; no output a person reads holds a
/// control, bidi or ANSI character; GitHub commands are one line per
/// finding with only the expected properties; HTML and Markdown hold only
/// the tags the renderer writes, no image and no link made of input; no
/// line break in the input adds a line to a Markdown document; no CSV cell
/// can start a formula.
pub fn render(lib: &library::Library, data: &[u8]) {
    let out = render_all(lib, data);
    for (name, text) in &out.formats {
        match *name {
            "json" | "sarif" => {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                    panic!("{name} output does not parse: {e}\n{text}");
                }
                assert_no_raw_controls(name, text);
            }
            "junit" => {
                if let Err(e) = xml_well_formed(text) {
                    panic!("junit output is not well-formed XML: {e}\n{text}");
                }
            }
            "github" => check_github(text, out.findings),
            "concise" => {
                assert_no_hazard(name, text);
                assert_eq!(
                    text.lines().count(),
                    out.findings,
                    "concise: one line a finding\n{text}"
                );
            }
            _ => assert_no_hazard(name, text),
        }
    }
    for (name, text) in &out.markdown {
        assert_no_hazard(name, text);
        check_markdown(name, text);
    }
    for (name, text) in &out.html {
        assert_no_hazard(name, text);
        check_markup(name, text, HTML_TAGS);
    }
    for (name, text) in &out.csv {
        check_csv(name, text);
    }
    for (name, text) in &out.json {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            panic!("{name}.json does not parse: {e}\n{text}");
        }
    }
    // The same input with every line break in it made a space: each
    // Markdown document has as many lines (a value cannot start a line).
    let flat = render_all(lib, &without_line_breaks(data));
    for ((name, a), (_, b)) in out.markdown.iter().zip(&flat.markdown) {
        assert_eq!(
            a.lines().count(),
            b.lines().count(),
            "{name}: a line break in a value changed the document's lines\n{a}\n----\n{b}"
        );
    }
}

fn assert_no_hazard(name: &str, text: &str) {
    if let Some((i, c)) = text
        .char_indices()
        .find(|&(_, c)| permitlint::escape::is_hazard(c) && c != '\r')
    {
        panic!(
            "{name}: raw U+{:04X} at byte {i}\n{}",
            c as u32,
            &text[text.floor_char_boundary(i.saturating_sub(200))..]
        );
    }
    // CR only as part of CRLF.
    let b = text.as_bytes();
    for (i, _) in text.match_indices('\r') {
        assert_eq!(b.get(i + 1), Some(&b'\n'), "{name}: a bare CR at {i}");
    }
}

/// JSON text (serde_json's output): no raw C0 control other than the line
/// feeds of pretty-printing.
fn assert_no_raw_controls(name: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| c < ' ' && c != '\n') {
        panic!("{name}: raw U+{:04X}", c as u32);
    }
}

fn check_github(text: &str, findings: usize) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        findings,
        "github: {findings} findings but {} lines\n{text}",
        lines.len()
    );
    for line in lines {
        assert_no_hazard("github", line);
        let rest = ["::error ", "::warning ", "::notice "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .unwrap_or_else(|| panic!("github: not a workflow command: {line}"));
        let (props, _message) = rest
            .split_once("::")
            .unwrap_or_else(|| panic!("github: no `::` after the properties: {line}"));
        for prop in props.split(',') {
            let (key, _) = prop
                .split_once('=')
                .unwrap_or_else(|| panic!("github: property without `=`: {line}"));
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key),
                "github: unexpected property `{key}`: {line}"
            );
        }
    }
}

/// Tags the countersign form and index (HTML) are written with.
const HTML_TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "footer", "main", "section", "div",
    "span", "p", "h1", "h2", "h3", "h4", "table", "caption", "colgroup", "col", "thead", "tbody",
    "tr", "th", "td", "ul", "ol", "li", "b", "strong", "em", "i", "u", "br", "small", "a", "sup",
];

/// The only HTML in the Markdown documents: underlined blanks and cell breaks.
const MARKDOWN_TAGS: &[&str] = &["u", "br", "sup", "b"];

/// Every `<` opens a tag from `allowed` (or a comment, a doctype, a closing
/// tag of an allowed name); `<style>` contents are skipped.
fn check_markup(name: &str, text: &str, allowed: &[&str]) {
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        if after.starts_with("!DOCTYPE") || after.starts_with("!--") {
            rest = after;
            continue;
        }
        let tag_start = after.strip_prefix('/').unwrap_or(after);
        // A tag name starts with an ASCII letter (`<1` is text).
        let tag: String = if tag_start.starts_with(|c: char| c.is_ascii_alphabetic()) {
            tag_start
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect()
        } else {
            String::new()
        };
        if tag.is_empty() {
            // `< `, `<3` or `<核` is text to a browser and to Markdown: a tag
            // name starts with an ASCII letter (HTML's tag open state;
            // CommonMark's raw HTML), so only that, `!` or `?` opens markup.
            assert!(
                !tag_start.starts_with(|c: char| c.is_ascii_alphabetic() || c == '!' || c == '?'),
                "{name}: unescaped `<` opening markup: {}",
                &after[..after.floor_char_boundary(80)]
            );
            rest = after;
            continue;
        }
        assert!(
            allowed.contains(&tag.to_ascii_lowercase().as_str()),
            "{name}: tag `<{tag}` the renderer does not write: {}",
            &after[..after.floor_char_boundary(120)]
        );
        if tag == "style" && !after.starts_with('/') {
            let end = after
                .find("</style>")
                .unwrap_or_else(|| panic!("{name}: unclosed <style>"));
            rest = &after[end + 1..];
            continue;
        }
        if tag == "a" {
            // Links only to the form's own files.
            let open = &after[..after.find('>').unwrap_or(after.len())];
            if let Some(h) = open.find("href=\"") {
                let href = &open[h + 6..];
                assert!(
                    !href.contains(':') && !href.starts_with("//"),
                    "{name}: a link out of the form's folder: {open}"
                );
            }
        }
        rest = after;
    }
}

/// Markdown as a CommonMark reader sees it: outside code spans (which show
/// their content literally) and backslash escapes, only the renderer's own
/// tags and no image.
fn check_markdown(name: &str, text: &str) {
    // Code spans pair backticks within one line here, and within one cell
    // of a table row (GFM splits the cells first), never across them.
    let live: String = text
        .lines()
        .map(|line| {
            if line.starts_with('|') {
                split_cells(line)
                    .iter()
                    .map(|c| outside_code_spans(c))
                    .collect::<Vec<_>>()
                    .join("|")
            } else {
                outside_code_spans(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    check_markup(name, &live, MARKDOWN_TAGS);
    // Images only of the report's own charts (a file beside it).
    for (i, _) in live.match_indices("![") {
        let line = live[i..].lines().next().unwrap_or("");
        let target = line
            .split_once("](")
            .map(|(_, t)| t.split(')').next().unwrap_or(t));
        // Without an unescaped `](` it is text, not an image.
        assert!(
            target.is_none_or(|t| !t.is_empty() && !t.contains([':', '/', '\\', '<', ' '])),
            "{name}: an image in Markdown that is not a local file: {line}"
        );
    }
}

/// A table row's cells, split at every `|` not escaped by a backslash.
fn split_cells(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut cells = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'|' => {
                cells.push(&line[start..i]);
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    cells.push(&line[start.min(line.len())..]);
    cells
}

/// `text` with every code span (CommonMark: a run of n backticks up to the
/// next run of exactly n) and every backslash-escaped character blanked
/// out; an unmatched backtick run is literal text.
fn outside_code_spans(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let run = |at: usize| b[at..].iter().take_while(|&&c| c == b'`').count();
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => {
                out.push(' ');
                i += 2;
            }
            b'`' => {
                let n = run(i);
                let mut j = i + n;
                let mut close = None;
                while j < b.len() {
                    if b[j] == b'`' {
                        let m = run(j);
                        if m == n {
                            close = Some(j + m);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                match close {
                    Some(end) => {
                        out.push(' ');
                        i = end;
                    }
                    None => {
                        out.push_str(&text[i..i + n]);
                        i += n;
                    }
                }
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// RFC 4180 cells of a CSV document (after its BOM).
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted CSV cell");
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

fn check_csv(name: &str, text: &str) {
    let rows = csv_cells(text);
    let width = rows.first().map_or(0, Vec::len);
    for row in &rows {
        assert_eq!(row.len(), width, "{name}.csv: a row of {} cells", row.len());
        for cell in row {
            let plain_number = {
                let s = cell.strip_prefix('-').unwrap_or(cell);
                let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
                !int.is_empty()
                    && !frac.is_empty()
                    && int.bytes().all(|b| b.is_ascii_digit())
                    && frac.bytes().all(|b| b.is_ascii_digit())
            };
            assert!(
                plain_number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{name}.csv: a cell that can start a formula: {cell:?}"
            );
        }
    }
}

/// A small well-formedness check of XML 1.0 (enough for what permitlint
/// writes): one root element, tags nested and closed, attribute values
/// quoted, `&` only in entity references, `<` only in markup, and only
/// characters XML allows.
pub fn xml_well_formed(text: &str) -> Result<(), String> {
    let bad_char = |c: char| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    if let Some(c) = text.chars().find(|&c| bad_char(c)) {
        return Err(format!(
            "character U+{:04X} is not allowed in XML",
            c as u32
        ));
    }
    let entity_ok = |s: &str| -> bool {
        let Some(end) = s.find(';') else { return false };
        let e = &s[1..end];
        matches!(e, "amp" | "lt" | "gt" | "quot" | "apos")
            || e.strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || e.strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    let check_text = |t: &str| -> Result<(), String> {
        for (i, _) in t.match_indices('&') {
            if !entity_ok(&t[i..]) {
                return Err(format!(
                    "bare `&`: {}",
                    &t[i..t.floor_char_boundary(i + 40)]
                ));
            }
        }
        if t.contains('<') {
            return Err("`<` in text".into());
        }
        Ok(())
    };
    let mut rest = text.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        rest = &r[r.find("?>").ok_or("unclosed XML declaration")? + 2..];
    }
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    loop {
        let lt = rest.find('<').unwrap_or(rest.len());
        let (t, r) = rest.split_at(lt);
        if stack.is_empty() && !t.trim().is_empty() {
            return Err(format!("text outside the root element: {t:?}"));
        }
        check_text(t)?;
        rest = r;
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->").ok_or("unclosed comment")? + 3..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            if stack.is_empty() {
                return Err("CDATA outside the root".into());
            }
            rest = &r[r.find("]]>").ok_or("unclosed CDATA")? + 3..];
            continue;
        }
        let closing = rest.starts_with("</");
        let body = &rest[if closing { 2 } else { 1 }..];
        let name_len = body
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
            .unwrap_or(body.len());
        let name = &body[..name_len];
        if name.is_empty() {
            return Err(format!(
                "`<` without a name: {}",
                &rest[..rest.floor_char_boundary(40)]
            ));
        }
        let mut r = &body[name_len..];
        if closing {
            r = r.trim_start();
            let Some(r2) = r.strip_prefix('>') else {
                return Err(format!("bad closing tag </{name}"));
            };
            if stack.pop().as_deref() != Some(name) {
                return Err(format!("</{name}> closes nothing open"));
            }
            rest = r2;
            continue;
        }
        // Attributes.
        let mut seen = Vec::new();
        loop {
            let trimmed = r.trim_start_matches([' ', '\t', '\n', '\r']);
            let had_space = trimmed.len() != r.len();
            r = trimmed;
            if let Some(r2) = r.strip_prefix("/>") {
                if stack.is_empty() {
                    roots += 1;
                }
                rest = r2;
                break;
            }
            if let Some(r2) = r.strip_prefix('>') {
                if stack.is_empty() {
                    roots += 1;
                }
                stack.push(name.to_string());
                rest = r2;
                break;
            }
            if !had_space {
                return Err(format!("no space before an attribute of <{name}"));
            }
            let eq = r
                .find('=')
                .ok_or_else(|| format!("attribute without `=` in <{name}"))?;
            let key = r[..eq].trim();
            if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '<' || c == '>') {
                return Err(format!("bad attribute name {key:?} in <{name}"));
            }
            if seen.contains(&key) {
                return Err(format!("attribute {key} twice in <{name}"));
            }
            seen.push(key);
            let v = r[eq + 1..].trim_start();
            let q = v.chars().next().filter(|c| *c == '"' || *c == '\'');
            let Some(q) = q else {
                return Err(format!("unquoted attribute {key} in <{name}"));
            };
            let end = v[1..]
                .find(q)
                .ok_or_else(|| format!("unclosed attribute {key}"))?;
            check_text(&v[1..1 + end])?;
            r = &v[1 + end + 1..];
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed <{}>", stack.join("> <")));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

/// Write `data` to a scratch file named `name` (in the folder of
/// [`scratch_file`]) and return its path.
fn scratch_named(name: &str, data: &[u8]) -> std::path::PathBuf {
    let path = scratch_file().with_file_name(name);
    std::fs::write(&path, data).expect("write the scratch file");
    path
}

/// An error message of a reader, for the terminal: nothing in it may act on
/// the terminal (the CLI prints some of these as they are).
fn assert_error_safe(what: &str, e: &str) {
    if let Some(c) = e.chars().find(|&c| permitlint::escape::is_hazard(c)) {
        panic!(
            "{what}: error message carries raw U+{:04X}: {e:?}",
            c as u32
        );
    }
}

/// Bytes → every reader of a file the tool is given besides permits and
/// policies, through the CLI's own reading (`fsio::read_text`: size, regular
/// file, UTF-8): a baseline, a waiver file, a previous `lists.json`,
/// `leads.json`, `problems.json`, `history.json`, an EIA approval list,
/// `--rectify-days`, `permitlint.toml` and a monitoring XLSX workbook
/// (bytes, before the UTF-8 check). None may panic; the messages of
/// the file readers (not of `--rectify-days`, the user's own argument, nor
/// of `permitlint.toml`) carry no terminal control; what parses renders (JSON re-read gives the
/// same value, CSV cells cannot start a formula, the history's SVG charts
/// are well-formed XML, its HTML holds only the renderer's tags).
pub fn files(data: &[u8]) {
    use permitlint::baseline::Baseline;
    use permitlint::lists::{ListsFile, changes, eia, leads, problems, report};
    use permitlint::waiver::Waivers;

    monitor_xlsx(data);
    let path = scratch_named("input.json", data);
    let text = match permitlint::fsio::read_text(&path, permitlint::fsio::MAX_INPUT_BYTES) {
        Ok(t) => t,
        Err(e) => {
            assert!(
                std::str::from_utf8(data).is_err(),
                "valid UTF-8 refused: {e}"
            );
            // The approval list reader takes bytes (it names the encoding).
            if let Err(e) = eia::parse("list.csv", data) {
                assert_error_safe("eia", &e);
            }
            return;
        }
    };
    match Baseline::parse(&text) {
        Ok(b) => {
            let again = Baseline::parse(&b.json()).expect("a baseline's own JSON reads back");
            assert_eq!(b, again, "baseline JSON round trip");
        }
        Err(e) => assert_error_safe("baseline", &e),
    }
    match Waivers::parse("waivers.json", &text, as_of()) {
        Ok(w) => {
            let _ = w.stale(&Default::default());
        }
        Err(errs) => errs.iter().for_each(|e| assert_error_safe("waivers", e)),
    }
    match ListsFile::parse(&text) {
        Ok(l) => {
            let json = l.json();
            let again = ListsFile::parse(&json).expect("lists.json reads back");
            assert_eq!(json, again.json(), "lists.json round trip");
            for c in permitlint::lists::CATEGORIES {
                check_csv(c, &l.csv(c));
            }
            let empty = permitlint::lists::Builder::default().finish(as_of());
            let ch = changes::compare(&l, &empty, as_of());
            check_csv("changes", &ch.csv());
            let ch = changes::compare(&empty, &l, as_of());
            check_csv("changes", &ch.csv());
        }
        Err(e) => assert_error_safe("lists", &e),
    }
    match leads::LeadsFile::parse(&text) {
        Ok(l) => check_csv("leads", &l.csv()),
        Err(e) => assert_error_safe("leads", &e),
    }
    match problems::ProblemsFile::parse(&text) {
        Ok(p) => check_csv("problems", &p.csv()),
        Err(e) => assert_error_safe("problems", &e),
    }
    match report::History::parse(&text) {
        Ok(h) => {
            for (name, svg) in [
                ("lists chart", report::lists_chart(&h)),
                ("problems chart", report::problems_chart(&h)),
            ] {
                if let Err(e) = xml_well_formed(&svg) {
                    panic!("{name}: SVG is not well-formed XML: {e}\n{svg}");
                }
            }
            let html = report::html(&h);
            assert_no_hazard("history html", &html);
            check_markup("history html", &html, HISTORY_TAGS);
            let md = report::markdown(&h);
            assert_no_hazard("history markdown", &md);
            check_markdown("history markdown", &md);
        }
        Err(e) => assert_error_safe("history", &e),
    }
    match eia::parse("list.csv", data) {
        Ok(f) => {
            // The CLI prints these as warnings.
            f.notes
                .iter()
                .for_each(|n| assert_error_safe("eia note", n));
            assert_error_safe("eia columns", &f.unknown_columns.join(", "));
            let r = eia::reconcile(&[f], &[]);
            check_csv("eia", &r.csv());
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&r.json()) {
                panic!("eia json does not parse: {e}");
            }
        }
        Err(e) => assert_error_safe("eia", &e),
    }
    // `--rectify-days` is the user's own argument, echoed back to them:
    // only "no panic" here.
    let _ = problems::Deadlines::parse(&text);
    let toml = scratch_named("permitlint.toml", data);
    let _ = permitlint::cli::config::Config::read(&toml);
}

/// Bytes as a monitoring XLSX workbook (`monitor::xlsx::read`): never a
/// panic; every reading's and finding's span lies in the view the file's
/// findings are shown in, and locating a finding's cell in it works.
fn monitor_xlsx(data: &[u8]) {
    use permitlint::monitor::xlsx;
    let d = xlsx::read("fuzz.xlsx", data, 0, true);
    let text = &d.source.text;
    let len = text.len() as u32;
    for r in &d.readings {
        assert!(r.start <= r.end && r.end <= len, "{r:?}");
        assert!(text.is_char_boundary(r.start as usize) && text.is_char_boundary(r.end as usize));
    }
    let view = xlsx::view(data).ok();
    for f in &d.findings {
        if let Some(p) = f.finding.primary {
            assert!(p.start <= p.end && p.end <= len, "{:?}", f.finding);
        }
        if let Some(v) = &view {
            let mut f = f.finding.clone();
            xlsx::locate(v, &mut f);
        }
    }
}

/// Tags of the monthly report's HTML page (its charts are inline SVG).
const HISTORY_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "p",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ul",
    "li",
    "div",
    "section",
    "svg",
    "g",
    "line",
    "polyline",
    "path",
    "rect",
    "circle",
    "text",
    "tspan",
    "title",
    "br",
    "span",
    "figure",
    "figcaption",
];
