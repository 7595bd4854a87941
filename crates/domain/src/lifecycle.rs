//! The review lifecycle as a state machine, with guards that keep the method honest.
//!
//! A review moves from notification through the rapid review, commissioning, data collection,
//! analysis, findings, report, sign-off and publication to action monitoring and closure. Each
//! forward move has guards with readable reasons (for example, findings cannot be left while any
//! finding lacks a pattern, a polarity, a KPE link or evidence that it is not a one-off). A
//! review can be put on hold with a reason and resumes to the state it was in; it can be
//! withdrawn from any state before closure; and it can be returned to an earlier working stage
//! with a reason, because analysis is iterative.

use crate::analysis::KeyPracticeEpisode;
use crate::findings::{Finding, incompleteness};
use crate::participation::{Participation, Role};
use crate::response::{Action, PartnershipResponse};
use crate::review::{
    ParallelProcessStatus, PublicationOutcome, RapidReviewOutcome, Review, TermsOfReference,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a review is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Notified,
    RapidReviewInProgress,
    RapidReviewSubmitted,
    Decided,
    NoFurtherReview,
    OtherLearning,
    Commissioned,
    Scoping,
    ReviewersAppointed,
    DataCollection,
    Analysis,
    FindingsDevelopment,
    ReportDrafting,
    FactualAccuracyAndFamilyPreview,
    PartnerSignOff,
    PrePublication,
    Published,
    NotPublished,
    ActionMonitoring,
    Closed,
    Archived,
    OnHold,
    Withdrawn,
}

impl ReviewState {
    /// Every state, in lifecycle order.
    pub const ALL: [ReviewState; 23] = [
        Self::Notified,
        Self::RapidReviewInProgress,
        Self::RapidReviewSubmitted,
        Self::Decided,
        Self::NoFurtherReview,
        Self::OtherLearning,
        Self::Commissioned,
        Self::Scoping,
        Self::ReviewersAppointed,
        Self::DataCollection,
        Self::Analysis,
        Self::FindingsDevelopment,
        Self::ReportDrafting,
        Self::FactualAccuracyAndFamilyPreview,
        Self::PartnerSignOff,
        Self::PrePublication,
        Self::Published,
        Self::NotPublished,
        Self::ActionMonitoring,
        Self::Closed,
        Self::Archived,
        Self::OnHold,
        Self::Withdrawn,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Notified => "Notified",
            Self::RapidReviewInProgress => "Rapid review in progress",
            Self::RapidReviewSubmitted => "Rapid review submitted",
            Self::Decided => "Decision made",
            Self::NoFurtherReview => "No further review",
            Self::OtherLearning => "Other learning route",
            Self::Commissioned => "Commissioned",
            Self::Scoping => "Scoping",
            Self::ReviewersAppointed => "Reviewers appointed",
            Self::DataCollection => "Data collection",
            Self::Analysis => "Analysis",
            Self::FindingsDevelopment => "Findings development",
            Self::ReportDrafting => "Report drafting",
            Self::FactualAccuracyAndFamilyPreview => "Factual accuracy and family preview",
            Self::PartnerSignOff => "Partner sign-off",
            Self::PrePublication => "Pre-publication",
            Self::Published => "Published",
            Self::NotPublished => "Not published",
            Self::ActionMonitoring => "Action monitoring",
            Self::Closed => "Closed",
            Self::Archived => "Archived",
            Self::OnHold => "On hold",
            Self::Withdrawn => "Withdrawn",
        }
    }

    /// Whether a decision to publish can be recorded: from the partners' sign-off on (and
    /// while on hold, whatever stage the hold interrupted).
    pub fn may_publish(self) -> bool {
        use ReviewState::*;
        matches!(
            self,
            PartnerSignOff
                | PrePublication
                | Published
                | NotPublished
                | ActionMonitoring
                | Closed
                | Archived
                | OnHold
        )
    }

    /// Whether nothing further can happen to the review.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Archived | Self::Withdrawn)
    }

    /// Whether the review can be put on hold or withdrawn from this state.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            Self::OnHold | Self::Withdrawn | Self::Archived | Self::Closed
        )
    }

    /// The forward moves the lifecycle allows from this state (guards apart).
    pub fn next_states(self) -> &'static [ReviewState] {
        use ReviewState::*;
        match self {
            Notified => &[RapidReviewInProgress],
            RapidReviewInProgress => &[RapidReviewSubmitted],
            RapidReviewSubmitted => &[Decided],
            Decided => &[Commissioned, NoFurtherReview, OtherLearning],
            NoFurtherReview | OtherLearning => &[Closed],
            Commissioned => &[Scoping],
            Scoping => &[ReviewersAppointed],
            ReviewersAppointed => &[DataCollection],
            DataCollection => &[Analysis],
            Analysis => &[FindingsDevelopment],
            FindingsDevelopment => &[ReportDrafting],
            ReportDrafting => &[FactualAccuracyAndFamilyPreview],
            FactualAccuracyAndFamilyPreview => &[PartnerSignOff],
            PartnerSignOff => &[PrePublication],
            PrePublication => &[Published, NotPublished],
            Published | NotPublished => &[ActionMonitoring],
            ActionMonitoring => &[Closed],
            Closed => &[Archived],
            Archived | OnHold | Withdrawn => &[],
        }
    }

    /// Earlier working stages a review may be returned to from this state, with a reason.
    pub fn return_states(self) -> &'static [ReviewState] {
        use ReviewState::*;
        match self {
            Analysis => &[DataCollection],
            FindingsDevelopment => &[Analysis, DataCollection],
            ReportDrafting => &[FindingsDevelopment, Analysis],
            FactualAccuracyAndFamilyPreview => &[ReportDrafting, FindingsDevelopment],
            PartnerSignOff => &[ReportDrafting],
            _ => &[],
        }
    }
}

