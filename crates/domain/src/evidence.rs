//! The evidence a review gathers: the register of source documents, each agency's chronology
//! (with honest date precision and provenance back to the source row), structured conversations
//! with practitioners, and the multi-agency narrative that cites them.

use crate::analysis::FactorLevel;
use crate::ids::{
    AgencyId, ChronologyEntryId, ConversationId, KpeId, NarrativeSectionId, ParticipationId,
    ReviewId, SourceDocumentId, SubjectId,
};
use crate::validation::{Checker, Invalid, Validate};
use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How precisely a date is known. Agency records are often vague; the review keeps that
/// vagueness instead of inventing a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// A known day.
    Day,
    /// A known month ("March 2019").
    Month,
    /// A known year ("2019").
    Year,
    /// An estimate within a window ("approx. spring 2020").
    Approximate,
    /// Somewhere between two known days ("w/c 4 May 2020").
    Range,
}

impl DatePrecision {
    /// Every precision, the most precise first.
    pub const ALL: [Self; 5] = [
        Self::Day,
        Self::Month,
        Self::Year,
        Self::Approximate,
        Self::Range,
    ];

    /// How precisely the date is known, as a form asks it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Day => "A known day",
            Self::Month => "Only the month is known",
            Self::Year => "Only the year is known",
            Self::Approximate => "An estimate between two dates",
            Self::Range => "Some time between two dates",
        }
    }
}

/// A date as precisely as it is known: `start..=end` with a precision, and an optional time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FuzzyDate {
    pub precision: DatePrecision,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl FuzzyDate {
    /// A known day.
    pub fn day(date: NaiveDate) -> Self {
        Self {
            precision: DatePrecision::Day,
            start: date,
            end: date,
            time: None,
        }
    }

    /// A known day and time.
    pub fn day_at(date: NaiveDate, time: NaiveTime) -> Self {
        Self {
            time: Some(time),
            ..Self::day(date)
        }
    }

    /// A known month.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        let start = NaiveDate::from_ymd_opt(year, month, 1)?;
        let end = last_day_of_month(start)?;
        Some(Self {
            precision: DatePrecision::Month,
            start,
            end,
            time: None,
        })
    }

    /// A known year.
    pub fn year(year: i32) -> Option<Self> {
        Some(Self {
            precision: DatePrecision::Year,
            start: NaiveDate::from_ymd_opt(year, 1, 1)?,
            end: NaiveDate::from_ymd_opt(year, 12, 31)?,
            time: None,
        })
    }

    /// Somewhere between two days, inclusive.
    pub fn range(start: NaiveDate, end: NaiveDate) -> Self {
        Self {
            precision: DatePrecision::Range,
            start,
            end,
            time: None,
        }
    }

    /// An estimate within a window.
    pub fn approximate(start: NaiveDate, end: NaiveDate) -> Self {
        Self {
            precision: DatePrecision::Approximate,
            start,
            end,
            time: None,
        }
    }

    /// Whether the two dates could refer to the same day.
    pub fn overlaps(&self, other: &FuzzyDate) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        if self.end < self.start {
            check.fail("end", "is before start");
        }
        match self.precision {
            DatePrecision::Day if self.start != self.end => {
                check.fail("end", "must equal start for a known day")
            }
            DatePrecision::Month
                if Self::month(self.start.year(), self.start.month()).as_ref()
                    != Some(&Self {
                        time: None,
                        ..*self
                    }) =>
            {
                check.fail("start", "a month must run from its first to its last day")
            }
            DatePrecision::Year
                if Self::year(self.start.year()).as_ref()
                    != Some(&Self {
                        time: None,
                        ..*self
                    }) =>
            {
                check.fail("start", "a year must run from 1 January to 31 December")
            }
            _ => {}
        }
        if self.time.is_some() && self.precision != DatePrecision::Day {
            check.fail("time", "a time can only be given with a known day");
        }
        check.finish()
    }
}

fn last_day_of_month(first: NaiveDate) -> Option<NaiveDate> {
    let (year, month) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)?.pred_opt()
}

/// How many years outside the period under review a chronology date may be before it is
/// questioned (agencies' chronologies often reach back into a parent's own history).
pub const DOUBTFUL_YEARS: i32 = 5;

