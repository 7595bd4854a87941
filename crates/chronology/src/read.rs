//! Tables out of the files agencies send: CSV (any common encoding and delimiter), spreadsheets
//! (XLSX, XLS, ODS: every sheet) and the tables inside Word documents (DOCX). Everything is read
//! from bytes already in memory, within limits, and never follows anything outside the file.

use std::io::{Cursor, Read as _};

/// Largest file read.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Most rows read from one table.
pub const MAX_ROWS: usize = 250_000;
/// Most columns kept from one row.
pub const MAX_COLUMNS: usize = 200;
/// Largest decompressed part of a zipped file (XLSX, DOCX) read.
const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;

/// The kinds of file a chronology can come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Ods,
    Docx,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Self::Csv => "CSV",
            Self::Xlsx => "Excel workbook (.xlsx)",
            Self::Xls => "Excel 97-2003 workbook (.xls)",
            Self::Ods => "OpenDocument spreadsheet (.ods)",
            Self::Docx => "Word document (.docx)",
        }
    }
}

/// Why a file could not be read, for the person who sent it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: the file is larger than {} MB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge { file: String },
    #[error("{file}: {what} cannot be imported as a chronology: {advice}")]
    Unsupported {
        file: String,
        what: String,
        advice: String,
    },
    #[error("{file}: this is not a readable {format} file ({reason})")]
    Damaged {
        file: String,
        format: &'static str,
        reason: String,
    },
    #[error("{file}: the file is password-protected or encrypted: save an unprotected copy")]
    Encrypted { file: String },
    /// More rows or columns than one import takes: refused whole rather than cut short.
    #[error(
        "{file}: {table} has {found} {what}; one import takes at most {limit}: split the file (by year, say) and import each part"
    )]
    TooMany {
        file: String,
        table: String,
        what: &'static str,
        found: usize,
        limit: usize,
    },
    #[error(
        "{file}: no table was found in the file (in a Word document, the chronology must be a table)"
    )]
    NoTable { file: String },
}

impl ReadError {
    /// The refusal of a file holding more rows or columns (`what`) than one import takes.
    pub(crate) fn too_many(
        file: &str,
        table: String,
        what: &'static str,
        found: usize,
        limit: usize,
    ) -> Self {
        Self::TooMany {
            file: file.to_owned(),
            table,
            what,
            found,
            limit,
        }
    }
}

/// One table: a sheet of a workbook, a table of a Word document, or a whole CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// "Sheet1", "table 2", or the file name for a CSV.
    pub name: String,
    /// The cells, row by row, as text (dates in spreadsheets as ISO text).
    pub rows: Vec<Vec<String>>,
}

