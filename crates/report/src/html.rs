//! The HTML preview: one `<article>` the web layer puts inside its page layout. Everything is
//! escaped; the only markup not written here is the chart, which `chart` builds from numbers
//! and escaped labels.

use crate::chart::escape;
use crate::model::{Block, Document, Table};
use std::fmt::Write as _;

fn table(out: &mut String, table: &Table) {
    let _ = write!(
        out,
        "<table class=\"table\"><caption class=\"table__caption\">{}</caption><thead><tr>",
        escape(&table.caption)
    );
    for cell in &table.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(cell));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// A unique id for every heading, in document order.
fn heading_ids(document: &Document) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for block in &document.blocks {
        if let Block::Heading { text, .. } = block {
            let base = format!("section-{}", slug(text));
            let mut id = base.clone();
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            ids.push(id);
        }
    }
    ids
}

/// The document as an HTML fragment. Headings start at `<h2>` so the page keeps one `<h1>`.
pub fn render(document: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<article class=\"report\"><p class=\"report__marking\">{}</p>\
         <p class=\"report__title\">{}</p><p class=\"report__subtitle\">{}</p><ul class=\"report__meta\">",
        escape(&document.marking),
        escape(&document.title),
        escape(&document.subtitle)
    );
    for meta in &document.meta {
        let _ = write!(out, "<li>{}</li>", escape(meta));
    }
    out.push_str("</ul>");
    let ids = heading_ids(document);
    let mut next_id = ids.iter();
    for block in &document.blocks {
        match block {
            Block::Heading { level, text } => {
                let tag = (level + 1).min(6);
                let _ = write!(
                    out,
                    "<h{tag} id=\"{}\">{}</h{tag}>",
                    next_id.next().map_or("", String::as_str),
                    escape(text)
                );
            }
            Block::Paragraph { text } => {
                let _ = write!(out, "<p>{}</p>", escape(text));
            }
            Block::Labelled { label, text } => {
                let _ = write!(
                    out,
                    "<p><strong>{}:</strong> {}</p>",
                    escape(label),
                    escape(text)
                );
            }
            Block::Bullets { items } | Block::Numbered { items } => {
                let tag = if matches!(block, Block::Bullets { .. }) {
                    "ul"
                } else {
                    "ol"
                };
                let _ = write!(out, "<{tag} class=\"list\">");
                for item in items {
                    let _ = write!(out, "<li>{}</li>", escape(item));
                }
                let _ = write!(out, "</{tag}>");
            }
            Block::Finding(finding) => {
                let _ = write!(
                    out,
                    "<section class=\"report-finding\" id=\"finding-{n}\">\
                     <h3>Finding {n}</h3><p class=\"report-finding__statement\">{}</p>\
                     <p class=\"report-finding__tags\"><span class=\"tag\">{}</span> \
                     <span class=\"tag tag--{}\">{}</span></p>",
                    escape(&finding.statement),
                    escape(&finding.pattern),
                    slug(&finding.polarity),
                    escape(&finding.polarity),
                    n = finding.number
                );
                for part in &finding.parts {
                    let _ = write!(out, "<h4>{}</h4>", escape(&part.label));
                    for paragraph in &part.paragraphs {
                        let _ = write!(out, "<p>{}</p>", escape(paragraph));
                    }
                }
                if !finding.questions.is_empty() {
                    out.push_str("<h4>Questions for the partnership</h4><ol class=\"list\">");
                    for question in &finding.questions {
                        let _ = write!(out, "<li>{}</li>", escape(question));
                    }
                    out.push_str("</ol>");
                }
                out.push_str("</section>");
            }
            Block::Table(t) => table(&mut out, t),
            Block::Figure(figure) => {
                let _ = write!(
                    out,
                    "<figure class=\"report-figure\">{}<figcaption>{}</figcaption></figure>\
                     <details class=\"details\"><summary>The figures as a table</summary>",
                    figure.svg,
                    escape(&figure.caption)
                );
                table(&mut out, &figure.table);
                out.push_str("</details>");
            }
            Block::Contents => {
                out.push_str("<nav class=\"report__contents\" aria-label=\"Contents of the report\"><h2>Contents</h2><ol class=\"list\">");
                let headings = document.blocks.iter().filter_map(|b| match b {
                    Block::Heading { level, text } => Some((*level, text)),
                    _ => None,
                });
                for ((level, text), id) in headings.zip(&ids) {
                    if level == 1 {
                        let _ = write!(out, "<li><a href=\"#{id}\">{}</a></li>", escape(text));
                    }
                }
                out.push_str("</ol></nav>");
            }
            Block::PageBreak => {}
        }
    }
    out.push_str("</article>");
    out
}
