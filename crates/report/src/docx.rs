//! The Word document, written as Office Open XML: real heading styles (so Word's navigation
//! pane and table of contents work), a table-of-contents field Word refreshes on opening, numbered
//! lists that restart for each list, tables with repeating header rows, and document properties.
//! Everything stays editable: no text is drawn as an image. Charts go in as their table, since
//! Word documents cannot hold SVG without a bitmap copy.

use crate::chart::escape;
use crate::model::{Block, Document, FindingBlock, Table};
use std::fmt::Write as _;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

/// A Word document that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the Word document could not be written: {0}")]
pub struct DocxError(String);

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:updateFields w:val="true"/><w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

/// A paragraph style: id, name, outline level (for headings), size in half-points, bold,
/// space before and after in twentieths of a point, colour.
struct Style {
    id: &'static str,
    name: &'static str,
    outline: Option<u8>,
    size: u32,
    bold: bool,
    before: u32,
    after: u32,
    colour: &'static str,
}

const STYLES: &[Style] = &[
    Style {
        id: "Title",
        name: "Title",
        outline: None,
        size: 52,
        bold: true,
        before: 2400,
        after: 240,
        colour: "0B0C0C",
    },
    Style {
        id: "Subtitle",
        name: "Subtitle",
        outline: None,
        size: 32,
        bold: false,
        before: 0,
        after: 480,
        colour: "505A5F",
    },
    Style {
        id: "Heading1",
        name: "heading 1",
        outline: Some(0),
        size: 36,
        bold: true,
        before: 360,
        after: 180,
        colour: "0B0C0C",
    },
    Style {
        id: "Heading2",
        name: "heading 2",
        outline: Some(1),
        size: 28,
        bold: true,
        before: 300,
        after: 120,
        colour: "0B0C0C",
    },
    Style {
        id: "Heading3",
        name: "heading 3",
        outline: Some(2),
        size: 24,
        bold: true,
        before: 240,
        after: 80,
        colour: "0B0C0C",
    },
    Style {
        id: "FindingStatement",
        name: "Finding statement",
        outline: None,
        size: 24,
        bold: true,
        before: 80,
        after: 120,
        colour: "0B0C0C",
    },
    Style {
        id: "Caption",
        name: "caption",
        outline: None,
        size: 20,
        bold: true,
        before: 120,
        after: 60,
        colour: "505A5F",
    },
    Style {
        id: "Marking",
        name: "Protective marking",
        outline: None,
        size: 20,
        bold: true,
        before: 0,
        after: 120,
        colour: "A4262C",
    },
    Style {
        id: "TOCHeading",
        name: "TOC Heading",
        outline: None,
        size: 32,
        bold: true,
        before: 0,
        after: 240,
        colour: "0B0C0C",
    },
];

fn styles_xml() -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {NS}><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="80"/><w:ind w:left="720"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:spacing w:after="80"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:ind w:left="240"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:rPr><w:sz w:val="18"/></w:rPr></w:style><w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:left w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:right w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/></w:tblBorders><w:tblCellMar><w:left w:w="100" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#
    );
    for style in STYLES {
        let _ = write!(
            out,
            r#"<w:style w:type="paragraph" w:styleId="{}"><w:name w:val="{}"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="{}" w:after="{}"/>{}</w:pPr><w:rPr>{}<w:color w:val="{}"/><w:sz w:val="{}"/><w:szCs w:val="{}"/></w:rPr></w:style>"#,
            style.id,
            style.name,
            style.before,
            style.after,
            style
                .outline
                .map(|l| format!(r#"<w:outlineLvl w:val="{l}"/>"#))
                .unwrap_or_default(),
            if style.bold { "<w:b/><w:bCs/>" } else { "" },
            style.colour,
            style.size,
            style.size
        );
    }
    out.push_str("</w:styles>");
    out
}

/// Numbering: id 1 is the bullet list; every numbered list gets its own id so each starts at 1.
fn numbering_xml(numbered_lists: usize) -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {NS}><w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#
    );
    for idx in 0..numbered_lists {
        let _ = write!(
            out,
            r#"<w:num w:numId="{}"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>"#,
            idx + 2
        );
    }
    out.push_str("</w:numbering>");
    out
}

