//! The formats agencies send, made here the way other software makes them: a workbook with a
//! title row, merged headings and real date cells; CSV in UTF-16 and Windows-1252 with
//! semicolons and multi-line cells; a Word table with merged cells. Plus arbitrary bytes.

use casewindow_chronology::{Format, ImportError, read_file};
use casewindow_domain::evidence::{DatePrecision, FuzzyDate};
use chrono::NaiveDate;
use std::io::Write as _;

fn day(y: i32, m: u32, d: u32) -> FuzzyDate {
    FuzzyDate::day(NaiveDate::from_ymd_opt(y, m, d).expect("valid"))
}

#[test]
fn a_workbook_with_a_title_merged_headings_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Police").expect("name");
    sheet
        .write(0, 0, "Police chronology: Child W")
        .expect("cell");
    let bold = CellFormat::new().set_bold();
    sheet
        .merge_range(1, 0, 1, 1, "When", &bold)
        .expect("merged heading");
    sheet.write(1, 2, "Contact").expect("cell");
    sheet.write(2, 0, "Date").expect("cell");
    sheet.write(2, 1, "Time").expect("cell");
    sheet.write(2, 2, "Details").expect("cell");
    sheet.write(2, 3, "Officer").expect("cell");
    let date_format = CellFormat::new().set_num_format("dd/mm/yyyy");
    let when = ExcelDateTime::from_ymd(2019, 3, 12).expect("date");
    sheet
        .write_with_format(3, 0, &when, &date_format)
        .expect("date cell");
    sheet.write(3, 1, "14:30").expect("cell");
    sheet
        .write(3, 2, "Attended address.\nMother said the child was asleep.")
        .expect("cell");
    sheet.write(3, 3, "PC on response team").expect("cell");
    sheet.write(4, 0, "approx. spring 2020").expect("cell");
    sheet
        .write(4, 2, "Neighbour's call about shouting")
        .expect("cell");
    sheet.write(5, 0, "sometime").expect("cell");
    sheet.write(5, 2, "Unclear date").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let (format, reading) = read_file("police.xlsx", &bytes, None).expect("reads");
    assert_eq!(format, Format::Xlsx);
    assert_eq!(reading.table, "Police");
    assert_eq!(reading.entries.len(), 2, "{:?}", reading.problems);
    let first = &reading.entries[0];
    assert_eq!(first.row, 4, "rows as the spreadsheet numbers them");
    assert_eq!(first.occurred.start, day(2019, 3, 12).start);
    assert_eq!(
        first.occurred.time,
        chrono::NaiveTime::from_hms_opt(14, 30, 0)
    );
    assert!(first.description.contains('\n'), "multi-line cells kept");
    assert_eq!(first.actor_role, "PC on response team");
    assert_eq!(
        reading.entries[1].occurred.precision,
        DatePrecision::Approximate
    );
    assert_eq!(reading.problems.len(), 1);
    assert_eq!(reading.problems[0].row, 6);
    assert!(
        reading.problems[0].column.contains("Date"),
        "{:?}",
        reading.problems
    );
}

#[test]
fn csv_in_the_encodings_and_delimiters_agencies_use() {
    let text = "Date;Practitioner;Event\r\n12/03/19;Health visitor;\"New birth visit;\r\nmother tearful\"\r\nw/c 4 May 2020;GP;Café appointment missed (£10 taxi)\r\n";
    // UTF-16 with a BOM (Excel's "Unicode text").
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    // Windows-1252 (older exports).
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    for (name, bytes) in [
        ("utf8.csv", text.as_bytes().to_vec()),
        ("utf16.csv", utf16),
        ("cp1252.csv", cp1252.into_owned()),
    ] {
        let (format, reading) = read_file(name, &bytes, None).expect(name);
        assert_eq!(format, Format::Csv);
        assert_eq!(reading.entries.len(), 2, "{name}: {:?}", reading.problems);
        assert_eq!(reading.entries[0].occurred, day(2019, 3, 12), "{name}");
        assert_eq!(
            reading.entries[0].description, "New birth visit;\r\nmother tearful",
            "{name}"
        );
        assert_eq!(reading.entries[1].occurred.precision, DatePrecision::Range);
        assert_eq!(
            reading.entries[1].row, 3,
            "{name}: numbered as a spreadsheet shows the file"
        );
        assert!(reading.entries[1].description.contains("Café"), "{name}");
        assert!(reading.entries[1].description.contains('£'), "{name}");
    }
}

