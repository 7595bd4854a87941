//! Meetings of the review team and the case group: who came, what was discussed and agreed,
//! notes, actions, and the disagreement log (who holds which view, how it ended, where the
//! report records it). Every change goes through the one record flow (`edit`).

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::{Choice, choices, key, parse_key, truncate};
use super::{Answer, On, Req, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use casewindow_app::Permission;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::collaboration::{
    Disagreement, DisagreementStatus, ItemOutcome, Meeting, MeetingAction, MeetingItem,
    MeetingKind, Topic, View,
};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::{MeetingId, ParticipationId, ReviewId};
use casewindow_domain::participation::Participation;
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/meetings", get(list::<S>))
        .merge(edit::form_routes::<S, Meeting>(
            "/reviews/{id}/meetings",
            "meeting",
        ))
        .route(
            "/reviews/{id}/meetings/{meeting}/actions",
            post(add_action::<S>),
        )
        .route(
            "/reviews/{id}/meetings/{meeting}/actions/done",
            post(action_done::<S>),
        )
        .route(
            "/reviews/{id}/meetings/{meeting}/disagreements",
            post(add_disagreement::<S>),
        )
        .route(
            "/reviews/{id}/meetings/{meeting}/disagreements/settle",
            post(settle_disagreement::<S>),
        )
}

fn topic_value(topic: Topic) -> String {
    match topic {
        Topic::Kpe(id) => format!("kpe:{id}"),
        Topic::Finding(id) => format!("finding:{id}"),
        Topic::Chronology => "chronology".to_owned(),
    }
}

fn parse_topic(value: &str) -> Option<Topic> {
    if value == "chronology" {
        return Some(Topic::Chronology);
    }
    let (kind, id) = value.split_once(':')?;
    match kind {
        "kpe" => Some(Topic::Kpe(id.parse().ok()?)),
        "finding" => Some(Topic::Finding(id.parse().ok()?)),
        _ => None,
    }
}

/// What a meeting can discuss and who can attend, from the review's records.
struct Context {
    topics: Vec<Choice>,
    people: Vec<Choice>,
}

impl Context {
    async fn load<S: Store>(at: &At<'_, S>) -> Result<Self, WebError> {
        let actor = at.user.actor();
        let mut topics = vec![Choice::new("chronology", "The multi-agency chronology")];
        for kpe in at
            .app
            .records::<KeyPracticeEpisode>(&actor, at.review)
            .await?
        {
            let k = kpe.record;
            topics.push(Choice::new(
                topic_value(Topic::Kpe(k.id)),
                format!("Key practice episode {}: {}", k.position, k.title),
            ));
        }
        for finding in at.app.records::<Finding>(&actor, at.review).await? {
            let f = finding.record;
            topics.push(Choice::new(
                topic_value(Topic::Finding(f.id)),
                format!("Finding {}: {}", f.position, truncate(&f.statement, 100)),
            ));
        }
        let people = at
            .app
            .records::<Participation>(&actor, at.review)
            .await?
            .into_iter()
            .map(|p| {
                let p = p.record;
                let role = p.role.label();
                let label = if p.label.eq_ignore_ascii_case(role) {
                    p.label
                } else {
                    format!("{} ({role})", p.label)
                };
                Choice::new(p.id, label)
            })
            .collect();
        Ok(Self { topics, people })
    }

    fn topic(&self, topic: Topic) -> String {
        let value = topic_value(topic);
        self.topics.iter().find(|c| c.value == value).map_or_else(
            || "A record no longer there".to_owned(),
            |c| c.label.clone(),
        )
    }

    fn person(&self, id: ParticipationId) -> String {
        let value = id.to_string();
        self.people
            .iter()
            .find(|c| c.value == value)
            .map_or_else(|| "A former participant".to_owned(), |c| c.label.clone())
    }
}

/// A disagreement as the log shows it.
struct DisagreementRow {
    index: usize,
    about: String,
    views: Vec<(String, String)>,
    status: &'static str,
    open: bool,
    resolution: String,
    report_location: String,
    meeting: String,
    meeting_href: String,
}