fn run(text: &str, bold: bool) -> String {
    format!(
        r#"<w:r>{}<w:t xml:space="preserve">{}</w:t></w:r>"#,
        if bold { "<w:rPr><w:b/></w:rPr>" } else { "" },
        escape(text)
    )
}

fn paragraph(style: Option<&str>, runs: &str) -> String {
    match style {
        Some(style) => format!(r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{runs}</w:p>"#),
        None => format!("<w:p>{runs}</w:p>"),
    }
}

fn list_item(num_id: usize, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr>{}</w:p>"#,
        run(text, false)
    )
}

/// Characters in a cell beyond which its row may be split across pages.
const LONG_ROW: usize = 600;

fn table(out: &mut String, table: &Table) {
    out.push_str(&paragraph(Some("Caption"), &run(&table.caption, false)));
    let columns = table.header.len().max(1);
    // The text width of an A4 page with 1300-twip margins, and about how many characters of the
    // body font fill it.
    let widths = table.column_widths(9306.0, 78.0);
    let _ = write!(
        out,
        r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>"#
    );
    for width in &widths {
        let _ = write!(out, r#"<w:gridCol w:w="{:.0}"/>"#, width.floor());
    }
    out.push_str(r#"</w:tblGrid><w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>"#);
    for cell in &table.header {
        let _ = write!(
            out,
            r#"<w:tc><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F3F2F1"/></w:tcPr>{}</w:tc>"#,
            paragraph(None, &run(cell, true))
        );
    }
    out.push_str("</w:tr>");
    for row in &table.rows {
        // A row is kept on one page unless it is long enough that it might not fit on one.
        let long = row.iter().map(|cell| cell.chars().count()).max() > Some(LONG_ROW);
        out.push_str(if long {
            "<w:tr>"
        } else {
            "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        });
        for idx in 0..columns {
            let cell = row.get(idx).map_or("", String::as_str);
            let _ = write!(out, "<w:tc>{}</w:tc>", paragraph(None, &run(cell, false)));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out.push_str(&paragraph(None, ""));
}

fn finding(out: &mut String, finding: &FindingBlock, lists: &mut usize) {
    out.push_str(&paragraph(
        Some("Heading2"),
        &run(&format!("Finding {}", finding.number), false),
    ));
    out.push_str(&paragraph(
        Some("FindingStatement"),
        &run(&finding.statement, false),
    ));
    out.push_str(&paragraph(
        None,
        &format!(
            "{}{}{}{}",
            run("Pattern: ", true),
            run(&finding.pattern, false),
            run("   Polarity: ", true),
            run(&finding.polarity, false)
        ),
    ));
    for part in &finding.parts {
        out.push_str(&paragraph(Some("Heading3"), &run(&part.label, false)));
        for text in &part.paragraphs {
            out.push_str(&paragraph(None, &run(text, false)));
        }
    }
    if !finding.questions.is_empty() {
        out.push_str(&paragraph(
            Some("Heading3"),
            &run("Questions for the partnership", false),
        ));
        numbered(out, lists, &finding.questions);
    }
}

/// A numbered list that starts at 1: each gets its own numbering instance, after the bullets'.
fn numbered(out: &mut String, lists: &mut usize, items: &[String]) {
    *lists += 1;
    for item in items {
        out.push_str(&list_item(*lists + 1, item));
    }
}

/// The table-of-contents field, with the headings already filled in so that the document reads
/// well even before Word refreshes the field (Word asks to on opening; LibreOffice keeps it).
fn contents(out: &mut String, document: &Document) {
    out.push_str(&paragraph(Some("TOCHeading"), &run("Contents", false)));
    let headings: Vec<(u8, &str)> = document
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, text } if *level <= 2 => Some((*level, text.as_str())),
            _ => None,
        })
        .collect();
    let begin = r#"<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \o "1-2" \h \z \u </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>"#;
    let end = r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#;
    if headings.is_empty() {
        out.push_str(&paragraph(None, &format!("{begin}{end}")));
        return;
    }
    let last = headings.len() - 1;
    for (idx, (level, text)) in headings.iter().enumerate() {
        let style = if *level == 1 { "TOC1" } else { "TOC2" };
        let mut runs = String::new();
        if idx == 0 {
            runs.push_str(begin);
        }
        runs.push_str(&run(text, false));
        if idx == last {
            runs.push_str(end);
        }
        out.push_str(&paragraph(Some(style), &runs));
    }
}

fn document_xml(document: &Document) -> (String, usize) {
    let mut body = String::new();
    let mut lists = 0;
    body.push_str(&paragraph(Some("Marking"), &run(&document.marking, false)));
    body.push_str(&paragraph(Some("Title"), &run(&document.title, false)));
    body.push_str(&paragraph(
        Some("Subtitle"),
        &run(&document.subtitle, false),
    ));
    for meta in &document.meta {
        body.push_str(&paragraph(None, &run(meta, false)));
    }
    let page_break = r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#;
    if document.kind == crate::model::DocumentKind::Report {
        body.push_str(page_break);
    }
    for block in &document.blocks {
        match block {
            Block::Heading { level, text } => {
                let style = format!("Heading{}", level.clamp(&1, &3));
                body.push_str(&paragraph(Some(&style), &run(text, false)));
            }
            Block::Paragraph { text } => body.push_str(&paragraph(None, &run(text, false))),
            Block::Labelled { label, text } => body.push_str(&paragraph(
                None,
                &format!("{}{}", run(&format!("{label}: "), true), run(text, false)),
            )),
            Block::Bullets { items } => {
                for item in items {
                    body.push_str(&list_item(1, item));
                }
            }
            Block::Numbered { items } => numbered(&mut body, &mut lists, items),
            Block::Finding(f) => finding(&mut body, f, &mut lists),
            Block::Table(t) => table(&mut body, t),
            Block::Figure(figure) => {
                body.push_str(&paragraph(None, &run(&figure.alt, false)));
                table(&mut body, &figure.table);
            }
            Block::Contents => contents(&mut body, document),
            Block::PageBreak => body.push_str(page_break),
        }
    }
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{body}<w:sectPr><w:footerReference w:type="default" r:id="rId4"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1300" w:bottom="1440" w:left="1300" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    (xml, lists)
}

fn footer_xml(document: &Document) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr {NS}><w:p><w:pPr><w:pStyle w:val="Footer"/><w:tabs><w:tab w:val="right" w:pos="9300"/></w:tabs></w:pPr>{}<w:r><w:tab/></w:r>{}<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>"#,
        run(&document.marking, false),
        run("Page ", false)
    )
}

fn core_xml(document: &Document) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>casewindow</dc:creator><dc:language>en-GB</dc:language></cp:coreProperties>"#,
        escape(&document.title),
        escape(&document.subtitle)
    )
}

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>casewindow</Application></Properties>"#;

/// The document as a `.docx` file.
///
/// # Errors
/// Only if the zip archive cannot be written in memory.
pub fn render(document: &Document) -> Result<Vec<u8>, DocxError> {
    let (body, lists) = document_xml(document);
    let parts: [(&str, String); 10] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_owned()),
        ("_rels/.rels", PACKAGE_RELS.to_owned()),
        ("docProps/core.xml", core_xml(document)),
        ("docProps/app.xml", APP.to_owned()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_owned()),
        ("word/document.xml", body),
        ("word/styles.xml", styles_xml()),
        ("word/numbering.xml", numbering_xml(lists)),
        ("word/settings.xml", SETTINGS.to_owned()),
        ("word/footer1.xml", footer_xml(document)),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let fail = |e: &dyn std::fmt::Display| DocxError(e.to_string());
    for (name, content) in &parts {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(content.as_bytes()).map_err(|e| fail(&e))?;
    }
    let cursor = zip.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}
