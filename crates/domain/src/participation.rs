//! Who takes part in a review and in what role, and the pseudonymised family members the review
//! is about. Real identities are not here: see [`crate::identity`].

use crate::ids::{AgencyId, ParticipationId, ReviewId, SubjectId, UserId};
use crate::validation::{Checker, Invalid, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A role in one review. Permissions are granted per review, by role.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub given_on: NaiveDate,
    /// The confidentiality terms agreed, in plain words.
    pub terms: String,
    /// When they withdrew it: their account is no longer used.
    #[serde(default)]
    pub withdrawn_on: Option<NaiveDate>,
}

/// Someone's part in one review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// When the invitation (the Appendix 1 letter and Appendix 2 note) was sent.
    pub invited_on: Option<NaiveDate>,
    pub consent: Option<Consent>,
    /// When they said they would not take part.
    #[serde(default)]
    pub declined_on: Option<NaiveDate>,
    /// What they contributed (a conversation, a written account, a meeting), in plain words.
    #[serde(default)]
    pub contribution: String,
    /// Taken off the review (added by mistake, or no longer part of it), with why; their
    /// access ends with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<crate::validation::Withdrawal>,
}

impl crate::validation::Withdrawable for Participation {
    fn withdrawn(&self) -> Option<&crate::validation::Withdrawal> {
        self.withdrawn.as_ref()
    }

    /// Their access to the review ends: the account is unlinked (the record's history keeps
    /// which it was).
    fn withdraw(&mut self, withdrawal: crate::validation::Withdrawal) {
        self.withdrawn = Some(withdrawal);
        self.user_id = None;
    }
}

impl Participation {
    /// Whether they take part now: consent given and not withdrawn.
    pub fn takes_part(&self) -> bool {
        self.consent
            .as_ref()
            .is_some_and(|c| c.withdrawn_on.is_none())
    }
}

impl Validate for Participation {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("label", &self.label);
        if let Some(consent) = &self.consent {
            check.optional("consent.terms", &consent.terms);
            check.period("consent", Some(consent.given_on), consent.withdrawn_on);
            if self.declined_on.is_some() && consent.withdrawn_on.is_none() {
                check.fail(
                    "declined_on",
                    "cannot be set while consent is given: record the withdrawal, or clear one",
                );
            }
        }
        check.optional("contribution", &self.contribution);
        check.withdrawal(self.withdrawn.as_ref());
        if self.withdrawn.is_some() && self.user_id.is_some() {
            check.fail(
                "user_id",
                "a withdrawn participant has no access to the review",
            );
        }
        check.finish()
    }
}

/// A member of the family or household, known only by pseudonym. Sex, ethnicity and disability
/// are special-category data and live sealed in the vault ([`crate::identity::SubjectCharacteristics`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Notes on legal status during the period, e.g. "subject of care proceedings afterwards".
    pub legal_status: String,
    /// This is the child at the centre of the review (highlighted in the genogram).
    #[serde(default)]
    pub at_centre: bool,
    /// Lived in the child's household during the period reviewed (inside the genogram's
    /// household boundary).
    #[serde(default)]
    pub household: bool,
    /// Legal status over time: child in need, child protection plan, looked after.
    #[serde(default)]
    pub legal_history: Vec<LegalStatusPeriod>,
    /// This person's relationships to others in the review (a relationship recorded on either
    /// person holds for both).
    #[serde(default)]
    pub relationships: Vec<Relationship>,
}

impl Subject {
    /// Whether this is the child at the centre: marked so, or (in records written before the
    /// mark existed) described as the index child.
    pub fn is_at_centre(&self) -> bool {
        self.at_centre || {
            let relationship = self.relationship.to_lowercase();
            relationship.starts_with("index child") || relationship.contains("child at the centre")
        }
    }
}

impl Validate for Subject {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("pseudonym", &self.pseudonym);
        check.line("relationship", &self.relationship);
        check.optional("legal_status", &self.legal_status);
        for (idx, period) in self.legal_history.iter().enumerate() {
            let field = format!("legal_history[{idx}]");
            check.optional(&format!("{field}.detail"), &period.detail);
            check.period(&field, period.from, period.until);
        }
        for (idx, relationship) in self.relationships.iter().enumerate() {
            let field = format!("relationships[{idx}]");
            if relationship.to == self.id {
                check.fail(format!("{field}.to"), "must be someone else");
            }
            check.period(&field, relationship.from, relationship.until);
        }
        check.finish()
    }
}

/// A legal status a child can have.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LegalStatus {
    EarlyHelp,
    ChildInNeed,
    ChildProtectionPlan,
    LookedAfter,
    CareProceedings,
    SpecialGuardianship,
    Other,
}

impl LegalStatus {
    /// Every status, least to most intervention.
    pub const ALL: [Self; 7] = [
        Self::EarlyHelp,
        Self::ChildInNeed,
        Self::ChildProtectionPlan,
        Self::LookedAfter,
        Self::CareProceedings,
        Self::SpecialGuardianship,
        Self::Other,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::EarlyHelp => "Early help",
            Self::ChildInNeed => "Child in need",
            Self::ChildProtectionPlan => "Child protection plan",
            Self::LookedAfter => "Looked after",
            Self::CareProceedings => "Care proceedings",
            Self::SpecialGuardianship => "Special guardianship",
            Self::Other => "Other",
        }
    }
}

/// A legal status held from one date to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalStatusPeriod {
    pub status: LegalStatus,
    /// "neglect", "section 20", what kind of plan or order.
    #[serde(default)]
    pub detail: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// How one person in the review is related to another.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// Birth or adoptive parent.
    ParentOf,
    StepParentOf,
    PartnerOf,
    SiblingOf,
    HalfSiblingOf,
    LivesWith,
    /// Looks after the other person (a grandparent, kinship or foster carer).
    CaresFor,
}

impl RelationshipKind {
    /// Every kind.
    pub const ALL: [Self; 7] = [
        Self::ParentOf,
        Self::StepParentOf,
        Self::PartnerOf,
        Self::SiblingOf,
        Self::HalfSiblingOf,
        Self::LivesWith,
        Self::CaresFor,
    ];

    /// As in "Mother is … Child W".
    pub fn label(self) -> &'static str {
        match self {
            Self::ParentOf => "parent of",
            Self::StepParentOf => "step-parent of",
            Self::PartnerOf => "partner of",
            Self::SiblingOf => "brother or sister of",
            Self::HalfSiblingOf => "half-brother or half-sister of",
            Self::LivesWith => "lives with",
            Self::CaresFor => "carer of",
        }
    }

    /// Whether the relationship reads the same both ways (partners, siblings, living together).
    pub fn is_mutual(self) -> bool {
        matches!(
            self,
            Self::PartnerOf | Self::SiblingOf | Self::HalfSiblingOf | Self::LivesWith
        )
    }
}

/// A relationship from the subject holding it to another subject of the same review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Relationship {
    pub kind: RelationshipKind,
    pub to: SubjectId,
    pub from: Option<NaiveDate>,
    /// When it ended (a partnership that ended is drawn as separated).
    pub until: Option<NaiveDate>,
}
