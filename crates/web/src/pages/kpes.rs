//! Key practice episodes: the list, and each episode's page with its analysis: what happened,
//! each participant's local rationality, contributory factors, and an appraisal checked for
//! hindsight language as it is typed and when it is saved.

use super::edit::{self, Saved};
use super::text::{key, parse_key, truncate};
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
use casewindow_domain::analysis::{
    AccountSource, Appraisal, ContributoryFactor, Direction, FactorLevel, KeyPracticeEpisode,
    LocalRationalityAccount, Rating, Valence,
};
use casewindow_domain::evidence::{CitationTarget, FuzzyDate};
use casewindow_domain::ids::{AgencyId, KpeId, ParticipationId, ReviewId};
use casewindow_domain::organisation::Agency;
use casewindow_domain::participation::Participation;
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/kpes", get(list::<S>))
        .route(
            "/reviews/{id}/kpes/new",
            get(new_form::<S>).post(create::<S>),
        )
        .route("/reviews/{id}/kpes/{kpe}", get(show::<S>).post(update::<S>))
        .route("/reviews/{id}/kpes/{kpe}/accounts", post(add_account::<S>))
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

async fn list<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
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

/// One local-rationality account as shown: its index, whose it is, and (question, answer) pairs.
type AccountView = (usize, String, Vec<(&'static str, String)>);

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
    agencies: Vec<(String, String)>,
    participants: Vec<(String, String)>,
    ratings: Vec<(String, &'static str)>,
    valences: Vec<(String, &'static str)>,
    sources: Vec<(String, &'static str)>,
    levels: Vec<(String, &'static str)>,
    accounts: Vec<AccountView>,
    factors: Vec<(usize, &'static str, String, String, &'static str)>,
    flags: Vec<(String, &'static str)>,
    hindsight_noted: bool,
    /// (index, what is cited, why)
    evidence: Vec<(usize, String, String)>,
    /// What may be cited: ("chronology_entry:<id>", label).
    evidence_options: Vec<(String, String)>,
    /// The viewer cannot read the chronologies now (no right, or no reason given yet).
    evidence_hidden: bool,
    chronology_href: String,
}

fn to_form(kpe: &KeyPracticeEpisode) -> FormData {
    let mut form = FormData::default();
    form.push("title", kpe.title.clone());
    if let Some(period) = kpe.period {
        form.push("period_start", period.start.to_string());
        form.push("period_end", period.end.to_string());
    }
    form.push("what_happened", kpe.what_happened.clone());
    for agency in &kpe.agencies {
        form.push("agencies", agency.to_string());
    }
    form.push("valence", key(&kpe.valence));
    if let Some(rating) = kpe.appraisal.rating {
        form.push("rating", key(&rating));
    }
    form.push("rationale", kpe.appraisal.rationale.clone());
    form.push(
        "knowable_at_the_time",
        kpe.appraisal.knowable_at_the_time.clone(),
    );
    form.push("standards", kpe.appraisal.standards.join("\n"));
    form.push(
        "hindsight_note",
        kpe.appraisal.hindsight_note.clone().unwrap_or_default(),
    );
    form
}

fn from_form(form: &FormData, mut kpe: KeyPracticeEpisode) -> Result<KeyPracticeEpisode, Errors> {
    let mut errors = Errors::none();
    kpe.title = form.get("title").trim().to_owned();
    let start = form
        .date("period_start")
        .map_err(|m| errors.add("period_start", format!("The start date {m}")))
        .ok()
        .flatten();
    let end = form
        .date("period_end")
        .map_err(|m| errors.add("period_end", format!("The end date {m}")))
        .ok()
        .flatten();
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
    if errors.is_empty() {
        Ok(kpe)
    } else {
        Err(errors)
    }
}

fn field_for(path: &str) -> String {
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

async fn page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    stored: Option<&Stored<KeyPracticeEpisode>>,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let title = stored.map_or_else(
        || "Add a key practice episode".to_owned(),
        |s| format!("KPE {}: {}", s.record.position, s.record.title),
    );
    let (review, mut frame) = review_frame(app, user, id, "/kpes", &title).await?;
    frame.has_errors = !errors.is_empty();
    let actor = user.actor();
    let agencies: Vec<Agency> = app
        .all_agencies(&actor)
        .await?
        .into_iter()
        .filter(|a| {
            a.partnership_id == Some(review.record.partnership_id)
                || form.has("agencies", &a.id.to_string())
        })
        .collect();
    let participants: Vec<Participation> = app
        .records::<Participation>(&actor, id)
        .await?
        .into_iter()
        .map(|p| p.record)
        .collect();
    let name_of = |pid: ParticipationId| {
        participants
            .iter()
            .find(|p| p.id == pid)
            .map_or_else(|| "Unknown participant".to_owned(), |p| p.label.clone())
    };
    // Cited evidence is described from the chronologies and the document register, for those
    // who may read them (the read is audited); others see that something is cited.
    let chronology = match app.chronology(&actor, id).await {
        Ok(view) => Some(view),
        Err(casewindow_app::AppError::NotFound { .. })
        | Err(casewindow_app::AppError::ReasonNeeded { .. }) => None,
        Err(other) => return Err(other.into()),
    };
    let describe = |target: &CitationTarget| -> String {
        let Some(view) = &chronology else {
            return "Evidence in the chronologies (not shown to you here)".to_owned();
        };
        match target {
            CitationTarget::ChronologyEntry(entry) => {
                view.entries.iter().find(|e| e.id == *entry).map_or_else(
                    || "A chronology entry that has since been replaced".to_owned(),
                    |e| {
                        let agency = view
                            .agencies
                            .iter()
                            .find(|a| a.id == e.agency_id)
                            .map_or("Unknown agency", |a| a.name.as_str());
                        format!(
                            "{}, {agency}: {}",
                            e.occurred,
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
    };
    let evidence = stored
        .map(|s| {
            s.record
                .evidence
                .iter()
                .enumerate()
                .map(|(idx, c)| (idx, describe(&c.target), c.note.clone()))
                .collect()
        })
        .unwrap_or_default();
    let evidence_options = chronology
        .as_ref()
        .map(|view| {
            view.entries
                .iter()
                .map(|e| {
                    let agency = view
                        .agencies
                        .iter()
                        .find(|a| a.id == e.agency_id)
                        .map_or("Unknown agency", |a| a.name.as_str());
                    (
                        format!("chronology_entry:{}", e.id),
                        format!("{}, {agency}: {}", e.occurred, truncate(&e.description, 80)),
                    )
                })
                .chain(view.documents.iter().map(|d| {
                    (
                        format!("source_document:{}", d.id),
                        format!("Document: {}", d.title),
                    )
                }))
                .collect()
        })
        .unwrap_or_default();
    let (accounts, factors, flags, noted) = match stored {
        Some(stored) => {
            let kpe = &stored.record;
            let accounts = kpe
                .local_rationality
                .iter()
                .enumerate()
                .map(|(idx, a)| {
                    (
                        idx,
                        name_of(a.participant_id),
                        vec![
                            (
                                "What they thought was happening",
                                a.what_they_thought_was_happening.clone(),
                            ),
                            ("What they were trying to achieve", a.goals.clone()),
                            (
                                "What was at the front of their mind",
                                a.front_of_mind.clone(),
                            ),
                            (
                                "What else was competing for attention",
                                a.competing_demands.clone(),
                            ),
                            ("The options they saw", a.options_seen.clone()),
                            ("How they felt", a.emotions.clone()),
                            (
                                "Source",
                                format!(
                                    "{}{}",
                                    a.source.label(),
                                    if a.confirmed_by_participant {
                                        "; confirmed by them"
                                    } else {
                                        ""
                                    }
                                ),
                            ),
                        ],
                    )
                })
                .collect();
            let factors = kpe
                .contributory_factors
                .iter()
                .enumerate()
                .map(|(idx, f)| {
                    (
                        idx,
                        f.level.label(),
                        f.factor.clone(),
                        f.description.clone(),
                        if f.direction == Direction::Supports {
                            "Supports good practice"
                        } else {
                            "Hinders"
                        },
                    )
                })
                .collect();
            let flags = kpe
                .appraisal
                .hindsight_flags()
                .into_iter()
                .map(|f| (f.phrase, f.advice))
                .collect();
            (
                accounts,
                factors,
                flags,
                kpe.appraisal.hindsight_note.is_some(),
            )
        }
        None => (Vec::new(), Vec::new(), Vec::new(), false),
    };
    render(&KpePage {
        layout: frame,
        errors,
        form,
        action: stored.map_or_else(
            || format!("/reviews/{id}/kpes/new"),
            |s| format!("/reviews/{id}/kpes/{}", s.record.id),
        ),
        is_new: stored.is_none(),
        base: stored.map_or_else(String::new, |s| {
            format!("/reviews/{id}/kpes/{}", s.record.id)
        }),
        version: stored.map_or(0, |s| s.meta.version),
        agencies: agencies
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        participants: participants
            .iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    format!("{} ({})", p.label, p.role.label()),
                )
            })
            .collect(),
        ratings: Rating::ALL.iter().map(|r| (key(r), r.label())).collect(),
        valences: Valence::ALL.iter().map(|v| (key(v), v.label())).collect(),
        sources: AccountSource::ALL
            .iter()
            .map(|s| (key(s), s.label()))
            .collect(),
        levels: FactorLevel::ALL
            .iter()
            .map(|l| (key(l), l.label()))
            .collect(),
        accounts,
        factors,
        flags,
        hindsight_noted: noted,
        evidence,
        evidence_options,
        evidence_hidden: chronology.is_none(),
        chronology_href: format!("/reviews/{id}/chronology"),
    })
}

async fn new_form<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let mut form = FormData::default();
    form.push("valence", "mixed");
    page(&app, &user, id, None, form, Errors::none()).await
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, kpe)): Path<(ReviewId, KpeId)>,
) -> Result<Response, WebError> {
    let stored = edit::record_in::<_, KeyPracticeEpisode>(&app, &user, id, kpe.0).await?;
    page(
        &app,
        &user,
        id,
        Some(&stored),
        to_form(&stored.record),
        Errors::none(),
    )
    .await
}

async fn create<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let base = KeyPracticeEpisode {
        id: KpeId(uuid::Uuid::new_v4()),
        review_id: id,
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
    };
    let kpe = match from_form(&form, base) {
        Ok(kpe) => kpe,
        Err(errors) => return page(&app, &user, id, None, form, errors).await,
    };
    let (_, frame) = review_frame(&app, &user, id, "/kpes", "Key practice episode").await?;
    let back = format!("/reviews/{id}/kpes");
    match edit::save(
        &app,
        &user.actor(),
        &frame,
        kpe,
        None,
        &form,
        "",
        &back,
        field_for,
    )
    .await?
    {
        Saved::Done(stored) => Ok(edit::see_other(&format!(
            "/reviews/{id}/kpes/{}",
            stored.record.id
        ))),
        Saved::Invalid(errors) => page(&app, &user, id, None, form, errors).await,
        Saved::Conflict(response) => Ok(response),
    }
}

/// Saves a changed episode and returns to its page (or shows the form again, or the conflict).
async fn save_kpe<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    stored: &Stored<KeyPracticeEpisode>,
    changed: KeyPracticeEpisode,
    form: &FormData,
    reason: &str,
) -> Result<Response, WebError> {
    let (_, frame) = review_frame(app, user, id, "/kpes", "Key practice episode").await?;
    let base = format!("/reviews/{id}/kpes/{}", stored.record.id);
    let version = edit::version(form).unwrap_or(0);
    match edit::save(
        app,
        &user.actor(),
        &frame,
        changed,
        Some(version),
        form,
        reason,
        &base,
        field_for,
    )
    .await?
    {
        Saved::Done(_) => Ok(edit::see_other(&base)),
        Saved::Invalid(errors) => page(app, user, id, Some(stored), form.clone(), errors).await,
        Saved::Conflict(response) => Ok(response),
    }
}

async fn update<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, kpe)): Path<(ReviewId, KpeId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, KeyPracticeEpisode>(&app, &user, id, kpe.0).await?;
    match from_form(&form, stored.record.clone()) {
        Ok(changed) => {
            save_kpe(
                &app,
                &user,
                id,
                &stored,
                changed,
                &form,
                &edit::reason(&form, "edited the episode"),
            )
            .await
        }
        Err(errors) => page(&app, &user, id, Some(&stored), form, errors).await,
    }
}

async fn add_account<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, kpe)): Path<(ReviewId, KpeId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, KeyPracticeEpisode>(&app, &user, id, kpe.0).await?;
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
        let mut shown = to_form(&stored.record);
        for name in [
            "participant_id",
            "what_they_thought_was_happening",
            "goals",
            "front_of_mind",
            "competing_demands",
            "options_seen",
            "emotions",
            "source",
        ] {
            shown.push(name, form.get(name));
        }
        return page(&app, &user, id, Some(&stored), shown, errors).await;
    };
    let mut changed = stored.record.clone();
    changed.local_rationality.push(LocalRationalityAccount {
        participant_id,
        what_they_thought_was_happening: thought,
        goals: form.get("goals").trim().to_owned(),
        front_of_mind: form.get("front_of_mind").trim().to_owned(),
        competing_demands: form.get("competing_demands").trim().to_owned(),
        options_seen: form.get("options_seen").trim().to_owned(),
        emotions: form.get("emotions").trim().to_owned(),
        source: parse_key(&form.get("source")).unwrap_or(AccountSource::Conversation),
        confirmed_by_participant: form.checked("confirmed_by_participant"),
    });
    save_kpe(
        &app,
        &user,
        id,
        &stored,
        changed,
        &form,
        "added a local-rationality account",
    )
    .await
}

