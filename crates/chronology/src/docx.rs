//! The tables inside a Word document: `word/document.xml` streamed with quick-xml (no document
//! model, no DTD, no external entities). Merged cells are filled in: a cell spanning columns
//! repeats its text in each, and a vertically merged cell repeats the text above it, so merged
//! header rows and grouped dates read like every other row.

use crate::read::{MAX_COLUMNS, MAX_ROWS, ReadError, Table};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::{Cursor, Read as _};

const MAX_XML_BYTES: u64 = 128 * 1024 * 1024;

fn damaged(file: &str, reason: impl Into<String>) -> ReadError {
    ReadError::Damaged {
        file: file.to_owned(),
        format: "Word",
        reason: reason.into(),
    }
}

/// The main part's path: the package relationship of type officeDocument (Word Online names it
/// `word/document2.xml`), else the usual `word/document.xml`.
fn main_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut rels = String::new();
    if let Ok(entry) = archive.by_name("_rels/.rels") {
        let _ = entry.take(1 << 20).read_to_string(&mut rels);
    }
    let from_rels = rels.split("<Relationship").find_map(|r| {
        if !r.contains("/officeDocument\"") {
            return None;
        }
        let target = r.split("Target=\"").nth(1)?.split('"').next()?;
        Some(target.trim_start_matches('/').to_owned())
    });
    from_rels
        .filter(|t| names.contains(t))
        .or_else(|| names.iter().find(|n| *n == "word/document.xml").cloned())
        .or_else(|| {
            names
                .iter()
                .find(|n| n.starts_with("word/document") && n.ends_with(".xml"))
                .cloned()
        })
}

/// Whether a zip archive is a Word document.
pub(crate) fn is_word(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    main_part(archive).is_some()
}

#[derive(Default)]
struct Cell {
    text: String,
    span: usize,
    /// `Some(true)` starts a vertical merge, `Some(false)` continues one.
    vmerge: Option<bool>,
}

#[derive(Default)]
struct TableState {
    rows: Vec<Vec<String>>,
    row: Vec<Cell>,
    cell: Option<Cell>,
    /// Rows with something in them past [`MAX_ROWS`], counted rather than kept.
    extra_rows: usize,
    /// The first row with a filled column past [`MAX_COLUMNS`]: its number and width.
    too_wide: Option<(usize, usize)>,
}

impl TableState {
    fn end_row(&mut self) {
        let mut out: Vec<String> = Vec::new();
        let mut width = 0;
        let mut filled = 0;
        for cell in &self.row {
            width += cell.span.max(1);
            if !cell.text.trim().is_empty() {
                filled = width;
            }
        }
        if filled > MAX_COLUMNS && self.too_wide.is_none() {
            self.too_wide = Some((self.rows.len() + self.extra_rows + 1, filled));
        }
        for cell in self.row.drain(..) {
            let column = out.len();
            let text = if cell.vmerge == Some(false) {
                self.rows
                    .last()
                    .and_then(|above| above.get(column))
                    .cloned()
                    .unwrap_or_default()
            } else {
                cell.text.trim_end_matches('\n').to_owned()
            };
            for _ in 0..cell.span.clamp(1, MAX_COLUMNS) {
                if out.len() < MAX_COLUMNS {
                    out.push(text.clone());
                }
            }
        }
        if self.rows.len() < MAX_ROWS {
            self.rows.push(out);
        } else if out.iter().any(|c| !c.trim().is_empty()) {
            self.extra_rows += 1;
        }
    }

    /// The table, or the refusal when it holds more than one import takes.
    fn finish(self, file: &str, name: String) -> Result<Table, ReadError> {
        if let Some((row, width)) = self.too_wide {
            return Err(ReadError::too_many(
                file,
                format!("{name}, row {row}"),
                "columns",
                width,
                MAX_COLUMNS,
            ));
        }
        if self.extra_rows > 0 {
            return Err(ReadError::too_many(
                file,
                name,
                "rows",
                MAX_ROWS + self.extra_rows,
                MAX_ROWS,
            ));
        }
        Ok(Table {
            name,
            rows: self.rows,
        })
    }
}

