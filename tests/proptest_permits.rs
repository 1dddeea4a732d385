//! Property tests over permits.
//!
//! 1. Random *valid* permits generated from the schema
//!    (`schema::permit_v1::ROOT`: records, fields, enumerations, quantity
//!    dimensions, codes, references) load without error findings, load the
//!    same twice, and give the same typed tree whether written as block YAML
//!    (plain scalars) or as flow YAML (JSON-like, every string quoted).
//! 2. Random mutations of the corpus permits (byte flips, line deletions,
//!    duplications, insertions, truncation) never panic through
//!    `run::check_text`.
//!
//! Case counts are small (64) so the suite stays fast; `PROPTEST_CASES`
//! raises them for a longer local run.

use permitlint::date::Date;
use permitlint::finding::Severity;
use permitlint::lang::library::Library;
use permitlint::permit::model::{Node, Value};
use permitlint::permit::{Limits, load};
use permitlint::run::{Options, check_text};
use permitlint::schema::permit_v1::ROOT;
use permitlint::schema::types::{CodeKind, RecordDef, RefTarget, Ty};
use permitlint::span::{SourceFile, Span};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| permitlint::library::shipped().expect("shipped library"))
}

fn options() -> Options {
    Options::new(Date::new(2026, 12, 1).unwrap())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Failures are reported with their seed; no files are written.
        failure_persistence: None,
        ..crate::common::proptest_config(64)
    }
}

// ------------------------------------------------------------- generation

/// A generated document before references are resolved.
#[derive(Debug)]
enum G {
    Map(Vec<(&'static str, G)>),
    List(Vec<G>),
    /// A number or boolean: never quoted.
    Raw(String),
    /// A string YAML reads as a string when plain (dates, quantities, enums).
    Plain(String),
    /// A string that must be quoted in block style (codes, free text).
    Quoted(String),
    Ref {
        target: &'static RefTarget,
        pick: usize,
        required: bool,
    },
}

/// SplitMix64: generation is driven by one seed that proptest chooses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Gen {
    rng: Rng,
    serial: usize,
    /// Ids of list items by the dotted path of their list.
    ids: BTreeMap<String, Vec<String>>,
}

const TEXT: &[&str] = &[
    "苏州",
    "热电",
    "有限公司",
    "锅炉",
    "排放口",
    "plant",
    "A-1",
    "废水",
    "二氧化硫",
    " ",
    "#1",
    "x: y",
    "- z",
    "[1]",
    "{a}",
    "'",
    "%",
    "&anchor",
    "*alias",
    "!tag",
    "null",
    "yes",
    "1.5",
];

impl Gen {
    fn text(&mut self) -> String {
        let n = 1 + self.rng.below(4);
        (0..n).map(|_| TEXT[self.rng.below(TEXT.len())]).collect()
    }

    fn record(&mut self, def: &'static RecordDef, path: &str) -> G {
        // A water pollutant has `concentration` or `range`, never both.
        let either = def.field("concentration").is_some() && def.field("range").is_some();
        let use_range = either && self.rng.chance(30);
        let mut out = Vec::new();
        for f in def.fields {
            if either && (f.name == "concentration" && use_range || f.name == "range" && !use_range)
            {
                continue;
            }
            let forced = f.required
                // A direct-discharge water outlet needs its receiving class.
                || f.name == "receiving_class"
                || (either && matches!(f.name, "concentration" | "range"))
                // An air limit row states at least one limit.
                || (def.name == "air_pollutant" && f.name == "concentration");
            if !forced && !self.rng.chance(60) {
                continue;
            }
            let fpath = if path.is_empty() {
                f.name.to_string()
            } else {
                format!("{path}.{}", f.name)
            };
            let v = self.value(&f.ty, &fpath, def, f.name, f.required);
            out.push((f.name, v));
        }
        G::Map(out)
    }

