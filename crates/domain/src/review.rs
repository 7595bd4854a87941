//! The review itself: what kind of review, by which method, about which period, and where it is
//! in its lifecycle; its terms of reference; parallel processes; statutory dates; and the
//! publication records a review must have before it is published.

use crate::calendar::WorkingCalendar;
use crate::ids::{AgencyId, PartnershipId, ReviewId, TermsOfReferenceId, UserId};
use crate::lifecycle::{OnHold, ReviewState};
use crate::validation::{Checker, Invalid, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The statutory or local kind of review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// Serious case review (England, before 2019).
    SeriousCaseReview,
    /// Local child safeguarding practice review (England, 2018 onwards).
    LocalChildSafeguardingPracticeReview,
    /// National review commissioned by the Child Safeguarding Practice Review Panel.
    NationalReview,
    /// Child practice review, concise (Wales).
    ChildPracticeReviewConcise,
    /// Child practice review, extended (Wales).
    ChildPracticeReviewExtended,
    /// Single unified safeguarding review (Wales).
    SingleUnifiedSafeguardingReview,
    /// Safeguarding adult review.
    SafeguardingAdultReview,
    /// A non-statutory learning review.
    LearningReview,
    /// A themed review across several cases.
    ThemedReview,
    /// A review of good practice.
    GoodPracticeReview,
}

impl ReviewKind {
    /// The name a reviewer would use.
    pub fn label(self) -> &'static str {
        match self {
            Self::SeriousCaseReview => "Serious case review",
            Self::LocalChildSafeguardingPracticeReview => {
                "Local child safeguarding practice review"
            }
            Self::NationalReview => "National review",
            Self::ChildPracticeReviewConcise => "Child practice review (concise)",
            Self::ChildPracticeReviewExtended => "Child practice review (extended)",
            Self::SingleUnifiedSafeguardingReview => "Single unified safeguarding review",
            Self::SafeguardingAdultReview => "Safeguarding adult review",
            Self::LearningReview => "Learning review",
            Self::ThemedReview => "Themed review",
            Self::GoodPracticeReview => "Good practice review",
        }
    }
}

/// The intensity variant of a Learning Together review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LearningTogetherVariant {
    Full,
    Intensive,
    SpeedPlus,
    MidRange,
    Focused,
    Themed,
}

/// The review methodology.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Methodology {
    /// SCIE Learning Together systems approach, with its variant.
    LearningTogether { variant: LearningTogetherVariant },
    /// Significant incident learning process.
    Silp,
    /// Any other named methodology.
    Other { name: String },
}

impl LearningTogetherVariant {
    /// The variant's name as reviewers say it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Intensive => "intensive",
            Self::SpeedPlus => "SpeedPlus",
            Self::MidRange => "mid-range",
            Self::Focused => "focused",
            Self::Themed => "themed",
        }
    }
}

impl Methodology {
    /// A human-readable description.
    pub fn label(&self) -> String {
        match self {
            Self::LearningTogether { variant } => {
                format!("Learning Together ({})", variant.label())
            }
            Self::Silp => "Significant incident learning process".to_owned(),
            Self::Other { name } => name.clone(),
        }
    }
}

/// The kind of harm that led to the review (a facet for cross-review analysis).
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
pub enum HarmType {
    Neglect,
    PhysicalAbuse,
    SexualAbuse,
    EmotionalAbuse,
    NonAccidentalInjuryInfant,
    SuddenUnexpectedInfantDeath,
    ChildSexualExploitation,
    CriminalExploitation,
    ExtraFamilialHarm,
    Suicide,
    DomesticAbuse,
    Other,
}

impl HarmType {
    /// Every kind of harm, in the order forms offer them.
    pub const ALL: [Self; 12] = [
        Self::Neglect,
        Self::PhysicalAbuse,
        Self::SexualAbuse,
        Self::EmotionalAbuse,
        Self::NonAccidentalInjuryInfant,
        Self::SuddenUnexpectedInfantDeath,
        Self::ChildSexualExploitation,
        Self::CriminalExploitation,
        Self::ExtraFamilialHarm,
        Self::Suicide,
        Self::DomesticAbuse,
        Self::Other,
    ];

    /// The harm as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Neglect => "Neglect",
            Self::PhysicalAbuse => "Physical abuse",
            Self::SexualAbuse => "Sexual abuse",
            Self::EmotionalAbuse => "Emotional abuse",
            Self::NonAccidentalInjuryInfant => "Non-accidental injury to an infant",
            Self::SuddenUnexpectedInfantDeath => "Sudden unexpected infant death",
            Self::ChildSexualExploitation => "Child sexual exploitation",
            Self::CriminalExploitation => "Criminal exploitation",
            Self::ExtraFamilialHarm => "Extra-familial harm",
            Self::Suicide => "Suicide",
            Self::DomesticAbuse => "Domestic abuse",
            Self::Other => "Other",
        }
    }
}

