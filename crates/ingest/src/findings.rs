//! The findings a report states, found in its text.
//!
//! A finding opens with its number ("Finding 3", "Systems finding 3:", "5. Finding five –")
//! as a heading, a bold line, a list item or a labelled line, or is a row of a findings table.
//! Its statement is the text the opening line carries after the number, else the first
//! paragraph of its body that is not a label (set in bold where the report marks it so, else
//! the paragraph's first sentences). The typology category is read where the report states it:
//! a labelled line ("Category: Tools", "Finding type: …"), a line that is only a category (with
//! its number, "(also …)" and polarity), brackets after the number, or a table column; in the
//! 2008 wording, the later short labels, or by number. When a number opens several passages (a
//! summary near the start, the findings, the questions gathered at the end), the passage with
//! the most to say is the finding. Contents entries and appendices are never findings.

use crate::text::{Block, Kind, Text, squash};
use casewindow_domain::typology::Pattern;
use serde::{Deserialize, Serialize};

/// What the search found in a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Proposal {
    pub title: Option<String>,
    pub partnership: Option<String>,
    /// The report's date as printed (month and year, or a full date).
    pub date: Option<String>,
    pub pages: u32,
    pub findings: Vec<ProposedFinding>,
}

/// One finding as the report states it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposedFinding {
    /// Its number as printed ("3", "2.1").
    pub number: String,
    /// The finding statement.
    pub text: String,
    /// The typology category the report states, if any (its key, e.g. `multiagency_crisis`).
    pub pattern: Option<Pattern>,
    /// The category as the report words it.
    pub category: Option<String>,
    /// A second category the report names ("also …").
    pub secondary: Option<Pattern>,
    /// "constructive" or "unsafe", where the report says.
    pub polarity: Option<String>,
    /// The text that supports the statement, paragraph by paragraph.
    pub supporting: Vec<String>,
    /// The questions or recommendations for the partnership that go with it.
    pub questions: Vec<String>,
    /// The pages the statement is on.
    pub pages: Vec<u32>,
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

const NUMBER_WORDS: [&str; 20] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// A paragraph number such as "5.3" or "12." at the start of a text, and the rest.
fn strip_paragraph_number(text: &str) -> &str {
    let first = text.split_whitespace().next().unwrap_or("");
    let core = first.trim_end_matches(['.', ')']);
    if !core.is_empty()
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && text.len() > first.len()
    {
        text[first.len()..].trim_start()
    } else {
        text
    }
}

/// "Finding 3: …" → ("3", "…"). Words allowed before "finding": systems, key, practice…
fn finding_start(text: &str) -> Option<(String, String, bool)> {
    let text = strip_paragraph_number(text.trim());
    let lower = text.to_lowercase();
    let at = lower.find("finding")?;
    let before = &lower[..at];
    let allowed = [
        "systems", "system", "systemic", "key", "practice", "learning", "review",
    ];
    if !before
        .split_whitespace()
        .all(|w| allowed.contains(&w.trim_matches(|c: char| !c.is_alphanumeric())))
        || before.split_whitespace().count() > 2
    {
        return None;
    }
    let after = &text[at + "finding".len()..];
    let after = after.strip_prefix(['s', 'S']).map_or(after, |_| "");
    if after.is_empty() {
        return None;
    }
    let after = after.trim_start();
    let after = ["no.", "no ", "number "]
        .iter()
        .find_map(|p| {
            after
                .get(..p.len())
                .filter(|s| s.eq_ignore_ascii_case(p))
                .map(|_| after[p.len()..].trim_start())
        })
        .unwrap_or(after);
    let token: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '.')
        .collect();
    let token_trim = token.trim_end_matches('.');
    let number = if !token_trim.is_empty()
        && token_trim
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        token_trim.to_owned()
    } else if let Some(n) = NUMBER_WORDS
        .iter()
        .position(|w| token.eq_ignore_ascii_case(w))
    {
        (n + 1).to_string()
    } else {
        return None;
    };
    let rest = &after[token.len()..];
    let separated = rest
        .trim_start()
        .starts_with([':', '–', '—', '-', '.', ')', '('])
        || rest.trim().is_empty();
    let rest = rest
        .trim_start()
        .trim_start_matches([':', '–', '—', '-', '.', ')'])
        .trim();
    Some((number, rest.to_owned(), separated))
}

