//! Layered policy libraries on the command line: the built-in library is
//! the base, `--policies DIR` adds to it or overrides a rule by id with a
//! higher version, `--no-builtin` leaves it out; empty libraries and runs
//! with nothing to check are usage errors; the summary names the libraries.

use std::path::Path;

const PERMIT: &str = "tests/fixtures/permits/reference.yaml";

use crate::common;
use common::{LOCAL_RULE, root, run_in as run};

fn permit() -> String {
    root().join(PERMIT).display().to_string()
}

#[test]
fn an_added_folder_layers_on_the_builtin_library_and_the_summary_names_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("local")).unwrap();
    std::fs::write(dir.path().join("local/rule.policy"), LOCAL_RULE).unwrap();
    let p = permit();
    let (code, stdout, stderr) = run(
        dir.path(),
        &["check", "--as-of", "2026-12-01", "--policies", "local", &p],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("local.valid-from-early"), "{stdout}");
    let builtin = permitlint::library::shipped().unwrap().policies.len();
    assert!(
        stderr.contains(&format!(
            "libraries: built-in ({builtin} policies), local (1 policy)"
        )),
        "{stderr}"
    );
    // The built-in rules still run: the shipped library alone gives the
    // same built-in findings.
    let (_, alone, _) = run(dir.path(), &["check", "--as-of", "2026-12-01", &p]);
    assert!(!alone.contains("local.valid-from-early"));
}

#[test]
fn no_builtin_runs_only_the_given_folders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("local")).unwrap();
    let route = "route procedure to \"环评与审批\"\n";
    std::fs::write(dir.path().join("local/rule.policy"), LOCAL_RULE).unwrap();
    std::fs::write(dir.path().join("local/library.policy"), route).unwrap();
    let p = permit();
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "check",
            "--as-of",
            "2026-12-01",
            "--no-builtin",
            "--policies",
            "local",
            &p,
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["local.valid-from-early"], "{stdout}");
    assert!(stderr.contains("libraries: local (1 policy)"), "{stderr}");
    let (code, _, stderr) = run(dir.path(), &["check", "--no-builtin", &p]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`--no-builtin` leaves no library"),
        "{stderr}"
    );
}

/// The built-in file with every `version 1` raised to `version 2`, so its
/// rules override the built-in ones.
fn raised_copy(dst: &Path, version: u32) {
    let text = std::fs::read_to_string(root().join("policies/air/gb13223-2011.policy")).unwrap();
    assert!(text.contains("\n  version 1\n"));
    let text = text.replace("\n  version 1\n", &format!("\n  version {version}\n"));
    std::fs::write(dst.join("gb13223-2011.policy"), text).unwrap();
}

#[test]
fn a_higher_version_overrides_a_rule_and_the_same_version_is_a_clash() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    raised_copy(&local, 2);
    let p = permit();
    let (code, _, stderr) = run(
        dir.path(),
        &["check", "--as-of", "2026-12-01", "--policies", "local", &p],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "local (3 policies, overrides air.gb13223-2011.limits, air.gb13223-2011.smoke-blackness, air.gb13223-2011.special-limits)"
        ),
        "{stderr}"
    );
    let builtin = permitlint::library::shipped().unwrap().policies.len();
    assert!(
        stderr.contains(&format!("built-in ({} policies)", builtin - 3)),
        "{stderr}"
    );

    raised_copy(&local, 1);
    let (code, _, stderr) = run(
        dir.path(),
        &["check", "--as-of", "2026-12-01", "--policies", "local", &p],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("rule `air.gb13223-2011.limits` version 1 clashes with version 1 of the library `built-in`"),
        "{stderr}"
    );
    assert!(stderr.contains("to override it, give this"), "{stderr}");
    // Reported once, as a clash, not again as a duplicate rule.
    assert!(!stderr.contains("defined twice"), "{stderr}");
}

#[test]
fn a_table_defined_in_two_libraries_names_both_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    let text = std::fs::read_to_string(root().join("policies/air/gb13223-2011.policy")).unwrap();
    // Keep the tables, rename the rules: a partial copy clashes on tables.
    let text = text.replace("policy air.gb13223-2011.", "policy local.copy-");
    std::fs::write(local.join("copy.policy"), text).unwrap();
    let p = permit();
    let (code, _, stderr) = run(dir.path(), &["check", "--policies", "local", &p]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("table `gb13223_t1_coal` is defined twice"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the first definition is in `policies/air/gb13223-2011.policy`"),
        "{stderr}"
    );
}

#[test]
fn an_empty_or_policy_less_library_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = permit();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["check", "--policies", "empty", &p]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains("policy folder `empty` holds no `.policy` file"),
        "{stderr}"
    );
    assert!(stdout.is_empty());

    #[cfg(unix)]
    {
        // Only a dangling link: still nothing to read.
        std::fs::create_dir(dir.path().join("links")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/x.policy", dir.path().join("links/x.policy"))
            .unwrap();
        let (code, _, stderr) = run(dir.path(), &["check", "--policies", "links", &p]);
        assert_eq!(code, 2, "{stderr}");
    }

    std::fs::create_dir(dir.path().join("tables")).unwrap();
    std::fs::write(
        dir.path().join("tables/t.policy"),
        "const local_only = 5 \"本局常量\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run(dir.path(), &["check", "--policies", "tables", &p]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the policy library `tables` defines no policy"),
        "{stderr}"
    );

    let (code, _, stderr) = run(dir.path(), &["check", "--policies", "missing", &p]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("policy folder `missing` does not exist"),
        "{stderr}"
    );
}

