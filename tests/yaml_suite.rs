//! Inputs from the YAML test suite (see tests/fixtures/yaml-test-suite/README):
//! loading never panics, and either builds a tree or gives a finding whose
//! span lies inside the file.
use permitlint::permit::{Limits, load};
use permitlint::span::SourceFile;

#[test]
fn suite_inputs_never_panic_and_point_inside_the_file() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/yaml-test-suite"
    );
    let mut seen = 0;
    let (mut trees, mut errors) = (0, 0);
    for entry in std::fs::read_dir(dir).expect("fixture dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).expect("suite inputs are UTF-8");
        let name = path.display().to_string();
        let loaded = std::panic::catch_unwind(|| {
            load(
                SourceFile::new(name.clone(), text.clone()),
                &Limits::default(),
            )
        })
        .unwrap_or_else(|_| panic!("{name}: load panicked"));
        // A YAML text that parses but is no permit document gets one
        // `document.format` error and no tree: it was read all the same.
        let not_a_permit =
            loaded.findings.len() == 1 && loaded.findings[0].rule == "document.format";
        if loaded.permit.is_some() || not_a_permit {
            trees += 1;
        } else {
            errors += 1;
            assert!(
                !loaded.findings.is_empty(),
                "{name}: no tree and no finding"
            );
        }
        for f in &loaded.findings {
            if let Some(span) = f.primary {
                assert!(
                    span.start <= span.end && span.end as usize <= text.len(),
                    "{name}: span {span:?} outside the file"
                );
                assert!(
                    text.is_char_boundary(span.start as usize),
                    "{name}: span not on a char boundary"
                );
            } else {
                assert_eq!(
                    f.rule, "document.yaml",
                    "{name}: only whole-file findings lack a span"
                );
            }
        }
    }
    assert!(seen >= 55, "only {seen} inputs");
    assert!(trees > 0 && errors > 0, "trees {trees}, errors {errors}");
}
