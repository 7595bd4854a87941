//! From characters at positions to blocks in reading order: the part of reading a PDF that does
//! not depend on the PDF library.
//!
//! Per page: characters are gathered into lines by baseline and into words by the gaps between
//! them (a PDF need not contain spaces). Runs of lines that share an empty vertical band with
//! text on both sides are columns: two of similar width are read as text columns, left then
//! right; others as a table, read row by row (a row ends where the gap between lines is larger
//! than within a cell). Lines become paragraphs where the gap, the size, the indent or a list
//! marker says so. Across pages, lines near the top or bottom edge that repeat on many pages
//! (running headers and footers, page numbers) are dropped; so are footnotes (small text at the
//! foot of a page) and footnote marks (small raised characters). Words hyphenated at a line's
//! end are joined unless the document writes the hyphenated form elsewhere.

use crate::text::{Block, Kind, Text, squash, unligature};
use std::collections::{HashMap, HashSet};

/// One character (or a few, for a ligature) as the PDF places it.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Left edge, in points from the page's left.
    pub x: f32,
    /// Baseline, in points from the page's top.
    pub y: f32,
    /// Advance width in points.
    pub width: f32,
    /// Font size in points, as drawn.
    pub size: f32,
    pub bold: bool,
    pub text: String,
}

/// One page's characters.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub glyphs: Vec<Glyph>,
}

#[derive(Debug, Clone)]
struct Word {
    x0: f32,
    x1: f32,
    text: String,
    bold: bool,
    size: f32,
}

#[derive(Debug, Clone)]
struct Line {
    y: f32,
    size: f32,
    words: Vec<Word>,
}

impl Line {
    fn x0(&self) -> f32 {
        self.words.first().map_or(0.0, |w| w.x0)
    }
    fn x1(&self) -> f32 {
        self.words.last().map_or(0.0, |w| w.x1)
    }
    fn text(&self) -> String {
        let words: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        words.join(" ")
    }
    /// The leading bold words; a number before them ("1", "5.2") in another weight counts
    /// with them (a table's number column, a numbered paragraph whose first sentence is bold).
    fn bold_prefix(&self) -> String {
        let numbered = self.words.first().is_some_and(|w| {
            let core = w.text.trim_end_matches(['.', ')']);
            !core.is_empty()
                && core
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        });
        let skip = usize::from(numbered && self.words.get(1).is_some_and(|w| w.bold));
        let bold = self.words.iter().skip(skip).take_while(|w| w.bold).count();
        if bold == 0 {
            return String::new();
        }
        let words: Vec<&str> = self.words[..skip + bold]
            .iter()
            .map(|w| w.text.as_str())
            .collect();
        words.join(" ")
    }

    /// Whether the whole line is bold (a leading number aside).
    fn all_bold(&self) -> bool {
        self.bold_prefix().len() >= self.text().len()
    }
    /// The part of the line between `from` and `to` (by word centres).
    fn slice(&self, from: f32, to: f32) -> Option<Line> {
        let words: Vec<Word> = self
            .words
            .iter()
            .filter(|w| {
                let centre = (w.x0 + w.x1) / 2.0;
                centre >= from && centre < to
            })
            .cloned()
            .collect();
        (!words.is_empty()).then_some(Line {
            y: self.y,
            size: self.size,
            words,
        })
    }
}

