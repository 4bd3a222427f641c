//! Prints consentry's data manifest: `--keys` for the attribute keys one per line (the
//! collector gateway's allowlist is generated from it), else the Markdown table.

fn main() {
    if std::env::args().any(|a| a == "--keys") {
        for k in consentry::manifest::attribute_keys() {
            println!("{k}");
        }
    } else {
        print!("{}", consentry::manifest::to_markdown());
    }
}
