//! Our own fictional published-style review reports (tests/reports/*.typ, each in a different
//! house style, typeset to PDF here) read back: every finding's statement and stated pattern is
//! recovered, and nothing else is taken for a finding. The measurement is printed.

use casewindow_report::{pdf, sample_document};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Expected {
    style: String,
    findings: Vec<ExpectedFinding>,
}

#[derive(Deserialize)]
struct ExpectedFinding {
    number: String,
    text: String,
    pattern: Option<String>,
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn reports() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reports");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/reports")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "typ"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_finding_of_every_house_style_is_recovered() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let files = reports();
    assert!(
        files.len() >= 8,
        "at least eight house styles, found {}",
        files.len()
    );
    let mut problems = Vec::new();
    let (mut expected_total, mut found_total, mut patterns_right, mut extra_total) = (0, 0, 0, 0);
    eprintln!(
        "{:<28} {:>8} {:>9} {:>8} {:>6}  style",
        "report", "findings", "recovered", "patterns", "extra"
    );
    for path in &files {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(path).expect("source");
        let expected: Expected = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("expected.json"))
                .expect("expected answer"),
        )
        .expect("expected answer's JSON");
        let bytes = pdf::render(&sample_document(), &source, today).expect("typesets");
        let text = casewindow_ingest::read(&name, &bytes).expect("readable");
        let proposal = casewindow_ingest::propose(&text);
        let mut recovered = 0;
        let mut right = 0;
        for want in &expected.findings {
            let found = proposal
                .findings
                .iter()
                .find(|f| squash(&f.text) == squash(&want.text));
            match found {
                Some(f) => {
                    recovered += 1;
                    if f.pattern.map(|p| p.key().to_owned()) == want.pattern {
                        right += 1;
                    } else {
                        problems.push(format!(
                            "{name}: finding {}: pattern {:?}, expected {:?}",
                            want.number, f.pattern, want.pattern
                        ));
                    }
                    if f.number != want.number {
                        problems.push(format!(
                            "{name}: finding {}: numbered {:?}",
                            want.number, f.number
                        ));
                    }
                }
                None => problems.push(format!(
                    "{name}: finding {} not recovered: {:?}\n    closest found: {:?}",
                    want.number,
                    want.text,
                    proposal
                        .findings
                        .iter()
                        .find(|f| f.number == want.number)
                        .map(|f| &f.text)
                )),
            }
        }
        let extra = proposal
            .findings
            .iter()
            .filter(|f| {
                !expected
                    .findings
                    .iter()
                    .any(|w| squash(&w.text) == squash(&f.text))
            })
            .count();
        for f in proposal.findings.iter().filter(|f| {
            !expected
                .findings
                .iter()
                .any(|w| squash(&w.text) == squash(&f.text))
        }) {
            problems.push(format!(
                "{name}: not a finding, or not its statement: {} {:?}",
                f.number, f.text
            ));
        }
        eprintln!(
            "{name:<28} {:>8} {recovered:>9} {right:>8} {extra:>6}  {}",
            expected.findings.len(),
            expected.style
        );
        expected_total += expected.findings.len();
        found_total += recovered;
        patterns_right += right;
        extra_total += extra;
    }
    eprintln!(
        "{:<28} {expected_total:>8} {found_total:>9} {patterns_right:>8} {extra_total:>6}",
        "all"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
