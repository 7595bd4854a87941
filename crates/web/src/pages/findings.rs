//! Findings: the list, and the editor in the finding template.

use super::edit::{self, At, Page, Shown};
use super::text::{Choice, choices, key, parse_key};
use super::{Answer, On, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;
use casewindow_app::{AppError, CurrentUser};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::findings::{
    Finding, FindingStatus, GeneralityEvidence, GeneralityEvidenceKind, Polarity,
    RecurrentIssueStatus,
};
use casewindow_domain::ids::{FindingId, KpeId, RecurrentIssueId, ReviewId};
use casewindow_domain::typology::Pattern;
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/findings", get(list::<S>))
        .route(
            "/reviews/{id}/findings/new",
            get(edit::new_form::<S, Finding>).post(create::<S>),
        )
        .route(
            "/reviews/{id}/findings/{finding}",
            get(edit::edit_form::<S, Finding>).post(update::<S>),
        )
        .route(
            "/reviews/{id}/findings/{finding}/evidence",
            axum::routing::post(attach::<S>),
        )
        .route(
            "/reviews/{id}/findings/suggestions",
            axum::routing::post(suggestions_json::<S>),
        )
}

/// The pattern library's suggestion as JSON, for scripts and the page's own enhancements
/// (a POST with the form's CSRF token and `text`; nothing is saved).
async fn suggestions_json<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    use axum::response::IntoResponse as _;
    match app
        .suggest_for_finding(&user.actor(), id, &form.get("text"))
        .await
    {
        Ok(s) => Ok(axum::Json(s.to_json())
        .into_response()),
        Err(AppError::Invalid(problems)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(serde_json::json!({
                "errors": problems.iter().map(|p| serde_json::json!({"field": if p.path == "statement" { "text" } else { p.path.as_str() }, "message": p.reason})).collect::<Vec<_>>()
            })),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

/// Attaches a finding from another review as generality evidence.
async fn attach<S: Store>(on: On<S, FindingId>, form: FormData) -> Answer {
    let (app, user, id, finding) = on.parts();
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, Finding>(&app, &user, id, finding.0).await?;
    let mut errors = Errors::none();
    let Some(source) = form.get("source").parse::<uuid::Uuid>().ok().map(FindingId) else {
        errors.add(
            "statement",
            "Choose a finding from another review to attach",
        );
        let shown = Shown::new(edit::stored_form(&stored), errors, Some(&stored));
        return suggest_page(At::new(&app, &user, id), shown, None).await;
    };
    let version = edit::version(&form).unwrap_or(0);
    let outcome = app
        .attach_generality_evidence(&user.actor(), finding, version, source)
        .await;
    let current = match outcome {
        Ok(_) => {
            return Ok(edit::see_other(&format!(
                "/reviews/{id}/findings/{finding}#evidence_kind_0"
            )));
        }
        Err(AppError::Invalid(problems)) => {
            errors = Errors::from_problems(&problems, |_| "statement".to_owned());
            stored
        }
        Err(AppError::Conflict(_)) => {
            errors.add(
                "statement",
                "Someone changed this finding after you opened it, so nothing was attached. It is shown as it is now; attach the evidence again if it is still needed.",
            );
            edit::record_in::<_, Finding>(&app, &user, id, finding.0).await?
        }
        Err(other) => return Err(other.into()),
    };
    let shown = Shown::new(edit::stored_form(&current), errors, Some(&current));
    suggest_page(At::new(&app, &user, id), shown, None).await
}

struct Row {
    href: String,
    position: u32,
    statement: String,
    pattern: String,
    polarity: &'static str,
    status: &'static str,
    missing: String,
}

#[derive(Template)]
#[template(path = "findings_list.html")]
struct ListPage {
    layout: Layout,
    id: String,
    rows: Vec<Row>,
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let (_, frame) = review_frame(&app, &user, id, "/findings", "Findings").await?;
    let findings = app.records::<Finding>(&user.actor(), id).await?;
    let testing = app.finding_testing(&user.actor(), id).await?;
    let rows = findings
        .into_iter()
        .map(|stored| {
            let finding = stored.record;
            Row {
                href: format!("/reviews/{id}/findings/{}", finding.id),
                position: finding.position,
                pattern: finding
                    .pattern
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "Not yet placed".to_owned()),
                polarity: match finding.polarity {
                    Some(Polarity::Constructive) => "Constructive",
                    Some(Polarity::Unsafe) => "Unsafe",
                    None => "Not set",
                },
                status: testing
                    .get(&finding.id)
                    .copied()
                    .unwrap_or(casewindow_domain::collaboration::Testing::Draft)
                    .label(),
                missing: casewindow_domain::findings::incompleteness(&finding).join(", "),
                statement: finding.statement,
            }
        })
        .collect();
    render(&ListPage {
        layout: frame,
        id: id.to_string(),
        rows,
    })
}

#[derive(Template)]
#[template(path = "finding_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    is_new: bool,
    patterns: Vec<PatternChoice>,
    kpes: Vec<Choice>,
    issues: Vec<Choice>,
    evidence_kinds: Vec<Choice>,
    /// How far it has been tested (from meetings and comments), for an existing finding.
    testing: Option<&'static str>,
    evidence_slots: Vec<usize>,
    suggestion: Option<SuggestionView>,
    similar: Vec<SimilarView>,
    finding_path: String,
    /// What the library suggested when the pattern was last chosen, and the choice.
    choice_note: Option<String>,
}

