//! SARIF 2.1.0 (OASIS), for code-scanning tools such as GitHub code scanning.
//!
//! One run; `tool.driver.rules` has one `reportingDescriptor` per rule of the
//! run (plus one per rule id that a finding names but the run did not list,
//! e.g. `document.*` rules of the loader), sorted by id. Columns are Unicode
//! code points (`columnKind: unicodeCodePoints`), end columns exclusive.

use super::{Region, RunInfo, primary_region};
use crate::finding::{BUILTIN_RULES, Finding, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Key of `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "permitlint/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Message<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help<'a>>,
    default_configuration: Configuration,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties<'a> {
    element: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    basis: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    /// Absent for a rule the run did not describe up front (none: every
    /// policy in force and every built-in rule is listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    /// `review` for an undecided rule (SARIF 3.27.9): not a failure, a
    /// matter for a person to decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    message: OwnedMessage,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// In-source suppressions (SARIF 3.27.23): the result stands in the
    /// log, marked as suppressed with the permit's reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct OwnedMessage {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<OwnedMessage>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

impl From<Region> for SarifRegion {
    fn from(r: Region) -> Self {
        SarifRegion {
            start_line: r.line,
            start_column: r.column,
            end_line: r.end_line,
            end_column: r.end_column,
            byte_offset: r.start_byte,
            byte_length: r.end_byte - r.start_byte,
        }
    }
}

/// SARIF `level` of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
        // Not a verdict: SARIF's `none` level (with `kind: "review"`).
        Severity::Undecided => "none",
    }
}

/// The file name as a SARIF `artifactLocation.uri`: a relative reference
/// with forward slashes, every byte outside RFC 3986 `unreserved` (and `/`)
/// percent-encoded. Absolute paths become `file://` URIs.
pub fn artifact_uri(name: &str) -> String {
    let mut path = name.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    let bytes = path.as_bytes();
    let (prefix, rest) = if path.starts_with('/') {
        ("file://", path.as_str())
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        // Windows drive: `C:/x` -> `file:///C:/x` (the drive colon is kept).
        return format!("file:///{}:{}", &path[..1], encode(&path[2..]));
    } else {
        ("", path.as_str())
    };
    format!("{prefix}{}", encode(rest))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SARIF log, pretty-printed, with a final newline. Built from the
/// streaming pieces ([`Stream`]), so `check` writes the same bytes chunk
/// by chunk.
pub fn render(findings: &[Finding], run: &RunInfo) -> String {
    let (mut s, stream) = Stream::start(run);
    let mut first = true;
    s.push_str(&stream.results(findings, &mut first));
    s.push_str(&Stream::finish(first));
    s
}

/// A SARIF log written as it goes: [`Stream::start`] writes everything up
/// to the `results` array, including every rule (the policies in force and
/// the built-in rules, sorted by id, so result indices are known before the
/// first result); [`Stream::results`] and [`Stream::items`] write results;
/// [`Stream::finish`] closes the log. Memory holds the rule index, not the
/// results.
#[derive(Debug)]
pub struct Stream {
    index: BTreeMap<String, usize>,
}

impl Stream {
    pub fn start(run: &RunInfo) -> (String, Stream) {
        let mut rules: BTreeMap<&str, Descriptor> = BTreeMap::new();
        for m in &run.rules {
            rules.entry(m.id.as_str()).or_insert_with(|| Descriptor {
                id: &m.id,
                name: &m.id,
                short_description: Message { text: &m.title },
                full_description: (!m.basis.is_empty()).then_some(Message { text: &m.basis }),
                help: (!m.help.is_empty()).then_some(Help {
                    text: &m.help,
                    markdown: &m.help,
                }),
                default_configuration: Configuration {
                    level: level(m.severity),
                },
                properties: Properties {
                    element: &m.element,
                    basis: &m.basis,
                },
            });
        }
        for b in BUILTIN_RULES {
            rules.entry(b.id).or_insert_with(|| Descriptor {
                id: b.id,
                name: b.id,
                short_description: Message { text: b.title },
                full_description: None,
                help: None,
                default_configuration: Configuration {
                    level: level(b.severity),
                },
                properties: Properties {
                    element: b.element,
                    basis: "",
                },
            });
        }
        let index = rules
            .keys()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i))
            .collect();
        let log = Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "permitlint",
                        version: run.tool_version,
                        rules: rules.into_values().collect(),
                    },
                },
                column_kind: "unicodeCodePoints",
                results: Vec::new(),
            }],
        };
        // Serialised with no results, then cut open at the empty array.
        let whole = serde_json::to_string_pretty(&log).unwrap_or_default();
        let head = match whole.rfind("\"results\": []") {
            Some(at) => format!("{}\"results\": [", &whole[..at]),
            None => whole,
        };
        (head, Stream { index })
    }

    /// Results for `findings`, as items of the `results` array; `first`:
    /// no item has been written before (no comma).
    pub fn results(&self, findings: &[Finding], first: &mut bool) -> String {
        let mut s = String::new();
        for f in findings {
            let item = serde_json::to_string_pretty(&self.result(f)).unwrap_or_default();
            super::push_array_item(&mut s, &item, "        ", first);
        }
        s
    }

    /// Results and then suppressed results, every item after a comma (the
    /// piece of one permit: see [`super::piece`]).
    pub fn items(&self, findings: &[Finding], suppressed: &[crate::finding::Suppressed]) -> String {
        let mut first = false;
        let mut s = self.results(findings, &mut first);
        s.push_str(&self.suppressed(suppressed, &mut first));
        s
    }

    /// Close the `results` array and the log.
    /// `first`: no result was written.
    pub fn finish(first: bool) -> String {
        let close = if first { "]" } else { "\n      ]" };
        format!("{close}\n    }}\n  ]\n}}\n")
    }

    fn result<'f>(&self, f: &'f Finding) -> SarifResult<'f> {
        let uri = artifact_uri(&f.file.name);
        let physical = |region: Option<Region>| PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri.clone() },
            region: region.map(SarifRegion::from),
        };
        let related_locations = f
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| Location {
                id: Some(i),
                physical_location: physical(Some(Region::of(&f.file, l.span))),
                message: (!l.text.is_empty()).then(|| OwnedMessage {
                    text: l.text.clone(),
                }),
            })
            .collect();
        SarifResult {
            rule_id: &f.rule,
            rule_index: self.index.get(f.rule.as_str()).copied(),
            level: level(f.severity),
            kind: (f.severity == Severity::Undecided).then_some("review"),
            message: OwnedMessage {
                text: message_text(f),
            },
            locations: vec![Location {
                id: None,
                physical_location: physical(primary_region(f)),
                message: None,
            }],
            related_locations,
            partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint())]),
            suppressions: Vec::new(),
        }
    }

    /// Suppressed findings as results carrying `suppressions`.
    fn suppressed(&self, list: &[crate::finding::Suppressed], first: &mut bool) -> String {
        let mut s = String::new();
        for sup in list {
            let mut r = self.result(&sup.finding);
            r.suppressions.push(SarifSuppression {
                kind: "inSource",
                justification: sup.reason.clone(),
            });
            let item = serde_json::to_string_pretty(&r).unwrap_or_default();
            super::push_array_item(&mut s, &item, "        ", first);
        }
        s
    }
}

/// The result message: the finding's message, then its basis and help.
fn message_text(f: &Finding) -> String {
    let mut text = f.message.clone();
    if let Some(basis) = &f.basis {
        text.push_str(&format!("\nbasis: {basis}"));
    }
    if let Some(help) = &f.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    text
}