/// Whether a block is a contents entry ("Finding 1 . . . . 25", "Finding 1 25").
fn contents_entry(text: &str) -> bool {
    let trimmed = text.trim_end();
    let without = trimmed.trim_end_matches(|c: char| c.is_ascii_digit());
    // The page number stands apart: after a space, a tab or dot leaders ("Finding 5.1" is a
    // number, not a page).
    if without.len() == trimmed.len()
        || !(without.ends_with([' ', '\t', '\u{a0}', '\u{2060}', '…']) || without.ends_with(".."))
    {
        return false;
    }
    let before = without.trim_end_matches([' ', '\u{2060}', '\t', '\u{a0}']);
    before.ends_with("..")
        || before.ends_with(". .")
        || before.ends_with('…')
        || without.ends_with('\t')
        || finding_start(before).is_some_and(|(_, rest, _)| rest.is_empty())
}

/// Words a category line is made of.
const LABEL_WORDS: [&str; 44] = [
    "human",
    "tool",
    "tools",
    "operation",
    "management",
    "system",
    "systems",
    "multi",
    "agency",
    "multiagency",
    "working",
    "in",
    "response",
    "to",
    "incidents",
    "and",
    "crises",
    "crisis",
    "communication",
    "collaboration",
    "assessment",
    "longer",
    "long",
    "term",
    "work",
    "family",
    "professional",
    "interaction",
    "interactions",
    "judgement",
    "judgment",
    "reasoning",
    "cognitive",
    "emotional",
    "biases",
    "bias",
    "innate",
    "also",
    "unsafe",
    "constructive",
    "pattern",
    "category",
    "the",
    "of",
];

/// The pattern a category label names, in any of the typology's wordings or by number.
#[must_use]
pub fn pattern_label(label: &str) -> Option<Pattern> {
    let w = words(label);
    let has = |x: &str| w.iter().any(|y| y == x);
    let joined = w.join(" ");
    if has("incidents") || has("crises") || has("crisis") || has("incident") {
        return Some(Pattern::MultiagencyCrisis);
    }
    if joined.contains("longer term")
        || joined.contains("long term")
        || joined.contains("assessment and longer")
    {
        return Some(Pattern::MultiagencyLongterm);
    }
    if has("family") && (has("professional") || has("professionals")) {
        return Some(Pattern::FamilyProfessional);
    }
    if has("judgement") || has("judgment") || has("reasoning") || has("biases") {
        return Some(Pattern::Reasoning);
    }
    if has("management") {
        return Some(Pattern::Management);
    }
    if has("tool") || has("tools") {
        return Some(Pattern::Tool);
    }
    let number = w
        .iter()
        .find(|x| !matches!(x.as_str(), "pattern" | "category" | "type"))?;
    number.parse::<u8>().ok().and_then(Pattern::from_number)
}

/// A category as printed, split into pattern, secondary pattern and polarity.
struct Category {
    label: String,
    pattern: Pattern,
    secondary: Option<Pattern>,
    polarity: Option<&'static str>,
}

fn polarity_in(text: &str) -> Option<&'static str> {
    let w = words(text);
    if w.iter().any(|x| x == "unsafe") {
        Some("unsafe")
    } else if w.iter().any(|x| x == "constructive") {
        Some("constructive")
    } else {
        None
    }
}

fn category(value: &str) -> Option<Category> {
    let value = value.trim();
    let (main, also) = match value.to_lowercase().find("(also") {
        Some(at) => (&value[..at], Some(&value[at..])),
        None => (value, None),
    };
    let main_words = main.split(['·', '|', ';']).next().unwrap_or(main).trim();
    let pattern = pattern_label(main_words)?;
    Some(Category {
        label: squash(main_words.trim_end_matches(['(', '–', '-', ' '])),
        pattern,
        secondary: also.and_then(pattern_label),
        polarity: polarity_in(value),
    })
}

