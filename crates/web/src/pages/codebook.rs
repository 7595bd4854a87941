//! The codebook of recurrent issues: every issue by pattern with its reach, proposing a new
//! one, and (for national analysts, who curate it) accepting, rewording, merging, splitting and
//! retiring, each with a reason kept in the issue's history.

use super::{layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_app::{AppError, CurrentUser, IssueDecision};
use casewindow_domain::findings::RecurrentIssueStatus;
use casewindow_domain::ids::{FindingId, RecurrentIssueId};
use casewindow_domain::typology::Pattern;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/library/issues", get(list::<S>).post(propose::<S>))
        .route("/library/issues/{issue}", get(show::<S>).post(decide::<S>))
}

fn status_label(status: RecurrentIssueStatus) -> (&'static str, &'static str) {
    match status {
        RecurrentIssueStatus::Proposed => ("Proposed", "tag tag--yellow"),
        RecurrentIssueStatus::Accepted => ("Accepted", "tag tag--green"),
        RecurrentIssueStatus::Merged => ("Merged", "tag tag--grey"),
        RecurrentIssueStatus::Retired => ("Retired", "tag tag--grey"),
    }
}

struct IssueRow {
    id: String,
    label: String,
    code: String,
    status: &'static str,
    tag: &'static str,
    findings: usize,
    reviews: usize,
}

#[derive(Template)]
#[template(path = "codebook.html")]
struct CodebookPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    patterns: Vec<(String, Vec<IssueRow>)>,
    pattern_options: Vec<super::text::Choice>,
    may_propose: bool,
    curator: bool,
    /// How many issues an import just proposed.
    imported: Option<usize>,
}

fn crumbs() -> Vec<(String, String)> {
    vec![
        ("/".to_owned(), "Your reviews".to_owned()),
        ("/library".to_owned(), "Pattern library".to_owned()),
    ]
}

async fn list_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    form: FormData,
    errors: Errors,
    imported: Option<usize>,
) -> Result<Response, WebError> {
    let actor = user.actor();
    let issues = app.codebook(&actor).await?;
    let patterns = Pattern::ALL
        .into_iter()
        .map(|pattern| {
            let rows = issues
                .iter()
                .filter(|i| i.issue.record.pattern == pattern)
                .map(|i| {
                    let (status, tag) = status_label(i.issue.record.status);
                    IssueRow {
                        id: i.issue.record.id.to_string(),
                        label: i.issue.record.label.clone(),
                        code: i.issue.record.code.clone(),
                        status,
                        tag,
                        findings: i.findings,
                        reviews: i.reviews,
                    }
                })
                .collect();
            (pattern.to_string(), rows)
        })
        .collect();
    let mut frame = layout(user, "Recurrent issues", crumbs());
    frame.has_errors = !errors.is_empty();
    render(&CodebookPage {
        layout: frame,
        errors,
        form,
        patterns,
        pattern_options: Pattern::ALL
            .into_iter()
            .map(|p| super::text::Choice::new(p.key(), p.to_string()))
            .collect(),
        may_propose: app.may_propose_issue(&actor).await?,
        curator: app.may_curate(&actor),
        imported,
    })
}

#[derive(serde::Deserialize, Default)]
struct Imported {
    imported: Option<usize>,
}

async fn list<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(Imported { imported }): Query<Imported>,
) -> Result<Response, WebError> {
    list_page(&app, &user, FormData::default(), Errors::none(), imported).await
}

async fn propose<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Result<Response, WebError> {
    let actor = user.actor();
    if !app.may_propose_issue(&actor).await? {
        return Err(AppError::NotFound {
            what: "the codebook".to_owned(),
        }
        .into());
    }
    let mut errors = Errors::none();
    let pattern = Pattern::ALL
        .into_iter()
        .find(|p| p.key() == form.get("pattern"));
    if pattern.is_none() {
        errors.add("pattern", "Choose the pattern the issue sits under");
    }
    if form.get("label").trim().is_empty() {
        errors.add("label", "Enter a short name for the issue");
    }
    if form.get("description").trim().is_empty() {
        errors.add(
            "description",
            "Describe the underlying issue, so others can tell whether a finding shares it",
        );
    }
    if let (Some(pattern), true) = (pattern, errors.is_empty()) {
        match app
            .propose_issue(
                &actor,
                pattern,
                &form.get("label"),
                &form.get("description"),
            )
            .await
        {
            Ok(issue) => {
                return Ok(super::edit::see_other(&format!(
                    "/library/issues/{}",
                    issue.record.id
                )));
            }
            Err(AppError::Invalid(problems)) => {
                errors = Errors::from_problems(&problems, |p| p.to_owned());
            }
            Err(other) => return Err(other.into()),
        }
    }
    list_page(&app, &user, form, errors, None).await
}

struct HistoryRow {
    version: i64,
    when: String,
    status: &'static str,
    label: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "codebook_issue.html")]
struct IssuePage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    version: i64,
    label: String,
    code: String,
    pattern: String,
    description: String,
    status: &'static str,
    tag: &'static str,
    open: bool,
    proposed: bool,
    merged_into: Option<super::text::Choice>,
    findings: Vec<LinkedFinding>,
    targets: Vec<super::text::Choice>,
    history: Vec<HistoryRow>,
    curator: bool,
}