fn median(values: &mut [f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}

/// Characters into lines of words.
fn lines(page: &Page) -> Vec<Line> {
    let mut glyphs: Vec<&Glyph> = page
        .glyphs
        .iter()
        .filter(|g| g.size > 0.5 && g.size < 500.0 && g.x.is_finite() && g.y.is_finite())
        .collect();
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    // Baseline clusters.
    let mut rows: Vec<(f32, Vec<&Glyph>)> = Vec::new();
    for g in glyphs {
        let tolerance = g.size * 0.35;
        match rows
            .iter_mut()
            .rev()
            .take(3)
            .find(|(y, _)| (g.y - *y).abs() <= tolerance)
        {
            Some(row) => row.1.push(g),
            None => rows.push((g.y, vec![g])),
        }
    }
    let mut out = Vec::new();
    for (_, mut row) in rows {
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut sizes: Vec<f32> = row.iter().map(|g| g.size).collect();
        let size = median(&mut sizes);
        // The line's baseline: that of its main-size characters (not raised footnote marks).
        let mut baselines: Vec<f32> = row
            .iter()
            .filter(|g| g.size >= size * 0.9)
            .map(|g| g.y)
            .collect();
        let y = median(&mut baselines);
        let mut words: Vec<Word> = Vec::new();
        let mut last_end: Option<f32> = None;
        for g in row {
            // A footnote mark: small and raised.
            if g.size < size * 0.8 && g.y < y - size * 0.2 {
                continue;
            }
            let blank = g.text.trim().is_empty();
            let gap = last_end.map_or(f32::INFINITY, |end| g.x - end);
            let end = g.x + g.width.max(0.0);
            if blank {
                if let Some(w) = words.last_mut() {
                    w.x1 = w.x1.max(w.x1);
                }
                last_end = Some(last_end.map_or(end, |e: f32| e.max(end)));
                // A space character always ends the word.
                words.push(Word {
                    x0: end,
                    x1: end,
                    text: String::new(),
                    bold: g.bold,
                    size: g.size,
                });
                continue;
            }
            // A glyph the PDF maps to no character (U+FFFD, often a hyphen) has no width of
            // its own here: it belongs to the word before it and the word after it.
            let unmapped =
                g.text == "\u{fffd}" || words.last().is_some_and(|w| w.text.ends_with('\u{fffd}'));
            let joins = (gap < g.size.max(size) * 0.16
                || (unmapped && gap < g.size.max(size) * 0.6))
                && words.last().is_some_and(|w| !w.text.is_empty());
            if joins {
                if let Some(w) = words.last_mut() {
                    w.text.push_str(&g.text);
                    w.x1 = end.max(w.x1);
                    w.bold &= g.bold;
                }
            } else {
                if words.last().is_some_and(|w| w.text.is_empty()) {
                    words.pop();
                }
                words.push(Word {
                    x0: g.x,
                    x1: end,
                    text: g.text.clone(),
                    bold: g.bold,
                    size: g.size,
                });
            }
            last_end =
                Some(last_end.map_or(end, |e: f32| if gap < 0.0 { e.max(end) } else { end }));
        }
        words.retain(|w| !w.text.is_empty());
        if !words.is_empty() {
            out.push(Line { y, size, words });
        }
    }
    out
}

/// A run of lines and, if it is set in columns, where they divide.
#[derive(Debug)]
struct Region {
    lines: Vec<Line>,
    /// Gutter centres, left to right; empty for one column.
    splits: Vec<f32>,
}

/// The empty bands inside a line (between words), and at its edges within `[left, right]`.
fn gaps(line: &Line, left: f32, right: f32, min: f32) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    let mut from = left;
    for w in &line.words {
        if w.x0 - from >= min {
            out.push((from, w.x0));
        }
        from = from.max(w.x1);
    }
    if right - from >= min {
        out.push((from, right));
    }
    out
}

fn intersect(a: &[(f32, f32)], b: &[(f32, f32)], min: f32) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    for &(a0, a1) in a {
        for &(b0, b1) in b {
            let (lo, hi) = (a0.max(b0), a1.min(b1));
            if hi - lo >= min {
                out.push((lo, hi));
            }
        }
    }
    out
}

