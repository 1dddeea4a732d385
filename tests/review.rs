//! Review documents (issue 6): classification, countersign form, one-time
//! notice. Snapshots in `tests/snapshots/integration__review__*.snap` are the reviewed
//! specification of the Markdown form and the notice.
//!
//! Library: the shipped policies alone (classification from
//! `policies/classification/`, on-site verification from
//! `policies/procedure/onsite-verification.policy`); the CLI tests run the
//! binary without `--policies`, i.e. on the library compiled into it.

use permitlint::date::Date;
use permitlint::finding::Severity;
use permitlint::lang::library::Library;
use permitlint::review::{self, Lang};
use permitlint::run::{self, FileResult, Options};

const FIXTURES: &str = "tests/fixtures/review";
const PERMITS: &[&str] = &[
    "clean",
    "downgrade",
    "heating-gas",
    "textile-manual",
    "broken-doc",
    "sewage",
];

fn as_of() -> Date {
    Date::parse("2026-12-01").expect("valid date")
}

fn lib() -> Library {
    match permitlint::library::shipped() {
        Ok(l) => l,
        Err(e) => panic!("shipped library has {} error(s): {e:?}", e.len()),
    }
}

fn check(lib: &Library, name: &str) -> FileResult {
    let path = format!("{FIXTURES}/{name}.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture permit");
    run::check_text(lib, &path, &text, &Options::new(as_of()), None)
}

#[test]
fn markdown_forms() {
    let lib = lib();
    for name in PERMITS {
        let r = check(&lib, name);
        let form = review::form::build(&lib, &r, as_of(), Lang::Zh);
        insta::assert_snapshot!(
            format!("form_{name}"),
            review::form::render_markdown(&form, Lang::Zh)
        );
    }
}

#[test]
fn notices() {
    let lib = lib();
    for name in PERMITS {
        let r = check(&lib, name);
        insta::assert_snapshot!(
            format!("notice_{name}"),
            review::notice::render(&r, as_of(), Lang::Zh)
        );
    }
}

#[test]
fn english_headings() {
    let lib = lib();
    let r = check(&lib, "downgrade");
    let form = review::form::build(&lib, &r, as_of(), Lang::En);
    insta::assert_snapshot!(
        "form_downgrade_en",
        review::form::render_markdown(&form, Lang::En)
    );
    insta::assert_snapshot!(
        "notice_downgrade_en",
        review::notice::render(&r, as_of(), Lang::En)
    );
}