/// Age band of the child at the centre of the review (a facet for cross-review analysis).
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
pub enum AgeBand {
    Unborn,
    Under1,
    Age1To4,
    Age5To9,
    Age10To13,
    Age14To17,
    Adult,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [Self; 7] = [
        Self::Unborn,
        Self::Under1,
        Self::Age1To4,
        Self::Age5To9,
        Self::Age10To13,
        Self::Age14To17,
        Self::Adult,
    ];

    /// The band as a reader says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Unborn => "Unborn",
            Self::Under1 => "Under 1",
            Self::Age1To4 => "1 to 4",
            Self::Age5To9 => "5 to 9",
            Self::Age10To13 => "10 to 13",
            Self::Age14To17 => "14 to 17",
            Self::Adult => "Adult",
        }
    }
}

/// Kinds of process that run alongside a review and may constrain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParallelProcessKind {
    CriminalInvestigation,
    CriminalTrial,
    Inquest,
    FamilyProceedings,
    HumanResources,
    DomesticHomicideReview,
    SafeguardingAdultReview,
    Complaint,
    Litigation,
}

impl ParallelProcessKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [Self; 9] = [
        Self::CriminalInvestigation,
        Self::CriminalTrial,
        Self::Inquest,
        Self::FamilyProceedings,
        Self::HumanResources,
        Self::DomesticHomicideReview,
        Self::SafeguardingAdultReview,
        Self::Complaint,
        Self::Litigation,
    ];

    /// The process as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::CriminalInvestigation => "Criminal investigation",
            Self::CriminalTrial => "Criminal trial",
            Self::Inquest => "Inquest",
            Self::FamilyProceedings => "Family proceedings",
            Self::HumanResources => "Human resources process",
            Self::DomesticHomicideReview => "Domestic homicide review",
            Self::SafeguardingAdultReview => "Safeguarding adult review",
            Self::Complaint => "Complaint",
            Self::Litigation => "Litigation",
        }
    }
}

/// Whether a parallel process is still running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParallelProcessStatus {
    Active,
    Concluded,
}

/// A process running alongside the review (trial, inquest, ...) and what it constrains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParallelProcess {
    pub kind: ParallelProcessKind,
    pub status: ParallelProcessStatus,
    /// Who to liaise with, by role ("Senior investigating officer").
    pub contact: String,
    /// What the review must not do while it runs, e.g. "no conversations with witnesses before trial".
    pub constraints: String,
    /// Whether publication must wait for this process to conclude.
    pub blocks_publication: bool,
}

/// The decision of a rapid review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RapidReviewOutcome {
    /// Commission a local child safeguarding practice review.
    CommissionLocalReview,
    /// No local review: the learning is captured by the rapid review.
    NoFurtherReview,
    /// Learning to be taken forward another way (single-agency review, audit, ...).
    OtherLearning,
    /// Refer to the national panel for a national review.
    NationalReferral,
}

impl RapidReviewOutcome {
    /// Every outcome, in the order forms offer them.
    pub const ALL: [Self; 4] = [
        Self::CommissionLocalReview,
        Self::NoFurtherReview,
        Self::OtherLearning,
        Self::NationalReferral,
    ];

    /// The outcome as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::CommissionLocalReview => "Commission a local child safeguarding practice review",
            Self::NoFurtherReview => "No further review",
            Self::OtherLearning => "Take the learning forward another way",
            Self::NationalReferral => "Refer to the national panel",
        }
    }
}

/// The recorded decision of a rapid review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RapidReviewDecision {
    pub outcome: RapidReviewOutcome,
    pub rationale: String,
    pub decided_on: NaiveDate,
}

/// The statutory timeline of a review that started with a serious incident notification.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatutoryDates {
    /// When the incident happened.
    pub incident_on: Option<NaiveDate>,
    /// When the local authority became aware of it: the notification clock starts here.
    pub local_authority_aware_on: Option<NaiveDate>,
    /// When the national panel was notified: the rapid review clock starts here.
    pub notified_on: Option<NaiveDate>,
    /// When the rapid review was sent to the panel.
    pub rapid_review_submitted_on: Option<NaiveDate>,
    pub rapid_review_decision: Option<RapidReviewDecision>,
}

/// Which statutory clock a deadline belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Notify the national panel within 5 working days of becoming aware.
    Notification,
    /// Complete the rapid review within 15 working days of notification.
    RapidReview,
}

