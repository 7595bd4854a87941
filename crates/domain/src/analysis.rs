//! Key practice episodes and their analysis: what happened, each participant's local rationality,
//! the contributory factors (Appendix 5 levels) with the direction they pushed practice, and an
//! appraisal judged against what was knowable at the time.

use crate::evidence::{Citation, FuzzyDate};
use crate::hindsight::{self, HindsightFlag};
use crate::ids::{AgencyId, KpeId, ParticipationId, ReviewId};
use crate::validation::{Checker, Invalid, Validate};
use serde::{Deserialize, Serialize};

/// Where a contributory factor sits (Appendix 5 levels).
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
pub enum FactorLevel {
    /// Front line, the family: complexity of problems, engagement, family dynamics, language.
    Family,
    /// Front line, the practitioner: knowledge, mindset, attention, tiredness.
    Personal,
    /// The role: frequency and place of contact, focus of concern.
    Role,
    /// Conditions of work: workload, staffing, skill mix, IT and admin support.
    ConditionsOfWork,
    OwnTeam,
    InterAgencyTeam,
    OrganisationalCultureAndManagement,
    WiderContext,
    Other,
}

impl FactorLevel {
    /// Every level, from the front line outwards.
    pub const ALL: [FactorLevel; 9] = [
        Self::Family,
        Self::Personal,
        Self::Role,
        Self::ConditionsOfWork,
        Self::OwnTeam,
        Self::InterAgencyTeam,
        Self::OrganisationalCultureAndManagement,
        Self::WiderContext,
        Self::Other,
    ];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Family => "Front line: family",
            Self::Personal => "Front line: practitioner",
            Self::Role => "Role",
            Self::ConditionsOfWork => "Conditions of work",
            Self::OwnTeam => "Own team",
            Self::InterAgencyTeam => "Inter-agency and inter-professional team",
            Self::OrganisationalCultureAndManagement => "Organisational culture and management",
            Self::WiderContext => "Wider political and national context",
            Self::Other => "Other",
        }
    }

    /// The typology's patterns a contributory factor at this level most often points to, with
    /// their shares (summing to 1; none for "other"). The levels of the contributory-factor
    /// framework and the six patterns describe the same system from two sides: the family level
    /// is the family–professional interaction, the practitioner's own mindset is human
    /// judgement, conditions of work split between management systems and the tools people work
    /// with, the inter-agency team is multi-agency working (in a crisis or over time).
    #[must_use]
    pub fn patterns(self) -> &'static [(crate::typology::Pattern, f32)] {
        use crate::typology::Pattern as P;
        match self {
            Self::Family => &[(P::FamilyProfessional, 1.0)],
            Self::Personal => &[(P::Reasoning, 1.0)],
            Self::Role => &[(P::Management, 0.5), (P::FamilyProfessional, 0.5)],
            Self::ConditionsOfWork => &[(P::Management, 0.6), (P::Tool, 0.4)],
            Self::OwnTeam | Self::OrganisationalCultureAndManagement | Self::WiderContext => {
                &[(P::Management, 1.0)]
            }
            Self::InterAgencyTeam => &[(P::MultiagencyCrisis, 0.5), (P::MultiagencyLongterm, 0.5)],
            Self::Other => &[],
        }
    }
}

/// Whether a factor made good practice more likely or poor practice more likely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Supports,
    Hinders,
}

/// A contributory factor in one episode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributoryFactor {
    pub level: FactorLevel,
    /// The Appendix 5 item within the level, e.g. "workload" or "willingness to engage".
    pub factor: String,
    pub description: String,
    pub direction: Direction,
}

/// Where a local-rationality account comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountSource {
    /// From a conversation with the participant.
    Conversation,
    /// Reconstructed from agency records.
    Record,
    /// Inferred by the review team; to be tested with the case group.
    Inferred,
}

/// How the situation looked to one participant at the time, so that their actions make sense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalRationalityAccount {
    pub participant_id: ParticipationId,
    pub what_they_thought_was_happening: String,
    pub goals: String,
    pub front_of_mind: String,
    pub competing_demands: String,
    pub options_seen: String,
    pub emotions: String,
    pub source: AccountSource,
    pub confirmed_by_participant: bool,
}

/// The review team's judgement of the practice in an episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Good,
    Adequate,
    Problematic,
    CannotJudge,
}

/// Whether an episode shows good, problematic or mixed practice (KPEs are deliberately neutral).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Valence {
    Good,
    Problematic,
    Mixed,
}

/// The appraisal of an episode, judged against what was knowable then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appraisal {
    pub rating: Option<Rating>,
    pub rationale: String,
    /// What was knowable at the time, and to whom.
    pub knowable_at_the_time: String,
    /// Standards, procedures or research the practice was judged against.
    pub standards: Vec<String>,
    /// The review team's note on any phrases the hindsight check flags and why they stand.
    pub hindsight_note: Option<String>,
}