/// Nothing omitted: the notice numbers one item per defective value (the
/// error and warning findings grouped by the value they point at), every
/// such finding leads an item or supports one, and the form lists every
/// finding in some department.
#[test]
fn nothing_omitted() {
    let lib = lib();
    for name in PERMITS {
        let r = check(&lib, name);
        let acted = r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Notice)
            .count();
        let items = review::notice::grouped(&r);
        let covered: usize = items.iter().map(|i| 1 + i.also.len()).sum();
        assert_eq!(covered, acted, "{name}: findings in notice items");
        let notice = review::notice::render(&r, as_of(), Lang::Zh);
        let numbered = notice
            .lines()
            .filter(|l| {
                l.split_once(". ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            })
            .count();
        assert_eq!(numbered, items.len(), "{name}: notice items");
        for i in &items {
            let m = permitlint::escape::markdown(&review::plain::message(i.lead));
            assert!(notice.contains(&m), "{name}: {m}");
        }
        let form = review::form::build(&lib, &r, as_of(), Lang::Zh);
        let rows: usize = form
            .sections
            .iter()
            .flat_map(|s| &s.rows)
            .map(|r| 1 + r.also.len())
            .sum();
        assert_eq!(rows, r.findings.len(), "{name}: findings in form rows");
    }
}

/// Findings on one value make one item: a key-region coal boiler whose SO2
/// concentration breaks GB 13223 table 1 and table 2 is one item, led by
/// the stricter table 2, with table 1 as supporting basis.
#[test]
fn one_item_per_value() {
    let lib = lib();
    let text = std::fs::read_to_string("corpus/thermal-power-04-defects.yaml")
        .expect("corpus permit")
        .replace(
            "pollutant: SO2, concentration: 80 mg/m3",
            "pollutant: SO2, concentration: 150 mg/m3",
        );
    let r = run::check_text(&lib, "tp04.yaml", &text, &Options::new(as_of()), None);
    let on_so2: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.message.contains("SO2 许可排放浓度 150"))
        .collect();
    assert_eq!(
        on_so2.len(),
        2,
        "table 1 and table 2 both fire: {on_so2:#?}"
    );
    let items = review::notice::grouped(&r);
    let item = items
        .iter()
        .find(|i| i.lead.message.contains("SO2 许可排放浓度 150"))
        .expect("an item for the SO2 value");
    assert_eq!(item.lead.rule, "air.gb13223-2011.special-limits");
    assert_eq!(item.also.len(), 1);
    let notice = review::notice::render(&r, as_of(), Lang::Zh);
    assert_eq!(notice.matches("许可排放浓度 150").count(), 1, "{notice}");
    assert!(
        notice.contains("有组织排放口 DA001（1号锅炉烟囱）二氧化硫 许可排放浓度"),
        "{notice}"
    );
    assert!(notice.contains("同时不符合：GB 13223-2011 表1"), "{notice}");
}

#[test]
fn classification_from_facts() {
    let lib = lib();
    let c = review::classify::classify(&lib, &check(&lib, "clean"));
    assert_eq!(c.required.as_deref(), Some("key"));
    assert_eq!(c.declared.as_deref(), Some("key"));
    assert!(!c.downgrade);
    assert!(c.items.iter().any(|i| i.number.as_deref() == Some("95")));
    // Item 96: two gas boilers of 8 t/h, 16 t/h combined (< 20 t/h), not on
    // the roster: simplified; item 109 adds only registration.
    let c = review::classify::classify(&lib, &check(&lib, "heating-gas"));
    assert_eq!(c.required.as_deref(), Some("simplified"));
    assert_eq!(c.declared.as_deref(), Some("registration"));
    assert!(c.downgrade);
    assert!(
        c.items
            .iter()
            .any(|i| i.number.as_deref() == Some("96") && i.category == "simplified")
    );
    assert!(!c.items.iter().any(|i| i.category == "key"));
    // Item 25 (dyeing): the code alone guarantees only registration (其他);
    // whether key (染色等工序) applies is left to the reviewer.
    let r = check(&lib, "textile-manual");
    let c = review::classify::classify(&lib, &r);
    assert_eq!(c.required.as_deref(), Some("registration"));
    assert_eq!(c.declared.as_deref(), Some("key"));
    assert!(!c.downgrade);
    assert!(r.findings.iter().any(|f| {
        f.rule == "classification.catalogue-2019.manual-review" && f.message.contains("名录第25项")
    }));
}

// ------------------------------------------------------------------ HTML

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// A minimal well-formedness check: every opened non-void tag is closed in
/// order, every attribute value is quoted, no stray `<` or `>` in text, and
/// every `&` starts an entity. Returns the first problem.
fn check_html(html: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    let mut pos = 0usize;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        check_text(text, pos)?;
        let after = &rest[lt..];
        if let Some(body) = after.strip_prefix("<!--") {
            let end = body.find("-->").ok_or("unclosed comment")?;
            let used = 4 + end + 3;
            pos += lt + used;
            rest = &after[used..];
            continue;
        }
        let gt = after
            .find('>')
            .ok_or(format!("unclosed tag at {}", pos + lt))?;
        let tag = &after[1..gt];
        if tag.contains('<') {
            return Err(format!("`<` inside tag at {}", pos + lt));
        }
        let consumed = lt + gt + 1;
        if tag.starts_with("!DOCTYPE") || tag.starts_with("!doctype") {
        } else if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open == name => {}
                other => {
                    return Err(format!("`</{name}>` at {} closes {other:?}", pos + lt));
                }
            }
        } else {
            let tag = tag.trim_end_matches('/');
            let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
            let name = tag[..name_end].to_ascii_lowercase();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("bad tag name `{name}` at {}", pos + lt));
            }
            check_attributes(&tag[name_end..])
                .map_err(|e| format!("{e} in <{name}> at {}", pos + lt))?;
            if !VOID.contains(&name.as_str()) {
                if name == "style" || name == "script" {
                    let close = format!("</{name}>");
                    let body = &after[gt + 1..];
                    let end = body.find(&close).ok_or(format!("unclosed <{name}>"))?;
                    let used = gt + 1 + end + close.len();
                    pos += lt + used;
                    rest = &after[used..];
                    continue;
                }
                stack.push(name);
            }
        }
        pos += consumed;
        rest = &rest[consumed..];
    }
    check_text(rest, pos)?;
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed tags at end: {stack:?}"))
    }
}

