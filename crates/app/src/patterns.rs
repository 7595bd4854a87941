//! The pattern library's shipped knowledge and the bridge from stored findings to the engine.

use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::typology::builtin_versions;
use casewindow_patterns::{Example, IssueDef, Knowledge};

use crate::demo::demo_documents;

/// The text of a finding as the engine reads it: the statement, then how it showed in the case.
#[must_use]
pub fn finding_text(finding: &Finding) -> String {
    let mut text = finding.statement.trim().to_owned();
    for part in [&finding.context, &finding.manifestation] {
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

/// What the product knows before any review is entered: the typology's wording (every built-in
/// version), the starter recurrent issues and the fictional findings of the demo library, all
/// written for this project.
#[must_use]
pub fn starter_knowledge() -> Knowledge {
    let mut knowledge = Knowledge::default();
    for version in builtin_versions() {
        for category in version.categories {
            knowledge.pattern_descriptions.push((
                category.pattern,
                format!("{}. {}", category.label, category.description),
            ));
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
                .extend(example_of(record, issue, review.clone()));
        }
    }
    knowledge
}