/// A minimal Word document whose body is `body` (WordprocessingML).
fn docx(body: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("[Content_Types].xml", options)
        .expect("part");
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).expect("write");
    zip.start_file("_rels/.rels", options).expect("part");
    zip.write_all(br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#).expect("write");
    zip.start_file("word/document.xml", options).expect("part");
    write!(zip, r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#).expect("write");
    zip.finish().expect("zip").into_inner()
}

fn cell(text: &str, props: &str) -> String {
    format!(
        "<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p></w:tc>"
    )
}

#[test]
fn a_word_table_with_merged_cells_reads_like_a_sheet() {
    let rows = [
        format!(
            "<w:tr>{}{}</w:tr>",
            cell("Education chronology", "<w:gridSpan w:val=\"3\"/>"),
            ""
        ),
        format!(
            "<w:tr>{}{}{}</w:tr>",
            cell("Date", ""),
            cell("Staff member", ""),
            cell("What happened", "")
        ),
        format!(
            "<w:tr>{}{}{}</w:tr>",
            cell("12 March 2019", "<w:vMerge w:val=\"restart\"/>"),
            cell("Class teacher", ""),
            cell("Child arrived hungry &amp; tired", "")
        ),
        format!(
            "<w:tr>{}{}{}</w:tr>",
            cell("", "<w:vMerge/>"),
            cell("DSL", ""),
            cell("Spoke to mother at pick-up", "")
        ),
    ];
    let bytes = docx(&format!(
        "<w:p><w:r><w:t>Chronology</w:t></w:r></w:p><w:tbl>{}</w:tbl>",
        rows.concat()
    ));
    let (format, reading) = read_file("school.docx", &bytes, None).expect("reads");
    assert_eq!(format, Format::Docx);
    assert_eq!(reading.entries.len(), 2, "{:?}", reading.problems);
    assert_eq!(
        reading.entries[0].description,
        "Child arrived hungry & tired"
    );
    assert_eq!(
        reading.entries[1].occurred,
        day(2019, 3, 12),
        "merged date carried down"
    );
    assert_eq!(reading.entries[1].actor_role, "DSL");
}

#[test]
fn a_file_that_is_not_a_chronology_says_what_it_found() {
    let err = read_file("budget.csv", b"Item,Cost\nPens,3\n", None).expect_err("no date column");
    let message = err.to_string();
    assert!(matches!(err, ImportError::Mapping { .. }));
    assert!(message.starts_with("budget.csv: "), "{message}");
    assert!(message.contains("\"Item\""), "{message}");
    let err = read_file(
        "notes.docx",
        &docx("<w:p><w:r><w:t>No table</w:t></w:r></w:p>"),
        None,
    )
    .expect_err("no table");
    assert!(err.to_string().contains("no table was found"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
    #[test]
    fn arbitrary_bytes_never_panic(
        prefix in proptest::sample::select(vec![
            &b""[..],
            &b"PK\x03\x04"[..],
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..],
            &[0xFF, 0xFE][..],
            &b"Date,Event\n"[..],
        ]),
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        ext in proptest::sample::select(vec!["csv", "xlsx", "xls", "ods", "docx", "txt"]),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(body);
        let _ = read_file(&format!("fuzz.{ext}"), &bytes, None);
    }

    #[test]
    fn damaged_copies_of_real_files_never_panic(
        cut in 0usize..4000,
        flips in proptest::collection::vec((0usize..4000, proptest::num::u8::ANY), 0..8),
    ) {
        let original = docx(&format!("<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
            cell("Date", ""), cell("Event", ""), cell("12/03/2019", ""), cell("Visit", "")));
        let mut bytes = original[..cut.min(original.len())].to_vec();
        for (at, value) in flips {
            if let Some(b) = bytes.get_mut(at) {
                *b = value;
            }
        }
        let _ = read_file("damaged.docx", &bytes, None);
    }
}

#[test]
fn csv_rows_are_numbered_as_a_spreadsheet_shows_them_whatever_the_line_endings() {
    for ending in ["\n", "\r\n", "\r"] {
        let text = [
            "Title",
            "",
            "Date,Event",
            "",
            "12/03/2019,\"Two\nlines\"",
            "13/03/2019,Next",
            "",
        ]
        .join(ending);
        let (_, reading) = read_file("rows.csv", text.as_bytes(), None).expect("reads");
        let rows: Vec<usize> = reading.entries.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![5, 6], "line ending {ending:?}");
    }
}

#[test]
fn rows_and_columns_beyond_the_limits_refuse_the_file_naming_the_limit_and_the_count() {
    use casewindow_chronology::read::{MAX_COLUMNS, MAX_ROWS};
    use std::fmt::Write as _;
    // Exactly the limit imports whole; one more data row refuses the file, counting them all.
    let mut csv = String::from("Date,Details\n");
    for i in 0..MAX_ROWS - 1 {
        let _ = writeln!(csv, "01/02/2024,contact {i}");
    }
    let (_, reading) = read_file("police.csv", csv.as_bytes(), None).expect("at the limit");
    assert_eq!(reading.entries.len() + reading.problems.len(), MAX_ROWS - 1);
    csv.push_str("02/02/2024,one more\n03/02/2024,and another\n");
    let err = read_file("police.csv", csv.as_bytes(), None).expect_err("past the limit");
    let message = err.to_string();
    assert!(
        message.contains("the file has 250002 rows; one import takes at most 250000"),
        "{message}"
    );

    // A column with something in it past the limit refuses; empty trailing ones do not.
    let wide = format!(
        "Date,Details{}\n01/02/2024,visit{}\n",
        ",".repeat(300),
        ",".repeat(300)
    );
    read_file("wide.csv", wide.as_bytes(), None).expect("empty columns are ignored");
    let filled = format!(
        "Date,Details{},late\n01/02/2024,visit\n",
        ",".repeat(MAX_COLUMNS)
    );
    let err = read_file("wide.csv", filled.as_bytes(), None).expect_err("a filled column");
    assert!(err.to_string().contains("row 1 has 203 columns"), "{err}");

    // The same in a workbook.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Date").expect("cell");
    sheet.write(0, 1, "Details").expect("cell");
    sheet.write(1, 0, "01/02/2024").expect("cell");
    sheet
        .write(
            1,
            u16::try_from(MAX_COLUMNS).expect("fits") + 4,
            "stray note",
        )
        .expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let err = read_file("health.xlsx", &bytes, None).expect_err("a filled column");
    assert!(err.to_string().contains("row 2 has 205 columns"), "{err}");

    // And in a Word table.
    let heading = format!("<w:tr>{}{}</w:tr>", cell("Date", ""), cell("Details", ""));
    let wide_row = format!(
        "<w:tr>{}{}{}</w:tr>",
        cell("01/02/2024", ""),
        cell("", "<w:gridSpan w:val=\"203\"/>"),
        cell("stray note", "")
    );
    let err = read_file(
        "school.docx",
        &docx(&format!("<w:tbl>{heading}{wide_row}</w:tbl>")),
        None,
    )
    .expect_err("a filled column");
    assert!(
        err.to_string().contains("table 1, row 2 has 205 columns"),
        "{err}"
    );
}

/// A workbook made by a real writer, with its first sheet's XML changed by `edit`.
fn edited_workbook(edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::Read as _;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, "Date").expect("cell");
    sheet.write(0, 1, "Details").expect("cell");
    sheet.write(1, 0, "01/02/2024").expect("cell");
    sheet.write(1, 1, "visit").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).expect("part");
        let name = part.name().expect("a name").to_string();
        let mut text = Vec::new();
        part.read_to_end(&mut text).expect("read");
        if name == "xl/worksheets/sheet1.xml" {
            text = edit(&String::from_utf8(text).expect("utf-8")).into_bytes();
        }
        out.start_file(name, options).expect("part");
        out.write_all(&text).expect("write");
    }
    out.finish().expect("zip").into_inner()
}

