//! Embeds the demo review documents (`demo/*.json`, `demo/library/*.json`) in the binary, so
//! `casewindow demo` works from any folder.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new("demo");
    println!("cargo:rerun-if-changed=demo");
    println!("cargo:rerun-if-changed=demo/library");
    let mut files = Vec::new();
    for dir in [root.to_path_buf(), root.join("library")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::from(
        "/// Demo review documents: (file name, contents).\npub const DEMO_FILES: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let name = path
            .strip_prefix(root)
            .expect("under demo")
            .display()
            .to_string();
        let absolute = Path::new(&manifest).join(path);
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            absolute.display().to_string()
        )
        .expect("writing to a string");
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("demo_files.rs");
    std::fs::write(target, out).expect("writing the demo file list");
}
