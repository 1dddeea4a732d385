//! Helpers shared by integration tests (`mod common;` in each test file).

// Each test crate uses some of these.
#![allow(dead_code)]

/// A "billion laughs" YAML file: nine aliases per level, nine levels, so
/// full expansion would be 9^9 nodes.
pub fn billion_laughs() -> String {
    let mut t = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        t.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    t
}

/// Every error of a library that did not build, rendered as a person
/// would see it (for a test's panic message).
pub fn render_library_errors(errors: &permitlint::lang::library::LibraryErrors) -> String {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none());
    let mut s = String::new();
    for e in &errors.parse {
        let _ = handler.render_report(&mut s, e);
    }
    for e in &errors.check {
        let _ = handler.render_report(&mut s, e);
    }
    s
}

/// A complete, documented policy `x.NAME` of the given severity (element
/// `air`) around `body`, for tests that build a library from text.
pub fn policy(name: &str, severity: &str, body: &str) -> String {
    format!(
        r#"policy x.{name} {{
  title "t"
  version 1
  basis "b"
  element air
  severity {severity}

  doc {{
    what "w"
    why "y"
    violating """
      unit: {{ complaints: 3 }}
    """
    conforming """
      unit: {{ complaints: 0 }}
    """
  }}

{body}
}}
"#
    )
}

/// A local warning rule that fires on the reference permit (valid from
/// 2024): the rule the library-layering and selection tests add.
pub const LOCAL_RULE: &str = r#"policy local.valid-from-early {
  title "有效期起早于 2000 年（测试规则）"
  version 1
  basis "本局测试规则"
  element procedure
  severity warning
  effective 2021-03-01 ..

  doc {
    what "测试。"
    why "测试。"
    violating """
      permit:
        valid_from: 2024-05-01
    """
    conforming """
      permit:
        valid_from: 1999-05-01
    """
  }

  when exists(permit.valid_from) {
    require permit.valid_from < 2000-01-01
      else "有效期起 {permit.valid_from} 晚于 2000-01-01"
  }
}
"#;

/// The repository root.
pub fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the binary in `dir` without colour: (exit code, stdout, stderr).
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("permitlint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The configuration of every property test: `cases` cases (or
/// `PROPTEST_CASES`), and a fixed seed unless `PROPTEST_RNG_SEED` gives
/// another, so `cargo test` runs the same cases on every machine (a CI
/// verdict that depended on the draw was no verdict). Searching for new
/// failures is a longer run with other seeds (docs/testing.md).
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let d = Config::default();
    let rng_seed = match d.rng_seed {
        RngSeed::Random => RngSeed::Fixed(1),
        fixed => fixed,
    };
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        rng_seed,
        ..d
    }
}

/// Manual results for `corpus/chp-v2.yaml`: DA001's mercury in Q1 and Q3
/// only (Q3 above the 0.03 mg/m3 limit), DA002's in every quarter (in
/// µg/m3, Q4 above the limit once converted); FA001 and DW001 have none.
pub const CHP_MANUAL: &str = "credit_code,outlet,pollutant,sampled_at,value,unit,report
91320412MA1MX3RT62,DA001,Hg,2026-02-10,0.01,mg/m3,R1
91320412MA1MX3RT62,DA001,汞及其化合物,2026-08-10,0.05,mg/m3,R2
91320412MA1MX3RT62,DA002,Hg,2026-01-05,12,ug/m3,R3
91320412MA1MX3RT62,DA002,Hg,2026-04-05,20,ug/m3,R4
91320412MA1MX3RT62,DA002,Hg,2026-07-05 10:30,20,ug/m3,R5
91320412MA1MX3RT62,DA002,Hg,2026-10-05,40,ug/m3,R6
";
