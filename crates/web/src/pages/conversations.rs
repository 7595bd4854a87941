//! Conversations in the Appendix 3 structure, and the practitioner's own check-back page.

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::{Choice, choices, key, parse_key};
use super::{Answer, Req, render, review_frame};
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
use casewindow_app::{AppError, CheckBackReply, CurrentUser};
use casewindow_domain::analysis::{FactorLevel, KeyPracticeEpisode};
use casewindow_domain::evidence::{CheckBack, Conversation, FactorNote, MindsetNote};
use casewindow_domain::ids::{ConversationId, KpeId, ParticipationId, ReviewId};
use casewindow_domain::participation::Participation;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/conversations", get(list::<S>))
        .merge(edit::form_routes::<S, Conversation>(
            "/reviews/{id}/conversations",
            "conversation",
        ))
        .route(
            "/check-back/{conversation}",
            get(check_back::<S>).post(reply::<S>),
        )
}

fn check_back_label(check: &CheckBack) -> String {
    match check {
        CheckBack::NotSent => "Not yet sent to the participant".to_owned(),
        CheckBack::Sent { sent_on } => {
            format!("Sent on {}, awaiting reply", sent_on.format("%-d %B %Y"))
        }
        CheckBack::Confirmed { replied_on, .. } => format!(
            "Confirmed by the participant on {}",
            replied_on.format("%-d %B %Y")
        ),
        CheckBack::Amended { replied_on, .. } => format!(
            "Participant asked for changes on {}",
            replied_on.format("%-d %B %Y")
        ),
    }
}

#[derive(Template)]
#[template(path = "conversations.html")]
struct ListPage {
    layout: Layout,
    id: String,
    rows: Vec<ConversationRow>,
}

