//! A structure-aware permit generator that reaches large sizes, with a
//! *slowness* oracle: loading and checking a generated permit against the
//! shipped library costs at most [`MAX_NS_PER_BYTE`] per byte beyond the
//! fixed cost of checking the reference permit. A path quadratic in the
//! number of outlets, rows, keys or in a string's length blows through the
//! bound at these sizes; a linear one stays far below it (see
//! docs/testing.md for the figures and for the check that it catches one).
//!
//! Each case stretches one dimension of a valid permit (based on the
//! reference permit) and keeps the rest as they are:
//! air outlets with pollutants and monitoring entries, water outlets,
//! list rows (materials, products, fugitive sources, solid waste), the keys
//! of one mapping, long text values
//! (name, address, a suspected-violation list) and a long industry code.
//!
//! `PROPTEST_CASES=N` runs more cases (default 6, about 10-30 s in a
//! debug build; the permits are 0.1-2.5 MB).

use permitlint::date::Date;
use permitlint::lang::library::Library;
use permitlint::run::{Options, check_text};
use proptest::prelude::*;
use std::time::{Duration, Instant};

const REFERENCE: &str = include_str!("fixtures/permits/reference.yaml");

/// Bound on the time per byte above the reference permit's own cost. In a
/// debug build on the 2-core machine, with other work running, the linear
/// paths cost 0.2-3.8 µs per byte (long text cheapest, many air outlets
/// dearest); the duplicate-key check made quadratic again cost 28 µs per
/// byte at 40,000 keys and 42 µs at 60,000 (docs/testing.md).
const MAX_NS_PER_BYTE: u128 = 12_000;

fn config() -> ProptestConfig {
    ProptestConfig {
        // Each case is a large permit: no shrinking by thousands of steps.
        max_shrink_iters: 16,
        ..crate::common::proptest_config(6)
    }
}

/// Which dimension a case stretches, and how far.
#[derive(Clone, Debug)]
enum Shape {
    /// Air outlets, each with `pollutants` pollutants and a monitoring
    /// entry per pollutant.
    AirOutlets { n: usize, pollutants: usize },
    /// Water outlets with their pollutants and monitoring.
    WaterOutlets { n: usize },
    /// Rows of the simple lists (materials, products, fugitive, solid waste).
    Rows { n: usize },
    /// A mapping of `n` keys (under one unknown key of `unit`, so the keys
    /// themselves cost no finding each: the YAML reader's duplicate-key
    /// check is what this stretches).
    Keys { n: usize },
    /// A long unit name and address and a long suspected-violation list.
    LongText { len: usize, items: usize },
    /// An industry code of `len` characters.
    LongCode { len: usize },
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (500usize..3_000, 1usize..5)
            .prop_map(|(n, pollutants)| Shape::AirOutlets { n, pollutants }),
        (500usize..3_000).prop_map(|n| Shape::WaterOutlets { n }),
        (2_000usize..8_000).prop_map(|n| Shape::Rows { n }),
        (80_000usize..160_000).prop_map(|n| Shape::Keys { n }),
        (50_000usize..400_000, 100usize..3_000)
            .prop_map(|(len, items)| Shape::LongText { len, items }),
        (50_000usize..400_000).prop_map(|len| Shape::LongCode { len }),
    ]
}

/// Text of `len` bytes or so, cycling through CJK, ASCII and quoting-prone
/// characters; `seed` varies it from case to case.
fn text(len: usize, seed: u8) -> String {
    const PIECES: [&str; 6] = ["苏州某热电", "有限公司", " road ", "№", "（一期）", "'\"#:"];
    let mut s = String::with_capacity(len + 16);
    let mut i = usize::from(seed);
    while s.len() < len {
        s.push_str(PIECES[i % PIECES.len()]);
        i += 1;
    }
    s
}

/// YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The reference permit with one dimension stretched. Lines are replaced
/// or inserted at anchors of the reference text, so the rest stays valid.
fn generate(shape: &Shape, seed: u8) -> String {
    let mut t = REFERENCE.to_string();
    let insert_after = |t: &mut String, anchor: &str, extra: &str| {
        let at = t.find(anchor).expect("anchor in the reference permit") + anchor.len();
        t.insert_str(at, extra);
    };
    match *shape {
        Shape::AirOutlets { n, pollutants } => {
            const CODES: [(&str, &str); 4] = [
                ("PM", "10 mg/m3"),
                ("SO2", "35 mg/m3"),
                ("NOx", "50 mg/m3"),
                ("Hg", "0.03 mg/m3"),
            ];
            let mut outlets = String::new();
            let mut monitoring = String::new();
            for i in 0..n {
                let id = format!("DA{:03}", 100 + i);
                outlets.push_str(&format!(
                    "    - id: {id}\n      name: {}号排气筒\n      type: general\n      sources: [MF0001]\n      treatment: [TA003]\n      height: 30 m\n      inner_diameter: 1.5 m\n      location: {{ lon: 120.61, lat: 31.28 }}\n      standard: GB 13223-2011\n      pollutants:\n",
                    i + 3
                ));
                for (code, c) in CODES.iter().take(pollutants) {
                    outlets.push_str(&format!(
                        "        - {{ pollutant: {code}, concentration: {c} }}\n"
                    ));
                    monitoring.push_str(&format!(
                        "  - {{ outlet: {id}, pollutant: {code}, method: manual, frequency: quarterly }}\n"
                    ));
                }
            }
            insert_after(
                &mut t,
                "        - { pollutant: Hg, concentration: 0.03 mg/m3 }\n",
                &outlets,
            );
            insert_after(
                &mut t,
                "monitoring:                               # 自行监测方案\n",
                &monitoring,
            );
        }
        Shape::WaterOutlets { n } => {
            let mut outlets = String::new();
            let mut monitoring = String::new();
            for i in 0..n {
                let id = format!("DW{:03}", 100 + i);
                outlets.push_str(&format!(
                    "    - id: {id}\n      name: {i}号废水排放口\n      type: general\n      discharge: indirect\n      receiving: 城南污水处理厂\n      receiving_class: null\n      standard: GB 8978-1996 三级\n      pollutants:\n        - {{ pollutant: COD, concentration: 500 mg/L }}\n        - {{ pollutant: SS, concentration: 400 mg/L }}\n"
                ));
                for code in ["COD", "SS"] {
                    monitoring.push_str(&format!(
                        "  - {{ outlet: {id}, pollutant: {code}, method: manual, frequency: quarterly }}\n"
                    ));
                }
            }
            insert_after(
                &mut t,
                "        - { pollutant: SS, concentration: 400 mg/L }\n",
                &outlets,
            );
            insert_after(
                &mut t,
                "monitoring:                               # 自行监测方案\n",
                &monitoring,
            );
        }
        Shape::Rows { n } => {
            let (mut materials, mut products, mut fugitive, mut waste) =
                (String::new(), String::new(), String::new(), String::new());
            for i in 0..n / 4 {
                materials.push_str(&format!(
                    "  - {{ id: M{}, name: 辅料{i}, kind: auxiliary, annual_use: {} t/a }}\n",
                    i + 2,
                    i + 1
                ));
                products.push_str(&format!(
                    "  - {{ id: P{}, name: 产品{i}, capacity: {} t/h }}\n",
                    i + 3,
                    i + 1
                ));
                fugitive.push_str(&format!(
                    "    - {{ id: FA{:03}, location: 堆场{i}, pollutants: [{{ pollutant: PM, concentration: 1.0 mg/m3 }}], measures: 封闭 }}\n",
                    i + 2
                ));
                waste.push_str(&format!(
                    "  - {{ id: SW{}, name: 废物{i}, kind: general, annual: {} t/a, disposal: 综合利用 }}\n",
                    i + 3,
                    i + 1
                ));
            }
            insert_after(&mut t, "    capacity: 800 t/h\n", &products);
            insert_after(
                &mut t,
                "    ash: 18 %                             # 灰分\n",
                &materials,
            );
            insert_after(&mut t, "      measures: 全封闭煤场\n", &fugitive);
            insert_after(
                &mut t,
                "solid_waste:                              # 固体废物\n",
                &waste,
            );
        }
        Shape::Keys { n } => {
            let keys: String = std::iter::once("  x_extra:\n".to_string())
                .chain((0..n).map(|i| format!("    k{seed}_{i}: {i}\n")))
                .collect();
            insert_after(
                &mut t,
                "  construction_status: operating          # operating 已投运 | under_construction 在建 | planned 拟建\n",
                &keys,
            );
        }
        Shape::LongText { len, items } => {
            t = t
                .replacen(
                    "  name: 苏州某热电有限公司",
                    &format!("  name: {}", quoted(&text(len, seed))),
                    1,
                )
                .replacen(
                    "  address: 江苏省苏州市吴中区某路1号",
                    &format!("  address: {}", quoted(&text(len, seed.wrapping_add(1)))),
                    1,
                );
            let list: Vec<String> = (0..items)
                .map(|i| {
                    quoted(&text(
                        len / items.max(1) + i % 7,
                        seed.wrapping_add(i as u8),
                    ))
                })
                .collect();
            t = t.replacen(
                "  suspected_violations: []",
                &format!("  suspected_violations: [{}]", list.join(", ")),
                1,
            );
        }
        Shape::LongCode { len } => {
            let code: String = std::iter::once('D')
                .chain("4412".chars().cycle().take(len))
                .collect();
            t = t.replacen("    - code: D4412 ", &format!("    - code: {code} "), 1);
        }
    }
    t
}

