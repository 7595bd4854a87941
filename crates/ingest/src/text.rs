//! A report's text with its structure: what both readers produce and the finding search reads.

use serde::Serialize;

/// A report read into blocks in reading order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Text {
    /// The document's own title (PDF information dictionary, Word core properties), if set.
    pub metadata_title: Option<String>,
    /// Pages in the document (for Word, as far as its page breaks tell).
    pub pages: u32,
    pub blocks: Vec<Block>,
}

/// One heading, paragraph or table row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    /// The page it starts on, from 1.
    pub page: u32,
    /// The page it ends on (a paragraph may continue overleaf).
    pub last_page: u32,
    pub kind: Kind,
    /// The text, whitespace collapsed; a table row's cells joined by tabs.
    pub text: String,
    /// The leading part set in bold (all of it when the whole block is bold), if any.
    pub bold_prefix: Option<String>,
    /// Font size against the body text's (1.0 for body text); 1.0 where unknown.
    pub size: f32,
}

/// What a block is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A heading, level 1 the highest; 0 for the document's title.
    Heading {
        level: u8,
    },
    Paragraph,
    /// A paragraph of a list, with its number or bullet as printed.
    ListItem {
        label: String,
    },
    /// A row of a table: its cells' text.
    Row {
        table: u32,
        cells: Vec<String>,
    },
}

impl Block {
    /// Whether the whole block is bold.
    #[must_use]
    pub fn all_bold(&self) -> bool {
        self.bold_prefix
            .as_deref()
            .is_some_and(|b| b.len() >= self.text.len())
    }

    /// The heading level, if a heading.
    #[must_use]
    pub fn heading_level(&self) -> Option<u8> {
        match self.kind {
            Kind::Heading { level } => Some(level),
            _ => None,
        }
    }
}

/// Collapses runs of whitespace (including non-breaking and zero-width spaces) to one space and
/// trims the ends.
#[must_use]
pub fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '\u{a0}' | '\u{2060}' | '\u{200b}' | '\u{feff}') {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Replaces typographic ligatures and soft hyphens with the letters they stand for.
#[must_use]
pub fn unligature(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            '\u{ad}' => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_collapses_every_kind_of_space() {
        assert_eq!(squash("  a\u{a0}\u{a0}b\n\tc \u{200b}"), "a b c");
    }

    #[test]
    fn ligatures_become_letters() {
        assert_eq!(
            unligature("\u{fb01}nd the o\u{fb03}ce\u{ad}r"),
            "find the officer"
        );
    }
}