/// Why a chronology date looks mistyped, if it does: in the future, before 1900, or more than
/// [`DOUBTFUL_YEARS`] outside the period under review. A question for whoever entered it, not
/// a refusal: an entry with such a date is kept when they say it is right. (No date of birth is
/// held for the child, so a date before their birth cannot be told.)
pub fn doubtful_date(
    date: &FuzzyDate,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<String> {
    if date.start > today {
        return Some(format!("{date} is in the future"));
    }
    if date.end.year() < 1900 {
        return Some(format!("{date} is before 1900"));
    }
    let years = |from: NaiveDate, to: NaiveDate| {
        let mut n = to.year() - from.year();
        if (to.month(), to.day()) < (from.month(), from.day()) {
            n -= 1;
        }
        n
    };
    if let Some(start) = period_start
        && years(date.end, start) >= DOUBTFUL_YEARS
    {
        return Some(format!(
            "{date} is {} years before the period under review (from {})",
            years(date.end, start),
            start.format("%-d %b %Y")
        ));
    }
    if let Some(end) = period_end
        && years(end, date.start) >= DOUBTFUL_YEARS
    {
        return Some(format!(
            "{date} is {} years after the period under review (to {})",
            years(end, date.start),
            end.format("%-d %b %Y")
        ));
    }
    None
}

impl fmt::Display for FuzzyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            DatePrecision::Day => {
                write!(f, "{}", self.start.format("%-d %b %Y"))?;
                if let Some(time) = self.time {
                    write!(f, " {}", time.format("%H:%M"))?;
                }
                Ok(())
            }
            DatePrecision::Month => write!(f, "{}", self.start.format("%b %Y")),
            DatePrecision::Year => write!(f, "{}", self.start.format("%Y")),
            DatePrecision::Range => write!(
                f,
                "{} to {}",
                self.start.format("%-d %b %Y"),
                self.end.format("%-d %b %Y")
            ),
            DatePrecision::Approximate => {
                write!(
                    f,
                    "approx. {} to {}",
                    self.start.format("%-d %b %Y"),
                    self.end.format("%-d %b %Y")
                )
            }
        }
    }
}

/// What kind of document was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceDocumentKind {
    AgencyRecord,
    AgencyReport,
    IndividualManagementReview,
    Chronology,
    CourtDocument,
    PoliceRecord,
    HealthRecord,
    MeetingMinutes,
    RapidReview,
    Other,
}

impl SourceDocumentKind {
    /// Every kind.
    pub const ALL: [Self; 10] = [
        Self::AgencyReport,
        Self::Chronology,
        Self::AgencyRecord,
        Self::IndividualManagementReview,
        Self::MeetingMinutes,
        Self::RapidReview,
        Self::CourtDocument,
        Self::PoliceRecord,
        Self::HealthRecord,
        Self::Other,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::AgencyRecord => "Agency case record",
            Self::AgencyReport => "Agency report",
            Self::IndividualManagementReview => "Individual management review",
            Self::Chronology => "Chronology",
            Self::CourtDocument => "Court document",
            Self::PoliceRecord => "Police record",
            Self::HealthRecord => "Health record",
            Self::MeetingMinutes => "Minutes (strategy discussion, conference, meeting)",
            Self::RapidReview => "Rapid review paper",
            Self::Other => "Other",
        }
    }
}

/// The lawful basis on which the review holds a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// The partners' power to require information for a review (Children Act 2004, s16H).
    StatutoryRequest,
    /// Shared for the review as a public task in safeguarding (UK GDPR 6(1)(e), 9(2)(g)).
    PublicTaskSafeguarding,
    /// With the person's consent.
    Consent,
    /// Disclosed with the court's permission (family proceedings).
    CourtPermission,
    Other,
}

impl LegalBasis {
    /// Every basis.
    pub const ALL: [Self; 5] = [
        Self::StatutoryRequest,
        Self::PublicTaskSafeguarding,
        Self::Consent,
        Self::CourtPermission,
        Self::Other,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::StatutoryRequest => "Required for the review (Children Act 2004, section 16H)",
            Self::PublicTaskSafeguarding => {
                "Public task, safeguarding (UK GDPR 6(1)(e) and 9(2)(g))"
            }
            Self::Consent => "Consent of the person concerned",
            Self::CourtPermission => "Disclosed with the court's permission",
            Self::Other => "Other (say which in the reference)",
        }
    }
}

