//! Agencies and participants of a review.

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::{Choice, choices, key, parse_key};
use super::{Answer, Req, may, render, review_frame};
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
use casewindow_app::{AppError, CurrentUser, Permission};
use casewindow_domain::ids::{AgencyId, ParticipationId, ReviewId, UserId};
use casewindow_domain::organisation::AgencySector;
use casewindow_domain::participation::{Consent, Participation, Role};
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/agencies",
            get(agencies::<S>).post(add_agency::<S>),
        )
        .route(
            "/reviews/{id}/agencies/{agency}/publication-name",
            post(name_for_publication::<S>),
        )
        .route(
            "/reviews/{id}/agencies/{agency}/withdraw",
            post(withdraw_agency::<S>),
        )
        .route(
            "/reviews/{id}/participants",
            get(participants::<S>).post(edit::create_handler::<S, Participation>),
        )
        .route(
            "/reviews/{id}/participants/{participation}",
            get(edit::edit_form::<S, Participation>).post(edit::update_handler::<S, Participation>),
        )
        .route(
            "/reviews/{id}/participants/{participation}/withdraw",
            post(edit::withdraw_handler::<S, Participation>),
        )
        .route(
            "/reviews/{id}/participants/{participation}/letters/invitation.docx",
            get(invitation::<S>),
        )
        .route(
            "/reviews/{id}/participants/{participation}/letters/explanation.docx",
            get(explanation::<S>),
        )
}

async fn invitation<S: Store>(on: super::On<S, ParticipationId>) -> super::Answer {
    letter(on, casewindow_report::Letter::Invitation, "invitation").await
}

async fn explanation<S: Store>(on: super::On<S, ParticipationId>) -> super::Answer {
    letter(
        on,
        casewindow_report::Letter::Explanation,
        "explanatory-note",
    )
    .await
}

/// A letter to a participant, as a Word document to adapt and send.
async fn letter<S: Store>(
    on: super::On<S, ParticipationId>,
    which: casewindow_report::Letter,
    name: &str,
) -> super::Answer {
    use axum::response::IntoResponse as _;
    let (app, user, id, participation) = on.parts();
    let bytes = app
        .participant_letter(&user.actor(), id, participation, which)
        .await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.docx\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// An agency of the review as listed.
struct AgencyRow {
    id: String,
    name: String,
    sector: &'static str,
    /// What published documents call it, and whether that is its own choice or its sector's.
    published: String,
    chosen: String,
    /// "on 7 December 2026: added by mistake", when withdrawn.
    withdrawn: Option<String>,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    rows: Vec<AgencyRow>,
    sectors: Vec<Choice>,
    can_add: bool,
    /// How many of the rows are withdrawn agencies.
    withdrawn: usize,
}

async fn agencies_page<S: Store>(at: At<'_, S>, form: FormData, errors: Errors) -> Answer {
    let (app, user, id) = (at.app, at.user, at.review);
    let (_, frame) = at.frame("/agencies", "Agencies", &errors).await?;
    let rows = app
        .agencies_of(&user.actor(), id)
        .await?
        .into_iter()
        .map(|a| AgencyRow {
            withdrawn: a.withdrawn.as_ref().map(edit::withdrawn_text),
            id: a.id.to_string(),
            published: a.published_name(),
            chosen: a.publication_name.clone().unwrap_or_default(),
            name: a.name,
            sector: a.sector.label(),
        })
        .collect::<Vec<AgencyRow>>();
    render(&AgenciesPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        withdrawn: rows.iter().filter(|r| r.withdrawn.is_some()).count(),
        rows,
        sectors: choices(AgencySector::ALL, AgencySector::label),
        can_add: may(app, user, id, Permission::ManageParticipants).await,
    })
}