/// A finding linked to the issue: its id, its review's title and its statement.
struct LinkedFinding {
    id: String,
    review: String,
    statement: String,
}

/// A former version of the issue, from the revision that replaced it.
fn history_row(r: &casewindow_store::Revision) -> HistoryRow {
    let before: Option<casewindow_domain::findings::RecurrentIssue> =
        serde_json::from_str(&r.body).ok();
    HistoryRow {
        version: r.version,
        when: r.replaced_at.format("%-d %B %Y %H:%M").to_string(),
        status: before.as_ref().map_or("", |b| status_label(b.status).0),
        label: before.map(|b| b.label).unwrap_or_default(),
        reason: r.reason.clone(),
    }
}

async fn issue_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: RecurrentIssueId,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let actor = user.actor();
    let (issue, revisions) = app.codebook_issue(&actor, id).await?;
    let all = app.codebook(&actor).await?;
    let record = &issue.record;
    let (status, tag) = status_label(record.status);
    let open = matches!(
        record.status,
        RecurrentIssueStatus::Proposed | RecurrentIssueStatus::Accepted
    );
    // Findings the reader may read (de-identified for analysts) linked to the issue.
    let findings = app
        .library_findings(&actor)
        .await?
        .into_iter()
        .filter(|f| f.finding.recurrent_issue_ids.contains(&id))
        .map(|f| LinkedFinding {
            id: f.finding.id.to_string(),
            review: f.review_title.clone(),
            statement: f.finding.statement.clone(),
        })
        .collect();
    let targets = all
        .iter()
        .map(|i| &i.issue.record)
        .filter(|i| {
            i.id != id
                && i.pattern == record.pattern
                && matches!(
                    i.status,
                    RecurrentIssueStatus::Proposed | RecurrentIssueStatus::Accepted
                )
        })
        .map(|i| super::text::Choice::new(i.id.to_string(), i.label.clone()))
        .collect();
    let merged_into = record.merged_into.and_then(|into| {
        all.iter()
            .find(|i| i.issue.record.id == into)
            .map(|i| super::text::Choice::new(into.to_string(), i.issue.record.label.clone()))
    });
    let history = revisions.iter().map(history_row).collect();
    let mut frame = layout(user, &record.label, {
        let mut c = crumbs();
        c.push(("/library/issues".to_owned(), "Recurrent issues".to_owned()));
        c
    });
    frame.has_errors = !errors.is_empty();
    render(&IssuePage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        version: issue.meta.version,
        label: record.label.clone(),
        code: record.code.clone(),
        pattern: record.pattern.to_string(),
        description: record.description.clone(),
        status,
        tag,
        open,
        proposed: record.status == RecurrentIssueStatus::Proposed,
        merged_into,
        findings,
        targets,
        history,
        curator: app.may_curate(&actor),
    })
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<RecurrentIssueId>,
) -> Result<Response, WebError> {
    issue_page(&app, &user, id, FormData::default(), Errors::none()).await
}

async fn decide<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<RecurrentIssueId>,
    form: FormData,
) -> Result<Response, WebError> {
    let actor = user.actor();
    if !app.may_curate(&actor) {
        return Err(AppError::NotFound {
            what: "the codebook".to_owned(),
        }
        .into());
    }
    let action = form.get("action");
    let field = |name: &str| format!("{action}-{name}");
    let mut errors = Errors::none();
    let decision = match action.as_str() {
        "accept" => Some(IssueDecision::Accept),
        "retire" => Some(IssueDecision::Retire),
        "reword" => Some(IssueDecision::Reword {
            label: form.get("reword-label"),
            description: form.get("reword-description"),
        }),
        "merge" => {
            match uuid::Uuid::parse_str(&form.get("merge-into"))
                .ok()
                .map(RecurrentIssueId)
            {
                Some(into) => Some(IssueDecision::Merge { into }),
                None => {
                    errors.add("merge-into", "Choose the issue to merge this one into");
                    None
                }
            }
        }
        "split" => Some(IssueDecision::Split {
            label: form.get("split-label"),
            description: form.get("split-description"),
            findings: form
                .all("split-findings")
                .iter()
                .filter_map(|f| uuid::Uuid::parse_str(f).ok().map(FindingId))
                .collect(),
        }),
        _ => {
            errors.add("action", "Choose what to do with the issue");
            None
        }
    };
    if let Some(decision) = decision {
        let version = form.number("version").ok().flatten().unwrap_or(0);
        match app
            .decide_issue(&actor, id, version, decision, &form.get(&field("reason")))
            .await
        {
            Ok(()) => return Ok(super::edit::see_other(&format!("/library/issues/{id}"))),
            Err(AppError::Invalid(problems)) => {
                errors = Errors::from_problems(&problems, |p| match p {
                    "reason" | "status" => field("reason"),
                    "into" => "merge-into".to_owned(),
                    "findings" => "split-findings".to_owned(),
                    "label" | "description" | "code" => {
                        field(if p == "code" { "label" } else { p })
                    }
                    other => other.to_owned(),
                });
            }
            Err(AppError::Conflict(_)) => errors.add(
                &field("reason"),
                "Someone else changed this issue meanwhile: what you see now is their version; decide again",
            ),
            Err(other) => return Err(other.into()),
        }
    }
    issue_page(&app, &user, id, form, errors).await
}