/// A line that states a category: "Category: Tools", "Finding type – …", or a line that is
/// only a category in the typology's words.
fn category_line(text: &str) -> Option<Category> {
    let text = text.trim();
    let lower = text.to_lowercase();
    let labels = [
        "typology category",
        "category",
        "finding type",
        "type of finding",
        "typology",
        "underlying pattern",
        "pattern",
        "type",
        "classification",
    ];
    for label in labels {
        if let Some(rest) = lower.strip_prefix(label) {
            let rest_trim = rest.trim_start();
            if rest_trim.starts_with([':', '–', '—', '-']) {
                let at = text.len() - rest_trim.len()
                    + rest_trim.chars().next().map_or(1, char::len_utf8);
                return category(&text[at..]);
            }
        }
    }
    let w = words(text);
    let known = w
        .iter()
        .filter(|x| LABEL_WORDS.contains(&x.as_str()) || x.parse::<u8>().is_ok())
        .count();
    if !w.is_empty() && w.len() <= 16 && known * 5 >= w.len() * 4 && !text.ends_with('.') {
        return category(text);
    }
    None
}

/// The first sentences of a paragraph, up to a statement's usual length.
fn first_sentences(text: &str) -> String {
    let mut ends = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if matches!(c, '.' | '?' | '!') {
            let next = chars.get(i + 1).map(|x| x.1);
            let after = chars.get(i + 2).map(|x| x.1);
            let word_before: String = text[..at].rsplit(' ').next().unwrap_or("").to_lowercase();
            let abbreviation = matches!(
                word_before.as_str(),
                "e.g" | "i.e" | "dr" | "mr" | "mrs" | "ms" | "no" | "para" | "cf" | "etc" | "st"
            ) || word_before.len() == 1;
            if next.is_none_or(|n| n == ' ')
                && after.is_none_or(char::is_uppercase)
                && !abbreviation
            {
                ends.push(at + c.len_utf8());
            }
        }
    }
    if ends.len() <= 3 {
        return text.to_owned();
    }
    text[..ends[0]].to_owned()
}

fn is_label_heading(block: &Block) -> bool {
    let text = block.text.trim();
    let short = text.split_whitespace().count() <= 9 && !text.ends_with(['.', '?']);
    short && (block.heading_level().is_some() || block.all_bold() || text.ends_with(':'))
}

fn questions_heading(text: &str) -> bool {
    let lower = text.to_lowercase();
    (lower.contains("question") || lower.contains("recommendation") || lower.contains("issues for"))
        && text.split_whitespace().count() <= 12
}

fn ends_findings(block: &Block, level: Option<u8>) -> bool {
    let lower = block.text.to_lowercase();
    let heading = block.heading_level();
    if heading.is_some() || block.all_bold() {
        let w = words(&lower);
        if matches!(
            w.first().map(String::as_str),
            Some("appendix" | "appendices" | "annex" | "glossary" | "references" | "bibliography")
        ) {
            return true;
        }
    }
    match (heading, level) {
        (Some(h), Some(l)) => {
            h < l
                || (h == l
                    && finding_start(&block.text).is_none()
                    && !questions_heading(&block.text))
        }
        (Some(h), None) => h <= 2 && !questions_heading(&block.text),
        _ => false,
    }
}

struct Start {
    at: usize,
    number: String,
    rest: String,
    level: Option<u8>,
}

/// A table row as "label: value" when it is a two-cell row.
fn row_as_line(block: &Block) -> Option<String> {
    if let Kind::Row { cells, .. } = &block.kind {
        let filled: Vec<&String> = cells.iter().filter(|c| !c.trim().is_empty()).collect();
        if filled.len() == 2 {
            return Some(format!("{}: {}", squash(filled[0]), filled[1].trim()));
        }
    }
    None
}

fn line_of(block: &Block) -> String {
    row_as_line(block).unwrap_or_else(|| block.text.clone())
}

fn starts(blocks: &[Block]) -> Vec<Start> {
    let mut out = Vec::new();
    for (at, block) in blocks.iter().enumerate() {
        // A row of several cells is read with its table (see `table_findings`); a row of a
        // contents table is a contents entry.
        if let Kind::Row { table, .. } = &block.kind {
            let table_start = (0..=at)
                .rev()
                .take_while(
                    |&i| matches!(&blocks[i].kind, Kind::Row { table: t, .. } if t == table),
                )
                .last()
                .unwrap_or(at);
            if row_as_line(block).is_none() || contents_table(blocks, table_start, *table) {
                continue;
            }
        }
        let line = line_of(block);
        if contents_entry(&line) {
            continue;
        }
        let Some((number, rest, separated)) = finding_start(&line) else {
            continue;
        };
        let marked = block.heading_level().is_some()
            || block.all_bold()
            || block
                .bold_prefix
                .as_deref()
                .is_some_and(|b| finding_start(b).is_some())
            || matches!(block.kind, Kind::ListItem { .. } | Kind::Row { .. });
        if !(marked || separated) {
            continue;
        }
        out.push(Start {
            at,
            number,
            rest,
            level: block.heading_level(),
        });
    }
    out
}

