//! The six-part typology of underlying patterns, as versioned data.
//!
//! Findings are placed in one of six patterns. The wording of the patterns changed over time
//! (the 2008 method guide used long descriptive names; later reports used short labels), and
//! partnerships may adopt local variants. So the typology is data: each version lists its
//! categories, and mappings say which category of one version corresponds to which of another.
//! [`Pattern`] is the stable identity of each of the six underlying patterns, independent of
//! wording; analyses across reviews group by it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the six underlying patterns of systemic factors.
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
pub enum Pattern {
    /// 1. How people work with tools: forms, recording systems, frameworks, procedures.
    Tool,
    /// 2. How people work within management systems: resources, priorities, supervision.
    Management,
    /// 3. Multi-agency communication and collaboration in response to incidents and crises.
    MultiagencyCrisis,
    /// 4. Multi-agency communication and collaboration in assessment and longer-term work.
    MultiagencyLongterm,
    /// 5. Interaction between families and professionals.
    FamilyProfessional,
    /// 6. Human judgement and reasoning.
    Reasoning,
}

impl Pattern {
    /// The six patterns in typology order.
    pub const ALL: [Pattern; 6] = [
        Self::Tool,
        Self::Management,
        Self::MultiagencyCrisis,
        Self::MultiagencyLongterm,
        Self::FamilyProfessional,
        Self::Reasoning,
    ];

    /// The pattern's number in the typology (1 to 6).
    pub fn number(self) -> u8 {
        match self {
            Self::Tool => 1,
            Self::Management => 2,
            Self::MultiagencyCrisis => 3,
            Self::MultiagencyLongterm => 4,
            Self::FamilyProfessional => 5,
            Self::Reasoning => 6,
        }
    }

    /// The pattern with the given number (1 to 6).
    pub fn from_number(number: u8) -> Option<Self> {
        Self::ALL.get(usize::from(number).checked_sub(1)?).copied()
    }

    /// The stable machine key, e.g. `multiagency_crisis`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Tool => "tool",
            Self::Management => "management",
            Self::MultiagencyCrisis => "multiagency_crisis",
            Self::MultiagencyLongterm => "multiagency_longterm",
            Self::FamilyProfessional => "family_professional",
            Self::Reasoning => "reasoning",
        }
    }

    /// Parses the stable machine key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The short label, as used in current reports.
    pub fn short_label(self) -> &'static str {
        SHORT_LABELS[usize::from(self.number() - 1)].1
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. {}", self.number(), self.short_label())
    }
}

/// One category of one typology version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypologyCategory {
    /// The code within its version ("1" to "6" for the built-in versions).
    pub code: String,
    /// The underlying pattern this category expresses.
    pub pattern: Pattern,
    pub label: String,
    pub description: String,
}

/// A published or local wording of the typology.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypologyVersion {
    /// Stable key, e.g. `learning-together-2008`.
    pub key: String,
    pub name: String,
    /// Year the wording was introduced.
    pub year: i32,
    pub categories: Vec<TypologyCategory>,
}

/// A correspondence between a category of one version and a category of another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypologyMapping {
    pub from_version: String,
    pub from_code: String,
    pub to_version: String,
    pub to_code: String,
}

/// Key of the original wording.
pub const ORIGINAL_2008: &str = "learning-together-2008";
/// Key of the later short labels.
pub const SHORT_LABELS_KEY: &str = "short-labels";

/// The original wording, paraphrased: long descriptive names of the six patterns.
const ORIGINAL_WORDING: [(Pattern, &str, &str); 6] = [
    (
        Pattern::Tool,
        "Human-tool operation",
        "How the tools practitioners use (assessment forms, recording systems, frameworks, \
         procedures and the case-management cycle) shape what they notice, record and do.",
    ),
    (
        Pattern::Management,
        "Human-management system operation",
        "How management systems (resources against demand, access to specialist help, service \
         gaps, performance measures, competing priorities and supervision) shape practice.",
    ),
    (
        Pattern::MultiagencyCrisis,
        "Communication and collaboration in multi-agency working in response to incidents and crises",
        "How agencies notice, refer, share and act together when something happens that needs \
         an urgent response: priorities, referral routes, feedback and knowing each other.",
    ),
    (
        Pattern::MultiagencyLongterm,
        "Communication and collaboration in multi-agency working in assessment and longer-term work",
        "How agencies assess, plan and work together over time: whether assessment is an event \
         or a process, clarity of roles, shared responsibility and who does the thinking.",
    ),
    (
        Pattern::FamilyProfessional,
        "Family-professional interactions",
        "How the relationship between families and professionals (engagement, hostility, \
         disguised compliance, the child's voice, language and culture) shapes what is known.",
    ),
    (
        Pattern::Reasoning,
        "Human judgement and reasoning",
        "How the limits of human reasoning (fixed first impressions, failure to revise \
         judgements, optimism, emotional impact) affect decisions and plans.",
    ),
];

