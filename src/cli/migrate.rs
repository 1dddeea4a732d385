//! `permitlint migrate`: rewrite `permit/v1` documents as `permit/v2`, in
//! place, keeping every comment and byte but the format value.

use crate::permit::migrate::{Migration, migrate};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MigrateArgs {
    #[arg(help = super::PATHS_HELP, value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// Only report the files that would change; exit 1 if any would.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: MigrateArgs) -> i32 {
    let (files, issues) = match super::permit_files(&args.paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut failed = false;
    for i in &issues {
        eprintln!("error: {}: {}", i.path, i.message);
        failed = true;
    }
    let (mut migrated, mut current, mut refused) = (0, 0, 0);
    for f in &files {
        let text = match crate::fsio::read_text(f, crate::permit::Limits::default().max_file_bytes)
        {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
                continue;
            }
        };
        match migrate(&text) {
            Migration::Current => current += 1,
            Migration::Refused(why) => {
                eprintln!("skipped {}: {why}", crate::escape::path(f));
                refused += 1;
            }
            Migration::Migrated(out) => {
                migrated += 1;
                if args.check {
                    println!("{}", crate::escape::path(f));
                } else if let Err(e) = crate::fsio::Writer::rewrite(f, out.as_bytes()) {
                    eprintln!("error: {e} (the file is unchanged)");
                    failed = true;
                }
            }
        }
    }
    let verb = if args.check {
        "would migrate"
    } else {
        "migrated"
    };
    eprintln!(
        "{verb} {migrated} file(s) to {}; {current} already current, {refused} not permit/v1 documents",
        crate::permit::validate::FORMAT
    );
    if failed {
        2
    } else if args.check && migrated > 0 {
        1
    } else {
        0
    }
}
