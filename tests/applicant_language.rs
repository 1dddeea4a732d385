//! Every shipped rule's message, as the applicant reads it: each policy's
//! `doc { violating """…""" }` example is checked with the shipped library,
//! and what the rule reports is rendered the way the one-time notice
//! renders it (`review::plain`). The notice is sent unchanged, so the text
//! must hold no ASCII pollutant code, no source grade (`[2nd]`,
//! `[unverified]`), no doubled or repeated brackets and no raw field name of
//! the permit format. The whole notice of each example is checked too.

use permitlint::date::Date;
use permitlint::finding::Finding;
use permitlint::lang::library::Library;
use permitlint::review::{self, Lang, labels, plain};
use permitlint::run::{self, Options};

fn lib() -> Library {
    match permitlint::library::shipped() {
        Ok(l) => l,
        Err(e) => panic!("shipped library has {} error(s): {e:?}", e.len()),
    }
}

/// What is wrong with a text the applicant reads, if anything.
fn problems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in ["[2nd]", "[unverified]", "[text]", "[verified]"] {
        if text.contains(tag) {
            out.push(format!("source grade {tag}"));
        }
    }
    for b in ["（（", "））", "((", "))"] {
        if text.contains(b) {
            out.push(format!("doubled bracket {b}"));
        }
    }
    let is_tok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    for tok in text.split(|c: char| !is_tok(c)).filter(|t| !t.is_empty()) {
        let tok = tok.trim_matches('.');
        // pH's Chinese name, pH值, keeps the symbol.
        if tok != "pH" && labels::pollutant_zh(tok).is_some() {
            out.push(format!("pollutant code {tok}"));
        }
        // A permit-format field name: `valid_until`, `air.outlets`.
        let word = |t: &str| {
            t.bytes().any(|b| b.is_ascii_lowercase())
                && t.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        };
        if tok.contains('_') && word(tok) {
            out.push(format!("field name {tok}"));
        }
        if tok.contains('.') && tok.split('.').all(word) {
            out.push(format!("permit path {tok}"));
        }
    }
    // `sealed: false`: a field name and its YAML value.
    let b = text.as_bytes();
    for (i, w) in b.windows(2).enumerate() {
        if w == b": " && i > 0 && b[i - 1].is_ascii_lowercase() {
            out.push(format!("field and value at byte {i}"));
        }
    }
    // `name（name）`: a term repeated in brackets.
    let mut rest = text;
    while let Some(open) = rest.find('（') {
        let after = &rest[open + '（'.len_utf8()..];
        if let Some(close) = after.find('）') {
            let inner = &after[..close];
            if !inner.is_empty() && rest[..open].ends_with(inner) {
                out.push(format!("repeated term {inner}（{inner}）"));
            }
        }
        rest = after;
    }
    out
}

/// A date the policy is in force on: the day before it ends, or a fixed
/// day after it starts.
fn in_force(from: Option<Date>, until: Option<Date>) -> Date {
    let fixed = Date::parse("2026-12-01").expect("valid date");
    match (from, until) {
        (_, Some(u)) => Date::from_days(u.days() - 1),
        (Some(f), None) if f > fixed => f,
        _ => fixed,
    }
}

fn check_finding(
    f: &Finding,
    root: Option<&permitlint::permit::model::Node>,
    failures: &mut Vec<String>,
) {
    let parts = [
        plain::subject(f, root),
        plain::message(f),
        plain::basis(f),
        plain::hint(f).unwrap_or_default(),
    ];
    for text in parts {
        for pr in problems(&text) {
            failures.push(format!("{}: {pr} in «{text}»", f.rule));
        }
    }
}

#[test]
fn checker_catches_problems() {
    for bad in [
        "SO2 许可排放浓度",
        "总则 [2nd]",
        "（（未填））",
        "为手工监测（手工监测）",
        "未加盖（sealed: false）",
        "见 air.outlets",
    ] {
        assert!(!problems(bad).is_empty(), "{bad}");
    }
    for good in [
        "二氧化硫 许可排放浓度 80 mg/m3 高于 GB 13223-2011 表2 限值 50 mg/m3",
        "pH值 6-9",
        "PM2.5",
    ] {
        assert!(problems(good).is_empty(), "{good}: {:?}", problems(good));
    }
}

#[test]
fn every_rule_message_reads_as_the_bureau_writes() {
    let lib = lib();
    let mut silent = Vec::new();
    let mut failures = Vec::new();
    let mut rendered = 0;
    for p in &lib.policies {
        let meta = &p.meta;
        let Some(example) = meta.doc_section("violating") else {
            failures.push(format!("{}: no violating example", meta.id));
            continue;
        };
        let as_of = in_force(meta.effective_from, meta.effective_until);
        let name = format!("{}.violating.yaml", meta.id);
        // Examples are fragments of a permit: give them the format line a
        // permit document starts with (without it nothing runs on them).
        let example = if example.contains("format:") {
            example.to_string()
        } else {
            format!("format: permit/v2\n{example}")
        };
        let r = run::check_text(&lib, &name, &example, &Options::new(as_of), None);
        let own: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == meta.id).collect();
        if own.is_empty() {
            silent.push(meta.id.clone());
        }
        let root = r.permit.as_ref().map(|p| &p.root);
        for f in &own {
            rendered += 1;
            check_finding(f, root, &mut failures);
        }
        let notice = review::notice::render(&r, as_of, Lang::Zh);
        for pr in problems(&notice) {
            failures.push(format!("{} (notice of its example): {pr}", meta.id));
        }
        if notice.contains(&name) {
            failures.push(format!("{}: the notice names the file", meta.id));
        }
    }
    // Rules whose example is too partial to make them fire (a fragment
    // without the outlet's sources, say) are rendered from the corpus and
    // the rule tests (`policies/*/tests/*.yaml`, on their `# as-of:` date).
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    let mut folders = vec![std::path::PathBuf::from("corpus")];
    for e in std::fs::read_dir("policies")
        .expect("policies folder")
        .flatten()
    {
        folders.push(e.path().join("tests"));
    }
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        paths.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml")),
        );
    }
    paths.sort();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("permit file");
        let as_of = text
            .lines()
            .find_map(|l| l.strip_prefix("# as-of:"))
            .and_then(|d| Date::parse(d.trim()))
            .unwrap_or_else(|| Date::parse("2026-12-01").expect("valid date"));
        let name = path.display().to_string();
        let r = run::check_text(&lib, &name, &text, &Options::new(as_of), None);
        let root = r.permit.as_ref().map(|p| &p.root);
        for f in &r.findings {
            silent.retain(|id| id != &f.rule);
            check_finding(f, root, &mut failures);
        }
        let notice = review::notice::render(&r, as_of, Lang::Zh);
        for pr in problems(&notice) {
            failures.push(format!("{name} (notice): {pr}"));
        }
    }
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{rendered} finding(s) rendered from the examples of {} policies",
        lib.policies.len()
    );
    assert!(
        rendered >= lib.policies.len() / 2,
        "too few rules fired: {silent:?}"
    );
    assert!(
        silent.is_empty(),
        "rules neither their example nor the corpus makes fire: {silent:?}"
    );
}