    fn value(
        &mut self,
        ty: &'static Ty,
        path: &str,
        parent: &'static RecordDef,
        name: &str,
        required: bool,
    ) -> G {
        match ty {
            Ty::Str if path == "format" => G::Plain("permit/v2".into()),
            Ty::Pollutant(medium) => {
                let all: Vec<_> = permitlint::catalogue::pollutants::catalogue()
                    .pollutants
                    .iter()
                    .filter(|p| medium.is_none_or(|m| m == p.medium))
                    .collect();
                let p = all[self.rng.below(all.len())];
                // Codes, Chinese names and aliases all load.
                let names: Vec<&str> = [p.code, p.name_zh]
                    .into_iter()
                    .chain(p.aliases.iter().copied())
                    .collect();
                G::Quoted(names[self.rng.below(names.len())].into())
            }
            Ty::Standard => G::Plain(
                ["GB 13223-2011", "GB13271-2014", "GB 8978-1996 三级"][self.rng.below(3)].into(),
            ),
            Ty::Str if name == "id" => {
                self.serial += 1;
                G::Quoted(format!("ID{}", self.serial))
            }
            Ty::Str => G::Quoted(self.text()),
            Ty::Bool => G::Raw(self.rng.chance(50).to_string()),
            Ty::Num => G::Raw(format!("{}", self.rng.below(100_000) as f64 / 100.0)),
            Ty::Date => {
                let year = if name == "valid_until" {
                    2031 + self.rng.below(10)
                } else {
                    2000 + self.rng.below(30)
                };
                G::Plain(format!(
                    "{year}-{:02}-{:02}",
                    1 + self.rng.below(12),
                    1 + self.rng.below(28)
                ))
            }
            Ty::Qty(dims) => {
                let dim = dims[self.rng.below(dims.len())];
                let units: Vec<_> = dim.units().collect();
                let unit = units[self.rng.below(units.len())];
                let n = self.rng.below(1_000_000) as f64 / 1000.0;
                G::Plain(format!("{n} {}", unit.symbol))
            }
            Ty::Range => {
                let lo = self.rng.below(10);
                G::Plain(format!("{lo}-{}", lo + 1 + self.rng.below(10)))
            }
            Ty::Enum(e) => G::Plain(e.values[self.rng.below(e.values.len())].name.into()),
            Ty::Code(kind) => G::Quoted(match kind {
                CodeKind::CreditCode => "91320506MA1W9X8Y68".into(),
                CodeKind::PermitNumber => "91320506MA1W9X8Y68001P".into(),
                CodeKind::RegionCode => "320506".into(),
                CodeKind::IndustryCode => {
                    ["D4412", "D4430", "C3011", "C17"][self.rng.below(4)].into()
                }
                CodeKind::OutletId => {
                    self.serial += 1;
                    let prefix = if parent.name == "water_outlet" {
                        "DW"
                    } else {
                        "DA"
                    };
                    format!("{prefix}{:03}", self.serial % 1000)
                }
            }),
            Ty::Ref(target) => G::Ref {
                target,
                pick: self.rng.next() as usize,
                required,
            },
            Ty::List(inner) => {
                // Lists of records get at least one item, so that references
                // usually have something to point at.
                let n = if matches!(inner, Ty::Record(_)) {
                    1 + self.rng.below(3)
                } else {
                    self.rng.below(4)
                };
                let items: Vec<G> = (0..n)
                    .map(|_| self.value(inner, path, parent, name, true))
                    .collect();
                for item in &items {
                    if let G::Map(entries) = item
                        && let Some((_, G::Quoted(id))) = entries.iter().find(|(k, _)| *k == "id")
                    {
                        self.ids
                            .entry(path.to_string())
                            .or_default()
                            .push(id.clone());
                    }
                }
                G::List(items)
            }
            Ty::Record(r) => self.record(r, path),
            Ty::Any => G::Plain("1 mg/L".into()),
        }
    }
}

/// Resolve references; `None` when a required one has nothing to point at.
fn resolve(g: G, ids: &BTreeMap<String, Vec<String>>) -> Option<Option<G>> {
    Some(match g {
        G::Ref {
            target,
            pick,
            required,
        } => {
            let all: Vec<&String> = std::iter::once(target.path)
                .chain(target.also.iter().copied())
                .filter_map(|p| ids.get(p))
                .flatten()
                .collect();
            if all.is_empty() {
                return if required { None } else { Some(None) };
            }
            Some(G::Quoted(all[pick % all.len()].clone()))
        }
        G::Map(entries) => {
            let mut out = Vec::new();
            for (k, v) in entries {
                if let Some(v) = resolve(v, ids)? {
                    out.push((k, v));
                }
            }
            Some(G::Map(out))
        }
        G::List(items) => {
            let mut out = Vec::new();
            for v in items {
                if let Some(v) = resolve(v, ids)? {
                    out.push(v);
                }
            }
            Some(G::List(out))
        }
        other => Some(other),
    })
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Block style: plain scalars where YAML reads them as strings.
fn block(g: &G, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match g {
        G::Map(entries) => {
            for (k, v) in entries {
                match v {
                    G::Map(e) if !e.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        block(v, indent + 2, out);
                    }
                    G::List(items) if !items.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        block(v, indent + 2, out);
                    }
                    _ => {
                        out.push_str(&format!("{pad}{k}: "));
                        inline(v, out);
                        out.push('\n');
                    }
                }
            }
        }
        G::List(items) => {
            for v in items {
                match v {
                    G::Map(e) if !e.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        block(v, indent + 2, out);
                    }
                    G::List(i) if !i.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        block(v, indent + 2, out);
                    }
                    _ => {
                        out.push_str(&format!("{pad}- "));
                        inline(v, out);
                        out.push('\n');
                    }
                }
            }
        }
        _ => inline(g, out),
    }
}

fn inline(g: &G, out: &mut String) {
    match g {
        G::Map(e) if e.is_empty() => out.push_str("{}"),
        G::List(i) if i.is_empty() => out.push_str("[]"),
        G::Raw(s) | G::Plain(s) => out.push_str(s),
        G::Quoted(s) => out.push_str(&quote(s)),
        other => flow(other, out),
    }
}

