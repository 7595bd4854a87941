//! The pattern library's shipped knowledge and the bridge from stored findings to the engine.

use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::typology::{Pattern, builtin_versions};
use casewindow_patterns::engine::SHIPPED;
use casewindow_patterns::{Example, IssueDef, Knowledge};

use crate::demo::demo_documents;

/// The text of a finding as the engine reads it: the statement first, then its introduction
/// and context, how it showed in the case, and the evidence of how widespread it is.
#[must_use]
pub fn finding_text(finding: &Finding) -> String {
    draft_text(
        &finding.statement,
        &finding.context,
        &finding.manifestation,
        finding
            .generality_evidence
            .iter()
            .map(|e| e.description.as_str()),
    )
}

/// [`finding_text`] of a finding as typed.
pub fn draft_text<'a>(
    statement: &str,
    context: &'a str,
    manifestation: &'a str,
    evidence: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut text = statement.trim().to_owned();
    for part in [context, manifestation].into_iter().chain(evidence) {
        let part = part.trim();
        if !part.is_empty() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(part);
        }
    }
    text
}

/// How much the contributory factors of a finding's episodes count in its pattern suggestion.
/// Modest: no labelled set links findings to episodes, so this share is set by judgement, not
/// measured; the text keeps the larger say.
pub const FACTOR_SHARE: f32 = 0.15;

/// What the contributory factors recorded at key practice episodes say about a finding's
/// pattern: each factor's level points to patterns (see [`casewindow_domain::analysis::FactorLevel::patterns`]),
/// summed over the factors, in the order of [`Pattern::ALL`].
#[must_use]
pub fn factor_prior<'a>(
    factors: impl IntoIterator<Item = &'a casewindow_domain::analysis::ContributoryFactor>,
) -> [f32; 6] {
    let mut prior = [0.0; 6];
    for factor in factors {
        for (pattern, share) in factor.level.patterns() {
            prior[pattern.number() as usize - 1] += share;
        }
    }
    prior
}

/// A finding with a pattern as a library example (`None` while it has no pattern). `issue` is
/// the code of its first recurrent issue; `review` identifies its review.
#[must_use]
pub fn example_of(finding: &Finding, issue: Option<String>, review: String) -> Option<Example> {
    Some(Example {
        id: finding.id.to_string(),
        text: finding_text(finding),
        pattern: finding.pattern?,
        issue,
        review: Some(review),
        weight: casewindow_patterns::engine::DECIDED,
    })
}

/// A recurrent issue as the engine reads it.
#[must_use]
pub fn issue_def(issue: &RecurrentIssue) -> IssueDef {
    IssueDef {
        code: issue.code.clone(),
        pattern: issue.pattern,
        label: issue.label.clone(),
        description: issue.description.clone(),
    }
}

/// Worked examples of findings under each pattern, and the recurrent themes within each pattern
/// (after the typology's own sub-items in Appendix 6 of the method's guide), written for this
/// project in our own words: JSON Lines of `{pattern, polarity, theme, text}` and
/// `{pattern, label, description}`.
const WORKED_EXAMPLES: [(&str, &str); 4] = [
    ("a", include_str!("../knowledge/examples_a.jsonl")),
    ("b", include_str!("../knowledge/examples_b.jsonl")),
    ("c", include_str!("../knowledge/examples_c.jsonl")),
    ("d", include_str!("../knowledge/examples_d.jsonl")),
];
const THEMES: [&str; 2] = [
    include_str!("../knowledge/themes_a.jsonl"),
    include_str!("../knowledge/themes_b.jsonl"),
];

/// How a worked example's id begins (`worked-a-12`: file a, line 12).
pub const WORKED_PREFIX: &str = "worked-";

#[derive(serde::Deserialize)]
struct WorkedExample {
    pattern: String,
    text: String,
}

#[derive(serde::Deserialize)]
struct Theme {
    pattern: String,
    description: String,
}