impl Appraisal {
    /// Phrases in the appraisal that suggest hindsight; computed from the text, never stored.
    pub fn hindsight_flags(&self) -> Vec<HindsightFlag> {
        let mut flags = hindsight::check(&self.rationale);
        flags.extend(hindsight::check(&self.knowable_at_the_time));
        flags
    }

    /// Whether flagged phrases are still waiting for the team to rephrase or justify them.
    pub fn has_unresolved_hindsight(&self) -> bool {
        let noted = self
            .hindsight_note
            .as_deref()
            .is_some_and(|note| !note.trim().is_empty());
        !noted && !self.hindsight_flags().is_empty()
    }
}

/// A key practice episode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPracticeEpisode {
    pub id: KpeId,
    pub review_id: ReviewId,
    /// Order of the episode in the review (1, 2, ...).
    pub position: u32,
    pub title: String,
    pub period: Option<FuzzyDate>,
    pub what_happened: String,
    pub agencies: Vec<AgencyId>,
    pub valence: Valence,
    pub local_rationality: Vec<LocalRationalityAccount>,
    pub contributory_factors: Vec<ContributoryFactor>,
    pub appraisal: Appraisal,
    pub evidence: Vec<Citation>,
}

impl Validate for KeyPracticeEpisode {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("title", &self.title);
        check.optional("what_happened", &self.what_happened);
        for (idx, account) in self.local_rationality.iter().enumerate() {
            let prefix = format!("local_rationality[{idx}]");
            check.required(
                &format!("{prefix}.what_they_thought_was_happening"),
                &account.what_they_thought_was_happening,
            );
            for (name, value) in [
                ("goals", &account.goals),
                ("front_of_mind", &account.front_of_mind),
                ("competing_demands", &account.competing_demands),
                ("options_seen", &account.options_seen),
                ("emotions", &account.emotions),
            ] {
                check.optional(&format!("{prefix}.{name}"), value);
            }
        }
        for (idx, factor) in self.contributory_factors.iter().enumerate() {
            check.line(
                &format!("contributory_factors[{idx}].factor"),
                &factor.factor,
            );
            check.required(
                &format!("contributory_factors[{idx}].description"),
                &factor.description,
            );
        }
        check.optional("appraisal.rationale", &self.appraisal.rationale);
        check.optional(
            "appraisal.knowable_at_the_time",
            &self.appraisal.knowable_at_the_time,
        );
        check.each_required("appraisal.standards", &self.appraisal.standards);
        if self.appraisal.rating.is_some() && self.appraisal.rationale.trim().is_empty() {
            check.fail(
                "appraisal.rationale",
                "is required once the episode is rated",
            );
        }
        check.finish()
    }
}

impl AccountSource {
    /// Every source, in the order forms offer them.
    pub const ALL: [Self; 3] = [Self::Conversation, Self::Record, Self::Inferred];

    /// Where an account came from, as a reader says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Conversation => "From a conversation with them",
            Self::Record => "Reconstructed from records",
            Self::Inferred => "Inferred by the review team (to test with the case group)",
        }
    }
}

impl Rating {
    /// Every rating, in the order forms offer them.
    pub const ALL: [Self; 4] = [
        Self::Good,
        Self::Adequate,
        Self::Problematic,
        Self::CannotJudge,
    ];

    /// The rating as a reader says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Good => "Good",
            Self::Adequate => "Adequate",
            Self::Problematic => "Problematic",
            Self::CannotJudge => "Cannot judge",
        }
    }
}

impl Valence {
    /// Every valence, in the order forms offer them.
    pub const ALL: [Self; 3] = [Self::Good, Self::Problematic, Self::Mixed];

    /// What the episode shows, as a reader says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Good => "Good practice",
            Self::Problematic => "Problematic practice",
            Self::Mixed => "Mixed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appraisal(rationale: &str, note: Option<&str>) -> Appraisal {
        Appraisal {
            rating: Some(Rating::Problematic),
            rationale: rationale.to_owned(),
            knowable_at_the_time: String::new(),
            standards: vec![],
            hindsight_note: note.map(str::to_owned),
        }
    }

    #[test]
    fn hindsight_is_unresolved_until_rephrased_or_noted() {
        assert!(appraisal("The nurse should have escalated.", None).has_unresolved_hindsight());
        assert!(
            !appraisal(
                "The nurse should have escalated.",
                Some("quoting the nurse's own words")
            )
            .has_unresolved_hindsight()
        );
        assert!(
            !appraisal(
                "Escalation routes were unclear to the nurse at the time.",
                None
            )
            .has_unresolved_hindsight()
        );
    }
}