fn options() -> Options {
    Options::new(Date::new(2026, 12, 1).expect("date"))
}

/// Time one check of `text`; when it is over `limit`, twice more, keeping
/// the fastest (the least disturbed by other work on the machine).
fn time_check(lib: &Library, text: &str, limit: Duration) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut findings = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let r = check_text(lib, "generated.yaml", text, &options(), None);
        best = best.min(start.elapsed());
        assert!(!r.internal_error, "{:?}", r.findings);
        findings = r.findings.len();
        // Within the bound, or far over it: no need to time it again.
        if best <= limit || best > limit * 3 {
            break;
        }
    }
    (best, findings)
}

fn library() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| permitlint::library::shipped().expect("shipped library"))
}

/// The fixed cost: checking the reference permit (fastest of three).
fn base() -> Duration {
    static BASE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| time_check(library(), REFERENCE, Duration::ZERO).0)
}

/// Time per byte of `text` above the reference permit's cost, in ns.
fn ns_per_extra_byte(text: &str) -> (u128, Duration, usize) {
    let lib = library();
    let base = base();
    let extra = text.len().saturating_sub(REFERENCE.len()).max(1) as u128;
    let limit = base + Duration::from_nanos((MAX_NS_PER_BYTE * extra) as u64);
    let (took, findings) = time_check(lib, text, limit);
    (took.saturating_sub(base).as_nanos() / extra, took, findings)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_large_permits_check_in_time_linear_in_their_size(
        shape in shape(), seed in any::<u8>(),
    ) {
        let text = generate(&shape, seed);
        prop_assert!(text.len() > 50_000, "{shape:?} generated only {} bytes", text.len());
        let (ns, took, findings) = ns_per_extra_byte(&text);
        eprintln!(
            "slowness: {shape:?}: {} bytes, {findings} findings, {took:?} ({ns} ns/byte above the reference's {:?})",
            text.len(),
            base()
        );
        prop_assert!(
            ns < MAX_NS_PER_BYTE,
            "{shape:?}: {} bytes took {took:?}, {ns} ns per byte above the reference permit ({:?}); bound {MAX_NS_PER_BYTE}",
            text.len(),
            base()
        );
    }
}

/// The generator's permits are permits: without the stretched dimension's
/// own findings (unknown keys, an over-long code or text), a generated
/// permit loads with no error, so the policies really run over it.
#[test]
fn generated_permits_load_without_errors() {
    use permitlint::finding::Severity;
    use permitlint::permit::{Limits, load};
    use permitlint::span::SourceFile;
    for shape in [
        Shape::AirOutlets {
            n: 50,
            pollutants: 4,
        },
        Shape::WaterOutlets { n: 50 },
        Shape::Rows { n: 200 },
    ] {
        let text = generate(&shape, 7);
        let loaded = load(SourceFile::new("g.yaml", text), &Limits::default());
        assert!(loaded.permit.is_some(), "{shape:?}");
        let errors: Vec<_> = loaded
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect();
        assert!(errors.is_empty(), "{shape:?}: {errors:#?}");
    }
}