/// The worked examples as (file, line, pattern, text); a test checks that every line reads.
fn worked_examples() -> impl Iterator<Item = (&'static str, usize, Option<Pattern>, String)> {
    WORKED_EXAMPLES.into_iter().flat_map(|(file, source)| {
        source
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(move |(i, line)| {
                let parsed: Option<WorkedExample> = serde_json::from_str(line).ok();
                let pattern = parsed.as_ref().and_then(|w| Pattern::from_key(&w.pattern));
                (
                    file,
                    i + 1,
                    pattern,
                    parsed.map(|w| w.text).unwrap_or_default(),
                )
            })
    })
}

fn themes() -> impl Iterator<Item = (Option<Pattern>, String)> {
    THEMES.into_iter().flat_map(|source| {
        source.lines().filter(|l| !l.trim().is_empty()).map(|line| {
            match serde_json::from_str::<Theme>(line) {
                Ok(t) => (Pattern::from_key(&t.pattern), t.description),
                Err(_) => (None, String::new()),
            }
        })
    })
}

/// What the product knows before any review is entered: the typology's wording (every built-in
/// version) and its recurrent themes, worked examples of each pattern, the starter recurrent
/// issues and the fictional findings of the demo library, all written for this project. Every
/// shipped example counts less than a finding a reviewer has decided.
#[must_use]
pub fn starter_knowledge() -> Knowledge {
    // Read once: every suggestion starts from it, and it never changes while the binary runs.
    static STARTER: std::sync::OnceLock<Knowledge> = std::sync::OnceLock::new();
    STARTER.get_or_init(read_starter_knowledge).clone()
}

fn read_starter_knowledge() -> Knowledge {
    let mut knowledge = Knowledge::default();
    for version in builtin_versions() {
        for category in version.categories {
            knowledge.pattern_descriptions.push((
                category.pattern,
                format!("{}. {}", category.label, category.description),
            ));
        }
    }
    for (pattern, description) in themes() {
        if let Some(pattern) = pattern {
            knowledge.pattern_descriptions.push((pattern, description));
        }
    }
    for (file, line, pattern, text) in worked_examples() {
        if let Some(pattern) = pattern {
            knowledge.examples.push(Example {
                id: format!("{WORKED_PREFIX}{file}-{line}"),
                text,
                pattern,
                issue: None,
                review: None,
                weight: SHIPPED,
            });
        }
    }
    let mut seen_issues = std::collections::HashSet::new();
    for (_, text) in demo_documents() {
        // The demo files are validated by the interchange tests; one that failed to parse would
        // only shrink the starter knowledge.
        let Ok(document) = casewindow_interchange::parse(text) else {
            continue;
        };
        let issue_codes: std::collections::HashMap<_, _> = document
            .recurrent_issues
            .iter()
            .map(|i| (i.record.id, i.record.code.clone()))
            .collect();
        for issue in &document.recurrent_issues {
            if seen_issues.insert(issue.record.code.clone()) {
                knowledge.issues.push(issue_def(&issue.record));
            }
        }
        let review = document.review.record.id.to_string();
        for finding in &document.findings {
            let record = &finding.record;
            let issue = record
                .recurrent_issue_ids
                .first()
                .and_then(|id| issue_codes.get(id).cloned());
            knowledge
                .examples
                .extend(example_of(record, issue, review.clone()).map(|e| Example {
                    weight: SHIPPED,
                    ..e
                }));
        }
    }
    knowledge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_worked_example_and_theme_reads_and_every_pattern_has_both() {
        let mut examples = [0usize; 6];
        for (file, line, pattern, text) in worked_examples() {
            let pattern = pattern.unwrap_or_else(|| panic!("examples_{file}.jsonl line {line}"));
            assert!(
                text.split_whitespace().count() >= 10,
                "examples_{file}.jsonl line {line}"
            );
            examples[pattern.number() as usize - 1] += 1;
        }
        let mut themes_per = [0usize; 6];
        for (pattern, description) in themes() {
            let pattern = pattern.expect("every theme names a pattern");
            assert!(!description.trim().is_empty());
            themes_per[pattern.number() as usize - 1] += 1;
        }
        assert!(examples.iter().all(|n| *n >= 20), "{examples:?}");
        assert!(themes_per.iter().all(|n| *n >= 5), "{themes_per:?}");
        let knowledge = starter_knowledge();
        assert!(knowledge.examples.iter().all(|e| e.weight == SHIPPED));
    }
}