/// Flow style (JSON-like): every string quoted.
fn flow(g: &G, out: &mut String) {
    match g {
        G::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(k));
                out.push_str(": ");
                flow(v, out);
            }
            out.push('}');
        }
        G::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(v, out);
            }
            out.push(']');
        }
        G::Raw(s) => out.push_str(s),
        G::Plain(s) | G::Quoted(s) => out.push_str(&quote(s)),
        G::Ref { .. } => unreachable!("references are resolved before writing"),
    }
}

/// A random valid permit as (block YAML, flow YAML), or `None` when the
/// seed left a required reference with nothing to point at.
fn generate(seed: u64) -> Option<(String, String)> {
    let mut g = Gen {
        rng: Rng(seed),
        serial: 0,
        ids: BTreeMap::new(),
    };
    let doc = g.record(&ROOT, "");
    let doc = resolve(doc, &g.ids)??;
    let mut b = String::from("# generated from the schema\n");
    block(&doc, 0, &mut b);
    let mut f = String::new();
    flow(&doc, &mut f);
    f.push('\n');
    Some((b, f))
}

fn strip_spans(n: &mut Node) {
    n.span = Span::new(0, 0);
    match &mut n.value {
        Value::Seq(items) => items.iter_mut().for_each(strip_spans),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = Span::new(0, 0);
                strip_spans(&mut e.node);
            }
        }
        _ => {}
    }
}

fn tree(text: &str) -> Node {
    let loaded = load(SourceFile::new("gen.yaml", text), &Limits::default());
    let errors: Vec<String> = loaded
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {} at {:?}: {}", f.rule, f.path, f.line_col(), f.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    loaded.permit.expect("a tree").root
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_permits_are_valid_and_round_trip(seed in any::<u64>()) {
        let Some((block_text, flow_text)) = generate(seed) else {
            return Err(TestCaseError::reject("required reference without target"));
        };
        let a = tree(&block_text);
        let b = tree(&block_text);
        prop_assert_eq!(&a, &b, "loading twice differs");
        let mut a = a;
        let mut c = tree(&flow_text);
        strip_spans(&mut a);
        strip_spans(&mut c);
        prop_assert_eq!(a, c, "block and flow styles differ:\n{}\n{}", block_text, flow_text);
        // And the whole library runs over it.
        let r = check_text(library(), "gen.yaml", &block_text, &options(), None);
        prop_assert!(!r.internal_error, "{:?}", r.findings);
    }
}

// -------------------------------------------------------------- mutations

fn corpus() -> &'static Vec<String> {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut paths: Vec<_> = std::fs::read_dir("corpus")
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        paths.sort();
        paths.push("tests/fixtures/permits/reference.yaml".into());
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(usize, u8),
    DeleteLine(usize),
    DuplicateLine(usize),
    InsertBytes(usize, Vec<u8>),
    Truncate(usize),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(p, m)| Mutation::FlipByte(p, m)),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (
            any::<usize>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..8),
                proptest::sample::select(vec![
                    b"&a ".to_vec(),
                    b"*a".to_vec(),
                    b": ".to_vec(),
                    b"\n- ".to_vec(),
                    b"[".to_vec(),
                    b"{".to_vec(),
                    b"\"".to_vec(),
                    b"\t".to_vec(),
                    b"  ".to_vec(),
                    b"~".to_vec(),
                    "苏".as_bytes().to_vec(),
                ]),
            ]
        )
            .prop_map(|(p, b)| Mutation::InsertBytes(p, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(text: &str, ms: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in ms {
        let len = bytes.len().max(1);
        match m {
            Mutation::FlipByte(p, mask) => {
                if !bytes.is_empty() {
                    bytes[p % len] ^= mask;
                }
            }
            Mutation::InsertBytes(p, b) => {
                let at = p % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Truncate(p) => bytes.truncate(p % len),
            Mutation::DeleteLine(_) | Mutation::DuplicateLine(_) | Mutation::SwapLines(..) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let n = lines.len();
                match m {
                    Mutation::DeleteLine(i) => {
                        lines.remove(i % n);
                    }
                    Mutation::DuplicateLine(i) => {
                        let l = lines[i % n].clone();
                        lines.insert(i % n, l);
                    }
                    Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
                    _ => unreachable!(),
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_corpus_permits_never_panic(
        which in any::<usize>(),
        ms in proptest::collection::vec(mutation(), 1..6),
    ) {
        let texts = corpus();
        let text = apply(&texts[which % texts.len()], &ms);
        let r = check_text(library(), "mutated.yaml", &text, &options(), None);
        prop_assert!(!r.internal_error, "{:?}", r.findings);
        for f in &r.findings {
            let len = f.file.text.len() as u32;
            if let Some(p) = f.primary {
                prop_assert!(p.start <= p.end && p.end <= len, "{:?}", f);
            }
        }
    }
}
