//! The multi-agency narrative: sections giving the view of the case from several perspectives,
//! each citing the records and conversations it rests on.

use super::edit::{self, Saved};
use super::text::truncate;
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
use axum::routing::get;
use casewindow_app::{CurrentUser, Permission};
use casewindow_domain::evidence::{
    ChronologyEntry, Citation, CitationTarget, Conversation, NarrativeSection, SourceDocument,
};
use casewindow_domain::ids::{NarrativeSectionId, ReviewId};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/narrative", get(list::<S>))
        .route(
            "/reviews/{id}/narrative/new",
            get(new_form::<S>).post(create::<S>),
        )
        .route(
            "/reviews/{id}/narrative/{section}",
            get(edit_form::<S>).post(update::<S>),
        )
}

/// Everything a section may cite: (form value, label).
async fn citables<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
) -> Result<Vec<(String, String)>, WebError> {
    let actor = user.actor();
    let mut out = Vec::new();
    // Someone who must say why before reading the chronologies, and has not yet, is offered the
    // other citations only (a refused save must not turn into the question and lose the text).
    let chronology = match app.authorize(&actor, id, Permission::ViewChronology).await {
        Ok(()) => true,
        Err(
            casewindow_app::AppError::NotFound { .. }
            | casewindow_app::AppError::ReasonNeeded { .. },
        ) => false,
        Err(other) => return Err(other.into()),
    };
    if chronology {
        for entry in app.records::<ChronologyEntry>(&actor, id).await? {
            let e = entry.record;
            out.push((
                format!("chronology_entry:{}", e.id),
                format!(
                    "Chronology, {}: {}",
                    e.occurred,
                    truncate(&e.description, 70)
                ),
            ));
        }
        for document in app.records::<SourceDocument>(&actor, id).await? {
            out.push((
                format!("source_document:{}", document.record.id),
                format!("Document: {}", document.record.title),
            ));
        }
    }
    if app.may(&actor, id, Permission::ViewConversations).await? {
        for conversation in app.records::<Conversation>(&actor, id).await? {
            out.push((
                format!("conversation:{}", conversation.record.id),
                format!(
                    "Conversation of {}",
                    conversation.record.held_on.format("%-d %B %Y")
                ),
            ));
        }
    }
    Ok(out)
}

fn citation_value(citation: &Citation) -> String {
    match citation.target {
        CitationTarget::ChronologyEntry(id) => format!("chronology_entry:{id}"),
        CitationTarget::Conversation(id) => format!("conversation:{id}"),
        CitationTarget::SourceDocument(id) => format!("source_document:{id}"),
    }
}

pub(super) fn parse_citation(value: &str) -> Option<Citation> {
    let (kind, id) = value.split_once(':')?;
    let target = match kind {
        "chronology_entry" => CitationTarget::ChronologyEntry(id.parse().ok()?),
        "conversation" => CitationTarget::Conversation(id.parse().ok()?),
        "source_document" => CitationTarget::SourceDocument(id.parse().ok()?),
        _ => return None,
    };
    Some(Citation {
        target,
        note: String::new(),
    })
}

#[derive(Template)]
#[template(path = "narrative.html")]
struct ListPage {
    layout: Layout,
    id: String,
    sections: Vec<(String, String, String, String, Vec<String>)>,
}

async fn list<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    let (_, frame) = review_frame(&app, &user, id, "/narrative", "Narrative").await?;
    let labels = citables(&app, &user, id).await?;
    let sections = app
        .records::<NarrativeSection>(&user.actor(), id)
        .await?
        .into_iter()
        .map(|s| {
            let s = s.record;
            let cites = s
                .citations
                .iter()
                .map(|c| {
                    labels
                        .iter()
                        .find(|(v, _)| *v == citation_value(c))
                        .map_or_else(|| "A record you cannot see".to_owned(), |(_, l)| l.clone())
                })
                .collect();
            (
                format!("/reviews/{id}/narrative/{}", s.id),
                s.heading,
                s.period,
                s.body,
                cites,
            )
        })
        .collect();
    render(&ListPage {
        layout: frame,
        id: id.to_string(),
        sections,
    })
}

