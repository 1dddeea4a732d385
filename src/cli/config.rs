//! `permitlint.toml`: project settings found upward from the working
//! directory (ruff's `ruff.toml` discovery), so CI and people run the same
//! check without repeating flags. A flag given on the command line always
//! wins over the file. Every key is documented in `docs/config.md`.

use super::{LibraryArgs, SelectArgs};
use crate::date::Date;
use crate::select::{FailOn, Selection};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's name.
pub const FILE: &str = "permitlint.toml";

/// Every key of the file, as written in it (documented in `docs/config.md`,
/// which a test keeps in step).
pub const KEYS: &[&str] = &[
    "policies", "builtin", "as-of", "include", "exclude", "format", "select", "ignore", "fail-on",
];

/// The keys of `permitlint.toml`. Unknown keys are an error, so a typo
/// is not silently ignored.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Policy folders layered on the built-in library, lowest first
    /// (relative to the file's folder).
    #[serde(default)]
    pub policies: Vec<PathBuf>,
    /// `false` leaves the built-in library out (`--no-builtin`).
    pub builtin: Option<bool>,
    /// `"today"` or a date `YYYY-MM-DD`: the default `--as-of`.
    pub as_of: Option<String>,
    /// Globs of the permits to check when no path is given.
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of permits never checked when found in a folder.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The default `--format`.
    pub format: Option<String>,
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    /// The least severe finding that fails the run (`--fail-on`).
    pub fail_on: Option<FailOn>,
}

/// Settings and the folder of the file they came from (paths in the file
/// are relative to it). No file found: default settings.
#[derive(Debug, Default)]
pub struct Config {
    pub settings: Settings,
    /// The file read, if any.
    pub path: Option<PathBuf>,
}

impl Config {
    /// Find `permitlint.toml` in the working directory or the nearest
    /// folder above it and read it. A file that does not parse is an error
    /// (exit 2 for the caller), never ignored.
    pub fn discover() -> Result<Config, String> {
        let Ok(cwd) = std::env::current_dir() else {
            return Ok(Config::default());
        };
        for dir in cwd.ancestors() {
            let candidate = dir.join(FILE);
            // Anything by that name is the configuration: a folder or a
            // FIFO there is an error from `read`, never skipped for a file
            // further up.
            if std::fs::symlink_metadata(&candidate).is_ok() {
                return Config::read(&candidate);
            }
        }
        Ok(Config::default())
    }

    pub fn read(path: &Path) -> Result<Config, String> {
        let text = crate::fsio::read_text(path, crate::fsio::MAX_INPUT_BYTES)?;
        let settings: Settings = toml::from_str(&text).map_err(|e| {
            format!(
                "`{}` is not a valid permitlint configuration:\n{e}",
                path.display()
            )
        })?;
        if let Some(f) = &settings.format {
            <super::check::FormatArg as clap::ValueEnum>::from_str(f, false).map_err(|_| {
                format!(
                    "`{}`: unknown format `{f}` (human, json, sarif, junit, github, concise)",
                    path.display()
                )
            })?;
        }
        if let Some(d) = &settings.as_of
            && d != "today"
            && Date::parse(d).is_none()
        {
            return Err(format!(
                "`{}`: `as-of = \"{d}\"` is neither \"today\" nor a date YYYY-MM-DD",
                path.display()
            ));
        }
        Ok(Config {
            settings,
            path: Some(path.to_path_buf()),
        })
    }

    /// The folder paths in the file are relative to.
    pub fn base(&self) -> PathBuf {
        self.path
            .as_ref()
            .and_then(|p| p.parent())
            .map(relative_to_cwd)
            .unwrap_or_default()
    }

    /// The library flags, with the file's folders and `builtin` when the
    /// command line gives none.
    pub fn library(&self, flags: &LibraryArgs) -> LibraryArgs {
        let mut out = flags.clone();
        if out.policies.is_empty() {
            let base = self.base();
            out.policies = self
                .settings
                .policies
                .iter()
                .map(|p| base.join(p))
                .collect();
        }
        if !out.no_builtin {
            out.no_builtin = self.settings.builtin == Some(false);
        }
        out
    }

    /// `--select`/`--ignore` when given, else the file's.
    pub fn selection(&self, flags: &SelectArgs) -> Selection {
        Selection {
            select: if flags.select.is_empty() {
                self.settings.select.clone()
            } else {
                flags.select.clone()
            },
            ignore: if flags.ignore.is_empty() {
                self.settings.ignore.clone()
            } else {
                flags.ignore.clone()
            },
        }
    }

