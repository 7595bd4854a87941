//! The multi-agency narrative: sections giving the view of the case from several perspectives,
//! each citing the records and conversations it rests on.

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::{Choice, truncate};
use super::{Answer, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
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
        .merge(edit::form_routes::<S, NarrativeSection>(
            "/reviews/{id}/narrative",
            "section",
        ))
        .route(
            "/reviews/{id}/narrative/{section}/withdraw",
            axum::routing::post(edit::withdraw_handler::<S, NarrativeSection>),
        )
}

/// Everything a section may cite that the user may read, valued as `kind:id`.
async fn citables<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
) -> Result<Vec<Choice>, WebError> {
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
            out.push(Choice::new(
                format!("chronology_entry:{}", e.id),
                format!(
                    "Chronology, {}: {}",
                    e.occurred,
                    truncate(&e.description, 70)
                ),
            ));
        }
        for document in app.records::<SourceDocument>(&actor, id).await? {
            out.push(Choice::new(
                format!("source_document:{}", document.record.id),
                format!("Document: {}", document.record.title),
            ));
        }
    }
    if app.may(&actor, id, Permission::ViewConversations).await? {
        for conversation in app.records::<Conversation>(&actor, id).await? {
            out.push(Choice::new(
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

/// A narrative section as listed, with what it cites.
struct SectionView {
    /// "on 7 December 2026: a duplicate of the first section", when withdrawn.
    withdrawn: Option<String>,
    href: String,
    heading: String,
    period: String,
    body: String,
    cites: Vec<String>,
}

#[derive(Template)]
#[template(path = "narrative.html")]
struct ListPage {
    layout: Layout,
    id: String,
    sections: Vec<SectionView>,
    /// How many of the sections are withdrawn.
    withdrawn: usize,
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
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
                        .find(|choice| choice.value == citation_value(c))
                        .map_or_else(
                            || "A record you cannot see".to_owned(),
                            |choice| choice.label.clone(),
                        )
                })
                .collect();
            SectionView {
                withdrawn: s.withdrawn.as_ref().map(edit::withdrawn_text),
                href: format!("/reviews/{id}/narrative/{}", s.id),
                heading: s.heading,
                period: s.period,
                body: s.body,
                cites,
            }
        })
        .collect::<Vec<SectionView>>();
    render(&ListPage {
        layout: frame,
        id: id.to_string(),
        withdrawn: sections.iter().filter(|s| s.withdrawn.is_some()).count(),
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
    citables: Vec<Choice>,
    withdraw: Option<edit::WithdrawView>,
}

async fn edit_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, NarrativeSection>,
) -> Result<Response, WebError> {
    let (app, user, id) = (at.app, at.user, at.review);
    let (form, errors, existing) = (shown.form, shown.errors, shown.existing);
    let withdraw = edit::WithdrawView::of(
        existing,
        existing.map_or_else(String::new, |s| {
            format!("/reviews/{id}/narrative/{}/withdraw", s.record.id)
        }),
        "section",
    );
    let existing = existing.map(|s| s.record.id);
    let (_, frame) = at.frame("/narrative", "Narrative section", &errors).await?;
    let citables = citables(app, user, id).await?;
    render(&EditPage {
        layout: frame,
        errors,
        form,
        action: edit::form_action(&format!("/reviews/{id}/narrative"), existing),
        is_new: existing.is_none(),
        citables,
        withdraw,
    })
}

impl RecordPage for NarrativeSection {
    const SECTION: &'static str = "/narrative";
    const PERMISSION: Permission = Permission::EditAnalysis;
    const EDITED: &'static str = "edited the narrative";

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(edit_page(at, shown))
    }
}

impl RecordForm for NarrativeSection {
    /// The citations the user may see (and so could have unticked).
    type Facts = Vec<String>;

    async fn facts<'a, S: Store>(at: At<'a, S>, _: &'a FormData) -> Result<Vec<String>, WebError> {
        let visible = citables(at.app, at.user, at.review).await?;
        Ok(visible.into_iter().map(|c| c.value).collect())
    }

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        NarrativeSection {
            id: NarrativeSectionId(uuid::Uuid::new_v4()),
            review_id: review,
            // The store gives a new record the next number in its review.
            position: 0,
            heading: String::new(),
            period: String::new(),
            perspective_agency_id: None,
            body: String::new(),
            citations: Vec::new(),
            withdrawn: None,
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("heading", self.heading.clone());
        form.push("period", self.period.clone());
        form.push("body", self.body.clone());
        for citation in &self.citations {
            form.push("citations", citation_value(citation));
        }
        form
    }

    fn from_form(form: &FormData, base: &Self, visible: &Vec<String>) -> Result<Self, Errors> {
        let mut section = base.clone();
        section.heading = form.get("heading").trim().to_owned();
        section.period = form.get("period").trim().to_owned();
        section.body = form.get("body").trim().to_owned();
        // Keep citations the user cannot see (and so could not have unticked).
        section
            .citations
            .retain(|c| !visible.contains(&citation_value(c)));
        section.citations.extend(
            form.all("citations")
                .iter()
                .filter_map(|v| parse_citation(v)),
        );
        Ok(section)
    }
}
