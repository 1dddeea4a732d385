//! Reporters over a small in-memory permit with Chinese text. The snapshots
//! in `tests/snapshots/` are the specification of each format.

use permitlint::date::Date;
use permitlint::finding::{self, Finding, Label, Severity};
use permitlint::report::{self, Format, HumanOptions, RuleMeta, RunInfo};
use permitlint::span::{Source, SourceFile, Span};
use std::time::Duration;

const PERMIT: &str = "\
permit:
  number: 91320500MA1XXXXX001P
  company: 苏州某热电有限公司
air:
  outlets:
    - id: DA001
      name: 1号锅炉烟囱
      fuel: 燃煤
      pollutants:
        - name: 颗粒物
          concentration: 30 mg/m3
        - name: 二氧化硫
          concentration: 200 mg/m3
";

fn span_of(text: &str, needle: &str) -> Span {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    Span::new(start, start + needle.len())
}

fn base(file: &Source, rule: &str, severity: Severity, element: &str, message: &str) -> Finding {
    Finding {
        rule: rule.into(),
        severity,
        element: element.into(),
        department: String::new(),
        message: message.into(),
        basis: None,
        help: None,
        file: file.clone(),
        primary: None,
        labels: Vec::new(),
        path: String::new(),
        field_zh: String::new(),
    }
}

fn findings() -> Vec<Finding> {
    let permit = SourceFile::new("permits/suzhou.yaml", PERMIT);
    let broken = SourceFile::new("permits/苏州 热电.yaml", "permit: [unclosed\n");

    let mut pm = base(
        &permit,
        "air.gb13223-2011.coal-boiler",
        Severity::Error,
        "air",
        "颗粒物排放浓度限值 30 mg/m3 超过标准限值 20 mg/m3",
    );
    pm.department = "大气环境处".into();
    pm.basis = Some("GB 13223-2011 表1".into());
    pm.help = Some("将许可排放浓度降至 20 mg/m3 或以下".into());
    pm.primary = Some(span_of(PERMIT, "30 mg/m3"));
    pm.labels = vec![
        Label {
            span: span_of(PERMIT, "1号锅炉烟囱"),
            text: "燃煤锅炉排放口".into(),
        },
        Label {
            span: span_of(PERMIT, "燃煤"),
            text: "燃料: 煤".into(),
        },
    ];
    pm.path = "air.outlets[0].pollutants[0].concentration".into();
    pm.field_zh = "排放浓度限值".into();

    // A message with every character some format must escape.
    let mut so2 = base(
        &permit,
        "air.gb13223-2011.coal-boiler",
        Severity::Warning,
        "air",
        "二氧化硫 200 mg/m3 > 35 mg/m3: 超标 471%, see <表1> & \"特别排放限值\"\nsecond line",
    );
    so2.basis = Some("GB 13223-2011 表2".into());
    so2.primary = Some(span_of(PERMIT, "200 mg/m3"));
    so2.path = "air.outlets[0].pollutants[1].concentration".into();
    so2.field_zh = "排放浓度限值".into();

    let mut company = base(
        &permit,
        "procedure.company-name",
        Severity::Notice,
        "document",
        "单位名称应与营业执照一致",
    );
    company.primary = Some(span_of(PERMIT, "苏州某热电有限公司"));
    company.element = "procedure".into();
    company.path = "permit.company".into();
    company.field_zh = "单位名称".into();
    company.department = "行政审批处".into();

    let not_yaml = base(
        &broken,
        "document.yaml",
        Severity::Error,
        "document",
        "不是有效的 YAML: 第 1 行的流序列未闭合",
    );

    let mut all = vec![not_yaml, company, so2, pm];
    finding::sort(&mut all);
    all
}