/// A pattern of the typology as offered on the form.
struct PatternChoice {
    value: String,
    label: String,
    hint: &'static str,
}

/// A finding from another review that likely shares this one's underlying issue.
struct SimilarView {
    source: Option<String>,
    pattern: String,
    text: Option<String>,
    review: Option<String>,
    shared_issue: Option<String>,
}

fn similar_view(s: &casewindow_app::SimilarFinding) -> SimilarView {
    SimilarView {
        source: s.id.filter(|_| s.text.is_some()).map(|id| id.to_string()),
        pattern: s.pattern.short_label().to_owned(),
        text: s.text.as_deref().map(|t| super::text::truncate(t, 360)),
        review: s.review.clone(),
        shared_issue: s.shared_issue.clone(),
    }
}

/// The pattern library's suggestion, ready to show.
struct SuggestionView {
    best: String,
    best_percent: u32,
    runner_up: Option<NextBest>,
    /// Show the first two patterns as equals: the library is not clearly sure of the first.
    unsure: bool,
    reasons: Vec<ReasonView>,
    issues: Vec<IssueView>,
    engine: String,
    library_size: usize,
}

/// The pattern the library rates next after its suggestion.
struct NextBest {
    label: String,
    percent: u32,
}

struct ReasonView {
    pattern: String,
    similarity_percent: u32,
    text: Option<String>,
    review: Option<String>,
    issue: Option<String>,
}

struct IssueView {
    label: String,
    pattern: String,
    percent: u32,
    description: String,
}

fn percent(p: f32) -> u32 {
    (p.clamp(0.0, 1.0) * 100.0).round() as u32
}

fn suggestion_view(s: &casewindow_app::FindingSuggestions) -> SuggestionView {
    let label = |p: Pattern| p.to_string();
    SuggestionView {
        best: s
            .patterns
            .first()
            .map(|(p, _)| label(*p))
            .unwrap_or_default(),
        best_percent: s.patterns.first().map_or(0, |(_, v)| percent(*v)),
        runner_up: s.patterns.get(1).map(|(p, v)| NextBest {
            label: label(*p),
            percent: percent(*v),
        }),
        unsure: s.unsure,
        reasons: s
            .reasons
            .iter()
            .map(|r| ReasonView {
                pattern: r.pattern.short_label().to_owned(),
                similarity_percent: percent(r.similarity),
                text: r.text.as_deref().map(|t| super::text::truncate(t, 320)),
                review: r.review.clone(),
                issue: r.issue.clone(),
            })
            .collect(),
        issues: s
            .issues
            .iter()
            .map(|i| IssueView {
                label: i.label.clone(),
                pattern: i.pattern.short_label().to_owned(),
                percent: percent(i.probability),
                description: i.description.clone(),
            })
            .collect(),
        engine: s.engine.clone(),
        library_size: s.library_size,
    }
}