/// The later short labels.
const SHORT_LABELS: [(Pattern, &str); 6] = [
    (Pattern::Tool, "Tools"),
    (Pattern::Management, "Management systems"),
    (
        Pattern::MultiagencyCrisis,
        "Multi-agency working in incidents and crises",
    ),
    (
        Pattern::MultiagencyLongterm,
        "Multi-agency working in longer-term work",
    ),
    (
        Pattern::FamilyProfessional,
        "Family-professional interaction",
    ),
    (Pattern::Reasoning, "Human judgement and reasoning"),
];

/// The typology versions casewindow ships with.
pub fn builtin_versions() -> Vec<TypologyVersion> {
    let original = TypologyVersion {
        key: ORIGINAL_2008.to_owned(),
        name: "Learning Together (2008 wording)".to_owned(),
        year: 2008,
        categories: ORIGINAL_WORDING
            .iter()
            .map(|(pattern, label, description)| TypologyCategory {
                code: pattern.number().to_string(),
                pattern: *pattern,
                label: (*label).to_owned(),
                description: (*description).to_owned(),
            })
            .collect(),
    };
    let short = TypologyVersion {
        key: SHORT_LABELS_KEY.to_owned(),
        name: "Short labels (later reports)".to_owned(),
        year: 2012,
        categories: SHORT_LABELS
            .iter()
            .zip(ORIGINAL_WORDING.iter())
            .map(|((pattern, label), (_, _, description))| TypologyCategory {
                code: pattern.number().to_string(),
                pattern: *pattern,
                label: (*label).to_owned(),
                description: (*description).to_owned(),
            })
            .collect(),
    };
    vec![original, short]
}

/// The built-in mappings: the short labels correspond one to one with the 2008 wording.
pub fn builtin_mappings() -> Vec<TypologyMapping> {
    Pattern::ALL
        .iter()
        .map(|pattern| TypologyMapping {
            from_version: ORIGINAL_2008.to_owned(),
            from_code: pattern.number().to_string(),
            to_version: SHORT_LABELS_KEY.to_owned(),
            to_code: pattern.number().to_string(),
        })
        .collect()
}

/// Follows mappings from a category code of one version to the codes it corresponds to in
/// another version (in either direction).
pub fn map_code<'a>(
    mappings: &'a [TypologyMapping],
    from_version: &str,
    code: &str,
    to_version: &str,
) -> Vec<&'a str> {
    let mut out = Vec::new();
    for mapping in mappings {
        if mapping.from_version == from_version
            && mapping.from_code == code
            && mapping.to_version == to_version
        {
            out.push(mapping.to_code.as_str());
        } else if mapping.to_version == from_version
            && mapping.to_code == code
            && mapping.from_version == to_version
        {
            out.push(mapping.from_code.as_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_keys_round_trip() {
        for pattern in Pattern::ALL {
            assert_eq!(Pattern::from_number(pattern.number()), Some(pattern));
            assert_eq!(Pattern::from_key(pattern.key()), Some(pattern));
        }
        assert_eq!(Pattern::from_number(0), None);
        assert_eq!(Pattern::from_number(7), None);
    }

    #[test]
    fn short_labels_map_one_to_one_onto_the_2008_wording() {
        let mappings = builtin_mappings();
        for pattern in Pattern::ALL {
            let code = pattern.number().to_string();
            assert_eq!(
                map_code(&mappings, ORIGINAL_2008, &code, SHORT_LABELS_KEY),
                vec![code.as_str()]
            );
            assert_eq!(
                map_code(&mappings, SHORT_LABELS_KEY, &code, ORIGINAL_2008),
                vec![code.as_str()]
            );
        }
        let versions = builtin_versions();
        assert_eq!(versions.len(), 2);
        assert!(versions.iter().all(|v| v.categories.len() == 6));
    }
}