/// Who may read a document's file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentAccess {
    /// Everyone who may read the review's documents (a liaison only their own agency's).
    #[default]
    ReviewTeam,
    /// The lead and co-reviewers only (and the agency that sent it).
    LeadReviewers,
}

impl DocumentAccess {
    /// Every tier.
    pub const ALL: [Self; 2] = [Self::ReviewTeam, Self::LeadReviewers];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::ReviewTeam => "The review team (an agency's liaison sees only their agency's)",
            Self::LeadReviewers => "Lead and co-reviewers only (and the agency that sent it)",
        }
    }
}

/// A file kept with a document, sealed at rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentFile {
    /// The file's name as uploaded (no folders).
    pub name: String,
    /// The type found in its content, e.g. `application/pdf`.
    pub media_type: String,
    pub bytes: u64,
}

/// An entry in the register of documents the review received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceDocument {
    pub id: SourceDocumentId,
    pub review_id: ReviewId,
    pub agency_id: Option<AgencyId>,
    pub title: String,
    pub kind: SourceDocumentKind,
    pub received_on: Option<NaiveDate>,
    /// File name or where the original is held.
    pub reference: String,
    /// SHA-256 of the file as received, hex encoded, when a file was uploaded.
    pub sha256: Option<String>,
    pub retain_until: Option<NaiveDate>,
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    #[serde(default)]
    pub access: DocumentAccess,
    /// The uploaded file, when one is kept (its bytes are sealed apart from the record).
    #[serde(default)]
    pub file: Option<DocumentFile>,
}

impl Validate for SourceDocument {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("title", &self.title);
        check.optional("reference", &self.reference);
        if let Some(hash) = &self.sha256
            && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            check.fail("sha256", "must be 64 hexadecimal characters");
        }
        check.finish()
    }
}

/// Where a chronology entry came from: a document, and the row in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub document_id: SourceDocumentId,
    /// Row number in the source (1-based, as a spreadsheet shows it).
    pub row: Option<u32>,
}

/// One entry in one agency's chronology. Agencies' accounts are kept side by side, never merged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChronologyEntry {
    pub id: ChronologyEntryId,
    pub review_id: ReviewId,
    pub agency_id: AgencyId,
    pub occurred: FuzzyDate,
    /// Who acted, by role ("Health visitor", "PC on response team").
    pub actor_role: String,
    /// The kind of contact ("home visit", "telephone call", "strategy meeting").
    pub contact_type: String,
    pub description: String,
    pub subjects: Vec<SubjectId>,
    pub source: Option<Provenance>,
}

impl Validate for ChronologyEntry {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.nested("occurred", self.occurred.problems());
        check.optional("actor_role", &self.actor_role);
        check.optional("contact_type", &self.contact_type);
        check.required("description", &self.description);
        check.finish()
    }
}

/// Whether the participant has seen and agreed the record of their conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum CheckBack {
    /// Not yet sent to the participant.
    NotSent,
    /// Sent, awaiting their reply.
    Sent { sent_on: NaiveDate },
    /// The participant confirmed the record as accurate.
    Confirmed {
        sent_on: NaiveDate,
        replied_on: NaiveDate,
    },
    /// The participant asked for changes, which were made.
    Amended {
        sent_on: NaiveDate,
        replied_on: NaiveDate,
        note: String,
    },
}

/// The participant's mindset in one episode (Appendix 3, section 3b).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MindsetNote {
    /// The episode, if it has been identified as a KPE.
    pub kpe_id: Option<KpeId>,
    /// The episode in the participant's words.
    pub episode: String,
    pub what_they_thought_was_happening: String,
    pub reasons_and_emotions: String,
    pub front_of_mind: String,
    pub other_demands: String,
    pub conflicting_concerns: String,
    pub hoped_to_achieve: String,
    pub options_seen: String,
}

impl MindsetNote {
    /// The participant's account of the episode as the key practice episode holds it: what
    /// they thought was happening, their aims, what was front of mind, what competed with it
    /// (other demands and conflicting concerns), the options they saw, and their reasons and
    /// feelings; from a conversation, confirmed when they confirmed its record.
    pub fn account(
        &self,
        participant_id: ParticipationId,
        confirmed_by_participant: bool,
    ) -> crate::analysis::LocalRationalityAccount {
        let joined = |a: &str, b: &str| match (a.trim(), b.trim()) {
            ("", b) => b.to_owned(),
            (a, "") => a.to_owned(),
            (a, b) => format!("{a}\n\n{b}"),
        };
        crate::analysis::LocalRationalityAccount {
            participant_id,
            what_they_thought_was_happening: self.what_they_thought_was_happening.trim().to_owned(),
            goals: self.hoped_to_achieve.trim().to_owned(),
            front_of_mind: self.front_of_mind.trim().to_owned(),
            competing_demands: joined(&self.other_demands, &self.conflicting_concerns),
            options_seen: self.options_seen.trim().to_owned(),
            emotions: self.reasons_and_emotions.trim().to_owned(),
            source: crate::analysis::AccountSource::Conversation,
            confirmed_by_participant,
        }
    }
}