fn check_text(text: &str, pos: usize) -> Result<(), String> {
    if text.contains('>') {
        return Err(format!("stray `>` in text near {pos}: {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let tail = &text[i + 1..];
        let semi = tail.find(';').ok_or(format!("bare `&` near {pos}"))?;
        let ent = &tail[..semi];
        let ok = matches!(ent, "amp" | "lt" | "gt" | "quot")
            || ent
                .strip_prefix('#')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("unknown entity `&{ent};` near {pos}"));
        }
    }
    Ok(())
}

fn check_attributes(mut s: &str) -> Result<(), String> {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(());
        }
        let eq = s
            .find('=')
            .ok_or(format!("attribute without value: `{s}`"))?;
        let name = &s[..eq];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad attribute name `{name}`"));
        }
        let v = s[eq + 1..]
            .strip_prefix('"')
            .ok_or(format!("unquoted value of `{name}`"))?;
        let end = v
            .find('"')
            .ok_or(format!("unterminated value of `{name}`"))?;
        check_text(&v[..end], 0)?;
        s = &v[end + 1..];
    }
}

#[test]
fn html_checker_catches_problems() {
    assert!(check_html("<p>a</p>").is_ok());
    assert!(check_html("<div><p>a</div></p>").is_err());
    assert!(check_html("<p class=x>a</p>").is_err());
    assert!(check_html("<p>a").is_err());
    assert!(check_html("<p>a & b</p>").is_err());
    assert!(check_html("<br><col class=\"a\">").is_ok());
}

#[test]
fn html_forms_are_well_formed_and_escaped() {
    let lib = lib();
    for name in PERMITS {
        let r = check(&lib, name);
        for lang in [Lang::Zh, Lang::En] {
            let form = review::form::build(&lib, &r, as_of(), lang);
            let html = review::html::render_form(&form, lang);
            if let Err(e) = check_html(&html) {
                panic!("{name} ({lang:?}): {e}");
            }
            assert!(!html.contains("<script"), "{name}: raw script tag");
            assert!(
                !html.contains("http://") && !html.contains("https://"),
                "{name}: external resource"
            );
            assert!(html.contains("<style>"));
            for s in &form.sections {
                assert!(html.contains(&review::html::escape(&s.department)));
            }
        }
    }
    let r = check(&lib, "broken-doc");
    let html =
        review::html::render_form(&review::form::build(&lib, &r, as_of(), Lang::Zh), Lang::Zh);
    assert!(html.contains("苏州&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;热电 &amp; Co"));
}

// ------------------------------------------------------------------ CLI

fn cmd() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("permitlint").expect("binary")
}

#[test]
fn classify_json_parses_back() {
    let out = cmd()
        .arg("classify")
        .args(["--as-of", "2026-12-01", "--format", "json"])
        .args(PERMITS.iter().map(|p| format!("{FIXTURES}/{p}.yaml")))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let permits = v["permits"].as_array().expect("permits");
    assert_eq!(permits.len(), PERMITS.len());
    let by_file = |stem: &str| {
        permits
            .iter()
            .find(|p| {
                p["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(&format!("{stem}.yaml")))
            })
            .unwrap_or_else(|| panic!("{stem} missing"))
    };
    let sewage = by_file("sewage");
    assert_eq!(sewage["required"], "key");
    assert_eq!(sewage["declared"], "simplified");
    assert_eq!(sewage["downgrade"], true);
    let items = sewage["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["number"] == "99"
        && i["category"] == "key"
        && i["reason"].as_str().is_some_and(|r| r.contains("30000"))));
    let clean = by_file("clean");
    assert_eq!(clean["downgrade"], false);
    assert_eq!(clean["required"], "key");
    let textile = by_file("textile-manual");
    assert_eq!(textile["required"], "registration");
    assert_eq!(textile["downgrade"], false);
    let heating = by_file("heating-gas");
    assert_eq!(heating["required"], "simplified");
    assert_eq!(heating["declared"], "registration");
    assert_eq!(heating["downgrade"], true);
    for p in permits {
        assert!(p["downgrade"].is_boolean());
        assert!(p["items"].is_array());
    }
}

