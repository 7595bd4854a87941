//! Full-text search across reviews, without I/O: an in-memory tantivy index of the documents each
//! review is made of (findings, key practice episodes, chronology entries, narrative sections),
//! stemmed English, replaced a review at a time when its content changes.
//!
//! The index knows nothing of who may read what. [`Index::search`] takes the reviews (and, per
//! review, the kinds and agencies) the caller has already established the reader may see, and
//! never returns, counts or highlights anything else.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use thiserror::Error;
use uuid::Uuid;

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
    pub snippet: Vec<Piece>,
    pub score: f32,
}

/// The answer to a search: the best hits, and how many of every facet value matched among
/// everything the reader may see (before the facet filters are applied to that facet).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// How many matched in all, after the filters.
    pub total: usize,
    /// More matched than were looked at ([`Index::MAX_MATCHES`]); counts are of the best.
    pub truncated: bool,
    pub kinds: BTreeMap<Kind, usize>,
    pub patterns: BTreeMap<String, usize>,
    pub reviews: BTreeMap<Uuid, usize>,
    pub years: BTreeMap<i32, usize>,
}

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    review: Field,
    agency: Field,
    pattern: Field,
    year: Field,
    title: Field,
    body: Field,
}

/// The in-memory index.
pub struct Index {
    index: tantivy::Index,
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
}

impl Index {
    /// At most this many matches are ranked and counted per search.
    pub const MAX_MATCHES: usize = 5_000;