#[test]
fn a_run_with_no_permit_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("nothing")).unwrap();
    std::fs::write(dir.path().join("nothing/notes.txt"), "x").unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["check", "nothing"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("error: no permit files found under the given path(s) `nothing`"),
        "{stderr}"
    );
    let (code, _, stderr) = run(dir.path(), &["check", "absent"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("absent: no such file or folder"),
        "{stderr}"
    );
}

#[test]
fn a_working_directory_policies_folder_that_differs_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let p = permit();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    // The built-in library, unchanged: no note.
    for (name, text) in permitlint::library::embedded_files() {
        let dst = dir.path().join(&name);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::write(dst, text).unwrap();
    }
    let (_, _, stderr) = run(dir.path(), &["check", &p]);
    assert!(!stderr.contains("note: `policies/`"), "{stderr}");
    // An edit: the note says the folder was not used and how to use it.
    std::fs::write(dir.path().join("policies/rule.policy"), LOCAL_RULE).unwrap();
    let (_, _, stderr) = run(dir.path(), &["check", &p]);
    assert!(
        stderr.contains("note: `policies/` here differs from the built-in library (1 file(s) differ) and was not used"),
        "{stderr}"
    );
    // Given explicitly: no note.
    let (_, _, stderr) = run(
        dir.path(),
        &["check", "--no-builtin", "--policies", "policies", &p],
    );
    assert!(!stderr.contains("note: `policies/`"), "{stderr}");
}

#[test]
fn policy_new_scaffolds_a_policy_that_checks_and_tests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("policies");
    for (name, text) in permitlint::library::embedded_files() {
        let dst = dir.path().join(&name);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::write(dst, text).unwrap();
    }
    let id = "procedure.local-order";
    let (code, stdout, stderr) = run(dir.path(), &["policy", "new", id]);
    assert_eq!(code, 0, "{stderr}");
    for f in [
        "procedure/local-order.policy",
        "procedure/tests/local-order.fires.yaml",
        "procedure/tests/local-order.silent.yaml",
    ] {
        assert!(lib.join(f).exists(), "{f}: {stdout}");
    }
    let (code, _, stderr) = run(dir.path(), &["policy", "check"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, _) = run(dir.path(), &["policy", "fmt", "--check"]);
    assert_eq!(code, 0, "the skeleton is formatted");
    let (code, stdout, _) = run(dir.path(), &["policy", "test", "--rule", id]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");
    // The firing case fires: its annotation is checked, not just present.
    let fires =
        std::fs::read_to_string(lib.join("procedure/tests/local-order.fires.yaml")).unwrap();
    assert!(fires.contains(&format!("# expect: {id}")));
    // Never overwrites; a bad id is a usage error.
    let (code, _, stderr) = run(dir.path(), &["policy", "new", id]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not overwritten"), "{stderr}");
    let (code, _, _) = run(dir.path(), &["policy", "new", "Air.X"]);
    assert_eq!(code, 2);
    let (code, _, stderr) = run(dir.path(), &["policy", "new", "sky.x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`sky` is not one"), "{stderr}");
}

#[test]
fn policy_fmt_diff_prints_the_change_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("policies/air/gb13223-2011.policy")).unwrap();
    let messy = text.replacen("\n  version 1\n", "\n    version   1\n", 1);
    std::fs::write(dir.path().join("a.policy"), &messy).unwrap();
    let (code, stdout, _) = run(dir.path(), &["policy", "fmt", "--diff", "a.policy"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("--- a.policy\n+++ a.policy\n@@ -"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n-    version   1\n+  version 1\n"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.policy")).unwrap(),
        messy
    );
    std::fs::write(dir.path().join("a.policy"), &text).unwrap();
    let (code, stdout, _) = run(dir.path(), &["policy", "fmt", "--diff", "a.policy"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn a_missing_route_is_reported_with_the_other_errors() {
    let dir = tempfile::tempdir().unwrap();
    // An unknown field (a type error) and an element with no route: both
    // in one run.
    let text = LOCAL_RULE.replace("permit.valid_from)", "permit.valid_fromm)");
    std::fs::write(dir.path().join("a.policy"), text).unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["policy", "check", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("2 error(s)"), "{stderr}");
    assert!(stdout.contains("unknown field `valid_fromm`"), "{stdout}");
    assert!(
        stdout.contains("element `procedure` is not routed to a department"),
        "{stdout}"
    );
}

#[test]
fn policy_check_warns_of_a_lookup_guarded_by_another_table() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/guard-table.policy"),
        dir.path().join("t.policy"),
    )
    .unwrap();
    let (code, stdout, stderr) = run(dir.path(), &["policy", "check", "."]);
    assert_eq!(code, 0, "a warning does not fail: {stderr}");
    assert!(stderr.contains("no errors, 1 warning(s)"), "{stderr}");
    assert!(
        stdout.contains("warning[guard-table]: ./t.policy:37:34: `t_limit[p.pollutant]` is guarded by `p.pollutant in t_guard`, but `t_guard` has rows `t_limit` lacks (`Hg`)"),
        "{stdout}"
    );
    // The second loop guards with the lookup's own table: no warning there.
    assert_eq!(stdout.matches("warning[").count(), 1);
    // The shipped library has none.
    let (code, _, stderr) = run(&root(), &["policy", "check", "policies"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("no errors, 0 warning(s)"), "{stderr}");
}
