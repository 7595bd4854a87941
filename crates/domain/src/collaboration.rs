//! Testing the analysis together: what reviewers share with the case group, the family and the
//! partners, the answers they give to comments, the meetings where KPEs and findings are tested
//! (with their disagreement log), how far each finding has been tested (derived, never set by
//! hand), and the quality markers a review is assessed against.

use crate::ids::{FindingId, KpeId, MeetingId, ParticipationId, ReviewId};
use crate::participation::Role;
use crate::review::ReportStage;
use crate::validation::{Checker, Invalid, MAX_LINE, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Who a draft is shared with.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The practitioners who were involved.
    CaseGroup,
    /// Family members who agreed to take part.
    Family,
    /// The partnership's signatories.
    Partners,
    /// Review team members (not the lead and co-reviewers, who write the report): they read
    /// every record, and comment on report versions from the review team's stage on.
    ReviewTeam,
}

impl Audience {
    /// The audiences KPEs and findings are shared with.
    pub const SHARED: [Self; 3] = [Self::CaseGroup, Self::Family, Self::Partners];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::CaseGroup => "the case group",
            Self::Family => "the family",
            Self::Partners => "the partners",
            Self::ReviewTeam => "the review team",
        }
    }

    /// The audience a role belongs to, if any.
    pub fn of_role(role: Role) -> Option<Self> {
        match role {
            Role::CaseGroupMember => Some(Self::CaseGroup),
            Role::FamilyMember => Some(Self::Family),
            Role::PartnerSignatory => Some(Self::Partners),
            Role::ReviewTeamMember => Some(Self::ReviewTeam),
            _ => None,
        }
    }

    /// The first report stage this audience reads; they keep reading the versions that reach
    /// it or go beyond (the family does not see drafts made for the case group).
    pub fn first_stage(self) -> ReportStage {
        match self {
            Self::CaseGroup => ReportStage::CaseGroupComment,
            Self::Family => ReportStage::FamilyPreview,
            Self::Partners => ReportStage::PartnerSignOff,
            Self::ReviewTeam => ReportStage::ReviewTeamComment,
        }
    }

    /// Whether this audience may read a version at `stage`.
    pub fn reads(self, stage: ReportStage) -> bool {
        stage >= self.first_stage()
    }
}

/// What kind of item is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SharedKind {
    Kpe,
    Finding,
}

/// A reviewer's answer to a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentAnswer {
    /// The comment is right and nothing needed changing, or it was taken as it stood.
    Accepted,
    /// The text was changed because of it.
    Changed,
    /// The review team does not agree, for reasons given.
    Disagreed,
}

impl CommentAnswer {
    /// Every answer.
    pub const ALL: [Self; 3] = [Self::Accepted, Self::Changed, Self::Disagreed];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::Changed => "Changed because of it",
            Self::Disagreed => "Disagreed",
        }
    }

    /// What an answer must say: the reasons for a disagreement, what changed for a change.
    pub fn check_note(self, note: &str) -> Option<&'static str> {
        if !note.trim().is_empty() {
            return None;
        }
        match self {
            Self::Accepted => None,
            Self::Changed => Some("say what was changed"),
            Self::Disagreed => Some("give the reasons for disagreeing"),
        }
    }
}

/// Who met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    ReviewTeam,
    CaseGroup,
    Joint,
}

impl MeetingKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::ReviewTeam, Self::CaseGroup, Self::Joint];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::ReviewTeam => "Review team meeting",
            Self::CaseGroup => "Case group meeting",
            Self::Joint => "Joint meeting (review team and case group)",
        }
    }

    /// Whether the case group took part, so that what it discussed was tested with them.
    pub fn with_case_group(self) -> bool {
        matches!(self, Self::CaseGroup | Self::Joint)
    }
}

/// What a meeting discussed, or a disagreement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Topic {
    Kpe(KpeId),
    Finding(FindingId),
    /// The multi-agency chronology as a whole.
    Chronology,
}

