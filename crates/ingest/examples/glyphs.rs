//! Prints the characters of one PDF page with their positions, for looking at how a PDF lays
//! out its text: `cargo run -p casewindow-ingest --example glyphs -- FILE.pdf PAGE`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(page)) = (args.next(), args.next()) else {
        return Err("usage: glyphs FILE.pdf PAGE".into());
    };
    let bytes = std::fs::read(&path)?;
    let page: u32 = page.parse()?;
    for glyph in casewindow_ingest::pdf::page_glyphs(&bytes, page)?.glyphs {
        println!(
            "{:8.2} {:8.2} w{:6.2} s{:5.2} {:?}",
            glyph.x, glyph.y, glyph.width, glyph.size, glyph.text
        );
    }
    Ok(())
}