/// Which format a file is, from its content first and its name second.
pub fn sniff(file: &str, bytes: &[u8]) -> Result<Format, ReadError> {
    let lower = file.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let unsupported = |what: &str, advice: &str| ReadError::Unsupported {
        file: file.to_owned(),
        what: what.to_owned(),
        advice: advice.to_owned(),
    };
    if bytes.starts_with(b"%PDF") {
        return Err(unsupported(
            "a PDF",
            "export the chronology from the system that made it as CSV or Excel, or copy its table into Word",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return match zip_kind(bytes) {
            Some(ZipKind::Xlsx) => Ok(Format::Xlsx),
            Some(ZipKind::Docx) => Ok(Format::Docx),
            Some(ZipKind::Ods) => Ok(Format::Ods),
            Some(ZipKind::Odt) => Err(unsupported(
                "an OpenDocument text (.odt) file",
                "save it as .docx, or export the table as CSV",
            )),
            None => Err(ReadError::Damaged {
                file: file.to_owned(),
                format: match ext {
                    "docx" => "Word",
                    "ods" => "OpenDocument spreadsheet",
                    _ => "Excel",
                },
                reason: "a zip archive without the parts of a workbook or a Word document"
                    .to_owned(),
            }),
        };
    }
    // OLE compound files: Excel 97-2003, Word 97-2003, or an encrypted OOXML file.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if contains(bytes, b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e") {
            return Err(ReadError::Encrypted {
                file: file.to_owned(),
            });
        }
        if ext == "doc" || contains(bytes, b"W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t") {
            return Err(unsupported(
                "a Word 97-2003 (.doc) file",
                "open it in Word or LibreOffice and save it as .docx",
            ));
        }
        return Ok(Format::Xls);
    }
    // Excel 2.x to 4.0 worksheets: a bare BIFF stream starting with its BOF record.
    if bytes.len() > 4
        && bytes[0] == 0x09
        && matches!(bytes[1], 0x00 | 0x02 | 0x04)
        && bytes[3] == 0
    {
        return Err(unsupported(
            "an Excel 2.x-4.0 worksheet",
            "open it in Excel or LibreOffice and save it as .xlsx",
        ));
    }
    if bytes.starts_with(b"{\\rtf") {
        return Err(unsupported(
            "a Rich Text Format file",
            "open it in Word or LibreOffice and save it as .docx",
        ));
    }
    match ext {
        "xlsx" | "xlsm" | "xls" | "ods" | "docx" => Err(ReadError::Damaged {
            file: file.to_owned(),
            format: match ext {
                "docx" => "Word",
                "ods" => "OpenDocument spreadsheet",
                _ => "Excel",
            },
            reason: "its content is not what the name says".to_owned(),
        }),
        "doc" | "wpd" | "wps" => Err(unsupported(
            "this word-processor format",
            "open it in Word or LibreOffice and save it as .docx",
        )),
        "pdf" => Err(unsupported(
            "a PDF",
            "export the chronology as CSV or Excel instead",
        )),
        _ if looks_binary(bytes) => Err(unsupported(
            "a binary file",
            "send the chronology as CSV, Excel (.xlsx), OpenDocument (.ods) or Word (.docx)",
        )),
        _ => Ok(Format::Csv),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Text files have no NUL bytes (unless UTF-16, which has a BOM or alternating zeros).
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || utf16_guess(bytes).is_some()
    {
        return false;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let controls = sample
        .iter()
        .filter(|b| **b == 0 || (**b < 0x09) || (0x0E..0x1B).contains(*b))
        .count();
    controls > 0 && controls * 20 > sample.len().max(1) / 10
}

enum ZipKind {
    Xlsx,
    Docx,
    Ods,
    Odt,
}

fn zip_kind(bytes: &[u8]) -> Option<ZipKind> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    // Some writers separate folders with backslashes.
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.replace('\\', "/")))
        .collect();
    if names
        .iter()
        .any(|n| n.starts_with("xl/workbook") || n.ends_with("/workbook.xml"))
    {
        return Some(ZipKind::Xlsx);
    }
    if crate::docx::is_word(&mut archive) {
        return Some(ZipKind::Docx);
    }
    if names.iter().any(|n| n == "content.xml") {
        let mut archive = archive;
        let mut mimetype = String::new();
        if let Ok(file) = archive.by_name("mimetype") {
            let _ = file.take(200).read_to_string(&mut mimetype);
        }
        return Some(if mimetype.contains("text") {
            ZipKind::Odt
        } else {
            ZipKind::Ods
        });
    }
    None
}

/// Every table in the file.
pub fn tables(file: &str, bytes: &[u8]) -> Result<(Format, Vec<Table>), ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty {
            file: file.to_owned(),
        });
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            file: file.to_owned(),
        });
    }
    let format = sniff(file, bytes)?;
    let tables = match format {
        Format::Csv => vec![csv_table(file, bytes)?],
        Format::Xlsx | Format::Xls | Format::Ods => sheets(file, bytes, format)?,
        Format::Docx => crate::docx::tables(file, bytes)?,
    };
    let tables: Vec<Table> = tables
        .into_iter()
        .filter(|t| {
            t.rows
                .iter()
                .any(|r| r.iter().any(|c| !c.trim().is_empty()))
        })
        .collect();
    if tables.is_empty() {
        return Err(ReadError::NoTable {
            file: file.to_owned(),
        });
    }
    Ok((format, tables))
}