impl fmt::Display for ReviewState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why and since when a review is on hold, and where it resumes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnHold {
    pub reason: String,
    pub prior_state: ReviewState,
    pub since: NaiveDate,
}

/// What the user asks the lifecycle to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransitionRequest {
    /// Move forward to the given state.
    Advance(ReviewState),
    /// Go back to an earlier working stage.
    ReturnTo {
        state: ReviewState,
        reason: String,
    },
    PutOnHold {
        reason: String,
    },
    Resume,
    Withdraw {
        reason: String,
    },
}

/// Everything about a review that the guards look at.
#[derive(Clone, Debug)]
pub struct ReviewContent {
    pub review: Review,
    pub terms: Option<TermsOfReference>,
    pub participations: Vec<Participation>,
    pub chronology_entries: usize,
    pub conversations: usize,
    pub kpes: Vec<KeyPracticeEpisode>,
    pub findings: Vec<Finding>,
    pub responses: Vec<PartnershipResponse>,
    pub actions: Vec<Action>,
    /// How far each finding has been tested (derived from meetings and comments, see
    /// [`crate::collaboration::testing_of`]).
    pub testing: Vec<(crate::ids::FindingId, crate::collaboration::Testing)>,
    /// The fingerprint of the latest final version of the report, if one was frozen.
    pub final_version: Option<String>,
}

/// Which parts of a review a guard looks at, so callers load only those.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContentNeeds {
    pub terms: bool,
    pub participations: bool,
    pub counts: bool,
    pub kpes: bool,
    pub findings: bool,
    pub responses: bool,
    pub actions: bool,
    pub testing: bool,
    pub final_version: bool,
}

impl ContentNeeds {
    /// What the guard for moving into `to` reads.
    pub fn to_enter(to: ReviewState) -> Self {
        use ReviewState::*;
        let none = Self::default();
        match to {
            ReviewersAppointed => Self {
                terms: true,
                ..none
            },
            DataCollection => Self {
                participations: true,
                ..none
            },
            Analysis => Self {
                counts: true,
                ..none
            },
            FindingsDevelopment => Self { kpes: true, ..none },
            ReportDrafting => Self {
                findings: true,
                ..none
            },
            FactualAccuracyAndFamilyPreview => Self {
                findings: true,
                testing: true,
                ..none
            },
            Published => Self {
                final_version: true,
                ..none
            },
            PrePublication => Self {
                findings: true,
                responses: true,
                actions: true,
                ..none
            },
            Closed => Self {
                actions: true,
                ..none
            },
            _ => none,
        }
    }

