//! The partnership's response to each finding, and the action plan tracked to impact.

use super::edit::{self, Saved};
use super::text::{key, parse_key};
use super::{render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use casewindow_app::CurrentUser;
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::{ActionId, AgencyId, FindingId, ResponseId, ReviewId};
use casewindow_domain::response::{Action, ActionStatus, ImpactEvidence, PartnershipResponse};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/actions",
            get(show::<S>).post(add_action::<S>),
        )
        .route("/reviews/{id}/responses/{finding}", post(respond::<S>))
        .route("/reviews/{id}/actions/{action}", post(update_action::<S>))
}

pub(crate) fn status_tag(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Done => "tag tag--green",
        ActionStatus::AtRisk => "tag tag--red",
        ActionStatus::Dropped => "tag tag--grey",
        ActionStatus::OnTrack => "tag",
        ActionStatus::Open => "tag tag--yellow",
    }
}

struct FindingRow {
    id: String,
    position: u32,
    statement: String,
    response: String,
    agreed_on: String,
    version: i64,
}

struct ActionRow {
    id: String,
    finding: String,
    owner: String,
    description: String,
    due: String,
    status: &'static str,
    status_key: String,
    tag: &'static str,
    note: String,
    impact: Vec<(String, String)>,
    version: i64,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "actions.html")]
struct ActionsPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    findings: Vec<FindingRow>,
    actions: Vec<ActionRow>,
    finding_options: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    statuses: Vec<(String, &'static str)>,
}

async fn page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let (_, mut frame) = review_frame(app, user, id, "/actions", "Responses and actions").await?;
    frame.has_errors = !errors.is_empty();
    let actor = user.actor();
    let findings = app.records::<Finding>(&actor, id).await?;
    let responses = app.records::<PartnershipResponse>(&actor, id).await?;
    let agencies = app.agencies_of(&actor, id).await?;
    let today = app.today();
    let finding_rows = findings
        .iter()
        .map(|f| {
            let response = responses
                .iter()
                .find(|r| r.record.finding_id == f.record.id);
            FindingRow {
                id: f.record.id.to_string(),
                position: f.record.position,
                statement: f.record.statement.clone(),
                response: response
                    .map(|r| r.record.response.clone())
                    .unwrap_or_default(),
                agreed_on: response
                    .and_then(|r| r.record.agreed_on)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                version: response.map_or(0, |r| r.meta.version),
            }
        })
        .collect();
    let actions = app
        .records::<Action>(&actor, id)
        .await?
        .into_iter()
        .map(|a| {
            let version = a.meta.version;
            let a = a.record;
            ActionRow {
                id: a.id.to_string(),
                finding: a
                    .finding_id
                    .and_then(|f| findings.iter().find(|x| x.record.id == f))
                    .map(|f| format!("Finding {}", f.record.position))
                    .unwrap_or_default(),
                owner: agencies
                    .iter()
                    .find(|x| x.id == a.owner_agency_id)
                    .map_or_else(|| "Another agency".to_owned(), |x| x.name.clone()),
                due: a
                    .due_on
                    .map(|d| d.format("%-d %B %Y").to_string())
                    .unwrap_or_default(),
                overdue: a.is_overdue(today),
                status: a.status.label(),
                status_key: key(&a.status),
                tag: status_tag(a.status),
                note: a.status_note.clone(),
                impact: a
                    .impact_evidence
                    .iter()
                    .map(|i| {
                        (
                            i.recorded_on.format("%-d %B %Y").to_string(),
                            i.description.clone(),
                        )
                    })
                    .collect(),
                description: a.description,
                version,
            }
        })
        .collect();
    render(&ActionsPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        finding_options: findings
            .iter()
            .map(|f| {
                (
                    f.record.id.to_string(),
                    format!("Finding {}: {}", f.record.position, f.record.statement),
                )
            })
            .collect(),
        findings: finding_rows,
        actions,
        agencies: agencies
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| (key(s), s.label()))
            .collect(),
    })
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    page(&app, &user, id, FormData::default(), Errors::none()).await
}

