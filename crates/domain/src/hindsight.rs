//! The hindsight check for appraisals.
//!
//! An appraisal judges practice against what was knowable at the time. Phrases such as "should
//! have", "failed to" or "obviously" usually import knowledge of the outcome into that judgement
//! (hindsight and outcome bias), so the review team is shown each one and asked to rephrase it or
//! to say why it stands (for example, when it quotes a practitioner).

use serde::Serialize;

/// A phrase in an appraisal that suggests hindsight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HindsightFlag {
    /// Byte offset of the phrase in the text.
    pub start: usize,
    /// Byte offset just past the phrase.
    pub end: usize,
    /// The phrase as written.
    pub phrase: String,
    /// Why the phrase is flagged and what to consider instead.
    pub advice: &'static str,
}

/// Phrases checked, lower case, with the advice shown for each.
const PHRASES: &[(&str, &str)] = &[
    (
        "should have",
        "judges against what is known now; describe what was knowable then and why the action made sense",
    ),
    (
        "should not have",
        "judges against what is known now; describe what was knowable then",
    ),
    (
        "shouldn't have",
        "judges against what is known now; describe what was knowable then",
    ),
    (
        "ought to have",
        "judges against what is known now; describe what was knowable then",
    ),
    (
        "could have",
        "counterfactual; say what options people saw at the time",
    ),
    (
        "could not have",
        "counterfactual; say what options people saw at the time",
    ),
    (
        "couldn't have",
        "counterfactual; say what options people saw at the time",
    ),
    (
        "would have prevented",
        "outcome bias; the review explains practice, it does not predict alternative outcomes",
    ),
    (
        "failed to",
        "blames an individual; describe the systemic conditions that made the action likely",
    ),
    (
        "failure to",
        "blames an individual; describe the systemic conditions that made the action likely",
    ),
    (
        "if only",
        "counterfactual; say what was known and what competed for attention",
    ),
    (
        "obviously",
        "only obvious with hindsight; say what signals were available and how they looked then",
    ),
    (
        "obvious",
        "only obvious with hindsight; say what signals were available and how they looked then",
    ),
    (
        "clearly",
        "certainty that may come from knowing the outcome; show the evidence available at the time",
    ),
    (
        "must have known",
        "assumes knowledge; check what the person actually knew",
    ),
    (
        "missed opportunity",
        "outcome language; describe the episode as it looked at the time",
    ),
    (
        "missed opportunities",
        "outcome language; describe the episode as it looked at the time",
    ),
    (
        "inexcusable",
        "blame language; explain why the practice made sense at the time",
    ),
    (
        "negligent",
        "blame language; the review is not a disciplinary process",
    ),
    ("careless", "blame language; explain the conditions of work"),
    (
        "with hindsight",
        "says itself that it uses hindsight; judge against what was knowable then",
    ),
];

/// Finds every hindsight phrase in `text`, case-insensitively, on word boundaries, without
/// overlaps (the longest phrase wins).
pub fn check(text: &str) -> Vec<HindsightFlag> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths for some scripts; only map offsets back when it did not.
    if lower.len() != text.len() {
        return check_slow(text);
    }
    let mut flags: Vec<HindsightFlag> = Vec::new();
    for (phrase, advice) in PHRASES {
        for (start, _) in lower.match_indices(phrase) {
            let end = start + phrase.len();
            if !is_boundary(&lower, start, end) {
                continue;
            }
            flags.push(HindsightFlag {
                start,
                end,
                phrase: text[start..end].to_owned(),
                advice,
            });
        }
    }
    remove_overlaps(flags)
}

fn check_slow(text: &str) -> Vec<HindsightFlag> {
    // Compare character by character with a per-character lower-casing that keeps offsets.
    let mut flags = Vec::new();
    for (phrase, advice) in PHRASES {
        for (start, _) in text.char_indices() {
            let Some(end) = match_at(text, start, phrase) else {
                continue;
            };
            if is_boundary(text, start, end) {
                flags.push(HindsightFlag {
                    start,
                    end,
                    phrase: text[start..end].to_owned(),
                    advice,
                });
            }
        }
    }
    remove_overlaps(flags)
}

fn match_at(text: &str, start: usize, phrase: &str) -> Option<usize> {
    let mut chars = text[start..].char_indices();
    for expected in phrase.chars() {
        let (_, actual) = chars.next()?;
        if actual.to_lowercase().ne(std::iter::once(expected)) {
            return None;
        }
    }
    Some(
        chars
            .next()
            .map_or(text.len(), |(offset, _)| start + offset),
    )
}

fn is_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

fn remove_overlaps(mut flags: Vec<HindsightFlag>) -> Vec<HindsightFlag> {
    flags.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<HindsightFlag> = Vec::new();
    for flag in flags {
        if kept.last().is_some_and(|last| flag.start < last.end) {
            continue;
        }
        kept.push(flag);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases(text: &str) -> Vec<String> {
        check(text).into_iter().map(|flag| flag.phrase).collect()
    }

    #[test]
    fn flags_common_hindsight_phrases_with_offsets() {
        let text =
            "The GP should have referred. If only the school had known; it was Obviously neglect.";
        let flags = check(text);
        assert_eq!(phrases(text), ["should have", "If only", "Obviously"]);
        for flag in &flags {
            assert_eq!(&text[flag.start..flag.end], flag.phrase);
        }
    }

    #[test]
    fn respects_word_boundaries_and_prefers_the_longest_phrase() {
        assert!(check("The unobviously placed note; shouldhave").is_empty());
        assert_eq!(
            phrases("They missed opportunities to ask."),
            ["missed opportunities"]
        );
        assert_eq!(phrases("It was not obvious at the time."), ["obvious"]);
    }

    #[test]
    fn neutral_appraisal_is_not_flagged() {
        let text = "At the time the health visitor saw a mother who was engaging and a baby gaining weight; \
                    the information about the partner's history was held by probation and not known to her.";
        assert!(check(text).is_empty());
    }

    #[test]
    fn handles_text_whose_lower_case_changes_length() {
        // 'İ' lower-cases to two characters; offsets must still point into the original text.
        let text = "İstanbul team failed to call";
        let flags = check(text);
        assert_eq!(flags.len(), 1);
        assert_eq!(&text[flags[0].start..flags[0].end], "failed to");
    }
}
