//! Who takes part in a review and in what role, and the pseudonymised family members the review
//! is about. Real identities are not here: see [`crate::identity`].

use crate::ids::{AgencyId, ParticipationId, ReviewId, SubjectId, UserId};
use crate::validation::{Checker, Invalid, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A role in one review. Permissions are granted per review, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    LeadReviewer,
    CoReviewer,
    ReviewTeamMember,
    CaseGroupMember,
    FamilyMember,
    AgencyRecordsLiaison,
    BusinessManager,
    PartnerSignatory,
    IndependentScrutineer,
    QualitySupervisor,
    Observer,
}

impl Role {
    /// Every role, the review team first.
    pub const ALL: [Role; 11] = [
        Self::LeadReviewer,
        Self::CoReviewer,
        Self::ReviewTeamMember,
        Self::CaseGroupMember,
        Self::FamilyMember,
        Self::AgencyRecordsLiaison,
        Self::BusinessManager,
        Self::PartnerSignatory,
        Self::IndependentScrutineer,
        Self::QualitySupervisor,
        Self::Observer,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::LeadReviewer => "Lead reviewer",
            Self::CoReviewer => "Co-reviewer",
            Self::ReviewTeamMember => "Review team member",
            Self::CaseGroupMember => "Case group member",
            Self::FamilyMember => "Family member",
            Self::AgencyRecordsLiaison => "Agency records liaison",
            Self::BusinessManager => "Business manager",
            Self::PartnerSignatory => "Partner signatory",
            Self::IndependentScrutineer => "Independent scrutineer",
            Self::QualitySupervisor => "Quality supervisor",
            Self::Observer => "Observer",
        }
    }

    /// Whether the role leads the review (lead and co-reviewers).
    pub fn is_reviewer(self) -> bool {
        matches!(self, Self::LeadReviewer | Self::CoReviewer)
    }
}

/// The consent a participant gave to take part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub given_on: NaiveDate,
    /// The confidentiality terms agreed, in plain words.
    pub terms: String,
}

/// Someone's part in one review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participation {
    pub id: ParticipationId,
    pub review_id: ReviewId,
    /// The account, when the participant uses casewindow; family members often do not.
    pub user_id: Option<UserId>,
    /// How the participant is referred to in the review, by role: "Social worker 1".
    pub label: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub invited_on: Option<NaiveDate>,
    pub consent: Option<Consent>,
}

impl Validate for Participation {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("label", &self.label);
        if let Some(consent) = &self.consent {
            check.optional("consent.terms", &consent.terms);
        }
        check.finish()
    }
}

/// A member of the family or household, known only by pseudonym.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub id: SubjectId,
    pub review_id: ReviewId,
    /// "Child W", "Mother", "Mother's partner".
    pub pseudonym: String,
    /// Relationship to the child at the centre of the review ("index child", "sibling").
    pub relationship: String,
    pub age_band: Option<crate::review::AgeBand>,
    pub deceased: bool,
    /// Legal status during the period, e.g. "child protection plan (neglect)".
    pub legal_status: String,
}

impl Validate for Subject {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("pseudonym", &self.pseudonym);
        check.line("relationship", &self.relationship);
        check.optional("legal_status", &self.legal_status);
        check.finish()
    }
}