/// UTF-16 without a BOM: most odd or even bytes zero in the first bytes.
fn utf16_guess(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_zero = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if even_zero * 10 >= pairs * 7 && odd_zero == 0 {
        Some(encoding_rs::UTF_16BE)
    } else if odd_zero * 10 >= pairs * 7 && even_zero == 0 {
        Some(encoding_rs::UTF_16LE)
    } else {
        None
    }
}

/// The text of a CSV file: UTF-8 (with or without BOM), UTF-16 (with a BOM or recognisably
/// without), otherwise Windows-1252 (which also covers ISO-8859-1).
/// UTF-8 text is borrowed, not copied.
pub fn decode_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0;
    }
    if let Some(encoding) = utf16_guess(bytes) {
        return encoding.decode_without_bom_handling(bytes).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0,
    }
}

/// The delimiter that splits the first lines most consistently.
fn delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for candidate in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| l.bytes().filter(|b| *b == candidate).count())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        let consistent = counts.iter().filter(|c| **c == first && first > 0).count();
        let score = consistent * 1000 + counts.iter().sum::<usize>();
        if first > 0 && score > best.1 {
            best = (candidate, score);
        }
    }
    best.0
}

fn csv_table(file: &str, bytes: &[u8]) -> Result<Table, ReadError> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // One record reused for every row: the reader's own iterator allocates one per row.
    let mut record = csv::StringRecord::new();
    for index in 0.. {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| ReadError::Damaged {
                file: file.to_owned(),
                format: "CSV",
                reason: format!("row {}: {e}", index + 1),
            })?;
        if !more {
            break;
        }
        if index >= MAX_ROWS {
            // Count what is there, to say so, and refuse the file whole.
            let mut found = index + 1;
            while reader.read_record(&mut record).unwrap_or(false) {
                found += 1;
            }
            return Err(ReadError::too_many(
                file,
                "the file".to_owned(),
                "rows",
                found,
                MAX_ROWS,
            ));
        }
        // Rows are numbered as a spreadsheet shows the file: a blank line is an empty row, a
        // multi-line cell stays in one row. A record's position is where reading it began, so
        // the blank lines skipped before it come first.
        let at = record.position().map_or(0, |p| p.byte() as usize);
        let rest = text.get(at..).unwrap_or("");
        let mut skipped = &rest[..rest.len() - rest.trim_start_matches(['\r', '\n']).len()];
        // The "\n" of the previous row's "\r\n" is still to be read: it ends that row.
        if at > 0 && text.as_bytes().get(at - 1) == Some(&b'\r') && skipped.starts_with('\n') {
            skipped = &skipped[1..];
        }
        let blank_lines = if skipped.is_empty() {
            0
        } else {
            skipped.replace("\r\n", "\n").matches(['\r', '\n']).count()
        };
        for _ in 0..blank_lines {
            if rows.len() < MAX_ROWS {
                rows.push(Vec::new());
            }
        }
        if record.len() > MAX_COLUMNS
            && let Some(last) = (0..record.len())
                .rev()
                .find(|i| !record[*i].trim().is_empty())
            && last >= MAX_COLUMNS
        {
            let row = format!("row {}", rows.len() + 1);
            return Err(ReadError::too_many(
                file,
                row,
                "columns",
                last + 1,
                MAX_COLUMNS,
            ));
        }
        rows.push(
            record
                .iter()
                .take(MAX_COLUMNS)
                .map(|c| c.to_owned())
                .collect(),
        );
    }
    Ok(Table {
        name: file.to_owned(),
        rows,
    })
}

fn sheets(file: &str, bytes: &[u8], format: Format) -> Result<Vec<Table>, ReadError> {
    let damaged = |reason: String| ReadError::Damaged {
        file: file.to_owned(),
        format: format.label(),
        reason,
    };
    if matches!(format, Format::Xlsx | Format::Ods) {
        check_zip_sizes(bytes).map_err(&damaged)?;
    }
    if format == Format::Xls {
        crate::ole::check(bytes).map_err(&damaged)?;
    }
    // The spreadsheet reader is third-party code meeting hostile input: a panic inside it (an
    // arithmetic overflow on a crafted file, say) is a damaged file, not a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_sheets(file, bytes, format)
    }))
    .unwrap_or_else(|_| Err(damaged("its structure is inconsistent".to_owned())))
}

