//! `permitlint policy check|fmt|test|docs`: tools for policy authors.

use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Parse and type-check policy files against the permit schema; report every error.
    Check(PolicyCheckArgs),
    /// Format policy files in the canonical layout (comments kept).
    Fmt(FmtArgs),
    /// Print `docs/policies.md`, generated from the policies' own documentation.
    Docs(PolicyDirArg),
    /// Run the rule tests next to the policies (`tests/*.yaml` with `# expect:` annotations).
    Test(TestArgs),
    /// Write a documented policy skeleton and its two test cases (one where
    /// it fires, one where it must stay silent), ready to edit.
    New(NewArgs),
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// Rule id: `ELEMENT.NAME...`, e.g. `air.db32-4041.limits`.
    pub rule: String,
    /// Policy folder to write into.
    #[arg(long, value_name = "DIR", default_value = "policies", value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Policy folder holding policies and their `tests/`.
    #[arg(default_value = "policies", value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
    /// Report, per rule, whether its requirements were exercised both ways,
    /// and the policy lines never evaluated.
    #[arg(long)]
    pub coverage: bool,
    /// Run only the test cases that name these rules, and judge only them
    /// (an id, a glob `air.*` or a dotted prefix, as for `check --select`).
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
}

#[derive(Args, Debug)]
pub struct PolicyDirArg {
    /// Policy folder [default: the built-in library].
    #[arg(value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PolicyCheckArgs {
    /// Policy folders or files.
    #[arg(default_value = "policies", value_hint = clap::ValueHint::AnyPath)]
    pub dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::TextFormat,
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Do not write; exit 1 and name the files that would change.
    #[arg(long)]
    pub check: bool,
    /// Do not write; print what would change as a unified diff and exit 1
    /// when anything would.
    #[arg(long)]
    pub diff: bool,
    /// Policy files or folders.
    #[arg(default_value = "policies", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
}

pub fn run(c: PolicyCommand) -> i32 {
    let paths: &[PathBuf] = match &c {
        PolicyCommand::Check(a) => &a.dirs,
        PolicyCommand::Fmt(a) => &a.paths,
        PolicyCommand::Test(a) => std::slice::from_ref(&a.dir),
        PolicyCommand::Docs(a) => a.dir.as_slice(),
        PolicyCommand::New(_) => &[],
    };
    if super::missing_paths(paths) {
        return 2;
    }
    match c {
        PolicyCommand::Check(a) => check(a),
        PolicyCommand::Fmt(a) => fmt(a),
        PolicyCommand::Test(a) => test(a),
        PolicyCommand::New(a) => new(a),
        PolicyCommand::Docs(a) => {
            let args = super::LibraryArgs::only(a.dir);
            let Some(lib) = super::load_library(&args) else {
                return 2;
            };
            if super::emit(&crate::docs::policies_markdown(&lib)) {
                0
            } else {
                2
            }
        }
    }
}