/// Divides a page's lines into regions of one column or several.
fn regions(lines: Vec<Line>, body: f32) -> Vec<Region> {
    if lines.is_empty() {
        return Vec::new();
    }
    let left = lines.iter().map(Line::x0).fold(f32::INFINITY, f32::min);
    let right = lines.iter().map(Line::x1).fold(f32::NEG_INFINITY, f32::max);
    let min = (body * 0.8).max(4.0);
    // Interior bands: text on both sides somewhere in the run.
    let interior = |band: &(f32, f32), run: &[Line]| {
        // A table's first column may hold only a number per row: two lines on a side will do.
        let lefts = run.iter().filter(|l| l.x0() < band.0).count();
        let rights = run.iter().filter(|l| l.x1() > band.1).count();
        lefts >= 2 && rights >= 2 && (lefts * 2 >= run.len() || rights * 2 >= run.len())
    };
    // The longest run from a line whose lines share an interior empty band, and the bands.
    let run_from = |i: usize| {
        let mut bands = gaps(&lines[i], left, right, min);
        let mut j = i + 1;
        while j < lines.len() {
            let next = intersect(&bands, &gaps(&lines[j], left, right, min), min);
            let pitch = lines[j].y - lines[j - 1].y;
            if next.is_empty() || pitch > body * 4.0 {
                break;
            }
            bands = next;
            j += 1;
        }
        let run = &lines[i..j];
        let splits: Vec<f32> = bands
            .iter()
            .filter(|b| b.0 > left + 1.0 && b.1 < right - 1.0 && interior(b, run))
            .map(|b| (b.0 + b.1) / 2.0)
            .collect();
        (j, splits)
    };
    let mut out: Vec<Region> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (j, splits) = run_from(i);
        // A paragraph's last line just above a table fits the table's right-hand columns
        // only: the run from the next line finds more columns, so this line is not the table's.
        let better_later = i + 1 < lines.len() && {
            let (j2, splits2) = run_from(i + 1);
            j2 >= j && splits2.len() > splits.len()
        };
        // Or it is the last line of the paragraph above: on one side of every split, and
        // nearer the line above than the line below.
        let one_sided = splits
            .iter()
            .all(|&x| lines[i].x1() < x || lines[i].x0() > x);
        let continues_above = i > 0
            && i + 1 < lines.len()
            && one_sided
            && out.last().is_some_and(|r| r.splits.is_empty())
            && lines[i].y - lines[i - 1].y < lines[i + 1].y - lines[i].y;
        let better_later = better_later || continues_above;
        // A table begins with a line that has text in two of its columns (its header or first
        // row): lines before it that keep to one column (a heading, the sentence introducing
        // the table) are not the table's.
        let columns_used = |line: &Line| {
            let mut bounds = vec![f32::NEG_INFINITY];
            bounds.extend(splits.iter().copied());
            bounds.push(f32::INFINITY);
            bounds
                .windows(2)
                .filter(|w| line.slice(w[0], w[1]).is_some())
                .count()
        };
        let first_wide = (i..j).find(|&k| columns_used(&lines[k]) >= 2).unwrap_or(j);
        if j - first_wide >= 3 && first_wide > i && !splits.is_empty() && !better_later {
            for line in &lines[i..first_wide] {
                match out.last_mut() {
                    Some(r) if r.splits.is_empty() => r.lines.push(line.clone()),
                    _ => out.push(Region {
                        lines: vec![line.clone()],
                        splits: Vec::new(),
                    }),
                }
            }
            i = first_wide;
            continue;
        }
        if j - i >= 3 && !splits.is_empty() && !better_later {
            out.push(Region {
                lines: lines[i..j].to_vec(),
                splits,
            });
            i = j;
        } else {
            match out.last_mut() {
                Some(r) if r.splits.is_empty() => r.lines.push(lines[i].clone()),
                _ => out.push(Region {
                    lines: vec![lines[i].clone()],
                    splits: Vec::new(),
                }),
            }
            i += 1;
        }
    }
    out
}

/// A piece of a page in reading order, before paragraphs are made.
enum Flow {
    Lines(Vec<Line>),
    Table(Vec<Vec<Vec<Line>>>),
}