    /// Both sets together.
    pub fn and(self, other: Self) -> Self {
        Self {
            terms: self.terms || other.terms,
            participations: self.participations || other.participations,
            counts: self.counts || other.counts,
            kpes: self.kpes || other.kpes,
            findings: self.findings || other.findings,
            responses: self.responses || other.responses,
            actions: self.actions || other.actions,
            testing: self.testing || other.testing,
            final_version: self.final_version || other.final_version,
        }
    }
}

/// A transition that was allowed, to be recorded in the review's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub from: ReviewState,
    pub to: ReviewState,
    pub reason: Option<String>,
    pub on: NaiveDate,
}

/// A transition the lifecycle refused, with every reason and, for each, where it is put right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: ReviewState,
    pub to: Option<ReviewState>,
    pub reasons: Vec<String>,
    /// Where each reason (by position) is put right.
    pub fixes: Vec<Fix>,
}

/// Where what a guard asks for is put right: the part of the review whose page records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fix {
    /// The transition itself (a reason to give, a move that is not next).
    Transition,
    /// The review's details: statutory dates, the rapid review decision, parallel processes.
    Details,
    Terms,
    Participants,
    Chronology,
    Episodes,
    Episode(crate::ids::KpeId),
    Findings,
    Finding(crate::ids::FindingId),
    /// Sharing a finding, or a meeting, for testing with the case group.
    Testing,
    /// Partnership responses and the action plan.
    Actions,
    /// The anonymisation sign-off and the publication decision.
    Publication,
    /// Report versions (the final one is frozen there).
    Versions,
}

/// One thing a forward move still needs, and where it is put right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmet {
    pub text: String,
    pub fix: Fix,
}

impl fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) => write!(f, "cannot move the review from {} to {}: ", self.from, to)?,
            None => write!(f, "cannot change the review from {}: ", self.from)?,
        }
        f.write_str(&self.reasons.join("; "))
    }
}

impl std::error::Error for TransitionRefused {}

/// Checks a request against the lifecycle and its guards. On success, returns the new review
/// (state, hold and withdrawal fields updated) and the transition to record.
pub fn apply(
    content: &ReviewContent,
    request: &TransitionRequest,
    today: NaiveDate,
) -> Result<(Review, Transition), TransitionRefused> {
    let review = &content.review;
    let from = review.state;
    let refuse = |to: Option<ReviewState>, reasons: Vec<String>| TransitionRefused {
        from,
        to,
        fixes: vec![Fix::Transition; reasons.len()],
        reasons,
    };
    let mut next = review.clone();
    let (to, reason) = match request {
        TransitionRequest::Advance(to) => {
            if !from.next_states().contains(to) {
                return Err(refuse(Some(*to), vec![not_next(from, *to)]));
            }
            let unmet = guard(content, *to);
            if !unmet.is_empty() {
                return Err(TransitionRefused {
                    from,
                    to: Some(*to),
                    reasons: unmet.iter().map(|u| u.text.clone()).collect(),
                    fixes: unmet.iter().map(|u| u.fix).collect(),
                });
            }
            (*to, None)
        }
        TransitionRequest::ReturnTo { state, reason } => {
            if !from.return_states().contains(state) {
                return Err(refuse(
                    Some(*state),
                    vec![format!(
                        "a review cannot be returned from {from} to {state}"
                    )],
                ));
            }
            require_reason(reason).map_err(|r| refuse(Some(*state), vec![r]))?;
            (*state, Some(reason.trim().to_owned()))
        }
        TransitionRequest::PutOnHold { reason } => {
            if !from.is_active() {
                return Err(refuse(
                    Some(ReviewState::OnHold),
                    vec![format!("a review that is {from} cannot be put on hold")],
                ));
            }
            require_reason(reason).map_err(|r| refuse(Some(ReviewState::OnHold), vec![r]))?;
            next.on_hold = Some(OnHold {
                reason: reason.trim().to_owned(),
                prior_state: from,
                since: today,
            });
            (ReviewState::OnHold, Some(reason.trim().to_owned()))
        }
        TransitionRequest::Resume => {
            let Some(hold) = &review.on_hold else {
                return Err(refuse(None, vec!["the review is not on hold".to_owned()]));
            };
            next.on_hold = None;
            (hold.prior_state, None)
        }
        TransitionRequest::Withdraw { reason } => {
            if matches!(
                from,
                ReviewState::Closed | ReviewState::Archived | ReviewState::Withdrawn
            ) {
                return Err(refuse(
                    Some(ReviewState::Withdrawn),
                    vec![format!("a review that is {from} cannot be withdrawn")],
                ));
            }
            require_reason(reason).map_err(|r| refuse(Some(ReviewState::Withdrawn), vec![r]))?;
            next.on_hold = None;
            next.withdrawn_reason = Some(reason.trim().to_owned());
            (ReviewState::Withdrawn, Some(reason.trim().to_owned()))
        }
    };
    next.state = to;
    Ok((
        next,
        Transition {
            from,
            to,
            reason,
            on: today,
        },
    ))
}

