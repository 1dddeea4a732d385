//! Every ```policy example in docs/language.md parses and type-checks
//! against the permit schema (with the shipped routing and facts).

use crate::common;

use permitlint::lang::library::build;

#[test]
fn every_example_in_the_language_reference_checks() {
    let doc = std::fs::read_to_string("docs/language.md").unwrap();
    let mut files = vec![(
        "policies/library.policy".to_string(),
        std::fs::read_to_string("policies/library.policy").unwrap(),
    )];
    let mut in_block = false;
    let mut current = String::new();
    let mut n = 0;
    for line in doc.lines() {
        if line.trim() == "```policy" {
            in_block = true;
            current.clear();
        } else if in_block && line.trim() == "```" {
            in_block = false;
            n += 1;
            files.push((format!("docs/language.md#example-{n}"), current.clone()));
        } else if in_block {
            current.push_str(line);
            current.push('\n');
        }
    }
    assert!(n >= 7, "expected the reference to hold examples, found {n}");
    if let Err(errors) = build(files) {
        panic!(
            "examples in docs/language.md do not check:\n{}",
            common::render_library_errors(&errors)
        );
    }
}
