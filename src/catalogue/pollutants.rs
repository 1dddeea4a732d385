//! The pollutant catalogue (`data/pollutants.csv`): canonical codes,
//! Chinese names, the spellings real documents use, HJ 212-2017 codes.

use super::text::{fold, without_qualifier};
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// The catalogue's text, compiled in.
pub const DATA: &str = include_str!("../../data/pollutants.csv");

/// Which discharge a pollutant belongs to (also the index of the
/// catalogue's per-medium maps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Medium {
    Air = 0,
    Water = 1,
}

impl Medium {
    pub fn name(self) -> &'static str {
        match self {
            Medium::Air => "air",
            Medium::Water => "water",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Medium::Air => "大气",
            Medium::Water => "水",
        }
    }
}

/// One row of the catalogue.
#[derive(Debug)]
pub struct Pollutant {
    pub code: &'static str,
    pub medium: Medium,
    pub name_zh: &'static str,
    pub aliases: Vec<&'static str>,
    /// HJ 212-2017 code (`a21026`), when known.
    pub hj212: Option<&'static str>,
    /// Source grade of `hj212`: `[2nd]`, `[unverified]`, `[text]`.
    pub hj212_grade: &'static str,
    pub basis: &'static str,
}

/// A malformed row of the catalogue (a test keeps the shipped file free of them).
#[derive(Debug, PartialEq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

/// What a written name resolved to.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    /// Written as the canonical code.
    Code(&'static Pollutant),
    /// Written as the Chinese name or an alias.
    Alias(&'static Pollutant),
    /// Not in the catalogue; the closest name, if any is close.
    Unknown {
        suggestion: Option<&'static Pollutant>,
    },
}

impl PartialEq for Pollutant {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && self.medium == other.medium
    }
}

pub struct Catalogue {
    pub pollutants: Vec<Pollutant>,
    /// Per medium (`Medium as usize`): canonical code → index.
    by_code: [FxHashMap<&'static str, usize>; 2],
    /// Per medium: folded spelling of a code, name or alias → index.
    by_name: [FxHashMap<String, usize>; 2],
    pub errors: Vec<RowError>,
}

/// The shipped catalogue, parsed on first use.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue::parse(DATA))
}

/// The Chinese name of a canonical code, in either medium.
pub fn zh_name(code: &str) -> Option<&'static str> {
    catalogue()
        .pollutants
        .iter()
        .find(|p| p.code == code)
        .map(|p| p.name_zh)
}

impl Catalogue {
    /// Parse catalogue text. Malformed rows are kept out and listed in `errors`.
    pub fn parse(text: &'static str) -> Catalogue {
        let mut c = Catalogue {
            pollutants: Vec::new(),
            by_code: Default::default(),
            by_name: Default::default(),
            errors: Vec::new(),
        };
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&'static str> = line.split(',').map(str::trim).collect();
            let err = |message: String| RowError {
                line: line_no,
                message,
            };
            if f.len() != 7 {
                c.errors
                    .push(err(format!("expected 7 fields, found {}", f.len())));
                continue;
            }
            let medium = match f[1] {
                "air" => Medium::Air,
                "water" => Medium::Water,
                other => {
                    c.errors
                        .push(err(format!("medium `{other}` is not `air` or `water`")));
                    continue;
                }
            };
            if f[0].is_empty() || f[2].is_empty() {
                c.errors.push(err("code and name_zh are required".into()));
                continue;
            }
            let grade = f[5];
            if !f[4].is_empty() && !matches!(grade, "[text]" | "[2nd]" | "[unverified]") {
                c.errors.push(err(format!(
                    "HJ 212 code `{}` without a source grade",
                    f[4]
                )));
                continue;
            }
            let p = Pollutant {
                code: f[0],
                medium,
                name_zh: f[2],
                aliases: f[3]
                    .split(';')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .collect(),
                hj212: (!f[4].is_empty()).then_some(f[4]),
                hj212_grade: grade,
                basis: f[6],
            };
            let index = c.pollutants.len();
            let mut names = vec![p.code, p.name_zh];
            names.extend(p.aliases.iter().copied());
            c.by_code[medium as usize].insert(p.code, index);
            for n in names {
                let key = fold(n);
                match c.by_name[medium as usize].get(&key) {
                    Some(&j) if j != index => {
                        let other = c.pollutants.get(j).map_or("?", |o: &Pollutant| o.code);
                        c.errors.push(err(format!(
                            "`{n}` already names `{other}` in {}",
                            medium.name()
                        )));
                    }
                    _ => {
                        c.by_name[medium as usize].insert(key, index);
                    }
                }
            }
            c.pollutants.push(p);
        }
        c
    }

    /// Resolve a written name in `medium` (`None`: either, air first).
    pub fn resolve(&'static self, written: &str, medium: Option<Medium>) -> Resolved {
        let media: &[Medium] = match medium {
            Some(Medium::Air) => &[Medium::Air],
            Some(Medium::Water) => &[Medium::Water],
            None => &[Medium::Air, Medium::Water],
        };
        let trimmed = written.trim();
        // Codes first, without folding (what most permits write).
        for &m in media {
            if let Some(&i) = self.by_code[m as usize].get(trimmed) {
                return Resolved::Code(&self.pollutants[i]);
            }
        }
        let key = fold(trimmed);
        let head = without_qualifier(&key);
        for k in std::iter::once(key.as_str()).chain(head) {
            for &m in media {
                if let Some(&i) = self.by_name[m as usize].get(k) {
                    return Resolved::Alias(&self.pollutants[i]);
                }
            }
        }
        Resolved::Unknown {
            suggestion: self.closest(&key, media),
        }
    }

    fn closest(&'static self, key: &str, media: &[Medium]) -> Option<&'static Pollutant> {
        let len = key.chars().count();
        media
            .iter()
            .flat_map(|&m| self.by_name[m as usize].iter())
            .map(|(name, &i)| (strsim::levenshtein(key, name), name.as_str(), i))
            // Close relative to the length: one edit in a short name, two in a long one.
            .filter(|(d, name, _)| *d > 0 && *d * 3 <= len.max(name.chars().count()))
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
            .map(|(_, _, i)| &self.pollutants[i])
    }
}