#[test]
fn a_workbook_past_the_row_limit_is_refused_from_what_it_declares_or_its_first_row_past_it() {
    // A small file that declares two million rows: refused before a cell is read.
    let claims = edited_workbook(|xml| {
        xml.replace(
            r#"<dimension ref="A1:B2"/>"#,
            r#"<dimension ref="A1:B2000000"/>"#,
        )
    });
    assert!(claims.len() < 20_000, "{} bytes", claims.len());
    let started = std::time::Instant::now();
    let err = read_file("claims.xlsx", &claims, None).expect_err("refused");
    println!(
        "a workbook claiming 2,000,000 rows refused in {:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(
        message.contains("sheet \"Sheet1\" (by its declared size) has 2000000 rows; one import takes at most 250000"),
        "{message}"
    );

    // One that declares little but holds a row far past the limit: reading stops there.
    let hides = edited_workbook(|xml| {
        xml.replace(
            "</sheetData>",
            r#"<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>late</t></is></c></row></sheetData>"#,
        )
    });
    let err = read_file("hides.xlsx", &hides, None).expect_err("refused");
    assert!(
        err.to_string()
            .contains("sheet \"Sheet1\" has 1000000 rows"),
        "{err}"
    );

    // Empty rows far down (formatting, no content) are not counted.
    let formatted = edited_workbook(|xml| {
        xml.replace(
            "</sheetData>",
            r#"<row r="900000" ht="20" customHeight="1"/></sheetData>"#,
        )
    });
    let (_, reading) = read_file("formatted.xlsx", &formatted, None).expect("read");
    assert_eq!(reading.entries.len() + reading.problems.len(), 1);
}