/// What a meeting concluded about an item it discussed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemOutcome {
    /// Discussed; no conclusion recorded.
    Discussed,
    /// Those present agreed it is accurate and makes sense.
    Agreed,
}

impl ItemOutcome {
    /// Every outcome.
    pub const ALL: [Self; 2] = [Self::Discussed, Self::Agreed];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Discussed => "Discussed",
            Self::Agreed => "Agreed as accurate",
        }
    }
}

/// An item a meeting discussed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingItem {
    pub topic: Topic,
    pub outcome: ItemOutcome,
}

/// An action a meeting agreed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingAction {
    pub description: String,
    /// Who will do it (a name or a role, as the meeting put it).
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

/// Where a disagreement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisagreementStatus {
    /// Not yet resolved.
    Open,
    /// Those who disagreed came to one view.
    Resolved,
    /// The views still differ and the report records both.
    Stands,
}

impl DisagreementStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Open, Self::Resolved, Self::Stands];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Resolved => "Resolved",
            Self::Stands => "Stands (the report records both views)",
        }
    }
}

/// One participant's view in a disagreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub holder: ParticipationId,
    pub view: String,
}

/// A disagreement, kept rather than smoothed over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Disagreement {
    pub about: Topic,
    /// Who holds which view.
    pub views: Vec<View>,
    pub status: DisagreementStatus,
    /// How it was resolved, or why it stands.
    pub resolution: String,
    /// Where the report records it (a section or paragraph).
    pub report_location: String,
}

/// A meeting of the review team, the case group, or both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    pub id: MeetingId,
    pub review_id: ReviewId,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub title: String,
    /// Participants present.
    pub attendees: Vec<ParticipationId>,
    pub items: Vec<MeetingItem>,
    pub notes: String,
    pub actions: Vec<MeetingAction>,
    pub disagreements: Vec<Disagreement>,
}

impl Meeting {
    /// Every participant the meeting names (attendees and holders of views).
    pub fn participants(&self) -> impl Iterator<Item = ParticipationId> + '_ {
        self.attendees.iter().copied().chain(
            self.disagreements
                .iter()
                .flat_map(|d| d.views.iter().map(|v| v.holder)),
        )
    }

    /// Every KPE and finding the meeting names (items and disagreements).
    pub fn topics(&self) -> impl Iterator<Item = Topic> + '_ {
        self.items
            .iter()
            .map(|i| i.topic)
            .chain(self.disagreements.iter().map(|d| d.about))
    }
}

impl Validate for Meeting {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("title", &self.title);
        check.optional("notes", &self.notes);
        let mut seen = HashSet::new();
        for (i, attendee) in self.attendees.iter().enumerate() {
            if !seen.insert(*attendee) {
                check.fail(format!("attendees[{i}]"), "is listed twice");
            }
        }
        let mut seen = HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            if !seen.insert(item.topic) {
                check.fail(format!("items[{i}]"), "is listed twice");
            }
        }
        for (i, action) in self.actions.iter().enumerate() {
            check.required(&format!("actions[{i}].description"), &action.description);
            if action.owner.trim().is_empty() {
                check.fail(format!("actions[{i}].owner"), "say who will do it");
            } else {
                check.line(&format!("actions[{i}].owner"), &action.owner);
            }
        }
        for (i, d) in self.disagreements.iter().enumerate() {
            let at = format!("disagreements[{i}]");
            if d.about == Topic::Chronology {
                check.fail(
                    format!("{at}.about"),
                    "choose the KPE or finding it is about",
                );
            }
            if d.views.is_empty() {
                check.fail(format!("{at}.views"), "record who holds which view");
            }
            for (j, view) in d.views.iter().enumerate() {
                check.required(&format!("{at}.views[{j}].view"), &view.view);
            }
            check.optional(&format!("{at}.resolution"), &d.resolution);
            if !d.report_location.trim().is_empty() {
                check.line(&format!("{at}.report_location"), &d.report_location);
            }
            match d.status {
                DisagreementStatus::Open => {}
                DisagreementStatus::Resolved if d.resolution.trim().is_empty() => {
                    check.fail(format!("{at}.resolution"), "say how it was resolved")
                }
                DisagreementStatus::Stands if d.resolution.trim().is_empty() => {
                    check.fail(format!("{at}.resolution"), "say why it stands")
                }
                DisagreementStatus::Stands if d.report_location.trim().is_empty() => check.fail(
                    format!("{at}.report_location"),
                    "say where the report records both views",
                ),
                _ => {}
            }
        }
        check.finish()
    }
}