fn check(a: PolicyCheckArgs) -> i32 {
    let mut files = Vec::new();
    for dir in &a.dirs {
        if !dir.exists() {
            eprintln!("error: `{}` does not exist", crate::escape::path(dir));
            return 2;
        }
        match crate::library::read_dir(dir) {
            Ok(f) => files.extend(f),
            Err(errs) => {
                for e in errs {
                    eprintln!("error: {e}");
                }
                return 2;
            }
        }
    }
    let n = files.len();
    match crate::lang::library::build(files) {
        Ok(lib) => {
            let warnings = crate::lang::lint::warnings(&lib);
            if a.format == super::TextFormat::Json {
                let w: Vec<serde_json::Value> = warnings
                    .iter()
                    .map(|e| error_json(e, e.kind, e.help.clone()))
                    .collect();
                let v = serde_json::json!({ "files": n, "policies": lib.policies.len(), "errors": [], "warnings": w });
                if !super::emit(&format!("{v}\n")) {
                    return 2;
                }
            } else {
                let handler = super::report_handler(false);
                let mut stdout = std::io::stdout().lock();
                for e in &warnings {
                    let _ = writeln!(
                        stdout,
                        "warning[{}]: {}\n{}",
                        e.kind,
                        heading(e),
                        super::render_diag(&handler, e)
                    );
                }
                eprintln!(
                    "{} policy file(s), {} policies: no errors, {} warning(s)",
                    n,
                    lib.policies.len(),
                    warnings.len()
                );
            }
            0
        }
        Err(errors) => {
            if a.format == super::TextFormat::Json {
                let mut out = Vec::new();
                for e in &errors.parse {
                    out.push(error_json(e, "syntax", None));
                }
                for e in &errors.check {
                    out.push(error_json(e, e.kind, e.help.clone()));
                }
                if !super::emit(&format!(
                    "{}\n",
                    serde_json::json!({ "files": n, "errors": out })
                )) {
                    return 2;
                }
            } else {
                let handler = super::report_handler(false);
                let mut stdout = super::Stdout::new();
                for e in &errors.parse {
                    let _ = writeln!(
                        stdout,
                        "{}\n{}",
                        heading(e),
                        super::render_diag(&handler, e)
                    );
                }
                for e in &errors.check {
                    let _ = writeln!(
                        stdout,
                        "{}\n{}",
                        heading(e),
                        super::render_diag(&handler, e)
                    );
                }
                eprintln!("{} error(s) in {} policy file(s)", errors.len(), n);
                if !stdout.finish() {
                    return 2;
                }
            }
            1
        }
    }
}

/// `file:line:column` of a diagnostic's first label.
fn heading(d: &dyn miette::Diagnostic) -> String {
    let Some(src) = d.source_code() else {
        return String::from("<policy>");
    };
    let Some(label) = d.labels().and_then(|mut l| l.next()) else {
        return String::new();
    };
    match src.read_span(label.inner(), 0, 0) {
        Ok(c) => format!(
            "{}:{}:{}: {}",
            c.name().unwrap_or("<policy>"),
            c.line() + 1,
            c.column() + 1,
            d
        ),
        Err(_) => d.to_string(),
    }
}

fn error_json(d: &dyn miette::Diagnostic, kind: &str, help: Option<String>) -> serde_json::Value {
    let mut file = String::new();
    let (mut line, mut column, mut start, mut end) = (0, 0, 0, 0);
    if let (Some(src), Some(label)) = (d.source_code(), d.labels().and_then(|mut l| l.next())) {
        if let Ok(c) = src.read_span(label.inner(), 0, 0) {
            file = c.name().unwrap_or("").to_string();
            line = c.line() + 1;
            column = c.column() + 1;
        }
        start = label.offset();
        end = label.offset() + label.len();
    }
    serde_json::json!({
        "file": file, "line": line, "column": column, "start_byte": start, "end_byte": end,
        "kind": kind, "message": d.to_string(), "help": help.or_else(|| d.help().map(|h| h.to_string())),
    })
}

fn fmt(a: FmtArgs) -> i32 {
    let mut files = Vec::new();
    for p in &a.paths {
        match crate::library::read_dir(p) {
            Ok(f) => files.extend(f),
            Err(errs) => {
                for e in errs {
                    eprintln!("error: {e}");
                }
                return 2;
            }
        }
    }
    let mut changed = Vec::new();
    let mut failed = false;
    for (name, text) in files {
        let source = crate::span::SourceFile::new(name.clone(), text.clone());
        match crate::lang::fmt::format_source(&source) {
            Ok(out) if out != text => {
                if a.diff {
                    print!("{}", super::unified::unified(&name, &text, &out));
                    changed.push(name);
                } else if a.check {
                    changed.push(name);
                } else if let Err(e) =
                    crate::fsio::Writer::rewrite(std::path::Path::new(&name), out.as_bytes())
                {
                    eprintln!("error: {e}");
                    failed = true;
                } else {
                    changed.push(name);
                }
            }
            Ok(_) => {}
            Err(e) => {
                let handler = super::report_handler(false);
                eprintln!("{}", super::render_diag(&handler, &e));
                failed = true;
            }
        }
    }
    let mut out = super::Stdout::new();
    for c in changed.iter().filter(|_| !a.diff) {
        if a.check {
            out.put(&format!("would reformat {c}\n"));
        } else {
            out.put(&format!("formatted {c}\n"));
        }
    }
    if !out.finish() || failed {
        2
    } else if (a.check || a.diff) && !changed.is_empty() {
        1
    } else {
        0
    }
}

