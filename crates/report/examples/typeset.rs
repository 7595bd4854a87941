//! Typesets a stand-alone Typst source file into a PDF with the report's fonts and Typst version,
//! for trying a layout or writing test documents:
//! `cargo run -p casewindow-report --example typeset -- IN.typ OUT.pdf`.

use casewindow_report::{pdf, sample_document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: typeset IN.typ OUT.pdf".into());
    };
    let source = std::fs::read_to_string(&input)?;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
    std::fs::write(&output, pdf::render(&sample_document(), &source, today)?)?;
    Ok(())
}