fn disagreement_rows(meeting: &Meeting, context: &Context, href: &str) -> Vec<DisagreementRow> {
    meeting
        .disagreements
        .iter()
        .enumerate()
        .map(|(index, d)| DisagreementRow {
            index,
            about: context.topic(d.about),
            views: d
                .views
                .iter()
                .map(|v| (context.person(v.holder), v.view.clone()))
                .collect(),
            status: d.status.label(),
            open: d.status == DisagreementStatus::Open,
            resolution: d.resolution.clone(),
            report_location: d.report_location.clone(),
            meeting: format!("{}, {}", meeting.title, meeting.held_on.format("%-d %B %Y")),
            meeting_href: href.to_owned(),
        })
        .collect()
}

struct MeetingRow {
    href: String,
    title: String,
    kind: &'static str,
    held_on: String,
    attendees: Vec<String>,
    items: Vec<String>,
    notes: String,
    actions: Vec<String>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    layout: Layout,
    id: String,
    may_edit: bool,
    meetings: Vec<MeetingRow>,
    log: Vec<DisagreementRow>,
}

fn action_text(action: &MeetingAction) -> String {
    let due = action
        .due_on
        .map(|d| format!(", by {}", d.format("%-d %B %Y")))
        .unwrap_or_default();
    let done = if action.done { " (done)" } else { "" };
    format!("{} ({}{due}){done}", action.description, action.owner)
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let at = req.at();
    let (_, frame) = at.frame("/meetings", "Meetings", &Errors::none()).await?;
    let context = Context::load(&at).await?;
    let meetings = at.app.records::<Meeting>(&req.user.actor(), req.id).await?;
    let mut rows = Vec::new();
    let mut log = Vec::new();
    for stored in meetings.iter().rev() {
        let m = &stored.record;
        let href = format!("/reviews/{}/meetings/{}", req.id, m.id);
        log.extend(disagreement_rows(m, &context, &href));
        rows.push(MeetingRow {
            title: m.title.clone(),
            kind: m.kind.label(),
            held_on: m.held_on.format("%-d %B %Y").to_string(),
            attendees: m.attendees.iter().map(|p| context.person(*p)).collect(),
            items: m
                .items
                .iter()
                .map(|i| {
                    format!(
                        "{} ({})",
                        context.topic(i.topic),
                        i.outcome.label().to_lowercase()
                    )
                })
                .collect(),
            notes: m.notes.clone(),
            actions: m.actions.iter().map(action_text).collect(),
            href,
        });
    }
    render(&ListPage {
        layout: frame,
        id: req.id.to_string(),
        may_edit: super::may(at.app, at.user, at.review, Permission::EditAnalysis).await,
        meetings: rows,
        log,
    })
}

#[derive(Template)]
#[template(path = "meeting_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    base: String,
    is_new: bool,
    may_edit: bool,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    topics: Vec<Choice>,
    people: Vec<Choice>,
    /// Each action as shown, and whether it is done.
    actions: Vec<(String, bool)>,
    disagreements: Vec<DisagreementRow>,
}

async fn edit_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, Meeting>,
) -> Result<Response, WebError> {
    let (form, errors, existing) = (shown.form, shown.errors, shown.existing);
    let (_, frame) = at.frame("/meetings", "Meeting", &errors).await?;
    let context = Context::load(&at).await?;
    let base = existing
        .map(|m| format!("/reviews/{}/meetings/{}", at.review, m.record.id))
        .unwrap_or_default();
    let (actions, disagreements) = match existing {
        Some(m) => (
            m.record
                .actions
                .iter()
                .map(|a| (action_text(a), a.done))
                .collect(),
            disagreement_rows(&m.record, &context, &base),
        ),
        None => (Vec::new(), Vec::new()),
    };
    render(&EditPage {
        layout: frame,
        errors,
        form,
        action: edit::form_action(
            &format!("/reviews/{}/meetings", at.review),
            existing.map(|m| m.record.id),
        ),
        base,
        is_new: existing.is_none(),
        may_edit: super::may(at.app, at.user, at.review, Permission::EditAnalysis).await,
        kinds: choices(MeetingKind::ALL, MeetingKind::label),
        statuses: choices(DisagreementStatus::ALL, DisagreementStatus::label),
        topics: context.topics,
        people: context.people,
        actions,
        disagreements,
    })
}

impl RecordPage for Meeting {
    const SECTION: &'static str = "/meetings";
    const PERMISSION: Permission = Permission::EditAnalysis;
    const EDITED: &'static str = "changed the meeting record";

