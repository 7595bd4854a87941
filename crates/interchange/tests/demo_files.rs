//! The demo data shipped with casewindow must always be valid review documents.

use std::path::{Path, PathBuf};

fn demo_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/demo");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("library")] {
        for entry in std::fs::read_dir(&dir).expect("demo folder exists") {
            let path = entry.expect("readable entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_demo_file_is_a_valid_review_document() {
    let files = demo_files();
    assert!(!files.is_empty(), "no demo files found");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable demo file");
        if let Err(err) = casewindow_interchange::read(&text) {
            failures.push(format!("{}: {err}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "invalid demo files:\n{}",
        failures.join("\n")
    );
}
