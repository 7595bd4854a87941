//! A small, complete review: one record of every kind, linked as a real review would be.

use casewindow_domain::analysis::*;
use casewindow_domain::evidence::*;
use casewindow_domain::findings::*;
use casewindow_domain::ids::*;
use casewindow_domain::lifecycle::ReviewState;
use casewindow_domain::organisation::*;
use casewindow_domain::participation::*;
use casewindow_domain::response::*;
use casewindow_domain::review::*;
use casewindow_domain::typology::{ORIGINAL_2008, Pattern};
use casewindow_store::{Change, Store};
use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;

fn id() -> Uuid {
    Uuid::new_v4()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid fixture date")
}

/// A change made by the system at a fixed time, for deterministic tests.
pub fn change(reason: &str) -> Change {
    Change {
        actor: None,
        at: Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 30, 0)
            .single()
            .expect("valid"),
        reason: reason.to_owned(),
    }
}

/// One record of every kind, linked together.
#[derive(Clone, Debug)]
pub struct Sample {
    pub partnership: Partnership,
    pub social_care: Agency,
    pub health: Agency,
    pub reviewer: User,
    pub issue: RecurrentIssue,
    pub review: Review,
    pub terms: TermsOfReference,
    pub lead: Participation,
    pub health_visitor: Participation,
    pub child: Subject,
    pub document: SourceDocument,
    pub entry: ChronologyEntry,
    pub kpe: KeyPracticeEpisode,
    pub conversation: Conversation,
    pub narrative: NarrativeSection,
    pub finding: Finding,
    pub response: PartnershipResponse,
    pub action: Action,
}