async fn add_factor<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, kpe)): Path<(ReviewId, KpeId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, KeyPracticeEpisode>(&app, &user, id, kpe.0).await?;
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
    let (Some(level), Some(direction), true) = (level, direction, errors.is_empty()) else {
        let mut shown = to_form(&stored.record);
        for name in ["level", "factor", "factor_description", "direction"] {
            shown.push(name, form.get(name));
        }
        return page(&app, &user, id, Some(&stored), shown, errors).await;
    };
    let mut changed = stored.record.clone();
    changed.contributory_factors.push(ContributoryFactor {
        level,
        factor,
        description,
        direction,
    });
    save_kpe(
        &app,
        &user,
        id,
        &stored,
        changed,
        &form,
        "added a contributory factor",
    )
    .await
}

/// Cites a chronology entry or a document as evidence for the episode.
async fn add_evidence<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, kpe)): Path<(ReviewId, KpeId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, KeyPracticeEpisode>(&app, &user, id, kpe.0).await?;
    let Some(mut citation) = super::narrative::parse_citation(&form.get("cite")) else {
        let mut errors = Errors::none();
        errors.add("cite", "Choose the chronology entry or document to cite");
        let mut shown = to_form(&stored.record);
        shown.push("evidence_note", form.get("evidence_note"));
        return page(&app, &user, id, Some(&stored), shown, errors).await;
    };
    citation.note = form.get("evidence_note").trim().to_owned();
    let mut changed = stored.record.clone();
    if changed.evidence.iter().any(|c| c.target == citation.target) {
        return Ok(edit::see_other(&format!("/reviews/{id}/kpes/{kpe}")));
    }
    changed.evidence.push(citation);
    save_kpe(&app, &user, id, &stored, changed, &form, "cited evidence").await
}

async fn remove_item<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, kpe)): Path<(ReviewId, KpeId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, KeyPracticeEpisode>(&app, &user, id, kpe.0).await?;
    let index = form
        .number("index")
        .ok()
        .flatten()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(WebError::NotFound)?;
    let mut changed = stored.record.clone();
    let reason = match form.get("what").as_str() {
        "account" if index < changed.local_rationality.len() => {
            changed.local_rationality.remove(index);
            "removed a local-rationality account"
        }
        "factor" if index < changed.contributory_factors.len() => {
            changed.contributory_factors.remove(index);
            "removed a contributory factor"
        }
        "evidence" if index < changed.evidence.len() => {
            changed.evidence.remove(index);
            "removed cited evidence"
        }
        _ => return Err(WebError::NotFound),
    };
    save_kpe(&app, &user, id, &stored, changed, &form, reason).await
}