/// What the server knows of a finding's save: the suggestion the user asked for (kept when it
/// was made, named by the form only by its run), or why the named run cannot be used.
type KeptSuggestion = Option<Result<casewindow_store::SuggestionRun, Errors>>;

impl edit::RecordPage for Finding {
    const SECTION: &'static str = "/findings";
    const PERMISSION: casewindow_app::Permission = casewindow_app::Permission::EditAnalysis;
    const EDITED: &'static str = "edited the finding";

    fn field_for(&self, path: &str) -> String {
        if let Some(rest) = path.strip_prefix("generality_evidence[") {
            let idx: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let field = if path.ends_with("reference") {
                "reference"
            } else {
                "description"
            };
            return format!("evidence_{field}_{idx}");
        }
        edit::field_from_path(path)
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(suggest_page(at, shown, None))
    }
}

impl edit::RecordForm for Finding {
    type Facts = KeptSuggestion;

    async fn facts<'a, S: Store>(
        at: At<'a, S>,
        form: &'a FormData,
    ) -> Result<KeptSuggestion, WebError> {
        let run = form.get("suggestion_run");
        match at
            .app
            .kept_suggestion(&at.user.actor(), at.review, &run)
            .await
        {
            Ok(kept) => Ok(kept.map(Ok)),
            Err(AppError::Invalid(problems)) => Ok(Some(Err(Errors::from_problems(
                &problems,
                edit::field_from_path,
            )))),
            Err(other) => Err(other.into()),
        }
    }

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        Finding {
            id: FindingId(uuid::Uuid::new_v4()),
            review_id: review,
            // The store gives a new record the next number in its review.
            position: 0,
            statement: String::new(),
            context: String::new(),
            pattern: None,
            secondary_pattern: None,
            polarity: None,
            manifestation: String::new(),
            kpe_ids: Vec::new(),
            generality_evidence: Vec::new(),
            why_it_matters: String::new(),
            questions: Vec::new(),
            priority: None,
            status: FindingStatus::Draft,
            recurrent_issue_ids: Vec::new(),
            pattern_choice: None,
        }
    }

    fn to_form(&self) -> FormData {
        to_form(self)
    }

    fn from_form(form: &FormData, base: &Self, kept: &KeptSuggestion) -> Result<Self, Errors> {
        let kept = kept.clone().transpose()?;
        let mut changed = from_form(form, base.clone())?;
        changed.pattern_choice = casewindow_app::pattern_choice(
            kept.as_ref(),
            changed.pattern,
            base.pattern_choice.clone(),
        );
        Ok(changed)
    }
}

fn to_form(finding: &Finding) -> FormData {
    let mut form = FormData::default();
    form.push("statement", finding.statement.clone());
    form.push("context", finding.context.clone());
    if let Some(pattern) = finding.pattern {
        form.push("pattern", key(&pattern));
    }
    if let Some(pattern) = finding.secondary_pattern {
        form.push("secondary_pattern", key(&pattern));
    }
    if let Some(polarity) = finding.polarity {
        form.push("polarity", key(&polarity));
    }
    form.push("manifestation", finding.manifestation.clone());
    for kpe in &finding.kpe_ids {
        form.push("kpe_ids", kpe.to_string());
    }
    for (idx, item) in finding.generality_evidence.iter().enumerate() {
        form.push(&format!("evidence_kind_{idx}"), key(&item.kind));
        form.push(
            &format!("evidence_description_{idx}"),
            item.description.clone(),
        );
        form.push(&format!("evidence_reference_{idx}"), item.reference.clone());
    }
    form.push("why_it_matters", finding.why_it_matters.clone());
    form.push("questions", finding.questions.join("\n"));
    if let Some(priority) = finding.priority {
        form.push("priority", priority.to_string());
    }
    for issue in &finding.recurrent_issue_ids {
        form.push("recurrent_issue_ids", issue.to_string());
    }
    form
}

fn evidence_count(form: &FormData) -> usize {
    (0..50)
        .take_while(|idx| {
            !form.get(&format!("evidence_kind_{idx}")).is_empty()
                || !form.get(&format!("evidence_description_{idx}")).is_empty()
        })
        .count()
}