fn flows(region: Region, body: f32) -> Vec<Flow> {
    if region.splits.is_empty() {
        return vec![Flow::Lines(region.lines)];
    }
    let mut bounds = vec![f32::NEG_INFINITY];
    bounds.extend(region.splits.iter().copied());
    bounds.push(f32::INFINITY);
    let columns: Vec<Vec<Line>> = bounds
        .windows(2)
        .map(|w| {
            region
                .lines
                .iter()
                .filter_map(|l| l.slice(w[0], w[1]))
                .collect()
        })
        .collect();
    let width = |c: &Vec<Line>| {
        let x0 = c.iter().map(Line::x0).fold(f32::INFINITY, f32::min);
        let x1 = c.iter().map(Line::x1).fold(f32::NEG_INFINITY, f32::max);
        x1 - x0
    };
    let text_columns = columns.len() == 2 && {
        let (a, b) = (width(&columns[0]), width(&columns[1]));
        let ratio = a / b.max(1.0);
        (0.6..=1.6).contains(&ratio) && columns.iter().all(|c| c.len() >= 3)
    };
    if text_columns {
        return columns.into_iter().map(Flow::Lines).collect();
    }
    // Numbers or bullets hanging in the margin (numbered paragraphs, lists) are not a table.
    let hanging = columns.len() == 2
        && columns[0]
            .iter()
            .all(|l| l.words.len() == 1 && list_marker(&format!("{} x", l.words[0].text)));
    if hanging {
        return vec![Flow::Lines(region.lines)];
    }
    // A table: rows end where the gap between lines is larger than within a cell.
    let mut ys: Vec<f32> = region.lines.iter().map(|l| l.y).collect();
    ys.dedup();
    let mut pitches: Vec<f32> = ys.windows(2).map(|w| w[1] - w[0]).collect();
    let pitch = median(&mut pitches).max(body);
    // A row also ends where a column whose text had stopped has text again: cells are set
    // from their top, so a cell's text has no gap in it.
    let mut rows: Vec<Vec<Vec<Line>>> = Vec::new();
    let mut last_y: Option<f32> = None;
    // (Columns' baselines need not agree, so a column has stopped only where its own text
    // has a gap.)
    let mut column_y: Vec<Option<f32>> = vec![None; bounds.len() - 1];
    for line in &region.lines {
        let parts: Vec<Option<Line>> = bounds.windows(2).map(|w| line.slice(w[0], w[1])).collect();
        let resumed = parts
            .iter()
            .zip(&column_y)
            .any(|(p, y)| p.is_some() && y.is_some_and(|y| line.y - y > pitch * 1.6));
        let new_row = last_y.is_none_or(|y| line.y - y > pitch * 1.2) || resumed;
        if new_row {
            rows.push(vec![Vec::new(); bounds.len() - 1]);
            column_y.iter_mut().for_each(|y| *y = None);
        }
        if let Some(row) = rows.last_mut() {
            for (c, part) in parts.into_iter().enumerate() {
                if let Some(part) = part {
                    column_y[c] = Some(part.y);
                    row[c].push(part);
                }
            }
        }
        last_y = Some(line.y);
    }
    vec![Flow::Table(rows)]
}

/// Whether a line opens a list item: a bullet, "1.", "(a)", "5.3", "iv)".
fn list_marker(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    if matches!(
        first,
        "•" | "●" | "▪" | "◦" | "–" | "-" | "*" | "○" | "■" | "" | "➢"
    ) {
        return true;
    }
    let core = first
        .trim_start_matches('(')
        .trim_end_matches(['.', ')', ':']);
    !core.is_empty()
        && first.len() <= 8
        && first != core
        && (core
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            || (core.len() == 1 && core.chars().all(|c| c.is_ascii_lowercase()))
            || core.chars().all(|c| matches!(c, 'i' | 'v' | 'x')))
        || (first.contains('.')
            && first.split('.').filter(|p| !p.is_empty()).count() >= 2
            && first
                .split('.')
                .all(|p| p.is_empty() || p.chars().all(|c| c.is_ascii_digit())))
}

struct Para {
    lines: Vec<Line>,
    page: u32,
}

/// Lines of one flow into paragraphs.
fn paragraphs(lines: Vec<Line>, body: f32, page: u32) -> Vec<Para> {
    let left = lines.iter().map(Line::x0).fold(f32::INFINITY, f32::min);
    let right = lines.iter().map(Line::x1).fold(f32::NEG_INFINITY, f32::max);
    let mut ys: Vec<f32> = lines
        .windows(2)
        .map(|w| w[1].y - w[0].y)
        .filter(|d| *d > 0.0)
        .collect();
    let pitch = median(&mut ys).clamp(body, body * 2.0);
    let mut out: Vec<Para> = Vec::new();
    for line in lines {
        let starts = match out.last().and_then(|p| p.lines.last()) {
            None => true,
            Some(prev) => {
                let gap = line.y - prev.y;
                let size_change = (line.size - prev.size).abs() > prev.size.min(line.size) * 0.05;
                let line_bold = line.all_bold();
                let prev_bold = prev.all_bold();
                let ends_sentence = prev.text().ends_with(['.', ':', '?', '!']);
                let indented = line.x0() > left + body * 1.2 && prev.x0() <= left + body * 0.5;
                let prev_short = prev.x1() < right - body * 4.0;
                gap > pitch * 1.2
                    || gap < 0.0
                    || size_change
                    || (line_bold && !prev_bold)
                    || (prev_bold && !line_bold && (prev_short || ends_sentence))
                    || indented
                    || list_marker(&line.text())
                    || (prev_short && prev.text().ends_with(['.', ':', '?', '!', '"', '\u{201d}']))
            }
        };
        if starts {
            out.push(Para {
                lines: Vec::new(),
                page,
            });
        }
        if let Some(p) = out.last_mut() {
            p.lines.push(line);
        }
    }
    out
}

