//! Key practice episodes: the list, and each episode's page with its analysis: what happened,
//! each participant's local rationality, contributory factors, and an appraisal checked for
//! hindsight language as it is typed and when it is saved.

use super::edit::{self, At, Page, Shown};
use super::text::{Choice, choices, key, parse_key, truncate};
use super::{Answer, On, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use casewindow_app::{AppError, ChronologyView, CurrentUser, Permission};
use casewindow_domain::analysis::{
    AccountSource, Appraisal, ContributoryFactor, Direction, FactorLevel, KeyPracticeEpisode,
    LocalRationalityAccount, Rating, Valence,
};
use casewindow_domain::evidence::{
    CitationTarget, Conversation, DocumentAccess, FuzzyDate, SourceDocument,
};
use casewindow_domain::ids::{AgencyId, ConversationId, KpeId, ParticipationId, ReviewId};
use casewindow_domain::participation::Participation;
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/kpes", get(list::<S>))
        .merge(edit::form_routes::<S, KeyPracticeEpisode>(
            "/reviews/{id}/kpes",
            "kpe",
        ))
        .route("/reviews/{id}/kpes/{kpe}/accounts", post(add_account::<S>))
        .route(
            "/reviews/{id}/kpes/{kpe}/accounts/from-conversation",
            post(adopt_account::<S>),
        )
        .route("/reviews/{id}/kpes/{kpe}/factors", post(add_factor::<S>))
        .route("/reviews/{id}/kpes/{kpe}/evidence", post(add_evidence::<S>))
        .route("/reviews/{id}/kpes/{kpe}/remove", post(remove_item::<S>))
}

struct Row {
    href: String,
    position: u32,
    title: String,
    period: String,
    valence: &'static str,
    rating: &'static str,
    accounts: usize,
    factors: usize,
    flags: usize,
}

#[derive(Template)]
#[template(path = "kpes_list.html")]
struct ListPage {
    layout: Layout,
    id: String,
    rows: Vec<Row>,
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let (_, frame) = review_frame(&app, &user, id, "/kpes", "Key practice episodes").await?;
    let rows = app
        .records::<KeyPracticeEpisode>(&user.actor(), id)
        .await?
        .into_iter()
        .map(|stored| {
            let kpe = stored.record;
            Row {
                href: format!("/reviews/{id}/kpes/{}", kpe.id),
                position: kpe.position,
                period: kpe.period.map(|p| p.to_string()).unwrap_or_default(),
                valence: kpe.valence.label(),
                rating: kpe.appraisal.rating.map_or("Not appraised", Rating::label),
                accounts: kpe.local_rationality.len(),
                factors: kpe.contributory_factors.len(),
                flags: if kpe.appraisal.has_unresolved_hindsight() {
                    kpe.appraisal.hindsight_flags().len()
                } else {
                    0
                },
                title: kpe.title,
            }
        })
        .collect();
    render(&ListPage {
        layout: frame,
        id: id.to_string(),
        rows,
    })
}

/// One local-rationality account as shown.
struct AccountView {
    index: usize,
    whose: String,
    answers: Vec<AccountAnswer>,
}

/// One of the questions of a local-rationality account, and what the participant said.
struct AccountAnswer {
    question: &'static str,
    answer: String,
}

/// A participant's account a conversation holds, offered to the episode.
struct OfferedView {
    conversation: String,
    note: usize,
    /// "Health visitor 1, conversation of 2 June 2025"
    whose: String,
    episode: String,
    placed_here: bool,
    answers: Vec<AccountAnswer>,
}

/// One contributory factor as shown.
struct FactorView {
    index: usize,
    level: &'static str,
    factor: String,
    description: String,
    direction: &'static str,
}

/// Wording in the appraisal that may carry hindsight, and what to do about it.
struct FlagView {
    phrase: String,
    advice: &'static str,
}

/// One piece of cited evidence as shown.
struct EvidenceView {
    index: usize,
    cited: String,
    note: String,
}

/// A saved episode's analysis as shown: accounts, factors, hindsight flags and evidence.
#[derive(Default)]
struct Analysis {
    accounts: Vec<AccountView>,
    factors: Vec<FactorView>,
    flags: Vec<FlagView>,
    hindsight_noted: bool,
    evidence: Vec<EvidenceView>,
}