/// Sets what published documents call an agency; an empty name means its sector's.
async fn name_for_publication<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, agency)): Path<(ReviewId, AgencyId)>,
    form: FormData,
) -> Answer {
    match app
        .set_agency_publication_name(&user.actor(), id, agency, &form.get("publication_name"))
        .await
    {
        Ok(_) => Ok(super::edit::see_other(&format!(
            "/reviews/{id}/agencies#agency-{agency}"
        ))),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |p| p.to_owned());
            agencies_page(At::new(&app, &user, id), FormData::default(), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Withdraws an agency added by mistake, with the reason given.
async fn withdraw_agency<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, agency)): Path<(ReviewId, AgencyId)>,
    form: FormData,
) -> Answer {
    match app
        .withdraw_agency(&user.actor(), id, agency, &form.get("withdraw_reason"))
        .await
    {
        Ok(()) => Ok(super::edit::see_other(&format!("/reviews/{id}/agencies"))),
        Err(AppError::Invalid(problems)) => {
            let mut errors = Errors::none();
            for problem in &problems {
                errors.add(
                    &format!("withdraw_reason-{agency}"),
                    format!("The agency was not withdrawn: {}", problem.reason),
                );
            }
            agencies_page(At::new(&app, &user, id), FormData::default(), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn agencies<S: Store>(req: Req<S>) -> Answer {
    agencies_page(req.at(), FormData::default(), Errors::none()).await
}

async fn add_agency<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
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
    agencies_page(At::new(&app, &user, id), form, errors).await
}

/// A participant of the review as listed.
struct ParticipantRow {
    id: String,
    /// How they are referred to.
    label: String,
    role: &'static str,
    agency: String,
    /// The name of their account, or that they have none.
    account: String,
    /// "on 7 December 2026: added by mistake", when withdrawn.
    withdrawn: Option<String>,
}

#[derive(Template)]
#[template(path = "participants.html")]
struct ParticipantsPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    rows: Vec<ParticipantRow>,
    roles: Vec<Choice>,
    agencies: Vec<Choice>,
    can_add: bool,
    /// How many of the rows are withdrawn participants.
    withdrawn: usize,
}

async fn participants_page<S: Store>(at: At<'_, S>, form: FormData, errors: Errors) -> Answer {
    let (app, user, id) = (at.app, at.user, at.review);
    let (_, frame) = at.frame("/participants", "Participants", &errors).await?;
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
            ParticipantRow {
                withdrawn: p.withdrawn.as_ref().map(edit::withdrawn_text),
                id: p.id.to_string(),
                label: p.label,
                role: p.role.label(),
                agency,
                account,
            }
        })
        .collect::<Vec<ParticipantRow>>();
    render(&ParticipantsPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        withdrawn: rows.iter().filter(|r| r.withdrawn.is_some()).count(),
        rows,
        roles: choices(Role::ALL, Role::label),
        agencies: agencies
            .into_iter()
            .filter(|a| a.withdrawn.is_none())
            .map(|a| Choice::new(a.id.to_string(), a.name))
            .collect(),
        can_add: may(app, user, id, Permission::ManageParticipants).await,
    })
}

async fn participants<S: Store>(req: Req<S>) -> Answer {
    participants_page(req.at(), FormData::default(), Errors::none()).await
}

/// What the server knows of a participant's save: whose account the email given names (none
/// when no email is given; `Some(None)` when no account has it).
type AccountNamed = Option<Option<UserId>>;

impl RecordPage for Participation {
    const SECTION: &'static str = "/participants";
    const PERMISSION: Permission = Permission::ManageParticipants;
    const EDITED: &'static str = "changed the participant's role or details";
    const FORM_IS_ITS_PAGE: bool = false;

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(participant_page(at, shown))
    }
}

impl RecordForm for Participation {
    type Facts = AccountNamed;

    async fn facts<'a, S: Store>(
        at: At<'a, S>,
        form: &'a FormData,
    ) -> Result<AccountNamed, WebError> {
        let email = form.get("email").trim().to_owned();
        if email.is_empty() {
            return Ok(None);
        }
        let found = at
            .app
            .user_by_email(&at.user.actor(), at.review, &email)
            .await?;
        Ok(Some(found.map(|u| u.id)))
    }

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        Participation {
            id: ParticipationId(uuid::Uuid::new_v4()),
            review_id: review,
            user_id: None,
            label: String::new(),
            role: Role::Observer,
            agency_id: None,
            invited_on: None,
            consent: None,
            declined_on: None,
            contribution: String::new(),
            withdrawn: None,
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("label", self.label.clone());
        form.push("role", key(&self.role));
        if let Some(agency) = self.agency_id {
            form.push("agency_id", agency.to_string());
        }
        if let Some(invited) = self.invited_on {
            form.push("invited_on", invited.to_string());
        }
        if let Some(consent) = &self.consent {
            form.push("consent_given_on", consent.given_on.to_string());
            form.push("consent_terms", consent.terms.clone());
            if let Some(withdrawn) = consent.withdrawn_on {
                form.push("consent_withdrawn_on", withdrawn.to_string());
            }
        }
        if let Some(declined) = self.declined_on {
            form.push("declined_on", declined.to_string());
        }
        form.push("contribution", self.contribution.clone());
        form
    }

    /// Who may give whom which role (and that a review keeps a lead reviewer) is the
    /// application's rule: its refusal comes back as the role field's error.
    fn from_form(form: &FormData, base: &Self, account: &AccountNamed) -> Result<Self, Errors> {
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
        let user_id = match account {
            None => base.user_id,
            Some(Some(user)) => Some(*user),
            Some(None) => {
                errors.add(
                    "email",
                    "No one with a casewindow account has that email address",
                );
                None
            }
        };
        let consent = consent_from(form, base, &mut errors);
        let declined_on = declined_from(form, base, consent.as_ref(), &mut errors);
        let contribution = if form.present("contribution") {
            form.get("contribution").trim().to_owned()
        } else {
            base.contribution.clone()
        };
        let mut invited_on = base.invited_on;
        if form.present("invited_on") {
            invited_on = form.date_noting("invited_on", &mut errors);
        }
        match (role, errors.is_empty()) {
            (Some(role), true) => Ok(Participation {
                user_id,
                label,
                role,
                agency_id: form.get("agency_id").parse::<AgencyId>().ok(),
                invited_on,
                consent,
                declined_on,
                contribution,
                ..base.clone()
            }),
            _ => Err(errors),
        }
    }
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
    roles: Vec<Choice>,
    agencies: Vec<Choice>,
    withdraw: Option<edit::WithdrawView>,
}

