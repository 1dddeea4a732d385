use super::entry::{Reader, RuleFields};
use super::*;
use crate::finding::{Finding, Label, Severity, Suppressed};
use crate::span::{Source, Span};
use rustc_hash::FxHashMap;

fn fields() -> LibFields {
    let mut rules = FxHashMap::default();
    rules.insert(
        "air.x".to_string(),
        RuleFields {
            element: "air".into(),
            basis: "GB 1 表1".into(),
        },
    );
    let mut departments = FxHashMap::default();
    departments.insert("air".to_string(), "大气环境".to_string());
    departments.insert("document".to_string(), "环评与审批".to_string());
    LibFields { rules, departments }
}

/// A cache over `dir` as a run opened at `started` would be.
fn cache(dir: &Path, started: i64, text_free: bool) -> Cache {
    Cache::new(dir.to_path_buf(), Key(1, 2), fields(), started, text_free)
}

const TEXT: &str = "a: 1\nb: \"苏州\"\n";

/// [`Cache::get`] of `text`, keyed as a run keys it.
fn get(c: &Cache, name: &str, text: &str, meta: &std::fs::Metadata) -> Result<Cached, String> {
    c.get(name, c.key(name, text.as_bytes()), text.to_string(), meta)
}

/// [`Cache::put`] of the result of `text`.
fn put(c: &Cache, name: &str, text: &str, meta: &std::fs::Metadata, r: &Cached) {
    c.put(name, c.key(name, text.as_bytes()), meta, r);
}

fn finding(source: &Source) -> Finding {
    Finding {
        rule: "air.x".into(),
        severity: Severity::Warning,
        element: "air".into(),
        department: "大气环境".into(),
        message: "消息 \"q\"".into(),
        basis: Some("GB 1 表1".into()),
        help: Some("help".into()),
        file: source.clone(),
        primary: Some(Span::new(8, 14)),
        labels: vec![Label {
            span: Span::new(0, 1),
            text: "甲".into(),
        }],
        path: "b".into(),
        field_zh: "乙".into(),
    }
}

/// Findings of every shape: fields equal to the library's and not, no
/// basis, no help, no span, a rule the library does not hold, a span
/// inside a character (resolved by clamping).
fn result(source: &Source) -> Cached {
    let a = finding(source);
    let mut b = finding(source);
    b.basis = Some("another basis".into());
    b.element = "document".into();
    b.department = "环评与审批".into();
    b.primary = Some(Span::new(9, 11));
    let mut c = finding(source);
    c.rule = "document.unit".into();
    c.basis = None;
    c.help = None;
    c.primary = None;
    c.labels.clear();
    c.severity = Severity::Undecided;
    let mut d = finding(source);
    d.department = "其他".into();
    Cached {
        findings: vec![a, b, c],
        suppressed: vec![Suppressed {
            finding: d,
            reason: "原因".into(),
            comment_line: 3,
        }],
        rules_applied: 7,
        rules_undecided: 1,
    }
}

/// Everything a reporter reads of a result, regions included.
fn show(c: &Cached) -> String {
    let f = |f: &Finding| {
        format!(
            "{} {:?} {} {} {} {:?} {:?} {:?} {:?} {} {} {} {:?}",
            f.rule,
            f.severity,
            f.element,
            f.department,
            f.message,
            f.basis,
            f.help,
            f.primary,
            f.labels
                .iter()
                .map(|l| (l.span, l.text.clone()))
                .collect::<Vec<_>>(),
            f.path,
            f.field_zh,
            f.file.name,
            f.primary
                .iter()
                .chain(f.labels.iter().map(|l| &l.span))
                .map(|s| f.file.region(*s))
                .collect::<Vec<_>>()
        )
    };
    let mut s: Vec<String> = c.findings.iter().map(f).collect();
    s.extend(
        c.suppressed
            .iter()
            .map(|x| format!("{} {} {}", f(&x.finding), x.reason, x.comment_line)),
    );
    s.push(format!("{} {}", c.rules_applied, c.rules_undecided));
    s.join("\n")
}