fn test(a: TestArgs) -> i32 {
    use crate::policytest;
    let args = super::LibraryArgs::only(Some(a.dir.clone()));
    let Some(lib) = super::load_library(&args) else {
        return 2;
    };
    let wanted = |id: &str| {
        a.rule
            .as_deref()
            .is_none_or(|r| crate::select::matches(r, id))
    };
    if let Some(r) = &a.rule
        && !lib
            .rule_ids()
            .iter()
            .any(|id| crate::select::matches(r, id))
    {
        eprintln!(
            "error: `--rule {r}` names no rule of the library in `{}`",
            crate::escape::path(&a.dir)
        );
        if let Some(h) = crate::lang::errors::did_you_mean(r, lib.rule_ids()) {
            eprintln!("help: {h}");
        }
        return 2;
    }
    let paths = policytest::find_cases(&a.dir);
    let mut coverage = a.coverage.then(crate::eval::Coverage::default);
    let mut cases = Vec::new();
    let mut failed = 0;
    let mut out = super::Stdout::new();
    for p in &paths {
        let text = match crate::fsio::read_text(p, crate::fsio::MAX_INPUT_BYTES) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(out, "FAIL {}: cannot read: {e}", p.display());
                failed += 1;
                continue;
            }
        };
        if a.rule.is_some() {
            let case = policytest::parse_case(p, &text);
            if !case.expect.keys().chain(&case.ok).any(|id| wanted(id)) {
                continue;
            }
        }
        let (case, mut r) = policytest::run_case(&lib, p, &text, coverage.as_mut());
        r.failures.retain(|id, _| wanted(id));
        r.unknown_rules.retain(|id| wanted(id));
        if r.failures.is_empty() && r.unknown_rules.is_empty() {
            let _ = writeln!(out, "ok   {}", r.path);
        } else {
            failed += 1;
            let _ = writeln!(out, "FAIL {}", r.path);
            for u in &r.unknown_rules {
                let _ = writeln!(out, "     unknown rule `{u}` in an annotation");
            }
            for (rule, (want, got)) in &r.failures {
                let lines = |s: &std::collections::BTreeSet<usize>| {
                    if s.is_empty() {
                        "(none)".to_string()
                    } else {
                        s.iter()
                            .map(|l| format!("line {l}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                let _ = writeln!(
                    out,
                    "     {rule}\n       expected: {}\n       actual:   {}",
                    lines(want),
                    lines(got)
                );
            }
        }
        cases.push(case);
    }
    let (mut no_fire, mut no_silent) = policytest::untested(&lib, &cases);
    no_fire.retain(|id| wanted(id));
    no_silent.retain(|id| wanted(id));
    for r in &no_fire {
        let _ = writeln!(out, "MISSING {r}: no case where it fires (`# expect: {r}`)");
    }
    for r in &no_silent {
        let _ = writeln!(
            out,
            "MISSING {r}: no case where it must stay silent (`# ok: {r}`)"
        );
    }
    if let Some(cov) = &coverage {
        let _ = write!(out, "{}", crate::coverage::report(&lib, cov));
    }
    let _ = writeln!(
        out,
        "{} passed, {} failed",
        cases.len() - failed.min(cases.len()),
        failed + no_fire.len() + no_silent.len()
    );
    if !out.finish() {
        2
    } else if failed > 0 || !no_fire.is_empty() || !no_silent.is_empty() {
        1
    } else {
        0
    }
}

/// The reference permit the scaffolded test cases start from.
const REFERENCE_PERMIT: &str = include_str!("../../tests/fixtures/permits/reference.yaml");

fn new(a: NewArgs) -> i32 {
    let id = a.rule.trim();
    let valid_id = !id.is_empty()
        && id.split('.').count() >= 2
        && id.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        });
    let element = id.split('.').next().unwrap_or("");
    if !valid_id {
        eprintln!(
            "error: `{id}` is not a rule id: write `element.name`, lower-case ASCII letters, digits, `-` and `_`, e.g. `air.db32-4041.limits`"
        );
        return 2;
    }
    if !crate::lang::check::ELEMENTS.contains(&element) {
        eprintln!(
            "error: a rule id starts with its element; `{element}` is not one ({})",
            crate::lang::check::ELEMENTS.join(", ")
        );
        return 2;
    }
    let name = id[element.len() + 1..].to_string();
    let folder = a.dir.join(element);
    let policy_path = folder.join(format!("{name}.policy"));
    let tests = folder.join("tests");
    let fires = tests.join(format!("{name}.fires.yaml"));
    let silent = tests.join(format!("{name}.silent.yaml"));
    for p in [&policy_path, &fires, &silent] {
        if p.exists() {
            eprintln!(
                "error: `{}` exists; not overwritten",
                crate::escape::path(p)
            );
            return 2;
        }
    }
    let today = crate::date::Date::today();
    let policy = format!(
        r#"# TODO: 一句话说明本规则检查什么，以及依据的条款原文（或出处）。
policy {id} {{
  title "TODO：本规则要求什么（一句话，写给审查人员）"
  version 1
  basis "TODO：标准编号 表/条款；来源等级 [text] 原文 / [2nd] 二手 / [unverified]"
  element {element}
  severity error
  effective {today} ..

  doc {{
    what "TODO：规则检查什么（例：有效期止须晚于有效期起）。"
    why "TODO：为什么（引用条款）。"
    violating """
      permit:
        valid_from: 2024-05-01
        valid_until: 2020-04-30
    """
    conforming """
      permit:
        valid_from: 2024-05-01
        valid_until: 2029-04-30
    """
  }}

  # TODO：把下面的示例换成本规则的要求。
  when exists(permit.valid_from) and exists(permit.valid_until) {{
    require permit.valid_from < permit.valid_until
      else "有效期起 {{permit.valid_from}} 不早于有效期止 {{permit.valid_until}}"
      at permit.valid_until
      label permit.valid_from "有效期起"
  }}
}}
"#
    );
    let as_of = format!("# as-of: {today}\n");
    let firing = REFERENCE_PERMIT.replacen(
        "  valid_until: 2029-02-28                 # 有效期止",
        &format!("  valid_until: 2020-02-28                 # expect: {id}"),
        1,
    );
    let silent_text = format!("{as_of}# ok: {id}\n{REFERENCE_PERMIT}");
    let firing = format!("{as_of}{firing}");
    if let Err(e) = std::fs::create_dir_all(&tests) {
        eprintln!(
            "error: cannot create `{}`: {e}",
            crate::escape::path(&tests)
        );
        return 2;
    }
    for (p, text) in [
        (&policy_path, &policy),
        (&fires, &firing),
        (&silent, &silent_text),
    ] {
        if let Err(e) = std::fs::write(p, text) {
            eprintln!("error: cannot write `{}`: {e}", crate::escape::path(p));
            return 2;
        }
        println!("wrote {}", crate::escape::path(p));
    }
    eprintln!(
        "next: edit the TODOs, then `permitlint policy check {}` and `permitlint policy test {} --rule {id}`",
        crate::escape::path(&a.dir),
        crate::escape::path(&a.dir)
    );
    0
}
