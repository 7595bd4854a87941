//! Word (.docx) reports: `word/document.xml` streamed with quick-xml (no document model, no DTD,
//! no external entities), with the styles (which paragraphs are headings, and at what level)
//! and the list numbering (so "5.3" or "Finding 2" typed by Word's numbering is read as printed).
//! Word does not store pages; they are counted from page breaks, section breaks and the breaks
//! Word last rendered, so a page number is as good as the file's own record of them.

use crate::ReadError;
use crate::text::{Block, Kind, Text, squash, unligature};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Cursor, Read as _};

const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Blocks kept from one document; a report has a few thousand at most.
const MAX_BLOCKS: usize = 200_000;
const MAX_TABLE_DEPTH: usize = 32;

fn damaged(file: &str, reason: impl Into<String>) -> ReadError {
    ReadError::Damaged {
        file: file.to_owned(),
        format: "Word",
        reason: reason.into(),
    }
}

fn part(
    file: &str,
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<Vec<u8>>, ReadError> {
    let Ok(entry) = archive.by_name(name) else {
        return Ok(None);
    };
    if entry.size() > MAX_PART_BYTES {
        return Err(ReadError::TooLarge {
            file: file.to_owned(),
            what: format!("{name} unpacks to more than {} MB", MAX_PART_BYTES >> 20),
        });
    }
    let mut bytes = Vec::new();
    entry
        .take(MAX_PART_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| damaged(file, format!("{name} cannot be unpacked: {e}")))?;
    Ok(Some(bytes))
}

/// The main part: the package relationship of type officeDocument, else `word/document.xml`.
fn main_part(file: &str, archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    let rels = part(file, archive, "_rels/.rels")
        .ok()
        .flatten()
        .unwrap_or_default();
    let rels = String::from_utf8_lossy(&rels);
    let from_rels = rels.split("<Relationship").find_map(|r| {
        if !r.contains("/officeDocument\"") {
            return None;
        }
        let target = r.split("Target=\"").nth(1)?.split('"').next()?;
        Some(target.trim_start_matches('/').to_owned())
    });
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    from_rels
        .filter(|t| names.contains(t))
        .or_else(|| names.iter().find(|n| *n == "word/document.xml").cloned())
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == name)
        .map(|a| a.value.to_string())
}

/// `w:b` and the like: on unless `w:val` says false.
fn toggled(e: &BytesStart<'_>) -> bool {
    !matches!(
        attribute(e, "val").as_deref(),
        Some("0" | "false" | "off" | "none")
    )
}

fn xml_error(file: &str, e: &quick_xml::Error) -> ReadError {
    let detail: String = e.to_string().chars().take(80).collect();
    damaged(file, format!("its XML is damaged: {detail}"))
}

/// Events of one part, refusing a DOCTYPE (Word never writes one; entity tricks do).
fn each_event(
    file: &str,
    xml: &[u8],
    mut on: impl FnMut(Event<'_>) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(file, &e))?;
        match event {
            Event::Eof => return Ok(()),
            Event::DocType(_) => {
                return Err(damaged(
                    file,
                    "it declares its own entities, which casewindow never reads",
                ));
            }
            other => on(other)?,
        }
        buf.clear();
    }
}

#[derive(Debug, Clone, Default)]
struct Style {
    based_on: Option<String>,
    heading: Option<u8>,
    bold: Option<bool>,
    numbering: Option<(String, u8)>,
}