fn require_reason(reason: &str) -> Result<(), String> {
    if reason.trim().is_empty() {
        Err("a reason is required".to_owned())
    } else {
        Ok(())
    }
}

fn not_next(from: ReviewState, to: ReviewState) -> String {
    let allowed: Vec<&str> = from.next_states().iter().map(|s| s.label()).collect();
    if allowed.is_empty() {
        format!("no further step follows {from}")
    } else {
        format!(
            "{to} does not follow {from}; the next step is {}",
            allowed.join(" or ")
        )
    }
}

/// What a forward move into `to` still needs, each with where it is put right; empty when the
/// move is allowed.
pub fn guard(content: &ReviewContent, to: ReviewState) -> Vec<Unmet> {
    use ReviewState::*;
    let review = &content.review;
    let dates = &review.statutory;
    let mut reasons = Unmets::default();
    let outcome = dates.rapid_review_decision.as_ref().map(|d| d.outcome);
    match to {
        RapidReviewInProgress if dates.notified_on.is_none() => reasons.add(
            Fix::Details,
            "record the date the national panel was notified",
        ),
        RapidReviewSubmitted if dates.rapid_review_submitted_on.is_none() => reasons.add(
            Fix::Details,
            "record the date the rapid review was sent to the panel",
        ),
        Decided if outcome.is_none() => reasons.add(
            Fix::Details,
            "record the rapid review decision and its rationale",
        ),
        Commissioned
            if !matches!(
                outcome,
                Some(
                    RapidReviewOutcome::CommissionLocalReview
                        | RapidReviewOutcome::NationalReferral
                )
            ) =>
        {
            reasons.add(
                Fix::Details,
                "the rapid review decision was not to commission a review",
            )
        }
        NoFurtherReview if outcome != Some(RapidReviewOutcome::NoFurtherReview) => reasons.add(
            Fix::Details,
            "the rapid review decision was not 'no further review'",
        ),
        OtherLearning if outcome != Some(RapidReviewOutcome::OtherLearning) => reasons.add(
            Fix::Details,
            "the rapid review decision was not 'other learning'",
        ),
        ReviewersAppointed => match &content.terms {
            None => reasons.add(Fix::Terms, "write the terms of reference"),
            Some(terms) => {
                if terms.research_questions.is_empty() {
                    reasons.add(
                        Fix::Terms,
                        "the terms of reference need at least one research question",
                    );
                }
                if terms.agreed_on.is_none() {
                    reasons.add(Fix::Terms, "the terms of reference have not been agreed");
                }
            }
        },
        DataCollection
            if !content
                .participations
                .iter()
                .any(|p| p.role == Role::LeadReviewer) =>
        {
            reasons.add(Fix::Participants, "appoint a lead reviewer")
        }
        Analysis if content.chronology_entries == 0 && content.conversations == 0 => reasons.add(
            Fix::Chronology,
            "collect at least one agency chronology entry or conversation",
        ),
        FindingsDevelopment => guard_analysis(&content.kpes, &mut reasons),
        ReportDrafting => guard_findings(&content.findings, &mut reasons),
        FactualAccuracyAndFamilyPreview => {
            for finding in &content.findings {
                let testing = content
                    .testing
                    .iter()
                    .find(|(id, _)| *id == finding.id)
                    .map_or(crate::collaboration::Testing::Draft, |(_, t)| *t);
                if testing == crate::collaboration::Testing::Draft {
                    reasons.add(Fix::Testing, format!(
                        "{} has not been tested with the case group (discuss it at a case group or joint meeting, or share it with them)",
                        describe_finding(finding)
                    ));
                }
            }
        }
        PrePublication => {
            for finding in &content.findings {
                if !content.responses.iter().any(|r| r.finding_id == finding.id) {
                    reasons.add(
                        Fix::Actions,
                        format!("{} has no partnership response", describe_finding(finding)),
                    );
                }
            }
            if content.actions.is_empty() {
                reasons.add(Fix::Actions, "the action plan is empty");
            }
        }
        Published => {
            match &review.anonymisation_sign_off {
                None => {
                    reasons.add(Fix::Publication, "the anonymisation check has not been signed off")
                }
                Some(sign_off)
                    if sign_off.fingerprint.is_none()
                        || sign_off.fingerprint != content.final_version =>
                {
                    reasons.add(
                        Fix::Versions,
                        "freeze the final version of the report after the anonymisation sign-off: what is published is that frozen version",
                    )
                }
                Some(_) => {}
            }
            match &review.publication {
                None => reasons.add(Fix::Publication, "record the publication decision"),
                Some(decision) if decision.outcome != PublicationOutcome::Publish => reasons.add(
                    Fix::Publication,
                    "the recorded publication decision is not to publish",
                ),
                Some(decision) if decision.published_on.is_none() => {
                    reasons.add(Fix::Publication, "record the date of publication")
                }
                Some(_) => {}
            }
            for process in &review.parallel_processes {
                if process.blocks_publication && process.status == ParallelProcessStatus::Active {
                    reasons.add(
                        Fix::Details,
                        format!(
                            "a parallel process ({:?}) that blocks publication is still active",
                            process.kind
                        ),
                    );
                }
            }
        }
        NotPublished => match &review.publication {
            Some(decision) if decision.outcome == PublicationOutcome::DoNotPublish => {}
            _ => reasons.add(
                Fix::Publication,
                "record a decision not to publish, with its reasons",
            ),
        },
        Closed => {
            for action in &content.actions {
                if !action.status.is_closed() {
                    reasons.add(
                        Fix::Actions,
                        format!("action \"{}\" is still open", shorten(&action.description)),
                    );
                }
            }
        }
        _ => {}
    }
    reasons.0
}