fn read_sheets(file: &str, bytes: &[u8], format: Format) -> Result<Vec<Table>, ReadError> {
    use calamine::Reader as _;
    let damaged = |reason: String| ReadError::Damaged {
        file: file.to_owned(),
        format: format.label(),
        reason,
    };
    let normalised;
    let bytes = match format {
        Format::Xlsx | Format::Ods => match normalise_zip(bytes, format) {
            Some(rewritten) => {
                normalised = rewritten;
                normalised.as_slice()
            }
            None => bytes,
        },
        _ => bytes,
    };
    let cursor = Cursor::new(bytes);
    if format == Format::Xlsx {
        let workbook =
            calamine::Xlsx::new(cursor).map_err(|e| classify(file, format, e.to_string()))?;
        return stream_xlsx(file, workbook);
    }
    let mut workbook: calamine::Sheets<_> = match format {
        Format::Xls => calamine::Sheets::Xls(
            calamine::Xls::new(cursor).map_err(|e| classify(file, format, e.to_string()))?,
        ),
        _ => {
            ods_extent(file, bytes)?;
            calamine::Sheets::Ods(
                calamine::Ods::new(cursor).map_err(|e| classify(file, format, e.to_string()))?,
            )
        }
    };
    let mut out = Vec::new();
    for name in workbook.sheet_names() {
        let range = match workbook.worksheet_range(&name) {
            Ok(range) => range,
            Err(e) => return Err(classify(file, format, e.to_string())),
        };
        let (height, width) = range.get_size();
        if height > MAX_ROWS * 4 || width > 16_384 {
            return Err(damaged(format!(
                "sheet \"{name}\" claims {height} rows and {width} columns"
            )));
        }
        // Rows and columns with something in them beyond the limits refuse the file whole;
        // empty ones (a formatted but unused area) are left out.
        let filled = |cell: &calamine::Data| !cell_text(cell).trim().is_empty();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut found = 0;
        for (index, row) in range.rows().enumerate() {
            if let Some(last) = row.iter().rposition(filled)
                && last >= MAX_COLUMNS
            {
                return Err(ReadError::too_many(
                    file,
                    format!("sheet \"{name}\", row {}", index + 1),
                    "columns",
                    last + 1,
                    MAX_COLUMNS,
                ));
            }
            if index < MAX_ROWS {
                rows.push(row.iter().take(MAX_COLUMNS).map(cell_text).collect());
            } else if row.iter().any(filled) {
                found = index + 1;
            }
        }
        if found > 0 {
            return Err(ReadError::too_many(
                file,
                format!("sheet \"{name}\""),
                "rows",
                found,
                MAX_ROWS,
            ));
        }
        out.push(Table { name, rows });
    }
    Ok(out)
}

