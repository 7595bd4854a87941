//! The quality markers as a per-review checklist: the lead reviewers, a quality supervisor or
//! an independent scrutineer assess each marker with evidence; the latest assessment of a
//! marker stands and earlier ones are kept.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::collaboration::{QualityMarker, QualityRating, check_quality_evidence};
use casewindow_domain::ids::ReviewId;
use casewindow_interchange::Problem;
use casewindow_store::{QualityAssessment, Store};

/// A marker with its standing assessment (if any) and who made it.
#[derive(Clone, Debug)]
pub struct MarkerStanding {
    pub marker: QualityMarker,
    pub latest: Option<(QualityAssessment, String)>,
    /// Earlier assessments of the marker, newest first.
    pub earlier: usize,
}

impl MarkerStanding {
    /// Whether the marker still needs work: not assessed, or not fully met.
    pub fn unmet(&self) -> bool {
        self.latest
            .as_ref()
            .is_none_or(|(a, _)| a.rating != QualityRating::Met)
    }
}

impl<S: Store> App<S> {
    /// Every marker with its standing assessment.
    pub async fn quality_markers(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<MarkerStanding>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        let all = self.store.quality_assessments(review).await?;
        let names = self
            .names(all.iter().filter_map(|a| a.by).collect())
            .await?;
        Ok(QualityMarker::ALL
            .iter()
            .map(|marker| {
                let of: Vec<&QualityAssessment> =
                    all.iter().filter(|a| a.marker == *marker).collect();
                MarkerStanding {
                    marker: *marker,
                    latest: of.last().map(|a| {
                        let name =
                            a.by.and_then(|by| names.get(&by).cloned())
                                .unwrap_or_else(|| "the command line".to_owned());
                        ((*a).clone(), name)
                    }),
                    earlier: of.len().saturating_sub(1),
                }
            })
            .collect())
    }

    /// Records an assessment of one marker, in the role the actor holds in the review.
    pub async fn assess_quality(
        &self,
        actor: &Actor,
        review: ReviewId,
        marker: QualityMarker,
        rating: QualityRating,
        evidence: &str,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::AssessQuality)
            .await?;
        if let Some(reason) = check_quality_evidence(rating, evidence) {
            return Err(AppError::Invalid(vec![Problem {
                path: "evidence".to_owned(),
                reason: reason.to_owned(),
            }]));
        }
        let role = self
            .roles_in(actor, review)
            .await?
            .into_iter()
            .map(|p| p.role)
            .find(|role| crate::access::permits(*role, Permission::AssessQuality))
            .unwrap_or(casewindow_domain::participation::Role::LeadReviewer);
        let assessment = QualityAssessment {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            marker,
            rating,
            evidence: evidence.trim().to_owned(),
            role,
            by: actor.user,
            at: self.now(),
        };
        let change = self.change(
            actor,
            &format!("assessed a quality marker: {}", rating.label()),
        );
        self.store.assess_quality(&assessment, &change).await?;
        Ok(())
    }
}
