//! Robustness on real-world files made by other software (../shared/corpus, 461 CSV,
//! spreadsheet, Word and PDF files, some hostile on purpose): every file either gives a
//! chronology or a clear message naming the file, within a time limit, and never panics.
//! The files are read from the shared folder at test time; nothing of them is kept.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

/// The shared corpus: beside the checkout, or where CASEWINDOW_SHARED_CORPUS says.
fn corpus() -> Option<PathBuf> {
    std::env::var_os("CASEWINDOW_SHARED_CORPUS")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
            PathBuf::from("/work/shared/corpus"),
        ])
        .find(|d| d.join("MANIFEST.tsv").is_file())
}

/// What the corpus's manifest says each file is: "ok", "corrupt", "encrypted" or "unknown".
fn expectations(dir: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .expect("manifest")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let path = cols.next()?;
            let expect = cols.nth(4)?;
            let name = path.rsplit('/').next()?;
            Some((name.to_owned(), expect.to_owned()))
        })
        .collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["csv", "xlsx", "docx", "pdf"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("corpus folder") {
            out.push(entry.expect("entry").path());
        }
    }
    out.sort();
    out
}

#[derive(Debug)]
enum Outcome {
    Read { entries: usize },
    Refused(String),
    Panicked(String),
}

fn run(path: &Path) -> (Outcome, Duration) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path).expect("readable file");
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let outcome = match std::panic::catch_unwind(|| {
            casewindow_chronology::read_file(&name, &bytes, None)
        }) {
            Ok(Ok((_, reading))) => Outcome::Read {
                entries: reading.entries.len(),
            },
            Ok(Err(err)) => Outcome::Refused(err.to_string()),
            Err(panic) => Outcome::Panicked(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default(),
            ),
        };
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(LIMIT) {
        Ok(outcome) => (outcome, started.elapsed()),
        Err(_) => (Outcome::Panicked("timed out".to_owned()), started.elapsed()),
    }
}

#[test]
fn every_corpus_file_is_read_or_refused_clearly_without_panic_or_hang() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: the shared corpus (shared/corpus) is not on this machine");
        return;
    };
    let files = files(&dir);
    assert!(
        files.len() >= 400,
        "expected the whole corpus, found {}",
        files.len()
    );
    let expect = expectations(&dir);
    let mut failures = Vec::new();
    let (mut read, mut refused, mut entries, mut tables_only) = (0, 0, 0, 0);
    let mut slowest = (Duration::ZERO, String::new());
    for path in &files {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (outcome, took) = run(path);
        if took > slowest.0 {
            slowest = (took, name.clone());
        }
        match outcome {
            Outcome::Read { entries: n } => {
                read += 1;
                entries += n;
            }
            Outcome::Refused(message) => {
                refused += 1;
                if message.contains("no table has headings") {
                    tables_only += 1;
                }
                if std::env::var_os("CORPUS_SHOW").is_some() {
                    eprintln!("refused: {message}");
                }
                // A clear message names the file and says something about it.
                if !message.contains(&name) || message.len() < name.len() + 15 {
                    failures.push(format!("{name}: unclear message {message:?}"));
                }
                // A sound file in a format we read is never called damaged.
                let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                let supported = ["csv", "xlsx", "xls", "ods", "docx"].contains(&ext.as_str());
                let kind = expect.get(&name).map(String::as_str).unwrap_or("unknown");
                if supported && kind == "ok" && message.contains("is not a readable") {
                    failures.push(format!(
                        "{name}: a sound file refused as damaged: {message}"
                    ));
                }
            }
            Outcome::Panicked(why) => failures.push(format!("{name}: {why}")),
        }
    }
    eprintln!(
        "corpus: {} files: {read} gave a chronology ({entries} entries), {refused} refused with a message \
         ({tables_only} of them read, but no table had a date and a description column); slowest {:?} ({})",
        files.len(),
        slowest.0,
        slowest.1
    );
    assert!(
        failures.is_empty(),
        "{} files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