impl DeadlineKind {
    /// The number of working days the clock allows.
    pub fn working_days(self) -> u32 {
        match self {
            Self::Notification => 5,
            Self::RapidReview => 15,
        }
    }

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Notification => "Notify the national panel (5 working days)",
            Self::RapidReview => "Complete the rapid review (15 working days)",
        }
    }
}

/// A statutory deadline, computed in working days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    /// When it was met, if it has been.
    pub met_on: Option<NaiveDate>,
}

impl Deadline {
    /// Working days from `today` to the due date (negative when overdue).
    pub fn working_days_left(&self, calendar: &WorkingCalendar, today: NaiveDate) -> i64 {
        calendar.working_days_between(today, self.due_on)
    }

    /// Whether it was met late.
    pub fn met_late(&self) -> bool {
        self.met_on.is_some_and(|met| met > self.due_on)
    }
}

impl StatutoryDates {
    /// The statutory deadlines that apply, given the dates recorded so far.
    pub fn deadlines(&self, calendar: &WorkingCalendar) -> Vec<Deadline> {
        let mut deadlines = Vec::new();
        if let Some(aware) = self.local_authority_aware_on {
            deadlines.push(Deadline {
                kind: DeadlineKind::Notification,
                starts_on: aware,
                due_on: calendar.add_working_days(aware, DeadlineKind::Notification.working_days()),
                met_on: self.notified_on,
            });
        }
        if let Some(notified) = self.notified_on {
            deadlines.push(Deadline {
                kind: DeadlineKind::RapidReview,
                starts_on: notified,
                due_on: calendar
                    .add_working_days(notified, DeadlineKind::RapidReview.working_days()),
                met_on: self.rapid_review_submitted_on,
            });
        }
        deadlines
    }
}

/// The record that the report and briefing were checked for identifying details.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymisationSignOff {
    pub signed_off_by: UserId,
    pub signed_off_on: NaiveDate,
    /// Risks of identification that remain, and why they are accepted.
    pub residual_risks: String,
    /// How many possible identifiers the identifier scan showed the person signing off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_hits: Option<u32>,
    /// The fingerprint of the report and briefing the scan read: a final version frozen from
    /// exactly those is what may be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// What the scan showed that the person signing off judged not identifying, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<AcceptedHit>,
}

/// A possible identifier the scan showed, judged not identifying by the person signing off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptedHit {
    /// What the scan took it for ("Name", "School").
    pub kind: String,
    pub text: String,
    /// Why it does not identify anyone.
    pub reason: String,
}

/// What the partnership decided about publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicationOutcome {
    Publish,
    DoNotPublish,
    /// Publication deferred, e.g. until criminal proceedings end.
    Defer,
}

impl PublicationOutcome {
    /// Every outcome, in the order forms offer them.
    pub const ALL: [Self; 3] = [Self::Publish, Self::DoNotPublish, Self::Defer];

    /// The outcome as a reader names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Publish => "Publish",
            Self::DoNotPublish => "Do not publish",
            Self::Defer => "Defer publication",
        }
    }
}

/// The partnership's publication decision and what followed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationDecision {
    pub outcome: PublicationOutcome,
    pub reasons: String,
    pub decided_on: NaiveDate,
    pub sent_to_panel_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    /// When the published report is to be taken down.
    pub remove_after: Option<NaiveDate>,
}

/// Facets used to analyse findings across reviews.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewFacets {
    pub harm_types: Vec<HarmType>,
    pub child_age_band: Option<AgeBand>,
}

/// A case review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub id: ReviewId,
    pub partnership_id: PartnershipId,
    /// Pseudonymous title, e.g. "Child W". Never the child's real name.
    pub title: String,
    pub kind: ReviewKind,
    pub methodology: Methodology,
    pub state: ReviewState,
    /// Set while the review is on hold.
    pub on_hold: Option<OnHold>,
    /// Why the review was withdrawn, when it was.
    pub withdrawn_reason: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub opened_on: NaiveDate,
    /// The typology version findings are classified against.
    pub typology_version: String,
    pub parallel_processes: Vec<ParallelProcess>,
    pub statutory: StatutoryDates,
    pub facets: ReviewFacets,
    pub anonymisation_sign_off: Option<AnonymisationSignOff>,
    pub publication: Option<PublicationDecision>,
}