async fn respond<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, finding)): Path<(ReviewId, FindingId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::RespondAndAct).await?;
    let actor = user.actor();
    let field = format!("response_{finding}");
    let mut errors = Errors::none();
    let text = form.get("response").trim().to_owned();
    if text.is_empty() {
        errors.add(&field, "Enter the partnership's response");
    }
    let agreed_on = form
        .date("agreed_on")
        .map_err(|m| errors.add(&field, format!("The date agreed {m}")))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return page(&app, &user, id, form, errors).await;
    }
    let existing = app
        .records::<PartnershipResponse>(&actor, id)
        .await?
        .into_iter()
        .find(|r| r.record.finding_id == finding);
    let response = PartnershipResponse {
        id: existing
            .as_ref()
            .map_or_else(|| ResponseId(uuid::Uuid::new_v4()), |r| r.record.id),
        review_id: id,
        finding_id: finding,
        response: text,
        agreed_on,
    };
    let version = existing.map(|_| edit::version(&form).unwrap_or(0));
    let (_, frame) = review_frame(&app, &user, id, "/actions", "Responses and actions").await?;
    let back = format!("/reviews/{id}/actions");
    match edit::save(
        &app,
        &actor,
        &frame,
        response,
        version,
        &form,
        "recorded the partnership's response",
        &back,
        |_| field.clone(),
    )
    .await?
    {
        Saved::Done(_) => Ok(edit::see_other(&back)),
        Saved::Invalid(errors) => page(&app, &user, id, form, errors).await,
        Saved::Conflict(response) => Ok(response),
    }
}

async fn add_action<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::RespondAndAct).await?;
    let mut errors = Errors::none();
    let owner = form.get("owner_agency_id").parse::<AgencyId>().ok();
    if owner.is_none() {
        errors.add("owner_agency_id", "Choose the agency that owns the action");
    }
    let description = form.get("description").trim().to_owned();
    if description.is_empty() {
        errors.add("description", "Describe the action");
    }
    let due_on = form
        .date("due_on")
        .map_err(|m| errors.add("due_on", format!("The due date {m}")))
        .ok()
        .flatten();
    let (Some(owner_agency_id), true) = (owner, errors.is_empty()) else {
        return page(&app, &user, id, form, errors).await;
    };
    let action = Action {
        id: ActionId(uuid::Uuid::new_v4()),
        review_id: id,
        finding_id: form.get("finding_id").parse().ok(),
        owner_agency_id,
        description,
        due_on,
        status: ActionStatus::Open,
        status_note: String::new(),
        impact_evidence: Vec::new(),
    };
    let (_, frame) = review_frame(&app, &user, id, "/actions", "Responses and actions").await?;
    let back = format!("/reviews/{id}/actions");
    match edit::save(
        &app,
        &user.actor(),
        &frame,
        action,
        None,
        &form,
        "",
        &back,
        edit::field_from_path,
    )
    .await?
    {
        Saved::Done(_) => Ok(edit::see_other(&back)),
        Saved::Invalid(errors) => page(&app, &user, id, form, errors).await,
        Saved::Conflict(response) => Ok(response),
    }
}

async fn update_action<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, action)): Path<(ReviewId, ActionId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::RespondAndAct).await?;
    let stored = edit::record_in::<_, Action>(&app, &user, id, action.0).await?;
    let mut changed = stored.record.clone();
    let field = format!("action_{action}");
    let mut errors = Errors::none();
    match parse_key::<ActionStatus>(&form.get("status")) {
        Some(status) => changed.status = status,
        None => errors.add(&field, "Choose the action's status"),
    }
    changed.status_note = form.get("status_note").trim().to_owned();
    let impact = form.get("impact").trim().to_owned();
    if !impact.is_empty() {
        changed.impact_evidence.push(ImpactEvidence {
            recorded_on: app.today(),
            description: impact,
        });
    }
    if !errors.is_empty() {
        return page(&app, &user, id, FormData::default(), errors).await;
    }
    let (_, frame) = review_frame(&app, &user, id, "/actions", "Responses and actions").await?;
    let back = format!("/reviews/{id}/actions");
    let version = edit::version(&form).unwrap_or(0);
    match edit::save(
        &app,
        &user.actor(),
        &frame,
        changed,
        Some(version),
        &form,
        "updated the action",
        &back,
        |_| field.clone(),
    )
    .await?
    {
        Saved::Done(_) => Ok(edit::see_other(&back)),
        Saved::Invalid(errors) => page(&app, &user, id, FormData::default(), errors).await,
        Saved::Conflict(response) => Ok(response),
    }
}
