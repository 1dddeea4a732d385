//! Files in and out never lose data: writes are atomic, never through a
//! symbolic link, never over an input or a file permitlint did not write
//! (without `--force`); a write error is exit 2 with a message; every file
//! read is a bounded regular file (no FIFO hang, no `/dev/zero`); baseline
//! fingerprints do not depend on how a path is spelt.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists")
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("permitlint")
}

/// `permitlint ARGS --no-builtin --policies <lists fixture policies>` in `dir`, killed
/// after 20 s (a hang is a failure, not a stuck test run).
fn run(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .args(args)
        .arg("--no-builtin")
        .arg("--policies")
        .arg(fixtures().join("policies"));
    wait(c)
}

fn wait(mut c: Command) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{c:?} still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `dir/permits/u1.yaml` with one warning (a complaint).
fn permits(dir: &Path) {
    let text = std::fs::read_to_string(fixtures().join("month1/u1.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("permits")).unwrap();
    std::fs::write(
        dir.join("permits/u1.yaml"),
        text.replace("  complaints: 0 ", "  complaints: 1 "),
    )
    .unwrap();
}

#[test]
fn countersign_never_writes_through_a_planted_symlink() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    std::fs::create_dir(t.path().join("out")).unwrap();
    std::fs::write(t.path().join("victim.txt"), "keep").unwrap();
    std::os::unix::fs::symlink(t.path().join("victim.txt"), t.path().join("out/u1.md")).unwrap();
    for force in [false, true] {
        let mut args = vec![
            "countersign",
            "permits",
            "--as-of",
            "2026-11-01",
            "--out",
            "out",
        ];
        if force {
            args.push("--force");
        }
        let o = run(t.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(t.path().join("victim.txt")).unwrap(),
            "keep"
        );
        // All or nothing: the HTML was not written either.
        assert!(!t.path().join("out/u1.html").exists());
    }
}

#[test]
fn notice_never_overwrites_its_input() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    let before = std::fs::read_to_string(t.path().join("permits/u1.yaml")).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec![
            "notice",
            "permits/u1.yaml",
            "--as-of",
            "2026-11-01",
            "--out",
            "permits/u1.yaml",
        ];
        args.extend(extra);
        let o = run(t.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("input of this run"), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(t.path().join("permits/u1.yaml")).unwrap(),
            before
        );
    }
}

#[test]
fn countersign_does_not_replace_a_users_file_without_force() {
    let t = tempfile::tempdir().unwrap();
    let proj = t.path().join("proj");
    std::fs::create_dir(&proj).unwrap();
    std::fs::copy(fixtures().join("month1/u1.yaml"), proj.join("README.yaml")).unwrap();
    std::fs::write(proj.join("README.md"), "# my project\n").unwrap();
    let args = [
        "countersign",
        "proj/README.yaml",
        "--as-of",
        "2026-11-01",
        "--out",
        "proj",
    ];
    let o = run(t.path(), &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not written by permitlint"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(proj.join("README.md")).unwrap(),
        "# my project\n"
    );
    assert!(!proj.join("README.html").exists(), "half an output");
    // Its own outputs it replaces freely; with --force the user's file too.
    let o = run(t.path(), &[&args[..], &["--force"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(t.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(proj.join("README.md"))
            .unwrap()
            .contains("会签")
    );
}

/// `sh -c 'trap "" XFSZ; ulimit -f 0; exec permitlint …'`: every write to a
/// regular file fails with EFBIG, as on a full disk.
fn no_space(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new("sh");
    c.current_dir(dir)
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0; exec \"$@\"")
        .arg("sh")
        .arg(bin())
        .args(args)
        .arg("--no-builtin")
        .arg("--policies")
        .arg(fixtures().join("policies"));
    wait(c)
}

#[test]
fn a_failed_write_keeps_the_old_baseline_and_exits_2() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    let o = run(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = std::fs::read_to_string(t.path().join("b.json")).unwrap();
    assert!(before.contains("\"first_seen\": \"2026-11-01\""));
    let o = no_space(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-12-01",
            "--baseline",
            "b.json",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write `b.json`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("b.json")).unwrap(),
        before
    );
    let names: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn policy_fmt_on_a_full_disk_keeps_the_policy() {
    let t = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixtures().join("policies/library.policy")).unwrap();
    // Badly laid out, so fmt has something to write.
    let ugly = text.replace("route air to", "route   air   to");
    std::fs::write(t.path().join("a.policy"), &ugly).unwrap();
    let mut c = Command::new("sh");
    c.current_dir(t.path())
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0; exec \"$@\"")
        .arg("sh")
        .arg(bin())
        .args(["policy", "fmt", "."]);
    let o = wait(c);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(t.path().join("a.policy")).unwrap(),
        ugly
    );
}

