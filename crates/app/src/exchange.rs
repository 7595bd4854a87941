//! Exchange with the tools analysts already use: REFI-QDA codebooks (`.qdc`) and projects
//! (`.qdpx`) for qualitative-analysis software, and CSV for spreadsheets.
//!
//! Every export reads through the same use cases as the pages (so the same authorisation and
//! the same de-identification apply), is audited as an export, and is deterministic: the same
//! records give the same GUIDs, so an analyst's software can merge a later export into an
//! earlier one. A review's texts are exported as they would be published (agencies by their
//! publication names, people by their pseudonyms).

use crate::library::{LibraryFinding, resolve_merges as resolve};
use crate::reports::Cleaner;
use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::findings::{Finding, Polarity, RecurrentIssue, RecurrentIssueStatus};
use casewindow_domain::ids::{RecurrentIssueId, ReviewId};
use casewindow_domain::typology::{Pattern, builtin_versions};
use casewindow_interchange::refiqda::{
    self, Case, Code, CodeSet, Project, Selection, TextSource, Value, Variable, VariableKind,
};
use casewindow_store::Store;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::ops::Range;
use uuid::Uuid;

/// What produced the files, as the standard's `origin` names it.
pub const ORIGIN: &str = "casewindow";

/// A GUID that is always the same for the same thing: `kind` and `key` hashed.
#[must_use]
pub fn stable_guid(kind: &str, key: &str) -> Uuid {
    let digest = Sha256::digest(format!("casewindow refi-qda\n{kind}\n{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The code of a pattern.
#[must_use]
pub fn pattern_guid(pattern: Pattern) -> Uuid {
    stable_guid("pattern", pattern.key())
}

/// One colour per pattern, told apart by people with the common colour-vision differences.
fn pattern_colour(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::Tool => "#0072B2",
        Pattern::Management => "#E69F00",
        Pattern::MultiagencyCrisis => "#009E73",
        Pattern::MultiagencyLongterm => "#56B4E9",
        Pattern::FamilyProfessional => "#CC79A7",
        Pattern::Reasoning => "#D55E00",
    }
}

/// The pattern's name and description in the method's original wording.
fn pattern_wording(pattern: Pattern) -> (String, String) {
    builtin_versions()
        .into_iter()
        .find(|v| v.key == casewindow_domain::typology::ORIGINAL_2008)
        .and_then(|v| v.categories.into_iter().find(|c| c.pattern == pattern))
        .map_or_else(
            || (pattern.short_label().to_owned(), String::new()),
            |c| (c.label, c.description),
        )
}

/// The typology as codes: the six patterns as parent codes, with `issues` beneath their
/// pattern.
fn typology_codes(issues: &[&RecurrentIssue]) -> Vec<Code> {
    Pattern::ALL
        .into_iter()
        .map(|pattern| {
            let (name, description) = pattern_wording(pattern);
            let mut children: Vec<&&RecurrentIssue> =
                issues.iter().filter(|i| i.pattern == pattern).collect();
            children.sort_by(|a, b| a.code.cmp(&b.code));
            Code {
                guid: pattern_guid(pattern),
                name: format!("{}. {name}", pattern.number()),
                description,
                codable: true,
                color: Some(pattern_colour(pattern).to_owned()),
                children: children
                    .into_iter()
                    .map(|issue| Code {
                        guid: issue.id.0,
                        name: issue.label.clone(),
                        description: issue.description.clone(),
                        codable: true,
                        color: None,
                        children: Vec::new(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Whether an issue is still used for new findings.
fn is_open(issue: &RecurrentIssue) -> bool {
    matches!(
        issue.status,
        RecurrentIssueStatus::Accepted | RecurrentIssueStatus::Proposed
    )
}

/// Text gathered for one source, with the stretches to code.
#[derive(Default)]
struct Text {
    text: String,
}

impl Text {
    /// Appends a paragraph (after a blank line); the stretch it takes.
    fn paragraph(&mut self, text: &str) -> Option<Range<usize>> {
        let text = refiqda::clean_text(text.trim());
        if text.is_empty() {
            return None;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        let start = self.text.len();
        self.text.push_str(&text);
        Some(start..self.text.len())
    }

    /// A heading and the paragraph beneath it, when there is something to say.
    fn section(&mut self, heading: &str, body: &str) {
        if !body.trim().is_empty() {
            self.paragraph(heading);
            self.text.push('\n');
            self.text.push_str(&refiqda::clean_text(body.trim()));
        }
    }
}

fn polarity_label(polarity: Option<Polarity>) -> &'static str {
    match polarity {
        Some(Polarity::Constructive) => "Constructive",
        Some(Polarity::Unsafe) => "Unsafe",
        None => "Not stated",
    }
}

/// The variables every project carries.
struct Variables {
    polarity: Variable,
    secondary: Variable,
    number: Variable,
    year: Variable,
    kind: Variable,
}

impl Variables {
    fn new() -> Self {
        let variable = |name: &str, kind, description: &str| Variable {
            guid: stable_guid("variable", name),
            name: name.to_owned(),
            kind,
            description: description.to_owned(),
        };
        Self {
            polarity: variable(
                "Polarity",
                VariableKind::Text,
                "Whether the finding describes a constructive or an unsafe pattern.",
            ),
            secondary: variable(
                "Secondary pattern",
                VariableKind::Text,
                "The second pattern of the typology the finding also speaks to, if any.",
            ),
            number: variable(
                "Finding number",
                VariableKind::Integer,
                "The finding's number in its review.",
            ),
            year: variable(
                "Year",
                VariableKind::Integer,
                "The year the review was opened.",
            ),
            kind: variable("Review kind", VariableKind::Text, "The kind of review."),
        }
    }

    fn all(&self) -> Vec<Variable> {
        vec![
            self.polarity.clone(),
            self.secondary.clone(),
            self.number.clone(),
            self.year.clone(),
            self.kind.clone(),
        ]
    }
}

/// A finding as a text source: its statement (coded with its pattern and recurrent issues)
/// and the template's other parts.
fn finding_source(
    finding: &Finding,
    name: String,
    issues: &[&RecurrentIssue],
    variables: &Variables,
    clean: &dyn Fn(&str) -> String,
) -> TextSource {
    let guid = stable_guid("finding", &finding.id.to_string());
    let mut text = Text::default();
    let statement = text.paragraph(&clean(&finding.statement));
    text.section("Context", &clean(&finding.context));
    text.section("How the issue shows itself", &clean(&finding.manifestation));
    text.section("Why it matters", &clean(&finding.why_it_matters));
    let questions: Vec<String> = finding
        .questions
        .iter()
        .filter(|q| !q.trim().is_empty())
        .enumerate()
        .map(|(i, q)| format!("{}. {}", i + 1, clean(q).trim()))
        .collect();
    text.section("Questions for the partnership", &questions.join("\n"));
    let mut codes: Vec<Uuid> = finding.pattern.map(pattern_guid).into_iter().collect();
    codes.extend(issues.iter().map(|i| i.id.0));
    let selections = match statement {
        Some(range) if !codes.is_empty() => vec![Selection {
            guid: stable_guid("statement", &finding.id.to_string()),
            name: "Statement".to_owned(),
            range,
            codings: codes
                .iter()
                .map(|code| {
                    (
                        stable_guid("coding", &format!("{}:{code}", finding.id)),
                        *code,
                    )
                })
                .collect(),
        }],
        _ => Vec::new(),
    };
    let mut values = vec![
        (
            variables.polarity.guid,
            Value::Text(polarity_label(finding.polarity).to_owned()),
        ),
        (
            variables.number.guid,
            Value::Integer(i64::from(finding.position)),
        ),
    ];
    if let Some(secondary) = finding.secondary_pattern {
        values.push((variables.secondary.guid, Value::Text(secondary.to_string())));
    }
    TextSource {
        guid,
        name,
        description: String::new(),
        text: text.text,
        selections,
        values,
    }
}

/// A short name for a source: its number and the start of its text.
fn source_name(prefix: &str, text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{prefix}: {}…", short.trim_end())
    } else if short.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}: {short}")
    }
}

impl<S: Store> App<S> {
    /// Records that the actor exported something (what, in which format).
    pub(crate) async fn audit_export(
        &self,
        actor: &Actor,
        review: Option<ReviewId>,
        what: &str,
        format: &str,
    ) -> AppResult<()> {
        let entry = casewindow_store::audit::AuditEntry {
            at: self.now(),
            actor: actor.user,
            review_id: review,
            action: "export".to_owned(),
            entity: what.to_owned(),
            entity_id: review.map_or_else(|| "library".to_owned(), |r| r.to_string()),
            reason: format.to_owned(),
        };
        Ok(self.store.audit(&entry).await?)
    }

    /// The typology and the open recurrent issues (accepted and proposed) as a REFI-QDA
    /// codebook: the patterns as parent codes, the issues beneath, with their descriptions;
    /// a set per pattern, and one of the issues still proposed.
    pub async fn export_codebook_qdc(&self, actor: &Actor) -> AppResult<String> {
        let issues: Vec<RecurrentIssue> = self
            .codebook(actor)
            .await?
            .into_iter()
            .map(|c| c.issue.record)
            .filter(is_open)
            .collect();
        let refs: Vec<&RecurrentIssue> = issues.iter().collect();
        let codes = typology_codes(&refs);
        let mut sets: Vec<CodeSet> = Pattern::ALL
            .into_iter()
            .map(|pattern| CodeSet {
                guid: stable_guid("pattern set", pattern.key()),
                name: format!("Recurrent issues: {pattern}"),
                description: String::new(),
                members: issues
                    .iter()
                    .filter(|i| i.pattern == pattern)
                    .map(|i| i.id.0)
                    .collect(),
            })
            .collect();
        let proposed: Vec<Uuid> = issues
            .iter()
            .filter(|i| i.status == RecurrentIssueStatus::Proposed)
            .map(|i| i.id.0)
            .collect();
        if !proposed.is_empty() {
            sets.push(CodeSet {
                guid: stable_guid("set", "proposed"),
                name: "Proposed, not yet accepted".to_owned(),
                description: "Recurrent issues proposed for the codebook and not yet accepted \
                              by its curators."
                    .to_owned(),
                members: proposed,
            });
        }
        self.audit_export(actor, None, "codebook", "qdc").await?;
        Ok(refiqda::codebook(&codes, &sets, ORIGIN))
    }

    /// A review as a REFI-QDA project: its findings (each statement coded with its pattern and
    /// recurrent issues), key practice episodes (coded with the patterns and issues of the
    /// findings drawn from them) and narrative as text sources, the review as a case; every
    /// text as it would be published.
    pub async fn export_review_qdpx(&self, actor: &Actor, review: ReviewId) -> AppResult<Vec<u8>> {
        let input = self.report_input(actor, review).await?;
        let (people, _) = self
            .known_people(
                actor,
                review,
                "names replaced by pseudonyms in an exported project",
            )
            .await?;
        let cleaner = Cleaner::new(&input, &people)?;
        let clean = |text: &str| cleaner.clean(text);
        let all_issues: HashMap<RecurrentIssueId, RecurrentIssue> = self
            .store
            .list_all::<RecurrentIssue>()
            .await?
            .into_iter()
            .map(|i| (i.record.id, i.record))
            .collect();
        let variables = Variables::new();
        let mut findings = input.findings.clone();
        findings.sort_by_key(|f| f.position);
        let mut used: Vec<&RecurrentIssue> = all_issues.values().filter(|i| is_open(i)).collect();
        let mut sources = Vec::new();
        for finding in &findings {
            let issues: Vec<&RecurrentIssue> = dedup(
                finding
                    .recurrent_issue_ids
                    .iter()
                    .filter_map(|&id| resolve(&all_issues, id)),
            );
            for issue in &issues {
                if !used.iter().any(|u| u.id == issue.id) {
                    used.push(issue);
                }
            }
            let name = source_name(
                &format!("Finding {}", finding.position),
                &clean(&finding.statement),
            );
            sources.push(finding_source(finding, name, &issues, &variables, &clean));
        }
        let mut kpes = input.kpes.clone();
        kpes.sort_by_key(|k| k.position);
        for kpe in &kpes {
            let mut text = Text::default();
            let whole_start = text.text.len();
            text.paragraph(&clean(&kpe.title));
            if !kpe.agencies.is_empty() {
                let names: Vec<String> =
                    kpe.agencies.iter().map(|a| input.agency_name(*a)).collect();
                text.section("Agencies involved", &names.join(", "));
            }
            text.section("What happened", &clean(&kpe.what_happened));
            for account in &kpe.local_rationality {
                let parts: Vec<String> = [
                    (
                        "What they thought was happening",
                        &account.what_they_thought_was_happening,
                    ),
                    ("Their goals", &account.goals),
                    ("Front of mind", &account.front_of_mind),
                    ("Competing demands", &account.competing_demands),
                    ("Options they saw", &account.options_seen),
                ]
                .iter()
                .filter(|(_, t)| !t.trim().is_empty())
                .map(|(label, t)| format!("{label}: {}", clean(t).trim()))
                .collect();
                text.section(
                    &format!(
                        "How it looked at the time to {}",
                        input.participant_label(account.participant_id)
                    ),
                    &parts.join("\n"),
                );
            }
            let factors: Vec<String> = kpe
                .contributory_factors
                .iter()
                .map(|f| {
                    format!(
                        "{} ({}): {}",
                        clean(&f.factor).trim(),
                        f.level.label(),
                        clean(&f.description).trim()
                    )
                })
                .collect();
            text.section("Contributory factors", &factors.join("\n"));
            text.section("Appraisal", &clean(&kpe.appraisal.rationale));
            // Coded with what the findings drawn from the episode say.
            let mut codes: Vec<Uuid> = Vec::new();
            for finding in findings.iter().filter(|f| f.kpe_ids.contains(&kpe.id)) {
                codes.extend(finding.pattern.map(pattern_guid));
                codes.extend(
                    finding
                        .recurrent_issue_ids
                        .iter()
                        .filter_map(|&id| resolve(&all_issues, id))
                        .map(|i| i.id.0),
                );
            }
            let codes = dedup(codes.into_iter());
            let whole = whole_start..text.text.len();
            let selections = if codes.is_empty() || whole.is_empty() {
                Vec::new()
            } else {
                vec![Selection {
                    guid: stable_guid("episode", &kpe.id.to_string()),
                    name: "The episode".to_owned(),
                    range: whole,
                    codings: codes
                        .iter()
                        .map(|code| (stable_guid("coding", &format!("{}:{code}", kpe.id)), *code))
                        .collect(),
                }]
            };
            sources.push(TextSource {
                guid: stable_guid("kpe", &kpe.id.to_string()),
                name: source_name(
                    &format!("Key practice episode {}", kpe.position),
                    &clean(&kpe.title),
                ),
                description: String::new(),
                text: text.text,
                selections,
                values: Vec::new(),
            });
        }
        let mut narrative = input.narrative.clone();
        narrative.sort_by_key(|s| s.position);
        for section in &narrative {
            let mut text = Text::default();
            text.paragraph(&clean(&section.heading));
            text.paragraph(&clean(&section.period));
            text.paragraph(&clean(&section.body));
            if text.text.is_empty() {
                continue;
            }
            sources.push(TextSource {
                guid: stable_guid("narrative", &section.id.to_string()),
                name: source_name(
                    &format!("Narrative {}", section.position),
                    &clean(&section.heading),
                ),
                description: String::new(),
                text: text.text,
                selections: Vec::new(),
                values: Vec::new(),
            });
        }
        let title = clean(&input.review.title);
        let case = Case {
            guid: stable_guid("review", &review.to_string()),
            name: title.clone(),
            description: format!(
                "{} review, {}",
                input.review.kind.label(),
                input.partnership.name
            ),
            values: vec![
                (
                    variables.year.guid,
                    Value::Integer(i64::from(chrono::Datelike::year(&input.review.opened_on))),
                ),
                (
                    variables.kind.guid,
                    Value::Text(input.review.kind.label().to_owned()),
                ),
            ],
            sources: sources.iter().map(|s| s.guid).collect(),
        };
        let project = Project {
            name: title,
            origin: ORIGIN.to_owned(),
            description: "Findings, key practice episodes and narrative of a case review, as \
                          they would be published (agencies by their publication names, people \
                          by their pseudonyms). Each finding's statement is coded with its \
                          pattern of the typology and its recurrent issues."
                .to_owned(),
            created: self.now(),
            codes: typology_codes(&used),
            variables: variables.all(),
            cases: vec![case],
            sources,
        };
        let bytes = refiqda::qdpx(&project).map_err(|e| AppError::Internal(e.to_string()))?;
        self.audit_export(actor, Some(review), "review", "qdpx")
            .await?;
        Ok(bytes)
    }

    /// The library the actor may read as a REFI-QDA project: every finding a text source
    /// coded with its pattern and recurrent issues, each review a case (de-identified for
    /// national analysts, as the library is).
    pub async fn export_library_qdpx(&self, actor: &Actor) -> AppResult<Vec<u8>> {
        if actor.platform_admin {
            return Err(AppError::NotFound {
                what: "the library".to_owned(),
            });
        }
        let findings = self.library_findings(actor).await?;
        let all_issues: Vec<RecurrentIssue> = self
            .store
            .list_all::<RecurrentIssue>()
            .await?
            .into_iter()
            .map(|i| i.record)
            .collect();
        let mut used: Vec<&RecurrentIssue> = all_issues.iter().filter(|i| is_open(i)).collect();
        for f in &findings {
            for issue in &f.issues {
                if !used.iter().any(|u| u.id == issue.id) {
                    used.push(issue);
                }
            }
        }
        let variables = Variables::new();
        let mut sources = Vec::new();
        let mut cases: Vec<Case> = Vec::new();
        let same = |text: &str| text.to_owned();
        for f in &findings {
            let LibraryFinding {
                finding,
                review,
                review_title,
                ..
            } = f;
            let issues: Vec<&RecurrentIssue> = f.issues.iter().collect();
            let name = source_name(
                &format!("{review_title}, finding {}", finding.position),
                &finding.statement,
            );
            let source = finding_source(finding, name, &issues, &variables, &same);
            let case_guid = stable_guid("review", &review.to_string());
            match cases.iter_mut().find(|c| c.guid == case_guid) {
                Some(case) => case.sources.push(source.guid),
                None => cases.push(Case {
                    guid: case_guid,
                    name: review_title.clone(),
                    description: String::new(),
                    values: vec![
                        (variables.year.guid, Value::Integer(i64::from(f.year))),
                        (
                            variables.kind.guid,
                            Value::Text(f.review_kind.label().to_owned()),
                        ),
                    ],
                    sources: vec![source.guid],
                }),
            }
            sources.push(source);
        }
        let project = Project {
            name: "casewindow pattern library".to_owned(),
            origin: ORIGIN.to_owned(),
            description: if actor.national_analyst {
                "The findings of every review in the library, de-identified, each statement \
                 coded with its pattern of the typology and its recurrent issues; each review \
                 a case."
            } else {
                "The findings of the reviews you take part in, each statement coded with its \
                 pattern of the typology and its recurrent issues; each review a case."
            }
            .to_owned(),
            created: self.now(),
            codes: typology_codes(&used),
            variables: variables.all(),
            cases,
            sources,
        };
        let bytes = refiqda::qdpx(&project).map_err(|e| AppError::Internal(e.to_string()))?;
        self.audit_export(actor, None, "library", "qdpx").await?;
        Ok(bytes)
    }
}

/// The most codes of one codebook the pattern library suggests a pattern for (the rest, if
/// any, wait for a person's choice), so that a large codebook's page stays quick.
pub const MOST_SUGGESTED: usize = 300;

/// How long an uploaded codebook waits for its import.
const STAGED_FOR: chrono::Duration = chrono::Duration::days(1);

/// How likely the library's suggestion must be for the import form to choose it for the person.
pub const SURE_ENOUGH: f32 = 0.5;

/// Why a code of an imported codebook is proposed as it is.
#[derive(Clone, Debug, PartialEq)]
pub enum Proposal {
    /// The code names a pattern of the typology itself: a parent, not an issue.
    IsPattern(Pattern),
    /// The code sits beneath a code that names this pattern.
    Beneath(Pattern),
    /// No pattern is named above it: the pattern library's likeliest, with its probability.
    Suggested(Pattern, f32),
    /// The codebook already holds this issue (same GUID, or the same wording under the pattern).
    AlreadyHeld(Pattern, String),
    /// Nothing to go on (no pattern named, no suggestion).
    Unknown,
}

impl Proposal {
    /// The pattern the form offers first; `None`: not imported unless a person chooses one.
    /// A suggestion is offered only when the library is fairly sure of it.
    #[must_use]
    pub fn pattern(&self) -> Option<Pattern> {
        match self {
            Self::Beneath(p) => Some(*p),
            Self::Suggested(p, probability) if *probability >= SURE_ENOUGH => Some(*p),
            Self::Suggested(..) | Self::IsPattern(_) | Self::AlreadyHeld(..) | Self::Unknown => {
                None
            }
        }
    }
}

/// One code of an uploaded codebook, with what casewindow proposes for it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedCode {
    /// Its place in the file's order (the form names it by this).
    pub index: usize,
    pub depth: usize,
    /// The names of the codes above it.
    pub parents: Vec<String>,
    pub name: String,
    pub description: String,
    pub proposal: Proposal,
}

/// An uploaded codebook, read, waiting for a person to choose each code's pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct CodebookImport {
    pub id: Uuid,
    pub file_name: String,
    pub codes: Vec<ImportedCode>,
}

/// Lower-case words and numbers only, for comparing wordings.
fn words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The pattern a code's name stands for, in any wording of the typology (2008 or later, the
/// short labels, "Pattern 3", "3. …", the key).
#[must_use]
pub fn pattern_named(name: &str) -> Option<Pattern> {
    let said = words(name);
    // "Pattern 3", "Category 3", "3": a number alone.
    let numbered = said
        .strip_prefix("pattern ")
        .or_else(|| said.strip_prefix("category "))
        .or_else(|| said.strip_prefix("type "))
        .unwrap_or(&said);
    if let Ok(n) = numbered.parse::<u8>() {
        return Pattern::from_number(n);
    }
    // A leading number ("3. Multi-agency …", "Pattern 3: …") must agree with the words.
    let (number, rest) = match numbered.split_once(' ') {
        Some((n, rest)) if n.parse::<u8>().is_ok() => (n.parse::<u8>().ok(), rest.to_owned()),
        _ => (None, numbered.to_owned()),
    };
    let rest = rest.strip_prefix("pattern ").unwrap_or(&rest).to_owned();
    let mut wordings: Vec<(Pattern, String)> = Vec::new();
    for version in builtin_versions() {
        for category in version.categories {
            wordings.push((category.pattern, words(&category.label)));
        }
    }
    for pattern in Pattern::ALL {
        wordings.push((pattern, words(pattern.short_label())));
        wordings.push((pattern, words(pattern.key())));
    }
    let found = wordings
        .iter()
        .find(|(_, w)| !w.is_empty() && *w == rest)
        .map(|(p, _)| *p)?;
    match number {
        Some(n) if Pattern::from_number(n) != Some(found) => None,
        _ => Some(found),
    }
}

impl<S: Store> App<S> {
    /// Reads an uploaded REFI-QDA codebook and keeps it for its uploader to map (in place of
    /// any they uploaded before); refused (with the code's place and why) when it cannot be
    /// read. Anyone who may propose a recurrent issue may import.
    pub async fn stage_codebook(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<Uuid> {
        let user = self.importer(actor).await?;
        refiqda::read_codebook(&bytes).map_err(|e| {
            AppError::Invalid(vec![casewindow_interchange::Problem {
                path: format!("{}: {}", file_label(file_name), e.place),
                reason: e.reason,
            }])
        })?;
        let staged = casewindow_store::StagedCodebook {
            id: Uuid::new_v4(),
            user_id: user,
            file_name: file_label(file_name),
            bytes,
            staged_at: self.now(),
        };
        self.store
            .stage_codebook(
                &staged,
                self.now() - STAGED_FOR,
                &self.change(actor, "codebook uploaded for import"),
            )
            .await?;
        Ok(staged.id)
    }

    /// The person importing: someone who may propose issues, acting as themselves (not a
    /// program).
    async fn importer(&self, actor: &Actor) -> AppResult<casewindow_domain::ids::UserId> {
        match actor.user {
            Some(user) if actor.token.is_none() && self.may_propose_issue(actor).await? => Ok(user),
            _ => Err(AppError::NotFound {
                what: "the codebook".to_owned(),
            }),
        }
    }

    /// An uploaded codebook of the actor's with what casewindow proposes for each code: a code
    /// that names a pattern is a parent; codes beneath it are proposed under that pattern;
    /// others get the library's likeliest pattern; issues the codebook already holds are left
    /// out.
    pub async fn codebook_import(&self, actor: &Actor, id: Uuid) -> AppResult<CodebookImport> {
        let (staged, codes) = self.staged_codes(actor, id).await?;
        Ok(CodebookImport {
            id,
            file_name: staged.file_name,
            codes: self.proposals(&codes).await?,
        })
    }

    /// What an import of a codebook file would propose, without keeping anything (for the
    /// command line's dry run).
    pub async fn codebook_proposal(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
    ) -> AppResult<CodebookImport> {
        if actor.platform_admin {
            return Err(AppError::NotFound {
                what: "the codebook".to_owned(),
            });
        }
        let roots = refiqda::read_codebook(bytes).map_err(|e| {
            AppError::Invalid(vec![casewindow_interchange::Problem {
                path: format!("{}: {}", file_label(file_name), e.place),
                reason: e.reason,
            }])
        })?;
        Ok(CodebookImport {
            id: Uuid::nil(),
            file_name: file_label(file_name),
            codes: self.proposals(&flat(&roots)).await?,
        })
    }

    async fn proposals(&self, codes: &[(usize, Code)]) -> AppResult<Vec<ImportedCode>> {
        let held: Vec<RecurrentIssue> = self
            .store
            .list_all::<RecurrentIssue>()
            .await?
            .into_iter()
            .map(|i| i.record)
            .filter(|i| i.status != RecurrentIssueStatus::Merged)
            .collect();
        let mut out = Vec::new();
        let mut to_suggest = Vec::new();
        let mut path: Vec<(String, Option<Pattern>)> = Vec::new();
        for (index, (depth, code)) in codes.iter().enumerate() {
            path.truncate(*depth);
            let named = pattern_named(&code.name);
            let above = path.iter().rev().find_map(|(_, p)| *p);
            let parents: Vec<String> = path.iter().map(|(n, _)| n.clone()).collect();
            path.push((code.name.clone(), named.or(above)));
            let proposal = if let Some(pattern) = named {
                Proposal::IsPattern(pattern)
            } else if let Some(issue) = held.iter().find(|i| {
                i.id.0 == code.guid
                    || (words(&i.label) == words(&code.name)
                        && above.is_none_or(|p| p == i.pattern))
            }) {
                Proposal::AlreadyHeld(issue.pattern, issue.label.clone())
            } else if let Some(pattern) = above {
                Proposal::Beneath(pattern)
            } else {
                if to_suggest.len() < MOST_SUGGESTED {
                    to_suggest.push(index);
                }
                Proposal::Unknown
            };
            out.push(ImportedCode {
                index,
                depth: *depth,
                parents,
                name: code.name.clone(),
                description: code.description.clone(),
                proposal,
            });
        }
        let texts: Vec<String> = to_suggest
            .iter()
            .map(|&i| format!("{}. {}", out[i].name, out[i].description))
            .collect();
        for (&i, likeliest) in to_suggest
            .iter()
            .zip(self.likeliest_patterns(&texts).await?)
        {
            if let Some((pattern, probability)) = likeliest {
                out[i].proposal = Proposal::Suggested(pattern, probability);
            }
        }
        Ok(out)
    }

    /// The actor's staged codebook and its codes in file order, with their depth.
    async fn staged_codes(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> AppResult<(casewindow_store::StagedCodebook, Vec<(usize, Code)>)> {
        let user = self.importer(actor).await?;
        let gone = || AppError::NotFound {
            what: "the uploaded codebook (it was imported already, or is more than a day old)"
                .to_owned(),
        };
        let staged = self
            .store
            .staged_codebook(id)
            .await?
            .filter(|s| s.user_id == user)
            .ok_or_else(gone)?;
        let roots = refiqda::read_codebook(&staged.bytes)
            .map_err(|e| AppError::Internal(format!("a staged codebook no longer reads: {e}")))?;
        Ok((staged, flat(&roots)))
    }

    /// Imports the codes a person chose a pattern for (`choices`: code index and pattern) as
    /// proposed recurrent issues, in one transaction that also consumes the upload (so a second
    /// submission imports nothing). Returns how many issues were proposed.
    pub async fn import_codebook(
        &self,
        actor: &Actor,
        id: Uuid,
        choices: &[(usize, Pattern)],
    ) -> AppResult<usize> {
        let (staged, codes) = self.staged_codes(actor, id).await?;
        let user = staged.user_id;
        if choices.is_empty() {
            return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
                path: "codes".to_owned(),
                reason: "choose a pattern for at least one code to import".to_owned(),
            }]));
        }
        let mut taken: std::collections::HashSet<String> = self
            .store
            .list_all::<RecurrentIssue>()
            .await?
            .into_iter()
            .map(|i| i.record.code)
            .collect();
        let change = self.change(
            actor,
            &format!("imported from the codebook {}", staged.file_name),
        );
        let meta = casewindow_store::RecordMeta::created(&change);
        let mut issues = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &(index, pattern) in choices {
            let Some((_, code)) = codes.get(index) else {
                return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
                    path: format!("codes[{index}]"),
                    reason: "the codebook has no such code".to_owned(),
                }]));
            };
            if !seen.insert(index) {
                continue;
            }
            let short = crate::codebook::unused_code_among(&taken, pattern, &code.name);
            taken.insert(short.clone());
            let issue = RecurrentIssue {
                // The same upload and code always give the same issue.
                id: RecurrentIssueId(stable_guid("imported issue", &format!("{id}:{index}"))),
                pattern,
                code: short,
                label: code.name.trim().to_owned(),
                description: code.description.trim().to_owned(),
                status: RecurrentIssueStatus::Proposed,
                merged_into: None,
            };
            crate::error::check_fields(&issue).map_err(|err| match err {
                AppError::Invalid(problems) => AppError::Invalid(
                    problems
                        .into_iter()
                        .map(|p| casewindow_interchange::Problem {
                            path: format!("codes[{index}] ({}): {}", code.name, p.path),
                            reason: p.reason,
                        })
                        .collect(),
                ),
                other => other,
            })?;
            issues.push(
                casewindow_store::Record::erase(&issue, meta.clone())
                    .map_err(|e| AppError::Internal(format!("preparing a record: {e}")))?,
            );
        }
        let count = issues.len();
        if !self
            .store
            .import_codebook(id, user, &issues, &change)
            .await?
        {
            return Err(AppError::NotFound {
                what: "the uploaded codebook (it was imported already)".to_owned(),
            });
        }
        Ok(count)
    }
}

