//! The review report and the 7-minute briefing, generated from a review's records.
//!
//! [`build`] turns the records into a [`Document`]: the structure SCIE-model reports follow, as a
//! list of blocks. [`html`], [`docx`] and [`pdf`] render the same document, so the preview, the
//! Word file and the PDF never disagree. Standard wording and the PDF layout come from a
//! [`Template`] an administrator can edit. No I/O: everything is built in memory.

pub mod build;
pub mod chart;
pub mod docx;
pub mod genogram;
pub mod html;
pub mod model;
pub mod pdf;
pub mod template;
pub mod thematic;
pub mod timeline;

pub use build::{Letter, ReportInput, briefing, letter, report};
pub use model::{Block, Document, DocumentKind};
pub use template::{Template, Wording};

/// A small document with one block of each kind: used to check a layout template compiles.
pub fn sample_document() -> Document {
    use model::{Figure, FindingBlock, Part, Table};
    let table = Table {
        caption: "A table".to_owned(),
        header: vec!["Column".to_owned(), "Value".to_owned()],
        rows: vec![vec!["Row".to_owned(), "1".to_owned()]],
    };
    Document {
        kind: DocumentKind::Report,
        title: "Sample review".to_owned(),
        subtitle: "Learning review: report".to_owned(),
        meta: vec!["A partnership".to_owned()],
        marking: "Sample".to_owned(),
        blocks: vec![
            Block::Contents,
            Block::Heading {
                level: 1,
                text: "Heading".to_owned(),
            },
            Block::Paragraph {
                text: "A paragraph.".to_owned(),
            },
            Block::Labelled {
                label: "Label".to_owned(),
                text: "Text.".to_owned(),
            },
            Block::Bullets {
                items: vec!["One".to_owned()],
            },
            Block::Numbered {
                items: vec!["One".to_owned()],
            },
            Block::Finding(FindingBlock {
                number: 1,
                statement: "A statement.".to_owned(),
                pattern: "1. Human-tool operation".to_owned(),
                polarity: "Unsafe".to_owned(),
                parts: vec![Part {
                    label: "Introduction".to_owned(),
                    paragraphs: vec!["Context.".to_owned()],
                }],
                questions: vec!["A question?".to_owned()],
            }),
            Block::Table(table.clone()),
            Block::Figure(Figure {
                caption: "A chart".to_owned(),
                alt: "A chart.".to_owned(),
                svg: chart::typology_figure(&[]).svg,
                table,
            }),
            Block::PageBreak,
        ],
    }
}