/// A contributory factor the participant named (Appendix 3, section 4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorNote {
    pub level: FactorLevel,
    pub description: String,
    /// The participant's own priority, 1 = most important.
    pub priority: Option<u8>,
}

/// A structured conversation with a practitioner or family member, in the Appendix 3 structure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conversation {
    pub id: ConversationId,
    pub review_id: ReviewId,
    pub participant_id: ParticipationId,
    pub held_on: NaiveDate,
    pub reviewers_present: Vec<ParticipationId>,
    /// 1. Purpose, confidentiality and structure explained and agreed.
    pub introduction: String,
    /// 2. The participant's overview of the case and their part in it.
    pub overview: String,
    /// 3a. Turning points the participant sees.
    pub turning_points: Vec<String>,
    /// 3b. Mindset and local rationality, per episode.
    pub mindset: Vec<MindsetNote>,
    /// 4. Contributory factors, prioritised.
    pub factors: Vec<FactorNote>,
    /// 5. What went well and what enabled it.
    pub went_well: Vec<String>,
    /// 6. Queries from the reviewers' overview, with the answers.
    pub queries: Vec<String>,
    /// 7. Changes the participant suggests.
    pub suggested_changes: Vec<String>,
    pub check_back: CheckBack,
}

impl Validate for Conversation {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.optional("introduction", &self.introduction);
        check.required("overview", &self.overview);
        check.each_required("turning_points", &self.turning_points);
        for (idx, note) in self.mindset.iter().enumerate() {
            check.required(&format!("mindset[{idx}].episode"), &note.episode);
        }
        for (idx, note) in self.factors.iter().enumerate() {
            check.required(&format!("factors[{idx}].description"), &note.description);
        }
        check.each_required("went_well", &self.went_well);
        check.each_required("queries", &self.queries);
        check.each_required("suggested_changes", &self.suggested_changes);
        let held_on = self.held_on;
        match &self.check_back {
            CheckBack::NotSent => {}
            CheckBack::Sent { sent_on } => {
                if *sent_on < held_on {
                    check.fail("check_back.sent_on", "is before the conversation was held");
                }
            }
            CheckBack::Confirmed {
                sent_on,
                replied_on,
            }
            | CheckBack::Amended {
                sent_on,
                replied_on,
                ..
            } => {
                if *sent_on < held_on {
                    check.fail("check_back.sent_on", "is before the conversation was held");
                }
                if replied_on < sent_on {
                    check.fail("check_back.replied_on", "is before the record was sent");
                }
            }
        }
        if let CheckBack::Amended { note, .. } = &self.check_back {
            check.required("check_back.note", note);
        }
        check.finish()
    }
}

/// What a citation points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum CitationTarget {
    ChronologyEntry(ChronologyEntryId),
    Conversation(ConversationId),
    SourceDocument(SourceDocumentId),
}

/// A reference from analysis or narrative back to the evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub target: CitationTarget,
    /// Where in the target, or why it is cited.
    pub note: String,
}

/// A section of the multi-agency narrative: the "view of the case" from several perspectives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NarrativeSection {
    pub id: NarrativeSectionId,
    pub review_id: ReviewId,
    pub position: u32,
    pub heading: String,
    /// The period the section covers, in words.
    pub period: String,
    /// Whose perspective the section gives, when it is one agency's.
    pub perspective_agency_id: Option<AgencyId>,
    pub body: String,
    pub citations: Vec<Citation>,
    /// Taken out of the narrative (and the report), with why; kept with its history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<crate::validation::Withdrawal>,
}

impl crate::validation::Withdrawable for NarrativeSection {
    fn withdrawn(&self) -> Option<&crate::validation::Withdrawal> {
        self.withdrawn.as_ref()
    }

