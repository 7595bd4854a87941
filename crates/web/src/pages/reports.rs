//! The report and the briefing: an HTML preview, Word and PDF downloads, and the identifier scan
//! that comes before the anonymisation sign-off.

use super::edit::At;
use super::{Answer, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use casewindow_app::reports::{Format, Scan, extra_names_text, parse_extra_names};
use casewindow_app::{CurrentUser, Permission};
use casewindow_domain::ids::ReviewId;
use casewindow_report::DocumentKind;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/report", get(report_page::<S>))
        .route("/reviews/{id}/briefing", get(briefing_page::<S>))
        .route("/reviews/{id}/report.docx", get(report_docx::<S>))
        .route("/reviews/{id}/report.pdf", get(report_pdf::<S>))
        .route("/reviews/{id}/briefing.docx", get(briefing_docx::<S>))
        .route("/reviews/{id}/briefing.pdf", get(briefing_pdf::<S>))
        .route(
            "/reviews/{id}/publication/scan",
            get(scan_form::<S>).post(run_scan::<S>),
        )
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    layout: Layout,
    id: String,
    briefing: bool,
    body: String,
    may_scan: bool,
}

async fn preview<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    kind: DocumentKind,
) -> Result<Response, WebError> {
    let title = match kind {
        DocumentKind::Report => "Report",
        DocumentKind::Briefing => "7-minute briefing",
    };
    let (_, frame) = review_frame(app, user, id, "/report", title).await?;
    let (document, _) = app.review_document(&user.actor(), id, kind).await?;
    render(&ReportPage {
        layout: frame,
        id: id.to_string(),
        briefing: kind == DocumentKind::Briefing,
        body: casewindow_report::html::render(&document),
        may_scan: super::may(app, user, id, Permission::ManageLifecycle).await,
    })
}

async fn report_page<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    preview(&app, &user, id, DocumentKind::Report).await
}

async fn briefing_page<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    preview(&app, &user, id, DocumentKind::Briefing).await
}

async fn download<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    kind: DocumentKind,
    format: Format,
) -> Result<Response, WebError> {
    let review = app.review(&user.actor(), id).await?;
    let bytes = app.render_document(&user.actor(), id, kind, format).await?;
    let (content_type, extension) = match format {
        Format::Docx => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        Format::Pdf => ("application/pdf", "pdf"),
        Format::Html => ("text/html; charset=utf-8", "html"),
    };
    let stem: String = review
        .record
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = match kind {
        DocumentKind::Report => "report",
        DocumentKind::Briefing => "briefing",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{name}.{extension}\"",
                    stem.trim_matches('-')
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

async fn report_docx<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    download(&app, &user, id, DocumentKind::Report, Format::Docx).await
}

async fn report_pdf<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    download(&app, &user, id, DocumentKind::Report, Format::Pdf).await
}

async fn briefing_docx<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    download(&app, &user, id, DocumentKind::Briefing, Format::Docx).await
}

async fn briefing_pdf<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    download(&app, &user, id, DocumentKind::Briefing, Format::Pdf).await
}

struct HitRow {
    document: &'static str,
    kind: String,
    before: String,
    text: String,
    after: String,
    suggestion: String,
}

#[derive(Template)]
#[template(path = "scan.html")]
struct ScanPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    ran: bool,
    hits: Vec<HitRow>,
    counts: Vec<(String, usize)>,
    /// The kept scan run, which the sign-off names.
    run: String,
}

fn kind_label(kind: casewindow_redact::Kind) -> String {
    use casewindow_redact::Kind;
    match kind {
        Kind::Name => "Name",
        Kind::DateOfBirth => "Date of birth",
        Kind::Date => "Exact date",
        Kind::Address => "Address",
        Kind::Postcode => "Postcode",
        Kind::Phone => "Phone number",
        Kind::NhsNumber => "NHS number",
        Kind::NiNumber => "National Insurance number",
        Kind::Email => "Email address",
        Kind::School => "School",
        Kind::Gp => "GP practice",
        Kind::Place => "Place",
        Kind::Condition => "Rare condition",
    }
    .to_owned()
}

async fn scan_page<S: Store>(
    at: At<'_, S>,
    form: FormData,
    errors: Errors,
    result: Option<Scan>,
) -> Answer {
    let id = at.review;
    let (_, frame) = at.frame("", "Identifier scan", &errors).await?;
    let ran = result.is_some();
    let (hits, run) = match result {
        Some(Scan { hits, run }) => (hits, run.id.to_string()),
        None => (Vec::new(), String::new()),
    };
    let mut counts: Vec<(String, usize)> = Vec::new();
    for hit in &hits {
        let label = kind_label(hit.hit.kind);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some(entry) => entry.1 += 1,
            None => counts.push((label, 1)),
        }
    }
    render(&ScanPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        ran,
        hits: hits
            .into_iter()
            .map(|h| HitRow {
                document: h.document,
                kind: kind_label(h.hit.kind),
                before: h.before,
                text: h.hit.text,
                after: h.after,
                suggestion: h.hit.suggestion,
            })
            .collect(),
        counts,
        run,
    })
}

async fn scan_form<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, Permission::ManageLifecycle).await?;
    let mut form = FormData::default();
    // Without a vault key nothing can have been kept; the scan still works.
    if let Ok(saved) = app.review_gazetteer(&user.actor(), id).await {
        form.push("extra_names", extra_names_text(&saved));
    }
    scan_page(At::new(&app, &user, id), form, Errors::none(), None).await
}

async fn run_scan<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, Permission::ManageLifecycle).await?;
    let extra = parse_extra_names(&form.get("extra_names"));
    let actor = user.actor();
    if form.checked("keep") {
        match app.save_review_gazetteer(&actor, id, &extra).await {
            Ok(()) => {}
            Err(casewindow_app::AppError::Invalid(problems)) => {
                let mut errors = Errors::none();
                for problem in problems {
                    errors.add("extra_names", super::text::capitalise(&problem.reason));
                }
                return scan_page(At::new(&app, &user, id), form, errors, None).await;
            }
            Err(other) => {
                // Most likely no vault key: say so instead of failing the scan.
                tracing::warn!(error = %other, "the review gazetteer could not be kept");
                let mut errors = Errors::none();
                errors.add(
                    "keep",
                    "The names could not be kept: this instance has no identity vault key (CASEWINDOW_VAULT_KEY). Untick the box to scan without keeping them",
                );
                return scan_page(At::new(&app, &user, id), form, errors, None).await;
            }
        }
    }
    match app.identifier_scan(&actor, id, &extra).await {
        Ok(scan) => scan_page(At::new(&app, &user, id), form, Errors::none(), Some(scan)).await,
        Err(casewindow_app::AppError::Invalid(problems)) => {
            let mut errors = Errors::none();
            for problem in problems {
                errors.add("extra_names", super::text::capitalise(&problem.reason));
            }
            scan_page(At::new(&app, &user, id), form, errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}
