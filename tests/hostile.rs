//! Hostile inputs: each gives one clear `document.yaml` finding, never a panic.
use crate::common;

use permitlint::permit::{Limits, Loaded, load, load_path};
use permitlint::span::SourceFile;
use std::io::Write;

fn load_text(text: &str) -> Loaded {
    load(SourceFile::new("hostile.yaml", text), &Limits::default())
}

fn only_yaml_finding(loaded: &Loaded, needle: &str) -> (usize, usize) {
    assert!(loaded.permit.is_none());
    assert_eq!(loaded.findings.len(), 1, "{:?}", loaded.findings);
    let f = &loaded.findings[0];
    assert_eq!(f.rule, "document.yaml");
    assert_eq!(f.element, "document");
    assert!(
        f.message.contains(needle),
        "`{}` lacks `{needle}`",
        f.message
    );
    f.line_col()
}

#[test]
fn multiple_documents() {
    let l = load_text("format: permit/v1\n---\nformat: permit/v1\n");
    assert_eq!(only_yaml_finding(&l, "one document"), (2, 1));
}

#[test]
fn empty_file() {
    only_yaml_finding(&load_text(""), "empty");
    only_yaml_finding(&load_text("# nothing but a comment\n"), "empty");
}

#[test]
fn non_utf8_bytes_report_the_offset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gbk.yaml");
    // `unit: ` then GBK-encoded 苏州 (not UTF-8).
    std::fs::write(&path, b"format: permit/v1\nunit: \xcb\xd5\xd6\xdd\n").expect("write");
    let l = load_path(&path, &Limits::default());
    assert_eq!(only_yaml_finding(&l, "offset 24"), (2, 7));
}

#[test]
fn nul_bytes_are_binary() {
    let l = load_text("format: permit/v1\nunit:\0\0\0\n");
    assert_eq!(only_yaml_finding(&l, "NUL"), (2, 6));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bin.yaml");
    std::fs::write(&path, [0x7fu8, b'E', b'L', b'F', 0, 0, 1]).expect("write");
    only_yaml_finding(&load_path(&path, &Limits::default()), "NUL");
}

#[test]
fn billion_laughs() {
    let t = common::billion_laughs();
    only_yaml_finding(&load_text(&t), "aliases expand to more than 10000 nodes");
}

#[test]
fn deep_flow_nesting() {
    let t = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    only_yaml_finding(&load_text(&t), "nesting deeper than 64");
    let t = format!("a: {}{}", "{b: ".repeat(10_000), "}".repeat(10_000));
    only_yaml_finding(&load_text(&t), "nesting deeper than 64");
}

#[test]
fn deep_block_nesting() {
    let t = format!("{}x\n", "- ".repeat(10_000));
    only_yaml_finding(&load_text(&t), "nesting deeper than 64");
    let mut t = String::new();
    for i in 0..10_000 {
        t.push_str(&" ".repeat(i));
        t.push_str("k:\n");
    }
    // 50 MB of indentation: raise the size limit so the depth limit is what trips.
    let limits = Limits {
        max_file_bytes: 64 << 20,
        ..Limits::default()
    };
    only_yaml_finding(
        &load(SourceFile::new("deep.yaml", t), &limits),
        "nesting deeper than 64",
    );
}

#[test]
fn two_hundred_megabytes_rejected_by_size_before_reading() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.yaml");
    let file = std::fs::File::create(&path).expect("create");
    // A sparse 200 MB file: its size is known without writing or reading it.
    file.set_len(200 * 1024 * 1024).expect("set_len");
    let l = load_path(&path, &Limits::default());
    only_yaml_finding(&l, "209715200 bytes, more than the limit of 16777216");
    assert!(l.findings[0].primary.is_none());
}

#[test]
fn size_limit_is_configurable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("small.yaml");
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all("k: v\n".repeat(400).as_bytes()).expect("write");
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    only_yaml_finding(
        &load_path(&path, &limits),
        "more than the limit of 1000 bytes",
    );
    let l = load(SourceFile::new("x", "k: v\n".repeat(400)), &limits);
    only_yaml_finding(&l, "more than the limit of 1000 bytes");
}

#[test]
fn missing_file_is_a_finding() {
    let l = load_path(
        std::path::Path::new("/nonexistent/permit.yaml"),
        &Limits::default(),
    );
    only_yaml_finding(&l, "cannot read the file");
}

#[test]
fn not_a_permit_document_is_one_format_error_and_no_tree() {
    // A list, a mapping without `format`, another format, a CI workflow:
    // one `document.format` error each, and no tree for policies to run on.
    for (text, says) in [
        ("- just\n- a list\n", "a permit is a mapping"),
        ("name: CI\non: [push]\njobs: {}\n", "no `format` key"),
        (
            "format: permit/v9\npermit: {}\n",
            "unsupported format `permit/v9`",
        ),
        ("format: [permit/v1]\n", "unsupported format"),
    ] {
        let l = load_text(text);
        assert!(l.permit.is_none(), "{text}");
        assert_eq!(l.findings.len(), 1, "{text}: {:?}", l.findings);
        assert_eq!(l.findings[0].rule, "document.format");
        assert!(
            l.findings[0].message.contains(says),
            "{}",
            l.findings[0].message
        );
    }
}
