//! `permitlint generate`: a seeded synthetic corpus for benchmarks.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of permits to write.
    #[arg(long, default_value_t = 10_000)]
    pub count: u64,
    /// Seed of the generator: the same seed gives the same corpus.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder of template permits.
    #[arg(long, value_name = "DIR", default_value = "corpus")]
    pub templates: PathBuf,
    /// Output folder (created); files are spread over subfolders of 1,000.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(a: GenerateArgs) -> i32 {
    let (files, _) = crate::run::collect(std::slice::from_ref(&a.templates));
    let templates: Vec<String> = files
        .iter()
        .filter_map(|p| crate::fsio::read_text(p, crate::fsio::MAX_INPUT_BYTES).ok())
        .collect();
    if templates.is_empty() {
        eprintln!(
            "error: no template permits in `{}`",
            crate::escape::path(&a.templates)
        );
        return 2;
    }
    for i in 0..a.count {
        let dir = a.out.join(format!("{:03}", i / 1000));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("error: cannot create `{}`: {e}", crate::escape::path(&dir));
            return 2;
        }
        let text = crate::generate::permit(&templates, a.seed, i);
        if let Err(e) = std::fs::write(dir.join(format!("permit-{i:06}.yaml")), text) {
            eprintln!("error: {e}");
            return 2;
        }
    }
    eprintln!(
        "wrote {} permits to {}",
        a.count,
        crate::escape::path(&a.out)
    );
    0
}
