//! The result cache: the same bytes with and without it, entries reused
//! when nothing changed, never reused when the permit, the library or the
//! date changed, and corrupt or foreign entries ignored.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["check", "--as-of", "2026-12-01"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A copy of the shipped corpus in a temporary folder.
fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for e in walkdir::WalkDir::new(&root) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&root).unwrap();
        let dst = dir.path().join("corpus").join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
    dir
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir.join(".permitlint_cache/v2"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

#[test]
fn cached_output_is_byte_identical_in_every_format() {
    let d = corpus();
    for format in ["human", "json", "sarif", "junit", "github", "concise"] {
        let (code0, plain) = run(d.path(), &["corpus", "--format", format, "--no-cache"]);
        let (code1, cold) = run(d.path(), &["corpus", "--format", format]);
        let (code2, warm) = run(d.path(), &["corpus", "--format", format]);
        assert_eq!(plain, cold, "{format}: cold run differs");
        assert_eq!(plain, warm, "{format}: warm run differs");
        assert_eq!((code0, code1), (code2, code2));
    }
    let n = std::fs::read_dir(d.path().join("corpus"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .count();
    assert!(entries(d.path()).len() >= n, "one entry per permit");
    assert!(d.path().join(".permitlint_cache/CACHEDIR.TAG").exists());
}

#[test]
fn no_cache_writes_nothing() {
    let d = corpus();
    run(d.path(), &["corpus", "--no-cache"]);
    assert!(!d.path().join(".permitlint_cache").exists());
}

#[test]
fn a_valid_entry_is_used_and_a_corrupt_or_foreign_one_is_ignored() {
    let d = corpus();
    let (_, plain) = run(d.path(), &["corpus", "--format", "json", "--no-cache"]);
    run(d.path(), &["corpus", "--format", "json"]);
    let files = entries(d.path());
    // Used: an entry edited by hand (key intact) changes the output, so
    // the warm run reads entries instead of checking again. Entries are
    // binary; a Chinese field label is swapped for a marker of the same
    // byte length (18).
    let label = "许可排放浓度".as_bytes();
    let marker = b"CACHED_MARKER_0018";
    assert_eq!(label.len(), marker.len());
    let find = |b: &[u8]| b.windows(label.len()).position(|w| w == label);
    let with_finding = files
        .iter()
        .find(|p| find(&std::fs::read(p).unwrap()).is_some())
        .unwrap();
    let bytes = std::fs::read(with_finding).unwrap();
    let mut marked = bytes.clone();
    let at = find(&bytes).unwrap();
    marked[at..at + label.len()].copy_from_slice(marker);
    std::fs::write(with_finding, &marked).unwrap();
    let (_, warm) = run(d.path(), &["corpus", "--format", "json"]);
    assert!(
        warm.contains("CACHED_MARKER_0018"),
        "the entry was not read"
    );
    // Corrupt: garbage, truncation, a foreign entry (another permit's,
    // under this one's name), another format's magic, a missing entry.
    std::fs::write(&files[0], b"\x00not an entry").unwrap();
    let half = std::fs::read(&files[1]).unwrap();
    std::fs::write(&files[1], &half[..half.len() / 2]).unwrap();
    std::fs::copy(&files[3], &files[2]).unwrap();
    let mut other = bytes.clone();
    other[3] ^= 0xff;
    std::fs::write(with_finding, &other).unwrap();
    let _ = std::fs::remove_file(&files[4]);
    let (_, after) = run(d.path(), &["corpus", "--format", "json"]);
    assert_eq!(plain, after, "a corrupt entry changed the output");
    // Each was replaced by a valid entry.
    let (_, again) = run(d.path(), &["corpus", "--format", "json"]);
    assert_eq!(plain, again);
    assert!(std::fs::read(&files[0]).unwrap().starts_with(b"PLC"));
}

#[test]
fn a_changed_permit_library_or_date_is_checked_again() {
    let d = corpus();
    let reference = d.path().join("corpus/thermal-power-01-clean.yaml");
    assert!(reference.exists());
    let (_, before) = run(
        d.path(),
        &["corpus/thermal-power-01-clean.yaml", "--format", "json"],
    );
    let text = std::fs::read_to_string(&reference).unwrap();
    let changed = text.replacen("concentration: 35 mg/m3", "concentration: 350 mg/m3", 1);
    assert_ne!(changed, text);
    std::fs::write(&reference, changed).unwrap();
    let (_, after) = run(
        d.path(),
        &["corpus/thermal-power-01-clean.yaml", "--format", "json"],
    );
    let (_, fresh) = run(
        d.path(),
        &[
            "corpus/thermal-power-01-clean.yaml",
            "--format",
            "json",
            "--no-cache",
        ],
    );
    assert_ne!(before, after);
    assert_eq!(after, fresh);
    // Another library: a selection is part of the key.
    let (_, selected) = run(
        d.path(),
        &[
            "corpus/thermal-power-01-clean.yaml",
            "--format",
            "json",
            "--select",
            "procedure",
        ],
    );
    let (_, selected_fresh) = run(
        d.path(),
        &[
            "corpus/thermal-power-01-clean.yaml",
            "--format",
            "json",
            "--select",
            "procedure",
            "--no-cache",
        ],
    );
    assert_eq!(selected, selected_fresh);
    assert_ne!(selected, after);
    // Another date.
    let other = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--as-of",
            "2013-01-01",
            "corpus/thermal-power-01-clean.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let other_fresh = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(d.path())
        .args([
            "check",
            "--as-of",
            "2013-01-01",
            "corpus/thermal-power-01-clean.yaml",
            "--format",
            "json",
            "--no-cache",
        ])
        .output()
        .unwrap();
    assert_eq!(other.stdout, other_fresh.stdout);
}
