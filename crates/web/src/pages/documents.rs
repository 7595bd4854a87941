//! The document register: every paper the review received (agency reports, minutes, rapid
//! review papers, court documents), with its kind, agency, date, legal basis, who may read it
//! and how long it is kept; files uploaded here are sealed at rest and every opening is audited.

use super::text::{Choice, choices, key, parse_key};
use super::{Answer, On, Req, may, render};
use crate::AppState;
use crate::form::{FormData, MultipartForm};
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse as _;
use axum::routing::get;
use casewindow_app::documents::{MAX_DOCUMENT_BYTES, Upload};
use casewindow_app::{AppError, Permission};
use casewindow_domain::evidence::{DocumentAccess, LegalBasis, SourceDocument, SourceDocumentKind};
use casewindow_domain::ids::{AgencyId, SourceDocumentId};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/documents",
            get(list::<S>).post(register::<S>),
        )
        .route(
            "/reviews/{id}/documents/{document}/file",
            get(download::<S>),
        )
}

/// A document as the register lists it.
struct Row {
    title: String,
    kind: &'static str,
    agency: String,
    received: String,
    legal_basis: &'static str,
    leads_only: bool,
    retain_until: String,
    reference: String,
    /// The file link and its size, when a file is kept.
    file: Option<(String, String)>,
    used: Vec<String>,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    rows: Vec<Row>,
    may_add: bool,
    kinds: Vec<Choice>,
    agencies: Vec<Choice>,
    bases: Vec<Choice>,
    tiers: Vec<Choice>,
    max_mb: usize,
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

async fn page<S: Store>(req: &Req<S>, form: FormData, errors: Errors) -> Answer {
    let at = req.at();
    let (_, frame) = at.frame("/documents", "Documents", &errors).await?;
    let actor = at.user.actor();
    let view = at.app.chronology(&actor, at.review).await?;
    let agency_name = |id: Option<AgencyId>| {
        id.and_then(|id| view.agencies.iter().find(|a| a.id == id))
            .map_or_else(|| "Not from an agency".to_owned(), |a| a.name.clone())
    };
    let mut uses = at
        .app
        .document_uses(&actor, at.review)
        .await
        .unwrap_or_default();
    let day = |d: Option<chrono::NaiveDate>| {
        d.map_or_else(String::new, |d| d.format("%-d %B %Y").to_string())
    };
    let rows = at
        .app
        .records::<SourceDocument>(&actor, at.review)
        .await?
        .into_iter()
        .map(|stored| {
            let d = stored.record;
            Row {
                file: d.file.as_ref().map(|f| {
                    (
                        format!("/reviews/{}/documents/{}/file", d.review_id, d.id),
                        format!("{}, {}", f.name, size(f.bytes)),
                    )
                }),
                used: uses.remove(&d.id).unwrap_or_default(),
                kind: d.kind.label(),
                agency: agency_name(d.agency_id),
                received: day(d.received_on),
                legal_basis: d.legal_basis.map_or("Not recorded", LegalBasis::label),
                leads_only: d.access == DocumentAccess::LeadReviewers,
                retain_until: day(d.retain_until),
                reference: d.reference,
                title: d.title,
            }
        })
        .collect();
    let agencies = match view.agency_limit {
        Some(own) => view
            .agencies
            .iter()
            .filter(|a| a.id == own)
            .collect::<Vec<_>>(),
        None => view.agencies.iter().collect(),
    }
    .into_iter()
    .filter(|a| a.withdrawn.is_none())
    .map(|a| Choice::new(a.id, a.name.clone()))
    .collect();
    render(&ListPage {
        layout: frame,
        errors,
        form,
        id: at.review.to_string(),
        rows,
        may_add: may(at.app, at.user, at.review, Permission::EditChronology).await,
        kinds: choices(SourceDocumentKind::ALL, SourceDocumentKind::label),
        agencies,
        bases: choices(LegalBasis::ALL, LegalBasis::label),
        tiers: choices(DocumentAccess::ALL, DocumentAccess::label),
        max_mb: MAX_DOCUMENT_BYTES / 1024 / 1024,
    })
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let mut form = FormData::default();
    form.set("access", key(&DocumentAccess::ReviewTeam));
    page(&req, form, Errors::none()).await
}

/// Registers a document (with its file, if one was chosen).
async fn register<S: Store>(req: Req<S>, multipart: MultipartForm) -> Answer {
    super::require(&req.app, &req.user, req.id, Permission::EditChronology).await?;
    let form = multipart.fields.clone();
    let mut errors = Errors::none();
    let title = form.get("title").trim().to_owned();
    if title.is_empty() {
        errors.add(
            "title",
            "Enter the document's title, for example Police IMR",
        );
    }
    let kind = parse_key::<SourceDocumentKind>(&form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose what kind of document it is");
    }
    let agency = form.get("agency_id");
    let agency_id = match agency.trim() {
        "" => None,
        text => match text.parse::<AgencyId>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("agency_id", "Choose one of the agencies");
                None
            }
        },
    };
    let received_on = form.date_called("received_on", "The date received", &mut errors);
    let retain_until = form.date_called("retain_until", "The date to keep it until", &mut errors);
    let legal_basis = parse_key::<LegalBasis>(&form.get("legal_basis"));
    if legal_basis.is_none() {
        errors.add(
            "legal_basis",
            "Choose the legal basis on which the review holds it",
        );
    }
    let access = parse_key::<DocumentAccess>(&form.get("access")).unwrap_or_default();
    let file = multipart
        .file("file")
        .filter(|f| !f.bytes.is_empty() || !f.file_name.is_empty());
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Ok(with_status(page(&req, form, errors).await?));
    };
    let document = SourceDocument {
        id: SourceDocumentId(uuid::Uuid::new_v4()),
        review_id: req.id,
        agency_id,
        title,
        kind,
        received_on,
        reference: form.get("reference").trim().to_owned(),
        sha256: None,
        retain_until,
        legal_basis,
        access,
        file: None,
    };
    let upload = file.map(|f| Upload {
        name: if f.file_name.is_empty() {
            "upload"
        } else {
            f.file_name.as_str()
        },
        bytes: &f.bytes,
    });
    let once = form.get("once");
    match req
        .app
        .register_document(&req.user.actor(), &document, upload, Some(&once))
        .await
    {
        Ok(_) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/documents#register",
            req.id
        ))),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |path| match path {
                "vault" => "file".to_owned(),
                other => super::edit::field_from_path(other),
            });
            Ok(with_status(page(&req, form, errors).await?))
        }
        Err(other) => Err(other.into()),
    }
}

/// A refused form answers 422 (the page itself is the same).
fn with_status(mut response: axum::response::Response) -> axum::response::Response {
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// A document's file, as an attachment in the type its content showed (never shown inline).
async fn download<S: Store>(on: On<S, SourceDocumentId>) -> Answer {
    let (app, user, id, document) = on.parts();
    let (file, bytes) = app.document_file(&user.actor(), id, document).await?;
    let safe_name: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, file.media_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