/// Words of the document, to decide whether a hyphen at a line's end belongs to the word and
/// whether two halves across a line's end are one word.
fn vocabulary(pages: &[Vec<Line>]) -> HashSet<String> {
    let mut words = HashSet::new();
    // Only words inside lines: a line's first and last words may be halves of a broken word.
    for line in pages.iter().flatten() {
        let inside = line.words.len().saturating_sub(1);
        for w in line.words.iter().take(inside).skip(1) {
            let word: String = w
                .text
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
                .to_lowercase();
            if word.len() > 1 {
                for part in word.split('-').filter(|p| p.len() > 1) {
                    words.insert(part.to_owned());
                }
                words.insert(word);
            }
        }
    }
    words
}

/// Appends a line to a paragraph's text, mending a word hyphenated at the line's end (the
/// hyphen stays where the document writes the hyphenated form elsewhere and not the joined one).
fn append_line(text: &mut String, line: &str, vocabulary: &HashSet<String>) {
    if text.is_empty() {
        text.push_str(line);
        return;
    }
    // A hyphen mark set apart from its word is part of the word.
    for mark in ['\u{ad}', '\u{fffd}'] {
        let spaced = format!(" {mark}");
        if text.ends_with(&spaced) {
            text.truncate(text.len() - spaced.len());
            text.push(mark);
        }
    }
    let head = text.rsplit(' ').next().unwrap_or("").to_owned();
    let tail = line.split(' ').next().unwrap_or("");
    let next_lower = tail.chars().next().is_some_and(char::is_lowercase);
    // A soft hyphen marks where a word was broken, never a hyphen of the word.
    if head.ends_with('\u{ad}') && next_lower {
        text.truncate(text.len() - head.len() + head.trim_end_matches('\u{ad}').len());
        text.push_str(line);
        return;
    }
    // A hyphen glyph the PDF gives no character for reads as a hyphen.
    let hyphenated = head.chars().count() > 2
        && head.ends_with(['-', '\u{2010}', '\u{fffd}'])
        && head
            .trim_end_matches(['-', '\u{2010}', '\u{fffd}'])
            .chars()
            .last()
            .is_some_and(char::is_alphabetic)
        && next_lower;
    let clean = |s: &str| {
        s.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_lowercase()
    };
    if !hyphenated {
        // A word broken without any hyphen character (some PDFs drop the soft hyphen): joined
        // when the document uses the whole word elsewhere and one of the halves is no word of it.
        let (h, t) = (clean(&head), clean(tail));
        let whole = format!("{h}{t}");
        let broken = next_lower
            && !h.is_empty()
            && !t.is_empty()
            && head.chars().all(char::is_alphabetic)
            && vocabulary.contains(&whole)
            && (!vocabulary.contains(&h) || !vocabulary.contains(&t));
        if !broken {
            text.push(' ');
        }
        text.push_str(line);
        return;
    }
    let stem = head.trim_end_matches(['-', '\u{2010}', '\u{fffd}']);
    let (first, second) = (clean(stem), clean(tail));
    let hyphened = format!("{first}-{second}");
    let joined = format!("{first}{second}");
    // The hyphen goes only where the document writes the word whole and never hyphenated:
    // most reports are not hyphenated (Word's default), and a typesetter that hyphenates
    // marks its breaks with soft hyphens.
    let keep_hyphen = vocabulary.contains(&hyphened)
        || if head.ends_with('\u{fffd}') {
            // A glyph without a character: a hyphen of the word only where both halves are
            // words ("free-text"), else a break ("gener-alise").
            !vocabulary.contains(&joined)
                && vocabulary.contains(&first)
                && vocabulary.contains(&second)
        } else {
            !vocabulary.contains(&joined)
        };
    let cut = text.len() - head.len() + stem.len();
    text.truncate(cut);
    if keep_hyphen {
        text.push('-');
    }
    text.push_str(line);
}