/// Splits a leading or trailing bracketed category off an opening line's rest.
fn bracketed_category(rest: &str) -> (String, Option<Category>) {
    let rest = rest.trim();
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.split_once(')'))
        && let Some(c) = category(inner.0)
    {
        return (
            inner
                .1
                .trim()
                .trim_start_matches([':', '–', '-'])
                .trim()
                .to_owned(),
            Some(c),
        );
    }
    if let Some(open) = rest.rfind('(')
        && rest.ends_with(')')
        && let Some(c) = category(&rest[open + 1..rest.len() - 1])
    {
        return (
            rest[..open]
                .trim()
                .trim_end_matches([':', '–', '-'])
                .trim()
                .to_owned(),
            Some(c),
        );
    }
    (rest.to_owned(), None)
}

fn sentence_like(text: &str) -> bool {
    text.split_whitespace().count() >= 6
}

fn finding_from(blocks: &[Block], start: &Start, end: usize) -> Option<ProposedFinding> {
    let opening = &blocks[start.at];
    let (rest, mut cat) = bracketed_category(&start.rest);
    let mut statement: Option<(String, u32, u32)> = None;
    // What follows the number on its line is the statement when it reads as one (a sentence,
    // or long); a short phrase without a full stop is the finding's title.
    let reads_as_statement = sentence_like(&rest)
        && (rest.ends_with(['.', '?', '!']) || rest.split_whitespace().count() >= 15);
    if let Some(c) = category_line(&rest)
        .filter(|_| !sentence_like(&rest) || rest.split_whitespace().count() <= 12)
    {
        cat = cat.or(Some(c));
    } else if reads_as_statement {
        statement = Some((rest.clone(), opening.page, opening.last_page));
    }
    let mut supporting = Vec::new();
    let mut questions = Vec::new();
    let mut in_questions = false;
    for block in &blocks[start.at + 1..end] {
        let line = line_of(block);
        let text = strip_paragraph_number(&line).trim().to_owned();
        if text.is_empty() {
            continue;
        }
        if let Some(c) = category_line(&text) {
            if cat.is_none() {
                cat = Some(c);
            }
            continue;
        }
        if is_label_heading(block) {
            in_questions = questions_heading(&text);
            continue;
        }
        if in_questions {
            questions.push(squash(strip_list_label(&text)));
            continue;
        }
        if statement.is_none() {
            let bold = block
                .bold_prefix
                .as_deref()
                .map(strip_paragraph_number)
                .unwrap_or("");
            let chosen = if !bold.is_empty() && bold.split_whitespace().count() >= 5 {
                bold.to_owned()
            } else {
                first_sentences(&text)
            };
            let chosen = strip_list_label(&chosen).trim().to_owned();
            let remainder = text
                .strip_prefix(chosen.as_str())
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned);
            statement = Some((chosen, block.page, block.last_page));
            if let Some(r) = remainder {
                supporting.push(r);
            }
            continue;
        }
        if supporting.len() < 200 {
            supporting.push(text);
        }
    }
    let (text, first, last) = statement?;
    let mut text = squash(&text);
    // "… the statement. (Family–professional interaction; unsafe)"
    if text.ends_with(')') {
        let (rest, bracketed) = bracketed_category(&text);
        if let Some(c) = bracketed {
            text = rest;
            cat = cat.or(Some(c));
        }
    }
    if text.split_whitespace().count() < 3 {
        return None;
    }
    Some(ProposedFinding {
        number: start.number.clone(),
        text,
        pattern: cat.as_ref().map(|c| c.pattern),
        category: cat.as_ref().map(|c| c.label.clone()),
        secondary: cat.as_ref().and_then(|c| c.secondary),
        polarity: cat.as_ref().and_then(|c| c.polarity).map(str::to_owned),
        supporting,
        questions,
        pages: (first..=last.max(first)).collect(),
    })
}

