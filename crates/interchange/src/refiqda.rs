//! REFI-QDA, the exchange standard of qualitative-analysis software (NVivo, ATLAS.ti, MAXQDA,
//! QualCoder and others): codebooks (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`) and
//! projects (`.qdpx`: a zip holding `project.qde`, namespace `urn:QDA-XML:project:1.0`, and
//! each text source as a UTF-8 file under `sources/`).
//!
//! Writing is deterministic: the same codes and sources give the same bytes, so an analyst who
//! exports again gets the same GUIDs and their software can merge. Positions in the standard
//! are counted in characters (Unicode scalar values) from the start of the text, zero-based,
//! end exclusive; callers give byte ranges and this module converts them.
//!
//! Reading a codebook made elsewhere is defensive: a size limit, no document type declarations
//! (so no entity expansion), a depth and a count limit, and every problem named by the code's
//! place in the tree.

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use uuid::Uuid;

/// The codebook namespace.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";
/// The project namespace.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The largest codebook file read.
pub const MAX_CODEBOOK_BYTES: usize = 4 * 1024 * 1024;
/// The most codes read from one codebook.
pub const MAX_CODES: usize = 5_000;
/// The deepest nesting of codes read.
pub const MAX_DEPTH: usize = 16;
/// The longest code name kept.
pub const MAX_NAME_CHARS: usize = 300;
/// The longest description kept.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;

/// A code, with the codes beneath it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub guid: Uuid,
    pub name: String,
    pub description: String,
    /// Whether text may be coded with it (a grouping code may be not).
    pub codable: bool,
    /// `#RRGGBB`.
    pub color: Option<String>,
    pub children: Vec<Code>,
}

impl Code {
    /// This code and every code beneath it, depth first, each with its depth (0 for this one).
    #[must_use]
    pub fn flatten(&self) -> Vec<(usize, &Code)> {
        let mut out = Vec::new();
        fn walk<'a>(code: &'a Code, depth: usize, out: &mut Vec<(usize, &'a Code)>) {
            out.push((depth, code));
            for child in &code.children {
                walk(child, depth + 1, out);
            }
        }
        walk(self, 0, &mut out);
        out
    }
}

/// A named group of codes (the standard's `Set`; in a codebook, its members name their code by
/// a `guid` attribute, as the codebook schema has it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSet {
    pub guid: Uuid,
    pub name: String,
    pub description: String,
    pub members: Vec<Uuid>,
}

/// The kind of a variable's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableKind {
    Text,
    Integer,
    Date,
}

/// An attribute of sources or cases (a review's year, a finding's polarity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub guid: Uuid,
    pub name: String,
    pub kind: VariableKind,
    pub description: String,
}

/// A variable's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Date(NaiveDate),
}

/// A coded stretch of a text source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub guid: Uuid,
    pub name: String,
    /// The stretch, in bytes of the source's text (on character boundaries).
    pub range: Range<usize>,
    /// Each coding: its own GUID and the code it applies.
    pub codings: Vec<(Uuid, Uuid)>,
}

/// A text document of the project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSource {
    pub guid: Uuid,
    pub name: String,
    pub description: String,
    pub text: String,
    pub selections: Vec<Selection>,
    pub values: Vec<(Uuid, Value)>,
}

/// A case: the unit of analysis (for casewindow, a review), with its sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub guid: Uuid,
    pub name: String,
    pub description: String,
    pub values: Vec<(Uuid, Value)>,
    pub sources: Vec<Uuid>,
}

/// A whole project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    pub origin: String,
    pub description: String,
    pub created: DateTime<Utc>,
    pub codes: Vec<Code>,
    pub variables: Vec<Variable>,
    pub cases: Vec<Case>,
    pub sources: Vec<TextSource>,
}

/// Why something could not be written or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {reason}")]
pub struct RefiError {
    /// Where: a code's place (`Codes/Code[2]/Code[1]`), a source's name, or `(file)`.
    pub place: String,
    pub reason: String,
}

fn refused(place: impl Into<String>, reason: impl Into<String>) -> RefiError {
    RefiError {
        place: place.into(),
        reason: reason.into(),
    }
}

