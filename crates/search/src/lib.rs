//! Full-text search across reviews, without I/O: the documents each review is made of
//! (findings, key practice episodes, chronology entries, narrative sections), the query language
//! readers type, and the counting of facets over the ranked matches.
//!
//! The matching itself is the database's (PostgreSQL's text search, SQLite's FTS5: see
//! `casewindow-store-sql`), so every server on one database searches one index that is always
//! current. What is here decides nothing about who may read what: the store is given the scopes
//! the caller has established, and [`tally`] counts only what it returned.

use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// At most this many matches are ranked and counted per search.
pub const MAX_MATCHES: usize = 5_000;

/// The characters that mark where a quoted text matched, as the database returns snippets;
/// removed from every text indexed, so they mark nothing else.
pub const MATCH_START: char = '\u{1}';
pub const MATCH_END: char = '\u{2}';

/// What a search document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Finding,
    Episode,
    Chronology,
    Narrative,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Finding,
        Kind::Episode,
        Kind::Chronology,
        Kind::Narrative,
    ];

    /// The short name used in the index and in addresses (`?kind=finding`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Finding => "finding",
            Kind::Episode => "episode",
            Kind::Chronology => "chronology",
            Kind::Narrative => "narrative",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// How a reader calls it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Finding => "Findings",
            Kind::Episode => "Key practice episodes",
            Kind::Chronology => "Chronology entries",
            Kind::Narrative => "Narrative",
        }
    }
}

/// One thing that can be found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    pub kind: Kind,
    /// The record's id.
    pub id: Uuid,
    pub review: Uuid,
    /// The agency whose record it is (chronology entries) or whose perspective it gives.
    pub agency: Option<Uuid>,
    /// A facet value such as the finding's pattern; empty when there is none.
    pub pattern: String,
    /// The year the record is about, when it has one.
    pub year: Option<i32>,
    /// A short heading (a finding's statement, an episode's title, an entry's date and agency).
    pub title: String,
    /// The text searched and quoted.
    pub body: String,
    /// The title of the review it belongs to, for showing.
    pub review_title: String,
}

/// What a reader may see in one review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub kinds: HashSet<Kind>,
    /// When set, chronology entries only of this agency.
    pub chronology_agency: Option<Uuid>,
}

/// Narrowing the results to facet values; empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub kinds: HashSet<Kind>,
    pub patterns: HashSet<String>,
    pub reviews: HashSet<Uuid>,
    pub years: HashSet<i32>,
}

/// Part of a quoted text, highlighted where it matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub matched: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: Uuid,
    pub review: Uuid,
    pub agency: Option<Uuid>,
    pub pattern: String,
    pub year: Option<i32>,
    pub title: String,
    pub review_title: String,
    pub snippet: Vec<Piece>,
    pub score: f32,
}

/// The answer to a search: the best hits, and how many of every facet value matched among
/// everything the reader may see (each facet counted with every other facet's filter applied).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// How many matched in all, after the filters.
    pub total: usize,
    /// More matched than were looked at ([`MAX_MATCHES`]); counts are of the best.
    pub truncated: bool,
    pub kinds: BTreeMap<Kind, usize>,
    pub patterns: BTreeMap<String, usize>,
    pub reviews: BTreeMap<Uuid, usize>,
    /// The title of every review counted.
    pub review_titles: HashMap<Uuid, String>,
    pub years: BTreeMap<i32, usize>,
}

/// One document as the database ranked it, before it is counted and shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    pub kind: Kind,
    pub id: Uuid,
    pub review: Uuid,
    pub agency: Option<Uuid>,
    pub pattern: String,
    pub year: Option<i32>,
    pub title: String,
    pub review_title: String,
    pub score: f32,
}

/// One part of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// A word; its stem matches ("assessing" finds "assessment").
    Word(String),
    /// Words in this order ("strategy meeting", in quotes).
    Phrase(Vec<String>),
    /// A word or phrase that must not occur (`-word`, `-"two words"`).
    Not(Vec<String>),
}

/// What a reader typed, read leniently: words (all must match), "quoted phrases" and
/// `-excluded` words or phrases. Nothing a reader types is an error: stray quotes, brackets and
/// operators are dropped, and punctuation inside words is read as a space.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub parts: Vec<Part>,
}