/// Every code in file order, with its depth (and without its children).
fn flat(roots: &[Code]) -> Vec<(usize, Code)> {
    roots
        .iter()
        .flat_map(Code::flatten)
        .map(|(depth, code)| {
            (
                depth,
                Code {
                    children: Vec::new(),
                    ..code.clone()
                },
            )
        })
        .collect()
}

/// A file's name as shown: its last part, short.
pub(crate) fn file_label(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let short: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    if short.is_empty() {
        "codebook.qdc".to_owned()
    } else {
        short
    }
}

/// The items once each, in their first order.
fn dedup<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_and_distinct() {
        assert_eq!(stable_guid("a", "b"), stable_guid("a", "b"));
        assert_ne!(stable_guid("a", "b"), stable_guid("a", "c"));
        assert_ne!(stable_guid("ab", ""), stable_guid("a", "b"));
        let guids: std::collections::HashSet<Uuid> =
            Pattern::ALL.into_iter().map(pattern_guid).collect();
        assert_eq!(guids.len(), 6);
    }

    #[test]
    fn every_wording_of_a_pattern_is_recognised() {
        for (name, pattern) in [
            ("1. Human-tool operation", Some(Pattern::Tool)),
            ("Human–tool operation", Some(Pattern::Tool)),
            ("Pattern 2: Management systems", Some(Pattern::Management)),
            (
                "2 Human-management system operation",
                Some(Pattern::Management),
            ),
            ("Pattern 6", Some(Pattern::Reasoning)),
            ("5", Some(Pattern::FamilyProfessional)),
            (
                "FAMILY-PROFESSIONAL INTERACTIONS",
                Some(Pattern::FamilyProfessional),
            ),
            ("multiagency_crisis", Some(Pattern::MultiagencyCrisis)),
            ("3. Human judgement and reasoning", None),
            ("Missed appointments", None),
            ("7", None),
        ] {
            assert_eq!(pattern_named(name), pattern, "{name}");
        }
    }

    #[test]
    fn file_labels_keep_the_last_part() {
        assert_eq!(file_label("C:\\x\\codes.qdc"), "codes.qdc");
        assert_eq!(file_label("../../etc/passwd"), "passwd");
        assert_eq!(file_label(""), "codebook.qdc");
    }

    #[test]
    fn source_names_are_short() {
        assert_eq!(
            source_name("Finding 1", "  A short\nstatement "),
            "Finding 1: A short statement"
        );
        assert!(source_name("Finding 1", &"word ".repeat(40)).ends_with('…'));
        assert_eq!(source_name("Finding 1", ""), "Finding 1");
    }
}
