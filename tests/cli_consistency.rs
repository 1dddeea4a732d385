//! The command line reads as one tool, checked on clap's own definition
//! (`Cli::command()`), not on help text: every argument of every command
//! (hidden ones too) is described, `--format` never offers `text` (it is a
//! hidden alias of `human`), dates are `--as-of <YYYY-MM-DD>`, `-j` means
//! `--jobs` everywhere, and every command that takes paths exits 2 with
//! the same message when one is missing.

use clap::{Arg, Command, CommandFactory, Parser, ValueHint};
use permitlint::cli::Cli;

/// Every command reachable from the root, with its full name
/// (`policy check`); the root itself is left out.
fn commands() -> Vec<(Vec<String>, Command)> {
    fn walk(prefix: &[String], cmd: &Command, out: &mut Vec<(Vec<String>, Command)>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut name = prefix.to_vec();
            name.push(sub.get_name().to_string());
            out.push((name.clone(), sub.clone()));
            walk(&name, sub, out);
        }
    }
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    walk(&[], &root, &mut out);
    out
}

fn own_args(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments()
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
}

#[test]
fn every_argument_of_every_command_has_help() {
    let mut missing = Vec::new();
    let all = commands();
    assert!(all.len() >= 18, "{} commands", all.len());
    for (name, cmd) in &all {
        if cmd.get_about().is_none() {
            missing.push(format!("`{}` (the command)", name.join(" ")));
        }
        for a in own_args(cmd) {
            let help = a.get_help().or(a.get_long_help()).map(|h| h.to_string());
            if help.is_none_or(|h| h.trim().is_empty()) {
                missing.push(format!("`{}` {}", name.join(" "), a.get_id()));
            }
        }
    }
    assert!(missing.is_empty(), "no help text: {missing:#?}");
}

#[test]
fn format_values_are_one_name_per_idea() {
    let mut seen = 0;
    for (name, cmd) in commands() {
        for a in own_args(&cmd).filter(|a| a.get_long() == Some("format")) {
            seen += 1;
            let values: Vec<String> = a
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            assert!(
                values.first().map(String::as_str) == Some("human"),
                "`{}`: --format values {values:?} do not start with human",
                name.join(" ")
            );
            assert!(
                !values.iter().any(|v| v == "text"),
                "`{}` offers --format text",
                name.join(" ")
            );
            // `text` is still accepted where it was (a hidden alias).
            assert!(
                a.get_possible_values()
                    .iter()
                    .all(|v| v.get_name() != "text"),
                "`{}`",
                name.join(" ")
            );
        }
    }
    assert!(seen >= 6, "only {seen} commands have --format");
    // The old spelling still parses, as `human`.
    for args in [
        &["permitlint", "rules", "--format", "text"][..],
        &["permitlint", "diff", "--format", "text"],
        &["permitlint", "classify", "x.yaml", "--format", "text"],
        &["permitlint", "policy", "check", "--format", "text"],
    ] {
        assert!(Cli::try_parse_from(args).is_ok(), "{args:?}");
    }
    assert!(Cli::try_parse_from(["permitlint", "check", "--format", "text"]).is_err());
}

#[test]
fn dates_jobs_and_lang_are_spelt_the_same_everywhere() {
    for (name, cmd) in commands() {
        let name = name.join(" ");
        for a in own_args(&cmd) {
            let long = a.get_long().unwrap_or("");
            let value_names: Vec<String> = a
                .get_value_names()
                .unwrap_or_default()
                .iter()
                .map(|v| v.to_string())
                .collect();
            if long == "as-of"
                || long.ends_with("-as-of")
                || matches!(long, "from" | "to" | "start")
            {
                assert_eq!(value_names, ["YYYY-MM-DD"], "`{name}` --{long}");
            }
            if a.get_short() == Some('j') {
                assert_eq!(long, "jobs", "`{name}` -j");
                assert_eq!(value_names, ["N"], "`{name}` -j");
            }
            if long == "jobs" {
                assert_eq!(a.get_short(), Some('j'), "`{name}` --jobs");
            }
            if long == "lang" {
                let v: Vec<String> = a
                    .get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_string())
                    .collect();
                assert_eq!(v, ["zh", "en"], "`{name}` --lang");
            }
        }
    }
}

/// Positional arguments that name files or folders (declared with a path
/// value hint).
fn path_args(cmd: &Command) -> Vec<&Arg> {
    own_args(cmd)
        .filter(|a| a.is_positional())
        .filter(|a| {
            matches!(
                a.get_value_hint(),
                ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
            )
        })
        .collect()
}

#[test]
fn a_missing_path_is_exit_2_in_every_command_that_takes_paths() {
    let dir = tempfile::tempdir().unwrap();
    let mut tried = Vec::new();
    for (name, cmd) in commands() {
        if path_args(&cmd).is_empty() {
            continue;
        }
        let mut args: Vec<String> = name.clone();
        // Fill every other required argument with a value that exists
        // (`monitor --data` is required unless `--export-limits` is given).
        for a in own_args(&cmd)
            .filter(|a| (a.is_required_set() || a.get_long() == Some("data")) && !a.is_positional())
        {
            let long = a.get_long().unwrap();
            let value = match long {
                "data" => dir.path().to_path_buf(),
                _ => dir.path().join("out"),
            };
            args.push(format!("--{long}"));
            args.push(value.display().to_string());
        }
        args.push("no-such-path-anywhere".into());
        let out = assert_cmd::Command::cargo_bin("permitlint")
            .unwrap()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "`{}`: {stderr}", args.join(" "));
        assert!(
            stderr.contains("error: no-such-path-anywhere: no such file or folder"),
            "`{}`: {stderr}",
            args.join(" ")
        );
        assert!(out.stdout.is_empty(), "`{}` printed output", args.join(" "));
        tried.push(name.join(" "));
    }
    for expected in [
        "check",
        "diff",
        "classify",
        "countersign",
        "notice",
        "lists",
        "migrate",
        "import",
        "monitor",
        "policy check",
        "policy fmt",
        "policy test",
        "policy docs",
    ] {
        assert!(
            tried.iter().any(|t| t == expected),
            "{expected} not tried: {tried:?}"
        );
    }
}
