//! The partnership's response to each finding, and the action plan tracked to impact.

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::{Choice, choices, key, parse_key};
use super::{Answer, On, Req, render};
use crate::AppState;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::routing::{get, post};
use casewindow_app::Permission;
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::{ActionId, AgencyId, FindingId, ResponseId, ReviewId};
use casewindow_domain::response::{Action, ActionStatus, ImpactEvidence, PartnershipResponse};
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/actions",
            get(show::<S>).post(edit::create_handler::<S, Action>),
        )
        .route("/reviews/{id}/responses/{finding}", post(respond::<S>))
        .route("/reviews/{id}/actions/{action}", post(update_action::<S>))
}

/// How an action stands, as shown: past its date and neither done nor dropped, it is
/// "Overdue" whatever status was last recorded (which is named beside it); otherwise its status.
pub(crate) fn standing(
    status: ActionStatus,
    overdue: bool,
) -> (&'static str, &'static str, String) {
    if overdue {
        (
            "Overdue",
            "tag tag--red",
            format!("last recorded as {}", status.label().to_lowercase()),
        )
    } else {
        (status.label(), status_tag(status), String::new())
    }
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
    impact: Vec<Impact>,
    version: i64,
    /// The status last recorded, when the action is shown as overdue instead.
    recorded: String,
}

/// Evidence of an action's impact, as recorded.
struct Impact {
    recorded_on: String,
    description: String,
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
    finding_options: Vec<Choice>,
    agencies: Vec<Choice>,
    statuses: Vec<Choice>,
}

/// An action of the plan as listed: what, whose, by when, and how it stands.
fn action_row(
    stored: Stored<Action>,
    findings: &[Stored<Finding>],
    agencies: &[casewindow_domain::organisation::Agency],
    today: chrono::NaiveDate,
) -> ActionRow {
    let a = stored.record;
    let (status, tag, recorded) = standing(a.status, a.is_overdue(today));
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
        status,
        recorded,
        status_key: key(&a.status),
        tag,
        note: a.status_note.clone(),
        impact: a
            .impact_evidence
            .iter()
            .map(|i| Impact {
                recorded_on: i.recorded_on.format("%-d %B %Y").to_string(),
                description: i.description.clone(),
            })
            .collect(),
        description: a.description,
        version: stored.meta.version,
    }
}

/// A finding with the partnership's response to it, if there is one yet.
fn finding_row(f: &Stored<Finding>, response: Option<&Stored<PartnershipResponse>>) -> FindingRow {
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
}

async fn page<S: Store>(at: At<'_, S>, form: FormData, errors: Errors) -> Answer {
    let (app, user, id) = (at.app, at.user, at.review);
    let (_, frame) = at
        .frame("/actions", "Responses and actions", &errors)
        .await?;
    let actor = user.actor();
    let findings = app.records::<Finding>(&actor, id).await?;
    let responses = app.records::<PartnershipResponse>(&actor, id).await?;
    let agencies = app.agencies_of(&actor, id).await?;
    let today = app.today();
    let finding_rows = findings
        .iter()
        .map(|f| {
            finding_row(
                f,
                responses
                    .iter()
                    .find(|r| r.record.finding_id == f.record.id),
            )
        })
        .collect();
    let actions = app
        .records::<Action>(&actor, id)
        .await?
        .into_iter()
        .map(|a| action_row(a, &findings, &agencies, today))
        .collect();
    render(&ActionsPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        finding_options: findings
            .iter()
            .map(|f| {
                Choice::new(
                    f.record.id.to_string(),
                    format!("Finding {}: {}", f.record.position, f.record.statement),
                )
            })
            .collect(),
        findings: finding_rows,
        actions,
        agencies: agencies
            .into_iter()
            .filter(|a| a.withdrawn.is_none())
            .map(|a| Choice::new(a.id.to_string(), a.name))
            .collect(),
        statuses: choices(ActionStatus::ALL, ActionStatus::label),
    })
}

async fn show<S: Store>(req: Req<S>) -> Answer {
    page(req.at(), FormData::default(), Errors::none()).await
}

impl RecordPage for PartnershipResponse {
    const SECTION: &'static str = "/actions";
    const FORM_ON_LIST: bool = true;
    const PERMISSION: Permission = Permission::RespondAndAct;
    const EDITED: &'static str = "recorded the partnership's response";

    /// Every problem shows at the finding's response form.
    fn field_for(&self, _: &str) -> String {
        format!("response_{}", self.finding_id)
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(page(at, shown.form, shown.errors))
    }
}