/// Reads an Excel workbook cell by cell, never building a sheet's full grid: a sheet whose
/// declared size passes the row limit is refused before a cell is read, and reading stops at
/// the first filled cell past a limit, so a small file claiming millions of rows costs nothing.
fn stream_xlsx<R: std::io::Read + std::io::Seek>(
    file: &str,
    mut workbook: calamine::Xlsx<R>,
) -> Result<Vec<Table>, ReadError> {
    use calamine::Reader as _;
    let mut out = Vec::new();
    // Chart sheets and the like hold no cells.
    let names: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == calamine::SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect();
    for name in names {
        let mut cells = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| classify(file, Format::Xlsx, e.to_string()))?;
        let declared = cells.dimensions();
        // Columns are judged by the filled cells alone (a stray format widens a sheet), rows
        // also by what the sheet says of itself.
        if declared.end.0 as usize >= MAX_ROWS {
            return Err(ReadError::too_many(
                file,
                format!("sheet \"{name}\" (by its declared size)"),
                "rows",
                declared.end.0 as usize + 1,
                MAX_ROWS,
            ));
        }
        let mut rows: Vec<Vec<String>> = Vec::new();
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| classify(file, Format::Xlsx, e.to_string()))?
        {
            let (row, column) = cell.get_position();
            let (row, column) = (row as usize, column as usize);
            let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
            if text.trim().is_empty() {
                continue;
            }
            if row >= MAX_ROWS {
                return Err(ReadError::too_many(
                    file,
                    format!("sheet \"{name}\""),
                    "rows",
                    row + 1,
                    MAX_ROWS,
                ));
            }
            if column >= MAX_COLUMNS {
                return Err(ReadError::too_many(
                    file,
                    format!("sheet \"{name}\", row {}", row + 1),
                    "columns",
                    column + 1,
                    MAX_COLUMNS,
                ));
            }
            if rows.len() <= row {
                rows.resize_with(row + 1, Vec::new);
            }
            let cells_of_row = &mut rows[row];
            if cells_of_row.len() <= column {
                cells_of_row.resize(column + 1, String::new());
            }
            cells_of_row[column] = text;
        }
        // The grid starts at the first filled row and column, as a sheet's used range does,
        // and every row is as wide as the widest.
        let first_row = rows
            .iter()
            .position(|r| !r.is_empty())
            .unwrap_or(rows.len());
        rows.drain(..first_row);
        let first_column = rows
            .iter()
            .filter_map(|r| r.iter().position(|c| !c.is_empty()))
            .min()
            .unwrap_or(0);
        let widest = rows.iter().map(Vec::len).max().unwrap_or(0);
        for row in &mut rows {
            row.resize(widest, String::new());
            row.drain(..first_column);
        }
        out.push(Table { name, rows });
    }
    Ok(out)
}

/// Measures an OpenDocument spreadsheet's tables from its XML before the reader expands them:
/// a row or cell "repeated" a million times is one element in the file but a million in a
/// grid. Counts filled rows (with the empty ones between them) and filled columns, and refuses
/// at the first past a limit. A file whose XML cannot be read is left for the reader to judge.
fn ods_extent(file: &str, bytes: &[u8]) -> Result<(), ReadError> {
    use quick_xml::events::Event;
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buf = Vec::new();
    let repeat = |e: &quick_xml::events::BytesStart<'_>, name: &str| {
        crate::docx::attribute(e, name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let (mut table, mut rows, mut empty_rows) = (String::new(), 0usize, 0usize);
    let (mut row_repeat, mut row_filled, mut column, mut filled_to) =
        (1usize, false, 0usize, 0usize);
    let (mut in_cell, mut cell_repeat, mut cell_filled) = (false, 1usize, false);
    loop {
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return Ok(());
        };
        let mut cell_ends = false;
        let starts = matches!(event, Event::Start(_));
        match event {
            Event::Eof => return Ok(()),
            Event::Start(e) | Event::Empty(e) if e.local_name().into_inner() == "table" => {
                table = crate::docx::attribute(&e, "name").unwrap_or_default();
                (rows, empty_rows) = (0, 0);
            }
            Event::Start(e) if e.local_name().into_inner() == "table-row" => {
                (row_repeat, row_filled, column, filled_to) =
                    (repeat(&e, "number-rows-repeated"), false, 0, 0);
            }
            Event::Empty(e) if e.local_name().into_inner() == "table-row" => {
                empty_rows = empty_rows.saturating_add(repeat(&e, "number-rows-repeated"));
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(
                    e.local_name().into_inner(),
                    "table-cell" | "covered-table-cell"
                ) =>
            {
                cell_repeat = repeat(&e, "number-columns-repeated");
                cell_filled = crate::docx::attribute(&e, "value-type").is_some();
                in_cell = starts;
                cell_ends = !in_cell;
            }
            Event::Text(t) if in_cell && !t.as_ref().trim().is_empty() => cell_filled = true,
            Event::End(e)
                if matches!(
                    e.local_name().into_inner(),
                    "table-cell" | "covered-table-cell"
                ) =>
            {
                in_cell = false;
                cell_ends = true;
            }
            Event::End(e) if e.local_name().into_inner() == "table-row" => {
                if row_filled {
                    rows = rows.saturating_add(empty_rows).saturating_add(row_repeat);
                    empty_rows = 0;
                } else {
                    empty_rows = empty_rows.saturating_add(row_repeat);
                }
                if rows > MAX_ROWS {
                    return Err(ReadError::too_many(
                        file,
                        format!("sheet \"{table}\""),
                        "rows",
                        rows,
                        MAX_ROWS,
                    ));
                }
                if filled_to > MAX_COLUMNS {
                    return Err(ReadError::too_many(
                        file,
                        format!("sheet \"{table}\", row {}", rows.saturating_add(empty_rows)),
                        "columns",
                        filled_to,
                        MAX_COLUMNS,
                    ));
                }
            }
            _ => {}
        }
        if cell_ends {
            column = column.saturating_add(cell_repeat);
            if cell_filled {
                row_filled = true;
                filled_to = column;
            }
        }
        buf.clear();
    }
}

/// Refuses zip archives whose parts would decompress beyond the limit (a zip bomb).
fn check_zip_sizes(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("the zip archive is damaged: {e}"))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let file = archive
            .by_index_raw(i)
            .map_err(|e| format!("the zip archive is damaged: {e}"))?;
        total = total.saturating_add(file.size());
        if file.size() > MAX_PART_BYTES || total > MAX_PART_BYTES * 2 {
            return Err("it would expand to more than the size casewindow reads".to_owned());
        }
    }
    Ok(())
}