fn from_form(form: &FormData, mut finding: Finding) -> Result<Finding, Errors> {
    let mut errors = Errors::none();
    finding.statement = form.get("statement").trim().to_owned();
    finding.context = form.get("context").trim().to_owned();
    finding.pattern = parse_key(&form.get("pattern"));
    finding.secondary_pattern = parse_key(&form.get("secondary_pattern"));
    finding.polarity = parse_key(&form.get("polarity"));
    finding.manifestation = form.get("manifestation").trim().to_owned();
    finding.kpe_ids = form
        .all("kpe_ids")
        .iter()
        .filter_map(|id| id.parse::<KpeId>().ok())
        .collect();
    finding.generality_evidence.clear();
    for idx in 0..evidence_count(form) + 1 {
        let description = form
            .get(&format!("evidence_description_{idx}"))
            .trim()
            .to_owned();
        let kind = form.get(&format!("evidence_kind_{idx}"));
        if description.is_empty() && kind.is_empty() {
            continue;
        }
        match parse_key::<GeneralityEvidenceKind>(&kind) {
            Some(kind) => finding.generality_evidence.push(GeneralityEvidence {
                kind,
                description,
                reference: form
                    .get(&format!("evidence_reference_{idx}"))
                    .trim()
                    .to_owned(),
            }),
            None => errors.add(
                &format!("evidence_kind_{idx}"),
                "Choose what kind of evidence this is",
            ),
        }
    }
    finding.why_it_matters = form.get("why_it_matters").trim().to_owned();
    finding.questions = form.lines("questions");
    finding.priority = match form.number("priority") {
        Ok(Some(n)) if (1..=255).contains(&n) => Some(n as u8),
        Ok(Some(_)) => {
            errors.add(
                "priority",
                "Priority must be a number from 1 (highest) upwards",
            );
            None
        }
        Ok(None) => None,
        Err(message) => {
            errors.add("priority", format!("Priority {message}"));
            None
        }
    };
    finding.recurrent_issue_ids = form
        .all("recurrent_issue_ids")
        .iter()
        .filter_map(|id| id.parse::<RecurrentIssueId>().ok())
        .collect();
    errors.or(finding)
}

/// What the library suggested when the pattern was last chosen, and the choice.
fn choice_note(finding: &Finding) -> Option<String> {
    finding.pattern_choice.as_ref().map(|c| {
        let verdict = if c.accepted() {
            "the reviewer took it".to_owned()
        } else {
            format!("the reviewer chose {}", c.chosen)
        };
        format!(
            "The pattern library suggested {} ({}%){}; {verdict}.",
            c.suggested,
            c.confidence_percent,
            c.runner_up
                .map(|r| format!(", then {r}"))
                .unwrap_or_default()
        )
    })
}

/// The episodes and recurrent issues a finding may be linked to (an issue no longer offered
/// stays while the form has it).
async fn link_choices<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: &FormData,
) -> Result<(Vec<Choice>, Vec<Choice>), WebError> {
    let actor = user.actor();
    let kpes = app
        .records::<KeyPracticeEpisode>(&actor, id)
        .await?
        .into_iter()
        .map(|k| {
            Choice::new(
                k.record.id.to_string(),
                format!("KPE {}: {}", k.record.position, k.record.title),
            )
        })
        .collect();
    let issues = app
        .recurrent_issues(&actor)
        .await?
        .into_iter()
        .filter(|i| {
            matches!(
                i.record.status,
                RecurrentIssueStatus::Accepted | RecurrentIssueStatus::Proposed
            ) || form.has("recurrent_issue_ids", &i.record.id.to_string())
        })
        .map(|i| {
            Choice::new(
                i.record.id.to_string(),
                format!("{}: {}", i.record.pattern.short_label(), i.record.label),
            )
        })
        .collect();
    Ok((kpes, issues))
}

