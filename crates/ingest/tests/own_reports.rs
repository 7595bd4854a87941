//! casewindow's own reports of every demo review, as Word and as PDF, read back: every
//! finding's statement is recovered exactly (whitespace aside), with its number and pattern.

use casewindow_interchange::ReviewDocument;
use casewindow_report::{ReportInput, Template, docx, pdf, report};
use std::path::Path;

fn demo_documents() -> Vec<(String, ReviewDocument)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/demo");
    let mut paths = vec![root.join("child-w.json")];
    let mut library: Vec<_> = std::fs::read_dir(root.join("library"))
        .expect("the demo library")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    library.sort();
    paths.extend(library);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("demo file");
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&text).expect("a review document"),
            )
        })
        .collect()
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_demo_report_reads_back_with_every_finding_and_its_pattern() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let template = Template::default();
    let mut problems = Vec::new();
    let (mut expected_total, mut recovered) = (0usize, 0usize);
    let documents = demo_documents();
    assert!(documents.len() >= 30, "the demo has its library");
    for (name, document) in &documents {
        let input = ReportInput::from_document(document, today);
        let built = report(&input, &template);
        let mut findings: Vec<_> = document.findings.iter().map(|e| &e.record).collect();
        findings.sort_by_key(|f| (f.position, f.id.0));
        let files = [
            ("docx", docx::render(&built).expect("docx")),
            (
                "pdf",
                pdf::render(&built, &template.layout, today).expect("pdf"),
            ),
        ];
        for (format, bytes) in files {
            let file = format!("{name}.{format}");
            let text = casewindow_ingest::read(&file, &bytes).expect("readable");
            let proposal = casewindow_ingest::propose(&text);
            expected_total += findings.len();
            if proposal.findings.len() != findings.len() {
                problems.push(format!(
                    "{file}: {} findings found, {} written",
                    proposal.findings.len(),
                    findings.len()
                ));
            }
            for (i, finding) in findings.iter().enumerate() {
                let Some(found) = proposal.findings.get(i) else {
                    continue;
                };
                let number = (i + 1).to_string();
                if found.number == number
                    && squash(&found.text) == squash(&finding.statement)
                    && found.pattern == finding.pattern
                {
                    recovered += 1;
                } else {
                    problems.push(format!(
                        "{file}: finding {number}: found {:?} {:?} {:?}, written {:?} {:?}",
                        found.number, found.pattern, found.text, finding.pattern, finding.statement
                    ));
                }
            }
        }
    }
    eprintln!(
        "own reports: {recovered} of {expected_total} findings recovered exactly with their pattern \
         ({} reviews, Word and PDF)",
        documents.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