#[test]
fn an_entry_gives_back_what_was_stored_with_or_without_the_text() {
    let fields = fields();
    let source = SourceFile::new("p.yaml", TEXT);
    let r = result(&source);
    let raw = fields.encode(Key(3, 4), &r).unwrap();
    let len = TEXT.len() as u64;
    let with_text = SourceFile::new("p.yaml", TEXT);
    let back = fields.decode(&raw, Key(3, 4), &with_text, len).unwrap();
    assert_eq!(show(&back), show(&r));
    // Without the text, the regions stored answer for it.
    let without = SourceFile::new("p.yaml", "");
    let back = fields.decode(&raw, Key(3, 4), &without, len).unwrap();
    assert_eq!(show(&back), show(&r));
    assert!(show(&r).contains("line: 2, column: 4"), "{}", show(&r));
}

#[test]
fn library_fields_are_not_stored_per_finding() {
    let fields = fields();
    let source = SourceFile::new("p.yaml", TEXT);
    let c = Cached {
        findings: vec![finding(&source)],
        suppressed: Vec::new(),
        rules_applied: 1,
        rules_undecided: 0,
    };
    let raw = fields.encode(Key(1, 1), &c).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("GB 1 表1") && !text.contains("大气环境"));
    // Read back by a library that lacks the rule: refused.
    let other = super::entry::LibFields {
        departments: fields.departments.clone(),
        ..Default::default()
    };
    assert!(
        other
            .decode(&raw, Key(1, 1), &source, TEXT.len() as u64)
            .is_none()
    );
    let back = fields
        .decode(&raw, Key(1, 1), &source, TEXT.len() as u64)
        .unwrap();
    assert_eq!(back.findings[0].basis.as_deref(), Some("GB 1 表1"));
    assert_eq!(back.findings[0].department, "大气环境");
}

#[test]
fn a_corrupt_entry_is_refused_never_a_panic() {
    let fields = fields();
    let source = SourceFile::new("p.yaml", TEXT);
    let raw = fields.encode(Key(3, 4), &result(&source)).unwrap();
    let len = TEXT.len() as u64;
    let fresh = || SourceFile::new("p.yaml", "");
    assert!(fields.decode(&raw, Key(3, 4), &fresh(), len).is_some());
    for n in 0..raw.len() {
        assert!(
            fields.decode(&raw[..n], Key(3, 4), &fresh(), len).is_none(),
            "cut at {n}"
        );
    }
    for i in 0..raw.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = raw.clone();
            b[i] ^= bit;
            let _ = fields.decode(&b, Key(3, 4), &fresh(), len);
        }
    }
    // Another key (a foreign entry), or spans past a shorter permit.
    assert!(fields.decode(&raw, Key(9, 9), &fresh(), len).is_none());
    assert!(fields.decode(&raw, Key(3, 4), &fresh(), 5).is_none());
}

