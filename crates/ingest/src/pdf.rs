//! PDFs with a text layer, read with `pdf_oxide` (chosen by measurement against pdf-extract and
//! lopdf, see `bench/pdf-trial` and ARCHITECTURE.md):
//! every character with its position, size and weight is handed to [`crate::layout`], which
//! finds lines, columns, tables and paragraphs. Each call into the library is inside
//! `catch_unwind`, so a panic refuses the file with the page's number. A caller that reads files
//! from strangers also bounds time and memory from outside (the command line reads each PDF in
//! a child process).

use crate::ReadError;
use crate::layout::{Glyph, Page};
use crate::text::Text;
use pdf_oxide::PdfDocument;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Pages read from one file; published reviews run to a hundred or two.
pub const MAX_PAGES: usize = 2_000;
/// Characters kept from one page (a page of dense text has a few thousand).
const MAX_GLYPHS_PER_PAGE: usize = 200_000;

fn damaged(file: &str, reason: impl Into<String>) -> ReadError {
    ReadError::Damaged {
        file: file.to_owned(),
        format: "PDF",
        reason: reason.into(),
    }
}

fn short(text: &str) -> String {
    let text: String = text.chars().take(120).collect();
    text.replace(['\n', '\r'], " ")
}

fn open(file: &str, bytes: &[u8]) -> Result<PdfDocument, ReadError> {
    let doc = catch_unwind(|| PdfDocument::from_bytes(bytes.to_vec()))
        .map_err(|_| damaged(file, "its structure cannot be read"))?
        .map_err(|e| {
            let said = e.to_string();
            if said.to_lowercase().contains("encrypt") || said.to_lowercase().contains("password") {
                ReadError::Encrypted {
                    file: file.to_owned(),
                }
            } else {
                damaged(file, short(&said))
            }
        })?;
    if doc.is_encrypted() {
        // Many PDFs are "encrypted" with an empty password only to restrict printing: they
        // open for anyone, and so for casewindow.
        let opened = catch_unwind(AssertUnwindSafe(|| doc.authenticate(b"")))
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false);
        if !opened {
            return Err(ReadError::Encrypted {
                file: file.to_owned(),
            });
        }
    }
    Ok(doc)
}

fn page(file: &str, doc: &PdfDocument, index: usize) -> Result<Page, ReadError> {
    let number = index + 1;
    let media = catch_unwind(AssertUnwindSafe(|| doc.get_page_media_box(index)))
        .map_err(|_| damaged(file, format!("page {number} cannot be read")))?
        .unwrap_or((0.0, 0.0, 595.0, 842.0));
    let (llx, lly, urx, ury) = media;
    // Characters come from the spans: `extract_chars` reads a span's replacement text
    // (`/ActualText`, which Typst writes around hyphens) through the font and gives wrong
    // letters; the spans carry the text as meant.
    let spans = catch_unwind(AssertUnwindSafe(|| doc.extract_spans(index)))
        .map_err(|_| damaged(file, format!("page {number} cannot be read")))?
        .map_err(|e| {
            damaged(
                file,
                format!("page {number} cannot be read: {}", short(&e.to_string())),
            )
        })?;
    let mut glyphs = Vec::new();
    for span in spans {
        // What a tagged PDF marks as a running header, footer, page number or watermark is not
        // the report's text. ("Other" pagination is the library's guess and has been seen on a
        // finding's bold number at a page's foot: kept, for the layout's own judgement.)
        {
            use pdf_oxide::extractors::text::{ArtifactType, PaginationSubtype};
            if matches!(
                span.artifact_type,
                Some(ArtifactType::Pagination(
                    PaginationSubtype::Header
                        | PaginationSubtype::Footer
                        | PaginationSubtype::PageNumber
                        | PaginationSubtype::Watermark
                ))
            ) {
                continue;
            }
        }
        // Text turned on its side (a watermark, a rotated table heading) is not body text.
        if span.rotation_degrees.abs() >= 1.0 {
            continue;
        }
        for c in span.to_chars() {
            glyphs.push(Glyph {
                x: c.bbox.x - llx,
                y: ury - c.origin_y,
                width: c.bbox.width,
                size: c.font_size,
                bold: c.font_weight.is_bold(),
                text: c.char.to_string(),
            });
        }
        if glyphs.len() > MAX_GLYPHS_PER_PAGE {
            return Err(ReadError::TooLarge {
                file: file.to_owned(),
                what: format!("page {number} holds more than {MAX_GLYPHS_PER_PAGE} characters"),
            });
        }
    }
    glyphs.retain(|g| g.x.is_finite() && g.y.is_finite() && g.width.is_finite());
    Ok(Page {
        width: (urx - llx).abs(),
        height: (ury - lly).abs(),
        glyphs,
    })
}

/// Reads a PDF's text layer.
///
/// # Errors
/// Damaged, password-protected, without a text layer, or larger than casewindow reads.
pub fn read(file: &str, bytes: &[u8]) -> Result<Text, ReadError> {
    let doc = open(file, bytes)?;
    let count = catch_unwind(AssertUnwindSafe(|| doc.page_count()))
        .map_err(|_| damaged(file, "its page tree cannot be read"))?
        .map_err(|e| damaged(file, short(&e.to_string())))?;
    if count > MAX_PAGES {
        return Err(ReadError::TooLarge {
            file: file.to_owned(),
            what: format!("{count} pages; at most {MAX_PAGES}"),
        });
    }
    if count == 0 {
        return Err(damaged(file, "it has no pages"));
    }
    let pages = (0..count)
        .map(|index| page(file, &doc, index))
        .collect::<Result<Vec<Page>, ReadError>>()?;
    let printable = pages
        .iter()
        .flat_map(|p| &p.glyphs)
        .filter(|g| g.text.chars().any(char::is_alphanumeric))
        .count();
    if printable == 0 {
        return Err(ReadError::NoText {
            file: file.to_owned(),
        });
    }
    Ok(crate::layout::text(&pages, None))
}

/// One page's characters as the PDF places them (for looking at a PDF's layout).
///
/// # Errors
/// The PDF or the page cannot be read.
pub fn page_glyphs(bytes: &[u8], number: u32) -> Result<Page, ReadError> {
    let doc = open("", bytes)?;
    page("", &doc, usize::try_from(number.max(1) - 1).unwrap_or(0))
}
