//! Suppression comments in a permit (`# permitlint: ignore[RULE] 原因`):
//! what they cover, that each is reported, and the warnings for unused
//! ones and ones without a reason.

use assert_cmd::Command;

const AS_OF: &str = "2026-12-01";

/// The reference permit with SO2 at 350 mg/m3 on both outlets (each breaks
/// `air.gb13223-2011.limits` and `.special-limits`, and gets an ultra-low
/// notice), and suppression comments:
/// - after the value on DA001: the special limit, on that line only;
/// - above `- id: DA002`: every `air.gb13223-2011` rule in that outlet;
/// - above DA001's SO2 item, without a reason: suppresses nothing;
/// - on DA001's height: matches nothing.
fn permit() -> String {
    let text = std::fs::read_to_string("tests/fixtures/permits/reference.yaml").unwrap();
    // In a "2+26" city (石家庄), where GB 13223-2011 table 2 special limits
    // apply to existing units (公告2018年第9号).
    let text = text.replacen("region: \"320506\"", "region: \"130102\"", 1);
    assert!(text.contains("\"130102\""));
    let text = text.replacen(
        "        - pollutant: SO2\n          concentration: 35 mg/m3",
        "        # permitlint: ignore[air.ultra-low.coal-power]\n        - pollutant: SO2\n          concentration: 350 mg/m3   # permitlint: ignore[air.gb13223-2011.special-limits] 非重点区域（X环函〔2024〕12号）",
        1,
    );
    assert!(text.contains("非重点区域"));
    let text = text.replacen(
        "    - id: DA002\n",
        "    # permitlint: ignore[air.gb13223-2011] 2号机组改造期间执行过渡限值（X环函〔2024〕13号）\n    - id: DA002\n",
        1,
    );
    let text = text.replacen(
        "{ pollutant: SO2, concentration: 35 mg/m3,",
        "{ pollutant: SO2, concentration: 350 mg/m3,",
        1,
    );
    let text = text.replacen(
        "      height: 210 m\n",
        "      height: 210 m   # permitlint: ignore[air.gb13223-2011.limits] 烟囱高度另有批复\n",
        1,
    );
    assert_eq!(text.matches("permitlint:").count(), 4);
    text
}

fn check(format: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, permit()).unwrap();
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["check", "--as-of", AS_OF, "--format", format, "p.yaml"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn suppressions_take_findings_out_where_they_stand_and_are_listed() {
    let (code, stdout, stderr) = check("json");
    assert_eq!(code, 1, "one error remains: {stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let rules: Vec<&str> = findings.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        rules,
        [
            "suppression.unused",
            "suppression.no-reason",
            "air.gb13223-2011.limits",
            "air.ultra-low.coal-power",
            "air.ultra-low.coal-power",
        ],
        "{findings:?}"
    );
    assert_eq!(v["summary"]["error"], 1);
    assert_eq!(v["summary"]["warning"], 2);
    assert_eq!(v["summary"]["notice"], 2);
    let sup = v["suppressions"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = sup
        .iter()
        .map(|s| (s["rule"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "air.gb13223-2011.special-limits",
                "非重点区域（X环函〔2024〕12号）"
            ),
            (
                "air.gb13223-2011.limits",
                "2号机组改造期间执行过渡限值（X环函〔2024〕13号）"
            ),
            (
                "air.gb13223-2011.special-limits",
                "2号机组改造期间执行过渡限值（X环函〔2024〕13号）"
            ),
        ]
    );
    // Each names its finding's line and its comment's line.
    assert_eq!(sup[0]["line"], sup[0]["comment_line"]);
    assert!(sup[1]["line"].as_u64() > sup[1]["comment_line"].as_u64());
    assert!(stderr.contains("suppressed: 3 finding(s)"), "{stderr}");
}

#[test]
fn sarif_keeps_suppressed_results_marked_in_source() {
    let (_, stdout, _) = check("sarif");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 3);
    for r in &suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
        assert!(
            r["suppressions"][0]["justification"]
                .as_str()
                .unwrap()
                .contains("X环函")
        );
    }
    assert_eq!(results.len(), 5 + 3);
}

#[test]
fn human_output_shows_the_warnings_and_not_the_suppressed() {
    let (code, stdout, stderr) = check("human");
    assert_eq!(code, 1);
    assert!(stdout.contains("suppression.no-reason"), "{stdout}");
    assert!(stdout.contains("suppresses nothing"), "{stdout}");
    assert!(stdout.contains("suppression.unused"), "{stdout}");
    // The special-limit findings' message is not shown (the rule id is,
    // inside the comment quoted in a snippet).
    assert!(!stdout.contains("特别排放限值 50 mg/m3"), "{stdout}");
    assert!(
        stderr.contains("1 error(s), 2 warning(s), 2 notice(s)"),
        "{stderr}"
    );
}

#[test]
fn a_permit_without_comments_gives_no_suppressions_field() {
    let out = Command::cargo_bin("permitlint")
        .unwrap()
        .args([
            "check",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "tests/fixtures/permits/reference.yaml",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("suppressions").is_none());
}