    /// The default evaluation date: the file's `as-of`, else today.
    pub fn as_of(&self) -> Result<Date, String> {
        match self.settings.as_of.as_deref() {
            None | Some("today") => Ok(Date::today()),
            Some(d) => Date::parse(d).ok_or_else(|| format!("`as-of = \"{d}\"` is not a date")),
        }
    }

    /// Does a path found while walking folders match an `exclude` glob?
    /// Globs are matched against the path relative to the file's folder.
    pub fn excluded(&self, path: &Path) -> bool {
        !self.settings.exclude.is_empty()
            && path_globs_match(&self.settings.exclude, &self.relative(path))
    }

    /// Does a path match an `include` glob?
    pub fn included(&self, path: &Path) -> bool {
        path_globs_match(&self.settings.include, &self.relative(path))
    }

    /// `path` relative to the file's folder, with `/` separators.
    fn relative(&self, path: &Path) -> String {
        let mut base = self.base();
        if base.as_os_str().is_empty() {
            base = PathBuf::from(".");
        }
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let (b, p) = (abs(&base), abs(path));
        let rel = p.strip_prefix(&b).map(Path::to_path_buf).unwrap_or(p);
        rel.components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// `dir`, a folder the working directory is in (where the file was
/// found), as people would type it: `""` for the working directory itself,
/// `..`, `../..` above it.
fn relative_to_cwd(dir: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => match cwd.strip_prefix(dir) {
            Ok(below) => below.components().map(|_| "..").collect(),
            Err(_) => dir.to_path_buf(),
        },
        Err(_) => dir.to_path_buf(),
    }
}

/// Does any glob match `path` (relative, `/`-separated)? A glob with no
/// `/` matches the file name or any folder name on the way (`draft`,
/// `*.old.yaml`); one with `/` matches the whole path, `**` spanning
/// folders and `*`, `?` staying within one name.
pub fn path_globs_match(globs: &[String], path: &str) -> bool {
    globs.iter().any(|g| {
        let g = g.trim_start_matches("./");
        if g.contains('/') {
            path_glob(g.as_bytes(), path.as_bytes())
        } else {
            path.split('/')
                .any(|part| path_glob(g.as_bytes(), part.as_bytes()))
        }
    })
}

fn path_glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            // `**/` matches zero or more whole folders; a bare `**` anything.
            let rest = if p.get(2) == Some(&b'/') {
                &p[3..]
            } else {
                &p[2..]
            };
            (0..=s.len()).any(|i| {
                (i == 0 || s[i - 1] == b'/' || p.get(2) != Some(&b'/')) && path_glob(rest, &s[i..])
            })
        }
        Some(b'*') => (0..=s.len())
            .take_while(|&i| i == 0 || s[i - 1] != b'/')
            .any(|i| path_glob(&p[1..], &s[i..])),
        Some(b'?') => s.first().is_some_and(|&c| c != b'/') && path_glob(&p[1..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && path_glob(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_globs() {
        let m = |g: &str, p: &str| path_globs_match(&[g.to_string()], p);
        assert!(m("permits/**/*.yaml", "permits/a/b/c.yaml"));
        assert!(m("permits/**/*.yaml", "permits/c.yaml"));
        assert!(!m("permits/*.yaml", "permits/a/c.yaml"));
        assert!(m("permits/*.yaml", "permits/c.yaml"));
        assert!(m("draft", "permits/draft/x.yaml"));
        assert!(m("*.old.yaml", "permits/x.old.yaml"));
        assert!(!m("*.old.yaml", "permits/x.yaml"));
        assert!(m("**", "a/b"));
        assert!(m("a/?.yaml", "a/b.yaml"));
        assert!(!m("a/?.yaml", "a/bc.yaml"));
    }

    #[test]
    fn every_key_parses_and_unknown_keys_are_errors() {
        let s: Settings = toml::from_str(
            r#"
policies = ["local"]
builtin = true
as-of = "2026-12-01"
include = ["permits/**/*.yaml"]
exclude = ["draft"]
format = "json"
select = ["air.*"]
ignore = ["air.ultra-low"]
fail-on = "warning"
"#,
        )
        .unwrap();
        assert_eq!(s.policies, [PathBuf::from("local")]);
        assert_eq!(s.fail_on, Some(FailOn::Warning));
        assert_eq!(s.as_of.as_deref(), Some("2026-12-01"));
        let e = toml::from_str::<Settings>("selcet = [\"air\"]\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `selcet`"), "{e}");
    }
}