fn strip_list_label(text: &str) -> &str {
    let first = text.split_whitespace().next().unwrap_or("");
    let core = first.trim_start_matches('(').trim_end_matches(['.', ')']);
    let numbered = !core.is_empty()
        && first != core
        && (core.chars().all(|c| c.is_ascii_digit())
            || (core.len() == 1 && core.chars().all(char::is_alphabetic)));
    if numbered || matches!(first, "•" | "●" | "▪" | "–" | "-" | "*") {
        text[first.len()..].trim_start()
    } else {
        text
    }
}

/// Which column of a findings table holds what.
#[derive(Clone, Copy)]
struct Columns {
    count: usize,
    finding: usize,
    number: Option<usize>,
    category: Option<usize>,
    questions: Option<usize>,
}

impl Columns {
    /// A header row naming a finding column (and not a long sentence).
    fn of_header(cells: &[String]) -> Option<Self> {
        let header: Vec<String> = cells.iter().map(|c| c.to_lowercase()).collect();
        if cells.len() < 2 || header.iter().any(|h| h.len() >= 80) {
            return None;
        }
        let column = |words: &[&str]| {
            header
                .iter()
                .position(|h| words.iter().any(|w| h.contains(w)))
        };
        let finding = header
            .iter()
            .position(|h| h.contains("finding") && words(h).len() <= 4)?;
        let number = header.iter().position(|h| {
            let t = h.trim().trim_end_matches('.');
            matches!(
                t,
                "no" | "#" | "number" | "ref" | "finding no" | "finding number"
            )
        });
        Some(Self {
            count: cells.len(),
            finding,
            number: number.filter(|n| *n != finding),
            category: column(&["category", "pattern", "typology", "type", "theme"])
                .filter(|c| *c != finding),
            questions: column(&["question", "recommendation", "issues for"])
                .filter(|c| *c != finding),
        })
    }
}

/// Whether the table starting at `at` is a contents list: its last column holds only page
/// numbers.
fn contents_table(blocks: &[Block], at: usize, table: u32) -> bool {
    let rows: Vec<&Vec<String>> = blocks[at..]
        .iter()
        .map_while(|b| match &b.kind {
            Kind::Row { table: t, cells } if *t == table => Some(cells),
            _ => None,
        })
        .collect();
    rows.len() >= 2
        && rows.iter().all(|cells| {
            cells.last().is_some_and(|c| {
                let c = c.trim();
                !c.is_empty() && c.len() <= 4 && c.chars().all(|ch| ch.is_ascii_digit())
            })
        })
}

