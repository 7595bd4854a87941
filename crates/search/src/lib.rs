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
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions, Value,
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
    /// The title of every review counted.
    pub review_titles: HashMap<Uuid, String>,
    pub years: BTreeMap<i32, usize>,
}

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

struct Fields {
    /// Where the document's metadata is kept in [`Index::meta`] (a fast field: ranking and
    /// counting facets read it without opening the stored documents).
    slot: Field,
    review: Field,
    title: Field,
    body: Field,
}

/// What is shown and counted of a document, kept beside the index.
struct Meta {
    kind: Kind,
    id: Uuid,
    review: Uuid,
    agency: Option<Uuid>,
    pattern: String,
    year: Option<i32>,
    title: String,
    review_title: std::sync::Arc<str>,
}

/// The in-memory index.
pub struct Index {
    index: tantivy::Index,
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    meta: HashMap<u64, Meta>,
    slots: HashMap<Uuid, Vec<u64>>,
    next_slot: u64,
}

impl Index {
    /// At most this many matches are ranked and counted per search.
    pub const MAX_MATCHES: usize = 5_000;
    /// Up to this many readable reviews, the search itself is limited to them.
    const RESTRICT_UP_TO: usize = 200;

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
            slot: schema.add_u64_field("slot", FAST),
            review: schema.add_text_field("review", STRING),
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
            meta: HashMap::new(),
            slots: HashMap::new(),
            next_slot: 0,
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
        let mut added: Vec<(u64, Meta)> = Vec::with_capacity(docs.len());
        let mut titles: HashMap<Uuid, std::sync::Arc<str>> = HashMap::new();
        for doc in docs {
            let review_title = std::sync::Arc::clone(
                titles
                    .entry(doc.review)
                    .or_insert_with(|| std::sync::Arc::from(doc.review_title.as_str())),
            );
            let f = &self.fields;
            let slot = self.next_slot;
            self.next_slot += 1;
            let mut d = TantivyDocument::default();
            d.add_u64(f.slot, slot);
            d.add_text(f.review, doc.review.to_string());
            d.add_text(f.title, &doc.title);
            d.add_text(f.body, &doc.body);
            self.writer.add_document(d)?;
            added.push((
                slot,
                Meta {
                    kind: doc.kind,
                    id: doc.id,
                    review: doc.review,
                    agency: doc.agency,
                    pattern: doc.pattern.clone(),
                    year: doc.year,
                    title: doc.title.clone(),
                    review_title,
                },
            ));
        }
        self.writer.commit()?;
        self.reader.reload()?;
        // The metadata follows the commit: a failed commit leaves the old documents searchable
        // with their old metadata.
        for review in reviews {
            for slot in self.slots.remove(review).unwrap_or_default() {
                self.meta.remove(&slot);
            }
        }
        for (slot, meta) in added {
            self.slots.entry(meta.review).or_default().push(slot);
            self.meta.insert(slot, meta);
        }
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
        // A reader of a few reviews is searched within them; for one who may read most of the
        // index, a disjunction over every review costs more than dropping what they may not
        // read from the best matches (which happens below for everyone).
        let restricted: Box<dyn Query> = if readable.len() <= Self::RESTRICT_UP_TO {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (Occur::Must, Box::new(BooleanQuery::new(readable))),
            ]))
        } else {
            query.box_clone()
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &*restricted,
            &TopDocs::with_limit(Self::MAX_MATCHES).order_by_score(),
        )?;
        let truncated = top.len() == Self::MAX_MATCHES;
        let mut snippets = SnippetGenerator::create(&searcher, &*query, f.body)?;
        snippets.set_max_num_chars(240);

        let mut results = Results {
            truncated,
            ..Results::default()
        };
        let mut kept: Vec<(tantivy::DocAddress, Hit)> = Vec::new();
        let mut columns: HashMap<u32, tantivy::columnar::Column<u64>> = HashMap::new();
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(c) => c.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64("slot")?,
                ),
            };
            let Some(meta) = column
                .first(address.doc_id)
                .and_then(|slot| self.meta.get(&slot))
            else {
                continue;
            };
            let (kind, review, agency, year) = (meta.kind, meta.review, meta.agency, meta.year);
            let pattern = &meta.pattern;
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
            // Each facet is counted with every other facet's filter applied, so its counts say
            // what choosing one of its values would show.
            let passes = |skip: usize| {
                (skip == 0 || filters.kinds.is_empty() || filters.kinds.contains(&kind))
                    && (skip == 1
                        || filters.patterns.is_empty()
                        || filters.patterns.contains(pattern))
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
                results
                    .review_titles
                    .entry(review)
                    .or_insert_with(|| meta.review_title.to_string());
            }
            if let Some(y) = year
                && passes(3)
            {
                *results.years.entry(y).or_default() += 1;
            }
            if passes(usize::MAX) {
                results.total += 1;
                if kept.len() < limit {
                    kept.push((
                        address,
                        Hit {
                            kind,
                            id: meta.id,
                            review,
                            agency,
                            pattern: pattern.clone(),
                            year,
                            title: meta.title.clone(),
                            review_title: meta.review_title.to_string(),
                            snippet: Vec::new(),
                            score,
                        },
                    ));
                }
            }
        }
        results.hits = kept
            .into_iter()
            .map(|(address, mut hit)| -> Result<Hit, SearchError> {
                // Only the hits shown are read from the stored documents, for their snippets.
                let doc: TantivyDocument = searcher.doc(address)?;
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
                Ok(hit)
            })
            .collect::<Result<_, _>>()?;
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
            review_title: format!("Review {review}"),
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