impl Analysis {
    fn of(kpe: &KeyPracticeEpisode, names: &[Participation], sources: &Sources) -> Self {
        let name_of = |pid: ParticipationId| {
            names
                .iter()
                .find(|p| p.id == pid)
                .map_or_else(|| "Unknown participant".to_owned(), |p| p.label.clone())
        };
        Self {
            accounts: (kpe.local_rationality.iter().enumerate())
                .map(|(idx, a)| account_view(idx, name_of(a.participant_id), a))
                .collect(),
            factors: (kpe.contributory_factors.iter().enumerate())
                .map(|(idx, f)| factor_view(idx, f))
                .collect(),
            flags: (kpe.appraisal.hindsight_flags().into_iter())
                .map(|f| FlagView {
                    phrase: f.phrase,
                    advice: f.advice,
                })
                .collect(),
            hindsight_noted: kpe.appraisal.hindsight_note.is_some(),
            evidence: (kpe.evidence.iter().enumerate())
                .map(|(index, c)| EvidenceView {
                    index,
                    cited: describe_citation(sources, &c.target),
                    note: c.note.clone(),
                })
                .collect(),
        }
    }
}

/// Everything the episode page shows.
#[derive(Template)]
#[template(path = "kpe_page.html")]
struct KpePage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    is_new: bool,
    base: String,
    version: i64,
    agencies: Vec<Choice>,
    participants: Vec<Choice>,
    ratings: Vec<Choice>,
    valences: Vec<Choice>,
    sources: Vec<Choice>,
    levels: Vec<Choice>,
    analysis: Analysis,
    /// Accounts the conversations hold that the episode does not yet.
    offered: Vec<OfferedView>,
    /// What may be cited: value `chronology_entry:<id>` or `source_document:<id>`.
    evidence_options: Vec<Choice>,
    /// The viewer cannot read the chronologies now (no right, or no reason given yet).
    evidence_hidden: bool,
    chronology_href: String,
}

impl edit::RecordPage for KeyPracticeEpisode {
    const SECTION: &'static str = "/kpes";
    const PERMISSION: casewindow_app::Permission = casewindow_app::Permission::EditAnalysis;
    const EDITED: &'static str = "edited the episode";

    fn field_for(&self, path: &str) -> String {
        match path {
            p if p.starts_with("appraisal.") => p
                .trim_start_matches("appraisal.")
                .split('[')
                .next()
                .unwrap_or(p)
                .to_owned(),
            p if p.starts_with("local_rationality") => "account-form".to_owned(),
            p if p.starts_with("contributory_factors") => "factor-form".to_owned(),
            p => edit::field_from_path(p),
        }
    }

    fn saved_href(&self) -> String {
        format!("/reviews/{}/kpes/{}", self.review_id, self.id)
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(page(at, shown))
    }
}

impl edit::RecordForm for KeyPracticeEpisode {
    type Facts = ();

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        KeyPracticeEpisode {
            id: KpeId(uuid::Uuid::new_v4()),
            review_id: review,
            // The store gives a new record the next number in its review.
            position: 0,
            title: String::new(),
            period: None,
            what_happened: String::new(),
            agencies: Vec::new(),
            valence: Valence::Mixed,
            local_rationality: Vec::new(),
            contributory_factors: Vec::new(),
            appraisal: Appraisal {
                rating: None,
                rationale: String::new(),
                knowable_at_the_time: String::new(),
                standards: Vec::new(),
                hindsight_note: None,
            },
            evidence: Vec::new(),
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("title", self.title.clone());
        if let Some(period) = self.period {
            form.push("period_start", period.start.to_string());
            form.push("period_end", period.end.to_string());
        }
        form.push("what_happened", self.what_happened.clone());
        for agency in &self.agencies {
            form.push("agencies", agency.to_string());
        }
        form.push("valence", key(&self.valence));
        if let Some(rating) = self.appraisal.rating {
            form.push("rating", key(&rating));
        }
        form.push("rationale", self.appraisal.rationale.clone());
        form.push(
            "knowable_at_the_time",
            self.appraisal.knowable_at_the_time.clone(),
        );
        form.push("standards", self.appraisal.standards.join("\n"));
        form.push(
            "hindsight_note",
            self.appraisal.hindsight_note.clone().unwrap_or_default(),
        );
        form
    }

    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let mut kpe = base.clone();
        let mut errors = Errors::none();
        kpe.title = form.get("title").trim().to_owned();
        let start = form.date_called("period_start", "The start date", &mut errors);
        let end = form.date_called("period_end", "The end date", &mut errors);
        kpe.period = match (start, end) {
            (Some(start), Some(end)) if end < start => {
                errors.add(
                    "period_end",
                    "The end date must be on or after the start date",
                );
                None
            }
            (Some(start), Some(end)) if start != end => Some(FuzzyDate::range(start, end)),
            (Some(day), _) | (None, Some(day)) => Some(FuzzyDate::day(day)),
            (None, None) => None,
        };
        kpe.what_happened = form.get("what_happened").trim().to_owned();
        kpe.agencies = form
            .all("agencies")
            .iter()
            .filter_map(|a| a.parse::<AgencyId>().ok())
            .collect();
        kpe.valence = parse_key(&form.get("valence")).unwrap_or(Valence::Mixed);
        let note = form.get("hindsight_note").trim().to_owned();
        kpe.appraisal = Appraisal {
            rating: parse_key(&form.get("rating")),
            rationale: form.get("rationale").trim().to_owned(),
            knowable_at_the_time: form.get("knowable_at_the_time").trim().to_owned(),
            standards: form.lines("standards"),
            hindsight_note: (!note.is_empty()).then_some(note),
        };
        errors.or(kpe)
    }
}