/// Joins a paragraph's lines, mending words hyphenated at a line's end; and the paragraph's
/// leading bold part, joined the same way.
fn join_lines(lines: &[Line], vocabulary: &HashSet<String>) -> (String, String) {
    let mut text = String::new();
    let mut bold = String::new();
    let mut bold_open = true;
    for line in lines {
        let line_text = line.text();
        append_line(&mut text, &line_text, vocabulary);
        if bold_open {
            let line_bold = line.bold_prefix();
            if line_bold.is_empty() {
                bold_open = false;
            } else {
                append_line(&mut bold, &line_bold, vocabulary);
                bold_open = line_bold.len() >= line_text.len();
            }
        }
    }
    (text, bold)
}

/// A line's text with every digit as '#', for recognising running headers and page numbers.
fn shape(line: &Line) -> String {
    line.text()
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect::<String>()
        .to_lowercase()
}

fn page_number(text: &str) -> bool {
    let t = text.to_lowercase();
    let t = t.trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
    let t = t.strip_prefix("page").unwrap_or(t).trim();
    let mut parts = t.split(" of ");
    let n = parts.next().unwrap_or("");
    let m = parts.next();
    let numeric = |s: &str| {
        !s.is_empty()
            && (s.chars().all(|c| c.is_ascii_digit()) || s.chars().all(|c| "ivxlc".contains(c)))
    };
    numeric(n.trim()) && m.is_none_or(|m| numeric(m.trim())) && parts.next().is_none()
}

/// A glyph the PDF maps to no character, between two letters, is a hyphen (what it nearly
/// always is inside a word); anywhere else it is dropped.
fn mend_unmapped(text: &str) -> String {
    if !text.contains('\u{fffd}') {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c != '\u{fffd}' {
            out.push(c);
        } else if i > 0
            && chars[i - 1].is_alphabetic()
            && chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
        {
            out.push('-');
        }
    }
    out
}

/// A table cell's paragraphs, one per line of the result; a paragraph that opens with a bold
/// part (a statement followed by its evidence) is two.
fn cell_text(lines: &[Line], body: f32, page: u32, vocabulary: &HashSet<String>) -> String {
    let mut texts = Vec::new();
    for (k, para) in paragraphs(lines.to_vec(), body, page).iter().enumerate() {
        let (raw, bold) = join_lines(&para.lines, vocabulary);
        let text = squash(&unligature(&mend_unmapped(&raw)));
        let bold = squash(&unligature(&mend_unmapped(&bold)));
        match text.strip_prefix(bold.as_str()) {
            Some(rest) if k == 0 && !bold.is_empty() && !rest.trim().is_empty() => {
                texts.push(bold.clone());
                texts.push(rest.trim().to_owned());
            }
            _ => texts.push(text),
        }
    }
    texts.join("\n")
}

