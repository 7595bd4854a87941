//! Agencies and participants of a review.

use super::text::{key, parse_key};
use super::{may, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_app::{AppError, CurrentUser, Permission};
use casewindow_domain::ids::{AgencyId, ParticipationId, ReviewId};
use casewindow_domain::organisation::AgencySector;
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/agencies",
            get(agencies::<S>).post(add_agency::<S>),
        )
        .route(
            "/reviews/{id}/participants",
            get(participants::<S>).post(add_participant::<S>),
        )
        .route(
            "/reviews/{id}/participants/{participation}",
            get(edit_form::<S>).post(save_participant::<S>),
        )
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    rows: Vec<(String, &'static str)>,
    sectors: Vec<(String, &'static str)>,
    can_add: bool,
}

async fn agencies_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let (_, mut frame) = review_frame(app, user, id, "/agencies", "Agencies").await?;
    frame.has_errors = !errors.is_empty();
    let rows = app
        .agencies_of(&user.actor(), id)
        .await?
        .into_iter()
        .map(|a| (a.name, a.sector.label()))
        .collect();
    render(&AgenciesPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        rows,
        sectors: AgencySector::ALL
            .iter()
            .map(|s| (key(s), s.label()))
            .collect(),
        can_add: may(app, user, id, Permission::ManageParticipants).await,
    })
}

async fn agencies<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    agencies_page(&app, &user, id, FormData::default(), Errors::none()).await
}

async fn add_agency<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(
        &app,
        &user,
        id,
        casewindow_app::Permission::ManageParticipants,
    )
    .await?;
    let mut errors = Errors::none();
    let name = form.get("name").trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Enter the agency's name");
    }
    let sector = parse_key::<AgencySector>(&form.get("sector"));
    if sector.is_none() {
        errors.add("sector", "Choose the agency's sector");
    }
    if let (Some(sector), true) = (sector, errors.is_empty()) {
        match app.create_agency(&user.actor(), id, &name, sector).await {
            Ok(_) => return Ok(super::edit::see_other(&format!("/reviews/{id}/agencies"))),
            Err(AppError::Invalid(problems)) => {
                errors = Errors::from_problems(&problems, |p| p.to_owned())
            }
            Err(other) => return Err(other.into()),
        }
    }
    agencies_page(&app, &user, id, form, errors).await
}

#[derive(Template)]
#[template(path = "participants.html")]
struct ParticipantsPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    /// (id, referred to as, role, agency, account)
    rows: Vec<(String, String, &'static str, String, String)>,
    roles: Vec<(String, &'static str)>,
    agencies: Vec<(String, String)>,
    can_add: bool,
}

async fn participants_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let (_, mut frame) = review_frame(app, user, id, "/participants", "Participants").await?;
    frame.has_errors = !errors.is_empty();
    let actor = user.actor();
    let agencies = app.agencies_of(&actor, id).await?;
    let names = app.user_names(&actor).await?;
    let rows = app
        .records::<Participation>(&actor, id)
        .await?
        .into_iter()
        .map(|p| {
            let p = p.record;
            let agency = p
                .agency_id
                .and_then(|a| agencies.iter().find(|x| x.id == a))
                .map(|a| a.name.clone())
                .unwrap_or_default();
            let account = p
                .user_id
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "No account".to_owned());
            (p.id.to_string(), p.label, p.role.label(), agency, account)
        })
        .collect();
    render(&ParticipantsPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        rows,
        roles: Role::ALL.iter().map(|r| (key(r), r.label())).collect(),
        agencies: agencies
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        can_add: may(app, user, id, Permission::ManageParticipants).await,
    })
}

async fn participants<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    participants_page(&app, &user, id, FormData::default(), Errors::none()).await
}