/// One conversation in the list.
struct ConversationRow {
    href: String,
    who: String,
    held_on: String,
    check_back: String,
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let (_, frame) = review_frame(&app, &user, id, "/conversations", "Conversations").await?;
    let actor = user.actor();
    let conversations = app.records::<Conversation>(&actor, id).await?;
    let participants = app.records::<Participation>(&actor, id).await?;
    let rows = conversations
        .into_iter()
        .map(|c| {
            let c = c.record;
            let who = participants
                .iter()
                .find(|p| p.record.id == c.participant_id)
                .map_or_else(String::new, |p| p.record.label.clone());
            ConversationRow {
                href: format!("/reviews/{id}/conversations/{}", c.id),
                who,
                held_on: c.held_on.format("%-d %B %Y").to_string(),
                check_back: check_back_label(&c.check_back),
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
#[template(path = "conversation_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    is_new: bool,
    check_back_link: String,
    participants: Vec<Choice>,
    kpes: Vec<Choice>,
    levels: Vec<Choice>,
    mindset_slots: Vec<usize>,
    factor_slots: Vec<usize>,
    check_states: Vec<Choice>,
}

const MINDSET_FIELDS: [(&str, &str); 7] = [
    (
        "what_they_thought_was_happening",
        "What they thought was going on",
    ),
    ("reasons_and_emotions", "Their reasons, and how they felt"),
    ("front_of_mind", "What was at the front of their mind"),
    ("other_demands", "What else was occupying them"),
    (
        "conflicting_concerns",
        "Conflicting concerns, and how they prioritised them",
    ),
    ("hoped_to_achieve", "What they hoped to achieve"),
    ("options_seen", "The options they thought they had"),
];

fn count(form: &FormData, prefix: &str) -> usize {
    (0..100)
        .take_while(|idx| !form.get(&format!("{prefix}_{idx}")).trim().is_empty())
        .count()
}

impl RecordPage for Conversation {
    const SECTION: &'static str = "/conversations";
    const PERMISSION: casewindow_app::Permission = casewindow_app::Permission::EditConversations;
    const EDITED: &'static str = "edited the conversation record";

    fn field_for(&self, path: &str) -> String {
        if let Some(rest) = path.strip_prefix("mindset[") {
            let idx: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return format!("episode_{idx}");
        }
        if let Some(rest) = path.strip_prefix("factors[") {
            let idx: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return format!("factor_{idx}");
        }
        if path.starts_with("check_back") {
            return "sent_on".to_owned();
        }
        edit::field_from_path(path)
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(edit_page(at, shown))
    }
}

impl RecordForm for Conversation {
    type Facts = ();

    fn blank(review: ReviewId, today: chrono::NaiveDate) -> Self {
        Conversation {
            id: ConversationId(uuid::Uuid::new_v4()),
            review_id: review,
            participant_id: ParticipationId(uuid::Uuid::nil()),
            held_on: today,
            reviewers_present: Vec::new(),
            introduction: "Purpose, confidentiality and the structure of the conversation explained and agreed.".to_owned(),
            overview: String::new(),
            turning_points: Vec::new(),
            mindset: Vec::new(),
            factors: Vec::new(),
            went_well: Vec::new(),
            queries: Vec::new(),
            suggested_changes: Vec::new(),
            check_back: CheckBack::NotSent,
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        if !self.participant_id.0.is_nil() {
            form.push("participant_id", self.participant_id.to_string());
        }
        form.push("held_on", self.held_on.to_string());
        for reviewer in &self.reviewers_present {
            form.push("reviewers_present", reviewer.to_string());
        }
        form.push("introduction", self.introduction.clone());
        form.push("overview", self.overview.clone());
        form.push("turning_points", self.turning_points.join("\n"));
        for (idx, note) in self.mindset.iter().enumerate() {
            form.push(&format!("episode_{idx}"), note.episode.clone());
            if let Some(kpe) = note.kpe_id {
                form.push(&format!("kpe_{idx}"), kpe.to_string());
            }
            let values = [
                &note.what_they_thought_was_happening,
                &note.reasons_and_emotions,
                &note.front_of_mind,
                &note.other_demands,
                &note.conflicting_concerns,
                &note.hoped_to_achieve,
                &note.options_seen,
            ];
            for ((name, _), value) in MINDSET_FIELDS.iter().zip(values) {
                form.push(&format!("{name}_{idx}"), value.clone());
            }
        }
        for (idx, factor) in self.factors.iter().enumerate() {
            form.push(&format!("factor_{idx}"), factor.description.clone());
            form.push(&format!("factor_level_{idx}"), key(&factor.level));
            if let Some(priority) = factor.priority {
                form.push(&format!("factor_priority_{idx}"), priority.to_string());
            }
        }
        form.push("went_well", self.went_well.join("\n"));
        form.push("queries", self.queries.join("\n"));
        form.push("suggested_changes", self.suggested_changes.join("\n"));
        match &self.check_back {
            CheckBack::NotSent => form.push("check_back", "not_sent"),
            CheckBack::Sent { sent_on }
            | CheckBack::Confirmed { sent_on, .. }
            | CheckBack::Amended { sent_on, .. } => {
                form.push("check_back", "sent");
                form.push("sent_on", sent_on.to_string());
            }
        }
        form
    }

    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let mut conversation = base.clone();
        let mut errors = Errors::none();
        match form.get("participant_id").parse::<ParticipationId>() {
            Ok(participant) => conversation.participant_id = participant,
            Err(_) => errors.add("participant_id", "Choose who the conversation was with"),
        }
        match form.date("held_on") {
            Ok(Some(date)) => conversation.held_on = date,
            Ok(None) => errors.add("held_on", "Enter the date the conversation was held"),
            Err(message) => errors.add("held_on", format!("The date {message}")),
        }
        conversation.reviewers_present = form
            .all("reviewers_present")
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect();
        conversation.introduction = form.get("introduction").trim().to_owned();
        conversation.overview = form.get("overview").trim().to_owned();
        conversation.turning_points = form.lines("turning_points");
        conversation.mindset = mindset_notes(form);
        conversation.factors = factor_notes(form, &mut errors);
        conversation.went_well = form.lines("went_well");
        conversation.queries = form.lines("queries");
        conversation.suggested_changes = form.lines("suggested_changes");
        let previous = conversation.check_back.clone();
        conversation.check_back = match form.get("check_back").as_str() {
            "sent" => match form.date("sent_on") {
                Ok(Some(sent_on)) => match previous {
                    // Keep the participant's reply when the sending date is unchanged.
                    CheckBack::Confirmed { sent_on: was, .. }
                    | CheckBack::Amended { sent_on: was, .. }
                        if was == sent_on =>
                    {
                        previous
                    }
                    _ => CheckBack::Sent { sent_on },
                },
                Ok(None) => {
                    errors.add(
                        "sent_on",
                        "Enter the date the record was sent to the participant",
                    );
                    previous
                }
                Err(message) => {
                    errors.add("sent_on", format!("The date {message}"));
                    previous
                }
            },
            _ => CheckBack::NotSent,
        };
        errors.or(conversation)
    }
}

/// The practitioner's mindset at each episode, from the form's numbered groups of fields.
fn mindset_notes(form: &FormData) -> Vec<MindsetNote> {
    (0..count(form, "episode") + 1)
        .filter(|idx| !form.get(&format!("episode_{idx}")).trim().is_empty())
        .map(|idx| {
            let get = |name: &str| form.get(&format!("{name}_{idx}")).trim().to_owned();
            MindsetNote {
                kpe_id: get("kpe").parse::<KpeId>().ok(),
                episode: get("episode"),
                what_they_thought_was_happening: get("what_they_thought_was_happening"),
                reasons_and_emotions: get("reasons_and_emotions"),
                front_of_mind: get("front_of_mind"),
                other_demands: get("other_demands"),
                conflicting_concerns: get("conflicting_concerns"),
                hoped_to_achieve: get("hoped_to_achieve"),
                options_seen: get("options_seen"),
            }
        })
        .collect()
}

/// The contributory factors the practitioner named, noting in `errors` any without a level.
fn factor_notes(form: &FormData, errors: &mut Errors) -> Vec<FactorNote> {
    let mut factors = Vec::new();
    for idx in 0..count(form, "factor") + 1 {
        let description = form.get(&format!("factor_{idx}")).trim().to_owned();
        if description.is_empty() {
            continue;
        }
        let level_field = format!("factor_level_{idx}");
        let Some(level) = parse_key::<FactorLevel>(&form.get(&level_field)) else {
            errors.add(&level_field, "Choose the level of this factor");
            continue;
        };
        let priority = form
            .number(&format!("factor_priority_{idx}"))
            .ok()
            .flatten()
            .and_then(|p| u8::try_from(p).ok());
        factors.push(FactorNote {
            level,
            description,
            priority,
        });
    }
    factors
}

/// The conversation form.
async fn edit_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, Conversation>,
) -> Result<Response, WebError> {
    let (app, user, id) = (at.app, at.user, at.review);
    let (form, errors, existing) = (shown.form, shown.errors, shown.existing);
    let existing = existing.map(|s| s.record.id);
    let title = if existing.is_some() {
        "Conversation"
    } else {
        "Record a conversation"
    };
    let (_, frame) = at.frame("/conversations", title, &errors).await?;
    let actor = user.actor();
    // A withdrawn participant is offered only to a conversation already held with them.
    let chosen = form.get("participant_id");
    let participants = app
        .records::<Participation>(&actor, id)
        .await?
        .into_iter()
        .filter(|p| p.record.withdrawn.is_none() || p.record.id.to_string() == chosen)
        .map(|p| {
            let label = format!("{} ({})", p.record.label, p.record.role.label());
            Choice::new(p.record.id.to_string(), label)
        })
        .collect();
    let kpes = app
        .records::<KeyPracticeEpisode>(&actor, id)
        .await?
        .into_iter()
        .map(|k| {
            let label = format!("KPE {}: {}", k.record.position, k.record.title);
            Choice::new(k.record.id.to_string(), label)
        })
        .collect();
    let mindset_slots = (0..count(&form, "episode") + 1).collect();
    let factor_slots = (0..count(&form, "factor") + 1).collect();
    render(&EditPage {
        layout: frame,
        errors,
        form,
        action: edit::form_action(&format!("/reviews/{id}/conversations"), existing),
        is_new: existing.is_none(),
        check_back_link: existing.map_or_else(String::new, |c| format!("/check-back/{c}")),
        participants,
        kpes,
        levels: choices(FactorLevel::ALL, FactorLevel::label),
        mindset_slots,
        factor_slots,
        check_states: vec![
            Choice::new("not_sent", "Not yet sent"),
            Choice::new("sent", "Sent to the participant"),
        ],
    })
}

#[derive(Template)]
#[template(path = "check_back.html")]
struct CheckBackPage {
    layout: Layout,
    errors: Errors,
    conversation: Conversation,
    participant: String,
    status: String,
    version: i64,
    action: String,
    is_participant: bool,
    note: String,
    mindset_labels: Vec<&'static str>,
}

async fn check_back_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ConversationId,
    errors: Errors,
    note: String,
) -> Result<Response, WebError> {
    let (stored, participant) = app.conversation_for_check_back(&user.actor(), id).await?;
    let frame = super::form_layout(user, "Check the record of your conversation", &errors);
    render(&CheckBackPage {
        layout: frame,
        errors,
        status: check_back_label(&stored.record.check_back),
        is_participant: participant.user_id == Some(user.user.id),
        participant: participant.label,
        version: stored.meta.version,
        action: format!("/check-back/{id}"),
        conversation: stored.record,
        note,
        mindset_labels: MINDSET_FIELDS.iter().map(|(_, label)| *label).collect(),
    })
}

async fn check_back<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ConversationId>,
) -> Result<Response, WebError> {
    check_back_page(&app, &user, id, Errors::none(), String::new()).await
}

async fn reply<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ConversationId>,
    form: FormData,
) -> Result<Response, WebError> {
    let note = form.get("note").trim().to_owned();
    let reply = if form.get("reply") == "confirm" {
        CheckBackReply::Confirm
    } else {
        CheckBackReply::AskForChanges { note: note.clone() }
    };
    let version = edit::version(&form).unwrap_or(0);
    let mut errors = Errors::none();
    match app
        .reply_to_check_back(&user.actor(), id, version, reply)
        .await
    {
        Ok(_) => return Ok(edit::see_other(&format!("/check-back/{id}"))),
        Err(AppError::Invalid(_)) => errors.add("note", "Say what should change in the record"),
        Err(AppError::Conflict(_)) => errors.add(
            "note",
            "The record changed since you opened it; read it again before replying",
        ),
        Err(other) => return Err(other.into()),
    }
    check_back_page(&app, &user, id, errors, note).await
}
