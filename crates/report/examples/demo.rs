//! Writes the demo review's report and briefing (HTML, DOCX, PDF) into a folder, for looking at:
//! `cargo run -p casewindow-report --example demo -- OUT_DIR [REVIEW.json]` (Child W by default).

use casewindow_report::{ReportInput, Template, briefing, docx, html, pdf, report};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: demo OUT_DIR")?);
    std::fs::create_dir_all(&out)?;
    let path = std::env::args().nth(2).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../app/demo/child-w.json"),
        PathBuf::from,
    );
    let document: casewindow_interchange::ReviewDocument =
        serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let input = ReportInput::from_document(
        &document,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).ok_or("date")?,
    );
    let template = Template::default();
    for (name, doc) in [
        ("report", report(&input, &template)),
        ("briefing", briefing(&input, &template)),
    ] {
        std::fs::write(out.join(format!("{name}.html")), html::render(&doc))?;
        std::fs::write(out.join(format!("{name}.docx")), docx::render(&doc)?)?;
        std::fs::write(
            out.join(format!("{name}.pdf")),
            pdf::render(&doc, &template.layout, input.generated_on)?,
        )?;
    }
    Ok(())
}
