//! Full-text search across the reviews a reader may open: findings, key practice episodes,
//! narrative and (where their role lets them read it) agency chronologies.
//!
//! The index (`casewindow-search`, in memory) is brought up to date review by review from the
//! store's change stamps before each search, so a search never misses a saved change and two
//! servers on one database agree. What the reader may see is decided here, per review, by the
//! same [`App::authorize`] every other use case calls; the index is asked only about that.
//! Showing chronology entries is a reading of the chronology, audited per review with the
//! reader's reason.

use crate::access::{Grant, agency_limit_of, grant};
use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{ChronologyEntry, NarrativeSection};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_search::{Doc, Filters, Index, Kind, Results, Scope};
use casewindow_store::{RecordKind, Store, Stored};
use chrono::Datelike;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// The index and the change stamp each review was indexed at.
#[derive(Default)]
pub(crate) struct SearchState {
    index: Option<Index>,
    indexed: HashMap<ReviewId, i64>,
}

pub(crate) type SharedSearch = Arc<Mutex<SearchState>>;

/// A search's answer, with what is needed to show it.
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

    /// Brings the index up to date for `reviews`: those changed since they were indexed (by
    /// their change stamps) are read again and replaced in one commit.
    async fn refresh_search(&self, reviews: &[ReviewId]) -> AppResult<()> {
        // Stamps first, then content: what is indexed is never older than its stamp.
        let stamps = self.store.change_stamps().await?;
        let stale: Vec<ReviewId> = {
            let state = self.search.lock().unwrap_or_else(PoisonError::into_inner);
            reviews
                .iter()
                .copied()
                .filter(|r| {
                    state.index.is_none()
                        || state.indexed.get(r) != Some(&stamps.get(r).copied().unwrap_or(0))
                })
                .collect()
        };
        if stale.is_empty() {
            return Ok(());
        }
        let mut docs = Vec::new();
        for &review in &stale {
            let title = match self
                .store
                .get::<casewindow_domain::review::Review>(review.0)
                .await
            {
                Ok(r) => r.record.title,
                // Not (or no longer) a review: nothing of it is indexed.
                Err(casewindow_store::StoreError::NotFound { .. }) => continue,
                Err(other) => return Err(other.into()),
            };
            docs.extend(documents(
                review,
                &title,
                &self.store.list::<Finding>(review.0).await?,
                &self.store.list::<KeyPracticeEpisode>(review.0).await?,
                &self.store.list::<NarrativeSection>(review.0).await?,
                &self.store.list::<ChronologyEntry>(review.0).await?,
            ));
        }
        let search = Arc::clone(&self.search);
        tokio::task::spawn_blocking(move || -> AppResult<()> {
            let mut state = search.lock().unwrap_or_else(PoisonError::into_inner);
            if state.index.is_none() {
                state.index = Some(Index::new().map_err(search_failed)?);
                state.indexed.clear();
            }
            let ids: Vec<Uuid> = stale.iter().map(|r| r.0).collect();
            if let Some(index) = state.index.as_mut() {
                index.replace(&ids, &docs).map_err(search_failed)?;
            }
            for review in stale {
                state
                    .indexed
                    .insert(review, stamps.get(&review).copied().unwrap_or(0));
            }
            Ok(())
        })
        .await
        .map_err(|e| AppError::Internal(format!("indexing for search: {e}")))?
    }

    /// Indexes every review (at server start, so the first search is quick). Returns how many
    /// reviews were indexed.
    pub async fn warm_search_index(&self) -> AppResult<usize> {
        let reviews: Vec<ReviewId> = self
            .store
            .list_all::<casewindow_domain::review::Review>()
            .await?
            .into_iter()
            .map(|r| r.record.id)
            .collect();
        self.refresh_search(&reviews).await?;
        Ok(reviews.len())
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
        let (scopes, withheld) = self.search_scopes(actor).await?;
        let reviews: Vec<ReviewId> = scopes.keys().map(|&r| ReviewId(r)).collect();
        self.refresh_search(&reviews).await?;
        let reviews_searched = scopes.len();
        let search = Arc::clone(&self.search);
        let (query, filters) = (text.to_owned(), filters.clone());
        let results = tokio::task::spawn_blocking(move || -> AppResult<Results> {
            let state = search.lock().unwrap_or_else(PoisonError::into_inner);
            match &state.index {
                Some(index) => index
                    .search(&query, &scopes, &filters, limit)
                    .map_err(search_failed),
                None => Ok(Results::default()),
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("searching: {e}")))??;

        // Showing chronology entries is reading them.
        let mut shown: Vec<Uuid> = results
            .hits
            .iter()
            .filter(|h| h.kind == Kind::Chronology)
            .map(|h| h.review)
            .collect();
        shown.sort_unstable();
        shown.dedup();
        for review in shown {
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
            .await?;
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

fn search_failed(e: casewindow_search::SearchError) -> AppError {
    AppError::Internal(e.to_string())
}
