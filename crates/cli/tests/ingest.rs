//! `casewindow ingest` on real-world files made by other software (../shared/corpus, some
//! hostile on purpose): every PDF and Word file is read or refused with a clear reason within
//! 10 s, and nothing crashes. Also the exact measuring interface on a report casewindow wrote.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn ingest(path: &Path) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_casewindow"))
        .args(["ingest", "--dry-run", "--json"])
        .arg(path)
        .env("CASEWINDOW_LOG", "error")
        .output()
        .expect("casewindow runs");
    (output, started.elapsed())
}

#[test]
fn every_corpus_pdf_and_word_file_is_read_or_refused_within_ten_seconds() {
    let Some(dir) = casewindow_testkit::shared_corpus() else {
        eprintln!("skipped: the shared corpus (shared/corpus) is not on this machine");
        return;
    };
    let mut files: Vec<PathBuf> = ["pdf", "docx"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).expect("corpus folder"))
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 250, "the whole corpus: {}", files.len());
    let mut problems = Vec::new();
    let (mut read, mut refused, mut slowest) = (0, 0, Duration::ZERO);
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for path in &files {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (output, took) = ingest(path);
        slowest = slowest.max(took);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if took > Duration::from_secs(11) {
            problems.push(format!("{name}: took {took:?}"));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push(format!("{name}: a panic reached the user: {stderr}"));
        }
        if output.status.success() {
            match serde_json::from_str::<serde_json::Value>(&stdout) {
                Ok(v) if v["findings"].is_array() => read += 1,
                _ => problems.push(format!(
                    "{name}: output is not the JSON interface: {stdout}"
                )),
            }
        } else {
            refused += 1;
            let message = stderr.trim();
            // One line, naming the file, saying why.
            if !message.starts_with("error: ")
                || message.lines().count() > 2
                || !message.contains(name.as_str())
            {
                problems.push(format!("{name}: unclear refusal: {message:?}"));
            }
            let reason = message
                .split(": ")
                .nth(2)
                .unwrap_or(message)
                .split(&[';', '('][..])
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            *reasons.entry(reason).or_default() += 1;
        }
    }
    eprintln!(
        "corpus: {} files, {read} read, {refused} refused, slowest {slowest:?}",
        files.len()
    );
    for (reason, n) in &reasons {
        eprintln!("  {n:>3} refused: {reason}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn casewindow(url: &str, args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_casewindow"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("CASEWINDOW_LOG", "warn")
        .output()
        .expect("casewindow runs");
    assert!(
        output.status.success(),
        "casewindow {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn a_folder_of_reports_is_kept_for_review_once_and_the_measuring_interface_is_exact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("casewindow.db").display());
    casewindow(&url, &["migrate", "--create"]);
    casewindow(&url, &["demo"]);
    let listing = String::from_utf8(casewindow(&url, &["reviews"]).stdout).expect("utf-8");
    let child_w = listing
        .lines()
        .find(|l| l.split('\t').nth(1) == Some("Child W"))
        .and_then(|l| l.split('\t').next())
        .expect("the demo has Child W")
        .to_owned();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).expect("folder");
    for format in ["docx", "pdf"] {
        let out = reports.join(format!("child-w.{format}"));
        casewindow(
            &url,
            &[
                "report",
                "--review",
                &child_w,
                "--format",
                format,
                "-o",
                out.to_str().expect("path"),
            ],
        );
    }
    std::fs::write(reports.join("minutes.txt"), "not a report").expect("write");

    // The exact interface: title and findings with number, text, pattern key and pages.
    let (output, _) = ingest(&reports.join("child-w.pdf"));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["title"], "Child W");
    let findings = value["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 6);
    assert_eq!(findings[0]["number"], "1");
    assert_eq!(findings[0]["pattern"], "tool");
    assert!(
        findings[0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Kestrelford's children's social care case record"))
    );
    assert!(
        findings[0]["pages"]
            .as_array()
            .is_some_and(|p| !p.is_empty() && p.iter().all(serde_json::Value::is_u64))
    );

    // Kept for review, each file's outcome listed; a second run keeps nothing again.
    let first =
        String::from_utf8(casewindow(&url, &["ingest", reports.to_str().expect("path")]).stdout)
            .expect("utf-8");
    assert!(
        first.contains("needs review               child-w.docx: Child W (6 findings proposed)"),
        "{first}"
    );
    assert!(
        first.contains("refused                    minutes.txt: this is not a PDF or a Word"),
        "{first}"
    );
    assert!(
        first.contains("2 kept for review, 0 kept before, 1 refused, of 3 files"),
        "{first}"
    );
    let second = String::from_utf8(
        casewindow(&url, &["ingest", "--json", reports.to_str().expect("path")]).stdout,
    )
    .expect("utf-8");
    let outcomes: Vec<serde_json::Value> = second
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let states: Vec<&str> = outcomes
        .iter()
        .map(|o| o["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        states,
        vec![
            "kept before, needs review",
            "kept before, needs review",
            "refused"
        ]
    );
}