#[test]
fn a_result_is_reused_by_its_bytes_and_by_trusted_metadata_only() {
    let dir = tempfile::tempdir().unwrap();
    let permit = dir.path().join("p.yaml");
    std::fs::write(&permit, TEXT).unwrap();
    let meta = std::fs::metadata(&permit).unwrap();
    let source = SourceFile::new("p.yaml", TEXT);
    let r = result(&source);

    // Recorded right after the file changed: not trusted alone.
    let c = cache(dir.path(), now_secs(), true);
    assert!(get(&c, "p.yaml", TEXT, &meta).is_err());
    put(&c, "p.yaml", TEXT, &meta, &r);
    c.save();
    let c = cache(dir.path(), now_secs(), true);
    assert!(c.by_metadata("p.yaml", &meta).is_none());
    let back = get(&c, "p.yaml", TEXT, &meta).unwrap();
    assert_eq!(show(&back), show(&r));
    // Other bytes or another name: no result.
    assert!(get(&c, "p.yaml", &format!("{TEXT} "), &meta).is_err());
    assert!(get(&c, "q.yaml", TEXT, &meta).is_err());

    // Recorded well after the last change (a run that starts later).
    let later = now_secs() + RACY_SECS + 5;
    let c = cache(dir.path(), later, true);
    assert!(get(&c, "p.yaml", TEXT, &meta).is_ok());
    c.save();
    let c = cache(dir.path(), later, true);
    let back = c.by_metadata("p.yaml", &meta).unwrap().0;
    assert_eq!(show(&back), show(&r));
    assert!(back.findings[0].file.text.is_empty(), "the file was read");
    assert!(c.summary().contains("1 of 1 result(s) reused (1 without"));
    // A run that shows snippets reads the text anyway.
    let c = cache(dir.path(), later, false);
    assert!(c.by_metadata("p.yaml", &meta).is_none());

    // The file changes, its size and modification time set back: the
    // change time (or the inode) still differs.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let other = TEXT.replace('1', "2");
    std::fs::write(&permit, &other).unwrap();
    let f = std::fs::File::options().write(true).open(&permit).unwrap();
    f.set_modified(meta.modified().unwrap()).unwrap();
    drop(f);
    let meta2 = std::fs::metadata(&permit).unwrap();
    assert_eq!(meta2.len(), meta.len());
    let c = cache(dir.path(), later, true);
    assert!(c.by_metadata("p.yaml", &meta2).is_none());
}

#[test]
fn a_pack_that_does_not_parse_is_ignored_whole() {
    let dir = tempfile::tempdir().unwrap();
    let permit = dir.path().join("p.yaml");
    std::fs::write(&permit, TEXT).unwrap();
    let meta = std::fs::metadata(&permit).unwrap();
    let source = SourceFile::new("p.yaml", TEXT);
    let c = cache(dir.path(), now_secs() + 10, true);
    put(&c, "p.yaml", TEXT, &meta, &result(&source));
    put(
        &c,
        "q.yaml",
        "b: 2\n",
        &meta,
        &result(&SourceFile::new("q.yaml", "b: 2\n")),
    );
    c.save();
    let path = c.pack_path();
    let raw = std::fs::read(&path).unwrap();
    assert_eq!(Pack::read(&path, Key(1, 2)).slots.len(), 2);
    assert!(
        Pack::read(&path, Key(1, 3)).slots.is_empty(),
        "another run's"
    );
    for n in 0..raw.len() {
        std::fs::write(&path, &raw[..n]).unwrap();
        assert!(Pack::read(&path, Key(1, 2)).slots.is_empty(), "cut at {n}");
    }
    for i in (0..raw.len()).step_by(7) {
        let mut b = raw.clone();
        b[i] ^= 0x80;
        std::fs::write(&path, &b).unwrap();
        let c = cache(dir.path(), now_secs() + 10, true);
        let _ = c.by_metadata("p.yaml", &meta);
        let _ = get(&c, "p.yaml", TEXT, &meta);
    }
    // A flipped bit in q.yaml's entry: that entry alone is ignored.
    std::fs::write(&path, &raw).unwrap();
    let Body::Old(q) = Pack::read(&path, Key(1, 2)).slots["q.yaml"].body.clone() else {
        panic!("an entry read from the pack");
    };
    let mut b = raw.clone();
    b[q.start + q.len() / 2] ^= 0x01;
    std::fs::write(&path, &b).unwrap();
    let slots = Pack::read(&path, Key(1, 2)).slots;
    assert_eq!(slots.keys().collect::<Vec<_>>(), ["p.yaml"]);
    // A flipped bit in the footer (the index's hash): the whole pack.
    let mut b = raw.clone();
    let last = b.len() - 1;
    b[last] ^= 0x01;
    std::fs::write(&path, &b).unwrap();
    assert!(Pack::read(&path, Key(1, 2)).slots.is_empty());
    let mut r = Reader { b: &raw };
    assert_eq!(r.take(4), Some(&b"PLP\x04"[..]));
}

fn with_pieces(dir: &Path, started: i64, format: u64) -> Cache {
    cache(dir, started, true).with_pieces(format)
}