/// Paragraph styles by id, with what they inherit resolved.
fn styles(file: &str, xml: Option<&[u8]>) -> Result<HashMap<String, Style>, ReadError> {
    let mut out: HashMap<String, Style> = HashMap::new();
    let Some(xml) = xml else {
        return Ok(out);
    };
    let mut current: Option<(String, Style)> = None;
    let mut in_run_props = false;
    let mut num_id: Option<String> = None;
    each_event(file, xml, |event| {
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().into_inner() {
                "style" => {
                    let paragraph = attribute(&e, "type").is_none_or(|t| t == "paragraph");
                    current = attribute(&e, "styleId")
                        .filter(|_| paragraph)
                        .map(|id| (id, Style::default()));
                }
                "name" => {
                    if let Some((_, style)) = current.as_mut() {
                        let name = attribute(&e, "val").unwrap_or_default().to_lowercase();
                        if name == "title" {
                            style.heading = Some(0);
                        } else if let Some(n) = name.strip_prefix("heading ") {
                            style.heading = n.trim().parse().ok();
                        }
                    }
                }
                "basedOn" => {
                    if let Some((_, style)) = current.as_mut() {
                        style.based_on = attribute(&e, "val");
                    }
                }
                "outlineLvl" => {
                    if let Some((_, style)) = current.as_mut()
                        && style.heading.is_none()
                    {
                        style.heading = attribute(&e, "val")
                            .and_then(|v| v.parse::<u8>().ok())
                            .filter(|v| *v < 9)
                            .map(|v| v + 1);
                    }
                }
                "rPr" => in_run_props = true,
                "b" if in_run_props => {
                    if let Some((_, style)) = current.as_mut() {
                        style.bold = Some(toggled(&e));
                    }
                }
                "numId" => num_id = attribute(&e, "val"),
                "ilvl" => {
                    if let Some((_, style)) = current.as_mut()
                        && let Some(id) = num_id.clone()
                    {
                        style.numbering = Some((
                            id,
                            attribute(&e, "val")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(0),
                        ));
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().into_inner() {
                "rPr" => in_run_props = false,
                "numPr" => {
                    if let Some((_, style)) = current.as_mut()
                        && style.numbering.is_none()
                        && let Some(id) = num_id.take()
                    {
                        style.numbering = Some((id, 0));
                    }
                    num_id = None;
                }
                "style" => {
                    if let Some((id, style)) = current.take() {
                        out.insert(id, style);
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Ok(())
    })?;
    // Inheritance, at most a few levels deep (a loop in basedOn ends there).
    let raw = out.clone();
    for style in out.values_mut() {
        let mut parent = style.based_on.clone();
        for _ in 0..8 {
            let Some(p) = parent.as_ref().and_then(|p| raw.get(p)) else {
                break;
            };
            style.heading = style.heading.or(p.heading);
            style.bold = style.bold.or(p.bold);
            style.numbering = style.numbering.clone().or_else(|| p.numbering.clone());
            parent = p.based_on.clone();
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

#[derive(Debug, Default)]
struct Numbering {
    /// numId → abstractNumId.
    nums: HashMap<String, String>,
    /// numId → level → start override.
    overrides: HashMap<String, HashMap<u8, u32>>,
    /// abstractNumId → its levels.
    levels: HashMap<String, HashMap<u8, Level>>,
    /// Counters per abstract list and level.
    counters: HashMap<String, [u32; 9]>,
}

fn numbering(file: &str, xml: Option<&[u8]>) -> Result<Numbering, ReadError> {
    let mut out = Numbering::default();
    let Some(xml) = xml else {
        return Ok(out);
    };
    let mut abstract_id: Option<String> = None;
    let mut level: Option<(u8, Level)> = None;
    let mut num: Option<String> = None;
    let mut override_level: Option<u8> = None;
    each_event(file, xml, |event| {
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().into_inner() {
                "abstractNum" => abstract_id = attribute(&e, "abstractNumId"),
                "lvl" => {
                    let ilvl = attribute(&e, "ilvl")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    if abstract_id.is_some() && num.is_none() {
                        level = Some((
                            ilvl,
                            Level {
                                start: 1,
                                ..Level::default()
                            },
                        ));
                    }
                }
                "start" => {
                    if let Some((_, l)) = level.as_mut() {
                        l.start = attribute(&e, "val")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1);
                    }
                }
                "numFmt" => {
                    if let Some((_, l)) = level.as_mut() {
                        l.format = attribute(&e, "val").unwrap_or_default();
                    }
                }
                "lvlText" => {
                    if let Some((_, l)) = level.as_mut() {
                        l.text = attribute(&e, "val").unwrap_or_default();
                    }
                }
                "num" => num = attribute(&e, "numId"),
                "abstractNumId" => {
                    if let Some(n) = num.clone() {
                        out.nums.insert(n, attribute(&e, "val").unwrap_or_default());
                    }
                }
                "lvlOverride" => {
                    override_level = attribute(&e, "ilvl").and_then(|v| v.parse().ok());
                }
                "startOverride" => {
                    if let (Some(n), Some(ilvl)) = (num.clone(), override_level) {
                        let start = attribute(&e, "val")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1);
                        out.overrides.entry(n).or_default().insert(ilvl, start);
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().into_inner() {
                "lvl" => {
                    if let (Some(id), Some((ilvl, l))) = (abstract_id.clone(), level.take()) {
                        out.levels.entry(id).or_default().insert(ilvl, l);
                    }
                }
                "abstractNum" => abstract_id = None,
                "num" => num = None,
                _ => {}
            },
            _ => {}
        }
        Ok(())
    })?;
    Ok(out)
}

fn roman(mut n: u32) -> String {
    let mut out = String::new();
    for (value, digits) in [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ] {
        while n >= value && out.len() < 32 {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

fn letter(n: u32) -> String {
    if n == 0 {
        return String::new();
    }
    let c = char::from(b'a' + u8::try_from((n - 1) % 26).unwrap_or(0));
    std::iter::repeat_n(c, usize::try_from((n - 1) / 26 + 1).unwrap_or(1).min(4)).collect()
}

fn formatted(n: u32, format: &str) -> String {
    match format {
        "lowerLetter" => letter(n),
        "upperLetter" => letter(n).to_uppercase(),
        "lowerRoman" => roman(n),
        "upperRoman" => roman(n).to_uppercase(),
        "bullet" => String::new(),
        "none" => String::new(),
        _ => n.to_string(),
    }
}

impl Numbering {
    /// The label Word prints for the next paragraph of list `num_id` at level `ilvl`.
    fn next(&mut self, num_id: &str, ilvl: u8) -> Option<String> {
        let ilvl = ilvl.min(8);
        let abstract_id = self.nums.get(num_id)?.clone();
        let levels = self.levels.get(&abstract_id)?;
        let level = levels.get(&ilvl)?;
        if level.format == "bullet" {
            return Some("•".to_owned());
        }
        let starts: Vec<u32> = (0..9u8)
            .map(|l| {
                self.overrides
                    .get(num_id)
                    .and_then(|o| o.get(&l))
                    .copied()
                    .or_else(|| levels.get(&l).map(|x| x.start))
                    .unwrap_or(1)
            })
            .collect();
        let counters = self
            .counters
            .entry(abstract_id)
            .or_insert_with(|| std::array::from_fn(|l| starts[l].saturating_sub(1)));
        let i = usize::from(ilvl);
        counters[i] = counters[i].saturating_add(1);
        for deeper in i + 1..9 {
            counters[deeper] = starts[deeper].saturating_sub(1);
        }
        let mut label = level.text.clone();
        for l in 0..=i {
            let value = counters[l].max(starts[l]);
            let format = levels
                .get(&(l as u8))
                .map_or("decimal", |x| x.format.as_str());
            label = label.replace(&format!("%{}", l + 1), &formatted(value, format));
        }
        Some(label.trim().to_owned())
    }
}

/// A paragraph being read.
#[derive(Default)]
struct Paragraph {
    style: Option<String>,
    num: Option<String>,
    ilvl: u8,
    outline: Option<u8>,
    text: String,
    bold: String,
    bold_ended: bool,
    run_bold: Option<bool>,
    page: u32,
}

#[derive(Default)]
struct TableState {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    cell: Option<String>,
    page: u32,
}

/// Reads a Word document.
///
/// # Errors
/// Not a Word document, damaged, or larger than casewindow reads.
pub fn read(file: &str, bytes: &[u8]) -> Result<Text, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| damaged(file, format!("it is not a readable zip archive: {e}")))?;
    let main = main_part(file, &mut archive).ok_or_else(|| ReadError::Unsupported {
        file: file.to_owned(),
    })?;
    let document = part(file, &mut archive, &main)?
        .ok_or_else(|| damaged(file, format!("{main} is missing")))?;
    let styles = styles(
        file,
        part(file, &mut archive, "word/styles.xml")?.as_deref(),
    )?;
    let mut numbering = numbering(
        file,
        part(file, &mut archive, "word/numbering.xml")?.as_deref(),
    )?;
    let metadata_title = part(file, &mut archive, "docProps/core.xml")?
        .and_then(|xml| core_title(file, &xml).ok().flatten());

    let mut blocks: Vec<Block> = Vec::new();
    let mut page: u32 = 1;
    let mut just_broke = false;
    let mut paragraph: Option<Paragraph> = None;
    let mut tables: Vec<TableState> = Vec::new();
    let mut table_count: u32 = 0;
    let mut in_text = false;
    let mut skip_depth = 0usize;
    let mut in_run_props = false;
    let mut in_paragraph_props = false;
    let mut section_break = false;

    each_event(file, &document, |event| {
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().into_inner();
                if skip_depth > 0 {
                    if !empty {
                        skip_depth += 1;
                    }
                    return Ok(());
                }
                match name {
                    // Deleted text, field codes, footnote and comment marks are not the text.
                    "del" | "instrText" | "delText" | "moveFrom" if !empty => skip_depth = 1,
                    "p" => {
                        paragraph = Some(Paragraph {
                            page,
                            ..Paragraph::default()
                        });
                    }
                    "pPr" => in_paragraph_props = true,
                    "rPr" => in_run_props = true,
                    "pStyle" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.style = attribute(&e, "val");
                        }
                    }
                    "numId" if in_paragraph_props => {
                        if let Some(p) = paragraph.as_mut() {
                            p.num = attribute(&e, "val");
                        }
                    }
                    "ilvl" if in_paragraph_props => {
                        if let Some(p) = paragraph.as_mut() {
                            p.ilvl = attribute(&e, "val")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(0);
                        }
                    }
                    "outlineLvl" if in_paragraph_props => {
                        if let Some(p) = paragraph.as_mut() {
                            p.outline = attribute(&e, "val")
                                .and_then(|v| v.parse::<u8>().ok())
                                .filter(|v| *v < 9)
                                .map(|v| v + 1);
                        }
                    }
                    "pageBreakBefore" if in_paragraph_props && toggled(&e) => {
                        if !just_broke && blocks.last().is_some() {
                            page += 1;
                            just_broke = true;
                        }
                        if let Some(p) = paragraph.as_mut() {
                            p.page = page;
                        }
                    }
                    "sectPr" if in_paragraph_props => section_break = true,
                    "type"
                        if section_break
                            && attribute(&e, "val").is_some_and(|v| v == "continuous") =>
                    {
                        section_break = false;
                    }
                    "b" if in_run_props && !in_paragraph_props => {
                        if let Some(p) = paragraph.as_mut() {
                            p.run_bold = Some(toggled(&e));
                        }
                    }
                    "r" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.run_bold = None;
                        }
                    }
                    "t" if !empty => in_text = true,
                    "tab" if !in_paragraph_props => push(&mut paragraph, &styles, " "),
                    "br" | "cr" => {
                        if attribute(&e, "type").is_some_and(|t| t == "page") {
                            page += 1;
                            just_broke = true;
                        } else {
                            push(&mut paragraph, &styles, " ");
                        }
                    }
                    "lastRenderedPageBreak" => {
                        if !just_broke && blocks.last().is_some() {
                            page += 1;
                        }
                        just_broke = true;
                    }
                    "noBreakHyphen" => push(&mut paragraph, &styles, "-"),
                    "sym" => {}
                    "tbl" => {
                        if tables.len() >= MAX_TABLE_DEPTH {
                            return Err(damaged(file, "its tables are nested too deeply"));
                        }
                        if tables.is_empty() {
                            table_count += 1;
                        }
                        tables.push(TableState {
                            page,
                            ..TableState::default()
                        });
                    }
                    "tc" => {
                        if let Some(t) = tables.last_mut() {
                            t.cell = Some(String::new());
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_text && skip_depth == 0 => {
                let text = t.as_ref().to_owned();
                just_broke = false;
                push(&mut paragraph, &styles, &text);
            }
            Event::GeneralRef(r) if in_text && skip_depth == 0 => {
                let name = r.as_ref().to_owned();
                let text = match name.as_str() {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    _ => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .unwrap_or_default(),
                };
                push(&mut paragraph, &styles, &text);
            }
            Event::End(e) => {
                if skip_depth > 0 {
                    skip_depth -= 1;
                    return Ok(());
                }
                match e.local_name().into_inner() {
                    "t" => in_text = false,
                    "pPr" => in_paragraph_props = false,
                    "rPr" => in_run_props = false,
                    "p" => {
                        if let Some(p) = paragraph.take() {
                            let block = finish_paragraph(p, &styles, &mut numbering, page);
                            match (tables.last_mut(), block) {
                                (Some(t), Some(block)) => {
                                    if let Some(cell) = t.cell.as_mut() {
                                        if !cell.is_empty() {
                                            cell.push('\n');
                                        }
                                        if cell.len() < 1_000_000 {
                                            // A statement in bold followed by its evidence
                                            // in the same paragraph: two lines of the cell.
                                            let bold = block.bold_prefix.as_deref().unwrap_or("");
                                            match block.text.strip_prefix(bold) {
                                                Some(rest)
                                                    if cell.is_empty()
                                                        && !bold.is_empty()
                                                        && !rest.trim().is_empty() =>
                                                {
                                                    cell.push_str(bold);
                                                    cell.push('\n');
                                                    cell.push_str(rest.trim());
                                                }
                                                _ => cell.push_str(&block.text),
                                            }
                                        }
                                    }
                                }
                                (None, Some(block)) => {
                                    if blocks.len() >= MAX_BLOCKS {
                                        return Err(ReadError::TooLarge {
                                            file: file.to_owned(),
                                            what: format!("more than {MAX_BLOCKS} paragraphs"),
                                        });
                                    }
                                    blocks.push(block);
                                }
                                _ => {}
                            }
                        }
                        if section_break {
                            section_break = false;
                            page += 1;
                            just_broke = true;
                        }
                    }
                    "tc" => {
                        if let Some(t) = tables.last_mut()
                            && let Some(cell) = t.cell.take()
                        {
                            t.row.push(cell);
                        }
                    }
                    "tr" => {
                        let depth = tables.len();
                        if let Some(t) = tables.last_mut() {
                            let row = std::mem::take(&mut t.row);
                            if row.iter().any(|c| !c.trim().is_empty()) {
                                if depth == 1 {
                                    let cells: Vec<String> = row;
                                    let text = squash(&cells.join("\t"));
                                    let start = t.page;
                                    blocks.push(Block {
                                        page: start,
                                        last_page: page,
                                        kind: Kind::Row {
                                            table: table_count,
                                            cells,
                                        },
                                        text,
                                        bold_prefix: None,
                                        size: 1.0,
                                    });
                                    t.page = page;
                                } else {
                                    t.rows.push(row);
                                }
                            }
                        }
                    }
                    "tbl" => {
                        if let Some(done) = tables.pop() {
                            // A table in a cell: its rows join the cell's text.
                            if let Some(cell) = tables.last_mut().and_then(|t| t.cell.as_mut()) {
                                for row in done.rows {
                                    if !cell.is_empty() {
                                        cell.push('\n');
                                    }
                                    cell.push_str(&squash(&row.join(" ")));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(Text {
        metadata_title,
        pages: page,
        blocks,
    })
}

fn push(paragraph: &mut Option<Paragraph>, styles: &HashMap<String, Style>, text: &str) {
    let Some(p) = paragraph.as_mut() else {
        return;
    };
    if p.text.len() > 1_000_000 {
        return;
    }
    let style_bold = p
        .style
        .as_ref()
        .and_then(|s| styles.get(s))
        .and_then(|s| s.bold)
        .unwrap_or(false);
    let bold = p.run_bold.unwrap_or(style_bold);
    p.text.push_str(text);
    if !p.bold_ended {
        if bold || text.trim().is_empty() {
            p.bold.push_str(text);
        } else {
            p.bold_ended = true;
        }
    }
}

fn finish_paragraph(
    p: Paragraph,
    styles: &HashMap<String, Style>,
    numbering: &mut Numbering,
    page: u32,
) -> Option<Block> {
    let style = p.style.as_ref().and_then(|s| styles.get(s));
    let list = p
        .num
        .clone()
        .map(|n| (n, p.ilvl))
        .or_else(|| style.and_then(|s| s.numbering.clone()));
    let label = list
        .filter(|(n, _)| n != "0")
        .and_then(|(n, ilvl)| numbering.next(&n, ilvl))
        .filter(|l| !l.is_empty());
    let body = squash(&unligature(&p.text));
    if body.is_empty() {
        return None;
    }
    let heading = p.outline.or_else(|| style.and_then(|s| s.heading));
    let text = match &label {
        Some(l) if l != "•" => format!("{l} {body}"),
        _ => body.clone(),
    };
    let bold = squash(&unligature(&p.bold));
    let bold_prefix = (!bold.is_empty()).then(|| match &label {
        Some(l) if l != "•" && bold.len() >= body.len() => text.clone(),
        _ => bold,
    });
    let kind = match (heading, label) {
        (Some(level), _) => Kind::Heading { level },
        (None, Some(label)) => Kind::ListItem { label },
        (None, None) => Kind::Paragraph,
    };
    Some(Block {
        page: p.page,
        last_page: page,
        kind,
        text,
        bold_prefix,
        size: 1.0,
    })
}

fn core_title(file: &str, xml: &[u8]) -> Result<Option<String>, ReadError> {
    let mut in_title = false;
    let mut title = String::new();
    each_event(file, xml, |event| {
        match event {
            Event::Start(e) if e.local_name().into_inner() == "title" => in_title = true,
            Event::End(e) if e.local_name().into_inner() == "title" => in_title = false,
            Event::Text(t) if in_title => title.push_str(t.as_ref()),
            _ => {}
        }
        Ok(())
    })?;
    let title = squash(&title);
    Ok((!title.is_empty()).then_some(title))
}