    pub fn new() -> Result<Self, SearchError> {
        let mut schema = Schema::builder();
        let text = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("en_stem")
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored();
        let fields = Fields {
            key: schema.add_text_field("key", STRING),
            kind: schema.add_text_field("kind", STRING | STORED),
            id: schema.add_text_field("id", STORED),
            review: schema.add_text_field("review", STRING | STORED),
            agency: schema.add_text_field("agency", STORED),
            pattern: schema.add_text_field("pattern", STORED),
            year: schema.add_i64_field("year", STORED),
            title: schema.add_text_field("title", text.clone()),
            body: schema.add_text_field("body", text),
        };
        let index = tantivy::Index::create_in_ram(schema.build());
        // One indexing thread: the server has other work, and reviews are indexed one at a time.
        let writer = index.writer_with_num_threads(1, 32_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            writer,
            reader,
            fields,
        })
    }

    /// Replaces everything indexed for these reviews by `docs` (which must belong to them), in
    /// one commit: a search sees the reviews before or after, never half of either.
    pub fn replace(&mut self, reviews: &[Uuid], docs: &[Doc]) -> Result<(), SearchError> {
        for review in reviews {
            self.writer.delete_term(Term::from_field_text(
                self.fields.review,
                &review.to_string(),
            ));
        }
        for doc in docs {
            let f = &self.fields;
            let mut d = TantivyDocument::default();
            d.add_text(f.key, format!("{}:{}", doc.kind.as_str(), doc.id));
            d.add_text(f.kind, doc.kind.as_str());
            d.add_text(f.id, doc.id.to_string());
            d.add_text(f.review, doc.review.to_string());
            if let Some(agency) = doc.agency {
                d.add_text(f.agency, agency.to_string());
            }
            d.add_text(f.pattern, &doc.pattern);
            if let Some(year) = doc.year {
                d.add_i64(f.year, i64::from(year));
            }
            d.add_text(f.title, &doc.title);
            d.add_text(f.body, &doc.body);
            self.writer.add_document(d)?;
        }
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// How many documents are indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The best `limit` matches of `text` (words, "quoted phrases", `-excluded` words; stems
    /// match, so "assessing" finds "assessment") among what `scopes` let the reader see, with
    /// facet counts and a highlighted snippet per hit.
    pub fn search(
        &self,
        text: &str,
        scopes: &HashMap<Uuid, Scope>,
        filters: &Filters,
        limit: usize,
    ) -> Result<Results, SearchError> {
        let f = &self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let (query, _errors) = parser.parse_query_lenient(text);
        // Only the reviews the reader may see are searched at all.
        let readable: Vec<(Occur, Box<dyn Query>)> = scopes
            .iter()
            .filter(|(_, scope)| !scope.kinds.is_empty())
            .map(|(review, _)| {
                let term = Term::from_field_text(f.review, &review.to_string());
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        if readable.is_empty() || text.trim().is_empty() {
            return Ok(Results::default());
        }
        let restricted = BooleanQuery::new(vec![
            (Occur::Must, query.box_clone()),
            (Occur::Must, Box::new(BooleanQuery::new(readable))),
        ]);
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &restricted,
            &TopDocs::with_limit(Self::MAX_MATCHES).order_by_score(),
        )?;
        let truncated = top.len() == Self::MAX_MATCHES;
        let mut snippets = SnippetGenerator::create(&searcher, &*query, f.body)?;
        snippets.set_max_num_chars(240);

        let mut results = Results {
            truncated,
            ..Results::default()
        };
        let mut kept: Vec<(f32, TantivyDocument, Hit)> = Vec::new();
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text_of = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let uuid_of = |field: Field| Uuid::parse_str(&text_of(field)).ok();
            let (Some(kind), Some(id), Some(review)) = (
                Kind::parse(&text_of(f.kind)),
                uuid_of(f.id),
                uuid_of(f.review),
            ) else {
                continue;
            };
            let agency = uuid_of(f.agency);
            // What the reader may not see is dropped before it is counted.
            let Some(scope) = scopes.get(&review) else {
                continue;
            };
            if !scope.kinds.contains(&kind)
                || (kind == Kind::Chronology
                    && scope.chronology_agency.is_some()
                    && scope.chronology_agency != agency)
            {
                continue;
            }
            let year = doc
                .get_first(f.year)
                .and_then(|v| v.as_i64())
                .and_then(|y| i32::try_from(y).ok());
            let pattern = text_of(f.pattern);
            let hit = Hit {
                kind,
                id,
                review,
                agency,
                pattern: pattern.clone(),
                year,
                title: text_of(f.title),
                snippet: Vec::new(),
                score,
            };
            // Each facet is counted with every other facet's filter applied, so its counts say
            // what choosing one of its values would show.
            let passes = |skip: usize| {
                (skip == 0 || filters.kinds.is_empty() || filters.kinds.contains(&kind))
                    && (skip == 1
                        || filters.patterns.is_empty()
                        || filters.patterns.contains(&pattern))
                    && (skip == 2
                        || filters.reviews.is_empty()
                        || filters.reviews.contains(&review))
                    && (skip == 3
                        || filters.years.is_empty()
                        || year.is_some_and(|y| filters.years.contains(&y)))
            };
            if passes(0) {
                *results.kinds.entry(kind).or_default() += 1;
            }
            if passes(1) && !pattern.is_empty() {
                *results.patterns.entry(pattern.clone()).or_default() += 1;
            }
            if passes(2) {
                *results.reviews.entry(review).or_default() += 1;
            }
            if let Some(y) = year
                && passes(3)
            {
                *results.years.entry(y).or_default() += 1;
            }
            if passes(usize::MAX) {
                results.total += 1;
                if kept.len() < limit {
                    kept.push((score, doc, hit));
                }
            }
        }
        results.hits = kept
            .into_iter()
            .map(|(_, doc, mut hit)| {
                let snippet = snippets.snippet_from_doc(&doc);
                hit.snippet = if snippet.fragment().is_empty() {
                    // The match was in the title only: quote the start of the text.
                    let body = doc
                        .get_first(f.body)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    vec![Piece {
                        text: shorten(body, 240),
                        matched: false,
                    }]
                } else {
                    pieces(snippet.fragment(), snippet.highlighted())
                };
                hit
            })
            .collect();
        Ok(results)
    }
}

