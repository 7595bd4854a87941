//! The partnership's written response to each finding, and the action plan tracked to impact.

use crate::ids::{ActionId, AgencyId, FindingId, ResponseId, ReviewId};
use crate::validation::{Checker, Invalid, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The partnership's response to one finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnershipResponse {
    pub id: ResponseId,
    pub review_id: ReviewId,
    pub finding_id: FindingId,
    pub response: String,
    pub agreed_on: Option<NaiveDate>,
}

impl Validate for PartnershipResponse {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.required("response", &self.response);
        check.finish()
    }
}

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    OnTrack,
    AtRisk,
    Done,
    Dropped,
}

impl ActionStatus {
    /// Every status, in the order forms offer them.
    pub const ALL: [Self; 5] = [
        Self::Open,
        Self::OnTrack,
        Self::AtRisk,
        Self::Done,
        Self::Dropped,
    ];

    /// The status as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::OnTrack => "On track",
            Self::AtRisk => "At risk",
            Self::Done => "Done",
            Self::Dropped => "Dropped",
        }
    }
}

impl ActionStatus {
    /// Whether the action needs no further work.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Done | Self::Dropped)
    }
}

/// Evidence that an action changed practice, recorded when it is seen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactEvidence {
    pub recorded_on: NaiveDate,
    pub description: String,
}

/// An action in the partnership's action plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub id: ActionId,
    pub review_id: ReviewId,
    /// The finding it answers, when it answers one.
    pub finding_id: Option<FindingId>,
    pub owner_agency_id: AgencyId,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    /// Why the action was dropped, when it was.
    pub status_note: String,
    pub impact_evidence: Vec<ImpactEvidence>,
}

impl Action {
    /// Due before `today` and not closed.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_closed() && self.due_on.is_some_and(|due| due < today)
    }
}

impl Validate for Action {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.required("description", &self.description);
        check.optional("status_note", &self.status_note);
        if self.status == ActionStatus::Dropped && self.status_note.trim().is_empty() {
            check.fail("status_note", "say why the action was dropped");
        }
        for (idx, item) in self.impact_evidence.iter().enumerate() {
            check.required(
                &format!("impact_evidence[{idx}].description"),
                &item.description,
            );
        }
        check.finish()
    }
}