/// What a guard collects.
#[derive(Default)]
struct Unmets(Vec<Unmet>);

impl Unmets {
    fn add(&mut self, fix: Fix, text: impl Into<String>) {
        self.0.push(Unmet {
            text: text.into(),
            fix,
        });
    }
}

fn guard_analysis(kpes: &[KeyPracticeEpisode], reasons: &mut Unmets) {
    if kpes.is_empty() {
        reasons.add(Fix::Episodes, "identify at least one key practice episode");
    }
    for kpe in kpes {
        let name = format!("KPE {} (\"{}\")", kpe.position, shorten(&kpe.title));
        if kpe.what_happened.trim().is_empty() {
            reasons.add(
                Fix::Episode(kpe.id),
                format!("{name} does not say what happened"),
            );
        }
        if kpe.local_rationality.is_empty() {
            reasons.add(
                Fix::Episode(kpe.id),
                format!("{name} has no local-rationality account"),
            );
        }
        if kpe.appraisal.rating.is_none() {
            reasons.add(
                Fix::Episode(kpe.id),
                format!("{name} has not been appraised"),
            );
        }
        if kpe.appraisal.has_unresolved_hindsight() {
            let phrases: Vec<String> = kpe
                .appraisal
                .hindsight_flags()
                .into_iter()
                .map(|f| format!("\"{}\"", f.phrase))
                .collect();
            reasons.add(
                Fix::Episode(kpe.id),
                format!(
                    "{name} has hindsight language in its appraisal ({}) to rephrase or explain",
                    phrases.join(", ")
                ),
            );
        }
    }
}