/// What the viewer may describe and cite evidence from: the chronologies and the document
/// register, and the conversation records (each only for those who may read it).
struct Sources {
    chronology: Option<std::sync::Arc<ChronologyView>>,
    /// Each conversation the viewer may read: `conversation:<id>` and who it was with, when.
    conversations: Vec<Choice>,
    /// Documents for the leads only that the viewer may read (the others are in `chronology`).
    leads_only: Vec<Choice>,
}

impl Sources {
    /// Reads what the viewer may read (each read audited).
    async fn read<S: Store>(
        app: &AppState<S>,
        actor: &casewindow_app::Actor,
        id: ReviewId,
        participants: &[Participation],
    ) -> Result<Self, WebError> {
        let chronology = match app.chronology(actor, id).await {
            Ok(view) => Some(view),
            Err(AppError::NotFound { .. }) | Err(AppError::ReasonNeeded { .. }) => None,
            Err(other) => return Err(other.into()),
        };
        let mut conversations = Vec::new();
        if app.may(actor, id, Permission::ViewConversations).await? {
            for c in app.records::<Conversation>(actor, id).await? {
                let with = participants
                    .iter()
                    .find(|p| p.id == c.record.participant_id)
                    .map_or("a participant", |p| p.label.as_str());
                let held = c.record.held_on.format("%-d %B %Y");
                let label = format!("Conversation with {with}, {held}");
                conversations.push(Choice::new(format!("conversation:{}", c.record.id), label));
            }
        }
        let mut leads_only = Vec::new();
        if chronology.is_some() {
            for d in app.records::<SourceDocument>(actor, id).await? {
                if d.record.access == DocumentAccess::LeadReviewers {
                    let label = format!("Document: {} (leads only)", d.record.title);
                    leads_only.push(Choice::new(
                        format!("source_document:{}", d.record.id),
                        label,
                    ));
                }
            }
        }
        Ok(Self {
            chronology,
            conversations,
            leads_only,
        })
    }

    /// Everything that may be cited.
    fn choices(&self) -> Vec<Choice> {
        let mut all = self
            .chronology
            .as_deref()
            .map(evidence_choices)
            .unwrap_or_default();
        all.extend(self.leads_only.iter().cloned());
        all.extend(self.conversations.iter().cloned());
        all
    }
}

/// What a citation points at, told from the chronologies, the document register and the
/// conversation records.
fn describe_citation(sources: &Sources, target: &CitationTarget) -> String {
    match (target, sources.chronology.as_deref()) {
        (CitationTarget::Conversation(conversation), _) => {
            let value = format!("conversation:{conversation}");
            (sources.conversations.iter())
                .find(|c| c.value == value)
                .map_or_else(
                    || "A conversation record (not shown to you here)".to_owned(),
                    |c| c.label.clone(),
                )
        }
        (CitationTarget::SourceDocument(document), _)
            if let Some(choice) = (sources.leads_only.iter())
                .find(|c| c.value == format!("source_document:{document}")) =>
        {
            choice.label.clone()
        }
        (_, None) => "Evidence in the chronologies (not shown to you here)".to_owned(),
        (_, Some(view)) => describe_in_records(view, target),
    }
}

