//! Prints the blocks a report is read into (page, kind, size, bold part, text), for looking at
//! how casewindow reads a document: `cargo run -p casewindow-ingest --example blocks -- FILE`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: blocks FILE")?;
    let bytes = std::fs::read(&path)?;
    let text = casewindow_ingest::read(&path, &bytes)?;
    for block in &text.blocks {
        let kind = match &block.kind {
            casewindow_ingest::Kind::Heading { level } => format!("H{level}"),
            casewindow_ingest::Kind::Paragraph => "P".to_owned(),
            casewindow_ingest::Kind::ListItem { label } => format!("L[{label}]"),
            casewindow_ingest::Kind::Row { table, cells } => format!("T{table}x{}", cells.len()),
        };
        let bold = if block.all_bold() {
            "B"
        } else if block.bold_prefix.is_some() {
            "b"
        } else {
            ""
        };
        let text = match &block.kind {
            casewindow_ingest::Kind::Row { cells, .. } => cells.join(" | ").replace('\n', " / "),
            _ => block.text.clone(),
        };
        println!(
            "{:>3} {:<6} {:4.2} {:1} {}",
            block.page, kind, block.size, bold, text
        );
    }
    Ok(())
}