    /// Back to the meeting's own page, where its actions and disagreements are recorded.
    fn saved_href(&self) -> String {
        format!("/reviews/{}/meetings/{}", self.review_id, self.id)
    }

    fn field_for(&self, path: &str) -> String {
        let head = path.split(['.', '[']).next().unwrap_or(path);
        match head {
            "attendees" | "items" | "title" | "notes" | "kind" | "held_on" => head.to_owned(),
            "actions" => "action_description".to_owned(),
            "disagreements"
                if path.ends_with("resolution") || path.ends_with("report_location") =>
            {
                let index = path
                    .trim_start_matches("disagreements[")
                    .split(']')
                    .next()
                    .unwrap_or("0");
                let field = path.rsplit('.').next().unwrap_or("resolution");
                format!("{field}-{index}")
            }
            "disagreements" => "view".to_owned(),
            other => other.to_owned(),
        }
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(edit_page(at, shown))
    }
}

impl RecordForm for Meeting {
    type Facts = ();

    fn blank(review: ReviewId, today: chrono::NaiveDate) -> Self {
        Meeting {
            id: MeetingId(uuid::Uuid::new_v4()),
            review_id: review,
            kind: MeetingKind::Joint,
            held_on: today,
            title: String::new(),
            attendees: Vec::new(),
            items: Vec::new(),
            notes: String::new(),
            actions: Vec::new(),
            disagreements: Vec::new(),
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("kind", key(&self.kind));
        form.push("held_on", self.held_on.to_string());
        form.push("title", self.title.clone());
        for a in &self.attendees {
            form.push("attendees", a.to_string());
        }
        for item in &self.items {
            form.push("items", topic_value(item.topic));
            if item.outcome == ItemOutcome::Agreed {
                form.push("agreed", topic_value(item.topic));
            }
        }
        form.push("notes", self.notes.clone());
        form
    }

    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let mut errors = Errors::none();
        let mut meeting = base.clone();
        match parse_key::<MeetingKind>(&form.get("kind")) {
            Some(kind) => meeting.kind = kind,
            None => errors.add("kind", "Choose who met"),
        }
        match form.date("held_on") {
            Ok(Some(date)) => meeting.held_on = date,
            Ok(None) => errors.add("held_on", "Enter the date of the meeting"),
            Err(e) => errors.add("held_on", e),
        }
        meeting.title = form.get("title").trim().to_owned();
        meeting.notes = form.get("notes").trim().to_owned();
        meeting.attendees = form
            .all("attendees")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect();
        let agreed = form.all("agreed");
        meeting.items = form
            .all("items")
            .iter()
            .filter_map(|v| {
                Some(MeetingItem {
                    topic: parse_topic(v)?,
                    outcome: if agreed.contains(v) {
                        ItemOutcome::Agreed
                    } else {
                        ItemOutcome::Discussed
                    },
                })
            })
            .collect();
        errors.or(meeting)
    }
}

/// The meeting's form as it stands, with the sub-form's fields as the user sent them.
fn shown_with<'a>(
    form: &'a FormData,
    kept: &'static [&'static str],
) -> impl Fn(&Stored<Meeting>) -> FormData + Send + Sync + 'a {
    move |current| {
        let mut shown = edit::stored_form(current);
        for name in kept {
            for value in form.all(name) {
                shown.push(name, value);
            }
        }
        shown
    }
}

const ACTION_FIELDS: &[&str] = &["action_description", "action_owner", "action_due_on"];

/// Adds an action the meeting agreed.
async fn add_action<S: Store>(on: On<S, MeetingId>, form: FormData) -> Answer {
    let (app, user, id, meeting) = on.parts();
    let change = |m: &Meeting| {
        let mut errors = Errors::none();
        let description = form.get("action_description").trim().to_owned();
        if description.is_empty() {
            errors.add("action_description", "Describe the action");
        }
        let owner = form.get("action_owner").trim().to_owned();
        if owner.is_empty() {
            errors.add("action_owner", "Say who will do it");
        }
        let due_on = match form.date("action_due_on") {
            Ok(date) => date,
            Err(e) => {
                errors.add("action_due_on", e);
                None
            }
        };
        let mut changed = m.clone();
        changed.actions.push(MeetingAction {
            description,
            owner,
            due_on,
            done: false,
        });
        errors.or(changed)
    };
    let shown = shown_with(&form, ACTION_FIELDS);
    edit::change::<S, Meeting>(
        &app,
        &user,
        id,
        meeting.0,
        &form,
        "added an action",
        change,
        shown,
    )
    .await
}

