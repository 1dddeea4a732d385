//! `permitlint rules`: every rule in force (after `--select`/`--ignore`),
//! with its version, element, severity, effective range, basis and the
//! library it comes from — `ruff rule --all`, `checkov --list`.

use super::{LibraryArgs, SelectArgs};
use crate::date::Date;
use crate::lang::library::{CompiledPolicy, Library};
use clap::Args;
use unicode_width::UnicodeWidthStr;

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(flatten)]
    pub library: LibraryArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// List the rules in force on this date [default: `as-of` of
    /// `permitlint.toml`, else today].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// List every version of every rule, whatever its effective range.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::TextFormat,
}

pub fn run(a: RulesArgs) -> i32 {
    let config = match super::config::Config::discover() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let library = config.library(&a.library);
    let Some(mut lib) = super::load_library(&library) else {
        return 2;
    };
    if !super::apply_selection(&mut lib, &config.selection(&a.select)) {
        return 2;
    }
    let as_of = match a.as_of {
        Some(d) => d,
        None => match config.as_of() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
    };
    let mut rules: Vec<&CompiledPolicy> = if a.all {
        lib.policies.iter().collect()
    } else {
        lib.in_force(as_of)
    };
    rules.sort_by(|x, y| {
        x.meta
            .id
            .cmp(&y.meta.id)
            .then(x.meta.version.cmp(&y.meta.version))
    });
    let text = match a.format {
        super::TextFormat::Json => {
            let v: Vec<RuleJson> = rules.iter().map(|p| json(&lib, p)).collect();
            match serde_json::to_string_pretty(&v) {
                Ok(s) => s + "\n",
                Err(e) => {
                    eprintln!("error: {e}");
                    return 2;
                }
            }
        }
        super::TextFormat::Human => human(&lib, &rules),
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    if a.all {
        eprintln!(
            "{} rule version(s) from {}",
            rules.len(),
            super::describe_libraries(&lib)
        );
    } else {
        eprintln!(
            "{} rule(s) in force as of {as_of} from {}",
            rules.len(),
            super::describe_libraries(&lib)
        );
    }
    0
}

fn library_name(lib: &Library, p: &CompiledPolicy) -> String {
    lib.layers
        .get(p.meta.library)
        .map(|l| l.name.clone())
        .unwrap_or_default()
}

/// One rule in `--format json`, fields in this order.
#[derive(serde::Serialize)]
struct RuleJson {
    id: String,
    version: u32,
    title: String,
    element: String,
    department: String,
    severity: &'static str,
    /// Inclusive; `null` when the rule has no start.
    effective_from: Option<String>,
    /// Exclusive; `null` when open-ended.
    effective_until: Option<String>,
    basis: String,
    library: String,
    file: String,
}

fn json(lib: &Library, p: &CompiledPolicy) -> RuleJson {
    let m = &p.meta;
    RuleJson {
        id: m.id.clone(),
        version: m.version,
        title: m.title.clone(),
        element: m.element.clone(),
        department: lib.department(&m.element),
        severity: m.severity.as_str(),
        effective_from: m.effective_from.map(|d| d.to_string()),
        effective_until: m.effective_until.map(|d| d.to_string()),
        basis: m.basis.clone(),
        library: library_name(lib, p),
        file: m.file.clone(),
    }
}

/// One line per rule (id, version, element, severity, effective range,
/// library), aligned, then its title and basis indented.
fn human(lib: &Library, rules: &[&CompiledPolicy]) -> String {
    let rows: Vec<[String; 6]> = rules
        .iter()
        .map(|p| {
            [
                p.meta.id.clone(),
                format!("v{}", p.meta.version),
                p.meta.element.clone(),
                p.meta.severity.as_str().to_string(),
                crate::docs::effective(p),
                library_name(lib, p),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let mut s = String::new();
    for (r, p) in rows.iter().zip(rules) {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(w - c.width() + 2));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
        s.push_str(&format!(
            "    {}\n    basis: {}\n",
            p.meta.title, p.meta.basis
        ));
    }
    s
}