fn run() -> RunInfo {
    RunInfo {
        as_of: Date::new(2026, 11, 29).unwrap(),
        files: 2,
        elapsed: Duration::from_millis(410),
        rules: vec![
            RuleMeta {
                id: "air.gb13223-2011.coal-boiler".into(),
                title: "燃煤锅炉大气污染物排放浓度限值".into(),
                basis: "GB 13223-2011 表1".into(),
                element: "air".into(),
                severity: Severity::Error,
                help: "燃煤锅炉的许可排放浓度不得高于 **GB 13223-2011** 表1 的限值。".into(),
            },
            RuleMeta {
                id: "air.gb13271-2014.gas-boiler".into(),
                title: "燃气锅炉大气污染物排放浓度限值".into(),
                basis: "GB 13271-2014 表2".into(),
                element: "air".into(),
                severity: Severity::Warning,
                help: String::new(),
            },
            RuleMeta {
                id: "procedure.company-name".into(),
                title: "单位名称与营业执照一致".into(),
                basis: "(test fixture)".into(),
                element: "procedure".into(),
                severity: Severity::Notice,
                help: String::new(),
            },
        ],
        tool_version: "0.1.0",
    }
}

fn plain() -> HumanOptions {
    HumanOptions {
        color: false,
        unicode: false,
        width: 100,
    }
}

fn render(format: Format) -> String {
    report::render(format, &findings(), &run(), &plain())
}

