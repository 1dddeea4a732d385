fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut files = vec![];
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        files.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    for (n, t) in &files {
        let src = permitlint::span::SourceFile::new(n.clone(), t.clone());
        match permitlint::lang::fmt::format_source(&src) {
            Ok(s) => println!("{s}"),
            Err(e) => println!("{:?}", miette::Report::new(e)),
        }
    }
    match permitlint::lang::library::build(files) {
        Ok(lib) => println!("ok: {} policies", lib.policies.len()),
        Err((_, errs)) => {
            for e in errs.parse {
                println!("{:?}", miette::Report::new(e));
            }
            for e in errs.check {
                println!("{:?}", miette::Report::new(e));
            }
        }
    }
}