    fn withdraw(&mut self, withdrawal: crate::validation::Withdrawal) {
        self.withdrawn = Some(withdrawal);
    }
}

impl Validate for NarrativeSection {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("heading", &self.heading);
        check.optional("period", &self.period);
        check.required("body", &self.body);
        for (idx, citation) in self.citations.iter().enumerate() {
            check.optional(&format!("citations[{idx}].note"), &citation.note);
        }
        check.withdrawal(self.withdrawn.as_ref());
        check.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn dates_in_the_future_before_1900_or_years_outside_the_period_are_questioned() {
        let today = day(2026, 12, 7);
        let (from, to) = (Some(day(2023, 3, 1)), Some(day(2024, 9, 3)));
        let doubt = |d: FuzzyDate| doubtful_date(&d, from, to, today);
        assert_eq!(
            doubt(FuzzyDate::day(day(2099, 1, 1))).as_deref(),
            Some("1 Jan 2099 is in the future")
        );
        assert_eq!(
            doubt(FuzzyDate::day(day(1, 1, 1))).as_deref(),
            Some("1 Jan 0001 is before 1900")
        );
        assert_eq!(
            doubt(FuzzyDate::year(2011).expect("year")).as_deref(),
            Some("2011 is 11 years before the period under review (from 1 Mar 2023)")
        );
        assert_eq!(
            doubt(FuzzyDate::day(day(2029, 9, 3))).as_deref(),
            Some("3 Sep 2029 is in the future")
        );
        // A parent's history a few years back, and the review's own months, are not doubted.
        assert_eq!(doubt(FuzzyDate::day(day(2018, 3, 2))), None);
        assert_eq!(doubt(FuzzyDate::month(2024, 1).expect("month")), None);
        assert_eq!(
            doubtful_date(&FuzzyDate::day(day(1998, 1, 1)), None, None, today),
            None,
            "with no period, only the future and before 1900"
        );
        assert_eq!(
            doubtful_date(&FuzzyDate::day(day(2030, 1, 1)), from, to, day(2035, 1, 1)).as_deref(),
            Some("1 Jan 2030 is 5 years after the period under review (to 3 Sep 2024)")
        );
    }

    #[test]
    fn fuzzy_dates_display_at_their_precision() {
        assert_eq!(FuzzyDate::day(day(2019, 3, 12)).to_string(), "12 Mar 2019");
        let at = FuzzyDate::day_at(
            day(2019, 3, 12),
            NaiveTime::from_hms_opt(14, 5, 0).expect("time"),
        );
        assert_eq!(at.to_string(), "12 Mar 2019 14:05");
        assert_eq!(
            FuzzyDate::month(2019, 3).expect("month").to_string(),
            "Mar 2019"
        );
        assert_eq!(FuzzyDate::year(2019).expect("year").to_string(), "2019");
        assert_eq!(
            FuzzyDate::range(day(2020, 5, 4), day(2020, 5, 10)).to_string(),
            "4 May 2020 to 10 May 2020"
        );
    }

    #[test]
    fn month_spans_the_whole_month_including_leap_february() {
        let feb = FuzzyDate::month(2020, 2).expect("month");
        assert_eq!((feb.start, feb.end), (day(2020, 2, 1), day(2020, 2, 29)));
        let dec = FuzzyDate::month(2019, 12).expect("month");
        assert_eq!(dec.end, day(2019, 12, 31));
        assert!(dec.problems().is_empty());
    }

    #[test]
    fn inconsistent_fuzzy_dates_are_invalid() {
        let mut bad = FuzzyDate::day(day(2019, 3, 12));
        bad.end = day(2019, 3, 13);
        assert_eq!(bad.problems()[0].field, "end");
        let mut month = FuzzyDate::month(2019, 3).expect("month");
        month.end = day(2019, 3, 30);
        assert_eq!(month.problems()[0].field, "start");
        let mut timed_year = FuzzyDate::year(2019).expect("year");
        timed_year.time = NaiveTime::from_hms_opt(9, 0, 0);
        assert_eq!(timed_year.problems()[0].field, "time");
    }

    #[test]
    fn overlapping_precision_windows() {
        let march = FuzzyDate::month(2019, 3).expect("month");
        assert!(march.overlaps(&FuzzyDate::day(day(2019, 3, 31))));
        assert!(!march.overlaps(&FuzzyDate::day(day(2019, 4, 1))));
    }
}
