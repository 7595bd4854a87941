//! The whole library at one state, read once and shared by every reader and every view.
//!
//! The library page, candidate issues, the pattern suggestions and the exports each need every
//! finding with its review's facets. At a nation's scale that is tens of thousands of findings
//! and reviews; reading them for each of those views, and again for each reader, cost seconds.
//! The snapshot is read once per library stamp (the stamp read first, so the snapshot is never
//! older than its key), one read at a time however many ask, and warmed when a server starts.
//! After a change, only the reviews whose change stamp moved are read again, with the recurrent
//! issues and agencies (few, and what every finding's issues and sectors are resolved from).
//! What a reader may see is chosen from it on every call; nothing in it is shown unfiltered.

use crate::library::{LibraryFinding, resolve_merges};
use crate::{App, AppResult};
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::ids::AgencyId;
use casewindow_domain::ids::RecurrentIssueId;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::organisation::{Agency, AgencySector};
use casewindow_domain::participation::Participation;
use casewindow_domain::review::Review;
use casewindow_store::{Store, Stored};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

/// Every review, finding and recurrent issue at one library stamp.
#[derive(Debug)]
pub(crate) struct LibrarySnapshot {
    pub stamp: (i64, i64),
    /// Every review, in the order of their ids.
    pub reviews: Vec<Stored<Review>>,
    /// Every review's id and title.
    pub titles: HashMap<ReviewId, String>,
    /// Every recurrent issue, whatever its status, in the store's order.
    pub issues: Vec<RecurrentIssue>,
    /// Every finding with its review's facets, newest review first, then by title and position.
    pub findings: Vec<LibraryFinding>,
    /// Each review's change stamp as it stood before its records were read, and the agencies
    /// whose practitioners took part in it: what the next state is read from, review by review.
    seqs: HashMap<ReviewId, i64>,
    agencies: HashMap<ReviewId, Vec<AgencyId>>,
    /// Every review's title as one search (de-identification replaces them), built the first
    /// time it is asked for at this state.
    title_search: std::sync::OnceLock<Arc<casewindow_redact::PhraseSet>>,
}

impl LibrarySnapshot {
    /// Every review's title (of three characters or more) as one search, each replaced by what
    /// de-identification calls another review's child; built once per state of the library.
    pub fn title_search(
        &self,
    ) -> Result<Arc<casewindow_redact::PhraseSet>, casewindow_redact::GazetteerError> {
        if let Some(built) = self.title_search.get() {
            return Ok(Arc::clone(built));
        }
        let titles: Vec<&str> = self
            .titles
            .values()
            .map(|t| t.trim())
            .filter(|t| t.chars().count() >= 3)
            .collect();
        let built = Arc::new(casewindow_redact::PhraseSet::new(
            &titles,
            crate::deidentify::ANOTHER_REVIEW,
        )?);
        Ok(Arc::clone(self.title_search.get_or_init(|| built)))
    }
}

/// Above this many changed reviews the next state is read whole, not review by review.
const READ_WHOLE: usize = 200;

/// The snapshot last read, and a turn so it is read once however many ask.
#[derive(Default)]
pub(crate) struct Snapshots {
    kept: Mutex<Option<Arc<LibrarySnapshot>>>,
    turn: tokio::sync::Mutex<()>,
}

