//! `permitlint schema`: the permit format for editors and people.

use clap::Args;

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// JSON Schema (draft 2020-12), for editor validation and completion.
    #[arg(long, conflicts_with = "markdown")]
    pub json_schema: bool,
    /// The Markdown reference (`docs/permit-format.md`).
    #[arg(long)]
    pub markdown: bool,
}

pub fn run(a: SchemaArgs) -> i32 {
    let text = if a.markdown {
        crate::schema::markdown::markdown()
    } else {
        let v = crate::schema::json_schema::json_schema();
        match serde_json::to_string_pretty(&v) {
            Ok(s) => s + "\n",
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    };
    if super::emit(&text) { 0 } else { 2 }
}