/// A leading number ("3", "4.2", "3.") of a cell, and the rest.
fn leading_number(text: &str) -> Option<(String, String)> {
    let first = text.split_whitespace().next()?;
    let core = first.trim_end_matches(['.', ')', ':']);
    (!core.is_empty()
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
    .then(|| (core.to_owned(), text[first.len()..].trim().to_owned()))
}

/// Findings stated as the rows of a table with a finding column; a table that runs on to the
/// next page (with or without its header repeated) is one table.
fn table_findings(blocks: &[Block]) -> Vec<ProposedFinding> {
    // Rows are gathered per finding first: a finding's cells may run over several rows (a row
    // split by a page break, or cells whose paragraphs are far apart), and a row with no
    // number belongs to the finding before it.
    struct Gathered {
        number: String,
        finding: Vec<String>,
        category: String,
        questions: Vec<String>,
        pages: Vec<u32>,
        row_text: String,
    }
    let mut gathered: Vec<Gathered> = Vec::new();
    let mut current: Option<(Columns, usize, u32)> = None;
    let mut header_text = String::new();
    for (i, block) in blocks.iter().enumerate() {
        let Kind::Row { table, cells } = &block.kind else {
            continue;
        };
        let continuing = current.filter(|(columns, last, t)| {
            *t == *table
                || (cells.len() == columns.count
                    && i <= last + 3
                    && block.page > blocks[*last].page)
        });
        let first_row =
            i == 0 || !matches!(&blocks[i - 1].kind, Kind::Row { table: t, .. } if t == table);
        let header = if first_row && !contents_table(blocks, i, *table) {
            Columns::of_header(cells)
        } else {
            None
        };
        // A header row (the first, or repeated on a new page) names the columns.
        let repeated_header = continuing.is_some() && block.text == header_text;
        let columns = if let Some(columns) = header {
            header_text.clone_from(&block.text);
            current = Some((columns, i, *table));
            continue;
        } else if let Some((columns, _, _)) = continuing {
            current = Some((columns, i, *table));
            if repeated_header {
                continue;
            }
            columns
        } else {
            current = None;
            continue;
        };
        let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).cloned().unwrap_or_default();
        let mut paragraphs: Vec<String> = cell(Some(columns.finding))
            .split('\n')
            .map(squash)
            .filter(|p| !p.is_empty())
            .collect();
        let mut number = squash(&cell(columns.number));
        if columns.number.is_none()
            && let Some(first) = paragraphs.first_mut()
        {
            if let Some((n, rest)) = leading_number(first) {
                number = n;
                *first = rest;
            } else if let Some((n, rest, _)) = finding_start(first) {
                // "Finding 3" opening the cell, on its own line or before the statement.
                number = n;
                if sentence_like(&rest) {
                    *first = rest;
                } else {
                    paragraphs.remove(0);
                }
            }
        }
        let number = finding_start(&number)
            .map(|(n, _, _)| n)
            .or_else(|| leading_number(&number).map(|(n, _)| n))
            .unwrap_or(number);
        let questions: Vec<String> = cell(columns.questions)
            .split('\n')
            .map(|q| squash(strip_list_label(q)))
            .filter(|q| !q.is_empty())
            .collect();
        let category_text = squash(&cell(columns.category).replace('\n', " "));
        match gathered.last_mut() {
            // A row with no number of its own continues the finding before it.
            Some(g) if number.is_empty() => {
                // A paragraph cut by the row's end goes on where the next row begins.
                if let (Some(last), Some(first)) = (g.finding.last_mut(), paragraphs.first())
                    && !last.ends_with(['.', '?', '!'])
                {
                    *last = squash(&format!("{last} {first}"));
                    paragraphs.remove(0);
                }
                g.finding.extend(paragraphs);
                if !category_text.is_empty() {
                    g.category = if g.category.ends_with('-') {
                        format!("{}{category_text}", g.category)
                    } else {
                        squash(&format!("{} {category_text}", g.category))
                    };
                }
                if let (Some(last), Some(first)) = (g.questions.last_mut(), questions.first())
                    && !last.ends_with(['.', '?', '!'])
                {
                    *last = squash(&format!("{last} {first}"));
                    g.questions.extend(questions.into_iter().skip(1));
                } else {
                    g.questions.extend(questions);
                }
                if !g.pages.contains(&block.page) {
                    g.pages.push(block.page);
                }
            }
            _ => {
                if number.is_empty() && paragraphs.is_empty() {
                    continue;
                }
                let number = if number.is_empty() {
                    (gathered.len() + 1).to_string()
                } else {
                    number
                };
                gathered.push(Gathered {
                    number,
                    finding: paragraphs,
                    category: category_text,
                    questions,
                    pages: vec![block.page],
                    row_text: block.text.clone(),
                });
            }
        }
    }
    gathered
        .into_iter()
        .filter_map(|mut g| {
            if g.finding.is_empty() {
                return None;
            }
            let statement = g.finding.remove(0);
            let cat = category(&g.category);
            Some(ProposedFinding {
                number: g.number,
                text: statement,
                pattern: cat.as_ref().map(|c| c.pattern),
                category: cat.as_ref().map(|c| c.label.clone()),
                secondary: cat.as_ref().and_then(|c| c.secondary),
                polarity: cat
                    .as_ref()
                    .and_then(|c| c.polarity)
                    .or_else(|| polarity_in(&g.row_text))
                    .map(str::to_owned),
                supporting: g.finding,
                questions: g.questions,
                pages: g.pages,
            })
        })
        .collect()
}

