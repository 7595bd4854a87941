//! Reviews: the portfolio, a review's content, its lifecycle and statutory clocks.

use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::lifecycle::{self, ReviewContent, ReviewState, TransitionRequest};
use casewindow_domain::organisation::Partnership;
use casewindow_domain::review::{Deadline, Review, TermsOfReference};
use casewindow_store::{Store, Stored};

/// One line of the portfolio.
#[derive(Clone, Debug)]
pub struct ReviewSummary {
    pub review: Stored<Review>,
    pub partnership: Partnership,
    /// The next statutory deadline not yet met, if any.
    pub next_deadline: Option<Deadline>,
    /// Working days from today to that deadline (negative when overdue).
    pub working_days_left: Option<i64>,
}

fn records<R>(list: Vec<Stored<R>>) -> Vec<R> {
    list.into_iter().map(|stored| stored.record).collect()
}

impl<S: Store> App<S> {
    /// Every review, with its partnership and next statutory deadline.
    pub async fn reviews(&self) -> AppResult<Vec<ReviewSummary>> {
        let partnerships = self.store.partnerships().await?;
        let today = self.today();
        let mut summaries = Vec::new();
        for partnership in partnerships {
            for review in self.store.list::<Review>(partnership.id.0).await? {
                let next_deadline = self
                    .deadlines(&review.record)
                    .into_iter()
                    .find(|d| d.met_on.is_none());
                let working_days_left = next_deadline
                    .as_ref()
                    .map(|d| d.working_days_left(self.calendar(), today));
                summaries.push(ReviewSummary {
                    review,
                    partnership: partnership.clone(),
                    next_deadline,
                    working_days_left,
                });
            }
        }
        Ok(summaries)
    }

    /// The statutory deadlines of a review, in working days.
    pub fn deadlines(&self, review: &Review) -> Vec<Deadline> {
        review.statutory.deadlines(self.calendar())
    }

    /// A review and its version.
    pub async fn review(&self, id: ReviewId) -> AppResult<Stored<Review>> {
        Ok(self.store.get::<Review>(id.0).await?)
    }

    /// Everything the lifecycle guards look at.
    pub async fn review_content(&self, id: ReviewId) -> AppResult<(Stored<Review>, ReviewContent)> {
        let review = self.review(id).await?;
        let scope = id.0;
        let content = ReviewContent {
            review: review.record.clone(),
            terms: self
                .store
                .list::<TermsOfReference>(scope)
                .await?
                .pop()
                .map(|s| s.record),
            participations: records(self.store.list(scope).await?),
            chronology_entries: self.store.list::<ChronologyEntry>(scope).await?.len(),
            conversations: records(self.store.list(scope).await?),
            kpes: records(self.store.list(scope).await?),
            findings: records(self.store.list(scope).await?),
            responses: records(self.store.list(scope).await?),
            actions: records(self.store.list(scope).await?),
        };
        Ok((review, content))
    }

    /// The forward moves open to a review now, each with the reasons it is not yet allowed.
    pub async fn next_steps(&self, id: ReviewId) -> AppResult<Vec<(ReviewState, Vec<String>)>> {
        let (_, content) = self.review_content(id).await?;
        Ok(content
            .review
            .state
            .next_states()
            .iter()
            .map(|state| (*state, lifecycle::guard(&content, *state)))
            .collect())
    }

    /// Moves a review through its lifecycle if the guards allow it and the review is still at
    /// `expected_version`. The transition is stored with the new state in one transaction.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: ReviewId,
        expected_version: i64,
        request: &TransitionRequest,
    ) -> AppResult<Stored<Review>> {
        let (review, content) = self.review_content(id).await?;
        if review.meta.version != expected_version {
            return Err(AppError::Conflict(casewindow_store::StoreError::Conflict {
                kind: casewindow_store::RecordKind::Review,
                id: id.to_string(),
                expected: expected_version,
                actual: review.meta.version,
            }));
        }
        let (next, transition) = lifecycle::apply(&content, request, self.today())?;
        let reason = match &transition.reason {
            Some(reason) => format!("{} → {}: {reason}", transition.from, transition.to),
            None => format!("{} → {}", transition.from, transition.to),
        };
        Ok(self
            .store
            .transition_review(
                &next,
                expected_version,
                &transition,
                &self.change(actor, &reason),
            )
            .await?)
    }
}