/// Characters kept in a word: letters, digits and apostrophes within words.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Query {
    /// Longest query read; the rest is ignored.
    pub const MAX_PARTS: usize = 32;

    pub fn parse(text: &str) -> Query {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let negated = rest.starts_with('-');
            let body = if negated { &rest[1..] } else { rest };
            let (chunk, quoted, after) = if let Some(inner) = body.strip_prefix('"') {
                match inner.find('"') {
                    Some(end) => (&inner[..end], true, &inner[end + 1..]),
                    // An unclosed quote runs to the end.
                    None => (inner, true, ""),
                }
            } else {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                (&body[..end], false, &body[end..])
            };
            rest = after;
            if !quoted && !negated && matches!(chunk, "AND" | "OR" | "NOT") {
                continue;
            }
            let words = words_of(chunk);
            if words.is_empty() {
                continue;
            }
            parts.push(if negated {
                Part::Not(words)
            } else if quoted && words.len() > 1 {
                Part::Phrase(words)
            } else if words.len() == 1 {
                Part::Word(words.into_iter().next().unwrap_or_default())
            } else {
                // "child's-plan" typed without quotes: its words in order.
                Part::Phrase(words)
            });
            if parts.len() == Self::MAX_PARTS {
                break;
            }
        }
        Query { parts }
    }

    /// Whether anything must match (a query of exclusions alone finds nothing).
    pub fn is_empty(&self) -> bool {
        !self.parts.iter().any(|p| !matches!(p, Part::Not(_)))
    }

    /// As PostgreSQL's `websearch_to_tsquery` reads it: every part quoted, so no word a reader
    /// types ("or") becomes an operator.
    pub fn to_websearch(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Word(w) => format!("\"{w}\""),
                Part::Phrase(words) => format!("\"{}\"", words.join(" ")),
                Part::Not(words) => format!("-\"{}\"", words.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// As SQLite's FTS5 reads it: each part a quoted string (quotes doubled), all required,
    /// the exclusions after `NOT`. `None` when nothing must match.
    pub fn to_fts5(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let quote = |words: &[String]| format!("\"{}\"", words.join(" ").replace('"', "\"\""));
        let required: Vec<String> = self
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Word(w) => Some(quote(std::slice::from_ref(w))),
                Part::Phrase(words) => Some(quote(words)),
                Part::Not(_) => None,
            })
            .collect();
        let mut out = format!("({})", required.join(" AND "));
        for part in &self.parts {
            if let Part::Not(words) = part {
                out.push_str(" NOT ");
                out.push_str(&quote(words));
            }
        }
        Some(out)
    }
}

/// A text as it is indexed: the match marks removed.
pub fn clean(text: &str) -> String {
    text.replace([MATCH_START, MATCH_END], "")
}

/// Counts the facets of the ranked matches (best first) and keeps the best `limit` that pass
/// every filter, in order. Each facet is counted with every other facet's filter applied, so
/// its counts say what choosing one of its values would show. The matches must already be
/// limited to what the reader may see.
pub fn tally(matches: Vec<Match>, filters: &Filters, limit: usize) -> Results {
    let mut results = Results {
        truncated: matches.len() >= MAX_MATCHES,
        ..Results::default()
    };
    for m in matches {
        let passes = |skip: usize| {
            (skip == 0 || filters.kinds.is_empty() || filters.kinds.contains(&m.kind))
                && (skip == 1
                    || filters.patterns.is_empty()
                    || filters.patterns.contains(&m.pattern))
                && (skip == 2 || filters.reviews.is_empty() || filters.reviews.contains(&m.review))
                && (skip == 3
                    || filters.years.is_empty()
                    || m.year.is_some_and(|y| filters.years.contains(&y)))
        };
        if passes(0) {
            *results.kinds.entry(m.kind).or_default() += 1;
        }
        if passes(1) && !m.pattern.is_empty() {
            *results.patterns.entry(m.pattern.clone()).or_default() += 1;
        }
        if passes(2) {
            *results.reviews.entry(m.review).or_default() += 1;
            results
                .review_titles
                .entry(m.review)
                .or_insert_with(|| m.review_title.clone());
        }
        if let Some(y) = m.year
            && passes(3)
        {
            *results.years.entry(y).or_default() += 1;
        }
        if passes(usize::MAX) {
            results.total += 1;
            if results.hits.len() < limit {
                results.hits.push(Hit {
                    kind: m.kind,
                    id: m.id,
                    review: m.review,
                    agency: m.agency,
                    pattern: m.pattern,
                    year: m.year,
                    title: m.title,
                    review_title: m.review_title,
                    snippet: Vec::new(),
                    score: m.score,
                });
            }
        }
    }
    results
}

/// A snippet as the database marks it ([`MATCH_START`] … [`MATCH_END`] around each match),
/// cut into pieces, at most `max` characters of text. A snippet with no match marked (the
/// match was in the title only) is the start of `body` instead.
pub fn snippet(marked: &str, body: &str, max: usize) -> Vec<Piece> {
    if !marked.contains(MATCH_START) {
        return vec![Piece {
            text: shorten(&clean(body), max),
            matched: false,
        }];
    }
    let mut out: Vec<Piece> = Vec::new();
    let mut left = max;
    let mut matched = false;
    let mut text = String::new();
    let flush = |text: &mut String, matched: bool, out: &mut Vec<Piece>| {
        if !text.is_empty() {
            out.push(Piece {
                text: std::mem::take(text),
                matched,
            });
        }
    };
    for c in marked.chars() {
        match c {
            MATCH_START => {
                flush(&mut text, matched, &mut out);
                matched = true;
            }
            MATCH_END => {
                flush(&mut text, matched, &mut out);
                matched = false;
            }
            _ if left == 0 => {}
            _ => {
                // Line breaks read as spaces in a quoted fragment.
                text.push(if c.is_whitespace() { ' ' } else { c });
                left -= 1;
            }
        }
    }
    if left == 0 && !matched {
        text.push('…');
    }
    flush(&mut text, matched, &mut out);
    out
}

