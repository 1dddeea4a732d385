//! The result cache: the same bytes with and without it, entries reused
//! when nothing changed, never reused when the permit, the library or the
//! date changed, and corrupt or foreign entries ignored.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let (code, out, _) = run_err(dir, args);
    (code, out)
}

/// Exit code, stdout and stderr.
fn run_err(dir: &Path, args: &[&str]) -> (i32, String, String) {
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
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The summary's cache line: (reused, of, without reading).
fn reuse(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("cache: "))
        .unwrap_or_else(|| panic!("no cache line in {stderr}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    (n[0], n[1], n[2])
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

/// The packs of the cache (one per run key).
fn packs(dir: &Path) -> Vec<PathBuf> {
    cache_files(dir, "pack")
}

/// The pieces files of the cache (one per run key and output format).
fn pieces(dir: &Path) -> Vec<PathBuf> {
    cache_files(dir, "pieces")
}

fn cache_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(".permitlint_cache/v4"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The summary's last line without its time: the counts by severity.
fn counts_line(stderr: &str) -> String {
    let last = stderr.lines().last().unwrap_or_default();
    last.rsplit_once(" in ")
        .map_or(last, |(a, _)| a)
        .to_string()
}

fn permits_in(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("corpus"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .count()
}

#[test]
fn cached_output_is_byte_identical_in_every_format() {
    // Fresh files are read and hashed on a warm run; files older than the
    // racy window are reported without being read, from the pieces of
    // output kept in every format (and, but for human's snippets, from the
    // pack alone: `--statistics` reads the findings, not the pieces).
    let aged = corpus();
    std::thread::sleep(std::time::Duration::from_millis(2600));
    for format in ["human", "json", "sarif", "junit", "github", "concise"] {
        // A fresh copy for every format: its files stay in the racy window.
        let fresh = corpus();
        for (d, aged) in [(&fresh, false), (&aged, true)] {
            let n = permits_in(d.path());
            let _ = std::fs::remove_dir_all(d.path().join(".permitlint_cache"));
            let (code0, plain, e0) =
                run_err(d.path(), &["corpus", "--format", format, "--no-cache"]);
            let (code1, cold, e1) = run_err(d.path(), &["corpus", "--format", format]);
            let (code2, warm, e2) = run_err(d.path(), &["corpus", "--format", format]);
            assert_eq!(plain, cold, "{format}: cold run differs");
            assert_eq!(plain, warm, "{format}: warm run differs");
            assert_eq!((code0, code1), (code2, code2));
            assert_eq!(counts_line(&e0), counts_line(&e2), "{format}");
            let unread = if aged { n } else { 0 };
            assert_eq!(reuse(&e1), (0, n, 0), "{format}: {e1}");
            assert_eq!(reuse(&e2), (n, n, unread), "{format} aged {aged}: {e2}");
            // The findings themselves, from the pack.
            let stats = ["corpus", "--format", format, "--statistics"];
            let (_, plain_s, e0) = run_err(d.path(), &[&stats[..], &["--no-cache"]].concat());
            let (code3, warm_s, e3) = run_err(d.path(), &stats);
            assert_eq!(plain_s, plain, "{format}: statistics change the output");
            assert_eq!(
                (warm_s, code3),
                (plain.clone(), code0),
                "{format} statistics"
            );
            let table = |e: &str| {
                let from = &e[e.find("statistics:").unwrap()..];
                from[..from.find("libraries:").unwrap()].to_string()
            };
            assert_eq!(table(&e0), table(&e3));
            let unread = if aged && format != "human" { n } else { 0 };
            assert_eq!(reuse(&e3), (n, n, unread), "{format} aged {aged}: {e3}");
        }
    }
    assert_eq!(packs(aged.path()).len(), 1, "one pack per run key");
    assert_eq!(pieces(aged.path()).len(), 1, "pieces of the one format run");
    assert!(aged.path().join(".permitlint_cache/CACHEDIR.TAG").exists());
}

#[test]
fn a_cache_that_cannot_be_written_is_said_and_the_run_goes_on() {
    let d = corpus();
    let (_, plain) = run(d.path(), &["corpus", "--format", "json", "--no-cache"]);
    // A file where the cache's folder should be.
    std::fs::write(d.path().join(".permitlint_cache"), "not a folder").unwrap();
    let (code, out, err) = run_err(d.path(), &["corpus", "--format", "json"]);
    assert_eq!(out, plain);
    assert_eq!(code, 1, "findings, not a usage error: {err}");
    assert!(
        err.contains("warning: the result cache folder `./.permitlint_cache` cannot be created"),
        "{err}"
    );
    assert!(!err.contains("cache: "), "{err}");
}

#[test]
fn no_cache_writes_nothing() {
    let d = corpus();
    run(d.path(), &["corpus", "--no-cache"]);
    assert!(!d.path().join(".permitlint_cache").exists());
}

#[test]
fn a_corrupt_or_foreign_pack_or_entry_is_ignored() {
    let d = corpus();
    let n = permits_in(d.path());
    let (_, plain) = run(d.path(), &["corpus", "--format", "json", "--no-cache"]);
    run(d.path(), &["corpus", "--format", "json"]);
    let pack = packs(d.path()).pop().unwrap();
    let bytes = std::fs::read(&pack).unwrap();
    // The pack alone: the pieces kept beside it are removed first.
    let check = |what: &str, reused: usize| {
        for p in pieces(d.path()) {
            std::fs::remove_file(p).unwrap();
        }
        let (_, out, err) = run_err(d.path(), &["corpus", "--format", "json"]);
        assert_eq!(plain, out, "{what} changed the output");
        assert_eq!(reuse(&err).0, reused, "{what}: {err}");
    };
    // An entry edited by hand (a Chinese field label swapped for a marker
    // of the same byte length, so it still parses): its hash no longer
    // matches, it is ignored and checked again.
    let label = "许可排放浓度".as_bytes();
    let marker = b"CACHED_MARKER_0018";
    assert_eq!(label.len(), marker.len());
    let at = bytes.windows(label.len()).position(|w| w == label).unwrap();
    let mut marked = bytes.clone();
    marked[at..at + label.len()].copy_from_slice(marker);
    std::fs::write(&pack, &marked).unwrap();
    check("an edited entry", n - 1);
    // Garbage, a truncated pack, another format's magic: ignored whole.
    std::fs::write(&pack, b"\x00not a pack").unwrap();
    check("garbage", 0);
    std::fs::write(&pack, &bytes[..bytes.len() / 2]).unwrap();
    check("a truncated pack", 0);
    let mut other = bytes.clone();
    other[3] ^= 0xff;
    std::fs::write(&pack, &other).unwrap();
    check("another format", 0);
    // A foreign pack: another library's (a selection), under this run's
    // name.
    run_err(
        d.path(),
        &["corpus", "--format", "json", "--select", "air.*"],
    );
    let foreign = packs(d.path()).into_iter().find(|p| *p != pack).unwrap();
    std::fs::copy(&foreign, &pack).unwrap();
    check("a foreign pack", 0);
    // Each time the pack was written again, whole and valid.
    check("a rewritten pack", n);
    std::fs::remove_file(&pack).unwrap();
    check("a missing pack", 0);
}

#[test]
fn a_corrupt_or_foreign_pieces_file_is_ignored() {
    let d = corpus();
    let n = permits_in(d.path());
    let (_, plain) = run(d.path(), &["corpus", "--format", "json", "--no-cache"]);
    run(d.path(), &["corpus", "--format", "json"]);
    let file = pieces(d.path()).pop().unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let check = |what: &str| {
        let (_, out, err) = run_err(d.path(), &["corpus", "--format", "json"]);
        assert_eq!(plain, out, "{what} changed the output");
        // The results come from the pack then.
        assert_eq!(reuse(&err).0, n, "{what}: {err}");
    };
    // A piece edited by hand: its sum fails, the pack's entry is used.
    let label = "许可排放浓度".as_bytes();
    let marker = b"CACHED_MARKER_0018";
    let at = bytes.windows(label.len()).position(|w| w == label).unwrap();
    let mut marked = bytes.clone();
    marked[at..at + label.len()].copy_from_slice(marker);
    std::fs::write(&file, &marked).unwrap();
    check("an edited piece");
    std::fs::write(&file, b"PLQ\x01garbage").unwrap();
    check("garbage");
    std::fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
    check("a truncated pieces file");
    // Another format's pieces under this format's name.
    run(d.path(), &["corpus", "--format", "concise"]);
    let other = pieces(d.path()).into_iter().find(|p| *p != file).unwrap();
    std::fs::copy(&other, &file).unwrap();
    check("another format's pieces");
    // Written again, whole: read without the pack.
    let pack = packs(d.path()).pop().unwrap();
    std::fs::write(&pack, b"").unwrap();
    let (_, out, err) = run_err(d.path(), &["corpus", "--format", "json"]);
    assert_eq!(plain, out);
    assert_eq!(reuse(&err).0, n, "{err}");
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
