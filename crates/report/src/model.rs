//! The shape every output shares: a report is a title page and a list of blocks. HTML, Word and
//! PDF each render the same blocks, so the three never disagree about what the report says.

use serde::{Deserialize, Serialize};

/// Which document this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The full review report.
    Report,
    /// The one- or two-page 7-minute briefing.
    Briefing,
}

/// A generated document, ready to render.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub kind: DocumentKind,
    pub title: String,
    pub subtitle: String,
    /// Lines for the title page: partnership, kind of review, date.
    pub meta: Vec<String>,
    /// The protective marking printed on every page, e.g. "Draft: not for publication".
    pub marking: String,
    pub blocks: Vec<Block>,
}

/// One piece of a document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 starts a chapter; 2 and 3 are sections within it.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        text: String,
    },
    /// A paragraph that starts with a bold label.
    Labelled {
        label: String,
        text: String,
    },
    Bullets {
        items: Vec<String>,
    },
    Numbered {
        items: Vec<String>,
    },
    Finding(FindingBlock),
    Table(Table),
    /// A chart, with the same figures as a table for readers (and formats) that cannot see it.
    Figure(Figure),
    /// The table of contents.
    Contents,
    PageBreak,
}

/// A finding in the report's template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingBlock {
    pub number: u32,
    pub statement: String,
    /// "5. Family-professional interaction", or "Not yet classified".
    pub pattern: String,
    /// "Unsafe", "Constructive", or "Not yet decided".
    pub polarity: String,
    /// The template's parts in order: introduction, how it showed in this case, evidence that it
    /// is not a one-off, why it matters.
    pub parts: Vec<Part>,
    pub questions: Vec<String>,
}

/// A labelled part of a finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub label: String,
    /// Paragraphs of the part.
    pub paragraphs: Vec<String>,
}

/// A table with a caption and a header row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Column widths that share `available` (in any unit) as a typesetter would (the automatic
    /// table layout of CSS), measuring text in characters: no column narrower than its longest
    /// word, and the rest shared in proportion to how much more each column's longest text
    /// wants; `chars_per_line` is how many characters fill `available`. The PDF layout does the
    /// same with measured text; the Word file uses this.
    #[must_use]
    pub fn column_widths(&self, available: f64, chars_per_line: f64) -> Vec<f64> {
        let chars = |text: &str| text.chars().count();
        let columns: Vec<(f64, f64)> = (0..self.header.len())
            .map(|i| {
                let cells = std::iter::once(&self.header[i])
                    .chain(self.rows.iter().filter_map(|row| row.get(i)));
                let (mut least, mut most) = (1, 1);
                for cell in cells {
                    let word = cell.split_whitespace().map(chars).max().unwrap_or(0);
                    least = least.max(word);
                    most = most.max(chars(cell));
                }
                // One character of padding either side, as the cells' inset.
                #[allow(clippy::cast_precision_loss)]
                (least as f64 + 2.0, most.max(least) as f64 + 2.0)
            })
            .collect();
        let least: f64 = columns.iter().map(|c| c.0).sum();
        let most: f64 = columns.iter().map(|c| c.1).sum();
        let line = chars_per_line;
        columns
            .iter()
            .map(|&(low, high)| {
                let share = if most <= line {
                    high / most
                } else if least >= line {
                    low / least
                } else {
                    (low + (line - least) * (high - low) / (most - least)) / line
                };
                share * available
            })
            .collect()
    }
}

/// A chart as SVG with its table alternative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub caption: String,
    /// A one-sentence description for screen readers and for the PDF's tags.
    pub alt: String,
    pub svg: String,
    pub table: Table,
}

impl Document {
    /// Applies `map` to every piece of text the document shows, e.g. to put pseudonyms in place of
    /// real names, including the text drawn in a figure (a genogram's labels).
    pub fn map_text(&mut self, map: &dyn Fn(&str) -> String) {
        let map_all = |items: &mut Vec<String>| {
            for item in items.iter_mut() {
                *item = map(item);
            }
        };
        let map_table = |table: &mut Table| {
            table.caption = map(&table.caption);
            for row in &mut table.rows {
                for cell in row.iter_mut() {
                    *cell = map(cell);
                }
            }
        };
        self.title = map(&self.title);
        self.subtitle = map(&self.subtitle);
        map_all(&mut self.meta);
        for block in &mut self.blocks {
            match block {
                Block::Heading { text, .. } | Block::Paragraph { text } => *text = map(text),
                Block::Labelled { label, text } => {
                    *label = map(label);
                    *text = map(text);
                }
                Block::Bullets { items } | Block::Numbered { items } => map_all(items),
                Block::Finding(finding) => {
                    finding.statement = map(&finding.statement);
                    for part in &mut finding.parts {
                        map_all(&mut part.paragraphs);
                    }
                    map_all(&mut finding.questions);
                }
                Block::Table(table) => map_table(table),
                Block::Figure(figure) => {
                    figure.caption = map(&figure.caption);
                    figure.alt = map(&figure.alt);
                    figure.svg = map_svg_text(&figure.svg, map);
                    map_table(&mut figure.table);
                }
                Block::Contents | Block::PageBreak => {}
            }
        }
    }