#[test]
fn a_piece_is_reused_by_trusted_metadata_or_its_bytes_in_its_format_only() {
    let dir = tempfile::tempdir().unwrap();
    let permit = dir.path().join("p.yaml");
    std::fs::write(&permit, TEXT).unwrap();
    let meta = std::fs::metadata(&permit).unwrap();
    let piece = Piece::new(",\n    \"甲\": 1".into(), [1, 2, 0, 3]);
    let same = |got: &(Piece, u32, u32)| {
        assert_eq!(got.0.bytes(), piece.bytes());
        assert_eq!(got.0.counts, piece.counts);
        assert_eq!((got.1, got.2), (5, 1));
    };

    // Recorded right after the file changed: not trusted alone.
    let c = with_pieces(dir.path(), now_secs(), 7);
    let key = c.key("p.yaml", TEXT.as_bytes());
    assert!(c.piece_read("p.yaml", key, &meta).is_none());
    c.put_piece("p.yaml", key, &meta, &piece, (5, 1));
    c.save();
    let c = with_pieces(dir.path(), now_secs(), 7);
    assert!(c.piece_unread("p.yaml", &meta).is_none());
    same(&c.piece_read("p.yaml", key, &meta).unwrap());
    // Other bytes, another name: no piece.
    let other = c.key("p.yaml", b"a: 2\n");
    assert!(c.piece_read("p.yaml", other, &meta).is_none());
    assert!(c.piece_read("q.yaml", key, &meta).is_none());

    // Read again by a run that starts well after the change: trusted.
    let later = now_secs() + RACY_SECS + 5;
    let c = with_pieces(dir.path(), later, 7);
    assert!(c.piece_read("p.yaml", key, &meta).is_some());
    c.save();
    let c = with_pieces(dir.path(), later, 7);
    same(&c.piece_unread("p.yaml", &meta).unwrap());
    assert!(c.summary().contains("1 of 1 result(s) reused (1 without"));
    // Pieces are per format: another renderer's key finds none.
    let c = with_pieces(dir.path(), later, 8);
    assert!(c.piece_unread("p.yaml", &meta).is_none());
    // The pack was never written: only pieces were stored.
    assert!(!c.pack_path().exists());

    // The file changes, its size and modification time set back.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&permit, TEXT.replace('1', "2")).unwrap();
    let f = std::fs::File::options().write(true).open(&permit).unwrap();
    f.set_modified(meta.modified().unwrap()).unwrap();
    drop(f);
    let meta2 = std::fs::metadata(&permit).unwrap();
    let c = with_pieces(dir.path(), later, 7);
    assert!(c.piece_unread("p.yaml", &meta2).is_none());
}