/// The consent the form records: kept as it was when the form does not ask; none when the
/// date is cleared; the date it was given and its terms otherwise.
fn consent_from(form: &FormData, base: &Participation, errors: &mut Errors) -> Option<Consent> {
    if !form.present("consent_given_on") {
        return base.consent.clone();
    }
    let withdrawn_on = form.date_called("consent_withdrawn_on", "The date withdrawn", errors);
    let Some(given_on) = form.date_noting("consent_given_on", errors) else {
        if withdrawn_on.is_some() {
            errors.add(
                "consent_given_on",
                "Enter the date consent was given before recording its withdrawal",
            );
        }
        return None;
    };
    let terms = form.get("consent_terms").trim().to_owned();
    if terms.is_empty() {
        errors.add(
            "consent_terms",
            "Say what they agreed to: how their account will be used and kept confidential",
        );
    }
    if withdrawn_on.is_some_and(|w| w < given_on) {
        errors.add(
            "consent_withdrawn_on",
            "The date withdrawn must not be before the date consent was given",
        );
    }
    Some(Consent {
        given_on,
        terms,
        withdrawn_on,
    })
}

/// The date they declined (kept as it was when the form does not ask), noting in `errors` a
/// refusal recorded while consent stands.
fn declined_from(
    form: &FormData,
    base: &Participation,
    consent: Option<&Consent>,
    errors: &mut Errors,
) -> Option<chrono::NaiveDate> {
    if !form.present("declined_on") {
        return base.declined_on;
    }
    let declined = form.date_called("declined_on", "The date they declined", errors);
    if declined.is_some() && consent.is_some_and(|c| c.withdrawn_on.is_none()) {
        errors.add(
            "declined_on",
            "They have given consent: record its withdrawal instead, or clear the date given",
        );
    }
    declined
}

/// The participants page with its form for a new participant, or the form that changes one.
async fn participant_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, Participation>,
) -> Result<Response, WebError> {
    let (app, user, review) = (at.app, at.user, at.review);
    match shown.existing {
        Some(stored) => edit_page(app, user, review, stored, shown.form, shown.errors).await,
        None => participants_page(At::new(app, user, review), shown.form, shown.errors).await,
    }
}

/// The form that changes one participant.
async fn edit_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    stored: &Stored<Participation>,
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
    frame.breadcrumbs.push(crate::layout::Crumb::new(
        format!("/reviews/{id}/participants"),
        "Participants".to_owned(),
    ));
    let chosen = form.get("agency_id");
    let agencies = app.agencies_of(&user.actor(), id).await?;
    render(&ParticipantEditPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        participation: stored.record.id.to_string(),
        version: stored.meta.version,
        roles: choices(Role::ALL, Role::label),
        agencies: agencies
            .into_iter()
            .filter(|a| a.withdrawn.is_none() || chosen == a.id.to_string())
            .map(|a| Choice::new(a.id.to_string(), a.name))
            .collect(),
        withdraw: edit::WithdrawView::of(
            Some(stored),
            format!("/reviews/{id}/participants/{}/withdraw", stored.record.id),
            "participant",
        ),
    })
}