/// The fragment cut at the highlighted ranges.
fn pieces(fragment: &str, highlighted: &[Range<usize>]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for range in highlighted {
        let (start, end) = (range.start.max(at), range.end.min(fragment.len()));
        if start >= end || !fragment.is_char_boundary(start) || !fragment.is_char_boundary(end) {
            continue;
        }
        if start > at {
            out.push(Piece {
                text: fragment[at..start].to_owned(),
                matched: false,
            });
        }
        out.push(Piece {
            text: fragment[start..end].to_owned(),
            matched: true,
        });
        at = end;
    }
    if at < fragment.len() {
        out.push(Piece {
            text: fragment[at..].to_owned(),
            matched: false,
        });
    }
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

    fn doc(kind: Kind, review: Uuid, agency: Option<Uuid>, title: &str, body: &str) -> Doc {
        Doc {
            kind,
            id: Uuid::new_v4(),
            review,
            agency,
            pattern: if kind == Kind::Finding {
                "reasoning".to_owned()
            } else {
                String::new()
            },
            year: Some(2021),
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    fn all_kinds() -> Scope {
        Scope {
            kinds: Kind::ALL.into_iter().collect(),
            chronology_agency: None,
        }
    }

    #[test]
    fn stems_match_snippets_highlight_and_facets_count() -> Result<(), SearchError> {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut index = Index::new()?;
        index.replace(
            &[a, b],
            &[
                doc(
                    Kind::Finding,
                    a,
                    None,
                    "Assessments start again at every referral",
                    "Each new referral led to a fresh assessment that did not read the history.",
                ),
                doc(
                    Kind::Chronology,
                    b,
                    None,
                    "3 May 2021, police",
                    "Officers attended; the mother was assessed as coping.",
                ),
                doc(
                    Kind::Narrative,
                    b,
                    None,
                    "Early years",
                    "Nothing about it here.",
                ),
            ],
        )?;
        let scopes: HashMap<Uuid, Scope> = [(a, all_kinds()), (b, all_kinds())].into();
        let found = index.search("assessing", &scopes, &Filters::default(), 10)?;
        assert_eq!(found.total, 2, "{found:?}");
        assert_eq!(found.kinds.get(&Kind::Finding), Some(&1));
        assert_eq!(found.kinds.get(&Kind::Chronology), Some(&1));
        assert_eq!(found.patterns.get("reasoning"), Some(&1));
        let chronology = found
            .hits
            .iter()
            .find(|h| h.kind == Kind::Chronology)
            .expect("the entry");
        assert!(
            chronology
                .snippet
                .iter()
                .any(|p| p.matched && p.text == "assessed"),
            "{:?}",
            chronology.snippet
        );
        // A facet filter narrows the hits, not the counts of its own facet.
        let only = Filters {
            kinds: [Kind::Finding].into(),
            ..Filters::default()
        };
        let found = index.search("assessing", &scopes, &only, 10)?;
        assert_eq!(found.total, 1);
        assert_eq!(found.kinds.len(), 2);
        assert!(found.hits.iter().all(|h| h.kind == Kind::Finding));
        Ok(())
    }

    #[test]
    fn nothing_outside_the_readers_scope_is_found_or_counted() -> Result<(), SearchError> {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let (police, health) = (Uuid::new_v4(), Uuid::new_v4());
        let mut index = Index::new()?;
        index.replace(
            &[a, b],
            &[
                doc(Kind::Finding, a, None, "Neglect", "neglect was not named"),
                doc(
                    Kind::Chronology,
                    a,
                    Some(police),
                    "Police",
                    "neglect reported",
                ),
                doc(Kind::Chronology, a, Some(health), "Health", "neglect noted"),
                doc(Kind::Finding, b, None, "Other review", "neglect elsewhere"),
            ],
        )?;
        // A liaison for health in review a; nothing of review b.
        let scopes: HashMap<Uuid, Scope> = [(
            a,
            Scope {
                kinds: [Kind::Chronology].into(),
                chronology_agency: Some(health),
            },
        )]
        .into();
        let found = index.search("neglect", &scopes, &Filters::default(), 10)?;
        assert_eq!(found.total, 1, "{found:?}");
        assert_eq!(found.hits[0].agency, Some(health));
        assert_eq!(found.reviews.len(), 1);
        assert!(
            index
                .search("neglect", &HashMap::new(), &Filters::default(), 10)?
                .hits
                .is_empty()
        );
        Ok(())
    }

    #[test]
    fn replacing_a_review_removes_what_it_no_longer_holds() -> Result<(), SearchError> {
        let a = Uuid::new_v4();
        let mut index = Index::new()?;
        index.replace(
            &[a],
            &[doc(Kind::Finding, a, None, "Old", "caseload pressure")],
        )?;
        index.replace(
            &[a],
            &[doc(Kind::Finding, a, None, "New", "supervision gaps")],
        )?;
        let scopes: HashMap<Uuid, Scope> = [(a, all_kinds())].into();
        assert_eq!(
            index
                .search("caseload", &scopes, &Filters::default(), 10)?
                .total,
            0
        );
        assert_eq!(
            index
                .search("supervision", &scopes, &Filters::default(), 10)?
                .total,
            1
        );
        assert_eq!(index.len(), 1);
        Ok(())
    }

    #[test]
    fn odd_queries_are_read_leniently() -> Result<(), SearchError> {
        let a = Uuid::new_v4();
        let mut index = Index::new()?;
        index.replace(
            &[a],
            &[doc(Kind::Finding, a, None, "T", "strategy meeting held")],
        )?;
        let scopes: HashMap<Uuid, Scope> = [(a, all_kinds())].into();
        for query in [
            "\"strategy meeting",
            "strategy AND",
            "(((",
            "title:",
            "-",
            "   ",
            "*",
        ] {
            index.search(query, &scopes, &Filters::default(), 10)?;
        }
        assert_eq!(
            index
                .search("\"strategy meeting\"", &scopes, &Filters::default(), 10)?
                .total,
            1
        );
        Ok(())
    }
}