impl Validate for Review {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("title", &self.title);
        check.line("typology_version", &self.typology_version);
        if let (Some(start), Some(end)) = (self.period_start, self.period_end)
            && end < start
        {
            check.fail(
                "period_end",
                "is before the start of the period under review",
            );
        }
        if let Methodology::Other { name } = &self.methodology {
            check.line("methodology.name", name);
        }
        for (idx, process) in self.parallel_processes.iter().enumerate() {
            check.optional(
                &format!("parallel_processes[{idx}].constraints"),
                &process.constraints,
            );
            check.optional(
                &format!("parallel_processes[{idx}].contact"),
                &process.contact,
            );
        }
        let dates = &self.statutory;
        if let (Some(aware), Some(notified)) = (dates.local_authority_aware_on, dates.notified_on)
            && notified < aware
        {
            check.fail(
                "statutory.notified_on",
                "is before the local authority became aware",
            );
        }
        if let (Some(notified), Some(submitted)) =
            (dates.notified_on, dates.rapid_review_submitted_on)
            && submitted < notified
        {
            check.fail(
                "statutory.rapid_review_submitted_on",
                "is before the notification",
            );
        }
        if let Some(decision) = &dates.rapid_review_decision {
            check.required(
                "statutory.rapid_review_decision.rationale",
                &decision.rationale,
            );
        }
        if let Some(sign_off) = &self.anonymisation_sign_off {
            check.optional(
                "anonymisation_sign_off.residual_risks",
                &sign_off.residual_risks,
            );
        }
        if let Some(publication) = &self.publication {
            if publication.outcome != PublicationOutcome::Publish {
                check.required("publication.reasons", &publication.reasons);
            }
            if publication.published_on.is_some()
                && publication.outcome != PublicationOutcome::Publish
            {
                check.fail(
                    "publication.published_on",
                    "is set but the decision was not to publish",
                );
            }
            if publication.outcome == PublicationOutcome::Publish && !self.state.may_publish() {
                check.fail(
                    "publication.outcome",
                    format!(
                        "cannot be to publish while the review is at \"{}\": the decision to publish comes after the partners' sign-off",
                        self.state.label()
                    ),
                );
            }
            if let Some(published) = publication.published_on
                && published < publication.decided_on
            {
                check.fail(
                    "publication.published_on",
                    "is before the decision to publish",
                );
            }
            if let (Some(published), Some(remove)) =
                (publication.published_on, publication.remove_after)
                && remove <= published
            {
                check.fail(
                    "publication.remove_after",
                    "is not after the date published",
                );
            }
        }
        match (&self.on_hold, self.state) {
            (Some(_), state) if state != ReviewState::OnHold => {
                check.fail("on_hold", "is set but the review is not on hold")
            }
            (None, ReviewState::OnHold) => {
                check.fail("on_hold", "is required while the review is on hold")
            }
            (Some(hold), _) => check.required("on_hold.reason", &hold.reason),
            _ => {}
        }
        if self.state == ReviewState::Withdrawn
            && self
                .withdrawn_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            check.fail(
                "withdrawn_reason",
                "is required once the review is withdrawn",
            );
        }
        check.finish()
    }
}

/// The terms of reference of one review. Each saved change is a new version (its revisions).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsOfReference {
    pub id: TermsOfReferenceId,
    pub review_id: ReviewId,
    /// Why this case was chosen and what the review is for.
    pub purpose: String,
    /// The questions the review sets out to answer.
    pub research_questions: Vec<String>,
    pub agencies_in_scope: Vec<AgencyId>,
    pub family_involvement_plan: String,
    /// Why this scale of review is proportionate.
    pub proportionality_rationale: String,
    pub timescales: String,
    /// Set when the partnership agrees the terms.
    pub agreed_on: Option<NaiveDate>,
}

impl Validate for TermsOfReference {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.optional("purpose", &self.purpose);
        check.each_required("research_questions", &self.research_questions);
        check.optional("family_involvement_plan", &self.family_involvement_plan);
        check.optional("proportionality_rationale", &self.proportionality_rationale);
        check.optional("timescales", &self.timescales);
        if self.agreed_on.is_some() && self.research_questions.is_empty() {
            check.fail(
                "research_questions",
                "at least one research question is needed before the terms are agreed",
            );
        }
        check.finish()
    }
}

/// The stages a frozen version of the report moves through, each version frozen at one.
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
pub enum ReportStage {
    Draft,
    CaseGroupComment,
    ReviewTeamComment,
    FamilyPreview,
    PartnerSignOff,
    Final,
}

impl ReportStage {
    /// Every stage, in order.
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::CaseGroupComment,
        Self::ReviewTeamComment,
        Self::FamilyPreview,
        Self::PartnerSignOff,
        Self::Final,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::CaseGroupComment => "For the case group's comments",
            Self::ReviewTeamComment => "For the review team's comments",
            Self::FamilyPreview => "For the family to preview",
            Self::PartnerSignOff => "For the partners' sign-off",
            Self::Final => "Final",
        }
    }
}