#[test]
fn human_ascii() {
    let out = render(Format::Human);
    // No box drawing when not on a terminal.
    assert!(
        !out.chars().any(|c| ('\u{2500}'..='\u{257F}').contains(&c)),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
    insta::assert_snapshot!(out);
}

#[test]
fn human_unicode() {
    let opts = HumanOptions {
        color: false,
        unicode: true,
        width: 100,
    };
    let out = report::render(Format::Human, &findings(), &run(), &opts);
    assert!(!out.contains('\u{1b}'));
    insta::assert_snapshot!(out);
}

#[test]
fn human_color_uses_ansi() {
    let opts = HumanOptions {
        color: true,
        unicode: true,
        width: 100,
    };
    let out = report::render(Format::Human, &findings(), &run(), &opts);
    assert!(out.contains("\u{1b}["));
}

/// Chinese characters are two columns wide: the underline under `30 mg/m3`
/// must start below its `3` however many Chinese characters precede it on
/// the line, and labels under Chinese text must cover the text exactly.
#[test]
fn human_chinese_alignment() {
    let out = render(Format::Human);
    let lines: Vec<&str> = out.lines().collect();
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    for (needle, label) in [
        ("30 mg/m3", "排放浓度限值"),
        ("1号锅炉烟囱", "燃煤锅炉排放口"),
    ] {
        let i = lines
            .iter()
            .position(|l| l.contains(needle) && l.contains(" | "))
            .unwrap_or_else(|| panic!("no snippet line for {needle}:\n{out}"));
        let src = lines[i];
        let col = width(&src[..src.find(needle).unwrap()]);
        let under = lines[i + 1];
        let first = under.find(['^', '-']).unwrap();
        assert_eq!(width(&under[..first]), col, "underline of {needle}:\n{out}");
        let underline_width = under[first..].trim_end().chars().count();
        assert_eq!(
            underline_width,
            width(needle),
            "underline of {needle}:\n{out}"
        );
        assert!(out.contains(label));
    }
}

#[test]
fn human_without_span_prints_header_only() {
    let f: Vec<Finding> = findings()
        .into_iter()
        .filter(|f| f.primary.is_none())
        .collect();
    let out = report::render(Format::Human, &f, &run(), &plain());
    insta::assert_snapshot!(out);
}

#[test]
fn json() {
    let out = render(Format::Json);
    insta::assert_snapshot!(out);
}

#[test]
fn json_parses_back() {
    let out = render(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["as_of"], "2026-11-29");
    assert_eq!(v["files"], 2);
    assert_eq!(v["summary"]["error"], 2);
    assert_eq!(v["summary"]["warning"], 1);
    assert_eq!(v["summary"]["notice"], 1);
    let fs = v["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 4);
    let expect = findings();
    for (j, f) in fs.iter().zip(&expect) {
        assert_eq!(j["rule"], f.rule.as_str());
        assert_eq!(j["message"], f.message.as_str());
        assert_eq!(j["file"], f.file.name.as_str());
        assert_eq!(j["fingerprint"], f.fingerprint().as_str());
        match f.primary {
            Some(span) => {
                let (line, col) = f.line_col();
                assert_eq!(j["line"], line);
                assert_eq!(j["column"], col);
                assert_eq!(j["start_byte"], span.start);
                assert_eq!(j["end_byte"], span.end);
                // The bytes point at the value.
                let text = &f.file.text[span.range()];
                assert!(!text.is_empty());
            }
            None => assert!(j["line"].is_null() && j["start_byte"].is_null()),
        }
    }
    // Columns count characters: `30 mg/m3` is on line 11 after 10 spaces and
    // `concentration: `.
    let pm = fs
        .iter()
        .find(|j| j["severity"] == "error" && !j["line"].is_null())
        .unwrap();
    assert_eq!((&pm["line"], &pm["column"]), (&11.into(), &26.into()));
    assert_eq!(
        (&pm["end_line"], &pm["end_column"]),
        (&11.into(), &34.into())
    );
    // `1号锅炉烟囱` starts at character 13 of line 7 (byte 13 too, but its end
    // is 6 characters and 16 bytes later).
    let label = &pm["labels"][0];
    assert_eq!((&label["line"], &label["column"]), (&7.into(), &13.into()));
    assert_eq!(
        label["end_byte"].as_u64().unwrap() - label["start_byte"].as_u64().unwrap(),
        16
    );
}

#[test]
fn sarif() {
    let out = render(Format::Sarif);
    insta::assert_snapshot!(out);
}

#[test]
fn sarif_validates_against_official_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for findings in [findings(), Vec::new()] {
        let out = report::render(Format::Sarif, &findings, &run(), &plain());
        let instance: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
    // The validator does reject what SARIF does not allow.
    let out = render(Format::Sarif).replace("\"level\": \"note\"", "\"level\": \"notice\"");
    let bad: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn sarif_rule_indexes_and_uris() {
    let out = render(Format::Sarif);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    assert!(out.contains("\"uri\": \"permits/%E8%8B%8F%E5%B7%9E%20%E7%83%AD%E7%94%B5.yaml\""));
    assert_eq!(
        report::sarif::artifact_uri(".\\a b\\c.yaml"),
        "a%20b/c.yaml"
    );
    assert_eq!(
        report::sarif::artifact_uri("/tmp/x:y.yaml"),
        "file:///tmp/x%3Ay.yaml"
    );
}

#[test]
fn junit() {
    let out = render(Format::Junit);
    insta::assert_snapshot!(out);
}

#[test]
fn junit_is_well_formed() {
    let out = render(Format::Junit);
    let texts = xml::check(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    // Escaped text comes back unchanged.
    let so2 = findings()
        .into_iter()
        .find(|f| f.severity == Severity::Warning)
        .unwrap();
    assert!(texts.iter().any(|t| t.contains(&so2.message)), "{texts:?}");
    xml::check(&report::render(Format::Junit, &[], &run(), &plain())).unwrap();
    assert!(xml::check("<a><b></a></b>").is_err());
    assert!(xml::check("<a x=\"1\">&bogus;</a>").is_err());
    assert!(xml::check("<a>1 < 2</a>").is_err());
}

#[test]
fn github() {
    let out = render(Format::Github);
    insta::assert_snapshot!(out);
    // One command per line, whatever the message holds.
    assert_eq!(out.lines().count(), findings().len());
}

#[test]
fn every_format_is_deterministic() {
    for (name, format) in Format::ALL {
        let a = render(format);
        // Another run: different elapsed time, rules listed in another order.
        let mut other = run();
        other.elapsed = Duration::from_secs(7);
        other.rules.reverse();
        let b = report::render(format, &findings(), &other, &plain());
        assert_eq!(a, b, "{name} differs between runs");
        assert!(!a.contains("0.41"), "{name} shows the elapsed time");
    }
}

#[test]
fn summary() {
    assert_eq!(
        report::summary_line(&findings(), &run()),
        "checked 2 files as of 2026-11-29: 2 errors, 1 warning, 1 notice, 0 undecided in 0.41s"
    );
}

#[test]
fn format_names_round_trip() {
    for (name, format) in Format::ALL {
        assert_eq!(Format::parse(name), Some(format));
        assert_eq!(format.name(), name);
    }
    assert_eq!(Format::parse("xml"), None);
}

/// A minimal XML well-formedness checker: declaration, nested elements with
/// matching end tags, quoted and unique attributes, only the five predefined
/// entities and character references, no raw `<` or `&` in text. Returns the
/// unescaped text contents.
mod xml {
    fn unescape(s: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').ok_or("unterminated entity")? + i;
            let name = &rest[i + 1..end];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad reference &{n};"))?,
                n if n.starts_with('#') => n[1..]
                    .parse()
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad reference &{n};"))?,
                n => return Err(format!("unknown entity &{n};")),
            };
            out.push(c);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        if out
            .chars()
            .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err("control character".into());
        }
        Ok(out)
    }

    fn is_name(s: &str) -> bool {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
            && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
    }

    fn attributes(mut s: &str) -> Result<(), String> {
        let mut seen = Vec::new();
        loop {
            s = s.trim_start();
            if s.is_empty() {
                return Ok(());
            }
            let eq = s.find('=').ok_or(format!("attribute without value: {s}"))?;
            let name = s[..eq].trim();
            if !is_name(name) || seen.contains(&name) {
                return Err(format!("bad or duplicate attribute {name}"));
            }
            seen.push(name);
            let v = s[eq + 1..].trim_start();
            let q = v.chars().next().filter(|&c| c == '"' || c == '\'');
            let q = q.ok_or("unquoted attribute")?;
            let close = v[1..].find(q).ok_or("unterminated attribute")? + 1;
            let value = &v[1..close];
            if value.contains('<') {
                return Err("< in attribute".into());
            }
            unescape(value)?;
            s = &v[close + 1..];
            if !(s.is_empty() || s.starts_with(char::is_whitespace)) {
                return Err("no space between attributes".into());
            }
        }
    }

    pub fn check(doc: &str) -> Result<Vec<String>, String> {
        let mut rest = doc;
        if let Some(r) = rest.strip_prefix("<?xml") {
            rest = &r[r.find("?>").ok_or("unterminated declaration")? + 2..];
        }
        let mut stack: Vec<&str> = Vec::new();
        let mut texts = Vec::new();
        let mut roots = 0;
        while !rest.is_empty() {
            let lt = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..lt];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err("text outside the root element".into());
            }
            let text = unescape(text)?;
            if !text.trim().is_empty() {
                texts.push(text);
            }
            rest = &rest[lt..];
            if rest.is_empty() {
                break;
            }
            let gt = rest.find('>').ok_or("unterminated tag")?;
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                match stack.pop() {
                    Some(open) if open == name.trim_end() => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
                continue;
            }
            let (body, empty) = match tag.strip_suffix('/') {
                Some(b) => (b, true),
                None => (tag, false),
            };
            let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
            let name = &body[..name_end];
            if !is_name(name) {
                return Err(format!("bad element name {name:?}"));
            }
            attributes(&body[name_end..])?;
            if stack.is_empty() {
                roots += 1;
            }
            if !empty {
                stack.push(name);
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed {stack:?}"));
        }
        if roots != 1 {
            return Err(format!("{roots} root elements"));
        }
        Ok(texts)
    }
}

#[test]
fn bad_spans_never_panic() {
    let file = SourceFile::new("a.yaml", "名称: 值\n");
    let mut f = base(&file, "x.y", Severity::Error, "document", "m");
    // Inside a multi-byte character, and past the end of the text.
    f.primary = Some(Span::new(1, 4));
    f.labels = vec![Label {
        span: Span::new(100, 200),
        text: "past the end".into(),
    }];
    for (_, format) in Format::ALL {
        let out = report::render(format, std::slice::from_ref(&f), &run(), &plain());
        assert!(out.contains('m'), "{out}");
    }
    let v: serde_json::Value =
        serde_json::from_str(&report::render(Format::Json, &[f], &run(), &plain())).unwrap();
    let j = &v["findings"][0];
    assert_eq!((&j["start_byte"], &j["end_byte"]), (&0.into(), &6.into()));
    assert_eq!(j["labels"][0]["start_byte"], 12);
}

#[test]
fn no_findings() {
    for (name, format) in Format::ALL {
        let out = report::render(format, &[], &run(), &plain());
        match format {
            Format::Human | Format::Github | Format::Concise => assert_eq!(out, "", "{name}"),
            _ => assert!(out.ends_with('\n'), "{name}"),
        }
    }
}

#[test]
fn escaping() {
    use report::github::{escape_data, escape_property};
    assert_eq!(escape_data("50%\r\nx: y, z"), "50%25%0D%0Ax: y, z");
    assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    use report::junit::escape;
    assert_eq!(
        escape("<a & 'b'>\u{1}\n", false),
        "&lt;a &amp; 'b'&gt;\u{FFFD}\n"
    );
    assert_eq!(escape("\"x\"\t\n", true), "&quot;x&quot;&#9;&#10;");
}

/// `check` writes every format permit by permit, from pieces rendered on
/// the worker threads (and kept by the cache): any split of the findings
/// by whole files, joined, gives the bytes of the one-shot rendering, with
/// and without findings.
#[test]
fn pieces_joined_give_the_one_shot_rendering_in_every_format() {
    use permitlint::report::piece::{Joiner, Renderer};
    let all = findings();
    let run = run();
    let split = all
        .iter()
        .position(|f| f.file.name != all[0].file.name)
        .expect("findings of two files");
    let (first, second) = all.split_at(split);
    for (name, format) in Format::ALL {
        for chunks in [
            vec![first, second],
            vec![&all[..]],
            vec![],
            vec![&[][..], first, &[][..], second],
        ] {
            let renderer = Renderer::new(format, plain(), &run);
            let mut joiner = Joiner::new(renderer.separator());
            let mut body = Vec::new();
            let mut counts = [0usize; 4];
            for c in &chunks {
                let piece = renderer.render(c, &[]);
                body.extend_from_slice(joiner.next(piece.bytes()));
                for (t, n) in counts.iter_mut().zip(piece.counts) {
                    *t += n;
                }
            }
            let body = String::from_utf8(body).unwrap();
            let together: Vec<Finding> = chunks.iter().flat_map(|c| c.iter().cloned()).collect();
            let c = report::Counts::of(&together);
            assert_eq!(
                counts,
                [c.error, c.warning, c.notice, c.undecided],
                "{name}"
            );
            let foot = match format {
                Format::Json => report::json::stream_footer(c, !joiner.first()),
                Format::Sarif => report::sarif::Stream::finish(joiner.first()),
                Format::Junit => report::junit::FOOTER.to_string(),
                Format::Human | Format::Github | Format::Concise => String::new(),
            };
            let whole = format!("{}{body}{foot}", renderer.head());
            assert_eq!(
                whole,
                report::render(format, &together, &run, &plain()),
                "{name}"
            );
            if format == Format::Sarif {
                // One JSON document either way.
                let v: serde_json::Value = serde_json::from_str(&whole).unwrap();
                assert_eq!(
                    v["runs"][0]["results"].as_array().unwrap().len(),
                    together.len()
                );
            }
        }
    }
}

/// Every rule a finding names is described in SARIF's rule list: built-in
/// rules are listed up front, since results are streamed after it.
#[test]
fn sarif_lists_builtin_rules() {
    let out = report::render(Format::Sarif, &[], &run(), &plain());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for b in permitlint::finding::BUILTIN_RULES {
        assert!(ids.contains(&b.id), "{}", b.id);
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}
