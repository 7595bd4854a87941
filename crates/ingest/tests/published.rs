//! Our own fictional published-style review reports (tests/reports/*.typ, each in a different
//! house style, typeset to PDF here) read back: every finding's statement and stated pattern is
//! recovered, and nothing else is taken for a finding. The measurement is printed.

mod common;

use casewindow_report::{pdf, sample_document};
use common::{Tally, expected_for, fixtures, measure};

#[test]
fn every_finding_of_every_house_style_is_recovered() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let files = fixtures("reports", "typ");
    let mut problems = Vec::new();
    let mut all = Tally::default();
    Tally::header();
    for path in &files {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(path).expect("source");
        let expected = expected_for(path);
        let bytes = pdf::render(&sample_document(), &source, today).expect("typesets");
        let tally = measure(&format!("{name}.pdf"), &bytes, &expected, &mut problems);
        tally.line(&name, &expected.style);
        all.add(&tally);
    }
    all.line("all", "");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