/// Every top-level table in the document, in order ("table 1", "table 2"...). A table inside a
/// cell contributes its text to that cell.
pub fn tables(file: &str, bytes: &[u8]) -> Result<Vec<Table>, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| damaged(file, format!("the zip archive is damaged: {e}")))?;
    let part = main_part(&mut archive)
        .ok_or_else(|| damaged(file, "the archive has no main document part"))?;
    let entry = archive
        .by_name(&part)
        .map_err(|e| damaged(file, format!("{part} cannot be read: {e}")))?;
    if entry.size() > MAX_XML_BYTES {
        return Err(damaged(
            file,
            "the document is larger than casewindow reads",
        ));
    }
    let mut xml = Vec::new();
    entry
        .take(MAX_XML_BYTES)
        .read_to_end(&mut xml)
        .map_err(|e| damaged(file, format!("{part} cannot be read: {e}")))?;

    let mut reader = Reader::from_reader(xml.as_slice());
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<TableState> = Vec::new();
    let mut out = Vec::new();
    let mut in_text = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            let detail: String = e.to_string().chars().take(80).collect();
            damaged(file, format!("the document's XML is damaged: {detail}"))
        })?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(damaged(
                    file,
                    "the document declares its own entities, which casewindow never reads",
                ));
            }
            Event::Start(e) | Event::Empty(e)
                if stack.len() < 64 || e.local_name().into_inner() != "tbl" =>
            {
                match e.local_name().into_inner() {
                    "tbl" => stack.push(TableState::default()),
                    "tc" => {
                        if let Some(t) = stack.last_mut() {
                            t.cell = Some(Cell {
                                span: 1,
                                ..Cell::default()
                            });
                        }
                    }
                    "gridSpan" => {
                        if let Some(cell) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                            cell.span = attribute(&e, "val")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1);
                        }
                    }
                    "vMerge" => {
                        if let Some(cell) = stack.last_mut().and_then(|t| t.cell.as_mut()) {
                            cell.vmerge = Some(attribute(&e, "val").as_deref() == Some("restart"));
                        }
                    }
                    "t" => in_text = true,
                    "tab" => push_text(&mut stack, "\t"),
                    "br" | "cr" => push_text(&mut stack, "\n"),
                    _ => {}
                }
            }
            Event::Start(_) | Event::Empty(_) => {
                return Err(damaged(file, "tables are nested too deeply"));
            }
            Event::Text(t) if in_text => {
                let text = t.as_ref().to_owned();
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(r) if in_text => {
                let name = r.as_ref().to_owned();
                let text = match name.as_str() {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    other => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .unwrap_or_else(|| format!("&{other};")),
                };
                push_text(&mut stack, &text);
            }
            Event::End(e) => match e.local_name().into_inner() {
                "t" => in_text = false,
                "p" => push_text(&mut stack, "\n"),
                "tc" => {
                    if let Some(t) = stack.last_mut()
                        && let Some(cell) = t.cell.take()
                    {
                        t.row.push(cell);
                    }
                }
                "tr" => {
                    if let Some(t) = stack.last_mut() {
                        t.end_row();
                    }
                }
                "tbl" => {
                    if let Some(done) = stack.pop() {
                        match stack.last_mut() {
                            // A table in a cell: its text joins the cell's.
                            Some(outer) => {
                                let text: Vec<String> =
                                    done.rows.iter().map(|r| r.join("\t")).collect();
                                if let Some(cell) = outer.cell.as_mut() {
                                    cell.text.push_str(&text.join("\n"));
                                }
                            }
                            None => {
                                let name = format!("table {}", out.len() + 1);
                                out.push(done.finish(file, name)?);
                            }
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn push_text(stack: &mut [TableState], text: &str) {
    if let Some(cell) = stack.last_mut().and_then(|t| t.cell.as_mut())
        && cell.text.len() < 100_000
    {
        cell.text.push_str(text);
    }
}

pub(crate) fn attribute(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == name)
        .map(|a| a.value.to_string())
}