#[test]
fn classify_text() {
    let out = cmd()
        .arg("classify")
        .args(["--as-of", "2026-12-01"])
        .arg(format!("{FIXTURES}/heating-gas.yaml"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    insta::assert_snapshot!("classify_heating_gas", text);
}

#[test]
fn countersign_and_notice_commands() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let status = cmd()
        .arg("countersign")
        .args(["--as-of", "2026-12-01", "--out"])
        .arg(out_dir.path())
        .arg(format!("{FIXTURES}/downgrade.yaml"))
        .arg(format!("{FIXTURES}/clean.yaml"))
        .output()
        .expect("run");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for f in ["downgrade.md", "downgrade.html", "clean.md", "clean.html"] {
        assert!(out_dir.path().join(f).is_file(), "{f} missing");
    }
    let lib = lib();
    let r = check(&lib, "downgrade");
    let md = std::fs::read_to_string(out_dir.path().join("downgrade.md")).expect("md");
    let expected =
        review::form::render_markdown(&review::form::build(&lib, &r, as_of(), Lang::Zh), Lang::Zh);
    assert_eq!(md, expected);
    let html = std::fs::read_to_string(out_dir.path().join("downgrade.html")).expect("html");
    check_html(&html).expect("well-formed");
    // Two permits: an index, one row per permit, linking to each form.
    let index = std::fs::read_to_string(out_dir.path().join("index.html")).expect("index.html");
    check_html(&index).expect("well-formed index");
    for link in ["href=\"downgrade.html\"", "href=\"clean.html\""] {
        assert!(index.contains(link), "{link} in {index}");
    }
    let index_md = std::fs::read_to_string(out_dir.path().join("index.md")).expect("index.md");
    let rows: Vec<&str> = index_md
        .lines()
        .filter(|l| l.starts_with("| 1 ") || l.starts_with("| 2 "))
        .collect();
    assert_eq!(rows.len(), 2, "{index_md}");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r.contains(&format!("[{name}.md]")))
            .copied()
            .unwrap_or("")
    };
    let (downgrade, clean) = (row("downgrade"), row("clean"));
    assert!(
        downgrade.contains("补正") && downgrade.contains("重点管理（申报：简化管理，不得降级）"),
        "{downgrade}"
    );
    assert!(
        clean.contains("拟同意") && clean.contains("不需要") && clean.contains("| 无 |"),
        "{clean}"
    );
    // One permit: no index.
    let single = tempfile::tempdir().expect("tempdir");
    let out = cmd()
        .arg("countersign")
        .args(["--as-of", "2026-12-01", "--out"])
        .arg(single.path())
        .arg(format!("{FIXTURES}/clean.yaml"))
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(!single.path().join("index.html").exists());

    let notice_file = out_dir.path().join("notice.md");
    let out = cmd()
        .arg("notice")
        .args(["--as-of", "2026-12-01", "--out"])
        .arg(&notice_file)
        .arg(format!("{FIXTURES}/downgrade.yaml"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = std::fs::read_to_string(&notice_file).expect("notice");
    assert_eq!(text, review::notice::render(&r, as_of(), Lang::Zh));
    let out = cmd()
        .arg("notice")
        .args(["--as-of", "2026-12-01", "--lang", "en"])
        .arg(format!("{FIXTURES}/downgrade.yaml"))
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("One-time notice"));
}