#[test]
fn a_pieces_file_that_does_not_parse_is_ignored_whole() {
    let dir = tempfile::tempdir().unwrap();
    let permit = dir.path().join("p.yaml");
    std::fs::write(&permit, TEXT).unwrap();
    let meta = std::fs::metadata(&permit).unwrap();
    let later = now_secs() + RACY_SECS + 5;
    let c = with_pieces(dir.path(), later, 7);
    for (name, text) in [("p.yaml", "甲\n"), ("q.yaml", "乙\n")] {
        let key = c.key(name, TEXT.as_bytes());
        c.put_piece(
            name,
            key,
            &meta,
            &Piece::new(text.into(), [1, 0, 0, 0]),
            (1, 0),
        );
    }
    c.save();
    let path = c.pieces.as_ref().unwrap().path.clone();
    let raw = std::fs::read(&path).unwrap();
    assert_eq!(
        pieces::Store::open(path.clone(), Key(1, 2), 7)
            .records
            .len(),
        2
    );
    assert!(
        pieces::Store::open(path.clone(), Key(1, 3), 7)
            .records
            .is_empty(),
        "another run's"
    );
    assert!(
        pieces::Store::open(path.clone(), Key(1, 2), 8)
            .records
            .is_empty(),
        "another format's"
    );
    for n in 0..raw.len() {
        std::fs::write(&path, &raw[..n]).unwrap();
        assert!(
            pieces::Store::open(path.clone(), Key(1, 2), 7)
                .records
                .is_empty(),
            "cut at {n}"
        );
    }
    for i in 0..raw.len() {
        let mut b = raw.clone();
        b[i] ^= 0x80;
        std::fs::write(&path, &b).unwrap();
        let c = with_pieces(dir.path(), later, 7);
        let _ = c.piece_unread("p.yaml", &meta);
        let _ = c.piece_read("q.yaml", c.key("q.yaml", TEXT.as_bytes()), &meta);
    }
    // A flipped bit in q.yaml's text: that piece alone is ignored.
    let at = raw.windows(4).position(|w| w == "乙\n".as_bytes()).unwrap();
    let mut b = raw.clone();
    b[at] ^= 0x01;
    std::fs::write(&path, &b).unwrap();
    let store = pieces::Store::open(path.clone(), Key(1, 2), 7);
    assert!(store.piece(&store.records["p.yaml"]).is_some());
    assert!(store.piece(&store.records["q.yaml"]).is_none());
    // A flipped bit in the footer (the index's sum): the whole file.
    let mut b = raw.clone();
    let last = b.len() - 1;
    b[last] ^= 0x01;
    std::fs::write(&path, &b).unwrap();
    assert!(
        pieces::Store::open(path.clone(), Key(1, 2), 7)
            .records
            .is_empty()
    );
}

#[test]
fn a_run_over_part_of_the_permits_keeps_the_other_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let permit = dir.path().join("p.yaml");
    std::fs::write(&permit, TEXT).unwrap();
    let meta = std::fs::metadata(&permit).unwrap();
    let later = now_secs() + RACY_SECS + 5;
    // A piece rendered from permit bytes `text` (its key).
    let put = |c: &Cache, name: &str, text: &str| {
        let key = c.key(name, text.as_bytes());
        c.put_piece(
            name,
            key,
            &meta,
            &Piece::new(text.into(), [0, 1, 0, 0]),
            (2, 0),
        );
    };
    let c = with_pieces(dir.path(), later, 7);
    put(&c, "p.yaml", "甲\n");
    put(&c, "q.yaml", "乙\n");
    c.save();
    // A second run checks q.yaml only, and it changed; p.yaml's piece is
    // carried over from the old file.
    let c = with_pieces(dir.path(), later, 7);
    put(&c, "q.yaml", "丙\n");
    c.save();
    let c = with_pieces(dir.path(), later, 7);
    let text = |name: &str| {
        let (p, applied, _) = c.piece_unread(name, &meta).unwrap();
        assert_eq!((p.counts, applied), ([0, 1, 0, 0], 2));
        String::from_utf8(p.bytes().to_vec()).unwrap()
    };
    assert_eq!(text("p.yaml"), "甲\n");
    assert_eq!(text("q.yaml"), "丙\n");
    // A run that changes nothing writes nothing and leaves no spool.
    c.save();
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

#[test]
fn a_cache_that_cannot_be_written_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let permit = dir.path().join("p.yaml");
    std::fs::write(&permit, TEXT).unwrap();
    let meta = std::fs::metadata(&permit).unwrap();
    // The cache's folder is gone (removed under the run).
    let gone = dir.path().join("gone");
    let c = cache(&gone, now_secs(), true).with_pieces(7);
    put(
        &c,
        "p.yaml",
        TEXT,
        &meta,
        &result(&SourceFile::new("p.yaml", TEXT)),
    );
    let key = c.key("p.yaml", TEXT.as_bytes());
    c.put_piece(
        "p.yaml",
        key,
        &meta,
        &Piece::new("甲\n".into(), [1, 0, 0, 0]),
        (1, 0),
    );
    c.save();
    let summary = c.summary();
    assert_eq!(
        summary
            .matches("warning: the result cache was not saved: cannot write")
            .count(),
        2,
        "{summary}"
    );
    assert!(!gone.exists());
}