impl RecordForm for PartnershipResponse {
    type Facts = ();

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        PartnershipResponse {
            id: ResponseId(uuid::Uuid::new_v4()),
            review_id: review,
            finding_id: FindingId(uuid::Uuid::nil()),
            response: String::new(),
            agreed_on: None,
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("response", self.response.clone());
        if let Some(agreed) = self.agreed_on {
            form.push("agreed_on", agreed.to_string());
        }
        form
    }

    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let field = base.field_for("");
        let mut errors = Errors::none();
        let response = form.get("response").trim().to_owned();
        if response.is_empty() {
            errors.add(&field, "Enter the partnership's response");
        }
        let agreed_on = form
            .date("agreed_on")
            .map_err(|m| errors.add(&field, format!("The date agreed {m}")))
            .ok()
            .flatten();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PartnershipResponse {
            response,
            agreed_on,
            ..base.clone()
        })
    }
}

/// Records the partnership's response to a finding, or revises it.
async fn respond<S: Store>(on: On<S, FindingId>, form: FormData) -> Answer {
    let (app, user, id, finding) = on.parts();
    super::require(&app, &user, id, Permission::RespondAndAct).await?;
    let existing = app
        .records::<PartnershipResponse>(&user.actor(), id)
        .await?
        .into_iter()
        .find(|r| r.record.finding_id == finding);
    if let Some(existing) = existing {
        return edit::update::<S, PartnershipResponse>(&app, &user, id, existing.record.id.0, form)
            .await;
    }
    let base = PartnershipResponse {
        finding_id: finding,
        ..PartnershipResponse::blank(id, app.today())
    };
    match PartnershipResponse::from_form(&form, &base, &()) {
        Ok(response) => edit::create_record(&app, &user, id, form, response).await,
        Err(errors) => page(At::new(&app, &user, id), form, errors).await,
    }
}

impl RecordPage for Action {
    const SECTION: &'static str = "/actions";
    const FORM_ON_LIST: bool = true;
    const PERMISSION: Permission = Permission::RespondAndAct;
    const EDITED: &'static str = "updated the action";

    /// Problems with what the "add an action" form sets show at its fields; any other at the
    /// action's own status form.
    fn field_for(&self, path: &str) -> String {
        match path {
            "description" | "owner_agency_id" | "due_on" | "finding_id" => path.to_owned(),
            _ => format!("action_{}", self.id),
        }
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(page(at, shown.form, shown.errors))
    }
}

impl RecordForm for Action {
    type Facts = ();

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        Action {
            id: ActionId(uuid::Uuid::new_v4()),
            review_id: review,
            finding_id: None,
            owner_agency_id: AgencyId(uuid::Uuid::nil()),
            description: String::new(),
            due_on: None,
            status: ActionStatus::Open,
            status_note: String::new(),
            impact_evidence: Vec::new(),
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        if let Some(finding) = self.finding_id {
            form.push("finding_id", finding.to_string());
        }
        if !self.owner_agency_id.0.is_nil() {
            form.push("owner_agency_id", self.owner_agency_id.to_string());
        }
        form.push("description", self.description.clone());
        if let Some(due) = self.due_on {
            form.push("due_on", due.to_string());
        }
        form
    }

    /// The action the "add an action" form describes.
    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let mut errors = Errors::none();
        let owner = form.get("owner_agency_id").parse::<AgencyId>().ok();
        if owner.is_none() {
            errors.add("owner_agency_id", "Choose the agency that owns the action");
        }
        let description = form.get("description").trim().to_owned();
        if description.is_empty() {
            errors.add("description", "Describe the action");
        }
        let due_on = form.date_called("due_on", "The due date", &mut errors);
        let (Some(owner_agency_id), true) = (owner, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Action {
            finding_id: form.get("finding_id").parse().ok(),
            owner_agency_id,
            description,
            due_on,
            ..base.clone()
        })
    }
}

/// Moves an action on: its status, a note, and any evidence of impact seen.
async fn update_action<S: Store>(on: On<S, ActionId>, form: FormData) -> Answer {
    let (app, user, id, action) = on.parts();
    let today = app.today();
    let change = |current: &Action| {
        let mut changed = current.clone();
        match parse_key::<ActionStatus>(&form.get("status")) {
            Some(status) => changed.status = status,
            None => {
                let mut errors = Errors::none();
                errors.add(&format!("action_{action}"), "Choose the action's status");
                return Err(errors);
            }
        }
        changed.status_note = form.get("status_note").trim().to_owned();
        let impact = form.get("impact").trim().to_owned();
        if !impact.is_empty() {
            changed.impact_evidence.push(ImpactEvidence {
                recorded_on: today,
                description: impact,
            });
        }
        Ok(changed)
    };
    let reason = Action::EDITED;
    let shown = |_: &Stored<Action>| FormData::default();
    edit::change::<S, Action>(&app, &user, id, action.0, &form, reason, change, shown).await
}