#[test]
fn write_errors_on_stdout_exit_2_never_panic() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
    let cases: [&[&str]; 9] = [
        &["policy", "test", shipped],
        &["policy", "docs", shipped],
        &["schema"],
        &["schema", "--markdown"],
        &[
            "explain",
            "fixture.complaints",
            "--no-builtin",
            "--policies",
            "lp",
        ],
        &["diff", "permits", "--old", "lp", "--new", "lp"],
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--no-builtin",
            "--policies",
            "lp",
        ],
        &["classify", "permits", "--no-builtin", "--policies", "lp"],
        &[
            "notice",
            "permits/u1.yaml",
            "--no-builtin",
            "--policies",
            "lp",
        ],
    ];
    std::os::unix::fs::symlink(fixtures().join("policies"), t.path().join("lp")).unwrap();
    for args in cases {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(bin())
            .current_dir(t.path())
            .args(args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("error: cannot write the output"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn fifos_and_endless_files_are_refused_not_read() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    let fifo = t.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo"
    );
    std::fs::create_dir(t.path().join("prev")).unwrap();
    Command::new("mkfifo")
        .arg(t.path().join("prev/lists.json"))
        .status()
        .unwrap();
    let check = ["check", "permits", "--as-of", "2026-11-01"];
    for (extra, code) in [
        (&["--baseline", "/dev/zero"][..], 2),
        (&["--baseline", "fifo"][..], 2),
        (&["--waivers", "fifo"][..], 2),
        (&["--waivers", "/dev/zero"][..], 2),
    ] {
        let o = run(t.path(), &[&check[..], extra].concat());
        assert_eq!(o.status.code(), Some(code), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    let o = run(
        t.path(),
        &["lists", "permits", "--out", "o", "--previous", "prev"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    // A FIFO named as a permit is a finding, not a hang.
    let o = run(t.path(), &["check", "fifo", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("not a regular file"));
    // An EIA approval list, the configuration file, a device map and a
    // monitoring data file go through the same check.
    let o = run(
        t.path(),
        &["lists", "permits", "--out", "o2", "--eia-approvals", "fifo"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let cfg = t.path().join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    std::fs::rename(t.path().join("permits"), cfg.join("permits")).unwrap();
    Command::new("mkfifo")
        .arg(cfg.join("permitlint.toml"))
        .status()
        .unwrap();
    let o = run(&cfg, &["check", "permits"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let mut c = Command::new(bin());
    c.current_dir(t.path()).args([
        "monitor",
        "cfg/permits",
        "--data",
        "fifo",
        "--devices",
        "fifo",
    ]);
    let o = wait(c);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let mut c = Command::new(bin());
    c.current_dir(t.path()).args([
        "monitor",
        "cfg/permits",
        "--data",
        "fifo",
        "--format",
        "github",
    ]);
    let o = wait(c);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("not a regular file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn baseline_fingerprints_do_not_depend_on_path_spelling() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    let o = run(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let abs = t.path().join("permits").display().to_string();
    for spelling in ["./permits", "permits/", "permits//./", abs.as_str()] {
        let o = run(
            t.path(),
            &[
                "check",
                spelling,
                "--as-of",
                "2026-11-01",
                "--baseline",
                "b.json",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("baseline: 0 new, 1 open, 0 closed"),
            "{spelling}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn countersign_names_are_collision_free_and_portable() {
    let t = tempfile::tempdir().unwrap();
    let lib = t.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    let long = "长".repeat(83) + "xx"; // 251 bytes
    assert_eq!(long.len(), 251);
    let names = [
        "A.yaml",
        "a.yaml",
        "CON.yaml",
        "lpt1.yaml",
        &format!("{long}.yml"),
    ];
    for n in names {
        std::fs::copy(fixtures().join("month1/u1.yaml"), lib.join(n)).unwrap();
    }
    let o = run(
        t.path(),
        &[
            "countersign",
            "lib",
            "--as-of",
            "2026-11-01",
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut written: Vec<String> = std::fs::read_dir(t.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    written.sort();
    // Every permit got both files (and, several permits, the index), no
    // two names equal ignoring case.
    assert_eq!(written.len(), 2 * names.len() + 2, "{written:?}");
    assert!(written.contains(&"index.html".to_string()), "{written:?}");
    let lower: std::collections::BTreeSet<String> =
        written.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(lower.len(), written.len(), "{written:?}");
    for n in &written {
        let stem = n.split('.').next().unwrap().to_ascii_uppercase();
        assert!(!["CON", "LPT1"].contains(&stem.as_str()), "{n}");
        assert!(n.len() <= 255, "{n}");
    }
}

#[test]
fn a_baseline_written_meanwhile_by_another_run_is_merged_not_lost() {
    let t = tempfile::tempdir().unwrap();
    permits(t.path());
    let text = std::fs::read_to_string(t.path().join("permits/u1.yaml")).unwrap();
    std::fs::create_dir(t.path().join("other")).unwrap();
    std::fs::write(t.path().join("other/u9.yaml"), &text).unwrap();
    // Both runs start from the same empty baseline `s0.json`.
    let w = |args: &[&str]| {
        let o = run(t.path(), args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    std::fs::write(
        t.path().join("s0.json"),
        r#"{"version": 1, "as_of": "2026-10-01", "findings": []}"#,
    )
    .unwrap();
    // The fast run (other/) writes b.json first ...
    w(&[
        "check",
        "other",
        "--as-of",
        "2026-11-01",
        "--baseline",
        "s0.json",
        "--write-baseline",
        "b.json",
    ]);
    // ... then the slow run (permits/), which read s0.json when it started.
    w(&[
        "check",
        "permits",
        "--as-of",
        "2026-11-01",
        "--baseline",
        "s0.json",
        "--write-baseline",
        "b.json",
    ]);
    let b = std::fs::read_to_string(t.path().join("b.json")).unwrap();
    assert!(
        b.contains("other/u9.yaml"),
        "the fast run's entries were lost: {b}"
    );
    assert!(b.contains("permits/u1.yaml"), "{b}");
}