    /// The chapter and section headings (levels 1 and 2), in order: what comments on a
    /// version are anchored to.
    pub fn headings(&self) -> Vec<String> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text } if *level <= 2 => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// The document's content as plain text, one block per paragraph: what the identifier scan
    /// reads and what a reader of the PDF would see, less the page furniture (the marking) and
    /// the title page's generated lines (partnership, kind of review, period, date of
    /// generation), which are the partnership's and change with the day.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        let mut line = |text: &str| {
            out.push_str(text);
            out.push_str("\n\n");
        };
        line(&self.title);
        line(&self.subtitle);
        for block in &self.blocks {
            match block {
                Block::Heading { text, .. } | Block::Paragraph { text } => line(text),
                Block::Labelled { label, text } => line(&format!("{label}: {text}")),
                Block::Bullets { items } | Block::Numbered { items } => {
                    items.iter().for_each(|item| line(item));
                }
                Block::Finding(finding) => {
                    line(&format!(
                        "Finding {}: {}",
                        finding.number, finding.statement
                    ));
                    line(&format!("{}; {}", finding.pattern, finding.polarity));
                    for part in &finding.parts {
                        line(&part.label);
                        part.paragraphs.iter().for_each(|p| line(p));
                    }
                    finding.questions.iter().for_each(|q| line(q));
                }
                Block::Table(table) => table_text(table, &mut line),
                Block::Figure(figure) => {
                    line(&figure.caption);
                    table_text(&figure.table, &mut line);
                }
                Block::Contents | Block::PageBreak => {}
            }
        }
        out
    }

    /// Every finding in the document.
    pub fn findings(&self) -> impl Iterator<Item = &FindingBlock> {
        self.blocks.iter().filter_map(|block| match block {
            Block::Finding(finding) => Some(finding),
            _ => None,
        })
    }
}

fn table_text(table: &Table, line: &mut impl FnMut(&str)) {
    line(&table.caption);
    line(&table.header.join(" | "));
    for row in &table.rows {
        line(&row.join(" | "));
    }
}

/// Applies `map` to the text between an SVG's tags (unescaped before, escaped after), leaving
/// the tags and their attributes alone.
fn map_svg_text(svg: &str, map: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let (text, tail) = rest.split_at(open);
        if !text.is_empty() {
            let plain = text
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            out.push_str(&crate::chart::escape(&map(&plain)));
        }
        let close = tail.find('>').map_or(tail.len(), |c| c + 1);
        out.push_str(&tail[..close]);
        rest = &tail[close..];
    }
    out.push_str(&crate::chart::escape(&map(rest)));
    out
}

#[cfg(test)]
mod svg_tests {
    #[test]
    fn only_the_text_of_a_drawing_is_mapped() {
        let svg = "<svg><title>Dani &amp; Jo</title><text x=\"Dani\">Dani&apos;s</text></svg>";
        let mapped = super::map_svg_text(svg, &|t: &str| t.replace("Dani", "Mother"));
        assert_eq!(
            mapped,
            "<svg><title>Mother &amp; Jo</title><text x=\"Dani\">Mother&apos;s</text></svg>"
        );
    }
}

#[cfg(test)]
mod table_tests {
    use super::Table;

    #[test]
    fn columns_are_never_narrower_than_their_longest_word_and_share_the_rest() {
        let table = Table {
            caption: String::new(),
            header: vec!["Effect".into(), "How".into()],
            rows: vec![vec![
                "Hindered".into(),
                "A long explanation of how the factor hindered practice, ".repeat(3),
            ]],
        };
        let widths = table.column_widths(1000.0, 50.0);
        assert!((widths.iter().sum::<f64>() - 1000.0).abs() < 1e-6);
        // "Hindered" and its padding: 10 of 50 characters.
        assert!((widths[0] - 200.0).abs() < 1e-6, "{widths:?}");
        let short = Table {
            rows: vec![vec!["Helped".into(), "Briefly".into()]],
            ..table
        };
        // When everything fits, the space is shared in proportion to the longest texts, padded.
        let widths = short.column_widths(1000.0, 50.0);
        assert!(
            (widths[0] / widths[1] - 8.0 / 9.0).abs() < 1e-6,
            "{widths:?}"
        );
    }
}