/// How far a finding has been tested, from what the meetings and comments recorded.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Testing {
    /// Not yet tested with the case group.
    Draft,
    /// Discussed with the case group, or commented on by them.
    Tested,
    /// A meeting with the case group agreed it, and no disagreement about it stands open.
    Agreed,
    /// A disagreement about it is open or stands.
    Disputed,
}

impl Testing {
    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Tested => "Tested with the case group",
            Self::Agreed => "Agreed",
            Self::Disputed => "Disputed",
        }
    }
}

/// What the comments on a finding's shared drafts say about its testing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommentFacts {
    /// A case group member commented on it.
    pub case_group_commented: bool,
    /// The review team answered a comment on it by disagreeing.
    pub disagreed: bool,
}

/// How far `finding` has been tested. The disagreement log, once it holds the finding, is the
/// word on whether it is disputed: an open or standing disagreement makes it disputed, a
/// resolved one does not. Without an entry there, a comment the review team disagreed with
/// makes it disputed. Otherwise a case group or joint meeting that agreed it makes it agreed;
/// one that discussed it, or a case group member's comment, makes it tested.
pub fn testing_of(finding: FindingId, meetings: &[Meeting], comments: CommentFacts) -> Testing {
    let topic = Topic::Finding(finding);
    let logged: Vec<&Disagreement> = meetings
        .iter()
        .flat_map(|m| m.disagreements.iter())
        .filter(|d| d.about == topic)
        .collect();
    let disputed = if logged.is_empty() {
        comments.disagreed
    } else {
        logged
            .iter()
            .any(|d| d.status != DisagreementStatus::Resolved)
    };
    if disputed {
        return Testing::Disputed;
    }
    let with_case_group = meetings
        .iter()
        .filter(|m| m.kind.with_case_group())
        .flat_map(|m| m.items.iter())
        .filter(|i| i.topic == topic);
    let mut tested = comments.case_group_commented;
    for item in with_case_group {
        if item.outcome == ItemOutcome::Agreed {
            return Testing::Agreed;
        }
        tested = true;
    }
    if tested {
        Testing::Tested
    } else {
        Testing::Draft
    }
}

/// A partner signatory's decision on a version put to them for sign-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignOffDecision {
    SignedOff,
    /// Not signed off, for reasons given.
    Withheld,
}

impl SignOffDecision {
    /// Every decision.
    pub const ALL: [Self; 2] = [Self::SignedOff, Self::Withheld];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::SignedOff => "Signed off",
            Self::Withheld => "Sign-off withheld",
        }
    }
}

/// The three parts of the quality markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualityPart {
    SettingUp,
    Running,
    Outputs,
}

impl QualityPart {
    /// Every part, in order.
    pub const ALL: [Self; 3] = [Self::SettingUp, Self::Running, Self::Outputs];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::SettingUp => "Setting up the review",
            Self::Running => "Running the review",
            Self::Outputs => "The review's outputs",
        }
    }
}

/// A marker of a good case review, in our own words, grouped as the quality markers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualityMarker {
    DecisionRecorded,
    IndependentLeadership,
    ReviewTeamFormed,
    FamilyInvolved,
    ParallelProcessesPlanned,
    InformationGathered,
    PractitionersHeard,
    LocalRationality,
    CaseGroupTested,
    KeptToTime,
    SystemicFindings,
    FindingsPlaced,
    QuestionsNotPrescriptions,
    ReadableReport,
    CheckedForIdentifiers,
    ResponseAndMonitoring,
}