/// Lays out pages into text.
#[must_use]
pub fn text(pages: &[Page], metadata_title: Option<String>) -> Text {
    let page_lines: Vec<Vec<Line>> = pages.iter().map(lines).collect();
    let mut sizes: Vec<f32> = page_lines
        .iter()
        .flatten()
        .flat_map(|l| l.words.iter().map(|w| w.size))
        .collect();
    let body = median(&mut sizes).max(1.0);
    let vocabulary = vocabulary(&page_lines);

    // Running headers and footers: lines near the top or bottom edge whose shape recurs.
    let mut edge_shapes: HashMap<String, HashSet<usize>> = HashMap::new();
    let near_edge = |line: &Line, page: &Page| {
        let band = page.height.max(1.0) * 0.12;
        line.y < band || line.y > page.height - band
    };
    for (p, (lines, page)) in page_lines.iter().zip(pages).enumerate() {
        for line in lines.iter().filter(|l| near_edge(l, page)) {
            edge_shapes.entry(shape(line)).or_default().insert(p);
        }
    }
    let recurring = |s: &str| {
        let seen = edge_shapes.get(s).map_or(0, HashSet::len);
        // On at least half the pages: a table's header row repeated on the pages it runs
        // over is not a running header (unless the table runs over most of the report).
        pages.len() >= 2 && seen >= 2 && seen * 2 >= pages.len()
    };

    let mut blocks: Vec<Block> = Vec::new();
    let mut table_count = 0u32;
    for (p, (lines, page)) in page_lines.into_iter().zip(pages).enumerate() {
        let number = u32::try_from(p + 1).unwrap_or(u32::MAX);
        let bottom_band = page.height * 0.7;
        let kept: Vec<Line> = lines
            .into_iter()
            .filter(|l| !(near_edge(l, page) && (recurring(&shape(l)) || page_number(&l.text()))))
            // Footnotes: small text in the lower part of the page.
            .filter(|l| !(l.y > bottom_band && l.size < body * 0.88))
            .collect();
        for region in regions(kept, body) {
            for flow in flows(region, body) {
                match flow {
                    Flow::Lines(lines) => {
                        for para in paragraphs(lines, body, number) {
                            let (raw, bold) = join_lines(&para.lines, &vocabulary);
                            let text = squash(&unligature(&mend_unmapped(&raw)));
                            if text.is_empty() {
                                continue;
                            }
                            let size = para.lines.first().map_or(body, |l| l.size) / body;
                            let bold = squash(&unligature(&mend_unmapped(&bold)));
                            let first = para.lines.first().map(Line::text).unwrap_or_default();
                            let kind = if list_marker(&first) {
                                Kind::ListItem {
                                    label: first.split_whitespace().next().unwrap_or("").to_owned(),
                                }
                            } else if size >= 1.12 && text.len() < 300 {
                                Kind::Heading {
                                    level: if size >= 1.6 {
                                        1
                                    } else if size >= 1.3 {
                                        2
                                    } else {
                                        3
                                    },
                                }
                            } else {
                                Kind::Paragraph
                            };
                            blocks.push(Block {
                                page: para.page,
                                last_page: para.page,
                                kind,
                                text,
                                bold_prefix: (!bold.is_empty()).then_some(bold),
                                size,
                            });
                        }
                    }
                    Flow::Table(rows) => {
                        table_count += 1;
                        for row in rows {
                            let cells: Vec<String> = row
                                .iter()
                                .map(|lines| cell_text(lines, body, number, &vocabulary))
                                .collect();
                            let text = squash(&cells.join("\t"));
                            if text.is_empty() {
                                continue;
                            }
                            blocks.push(Block {
                                page: number,
                                last_page: number,
                                kind: Kind::Row {
                                    table: table_count,
                                    cells,
                                },
                                text,
                                bold_prefix: None,
                                size: 1.0,
                            });
                        }
                    }
                }
            }
        }
    }
    merge_across_pages(&mut blocks, &vocabulary);
    Text {
        metadata_title,
        pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
        blocks,
    }
}

/// A paragraph that runs on to the next page (or column) is one paragraph: the earlier part
/// ends without a full stop and the later begins in lower case.
fn merge_across_pages(blocks: &mut Vec<Block>, vocabulary: &HashSet<String>) {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks.drain(..) {
        if let Some(prev) = out.last_mut()
            && matches!(prev.kind, Kind::Paragraph | Kind::ListItem { .. })
            && block.kind == Kind::Paragraph
            && !prev.text.ends_with(['.', ':', '?', '!', ';'])
            && block.text.chars().next().is_some_and(char::is_lowercase)
        {
            let whole_bold = prev.all_bold();
            append_line(&mut prev.text, &block.text, vocabulary);
            if whole_bold && let Some(more) = &block.bold_prefix {
                let mut joined = prev.bold_prefix.clone().unwrap_or_default();
                append_line(&mut joined, more, vocabulary);
                prev.bold_prefix = Some(joined);
            }
            prev.last_page = block.last_page;
            continue;
        }
        out.push(block);
    }
    *blocks = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn words_broken_at_a_line_end_are_mended() {
        let v = vocabulary(&[
            "multi-agency",
            "multi",
            "agency",
            "relationships",
            "self-harm",
        ]);
        let cases = [
            (
                "the daily multi\u{fffd}",
                "agency triage",
                "the daily multi-agency triage",
            ),
            (
                "the daily multi \u{fffd}",
                "agency triage",
                "the daily multi-agency triage",
            ),
            (
                "trusting re\u{ad}",
                "lationships, parents",
                "trusting relationships, parents",
            ),
            (
                "trusting re",
                "lationships, parents",
                "trusting relationships, parents",
            ),
            ("after self-", "harm, there", "after self-harm, there"),
            ("they gener\u{ad}", "alise from", "they generalise from"),
            ("in to", "the room", "in to the room"),
        ];
        for (text, line, want) in cases {
            let mut t = text.to_owned();
            append_line(&mut t, line, &v);
            assert_eq!(t, want, "{text:?} + {line:?}");
        }
    }
}