fn title(text: &Text) -> Option<String> {
    let first_page: Vec<&Block> = text.blocks.iter().filter(|b| b.page <= 1).collect();
    if let Some(b) = first_page.iter().find(|b| b.heading_level() == Some(0)) {
        return Some(b.text.clone());
    }
    let biggest = first_page.iter().map(|b| b.size).fold(0.0f32, f32::max);
    if biggest > 1.12 {
        let parts: Vec<&str> = first_page
            .iter()
            .skip_while(|b| (b.size - biggest).abs() > 0.01)
            .take_while(|b| (b.size - biggest).abs() <= 0.01)
            .map(|b| b.text.as_str())
            .collect();
        return Some(squash(&parts.join(" ")));
    }
    if let Some(b) = first_page.iter().find(|b| b.heading_level() == Some(1)) {
        return Some(b.text.clone());
    }
    text.metadata_title
        .clone()
        .or_else(|| first_page.first().map(|b| b.text.clone()))
}

fn partnership(text: &Text) -> Option<String> {
    text.blocks
        .iter()
        .filter(|b| b.page <= 2 && b.text.len() < 160)
        .find_map(|b| {
            let lower = b.text.to_lowercase();
            let at = lower.find("safeguarding")?;
            let end = ["partnership", "board", "arrangements"]
                .iter()
                .filter_map(|w| lower[at..].find(w).map(|e| at + e + w.len()))
                .min()?;
            // The place named before it: up to four capitalised words.
            let before: Vec<&str> = b.text[..at].split_whitespace().collect();
            let name_words: Vec<&str> = before
                .iter()
                .rev()
                .take_while(|w| w.chars().next().is_some_and(char::is_uppercase))
                .take(4)
                .copied()
                .collect();
            let lead: Vec<&str> = name_words.into_iter().rev().collect();
            Some(squash(&format!("{} {}", lead.join(" "), &b.text[at..end])))
        })
}

use casewindow_domain::calendar::MONTH_NAMES as MONTHS;

fn date(text: &Text) -> Option<String> {
    text.blocks
        .iter()
        .filter(|b| b.page <= 2 && b.text.len() < 200)
        .find_map(|b| {
            let tokens: Vec<&str> = b.text.split_whitespace().collect();
            tokens.windows(2).enumerate().find_map(|(i, w)| {
                let month = w[0]
                    .trim_matches(|c: char| !c.is_alphabetic())
                    .to_lowercase();
                let year = w[1].trim_matches(|c: char| !c.is_ascii_digit());
                let good_year =
                    year.len() == 4 && (year.starts_with("19") || year.starts_with("20"));
                (MONTHS.contains(&month.as_str()) && good_year).then(|| {
                    let day = i
                        .checked_sub(1)
                        .map(|d| tokens[d].trim_end_matches(|c: char| !c.is_alphanumeric()))
                        .filter(|d| {
                            let digits: String =
                                d.chars().take_while(char::is_ascii_digit).collect();
                            !digits.is_empty() && digits.len() <= 2
                        });
                    match day {
                        Some(d) => format!(
                            "{d} {} {year}",
                            w[0].trim_matches(|c: char| !c.is_alphabetic())
                        ),
                        None => {
                            format!("{} {year}", w[0].trim_matches(|c: char| !c.is_alphabetic()))
                        }
                    }
                })
            })
        })
}