impl Snapshots {
    fn last(&self) -> Option<Arc<LibrarySnapshot>> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// One review's part of the library, as read.
struct ReviewPart {
    review: Stored<Review>,
    agencies: Vec<AgencyId>,
    findings: Vec<Arc<Finding>>,
}

impl<S: Store> App<S> {
    /// The library at its present state: kept from an earlier call at the same state, or read
    /// anew. After a change only the reviews whose change stamp moved are read again (and the
    /// recurrent issues and agencies, which are few), so a change anywhere costs its reviews,
    /// not the library.
    pub(crate) async fn library_snapshot(&self) -> AppResult<Arc<LibrarySnapshot>> {
        let stamp = self.store.library_stamp().await?;
        let current = |last: Option<Arc<LibrarySnapshot>>| last.filter(|s| s.stamp == stamp);
        if let Some(snapshot) = current(self.snapshots.last()) {
            return Ok(snapshot);
        }
        let _turn = self.snapshots.turn.lock().await;
        let last = self.snapshots.last();
        if let Some(snapshot) = current(last.clone()) {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(self.read_snapshot(stamp, last.as_deref()).await?);
        *self
            .snapshots
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// Reads the library ahead of the first page that needs it (a server calls this in the
    /// background at start). Returns the number of findings read.
    pub async fn warm_library(&self) -> AppResult<usize> {
        Ok(self.library_snapshot().await?.findings.len())
    }

    /// The library at `stamp` (read just before): from `last` and the reviews changed since it,
    /// or whole.
    async fn read_snapshot(
        &self,
        stamp: (i64, i64),
        last: Option<&LibrarySnapshot>,
    ) -> AppResult<LibrarySnapshot> {
        // Stamps before records, so no record read is older than the stamp kept with it.
        let seqs = self.store.change_stamps().await?;
        let (issues, agencies) = tokio::try_join!(
            self.store.list_all::<RecurrentIssue>(),
            self.store.agencies()
        )?;
        let changed: Option<HashSet<ReviewId>> = last.and_then(|last| {
            let changed: HashSet<ReviewId> = seqs
                .iter()
                .filter(|(id, seq)| last.seqs.get(id) != Some(seq))
                .map(|(id, _)| *id)
                .collect();
            (changed.len() <= READ_WHOLE).then_some(changed)
        });
        let mut parts: HashMap<ReviewId, ReviewPart> = HashMap::new();
        match (last, changed) {
            (Some(last), Some(changed)) => {
                let mut findings: HashMap<ReviewId, Vec<Arc<Finding>>> = HashMap::new();
                for f in &last.findings {
                    findings
                        .entry(f.review)
                        .or_default()
                        .push(Arc::clone(&f.finding));
                }
                for review in &last.reviews {
                    let id = review.record.id;
                    if changed.contains(&id) {
                        continue;
                    }
                    parts.insert(
                        id,
                        ReviewPart {
                            review: review.clone(),
                            agencies: last.agencies.get(&id).cloned().unwrap_or_default(),
                            findings: findings.remove(&id).unwrap_or_default(),
                        },
                    );
                }
                let read = futures_util::future::try_join_all(
                    changed.iter().map(|id| self.review_part(*id)),
                )
                .await?;
                for part in read.into_iter().flatten() {
                    parts.insert(part.review.record.id, part);
                }
            }
            _ => {
                let (reviews, taking_part, findings) = tokio::try_join!(
                    self.store.list_all::<Review>(),
                    self.store.review_agencies(),
                    self.store.list_all::<Finding>(),
                )?;
                for review in reviews {
                    parts.insert(
                        review.record.id,
                        ReviewPart {
                            review,
                            agencies: Vec::new(),
                            findings: Vec::new(),
                        },
                    );
                }
                for (review, agency) in taking_part {
                    if let Some(part) = parts.get_mut(&review) {
                        part.agencies.push(agency);
                    }
                }
                for f in findings {
                    if let Some(part) = parts.get_mut(&f.record.review_id) {
                        part.findings.push(Arc::new(f.record));
                    }
                }
            }
        }
        let issues: Vec<RecurrentIssue> = issues.into_iter().map(|i| i.record).collect();
        Ok(assemble(stamp, seqs, parts, issues, &agencies))
    }

    /// One review's part, read again; `None` when there is no such review.
    async fn review_part(&self, id: ReviewId) -> AppResult<Option<ReviewPart>> {
        let review = match self.store.get::<Review>(id.0).await {
            Ok(review) => review,
            Err(casewindow_store::StoreError::NotFound { .. }) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        let (participations, findings) = tokio::try_join!(
            self.store.list::<Participation>(id.0),
            self.store.list::<Finding>(id.0),
        )?;
        Ok(Some(ReviewPart {
            review,
            agencies: participations
                .into_iter()
                .filter_map(|p| p.record.agency_id)
                .collect(),
            findings: findings.into_iter().map(|f| Arc::new(f.record)).collect(),
        }))
    }
}

/// The snapshot from each review's part: every finding with its review's facets, its issues
/// resolved through merges, its review's agencies' sectors.
fn assemble(
    stamp: (i64, i64),
    seqs: HashMap<ReviewId, i64>,
    parts: HashMap<ReviewId, ReviewPart>,
    issues: Vec<RecurrentIssue>,
    agencies: &[Agency],
) -> LibrarySnapshot {
    let issue_of: HashMap<RecurrentIssueId, RecurrentIssue> =
        issues.iter().map(|i| (i.id, i.clone())).collect();
    let sector_of: HashMap<AgencyId, AgencySector> =
        agencies.iter().map(|a| (a.id, a.sector)).collect();
    let mut reviews = Vec::with_capacity(parts.len());
    let mut agencies_of = HashMap::with_capacity(parts.len());
    let mut findings = Vec::new();
    for (id, part) in parts {
        let review = &part.review.record;
        let mut sectors: Vec<AgencySector> = Vec::new();
        for sector in part.agencies.iter().filter_map(|a| sector_of.get(a)) {
            if !sectors.contains(sector) {
                sectors.push(*sector);
            }
        }
        for finding in part.findings {
            let mut linked: Vec<RecurrentIssue> = finding
                .recurrent_issue_ids
                .iter()
                .filter_map(|i| resolve_merges(&issue_of, *i).cloned())
                .collect();
            linked.dedup_by_key(|i| i.id);
            findings.push(LibraryFinding {
                review: id,
                review_title: review.title.clone(),
                review_kind: review.kind,
                year: chrono::Datelike::year(&review.opened_on),
                harm_types: review.facets.harm_types.clone(),
                age_band: review.facets.child_age_band,
                sectors: sectors.clone(),
                issues: linked,
                finding,
            });
        }
        agencies_of.insert(id, part.agencies);
        reviews.push(part.review);
    }
    findings.sort_by(|a, b| {
        b.year
            .cmp(&a.year)
            .then_with(|| a.review_title.cmp(&b.review_title))
            .then_with(|| a.review.cmp(&b.review))
            .then(a.finding.position.cmp(&b.finding.position))
    });
    reviews.sort_by_key(|r| r.record.id);
    LibrarySnapshot {
        stamp,
        titles: reviews
            .iter()
            .map(|r| (r.record.id, r.record.title.clone()))
            .collect(),
        reviews,
        issues,
        findings,
        seqs,
        agencies: agencies_of,
        title_search: std::sync::OnceLock::new(),
    }
}
