//! Generating the demo review's report: the bar is Word + PDF together in at most one second.
//! `cargo bench -p casewindow-report --bench render`

use casewindow_report::{ReportInput, Template, briefing, docx, pdf, report};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static INPUT: LazyLock<ReportInput> = LazyLock::new(|| {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/demo/child-w.json");
    let text = std::fs::read_to_string(path).expect("the demo review");
    let document: casewindow_interchange::ReviewDocument =
        serde_json::from_str(&text).expect("a review document");
    ReportInput::from_document(
        &document,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date"),
    )
});

/// The bar: build the report, then write both the Word file and the PDF, with nothing memoised
/// from an earlier run (every request in the server is a first one for its data).
#[divan::bench(sample_count = 20)]
fn report_docx_and_pdf_cold(bencher: divan::Bencher) {
    bencher
        .with_inputs(pdf::forget_memoised)
        .bench_local_values(|()| report_docx_and_pdf());
}

/// The same with Typst's memoised layout from the previous run (the same report again).
#[divan::bench(sample_count = 20)]
fn report_docx_and_pdf() -> (usize, usize) {
    let template = Template::default();
    let document = report(&INPUT, &template);
    let word = docx::render(&document).expect("docx");
    let typeset = pdf::render(&document, &template.layout, INPUT.generated_on).expect("pdf");
    (word.len(), typeset.len())
}

#[divan::bench(sample_count = 20)]
fn report_docx_only() -> usize {
    let document = report(&INPUT, &Template::default());
    docx::render(&document).expect("docx").len()
}

#[divan::bench(sample_count = 20)]
fn briefing_docx_and_pdf() -> (usize, usize) {
    let template = Template::default();
    let document = briefing(&INPUT, &template);
    let word = docx::render(&document).expect("docx");
    let typeset = pdf::render(&document, &template.layout, INPUT.generated_on).expect("pdf");
    (word.len(), typeset.len())
}
