//! The whole library at one state, read once and shared by every reader and every view.
//!
//! The library page, candidate issues, the pattern suggestions and the exports each need every
//! finding with its review's facets. At a nation's scale that is tens of thousands of findings
//! and reviews; reading them for each of those views, and again for each reader, cost seconds.
//! The snapshot is read once per library stamp (the stamp read first, so the snapshot is never
//! older than its key), one read at a time however many ask, and warmed when a server starts.
//! What a reader may see is chosen from it on every call; nothing in it is shown unfiltered.

use crate::library::{LibraryFinding, resolve_merges};
use crate::{App, AppResult};
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::ids::RecurrentIssueId;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::organisation::AgencySector;
use casewindow_domain::participation::Participation;
use casewindow_domain::review::Review;
use casewindow_store::{Store, Stored};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Every review, finding and recurrent issue at one library stamp.
#[derive(Debug)]
pub(crate) struct LibrarySnapshot {
    pub stamp: (i64, i64),
    /// Every review, in the store's order.
    pub reviews: Vec<Stored<Review>>,
    /// Every review's id and title.
    pub titles: HashMap<ReviewId, String>,
    /// Every recurrent issue, whatever its status, in the store's order.
    pub issues: Vec<RecurrentIssue>,
    /// Every finding with its review's facets, newest review first, then by title and position.
    pub findings: Vec<LibraryFinding>,
}

/// The snapshot last read, and a turn so it is read once however many ask.
#[derive(Default)]
pub(crate) struct Snapshots {
    kept: Mutex<Option<Arc<LibrarySnapshot>>>,
    turn: tokio::sync::Mutex<()>,
}

impl Snapshots {
    fn at(&self, stamp: (i64, i64)) -> Option<Arc<LibrarySnapshot>> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|s| s.stamp == stamp)
            .cloned()
    }
}

impl<S: Store> App<S> {
    /// The library at its present state (read now, or kept from an earlier call at the same
    /// state).
    pub(crate) async fn library_snapshot(&self) -> AppResult<Arc<LibrarySnapshot>> {
        let stamp = self.store.library_stamp().await?;
        if let Some(snapshot) = self.snapshots.at(stamp) {
            return Ok(snapshot);
        }
        let _turn = self.snapshots.turn.lock().await;
        if let Some(snapshot) = self.snapshots.at(stamp) {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(self.read_snapshot(stamp).await?);
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

    async fn read_snapshot(&self, stamp: (i64, i64)) -> AppResult<LibrarySnapshot> {
        let (reviews, issues, agencies, participations, findings) = tokio::try_join!(
            self.store.list_all::<Review>(),
            self.store.list_all::<RecurrentIssue>(),
            self.store.agencies(),
            self.store.list_all::<Participation>(),
            self.store.list_all::<Finding>(),
        )?;
        let by_id: HashMap<ReviewId, &Review> =
            reviews.iter().map(|r| (r.record.id, &r.record)).collect();
        let issues: Vec<RecurrentIssue> = issues.into_iter().map(|i| i.record).collect();
        let issue_of: HashMap<RecurrentIssueId, RecurrentIssue> =
            issues.iter().map(|i| (i.id, i.clone())).collect();
        // Sectors of the agencies whose practitioners took part in each review.
        let sector_of: HashMap<_, _> = agencies.into_iter().map(|a| (a.id, a.sector)).collect();
        let mut sectors: HashMap<ReviewId, Vec<AgencySector>> = HashMap::new();
        for p in participations {
            if let Some(sector) = p.record.agency_id.and_then(|a| sector_of.get(&a)) {
                let list = sectors.entry(p.record.review_id).or_default();
                if !list.contains(sector) {
                    list.push(*sector);
                }
            }
        }
        let mut out: Vec<LibraryFinding> = findings
            .into_iter()
            .filter_map(|stored| {
                let finding = stored.record;
                let review = by_id.get(&finding.review_id)?;
                let mut linked: Vec<RecurrentIssue> = finding
                    .recurrent_issue_ids
                    .iter()
                    .filter_map(|id| resolve_merges(&issue_of, *id).cloned())
                    .collect();
                linked.dedup_by_key(|i| i.id);
                Some(LibraryFinding {
                    review: review.id,
                    review_title: review.title.clone(),
                    review_kind: review.kind,
                    year: chrono::Datelike::year(&review.opened_on),
                    harm_types: review.facets.harm_types.clone(),
                    age_band: review.facets.child_age_band,
                    sectors: sectors.get(&review.id).cloned().unwrap_or_default(),
                    issues: linked,
                    finding,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.year
                .cmp(&a.year)
                .then_with(|| a.review_title.cmp(&b.review_title))
                .then(a.finding.position.cmp(&b.finding.position))
        });
        Ok(LibrarySnapshot {
            stamp,
            titles: reviews
                .iter()
                .map(|r| (r.record.id, r.record.title.clone()))
                .collect(),
            reviews,
            issues,
            findings: out,
        })
    }
}