/// Escapes text for an attribute or element, and drops characters XML 1.0 cannot hold.
fn esc(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Line breaks in attributes would be normalised to spaces by readers.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Text as a source file holds it: characters XML cannot hold (which no reader would show) are
/// left out, so positions counted here are the positions readers count.
#[must_use]
pub fn clean_text(text: &str) -> String {
    text.chars()
        .filter(|&c| is_xml_char(c) && c != '\r')
        .collect()
}

fn guid(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

fn write_codes(out: &mut String, codes: &[Code], indent: usize) {
    for code in codes {
        let pad = "  ".repeat(indent);
        let _ = write!(out, "{pad}<Code guid=\"{}\" name=\"", guid(&code.guid));
        esc(out, &code.name);
        let _ = write!(out, "\" isCodable=\"{}\"", code.codable);
        if let Some(color) = &code.color {
            out.push_str(" color=\"");
            esc(out, color);
            out.push('"');
        }
        if code.description.is_empty() && code.children.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if !code.description.is_empty() {
            let _ = write!(out, "{pad}  <Description>");
            esc(out, &code.description);
            out.push_str("</Description>\n");
        }
        write_codes(out, &code.children, indent + 1);
        let _ = writeln!(out, "{pad}</Code>");
    }
}

fn write_sets(out: &mut String, sets: &[CodeSet], indent: usize) {
    if sets.is_empty() {
        return;
    }
    let pad = "  ".repeat(indent);
    let _ = writeln!(out, "{pad}<Sets>");
    for set in sets {
        let _ = write!(out, "{pad}  <Set guid=\"{}\" name=\"", guid(&set.guid));
        esc(out, &set.name);
        out.push_str("\">\n");
        if !set.description.is_empty() {
            let _ = write!(out, "{pad}    <Description>");
            esc(out, &set.description);
            out.push_str("</Description>\n");
        }
        for member in &set.members {
            let _ = writeln!(out, "{pad}    <MemberCode guid=\"{}\"/>", guid(member));
        }
        let _ = writeln!(out, "{pad}  </Set>");
    }
    let _ = writeln!(out, "{pad}</Sets>");
}

/// A codebook (`.qdc`) document.
#[must_use]
pub fn codebook(codes: &[Code], sets: &[CodeSet], origin: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(out, "<CodeBook xmlns=\"{CODEBOOK_NS}\" origin=\"");
    esc(&mut out, origin);
    out.push_str("\">\n  <Codes>\n");
    write_codes(&mut out, codes, 2);
    out.push_str("  </Codes>\n");
    write_sets(&mut out, sets, 1);
    out.push_str("</CodeBook>\n");
    out
}

fn write_value(out: &mut String, pad: &str, variable: &Uuid, value: &Value) {
    let _ = writeln!(out, "{pad}<VariableValue>");
    let _ = writeln!(
        out,
        "{pad}  <VariableRef targetGUID=\"{}\"/>",
        guid(variable)
    );
    match value {
        Value::Text(text) => {
            let _ = write!(out, "{pad}  <TextValue>");
            esc(out, text);
            out.push_str("</TextValue>\n");
        }
        Value::Integer(n) => {
            let _ = writeln!(out, "{pad}  <IntegerValue>{n}</IntegerValue>");
        }
        Value::Date(d) => {
            let _ = writeln!(
                out,
                "{pad}  <DateValue>{}</DateValue>",
                d.format("%Y-%m-%d")
            );
        }
    }
    let _ = writeln!(out, "{pad}</VariableValue>");
}

/// The character position of byte `at` in `text`.
fn char_position(text: &str, at: usize) -> Option<usize> {
    text.is_char_boundary(at)
        .then(|| text[..at].chars().count())
}

/// The project document (`project.qde`): sources refer to their text files
/// (`internal://GUID.txt`).
pub fn project_xml(project: &Project) -> Result<String, RefiError> {
    let created = project.created.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(out, "<Project xmlns=\"{PROJECT_NS}\" name=\"");
    esc(&mut out, &project.name);
    out.push_str("\" origin=\"");
    esc(&mut out, &project.origin);
    let _ = writeln!(out, "\" creationDateTime=\"{created}\">");
    if !project.codes.is_empty() {
        out.push_str("  <CodeBook>\n    <Codes>\n");
        write_codes(&mut out, &project.codes, 3);
        out.push_str("    </Codes>\n  </CodeBook>\n");
    }
    if !project.variables.is_empty() {
        out.push_str("  <Variables>\n");
        for v in &project.variables {
            let kind = match v.kind {
                VariableKind::Text => "Text",
                VariableKind::Integer => "Integer",
                VariableKind::Date => "Date",
            };
            let _ = write!(out, "    <Variable guid=\"{}\" name=\"", guid(&v.guid));
            esc(&mut out, &v.name);
            let _ = write!(out, "\" typeOfVariable=\"{kind}\"");
            if v.description.is_empty() {
                out.push_str("/>\n");
            } else {
                out.push_str(">\n      <Description>");
                esc(&mut out, &v.description);
                out.push_str("</Description>\n    </Variable>\n");
            }
        }
        out.push_str("  </Variables>\n");
    }
    if !project.cases.is_empty() {
        out.push_str("  <Cases>\n");
        for case in &project.cases {
            let _ = write!(out, "    <Case guid=\"{}\" name=\"", guid(&case.guid));
            esc(&mut out, &case.name);
            out.push_str("\">\n");
            if !case.description.is_empty() {
                out.push_str("      <Description>");
                esc(&mut out, &case.description);
                out.push_str("</Description>\n");
            }
            for (variable, value) in &case.values {
                write_value(&mut out, "      ", variable, value);
            }
            for source in &case.sources {
                let _ = writeln!(out, "      <SourceRef targetGUID=\"{}\"/>", guid(source));
            }
            out.push_str("    </Case>\n");
        }
        out.push_str("  </Cases>\n");
    }
    if !project.sources.is_empty() {
        out.push_str("  <Sources>\n");
        for source in &project.sources {
            let _ = write!(
                out,
                "    <TextSource guid=\"{}\" name=\"",
                guid(&source.guid)
            );
            esc(&mut out, &source.name);
            let _ = writeln!(
                out,
                "\" plainTextPath=\"internal://{}.txt\" creationDateTime=\"{created}\">",
                guid(&source.guid)
            );
            if !source.description.is_empty() {
                out.push_str("      <Description>");
                esc(&mut out, &source.description);
                out.push_str("</Description>\n");
            }
            for selection in &source.selections {
                let (Some(start), Some(end)) = (
                    char_position(&source.text, selection.range.start),
                    char_position(&source.text, selection.range.end),
                ) else {
                    return Err(refused(
                        source.name.clone(),
                        "a coded stretch does not fall on whole characters",
                    ));
                };
                if start >= end || selection.range.end > source.text.len() {
                    return Err(refused(
                        source.name.clone(),
                        "a coded stretch is empty or outside the text",
                    ));
                }
                let _ = write!(
                    out,
                    "      <PlainTextSelection guid=\"{}\" name=\"",
                    guid(&selection.guid)
                );
                esc(&mut out, &selection.name);
                let _ = writeln!(
                    out,
                    "\" startPosition=\"{start}\" endPosition=\"{end}\" creationDateTime=\"{created}\">"
                );
                for (coding, code) in &selection.codings {
                    let _ = writeln!(
                        out,
                        "        <Coding guid=\"{}\"><CodeRef targetGUID=\"{}\"/></Coding>",
                        guid(coding),
                        guid(code)
                    );
                }
                out.push_str("      </PlainTextSelection>\n");
            }
            for (variable, value) in &source.values {
                write_value(&mut out, "      ", variable, value);
            }
            out.push_str("    </TextSource>\n");
        }
        out.push_str("  </Sources>\n");
    }
    if !project.description.is_empty() {
        out.push_str("  <Description>");
        esc(&mut out, &project.description);
        out.push_str("</Description>\n");
    }
    out.push_str("</Project>\n");
    Ok(out)
}

/// The project as a `.qdpx` archive: `project.qde` and `sources/GUID.txt` for each source.
/// Every source's text must already be clean ([`clean_text`]), so that positions agree.
pub fn qdpx(project: &Project) -> Result<Vec<u8>, RefiError> {
    for source in &project.sources {
        if clean_text(&source.text) != source.text {
            return Err(refused(
                source.name.clone(),
                "the text holds characters a source file cannot",
            ));
        }
    }
    let xml = project_xml(project)?;
    let zipped = |e: zip::result::ZipError| refused("(file)", format!("writing the archive: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // A fixed time, so the same project gives the same bytes.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("project.qde", options).map_err(zipped)?;
    zip.write_all(xml.as_bytes())
        .map_err(|e| refused("(file)", format!("writing the archive: {e}")))?;
    for source in &project.sources {
        zip.start_file(format!("sources/{}.txt", guid(&source.guid)), options)
            .map_err(zipped)?;
        zip.write_all(source.text.as_bytes())
            .map_err(|e| refused("(file)", format!("writing the archive: {e}")))?;
    }
    Ok(zip.finish().map_err(zipped)?.into_inner())
}

/// Reads a codebook made elsewhere: the codes with their nesting, names and descriptions
/// (sets, notes and anything else are passed over).
pub fn read_codebook(bytes: &[u8]) -> Result<Vec<Code>, RefiError> {
    if bytes.len() > MAX_CODEBOOK_BYTES {
        return Err(refused(
            "(file)",
            format!(
                "the file is larger than the {} MB a codebook may be",
                MAX_CODEBOOK_BYTES / (1024 * 1024)
            ),
        ));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(
        |_| {
            refused(
                "(file)",
                "the file is not UTF-8 text (is it a .qdc codebook?)",
            )
        },
    )?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    // Open codes, with their places, and the text being gathered for a description.
    let mut stack: Vec<(Code, String)> = Vec::new();
    let mut roots: Vec<Code> = Vec::new();
    let mut children_seen: Vec<usize> = vec![0];
    let mut root_seen = false;
    let mut in_codes = false;
    let mut description: Option<String> = None;
    let mut count = 0;
    loop {
        let place = stack
            .last()
            .map_or_else(|| "CodeBook/Codes".to_owned(), |(_, p)| p.clone());
        let event = reader.read_event().map_err(|e| {
            let detail: String = e.to_string().chars().take(100).collect();
            refused(
                format!("{place} (byte {})", reader.error_position()),
                format!("the XML is damaged: {detail}"),
            )
        })?;
        match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(refused(
                    "(file)",
                    "the file declares a document type, which casewindow never reads",
                ));
            }
            Event::Start(e) | Event::Empty(e) if !root_seen => {
                if e.local_name().into_inner() != "CodeBook" {
                    return Err(refused(
                        "(file)",
                        format!(
                            "this is not a REFI-QDA codebook: its root element is <{}>, not <CodeBook>",
                            e.local_name().into_inner()
                        ),
                    ));
                }
                root_seen = true;
            }
            Event::Start(e) => match e.local_name().into_inner() {
                "Codes" if stack.is_empty() => in_codes = true,
                "Code" if in_codes => {
                    count += 1;
                    if count > MAX_CODES {
                        return Err(refused(
                            "(file)",
                            format!("the codebook holds more than {MAX_CODES} codes"),
                        ));
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err(refused(
                            place,
                            format!("codes are nested more than {MAX_DEPTH} deep"),
                        ));
                    }
                    let code = open_code(&e, &place, &mut children_seen)?;
                    stack.push(code);
                    children_seen.push(0);
                }
                "Description" if !stack.is_empty() => description = Some(String::new()),
                _ => {}
            },
            Event::Empty(e) if in_codes && e.local_name().into_inner() == "Code" => {
                count += 1;
                if count > MAX_CODES {
                    return Err(refused(
                        "(file)",
                        format!("the codebook holds more than {MAX_CODES} codes"),
                    ));
                }
                let (code, _) = open_code(&e, &place, &mut children_seen)?;
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(code),
                    None => roots.push(code),
                }
            }
            Event::Text(t) => {
                if let Some(d) = description.as_mut() {
                    d.push_str(t.as_ref());
                }
            }
            Event::CData(t) => {
                if let Some(d) = description.as_mut() {
                    d.push_str(t.as_ref());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(d) = description.as_mut() {
                    let name: String = r.as_ref().to_owned();
                    let resolved = match name.as_str() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => r.resolve_char_ref().ok().flatten(),
                    };
                    match resolved {
                        Some(c) => d.push(c),
                        None => {
                            return Err(refused(
                                place,
                                format!("a description uses the unknown entity &{name};"),
                            ));
                        }
                    }
                }
            }
            Event::End(e) => match e.local_name().into_inner() {
                "Codes" if stack.is_empty() => in_codes = false,
                "Description" => {
                    if let (Some(d), Some((code, _))) = (description.take(), stack.last_mut()) {
                        code.description = limit(d.trim(), MAX_DESCRIPTION_CHARS);
                    }
                }
                "Code" if in_codes => {
                    children_seen.pop();
                    if let Some((code, _)) = stack.pop() {
                        match stack.last_mut() {
                            Some((parent, _)) => parent.children.push(code),
                            None => roots.push(code),
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    if !root_seen {
        return Err(refused("(file)", "the file holds no XML elements"));
    }
    if roots.is_empty() {
        return Err(refused("CodeBook/Codes", "the codebook holds no codes"));
    }
    Ok(roots)
}

fn limit(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// A code from its start tag, with its place (`CodeBook/Codes/Code[2]/Code[1]`).
fn open_code(
    e: &BytesStart<'_>,
    parent: &str,
    children_seen: &mut [usize],
) -> Result<(Code, String), RefiError> {
    let n = children_seen.last_mut().map_or(1, |n| {
        *n += 1;
        *n
    });
    let place = format!("{parent}/Code[{n}]");
    let mut guid_text = None;
    let mut name = None;
    let mut codable = true;
    let mut color = None;
    for attribute in e.attributes() {
        let attribute =
            attribute.map_err(|_| refused(place.clone(), "an attribute is malformed"))?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|_| refused(place.clone(), "an attribute's value is malformed"))?
            .into_owned();
        match attribute.key.local_name().into_inner() {
            "guid" => guid_text = Some(value),
            "name" => name = Some(value),
            "isCodable" => codable = !matches!(value.trim(), "false" | "0"),
            "color" => color = Some(value),
            _ => {}
        }
    }
    let guid_text = guid_text.ok_or_else(|| refused(place.clone(), "the code has no guid"))?;
    let guid = Uuid::parse_str(
        guid_text
            .trim()
            .trim_start_matches('{')
            .trim_end_matches('}'),
    )
    .map_err(|_| {
        refused(
            format!("{place}@guid"),
            format!(
                "\"{}\" is not a GUID",
                guid_text.chars().take(40).collect::<String>()
            ),
        )
    })?;
    let name = name
        .map(|n| limit(n.trim(), MAX_NAME_CHARS))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| refused(format!("{place}@name"), "the code has no name"))?;
    let color = color.filter(|c| {
        let hex = c.trim_start_matches('#');
        c.starts_with('#')
            && matches!(hex.len(), 3 | 6)
            && hex.chars().all(|h| h.is_ascii_hexdigit())
    });
    Ok((
        Code {
            guid,
            name,
            description: String::new(),
            codable,
            color,
            children: Vec::new(),
        },
        place,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u128, name: &str, children: Vec<Code>) -> Code {
        Code {
            guid: Uuid::from_u128(n),
            name: name.to_owned(),
            description: format!("About {name} & <more>\non two lines"),
            codable: true,
            color: Some("#A0B1C2".to_owned()),
            children,
        }
    }

    #[test]
    fn a_codebook_reads_back_with_its_nesting_and_descriptions() {
        let codes = vec![
            code(
                1,
                "Human–tool operation",
                vec![code(2, "Forms \"tick\"", vec![])],
            ),
            code(3, "Management systems", vec![]),
        ];
        let sets = vec![CodeSet {
            guid: Uuid::from_u128(9),
            name: "A set".to_owned(),
            description: String::new(),
            members: vec![Uuid::from_u128(2)],
        }];
        let xml = codebook(&codes, &sets, "casewindow");
        assert!(xml.contains("xmlns=\"urn:QDA-XML:codebook:1.0\""));
        assert_eq!(read_codebook(xml.as_bytes()).unwrap(), codes);
    }

    #[test]
    fn hostile_or_foreign_codebooks_are_refused_by_place() {
        let doctype = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><CodeBook><Codes/></CodeBook>";
        assert!(
            read_codebook(doctype.as_bytes())
                .unwrap_err()
                .reason
                .contains("document type")
        );
        let other = "<Project name=\"x\"/>";
        assert!(
            read_codebook(other.as_bytes())
                .unwrap_err()
                .reason
                .contains("<Project>")
        );
        let bad_guid = "<CodeBook><Codes><Code guid=\"1\" name=\"a\" isCodable=\"true\"/><Code guid=\"nope\" name=\"b\" isCodable=\"true\"/></Codes></CodeBook>";
        let err = read_codebook(bad_guid.as_bytes()).unwrap_err();
        assert_eq!(err.place, "CodeBook/Codes/Code[1]@guid");
        let nameless = format!(
            "<CodeBook><Codes><Code guid=\"{}\" isCodable=\"true\"><Code guid=\"{}\" name=\" \" isCodable=\"true\"/></Code></Codes></CodeBook>",
            Uuid::from_u128(1),
            Uuid::from_u128(2)
        );
        assert_eq!(
            read_codebook(nameless.as_bytes()).unwrap_err().place,
            "CodeBook/Codes/Code[1]@name"
        );
        let deep = format!(
            "<CodeBook><Codes>{}</Codes></CodeBook>",
            (0..40)
                .map(|i| format!(
                    "<Code guid=\"{}\" name=\"c{i}\" isCodable=\"true\">",
                    Uuid::from_u128(i)
                ))
                .collect::<String>()
        );
        assert!(
            read_codebook(deep.as_bytes())
                .unwrap_err()
                .reason
                .contains("nested")
        );
        assert!(
            read_codebook(b"\xff\xfe<")
                .unwrap_err()
                .reason
                .contains("UTF-8")
        );
        assert!(read_codebook(b"<CodeBook><Codes></CodeBook>").is_err());
        assert!(
            read_codebook(b"<CodeBook><Codes></Codes></CodeBook>")
                .unwrap_err()
                .reason
                .contains("no codes")
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "Ça va — the statement.\n\nMore.".to_owned();
        let start = text.find("the").unwrap();
        let end = text.find('.').unwrap() + 1;
        let project = Project {
            name: "p".to_owned(),
            origin: "casewindow".to_owned(),
            description: String::new(),
            created: DateTime::from_timestamp(0, 0).unwrap(),
            codes: vec![code(1, "c", vec![])],
            variables: Vec::new(),
            cases: Vec::new(),
            sources: vec![TextSource {
                guid: Uuid::from_u128(5),
                name: "s".to_owned(),
                description: String::new(),
                text: text.clone(),
                selections: vec![Selection {
                    guid: Uuid::from_u128(6),
                    name: "statement".to_owned(),
                    range: start..end,
                    codings: vec![(Uuid::from_u128(7), Uuid::from_u128(1))],
                }],
                values: Vec::new(),
            }],
        };
        let xml = project_xml(&project).unwrap();
        let chars: Vec<char> = text.chars().collect();
        let s = chars.iter().position(|&c| c == 't').unwrap();
        assert!(xml.contains(&format!(
            "startPosition=\"{s}\" endPosition=\"{}\"",
            s + "the statement.".len()
        )));
        // The same project gives the same archive.
        assert_eq!(qdpx(&project).unwrap(), qdpx(&project).unwrap());
        let mut broken = project.clone();
        broken.sources[0].selections[0].range = 1..2;
        assert!(project_xml(&broken).is_err());
    }
}