/// A chronology entry or document, told from the chronologies and the document register.
fn describe_in_records(view: &ChronologyView, target: &CitationTarget) -> String {
    match target {
        CitationTarget::ChronologyEntry(entry) => {
            view.entries.iter().find(|e| e.id == *entry).map_or_else(
                || "A chronology entry that has since been replaced".to_owned(),
                |e| {
                    format!(
                        "{}, {}: {}",
                        e.occurred,
                        agency_name(view, e.agency_id),
                        truncate(&e.description, 200)
                    )
                },
            )
        }
        CitationTarget::SourceDocument(document) => view
            .documents
            .iter()
            .find(|d| d.id == *document)
            .map_or_else(
                || "A source document".to_owned(),
                |d| format!("Document: {}", d.title),
            ),
        CitationTarget::Conversation(_) => "A conversation record".to_owned(),
    }
}

fn agency_name(view: &ChronologyView, agency: AgencyId) -> &str {
    view.agencies
        .iter()
        .find(|a| a.id == agency)
        .map_or("Unknown agency", |a| a.name.as_str())
}

/// What may be cited: every chronology entry and document the viewer may read.
fn evidence_choices(view: &ChronologyView) -> Vec<Choice> {
    view.entries
        .iter()
        .map(|e| {
            Choice::new(
                format!("chronology_entry:{}", e.id),
                format!(
                    "{}, {}: {}",
                    e.occurred,
                    agency_name(view, e.agency_id),
                    truncate(&e.description, 80)
                ),
            )
        })
        .chain(view.documents.iter().map(|d| {
            Choice::new(
                format!("source_document:{}", d.id),
                format!("Document: {}", d.title),
            )
        }))
        .collect()
}

fn account_view(index: usize, whose: String, a: &LocalRationalityAccount) -> AccountView {
    let source = format!(
        "{}{}",
        a.source.label(),
        if a.confirmed_by_participant {
            "; confirmed by them"
        } else {
            ""
        }
    );
    let answers = [
        (
            "What they thought was happening",
            &a.what_they_thought_was_happening,
        ),
        ("What they were trying to achieve", &a.goals),
        ("What was at the front of their mind", &a.front_of_mind),
        (
            "What else was competing for attention",
            &a.competing_demands,
        ),
        ("The options they saw", &a.options_seen),
        ("How they felt", &a.emotions),
        ("Source", &source),
    ]
    .into_iter()
    .map(|(question, answer)| AccountAnswer {
        question,
        answer: answer.clone(),
    })
    .collect();
    AccountView {
        index,
        whose,
        answers,
    }
}

fn factor_view(index: usize, f: &ContributoryFactor) -> FactorView {
    FactorView {
        index,
        level: f.level.label(),
        factor: f.factor.clone(),
        description: f.description.clone(),
        direction: if f.direction == Direction::Supports {
            "Supports good practice"
        } else {
            "Hinders"
        },
    }
}

/// The episode's page: its form, and for a saved episode its accounts, factors and evidence.
async fn page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, KeyPracticeEpisode>,
) -> Result<Response, WebError> {
    let (app, user, id) = (at.app, at.user, at.review);
    let (form, errors, stored) = (shown.form, shown.errors, shown.existing);
    let title = stored.map_or_else(
        || "Add a key practice episode".to_owned(),
        |s| format!("KPE {}: {}", s.record.position, s.record.title),
    );
    let (review, frame) = at.frame("/kpes", &title, &errors).await?;
    let actor = user.actor();
    let agencies = app
        .all_agencies(&actor)
        .await?
        .into_iter()
        .filter(|a| {
            a.partnership_id == Some(review.record.partnership_id)
                || form.has("agencies", &a.id.to_string())
        })
        .filter(|a| a.withdrawn.is_none() || form.has("agencies", &a.id.to_string()))
        .map(|a| Choice::new(a.id.to_string(), a.name))
        .collect();
    let participants: Vec<Participation> = app
        .records::<Participation>(&actor, id)
        .await?
        .into_iter()
        .map(|p| p.record)
        .collect();
    // Cited evidence is described from what the viewer may read (the reads are audited);
    // others see that something is cited.
    let sources = Sources::read(app, &actor, id, &participants).await?;
    let kpe = stored.map(|s| &s.record);
    let offered = match kpe {
        Some(k) => app.offered_accounts(&actor, id, k.id).await?,
        None => Vec::new(),
    };
    let name_of = |pid: ParticipationId| {
        participants
            .iter()
            .find(|p| p.id == pid)
            .map_or_else(|| "Unknown participant".to_owned(), |p| p.label.clone())
    };
    let offered = offered
        .into_iter()
        .map(|o| OfferedView {
            conversation: o.conversation.to_string(),
            note: o.note,
            whose: format!(
                "{}, conversation of {}",
                name_of(o.participant),
                o.held_on.format("%-d %B %Y")
            ),
            episode: o.episode,
            placed_here: o.placed_here,
            answers: account_view(0, String::new(), &o.account).answers,
        })
        .collect();
    render(&KpePage {
        layout: frame,
        errors,
        form,
        action: edit::form_action(&format!("/reviews/{id}/kpes"), kpe.map(|k| k.id)),
        is_new: kpe.is_none(),
        base: kpe.map_or_else(String::new, |k| format!("/reviews/{id}/kpes/{}", k.id)),
        version: stored.map_or(0, |s| s.meta.version),
        agencies,
        participants: participants
            .iter()
            .filter(|p| p.withdrawn.is_none())
            .map(|p| {
                Choice::new(
                    p.id.to_string(),
                    format!("{} ({})", p.label, p.role.label()),
                )
            })
            .collect(),
        ratings: choices(Rating::ALL, Rating::label),
        valences: choices(Valence::ALL, Valence::label),
        sources: choices(AccountSource::ALL, AccountSource::label),
        levels: choices(FactorLevel::ALL, FactorLevel::label),
        analysis: kpe.map_or_else(Analysis::default, |k| {
            Analysis::of(k, &participants, &sources)
        }),
        offered,
        evidence_options: sources.choices(),
        evidence_hidden: sources.chronology.is_none() && sources.conversations.is_empty(),
        chronology_href: format!("/reviews/{id}/chronology"),
    })
}