/// Marks an action done.
async fn action_done<S: Store>(on: On<S, MeetingId>, form: FormData) -> Answer {
    let (app, user, id, meeting) = on.parts();
    let change = |m: &Meeting| {
        let mut changed = m.clone();
        match form
            .get("index")
            .parse::<usize>()
            .ok()
            .and_then(|i| changed.actions.get_mut(i))
        {
            Some(action) => {
                action.done = true;
                Ok(changed)
            }
            None => {
                let mut errors = Errors::none();
                errors.add(
                    "action_description",
                    "That action is not in this meeting's record",
                );
                Err(errors)
            }
        }
    };
    let shown = shown_with(&form, &[]);
    edit::change::<S, Meeting>(
        &app,
        &user,
        id,
        meeting.0,
        &form,
        "marked an action done",
        change,
        shown,
    )
    .await
}

const DISAGREEMENT_FIELDS: &[&str] = &["about", "holder", "view", "holder_2", "view_2"];

/// Records a disagreement: what it is about and who holds which view (one or two views).
async fn add_disagreement<S: Store>(on: On<S, MeetingId>, form: FormData) -> Answer {
    let (app, user, id, meeting) = on.parts();
    let change = |m: &Meeting| {
        let mut errors = Errors::none();
        let about = parse_topic(&form.get("about")).filter(|t| *t != Topic::Chronology);
        if about.is_none() {
            errors.add(
                "about",
                "Choose the KPE or finding the disagreement is about",
            );
        }
        let mut views = Vec::new();
        for (holder, view) in [("holder", "view"), ("holder_2", "view_2")] {
            let text = form.get(view).trim().to_owned();
            let who = form.get(holder).parse::<ParticipationId>().ok();
            match (who, text.is_empty()) {
                (Some(holder), false) => views.push(View { holder, view: text }),
                (None, true) if holder == "holder_2" => {}
                (None, _) => errors.add(holder, "Choose who holds this view"),
                (Some(_), true) => errors.add(view, "Write the view they hold"),
            }
        }
        let (Some(about), true) = (about, errors.is_empty()) else {
            return Err(errors);
        };
        let mut changed = m.clone();
        changed.disagreements.push(Disagreement {
            about,
            views,
            status: DisagreementStatus::Open,
            resolution: String::new(),
            report_location: String::new(),
        });
        Ok(changed)
    };
    let shown = shown_with(&form, DISAGREEMENT_FIELDS);
    edit::change::<S, Meeting>(
        &app,
        &user,
        id,
        meeting.0,
        &form,
        "recorded a disagreement",
        change,
        shown,
    )
    .await
}

const SETTLE_FIELDS: &[&str] = &["index", "status", "resolution", "report_location"];

/// Records how a disagreement ended (resolved, or stands with both views in the report).
async fn settle_disagreement<S: Store>(on: On<S, MeetingId>, form: FormData) -> Answer {
    let (app, user, id, meeting) = on.parts();
    let change = |m: &Meeting| {
        let mut errors = Errors::none();
        let index = form.get("index").parse::<usize>().ok();
        let at = index.unwrap_or(0);
        let status = parse_key::<DisagreementStatus>(&form.get("status"));
        if status.is_none() {
            errors.add(
                &format!("status-{at}"),
                "Choose where the disagreement stands",
            );
        }
        let mut changed = m.clone();
        match index.and_then(|i| changed.disagreements.get_mut(i)) {
            Some(d) => {
                if let Some(status) = status {
                    d.status = status;
                }
                d.resolution = form.get("resolution").trim().to_owned();
                d.report_location = form.get("report_location").trim().to_owned();
            }
            None => errors.add(
                &format!("status-{at}"),
                "That disagreement is not in this meeting's log",
            ),
        }
        errors.or(changed)
    };
    let shown = shown_with(&form, SETTLE_FIELDS);
    edit::change::<S, Meeting>(
        &app,
        &user,
        id,
        meeting.0,
        &form,
        "recorded how a disagreement stands",
        change,
        shown,
    )
    .await
}