#[derive(Template)]
#[template(path = "narrative_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    is_new: bool,
    citables: Vec<(String, String)>,
}

async fn edit_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: FormData,
    errors: Errors,
    existing: Option<NarrativeSectionId>,
) -> Result<Response, WebError> {
    let (_, mut frame) = review_frame(app, user, id, "/narrative", "Narrative section").await?;
    frame.has_errors = !errors.is_empty();
    let citables = citables(app, user, id).await?;
    render(&EditPage {
        layout: frame,
        errors,
        form,
        action: existing.map_or_else(
            || format!("/reviews/{id}/narrative/new"),
            |s| format!("/reviews/{id}/narrative/{s}"),
        ),
        is_new: existing.is_none(),
        citables,
    })
}

async fn new_form<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    edit_page(&app, &user, id, FormData::default(), Errors::none(), None).await
}

async fn edit_form<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, section)): Path<(ReviewId, NarrativeSectionId)>,
) -> Result<Response, WebError> {
    let stored = edit::record_in::<_, NarrativeSection>(&app, &user, id, section.0).await?;
    let mut form = FormData::default();
    form.push("version", stored.meta.version.to_string());
    form.push("heading", stored.record.heading.clone());
    form.push("period", stored.record.period.clone());
    form.push("body", stored.record.body.clone());
    for citation in &stored.record.citations {
        form.push("citations", citation_value(citation));
    }
    edit_page(&app, &user, id, form, Errors::none(), Some(section)).await
}

async fn create<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let base = NarrativeSection {
        id: NarrativeSectionId(uuid::Uuid::new_v4()),
        review_id: id,
        // The store gives a new record the next number in its review.
        position: 0,
        heading: String::new(),
        period: String::new(),
        perspective_agency_id: None,
        body: String::new(),
        citations: Vec::new(),
    };
    persist(app, user, id, form, base, None).await
}

async fn update<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((id, section)): Path<(ReviewId, NarrativeSectionId)>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let stored = edit::record_in::<_, NarrativeSection>(&app, &user, id, section.0).await?;
    let version = edit::version(&form).unwrap_or(0);
    persist(app, user, id, form, stored.record, Some(version)).await
}

async fn persist<S: Store>(
    app: AppState<S>,
    user: CurrentUser,
    id: ReviewId,
    form: FormData,
    mut section: NarrativeSection,
    version: Option<i64>,
) -> Result<Response, WebError> {
    let existing = version.map(|_| section.id);
    section.heading = form.get("heading").trim().to_owned();
    section.period = form.get("period").trim().to_owned();
    section.body = form.get("body").trim().to_owned();
    // Keep citations the user cannot see (and so could not have unticked).
    let visible: Vec<String> = citables(&app, &user, id)
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let mut citations: Vec<Citation> = section
        .citations
        .iter()
        .filter(|c| !visible.contains(&citation_value(c)))
        .cloned()
        .collect();
    citations.extend(
        form.all("citations")
            .iter()
            .filter_map(|v| parse_citation(v)),
    );
    section.citations = citations;
    let (_, frame) = review_frame(&app, &user, id, "/narrative", "Narrative").await?;
    let back = existing.map_or_else(
        || format!("/reviews/{id}/narrative"),
        |s| format!("/reviews/{id}/narrative/{s}"),
    );
    match edit::save(
        &app,
        &user.actor(),
        &frame,
        section,
        version,
        &form,
        &edit::reason(&form, "edited the narrative"),
        &back,
        edit::field_from_path,
    )
    .await?
    {
        Saved::Done(_) => Ok(edit::see_other(&format!("/reviews/{id}/narrative"))),
        Saved::Invalid(errors) => edit_page(&app, &user, id, form, errors, existing).await,
        Saved::Conflict(response) => Ok(response),
    }
}