/// A copy of a zipped workbook that its reader can open, when the original needs one: folder
/// separators written as backslashes, XML parts in UTF-16, an ODS without its `mimetype`.
/// `None` when the file needs nothing (or cannot be rewritten: the reader then says why).
fn normalise_zip(bytes: &[u8], format: Format) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names: Vec<String> = (0..archive.len())
        .filter_map(|i| {
            archive
                .by_index_raw(i)
                .ok()
                .and_then(|f| f.name().ok().map(|n| n.into_owned()))
        })
        .collect();
    let backslashes = names.iter().any(|n| n.contains('\\'));
    let no_mimetype = format == Format::Ods && !names.iter().any(|n| n == "mimetype");
    let mut utf16 = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let mut head = [0u8; 4];
            let entry = archive.by_index(i).ok()?;
            if entry.size() > MAX_PART_BYTES {
                return None;
            }
            let mut reader = entry.take(4);
            let read = reader.read(&mut head).ok()?;
            if read >= 2
                && (head.starts_with(&[0xFF, 0xFE])
                    || head.starts_with(&[0xFE, 0xFF])
                    || utf16_guess(&head[..read]).is_some())
            {
                utf16.push(i);
            }
        }
    }
    if !backslashes && !no_mimetype && utf16.is_empty() {
        return None;
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if no_mimetype {
        out.start_file("mimetype", stored).ok()?;
        out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .ok()?;
    }
    for (i, name) in names.iter().enumerate() {
        let fixed = name.replace('\\', "/");
        if utf16.contains(&i) {
            let mut raw = Vec::new();
            archive
                .by_index(i)
                .ok()?
                .take(MAX_PART_BYTES)
                .read_to_end(&mut raw)
                .ok()?;
            let text = decode_text(&raw)
                .replacen("encoding=\"UTF-16\"", "encoding=\"UTF-8\"", 1)
                .replacen("encoding=\"utf-16\"", "encoding=\"UTF-8\"", 1);
            out.start_file(fixed, stored).ok()?;
            out.write_all(text.as_bytes()).ok()?;
        } else {
            let entry = archive.by_index_raw(i).ok()?;
            out.raw_copy_file_rename(entry, fixed).ok()?;
        }
    }
    Some(out.finish().ok()?.into_inner())
}

fn classify(file: &str, format: Format, message: String) -> ReadError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("codepage") {
        return ReadError::Unsupported {
            file: file.to_owned(),
            what: "a workbook in an old character set".to_owned(),
            advice: "open it in Excel or LibreOffice and save it as .xlsx".to_owned(),
        };
    }
    if lower.contains("password") || lower.contains("encrypt") {
        return ReadError::Encrypted {
            file: file.to_owned(),
        };
    }
    ReadError::Damaged {
        file: file.to_owned(),
        format: format.label(),
        reason: message.chars().take(120).collect(),
    }
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}