impl QualityMarker {
    /// Every marker, part by part.
    pub const ALL: [Self; 16] = [
        Self::DecisionRecorded,
        Self::IndependentLeadership,
        Self::ReviewTeamFormed,
        Self::FamilyInvolved,
        Self::ParallelProcessesPlanned,
        Self::InformationGathered,
        Self::PractitionersHeard,
        Self::LocalRationality,
        Self::CaseGroupTested,
        Self::KeptToTime,
        Self::SystemicFindings,
        Self::FindingsPlaced,
        Self::QuestionsNotPrescriptions,
        Self::ReadableReport,
        Self::CheckedForIdentifiers,
        Self::ResponseAndMonitoring,
    ];

    /// The part it belongs to.
    pub fn part(self) -> QualityPart {
        use QualityMarker::*;
        match self {
            DecisionRecorded
            | IndependentLeadership
            | ReviewTeamFormed
            | FamilyInvolved
            | ParallelProcessesPlanned => QualityPart::SettingUp,
            InformationGathered | PractitionersHeard | LocalRationality | CaseGroupTested
            | KeptToTime => QualityPart::Running,
            SystemicFindings
            | FindingsPlaced
            | QuestionsNotPrescriptions
            | ReadableReport
            | CheckedForIdentifiers
            | ResponseAndMonitoring => QualityPart::Outputs,
        }
    }

    /// What the marker asks, in plain English.
    pub fn label(self) -> &'static str {
        use QualityMarker::*;
        match self {
            DecisionRecorded => {
                "Why the case is reviewed, the scope and the questions asked are decided and written down"
            }
            IndependentLeadership => {
                "The lead reviewers had no part in the case and have supervision in the method"
            }
            ReviewTeamFormed => {
                "Each agency involved has a senior member on the review team, with time to take part"
            }
            FamilyInvolved => {
                "The family were told of the review and offered a way to contribute that suits them"
            }
            ParallelProcessesPlanned => {
                "Criminal, coronial and other processes are known and the review is planned around them"
            }
            InformationGathered => {
                "Each agency's records were gathered and their completeness checked"
            }
            PractitionersHeard => {
                "The practitioners involved were heard in structured conversations and checked their record"
            }
            LocalRationality => {
                "The analysis says why practice made sense at the time, free of hindsight"
            }
            CaseGroupTested => {
                "The case group tested the episodes and findings; disagreements are kept on record"
            }
            KeptToTime => "The timetable was kept, or the reasons it slipped are recorded",
            SystemicFindings => {
                "Findings are about the system, each with evidence that it reaches beyond this case"
            }
            FindingsPlaced => "Each finding is placed in the typology of underlying patterns",
            QuestionsNotPrescriptions => {
                "Findings put questions to the partnership rather than prescribe solutions"
            }
            ReadableReport => {
                "The report is clear to those it is for, and the family saw it before publication"
            }
            CheckedForIdentifiers => {
                "What is published was checked for identifying details and signed off"
            }
            ResponseAndMonitoring => {
                "The partnership answered each finding and monitors what it decided to do"
            }
        }
    }
}

/// A quality assessment's judgement on one marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualityRating {
    Met,
    PartlyMet,
    NotMet,
}

impl QualityRating {
    /// Every rating.
    pub const ALL: [Self; 3] = [Self::Met, Self::PartlyMet, Self::NotMet];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Met => "Met",
            Self::PartlyMet => "Partly met",
            Self::NotMet => "Not met",
        }
    }
}

