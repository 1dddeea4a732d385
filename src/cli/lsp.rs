//! `permitlint lsp`: the language server over stdio (see `crate::lsp`).

pub fn run() -> i32 {
    crate::lsp::run_stdio()
}
