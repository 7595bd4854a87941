//! Findings: systemic statements placed in the typology, with the evidence that they are not a
//! one-off; and the recurrent issues that accumulate under each pattern across reviews.

use crate::ids::{FindingId, KpeId, RecurrentIssueId, ReviewId};
use crate::typology::Pattern;
use crate::validation::{Checker, Invalid, Validate};
use serde::{Deserialize, Serialize};

/// Whether the pattern supports good practice or makes poor practice more likely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Constructive,
    Unsafe,
}

/// Kinds of evidence that a finding is not a one-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GeneralityEvidenceKind {
    ReviewTeamKnowledge,
    LocalAuditData,
    Research,
    OtherReview,
    PractitionerSurvey,
}

impl GeneralityEvidenceKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [Self; 5] = [
        Self::ReviewTeamKnowledge,
        Self::LocalAuditData,
        Self::Research,
        Self::OtherReview,
        Self::PractitionerSurvey,
    ];

    /// The kind as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::ReviewTeamKnowledge => "Review team's knowledge",
            Self::LocalAuditData => "Local audit or data",
            Self::Research => "Research",
            Self::OtherReview => "Another review",
            Self::PractitionerSurvey => "Practitioner survey",
        }
    }
}

/// One piece of evidence that the finding is about the system, not just this case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GeneralityEvidence {
    pub kind: GeneralityEvidenceKind,
    pub description: String,
    /// Citation or link: a report, an audit, another review's finding.
    pub reference: String,
}

/// How far a finding has been tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Draft,
    CaseGroupTested,
    ReviewTeamAgreed,
    Final,
}

impl FindingStatus {
    /// Every status, in the order a finding passes through them.
    pub const ALL: [Self; 4] = [
        Self::Draft,
        Self::CaseGroupTested,
        Self::ReviewTeamAgreed,
        Self::Final,
    ];

    /// The status as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::CaseGroupTested => "Tested with the case group",
            Self::ReviewTeamAgreed => "Agreed by the review team",
            Self::Final => "Final",
        }
    }
}

/// A systemic finding, in the finding template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub id: FindingId,
    pub review_id: ReviewId,
    pub position: u32,
    /// One sentence, systemic and generic.
    pub statement: String,
    /// Context and introduction.
    pub context: String,
    pub pattern: Option<Pattern>,
    /// Patterns overlap; a second one may be recorded.
    pub secondary_pattern: Option<Pattern>,
    pub polarity: Option<Polarity>,
    /// How it showed in this case.
    pub manifestation: String,
    pub kpe_ids: Vec<KpeId>,
    pub generality_evidence: Vec<GeneralityEvidence>,
    pub why_it_matters: String,
    /// Questions for the partnership to consider (rather than prescriptive recommendations).
    pub questions: Vec<String>,
    /// 1 = highest priority.
    pub priority: Option<u8>,
    /// The status set by hand before it was derived from meetings and comments (see
    /// [`crate::collaboration::testing_of`]); kept as imported, no longer read or set.
    pub status: FindingStatus,
    pub recurrent_issue_ids: Vec<RecurrentIssueId>,
    /// What the pattern library suggested when the pattern was chosen, and whether the reviewer
    /// took it; kept with the finding's history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_choice: Option<PatternChoice>,
}

/// A reviewer's decision on the pattern library's suggestion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternChoice {
    /// The pattern suggested first.
    pub suggested: Pattern,
    /// Its probability, in whole percent.
    pub confidence_percent: u8,
    /// The pattern suggested second.
    pub runner_up: Option<Pattern>,
    /// The pattern the reviewer chose.
    pub chosen: Pattern,
    /// What produced the suggestion (features and model), for later comparison.
    pub engine: String,
}

impl PatternChoice {
    /// Whether the reviewer took the suggestion.
    #[must_use]
    pub fn accepted(&self) -> bool {
        self.suggested == self.chosen
    }
}

/// Why a finding is not yet complete enough to leave findings development.
pub fn incompleteness(finding: &Finding) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if finding.pattern.is_none() {
        missing.push("a pattern");
    }
    if finding.polarity.is_none() {
        missing.push("a polarity");
    }
    if finding.kpe_ids.is_empty() {
        missing.push("a link to a key practice episode");
    }
    if finding.generality_evidence.is_empty() {
        missing.push("evidence that it is not a one-off");
    }
    missing
}

impl Validate for Finding {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.required("statement", &self.statement);
        for (name, value) in [
            ("context", &self.context),
            ("manifestation", &self.manifestation),
            ("why_it_matters", &self.why_it_matters),
        ] {
            check.optional(name, value);
        }
        if self.pattern.is_some() && self.secondary_pattern == self.pattern {
            check.fail("secondary_pattern", "is the same as the primary pattern");
        }
        if self.pattern.is_none() && self.secondary_pattern.is_some() {
            check.fail("secondary_pattern", "needs a primary pattern first");
        }
        for (idx, item) in self.generality_evidence.iter().enumerate() {
            check.required(
                &format!("generality_evidence[{idx}].description"),
                &item.description,
            );
            check.optional(
                &format!("generality_evidence[{idx}].reference"),
                &item.reference,
            );
        }
        check.each_required("questions", &self.questions);
        if self.priority == Some(0) {
            check.fail("priority", "starts at 1 (highest)");
        }
        check.finish()
    }
}

/// Where a recurrent issue is in its curation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecurrentIssueStatus {
    Proposed,
    Accepted,
    Merged,
    Retired,
}

/// A recurrent issue within one pattern: what findings from different reviews have in common
/// underneath different surfaces. The list grows as reviews accumulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurrentIssue {
    pub id: RecurrentIssueId,
    pub pattern: Pattern,
    /// Short stable code, e.g. `tool.recording-fragments-history`.
    pub code: String,
    pub label: String,
    pub description: String,
    pub status: RecurrentIssueStatus,
    pub merged_into: Option<RecurrentIssueId>,
}

impl Validate for RecurrentIssue {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("code", &self.code);
        check.line("label", &self.label);
        check.required("description", &self.description);
        match (self.status, self.merged_into) {
            (RecurrentIssueStatus::Merged, None) => {
                check.fail("merged_into", "is required for a merged issue")
            }
            (status, Some(_)) if status != RecurrentIssueStatus::Merged => {
                check.fail("merged_into", "is only allowed on a merged issue")
            }
            (_, Some(target)) if target == self.id => {
                check.fail("merged_into", "cannot be the issue itself")
            }
            _ => {}
        }
        check.finish()
    }
}