/// Checks a quality assessment's evidence note: required unless the marker is met, and one
/// paragraph at most.
pub fn check_quality_evidence(rating: QualityRating, evidence: &str) -> Option<&'static str> {
    if evidence.chars().count() > MAX_LINE * 8 {
        return Some("is too long (4,000 characters at most)");
    }
    (rating != QualityRating::Met && evidence.trim().is_empty())
        .then_some("say what is missing and what evidence was seen")
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn meeting(kind: MeetingKind) -> Meeting {
        Meeting {
            id: MeetingId(Uuid::from_u128(1)),
            review_id: ReviewId(Uuid::from_u128(2)),
            kind,
            held_on: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            title: "Case group meeting 1".to_owned(),
            attendees: Vec::new(),
            items: Vec::new(),
            notes: String::new(),
            actions: Vec::new(),
            disagreements: Vec::new(),
        }
    }

    #[test]
    fn a_findings_testing_follows_meetings_and_the_disagreement_log() {
        let f = FindingId(Uuid::from_u128(9));
        let none = CommentFacts::default();
        assert_eq!(testing_of(f, &[], none), Testing::Draft);
        let commented = CommentFacts {
            case_group_commented: true,
            disagreed: false,
        };
        assert_eq!(testing_of(f, &[], commented), Testing::Tested);

        // A review team meeting alone does not test it with the case group.
        let mut team = meeting(MeetingKind::ReviewTeam);
        team.items.push(MeetingItem {
            topic: Topic::Finding(f),
            outcome: ItemOutcome::Agreed,
        });
        assert_eq!(testing_of(f, &[team.clone()], none), Testing::Draft);

        let mut joint = meeting(MeetingKind::Joint);
        joint.items.push(MeetingItem {
            topic: Topic::Finding(f),
            outcome: ItemOutcome::Discussed,
        });
        assert_eq!(testing_of(f, &[joint.clone()], none), Testing::Tested);
        joint.items[0].outcome = ItemOutcome::Agreed;
        assert_eq!(testing_of(f, &[joint.clone()], none), Testing::Agreed);

        // A comment the review team disagreed with disputes it until the log holds it.
        let disagreed = CommentFacts {
            case_group_commented: true,
            disagreed: true,
        };
        assert_eq!(
            testing_of(f, &[joint.clone()], disagreed),
            Testing::Disputed
        );
        joint.disagreements.push(Disagreement {
            about: Topic::Finding(f),
            views: vec![View {
                holder: ParticipationId(Uuid::from_u128(3)),
                view: "The threshold was applied as written".to_owned(),
            }],
            status: DisagreementStatus::Open,
            resolution: String::new(),
            report_location: String::new(),
        });
        assert_eq!(
            testing_of(f, &[joint.clone()], disagreed),
            Testing::Disputed
        );
        joint.disagreements[0].status = DisagreementStatus::Stands;
        assert_eq!(testing_of(f, &[joint.clone()], none), Testing::Disputed);
        joint.disagreements[0].status = DisagreementStatus::Resolved;
        assert_eq!(testing_of(f, &[joint.clone()], disagreed), Testing::Agreed);
        // Another finding is untouched.
        assert_eq!(
            testing_of(FindingId(Uuid::from_u128(10)), &[joint], none),
            Testing::Draft
        );
    }

    #[test]
    fn a_disagreement_says_how_it_ended_and_where_the_report_records_it() {
        let mut m = meeting(MeetingKind::Joint);
        m.disagreements.push(Disagreement {
            about: Topic::Chronology,
            views: Vec::new(),
            status: DisagreementStatus::Stands,
            resolution: String::new(),
            report_location: String::new(),
        });
        let fields: Vec<String> = m.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "disagreements[0].about",
                "disagreements[0].views",
                "disagreements[0].resolution",
            ]
        );
        m.disagreements[0].resolution = "The agency keeps its view".to_owned();
        let fields: Vec<String> = m.problems().into_iter().map(|p| p.field).collect();
        assert!(fields.contains(&"disagreements[0].report_location".to_owned()));
    }

    #[test]
    fn each_audience_reads_from_its_own_stage_on() {
        assert!(!Audience::Family.reads(ReportStage::CaseGroupComment));
        assert!(Audience::Family.reads(ReportStage::FamilyPreview));
        assert!(Audience::Family.reads(ReportStage::Final));
        assert!(Audience::CaseGroup.reads(ReportStage::CaseGroupComment));
        assert!(!Audience::Partners.reads(ReportStage::FamilyPreview));
        assert!(!Audience::CaseGroup.reads(ReportStage::Draft));
    }
}
