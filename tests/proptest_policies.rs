//! Property tests over policy files: random mutations of the shipped
//! policies (line deletions, duplications, swaps, inserted tokens) never
//! panic the parser, the checker or the formatter, and whenever a mutant
//! parses, formatting it is idempotent and keeps it parsing.
//!
//! 64 cases by default; `PROPTEST_CASES` raises it.

use permitlint::lang::{fmt, library};
use permitlint::span::SourceFile;
use proptest::prelude::*;
use std::sync::OnceLock;

fn policies() -> &'static Vec<(String, String)> {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        permitlint::library::embedded_files()
            .into_iter()
            .filter(|(name, _)| name != "policies/library.policy")
            .collect()
    })
}

fn library_policy() -> (String, String) {
    permitlint::library::embedded_files()
        .into_iter()
        .find(|(name, _)| name == "policies/library.policy")
        .expect("policies/library.policy")
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\"\"\"",
    "#",
    "\n",
    " not ",
    " and ",
    " or ",
    " + ",
    " in ",
    ".",
    ",",
    ":",
    "=",
    "let x = 1\n",
    "when true {\n",
    "for x in air.outlets {\n",
    "require true else \"m\"\n",
    "{x}",
    "\\",
    "1 mg/m3",
    "2026-02-30",
    "..",
    "苏",
    "\t",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Insert(usize, &'static str),
    DeleteChars(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), proptest::sample::select(TOKENS))
            .prop_map(|(p, t)| Mutation::Insert(p, t)),
        (any::<usize>(), 1..20usize).prop_map(|(p, n)| Mutation::DeleteChars(p, n)),
    ]
}

fn apply(text: &str, ms: &[Mutation]) -> String {
    let mut s = text.to_string();
    for m in ms {
        let boundary = |s: &str, p: usize| {
            let mut p = p % (s.len() + 1);
            while !s.is_char_boundary(p) {
                p -= 1;
            }
            p
        };
        match m {
            Mutation::Insert(p, t) => {
                let at = boundary(&s, *p);
                s.insert_str(at, t);
            }
            Mutation::DeleteChars(p, n) => {
                let a = boundary(&s, *p);
                let b = boundary(&s, a + n);
                if b > a {
                    s.replace_range(a..b, "");
                }
            }
            _ => {
                let mut lines: Vec<&str> = s.split('\n').collect();
                let n = lines.len();
                match m {
                    Mutation::DeleteLine(i) => {
                        lines.remove(i % n);
                    }
                    Mutation::DuplicateLine(i) => lines.insert(i % n, lines[i % n]),
                    Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
                    _ => unreachable!(),
                }
                s = lines.join("\n");
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..crate::common::proptest_config(64)
    })]

    #[test]
    fn mutated_policies_never_panic_and_format_idempotently(
        which in any::<usize>(),
        ms in proptest::collection::vec(mutation(), 1..5),
    ) {
        let files = policies();
        let (name, text) = &files[which % files.len()];
        let text = apply(text, &ms);
        let _ = library::build(vec![(name.clone(), text.clone()), library_policy()]);
        let source = SourceFile::new(name.clone(), text.clone());
        if let Ok(once) = fmt::format_source(&source) {
            let again = fmt::format_source(&SourceFile::new(name.clone(), once.clone()));
            prop_assert!(again.is_ok(), "formatted text does not parse: {:?}\n{}", again.err(), once);
            prop_assert_eq!(&once, &again.unwrap(), "not idempotent on\n{}", text);
        }
    }
}