/// The finding form, with the library's suggestion where one was asked for.
async fn suggest_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, Finding>,
    suggestion: Option<SuggestionView>,
) -> Result<Response, WebError> {
    let (app, user, id) = (at.app, at.user, at.review);
    let (form, errors, existing) = (shown.form, shown.errors, shown.existing);
    let finding = existing.map(|s| s.record.id);
    // "Not a one-off": findings of other reviews likely to share the issue (saved text only).
    let similar = match finding {
        Some(f) => app
            .similar_findings(&user.actor(), f, 5)
            .await?
            .iter()
            .map(similar_view)
            .collect(),
        None => Vec::new(),
    };
    let title = if finding.is_some() {
        "Edit finding"
    } else {
        "Add a finding"
    };
    let (_, frame) = at.frame("/findings", title, &errors).await?;
    let (kpes, issues) = link_choices(app, user, id, &form).await?;
    let slots = evidence_count(&form) + 1;
    let testing = match finding {
        Some(f) => app
            .finding_testing(&user.actor(), id)
            .await?
            .get(&f)
            .map(|t| t.label()),
        None => None,
    };
    render(&EditPage {
        layout: frame,
        errors,
        form,
        action: edit::form_action(&format!("/reviews/{id}/findings"), finding),
        is_new: finding.is_none(),
        patterns: Pattern::ALL
            .iter()
            .map(|p| PatternChoice {
                value: key(p),
                label: p.to_string(),
                hint: pattern_hint(*p),
            })
            .collect(),
        kpes,
        issues,
        evidence_kinds: choices(GeneralityEvidenceKind::ALL, GeneralityEvidenceKind::label),
        evidence_slots: (0..slots).collect(),
        testing,
        suggestion,
        similar,
        finding_path: finding
            .map(|f| format!("/reviews/{id}/findings/{f}"))
            .unwrap_or_default(),
        choice_note: existing.and_then(|s| choice_note(&s.record)),
    })
}

fn pattern_hint(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::Tool => {
            "Forms, recording systems, frameworks, procedures and how they shape practice."
        }
        Pattern::Management => {
            "Resources and demand, priorities, performance measures, supervision."
        }
        Pattern::MultiagencyCrisis => {
            "Noticing, referring and acting together when something urgent happens."
        }
        Pattern::MultiagencyLongterm => "Assessment, planning and shared responsibility over time.",
        Pattern::FamilyProfessional => {
            "Engagement, hostility, the child's voice, language and culture."
        }
        Pattern::Reasoning => "First impressions, revising judgements, optimism, emotional impact.",
    }
}

/// `POST …/findings/new`: asks for a suggestion, or creates the finding.
async fn create<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    if form.get("suggest") == "1" {
        super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
        return suggest(&app, &user, id, form, None).await;
    }
    edit::create::<S, Finding>(&app, &user, id, form).await
}

/// `POST …/findings/{finding}`: asks for a suggestion, or saves the edited finding.
async fn update<S: Store>(on: On<S, FindingId>, form: FormData) -> Answer {
    let (app, user, id, finding) = on.parts();
    if form.get("suggest") == "1" {
        super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
        let stored = edit::record_in::<_, Finding>(&app, &user, id, finding.0).await?;
        return suggest(&app, &user, id, form, Some(&stored)).await;
    }
    edit::update::<S, Finding>(&app, &user, id, finding.0, form).await
}

/// Shows the pattern library's suggestion for the finding as typed (its text and the episodes
/// ticked), keeping everything typed; nothing is saved.
async fn suggest<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    mut form: FormData,
    existing: Option<&Stored<Finding>>,
) -> Result<Response, WebError> {
    let draft = casewindow_app::FindingDraft {
        statement: form.get("statement"),
        context: form.get("context"),
        manifestation: form.get("manifestation"),
        evidence: (0..evidence_count(&form))
            .map(|idx| form.get(&format!("evidence_description_{idx}")))
            .collect(),
        kpes: form
            .all("kpe_ids")
            .iter()
            .filter_map(|k| k.parse::<KpeId>().ok())
            .collect(),
    };
    match app.suggest_and_keep(&user.actor(), id, &draft).await {
        Ok((s, run)) => {
            // Only the kept suggestion's id travels with the form.
            form.set("suggestion_run", run.to_string());
            let view = suggestion_view(&s);
            let shown = Shown::new(form, Errors::none(), existing);
            suggest_page(At::new(app, user, id), shown, Some(view)).await
        }
        Err(AppError::Invalid(_)) => {
            let mut errors = Errors::none();
            errors.add(
                "statement",
                "Write the finding statement first, then ask for a suggestion",
            );
            suggest_page(
                At::new(app, user, id),
                Shown::new(form, errors, existing),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