/// The first `max` characters of `text`, cut at a word, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn queries_are_read_leniently() {
        let q = Query::parse(r#"Strategy "home visit" -police -"core group" OR x's"#);
        assert_eq!(
            q.parts,
            vec![
                Part::Word("strategy".into()),
                Part::Phrase(words(&["home", "visit"])),
                Part::Not(words(&["police"])),
                Part::Not(words(&["core", "group"])),
                Part::Word("x's".into()),
            ]
        );
        assert_eq!(
            q.to_websearch(),
            r#""strategy" "home visit" -"police" -"core group" "x's""#
        );
        assert_eq!(
            q.to_fts5().as_deref(),
            Some(r#"("strategy" AND "home visit" AND "x's") NOT "police" NOT "core group""#)
        );
        for odd in [
            "\"strategy meeting",
            "strategy AND",
            "(((",
            "title:",
            "-",
            "   ",
            "*",
            "\"\"",
        ] {
            let q = Query::parse(odd);
            assert!(q.parts.len() <= 2, "{odd}: {q:?}");
            assert!(!q.to_websearch().contains("\"\""), "{odd}");
        }
        assert_eq!(
            Query::parse("\"strategy meeting").parts,
            vec![Part::Phrase(words(&["strategy", "meeting"]))]
        );
        assert!(Query::parse("-police").is_empty());
        assert_eq!(Query::parse("-police").to_fts5(), None);
        assert_eq!(
            Query::parse("title:").parts,
            vec![Part::Word("title".into())]
        );
        // A quote inside a word cannot end the string FTS5 reads.
        assert!(
            !Query::parse("a\"b")
                .to_fts5()
                .unwrap_or_default()
                .contains("\"\"\"")
        );
        assert_eq!(
            Query::parse(&"w ".repeat(100)).parts.len(),
            Query::MAX_PARTS
        );
    }

    fn m(kind: Kind, review: Uuid, pattern: &str, year: i32) -> Match {
        Match {
            kind,
            id: Uuid::new_v4(),
            review,
            agency: None,
            pattern: pattern.to_owned(),
            year: Some(year),
            title: "t".to_owned(),
            review_title: format!("Review {review}"),
            score: 1.0,
        }
    }

    #[test]
    fn a_facet_filter_narrows_the_hits_not_its_own_counts() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let matches = vec![
            m(Kind::Finding, a, "reasoning", 2021),
            m(Kind::Chronology, b, "", 2020),
            m(Kind::Finding, b, "tools", 2020),
        ];
        let all = tally(matches.clone(), &Filters::default(), 10);
        assert_eq!(all.total, 3);
        assert_eq!(all.kinds.get(&Kind::Finding), Some(&2));
        assert_eq!(all.patterns.len(), 2);
        assert_eq!(all.years.get(&2020), Some(&2));
        let only = Filters {
            kinds: [Kind::Finding].into(),
            years: [2020].into(),
            ..Filters::default()
        };
        let some = tally(matches, &only, 10);
        assert_eq!(some.total, 1);
        assert_eq!(some.hits[0].pattern, "tools");
        // Kinds are counted with the year filter only; years with the kind filter only.
        assert_eq!(some.kinds.get(&Kind::Chronology), Some(&1));
        assert_eq!(some.years.get(&2021), Some(&1));
        assert!(!some.truncated);
        let limited = tally(
            vec![m(Kind::Finding, a, "", 2021); 3],
            &Filters::default(),
            2,
        );
        assert_eq!((limited.total, limited.hits.len()), (3, 2));
    }

    #[test]
    fn snippets_are_cut_at_the_marks() {
        let marked = format!("the mother was {MATCH_START}assessed{MATCH_END} as coping");
        let pieces = snippet(&marked, "", 240);
        assert_eq!(pieces.len(), 3);
        assert!(pieces[1].matched && pieces[1].text == "assessed");
        // No mark: the match was in the title; the start of the text is quoted.
        let pieces = snippet("no mark", "A long text about it", 7);
        assert_eq!(
            pieces,
            vec![Piece {
                text: "A long…".into(),
                matched: false
            }]
        );
        assert_eq!(clean(&marked), "the mother was assessed as coping");
    }
}