/// Changes the episode as `change` says, from the version its page was opened at; where the
/// change refuses it, the page shows the episode with the fields `kept` as the user typed them.
async fn change_kpe<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    (id, kpe): (ReviewId, KpeId),
    form: &FormData,
    reason: &str,
    kept: &[&str],
    change: impl Fn(&KeyPracticeEpisode) -> Result<KeyPracticeEpisode, Errors> + Send + Sync,
) -> Result<Response, WebError> {
    let shown = |current: &Stored<KeyPracticeEpisode>| {
        let mut shown = edit::stored_form(current);
        for name in kept {
            shown.set(name, form.get(name));
        }
        shown
    };
    edit::change::<S, KeyPracticeEpisode>(app, user, id, kpe.0, form, reason, change, shown).await
}

/// The fields of the local-rationality form.
const ACCOUNT_FIELDS: [&str; 8] = [
    "participant_id",
    "what_they_thought_was_happening",
    "goals",
    "front_of_mind",
    "competing_demands",
    "options_seen",
    "emotions",
    "source",
];

/// The account the local-rationality form describes.
fn account_from(form: &FormData) -> Result<LocalRationalityAccount, Errors> {
    let mut errors = Errors::none();
    let participant = form.get("participant_id").parse::<ParticipationId>().ok();
    if participant.is_none() {
        errors.add("participant_id", "Choose whose account this is");
    }
    let thought = form
        .get("what_they_thought_was_happening")
        .trim()
        .to_owned();
    if thought.is_empty() {
        errors.add(
            "what_they_thought_was_happening",
            "Say what they thought was happening at the time",
        );
    }
    let (Some(participant_id), true) = (participant, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(LocalRationalityAccount {
        participant_id,
        what_they_thought_was_happening: thought,
        goals: form.get("goals").trim().to_owned(),
        front_of_mind: form.get("front_of_mind").trim().to_owned(),
        competing_demands: form.get("competing_demands").trim().to_owned(),
        options_seen: form.get("options_seen").trim().to_owned(),
        emotions: form.get("emotions").trim().to_owned(),
        source: parse_key(&form.get("source")).unwrap_or(AccountSource::Conversation),
        confirmed_by_participant: form.checked("confirmed_by_participant"),
    })
}

async fn add_account<S: Store>(on: On<S, KpeId>, form: FormData) -> Answer {
    let (app, user, id, kpe) = on.parts();
    let ids = (id, kpe);
    let reason = "added a local-rationality account";
    change_kpe(&app, &user, ids, &form, reason, &ACCOUNT_FIELDS, |kpe| {
        let mut changed = kpe.clone();
        changed.local_rationality.push(account_from(&form)?);
        Ok(changed)
    })
    .await
}

/// Takes a participant's account from their conversation into the episode: the server reads
/// it from the conversation (the form names only which one).
async fn adopt_account<S: Store>(on: On<S, KpeId>, form: FormData) -> Answer {
    let (app, user, id, kpe) = on.parts();
    let (Ok(conversation), Ok(note)) = (
        form.get("conversation").parse::<ConversationId>(),
        form.get("note").parse::<usize>(),
    ) else {
        return Err(WebError::BadRequest);
    };
    let account = app
        .account_from_conversation(&user.actor(), id, conversation, note)
        .await?;
    let reason = "added a local-rationality account from the participant's conversation";
    change_kpe(&app, &user, (id, kpe), &form, reason, &[], |kpe| {
        let mut changed = kpe.clone();
        if changed.local_rationality.contains(&account) {
            let mut errors = Errors::none();
            errors.add("account-form", "The episode already holds that account");
            return Err(errors);
        }
        changed.local_rationality.push(account.clone());
        Ok(changed)
    })
    .await
}

/// The fields of the contributory-factor form.
const FACTOR_FIELDS: [&str; 4] = ["level", "factor", "factor_description", "direction"];

/// The factor the contributory-factor form describes.
fn factor_from(form: &FormData) -> Result<ContributoryFactor, Errors> {
    let mut errors = Errors::none();
    let level = parse_key::<FactorLevel>(&form.get("level"));
    if level.is_none() {
        errors.add("level", "Choose the level the factor sits at");
    }
    let factor = form.get("factor").trim().to_owned();
    if factor.is_empty() {
        errors.add("factor", "Name the factor, for example workload");
    }
    let description = form.get("factor_description").trim().to_owned();
    if description.is_empty() {
        errors.add("factor_description", "Describe how the factor played out");
    }
    let direction = parse_key::<Direction>(&form.get("direction"));
    if direction.is_none() {
        errors.add(
            "direction",
            "Choose whether the factor supported or hindered practice",
        );
    }
    match (level, direction, errors.is_empty()) {
        (Some(level), Some(direction), true) => Ok(ContributoryFactor {
            level,
            factor,
            description,
            direction,
        }),
        _ => Err(errors),
    }
}

async fn add_factor<S: Store>(on: On<S, KpeId>, form: FormData) -> Answer {
    let (app, user, id, kpe) = on.parts();
    let ids = (id, kpe);
    let reason = "added a contributory factor";
    change_kpe(&app, &user, ids, &form, reason, &FACTOR_FIELDS, |kpe| {
        let mut changed = kpe.clone();
        changed.contributory_factors.push(factor_from(&form)?);
        Ok(changed)
    })
    .await
}

/// Cites a chronology entry or a document as evidence for the episode (once).
async fn add_evidence<S: Store>(on: On<S, KpeId>, form: FormData) -> Answer {
    let (app, user, id, kpe) = on.parts();
    let ids = (id, kpe);
    let kept = ["cite", "evidence_note"];
    change_kpe(&app, &user, ids, &form, "cited evidence", &kept, |kpe| {
        let Some(mut citation) = super::narrative::parse_citation(&form.get("cite")) else {
            let mut errors = Errors::none();
            errors.add("cite", "Choose the chronology entry or document to cite");
            return Err(errors);
        };
        citation.note = form.get("evidence_note").trim().to_owned();
        let mut changed = kpe.clone();
        if !changed.evidence.iter().any(|c| c.target == citation.target) {
            changed.evidence.push(citation);
        }
        Ok(changed)
    })
    .await
}

/// Removes one account, factor or piece of evidence, named by its kind and place.
async fn remove_item<S: Store>(on: On<S, KpeId>, form: FormData) -> Answer {
    let (app, user, id, kpe) = on.parts();
    let ids = (id, kpe);
    let index = form.index("index").ok_or(WebError::NotFound)?;
    let (what, reason) = match form.get("what").as_str() {
        "account" => ("account", "removed a local-rationality account"),
        "factor" => ("factor", "removed a contributory factor"),
        "evidence" => ("evidence", "removed cited evidence"),
        _ => return Err(WebError::NotFound),
    };
    change_kpe(&app, &user, ids, &form, reason, &[], |kpe| {
        let mut changed = kpe.clone();
        let (len, remove): (usize, fn(&mut KeyPracticeEpisode, usize)) = match what {
            "account" => (changed.local_rationality.len(), |k, i| {
                k.local_rationality.remove(i);
            }),
            "factor" => (changed.contributory_factors.len(), |k, i| {
                k.contributory_factors.remove(i);
            }),
            _ => (changed.evidence.len(), |k, i| {
                k.evidence.remove(i);
            }),
        };
        if index >= len {
            let mut errors = Errors::none();
            errors.add("title", "That item was already removed");
            return Err(errors);
        }
        remove(&mut changed, index);
        Ok(changed)
    })
    .await
}
