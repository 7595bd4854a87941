//! Full-text search across the reviews a reader may open: findings, key practice episodes,
//! narrative and (where their role lets them read it) agency chronologies.
//!
//! The index is the database's own full-text search, shared by every server on it. Before each
//! search, every review whose documents are older than its change stamp is written again (at
//! that stamp, claimed in one conditional statement, so two servers never both write it), so a
//! search never misses a saved change and two servers on one database agree; nothing is kept
//! in memory. What the reader may see is decided here, per review, by the same
//! [`App::authorize`] every other use case calls; the store is asked only about that.
//! Showing chronology entries is a reading of the chronology, audited per review with the
//! reader's reason.

use crate::access::{Grant, agency_limit_of, grant};
use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{ChronologyEntry, NarrativeSection};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_search::{Doc, Filters, Kind, MAX_MATCHES, Query, Results, Scope};
use casewindow_store::{RecordKind, SearchScope, Store, Stored};
use chrono::Datelike;
use std::collections::HashMap;
use uuid::Uuid;

/// Words of context around the matches in a hit's quoted passage.
const SNIPPET_WORDS: usize = 36;
/// Characters of a hit's quoted passage, at most.
const SNIPPET_CHARS: usize = 240;

/// A search's answer, with what is needed to show it.
#[derive(Clone)]
pub struct SearchAnswer {
    pub results: Results,
    /// The title of every review with a hit or a count.
    pub review_titles: HashMap<Uuid, String>,
    /// Agency names, for chronology hits.
    pub agency_names: HashMap<Uuid, String>,
    /// Reviews whose chronologies were not searched because the reader's role must say why
    /// first (and has not).
    pub chronologies_withheld: Vec<(ReviewId, String)>,
    /// How many reviews were searched.
    pub reviews_searched: usize,
}