async fn add_participant<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(
        &app,
        &user,
        id,
        casewindow_app::Permission::ManageParticipants,
    )
    .await?;
    let mut errors = Errors::none();
    let label = form.get("label").trim().to_owned();
    if label.is_empty() {
        errors.add(
            "label",
            "Enter how the participant is referred to, for example Social worker 1",
        );
    }
    let role = parse_key::<Role>(&form.get("role"));
    if role.is_none() {
        errors.add("role", "Choose the participant's role");
    }
    let email = form.get("email").trim().to_owned();
    let user_id = if email.is_empty() {
        None
    } else {
        let found = app.user_by_email(&user.actor(), id, &email).await?;
        if found.is_none() {
            errors.add(
                "email",
                "No one with a casewindow account has that email address",
            );
        }
        found.map(|u| u.id)
    };
    let invited_on = form
        .date("invited_on")
        .map_err(|m| errors.add("invited_on", format!("The date {m}")))
        .ok()
        .flatten();
    if let (Some(role), true) = (role, errors.is_empty()) {
        let participation = Participation {
            id: ParticipationId(uuid::Uuid::new_v4()),
            review_id: id,
            user_id,
            label,
            role,
            agency_id: form.get("agency_id").parse::<AgencyId>().ok(),
            invited_on,
            consent: None,
        };
        match app
            .create_once(&user.actor(), &participation, Some(&form.get("once")))
            .await
        {
            Ok(_) => {
                return Ok(super::edit::see_other(&format!(
                    "/reviews/{id}/participants"
                )));
            }
            Err(AppError::Invalid(problems)) => {
                errors = Errors::from_problems(&problems, super::edit::field_from_path)
            }
            Err(other) => return Err(other.into()),
        }
    }
    participants_page(&app, &user, id, form, errors).await
}

#[derive(Template)]
#[template(path = "participant_edit.html")]
struct ParticipantEditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    participation: String,
    version: i64,
    roles: Vec<(String, &'static str)>,
    agencies: Vec<(String, String)>,
}

async fn edit_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    stored: &casewindow_store::Stored<Participation>,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let (_, mut frame) = review_frame(
        app,
        user,
        id,
        "/participants",
        &format!("Change {}", stored.record.label),
    )
    .await?;
    frame.has_errors = !errors.is_empty();
    frame.breadcrumbs.push((
        format!("/reviews/{id}/participants"),
        "Participants".to_owned(),
    ));
    let agencies = app.agencies_of(&user.actor(), id).await?;
    render(&ParticipantEditPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        participation: stored.record.id.to_string(),
        version: stored.meta.version,
        roles: Role::ALL.iter().map(|r| (key(r), r.label())).collect(),
        agencies: agencies
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
    })
}

async fn edit_form<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, participation)): Path<(ReviewId, ParticipationId)>,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, Permission::ManageParticipants).await?;
    let stored =
        super::edit::record_in::<_, Participation>(&app, &user, id, participation.0).await?;
    let mut form = FormData::default();
    form.push("label", stored.record.label.clone());
    form.push("role", key(&stored.record.role));
    if let Some(agency) = stored.record.agency_id {
        form.push("agency_id", agency.to_string());
    }
    edit_page(&app, &user, id, &stored, form, Errors::none()).await
}

/// Changes how a participant is referred to, their role or their agency. A review keeps at least
/// one lead reviewer with an account.
async fn save_participant<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, participation)): Path<(ReviewId, ParticipationId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, Permission::ManageParticipants).await?;
    let actor = user.actor();
    let stored =
        super::edit::record_in::<_, Participation>(&app, &user, id, participation.0).await?;
    let mut errors = Errors::none();
    let label = form.get("label").trim().to_owned();
    if label.is_empty() {
        errors.add(
            "label",
            "Enter how the participant is referred to, for example Social worker 1",
        );
    }
    // Who may give whom which role (and that a review keeps a lead reviewer) is the
    // application's rule: its refusal comes back as the role field's error.
    let role = parse_key::<Role>(&form.get("role"));
    if role.is_none() {
        errors.add("role", "Choose the participant's role");
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return edit_page(&app, &user, id, &stored, form, errors).await;
    };
    let mut changed = stored.record.clone();
    changed.label = label;
    changed.role = role;
    changed.agency_id = form.get("agency_id").parse::<AgencyId>().ok();
    let (_, frame) = review_frame(&app, &user, id, "/participants", "Participants").await?;
    let back = format!("/reviews/{id}/participants");
    let reason = super::edit::reason(&form, "changed the participant's role or details");
    let version = super::edit::version(&form).unwrap_or(stored.meta.version);
    match super::edit::save(
        &app,
        &actor,
        &frame,
        changed,
        Some(version),
        &form,
        &reason,
        &back,
        super::edit::field_from_path,
    )
    .await?
    {
        super::edit::Saved::Done(_) => Ok(super::edit::see_other(&back)),
        super::edit::Saved::Invalid(errors) => {
            edit_page(&app, &user, id, &stored, form, errors).await
        }
        super::edit::Saved::Conflict(response) => Ok(response),
    }
}
