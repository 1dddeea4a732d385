//! The `permitlint` binary: argument parsing and dispatch only; the work is
//! in the library crate.

fn main() {
    let code = permitlint::cli::main();
    std::process::exit(code);
}
