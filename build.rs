// Rebuild when the shipped policies or the grammar change: both are
// compiled into the binary (include_dir!, pest_derive).
fn main() {
    println!("cargo:rerun-if-changed=policies");
    println!("cargo:rerun-if-changed=grammar/policy.pest");
}