impl Sample {
    /// A new sample with fresh ids.
    pub fn new() -> Self {
        let partnership = Partnership {
            id: PartnershipId(id()),
            name: "Eastbrook Safeguarding Children Partnership".to_owned(),
            jurisdiction: Jurisdiction::England,
            kind: PartnershipKind::SafeguardingPartnership,
        };
        let social_care = Agency {
            id: AgencyId(id()),
            partnership_id: Some(partnership.id),
            name: "Eastbrook Children's Services".to_owned(),
            sector: AgencySector::ChildrensSocialCare,
            publication_name: None,
            withdrawn: None,
        };
        let health = Agency {
            id: AgencyId(id()),
            partnership_id: Some(partnership.id),
            name: "Eastbrook Community Health".to_owned(),
            sector: AgencySector::HealthVisiting0To19,
            publication_name: Some("the health visiting team".to_owned()),
            withdrawn: None,
        };
        let reviewer = User {
            id: UserId(id()),
            display_name: "Lead Reviewer".to_owned(),
            email: format!("lead-{}@example.org", id().simple()),
        };
        let issue = RecurrentIssue {
            id: RecurrentIssueId(id()),
            pattern: Pattern::Tool,
            code: format!("tool.sample-{}", id().simple()),
            label: "Single-need referral forms".to_owned(),
            description: "Forms that ask for one primary need hide the combination of concerns."
                .to_owned(),
            status: RecurrentIssueStatus::Accepted,
            merged_into: None,
        };
        let review_id = ReviewId(id());
        let review = Review {
            id: review_id,
            partnership_id: partnership.id,
            title: "Child S".to_owned(),
            kind: ReviewKind::LocalChildSafeguardingPracticeReview,
            methodology: Methodology::LearningTogether {
                variant: LearningTogetherVariant::MidRange,
            },
            state: ReviewState::Analysis,
            on_hold: None,
            withdrawn_reason: None,
            period_start: Some(day(2024, 1, 1)),
            period_end: Some(day(2025, 6, 30)),
            opened_on: day(2025, 9, 1),
            typology_version: ORIGINAL_2008.to_owned(),
            parallel_processes: vec![],
            statutory: StatutoryDates {
                notified_on: Some(day(2025, 7, 7)),
                ..StatutoryDates::default()
            },
            facets: ReviewFacets {
                harm_types: vec![HarmType::Neglect],
                child_age_band: Some(AgeBand::Age1To4),
            },
            anonymisation_sign_off: None,
            publication: None,
        };
        let terms = TermsOfReference {
            id: TermsOfReferenceId(id()),
            review_id,
            purpose: "To understand how neglect of a young child was recognised.".to_owned(),
            research_questions: vec!["How do agencies share concerns about neglect?".to_owned()],
            agencies_in_scope: vec![social_care.id, health.id],
            family_involvement_plan: "Mother invited to contribute.".to_owned(),
            proportionality_rationale: "Mid-range review.".to_owned(),
            timescales: "Six months.".to_owned(),
            agreed_on: Some(day(2025, 9, 15)),
        };
        let lead = Participation {
            id: ParticipationId(id()),
            review_id,
            user_id: Some(reviewer.id),
            label: "Lead reviewer".to_owned(),
            role: Role::LeadReviewer,
            agency_id: None,
            invited_on: None,
            consent: None,
            declined_on: None,
            contribution: String::new(),
            withdrawn: None,
        };
        let health_visitor = Participation {
            id: ParticipationId(id()),
            review_id,
            user_id: None,
            label: "Health visitor 1".to_owned(),
            role: Role::CaseGroupMember,
            agency_id: Some(health.id),
            invited_on: Some(day(2025, 9, 20)),
            consent: Some(Consent {
                given_on: day(2025, 9, 22),
                terms: "Notes shared with the review team only.".to_owned(),
                withdrawn_on: None,
            }),
            declined_on: None,
            contribution: "A conversation with the review team.".to_owned(),
            withdrawn: None,
        };
        let child = Subject {
            id: SubjectId(id()),
            review_id,
            pseudonym: "Child S".to_owned(),
            relationship: "index child".to_owned(),
            age_band: Some(AgeBand::Age1To4),
            deceased: false,
            legal_status: "child in need".to_owned(),
            at_centre: true,
            household: true,
            legal_history: Vec::new(),
            relationships: Vec::new(),
        };
        let document = SourceDocument {
            id: SourceDocumentId(id()),
            review_id,
            agency_id: Some(health.id),
            title: "Health visiting chronology".to_owned(),
            kind: SourceDocumentKind::Chronology,
            received_on: Some(day(2025, 9, 30)),
            reference: "hv-chronology.xlsx".to_owned(),
            sha256: None,
            retain_until: None,
            legal_basis: None,
            access: Default::default(),
            file: None,
        };
        let entry = ChronologyEntry {
            id: ChronologyEntryId(id()),
            review_id,
            agency_id: health.id,
            occurred: FuzzyDate::month(2024, 3).expect("valid month"),
            actor_role: "Health visitor".to_owned(),
            contact_type: "Home visit".to_owned(),
            description: "Home visit; home cold, child's weight below the 2nd centile.".to_owned(),
            subjects: vec![child.id],
            source: Some(Provenance {
                document_id: document.id,
                row: Some(14),
            }),
        };
        let kpe = KeyPracticeEpisode {
            id: KpeId(id()),
            review_id,
            position: 1,
            title: "Weight concern at the March home visit".to_owned(),
            period: Some(FuzzyDate::month(2024, 3).expect("valid month")),
            what_happened:
                "The health visitor recorded low weight and planned a review in six weeks."
                    .to_owned(),
            agencies: vec![health.id],
            valence: Valence::Mixed,
            local_rationality: vec![LocalRationalityAccount {
                participant_id: health_visitor.id,
                what_they_thought_was_happening:
                    "A small child from a small family, gaining slowly.".to_owned(),
                goals: "Keep mother engaged.".to_owned(),
                front_of_mind: "Mother's recent bereavement.".to_owned(),
                competing_demands: "A caseload of 600 families.".to_owned(),
                options_seen: "Review in six weeks or refer to the GP.".to_owned(),
                emotions: "Worried but reassured by mother's warmth.".to_owned(),
                source: AccountSource::Conversation,
                confirmed_by_participant: true,
            }],
            contributory_factors: vec![ContributoryFactor {
                level: FactorLevel::ConditionsOfWork,
                factor: "Workload".to_owned(),
                description: "Caseload far above the recommended level.".to_owned(),
                direction: Direction::Hinders,
            }],
            appraisal: Appraisal {
                rating: Some(Rating::Adequate),
                rationale: "The plan was in line with the growth guidance available to her."
                    .to_owned(),
                knowable_at_the_time: "Earlier weights were held by another team.".to_owned(),
                standards: vec!["Local growth faltering pathway".to_owned()],
                hindsight_note: None,
            },
            evidence: vec![Citation {
                target: CitationTarget::ChronologyEntry(entry.id),
                note: "row 14".to_owned(),
            }],
        };
        let conversation = Conversation {
            id: ConversationId(id()),
            review_id,
            participant_id: health_visitor.id,
            held_on: day(2025, 10, 3),
            reviewers_present: vec![lead.id],
            introduction: "Purpose and confidentiality explained.".to_owned(),
            overview: "Knew the family for a year through universal visits.".to_owned(),
            turning_points: vec!["The March visit".to_owned()],
            mindset: vec![MindsetNote {
                kpe_id: Some(kpe.id),
                episode: "The March visit".to_owned(),
                what_they_thought_was_happening: "Slow but steady growth.".to_owned(),
                reasons_and_emotions: "Mother warm and open.".to_owned(),
                front_of_mind: "Bereavement.".to_owned(),
                other_demands: "Two safeguarding visits that week.".to_owned(),
                conflicting_concerns: "Not wanting to alienate mother.".to_owned(),
                hoped_to_achieve: "Continued engagement.".to_owned(),
                options_seen: "Review or GP referral.".to_owned(),
            }],
            factors: vec![FactorNote {
                level: FactorLevel::ConditionsOfWork,
                description: "Caseload".to_owned(),
                priority: Some(1),
            }],
            went_well: vec!["Relationship with mother".to_owned()],
            queries: vec!["Were earlier weights visible? No.".to_owned()],
            suggested_changes: vec!["Show growth history on one screen".to_owned()],
            check_back: CheckBack::Confirmed {
                sent_on: day(2025, 10, 6),
                replied_on: day(2025, 10, 9),
            },
        };
        let narrative = NarrativeSection {
            id: NarrativeSectionId(id()),
            review_id,
            position: 1,
            heading: "Early 2024".to_owned(),
            period: "January to March 2024".to_owned(),
            perspective_agency_id: None,
            body: "Health and social care saw different parts of the picture.".to_owned(),
            citations: vec![Citation {
                target: CitationTarget::Conversation(conversation.id),
                note: String::new(),
            }],
            withdrawn: None,
        };
        let finding = Finding {
            id: FindingId(id()),
            review_id,
            position: 1,
            statement: "Growth records split across teams hide a pattern of faltering growth."
                .to_owned(),
            context: "Several teams weigh young children.".to_owned(),
            pattern: Some(Pattern::Tool),
            secondary_pattern: Some(Pattern::MultiagencyLongterm),
            polarity: Some(Polarity::Unsafe),
            manifestation: "Earlier weights were not visible at the March visit.".to_owned(),
            kpe_ids: vec![kpe.id],
            generality_evidence: vec![GeneralityEvidence {
                kind: GeneralityEvidenceKind::LocalAuditData,
                description: "Audit of 30 records found the same split.".to_owned(),
                reference: "Eastbrook audit 2025".to_owned(),
            }],
            why_it_matters: "Faltering growth is an early sign of neglect.".to_owned(),
            questions: vec!["How will the partnership make growth history visible?".to_owned()],
            priority: Some(1),
            status: FindingStatus::ReviewTeamAgreed,
            recurrent_issue_ids: vec![issue.id],
            pattern_choice: None,
        };
        let response = PartnershipResponse {
            id: ResponseId(id()),
            review_id,
            finding_id: finding.id,
            response: "The partnership accepts the finding.".to_owned(),
            agreed_on: Some(day(2026, 1, 20)),
        };
        let action = Action {
            id: ActionId(id()),
            review_id,
            finding_id: Some(finding.id),
            owner_agency_id: health.id,
            description: "Show the full growth history on the health record's summary screen."
                .to_owned(),
            due_on: Some(day(2026, 6, 30)),
            status: ActionStatus::OnTrack,
            status_note: String::new(),
            impact_evidence: vec![],
        };
        Self {
            partnership,
            social_care,
            health,
            reviewer,
            issue,
            review,
            terms,
            lead,
            health_visitor,
            child,
            document,
            entry,
            kpe,
            conversation,
            narrative,
            finding,
            response,
            action,
        }
    }

    /// Stores every record, parents first.
    pub async fn insert_all<S: Store>(&self, store: &S) -> anyhow::Result<()> {
        let change = change("fixture");
        store.insert_partnership(&self.partnership, &change).await?;
        store.insert_agency(&self.social_care, &change).await?;
        store.insert_agency(&self.health, &change).await?;
        store.insert_user(&self.reviewer, &change).await?;
        store.insert(&self.issue, &change).await?;
        store.insert(&self.review, &change).await?;
        store.insert(&self.terms, &change).await?;
        store.insert(&self.lead, &change).await?;
        store.insert(&self.health_visitor, &change).await?;
        store.insert(&self.child, &change).await?;
        store.insert(&self.document, &change).await?;
        store.insert(&self.entry, &change).await?;
        store.insert(&self.kpe, &change).await?;
        store.insert(&self.conversation, &change).await?;
        store.insert(&self.narrative, &change).await?;
        store.insert(&self.finding, &change).await?;
        store.insert(&self.response, &change).await?;
        store.insert(&self.action, &change).await?;
        Ok(())
    }
}

impl Default for Sample {
    fn default() -> Self {
        Self::new()
    }
}