fn guard_findings(findings: &[Finding], reasons: &mut Unmets) {
    if findings.is_empty() {
        reasons.add(Fix::Findings, "write at least one finding");
    }
    for finding in findings {
        let missing = incompleteness(finding);
        if !missing.is_empty() {
            reasons.add(
                Fix::Finding(finding.id),
                format!("{} lacks {}", describe_finding(finding), join_and(&missing)),
            );
        }
    }
}

fn describe_finding(finding: &Finding) -> String {
    format!(
        "finding {} (\"{}\")",
        finding.position,
        shorten(&finding.statement)
    )
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 60;
    let text = text.trim();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{FindingStatus, GeneralityEvidence, GeneralityEvidenceKind, Polarity};
    use crate::ids::*;
    use crate::review::*;
    use crate::typology::Pattern;
    use uuid::Uuid;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("valid test date")
    }

    fn content(state: ReviewState) -> ReviewContent {
        let review = Review {
            id: ReviewId(Uuid::from_u128(1)),
            partnership_id: PartnershipId(Uuid::from_u128(2)),
            title: "Child W".to_owned(),
            kind: ReviewKind::LocalChildSafeguardingPracticeReview,
            methodology: Methodology::LearningTogether {
                variant: LearningTogetherVariant::Full,
            },
            state,
            on_hold: None,
            withdrawn_reason: None,
            period_start: None,
            period_end: None,
            opened_on: day(1),
            typology_version: crate::typology::ORIGINAL_2008.to_owned(),
            parallel_processes: vec![],
            statutory: StatutoryDates::default(),
            facets: ReviewFacets::default(),
            anonymisation_sign_off: None,
            publication: None,
        };
        ReviewContent {
            review,
            terms: None,
            participations: vec![],
            chronology_entries: 0,
            conversations: 0,
            kpes: vec![],
            findings: vec![],
            responses: vec![],
            actions: vec![],
            testing: vec![],
            final_version: None,
        }
    }

    fn finding(position: u32) -> Finding {
        Finding {
            id: FindingId(Uuid::from_u128(100 + u128::from(position))),
            review_id: ReviewId(Uuid::from_u128(1)),
            position,
            statement: "Referral forms route concerns by a single primary need".to_owned(),
            context: String::new(),
            pattern: None,
            secondary_pattern: None,
            polarity: None,
            manifestation: String::new(),
            kpe_ids: vec![],
            generality_evidence: vec![],
            why_it_matters: String::new(),
            questions: vec![],
            priority: None,
            status: FindingStatus::Draft,
            recurrent_issue_ids: vec![],
            pattern_choice: None,
        }
    }

    #[test]
    fn leaving_findings_development_is_refused_while_a_finding_is_incomplete() {
        let mut content = content(ReviewState::FindingsDevelopment);
        let mut complete = finding(1);
        complete.pattern = Some(Pattern::Tool);
        complete.polarity = Some(Polarity::Unsafe);
        complete.kpe_ids = vec![KpeId(Uuid::from_u128(7))];
        complete.generality_evidence = vec![GeneralityEvidence {
            kind: GeneralityEvidenceKind::LocalAuditData,
            description: "audit of 40 referrals".to_owned(),
            reference: String::new(),
        }];
        let mut incomplete = finding(2);
        incomplete.pattern = Some(Pattern::Management);
        content.findings = vec![complete.clone(), incomplete];

        let refused = apply(
            &content,
            &TransitionRequest::Advance(ReviewState::ReportDrafting),
            day(10),
        )
        .unwrap_err();
        assert_eq!(refused.reasons.len(), 1, "{refused}");
        assert!(
            refused.reasons[0].starts_with("finding 2")
                && refused.reasons[0].contains("lacks a polarity, a link to a key practice episode and evidence that it is not a one-off"),
            "{refused}"
        );
        assert!(
            refused
                .to_string()
                .starts_with("cannot move the review from Findings development to Report drafting")
        );

        content.findings = vec![complete];
        let (review, transition) = apply(
            &content,
            &TransitionRequest::Advance(ReviewState::ReportDrafting),
            day(10),
        )
        .expect("allowed");
        assert_eq!(review.state, ReviewState::ReportDrafting);
        assert_eq!(transition.from, ReviewState::FindingsDevelopment);
    }

    #[test]
    fn every_refusal_says_where_it_is_put_right() {
        let mut drafting = content(ReviewState::ReportDrafting);
        drafting.findings = vec![finding(1)];
        let refused = apply(
            &drafting,
            &TransitionRequest::Advance(ReviewState::FactualAccuracyAndFamilyPreview),
            day(10),
        )
        .unwrap_err();
        assert_eq!(refused.reasons.len(), refused.fixes.len());
        assert!(
            refused.fixes.iter().all(|f| *f == Fix::Testing),
            "{refused:?}"
        );
        let empty = content(ReviewState::Scoping);
        let unmet = guard(&empty, ReviewState::ReviewersAppointed);
        assert_eq!(unmet[0].fix, Fix::Terms);
        let skipped = apply(
            &empty,
            &TransitionRequest::Advance(ReviewState::Published),
            day(10),
        )
        .unwrap_err();
        assert_eq!(skipped.fixes, [Fix::Transition]);
    }

    #[test]
    fn a_step_cannot_be_skipped() {
        let content = content(ReviewState::DataCollection);
        let refused = apply(
            &content,
            &TransitionRequest::Advance(ReviewState::Published),
            day(10),
        )
        .unwrap_err();
        assert_eq!(
            refused.reasons,
            ["Published does not follow Data collection; the next step is Analysis"]
        );
    }

    #[test]
    fn on_hold_needs_a_reason_and_resumes_to_the_prior_state() {
        let content_before = content(ReviewState::Analysis);
        let refused = apply(
            &content_before,
            &TransitionRequest::PutOnHold {
                reason: "  ".to_owned(),
            },
            day(3),
        )
        .unwrap_err();
        assert_eq!(refused.reasons, ["a reason is required"]);

        let (held, _) = apply(
            &content_before,
            &TransitionRequest::PutOnHold {
                reason: "criminal trial".to_owned(),
            },
            day(3),
        )
        .expect("allowed");
        assert_eq!(held.state, ReviewState::OnHold);
        assert_eq!(
            held.on_hold.as_ref().map(|h| h.prior_state),
            Some(ReviewState::Analysis)
        );
        assert!(crate::Validate::problems(&held).is_empty());

        let mut content_held = content_before.clone();
        content_held.review = held;
        let refused = apply(
            &content_held,
            &TransitionRequest::Advance(ReviewState::FindingsDevelopment),
            day(4),
        )
        .unwrap_err();
        assert!(
            refused.reasons[0].contains("no further step follows On hold"),
            "{refused}"
        );
        let (resumed, transition) =
            apply(&content_held, &TransitionRequest::Resume, day(20)).expect("allowed");
        assert_eq!(
            (resumed.state, resumed.on_hold),
            (ReviewState::Analysis, None)
        );
        assert_eq!(transition.to, ReviewState::Analysis);
    }

    #[test]
    fn publication_needs_a_sign_off_and_a_recorded_decision() {
        let mut content = content(ReviewState::PrePublication);
        let refused = apply(
            &content,
            &TransitionRequest::Advance(ReviewState::Published),
            day(10),
        )
        .unwrap_err();
        assert_eq!(
            refused.reasons,
            [
                "the anonymisation check has not been signed off",
                "record the publication decision"
            ]
        );

        content.review.anonymisation_sign_off = Some(AnonymisationSignOff {
            signed_off_by: UserId(Uuid::from_u128(9)),
            signed_off_on: day(8),
            residual_risks: "none identified".to_owned(),
            scan_hits: None,
            fingerprint: Some("f1".to_owned()),
            accepted: Vec::new(),
        });
        content.final_version = Some("f1".to_owned());
        content.review.publication = Some(PublicationDecision {
            outcome: PublicationOutcome::Publish,
            reasons: String::new(),
            decided_on: day(9),
            sent_to_panel_on: Some(day(9)),
            published_on: Some(day(10)),
            remove_after: None,
        });
        content.review.parallel_processes.push(ParallelProcess {
            kind: ParallelProcessKind::CriminalTrial,
            status: ParallelProcessStatus::Active,
            contact: "Senior investigating officer".to_owned(),
            constraints: "publish after the verdict".to_owned(),
            blocks_publication: true,
        });
        let refused = apply(
            &content,
            &TransitionRequest::Advance(ReviewState::Published),
            day(10),
        )
        .unwrap_err();
        assert_eq!(refused.reasons.len(), 1);
        assert!(refused.reasons[0].contains("blocks publication"));

        content.review.parallel_processes[0].status = ParallelProcessStatus::Concluded;
        assert!(
            apply(
                &content,
                &TransitionRequest::Advance(ReviewState::Published),
                day(10)
            )
            .is_ok()
        );
    }

    #[test]
    fn analysis_guard_flags_unresolved_hindsight() {
        use crate::analysis::*;
        let mut content = content(ReviewState::Analysis);
        content.kpes = vec![KeyPracticeEpisode {
            id: KpeId(Uuid::from_u128(7)),
            review_id: content.review.id,
            position: 1,
            title: "Strategy discussion".to_owned(),
            period: None,
            what_happened: "A strategy discussion was held by telephone.".to_owned(),
            agencies: vec![],
            valence: Valence::Mixed,
            local_rationality: vec![LocalRationalityAccount {
                participant_id: ParticipationId(Uuid::from_u128(8)),
                what_they_thought_was_happening: "An accident".to_owned(),
                goals: String::new(),
                front_of_mind: String::new(),
                competing_demands: String::new(),
                options_seen: String::new(),
                emotions: String::new(),
                source: AccountSource::Conversation,
                confirmed_by_participant: true,
            }],
            contributory_factors: vec![],
            appraisal: Appraisal {
                rating: Some(Rating::Problematic),
                rationale: "Police should have attended.".to_owned(),
                knowable_at_the_time: String::new(),
                standards: vec![],
                hindsight_note: None,
            },
            evidence: vec![],
        }];
        let refused = apply(
            &content,
            &TransitionRequest::Advance(ReviewState::FindingsDevelopment),
            day(10),
        )
        .unwrap_err();
        assert_eq!(
            refused.reasons,
            [
                "KPE 1 (\"Strategy discussion\") has hindsight language in its appraisal (\"should have\") to rephrase or explain"
            ]
        );
    }

    #[test]
    fn withdrawal_needs_a_reason_and_is_final() {
        let content_open = content(ReviewState::Scoping);
        let (withdrawn, _) = apply(
            &content_open,
            &TransitionRequest::Withdraw {
                reason: "merged into a joint review".to_owned(),
            },
            day(2),
        )
        .expect("allowed");
        assert_eq!(withdrawn.state, ReviewState::Withdrawn);
        let mut content_withdrawn = content_open.clone();
        content_withdrawn.review = withdrawn;
        assert!(
            apply(
                &content_withdrawn,
                &TransitionRequest::Withdraw {
                    reason: "again".to_owned()
                },
                day(3)
            )
            .is_err()
        );
        assert!(ReviewState::Withdrawn.is_terminal());
    }
}