/// An OpenDocument spreadsheet whose one table's rows are `rows` (table:table-row elements).
fn ods(rows: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).expect("part");
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("write");
    zip.start_file("META-INF/manifest.xml", stored)
        .expect("part");
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).expect("write");
    zip.start_file("content.xml", stored).expect("part");
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Police">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip.write_all(content.as_bytes()).expect("write");
    zip.finish().expect("zip").into_inner()
}

fn ods_row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!(r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#))
        .collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

#[test]
fn an_opendocument_sheet_repeating_a_row_past_the_limit_is_refused_before_it_is_expanded() {
    let heading = ods_row(&["Date", "Details"]);
    let fine = ods(&format!("{heading}{}", ods_row(&["01/02/2024", "visit"])));
    let (_, reading) = read_file("police.ods", &fine, None).expect("a small sheet reads");
    assert_eq!(reading.entries.len(), 1);

    // One filled row, repeated two million times: tiny on disk, refused before expansion.
    let repeated = ods(&format!(
        r#"{heading}<table:table-row table:number-rows-repeated="2000000"><table:table-cell office:value-type="string"><text:p>01/02/2024</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>visit</text:p></table:table-cell></table:table-row>"#
    ));
    assert!(repeated.len() < 4_000);
    let err = read_file("police.ods", &repeated, None).expect_err("refused");
    assert!(
        err.to_string()
            .contains("sheet \"Police\" has 2000001 rows; one import takes at most 250000"),
        "{err}"
    );

    // A filled cell repeated across 300 columns.
    let wide = ods(&format!(
        r#"{heading}<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="300"><text:p>x</text:p></table:table-cell></table:table-row>"#
    ));
    let err = read_file("police.ods", &wide, None).expect_err("refused");
    assert!(
        err.to_string()
            .contains("sheet \"Police\", row 2 has 300 columns"),
        "{err}"
    );

    // Empty rows repeated to the sheet's end (as spreadsheet programs write them) are not rows.
    let padded = ods(&format!(
        r#"{heading}{}<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        ods_row(&["01/02/2024", "visit"])
    ));
    let (_, reading) = read_file("police.ods", &padded, None).expect("padding is not rows");
    assert_eq!(reading.entries.len(), 1);
}

#[test]
fn text_past_the_headed_columns_is_a_problem_named_by_its_row_not_a_silent_loss() {
    let csv = "Date,Details\n01/02/2024,Visit\n02/02/2024,Spoke to mother, who was upset\n";
    let (_, reading) = read_file("police.csv", csv.as_bytes(), None).expect("read");
    assert_eq!(reading.entries.len(), 1);
    assert_eq!(reading.problems.len(), 1);
    let problem = &reading.problems[0];
    assert_eq!((problem.row, problem.column.as_str()), (3, "C"));
    assert!(problem.reason.contains("not quoted"), "{}", problem.reason);
    // Quoted, the same text is one cell.
    let quoted = "Date,Details\n02/02/2024,\"Spoke to mother, who was upset\"\n";
    let (_, reading) = read_file("police.csv", quoted.as_bytes(), None).expect("read");
    assert!(reading.problems.is_empty());
    assert_eq!(
        reading.entries[0].description,
        "Spoke to mother, who was upset"
    );
}