/// Finds the findings a report states.
#[must_use]
pub fn propose(text: &Text) -> Proposal {
    let blocks = &text.blocks;
    let found = starts(blocks);
    // Some reports print the category just before the finding's number: when the first
    // finding and at least half of them are so, each such line belongs to the finding after it.
    let before: Vec<Option<usize>> = found
        .iter()
        .map(|s| {
            s.at.checked_sub(1)
                .filter(|&i| category_line(&line_of(&blocks[i])).is_some())
        })
        .collect();
    let category_first = before.first().is_some_and(Option::is_some)
        && before.iter().flatten().count() * 2 >= found.len();
    let mut candidates: Vec<(usize, usize, ProposedFinding)> = Vec::new();
    for (k, start) in found.iter().enumerate() {
        let mut next = found.get(k + 1).map_or(blocks.len(), |s| s.at);
        if category_first && let Some(Some(line)) = before.get(k + 1) {
            next = next.min(*line).max(start.at + 1);
        }
        let end = (start.at + 1..next)
            .find(|&i| ends_findings(&blocks[i], start.level))
            .unwrap_or(next);
        let body: usize = blocks[start.at..end].iter().map(|b| b.text.len()).sum();
        if let Some(mut f) = finding_from(blocks, start, end) {
            if category_first
                && let Some(c) = before[k].and_then(|i| category_line(&line_of(&blocks[i])))
            {
                f.pattern = Some(c.pattern);
                f.category = Some(c.label);
                f.secondary = c.secondary;
                f.polarity = f.polarity.or(c.polarity.map(str::to_owned));
            }
            candidates.push((start.at, body, f));
        }
    }
    // One passage per number: the one with the most to say.
    let mut chosen: Vec<(usize, usize, ProposedFinding)> = Vec::new();
    for (at, body, f) in candidates {
        match chosen.iter_mut().find(|(_, _, c)| c.number == f.number) {
            Some(existing) if existing.1 >= body => {
                // Keep the category the other passage states, if only it states one.
                if existing.2.pattern.is_none() && f.pattern.is_some() && existing.2.text == f.text
                {
                    existing.2.pattern = f.pattern;
                }
            }
            Some(existing) => *existing = (at, body, f),
            None => chosen.push((at, body, f)),
        }
    }
    chosen.sort_by_key(|c| c.0);
    let mut findings: Vec<ProposedFinding> = chosen.into_iter().map(|c| c.2).collect();
    let from_tables = table_findings(blocks);
    if !from_tables.is_empty() && from_tables.len() >= findings.len() {
        findings = from_tables;
    }
    Proposal {
        title: title(text),
        partnership: partnership(text),
        date: date(text),
        pages: text.pages,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_numbers_in_the_ways_reports_write_them() {
        let cases = [
            ("Finding 3", Some("3")),
            ("Systems finding 3: Professionals rely", Some("3")),
            ("FINDING TWO – the plan", Some("2")),
            ("5.3 Finding 4.", Some("4")),
            ("Finding no. 7 (Tools)", Some("7")),
            ("Findings", None),
            ("The finding 3 above", None),
            ("Finding the right words", None),
        ];
        for (text, number) in cases {
            assert_eq!(
                finding_start(text).map(|f| f.0).as_deref(),
                number,
                "{text}"
            );
        }
    }

    #[test]
    fn every_wording_of_the_typology_names_its_pattern() {
        let cases = [
            ("Human-tool operation", Pattern::Tool),
            ("Tools", Pattern::Tool),
            ("Human-management system operation", Pattern::Management),
            (
                "Communication and collaboration in multi-agency working in response to incidents and crises",
                Pattern::MultiagencyCrisis,
            ),
            (
                "Multi-agency working in longer-term work",
                Pattern::MultiagencyLongterm,
            ),
            (
                "Multi-agency working in assessment and longer term work",
                Pattern::MultiagencyLongterm,
            ),
            (
                "Family–professional interaction",
                Pattern::FamilyProfessional,
            ),
            (
                "Human judgement/reasoning – cognitive and emotional biases",
                Pattern::Reasoning,
            ),
            ("Pattern 2", Pattern::Management),
        ];
        for (label, pattern) in cases {
            assert_eq!(pattern_label(label), Some(pattern), "{label}");
        }
    }

    #[test]
    fn category_lines_and_not_sentences() {
        let c =
            category_line("1. Tools (also 4. Multi-agency working in longer-term work) · Unsafe");
        let c = c.expect("a category line");
        assert_eq!(c.pattern, Pattern::Tool);
        assert_eq!(c.secondary, Some(Pattern::MultiagencyLongterm));
        assert_eq!(c.polarity, Some("unsafe"));
        assert!(category_line("Category: Management systems").is_some());
        assert!(category_line("Finding type – Human judgement/reasoning").is_some());
        assert!(
            category_line("Management systems in the partnership do not give practitioners time to reflect on the family's history.").is_none()
        );
    }

    #[test]
    fn contents_entries_are_recognised() {
        assert!(contents_entry("Finding 1 . . . . . . . 25"));
        assert!(contents_entry("Finding 2 ........ 26"));
        assert!(contents_entry("Finding 3 27"));
        assert!(!contents_entry("Finding 3: Agencies wait 27 days"));
        assert!(!contents_entry("Finding 5.1"));
    }
}