/// The filters in a fixed order, for the key a search is kept under.
fn filters_key(filters: &Filters) -> String {
    let mut kinds: Vec<&str> = filters.kinds.iter().map(|k| k.as_str()).collect();
    kinds.sort_unstable();
    let mut patterns: Vec<&str> = filters.patterns.iter().map(String::as_str).collect();
    patterns.sort_unstable();
    let mut reviews: Vec<String> = filters.reviews.iter().map(Uuid::to_string).collect();
    reviews.sort_unstable();
    let mut years: Vec<i32> = filters.years.iter().copied().collect();
    years.sort_unstable();
    format!("{kinds:?} {patterns:?} {reviews:?} {years:?}")
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a review is made of, as search documents.
fn documents(
    review: ReviewId,
    review_title: &str,
    findings: &[Stored<Finding>],
    episodes: &[Stored<KeyPracticeEpisode>],
    narrative: &[Stored<NarrativeSection>],
    entries: &[Stored<ChronologyEntry>],
) -> Vec<Doc> {
    let mut docs = Vec::new();
    for f in findings.iter().map(|s| &s.record) {
        let questions = f.questions.join("\n");
        docs.push(Doc {
            kind: Kind::Finding,
            id: f.id.0,
            review: review.0,
            review_title: review_title.to_owned(),
            agency: None,
            pattern: f.pattern.map(|p| p.key().to_owned()).unwrap_or_default(),
            year: None,
            title: format!("Finding {}: {}", f.position, f.statement),
            body: join(&[
                &f.statement,
                &f.context,
                &f.manifestation,
                &f.why_it_matters,
                &questions,
            ]),
        });
    }
    for k in episodes.iter().map(|s| &s.record) {
        let mut parts: Vec<&str> = vec![&k.what_happened];
        for account in &k.local_rationality {
            parts.extend([
                account.what_they_thought_was_happening.as_str(),
                &account.goals,
                &account.front_of_mind,
                &account.competing_demands,
                &account.options_seen,
                &account.emotions,
            ]);
        }
        for factor in &k.contributory_factors {
            parts.extend([factor.factor.as_str(), &factor.description]);
        }
        parts.extend([
            k.appraisal.rationale.as_str(),
            &k.appraisal.knowable_at_the_time,
        ]);
        docs.push(Doc {
            kind: Kind::Episode,
            id: k.id.0,
            review: review.0,
            review_title: review_title.to_owned(),
            agency: None,
            pattern: String::new(),
            year: k.period.as_ref().map(|p| p.start.year()),
            title: format!("KPE {}: {}", k.position, k.title),
            body: join(&parts),
        });
    }
    // A withdrawn section is kept, not searched.
    for n in (narrative.iter().map(|s| &s.record)).filter(|n| n.withdrawn.is_none()) {
        docs.push(Doc {
            kind: Kind::Narrative,
            id: n.id.0,
            review: review.0,
            review_title: review_title.to_owned(),
            agency: n.perspective_agency_id.map(|a| a.0),
            pattern: String::new(),
            year: None,
            title: if n.period.trim().is_empty() {
                n.heading.clone()
            } else {
                format!("{} ({})", n.heading, n.period)
            },
            body: n.body.clone(),
        });
    }
    for e in entries.iter().map(|s| &s.record) {
        docs.push(Doc {
            kind: Kind::Chronology,
            id: e.id.0,
            review: review.0,
            review_title: review_title.to_owned(),
            agency: Some(e.agency_id.0),
            pattern: String::new(),
            year: Some(e.occurred.start.year()),
            title: join(&[&e.occurred.to_string(), &e.actor_role, &e.contact_type])
                .replace('\n', ", "),
            body: e.description.clone(),
        });
    }
    docs
}

impl<S: Store> App<S> {
    /// What the actor may see of each review they may open: the same decision as
    /// [`App::authorize`] and [`App::agency_limit`], made from one read of their roles.
    async fn search_scopes(
        &self,
        actor: &Actor,
    ) -> AppResult<(HashMap<Uuid, Scope>, Vec<ReviewId>)> {
        let mut scopes = HashMap::new();
        let mut withheld = Vec::new();
        let Some(_) = actor.user else {
            // The system itself reads everything.
            for review in self
                .store
                .list_all::<casewindow_domain::review::Review>()
                .await?
            {
                scopes.insert(
                    review.record.id.0,
                    Scope {
                        kinds: Kind::ALL.into_iter().collect(),
                        chronology_agency: None,
                    },
                );
            }
            return Ok((scopes, withheld));
        };
        let mut by_review: HashMap<ReviewId, Vec<casewindow_domain::participation::Participation>> =
            HashMap::new();
        for p in self.participations_of(actor).await? {
            by_review
                .entry(p.record.review_id)
                .or_default()
                .push(p.record);
        }
        for (review, roles) in by_review {
            let mut scope = Scope::default();
            if grant(actor, review, &roles, Permission::ViewReview) == Grant::Yes {
                scope
                    .kinds
                    .extend([Kind::Finding, Kind::Episode, Kind::Narrative]);
            }
            match grant(actor, review, &roles, Permission::ViewChronology) {
                Grant::Yes => {
                    scope.kinds.insert(Kind::Chronology);
                    scope.chronology_agency = agency_limit_of(&roles).map(|a| a.0);
                }
                Grant::NeedsReason => withheld.push(review),
                Grant::No | Grant::ReadOnlyToken => {}
            }
            if !scope.kinds.is_empty() {
                scopes.insert(review.0, scope);
            }
        }
        Ok((scopes, withheld))
    }

    /// Writes again the search documents of every review changed since they were written (by
    /// its change stamp), so what is searched is never older than what is saved. Stamps are
    /// read before content, so what is written is never older than its stamp. Returns how many
    /// reviews were written.
    pub async fn bring_search_up_to_date(&self) -> AppResult<usize> {
        let mut written = 0;
        for (review, stamp) in self.store.stale_search_reviews().await? {
            if self.index_for_search(review, stamp).await? {
                written += 1;
            }
        }
        Ok(written)
    }

    /// Writes a review's search documents at change stamp `stamp`, read after it; `false` when
    /// they were already written at that stamp or later, or it is not a review.
    pub(crate) async fn index_for_search(&self, review: ReviewId, stamp: i64) -> AppResult<bool> {
        let title = match self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await
        {
            Ok(r) => r.record.title,
            // Not (or no longer) a review: nothing of it is indexed.
            Err(casewindow_store::StoreError::NotFound { .. }) => return Ok(false),
            Err(other) => return Err(other.into()),
        };
        let docs = documents(
            review,
            &title,
            &self.store.list::<Finding>(review.0).await?,
            &self.store.list::<KeyPracticeEpisode>(review.0).await?,
            &self.store.list::<NarrativeSection>(review.0).await?,
            &self.store.list::<ChronologyEntry>(review.0).await?,
        );
        Ok(self.store.index_review(review, stamp, &docs).await?)
    }

    /// Searches the findings, key practice episodes, narrative and chronology entries of every
    /// review the actor may open (chronologies only where their role lets them read them, an
    /// agency's liaison only their agency's entries). Chronology entries shown are audited as a
    /// reading of that review's chronology.
    pub async fn search(
        &self,
        actor: &Actor,
        text: &str,
        filters: &Filters,
        limit: usize,
    ) -> AppResult<SearchAnswer> {
        if !actor.is_member() {
            return Err(AppError::NotFound {
                what: "search".to_owned(),
            });
        }
        // Kept until anything changes, for this reader and search; what it shows of
        // chronologies is audited on every call.
        let view = format!("search {actor:?} {limit} {} {text}", filters_key(filters));
        let key = self.library_key(actor, &view).await?;
        let answer = self
            .kept_across(key, || self.search_now(actor, text, filters, limit))
            .await?;
        // Showing chronology entries is reading them.
        let mut shown: Vec<Uuid> = answer
            .results
            .hits
            .iter()
            .filter(|h| h.kind == Kind::Chronology)
            .map(|h| h.review)
            .collect();
        shown.sort_unstable();
        shown.dedup();
        // One event per review, written together (one commit for all, not one after another).
        futures_util::future::try_join_all(shown.into_iter().map(|review| async move {
            let review = ReviewId(review);
            let reason = actor.purpose_in(review).unwrap_or_default().to_owned();
            self.audit_event(
                actor,
                review,
                "search",
                RecordKind::ChronologyEntry.table(),
                "search results",
                &reason,
            )
            .await
        }))
        .await?;
        Ok((*answer).clone())
    }

    async fn search_now(
        &self,
        actor: &Actor,
        text: &str,
        filters: &Filters,
        limit: usize,
    ) -> AppResult<SearchAnswer> {
        let (scopes, withheld) = self.search_scopes(actor).await?;
        let reviews_searched = scopes.len();
        self.bring_search_up_to_date().await?;
        let scopes: Vec<SearchScope> = scopes
            .into_iter()
            .map(|(review, scope)| {
                let mut kinds: Vec<Kind> = scope.kinds.into_iter().collect();
                kinds.sort();
                SearchScope {
                    review: ReviewId(review),
                    kinds,
                    agency: scope.chronology_agency,
                }
            })
            .collect();
        let query = Query::parse(text);
        let matches = self
            .store
            .search_matches(&query, &scopes, MAX_MATCHES)
            .await?;
        let mut results: Results = casewindow_search::tally(matches, filters, limit);
        // Only the hits shown are quoted.
        let ids: Vec<Uuid> = results.hits.iter().map(|h| h.id).collect();
        let mut quoted = self
            .store
            .search_snippets(&query, &ids, SNIPPET_WORDS)
            .await?;
        for hit in &mut results.hits {
            let (marked, body) = quoted.remove(&hit.id).unwrap_or_default();
            hit.snippet = casewindow_search::snippet(&marked, &body, SNIPPET_CHARS);
        }

        let mut review_titles = results.review_titles.clone();
        for hit in &results.hits {
            review_titles.insert(hit.review, hit.review_title.clone());
        }
        let agency_names = self
            .store
            .agencies()
            .await?
            .into_iter()
            .map(|a| (a.id.0, a.name))
            .collect();
        let mut chronologies_withheld = Vec::new();
        for review in withheld {
            let title = self
                .store
                .get::<casewindow_domain::review::Review>(review.0)
                .await?
                .record
                .title;
            chronologies_withheld.push((review, title));
        }
        Ok(SearchAnswer {
            results,
            review_titles,
            agency_names,
            chronologies_withheld,
            reviews_searched,
        })
    }
}
