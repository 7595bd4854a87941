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
use axum::response::Response;
use axum::routing::get;
use casewindow_app::reports::{
    Format, HitSource, Scan, extra_names_text, kind_label, parse_extra_names,
};
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
        .route(
            "/reviews/{id}/publication/scan/decisions",
            axum::routing::post(decide::<S>),
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
    let (content_type, extension) = file_type(format);
    let name = match kind {
        DocumentKind::Report => "report",
        DocumentKind::Briefing => "briefing",
    };
    Ok(super::attachment(
        content_type,
        &format!(
            "{}-{name}.{extension}",
            super::file_stem(&review.record.title)
        ),
        bytes,
    ))
}

/// The content type and file extension of a document in `format`.
pub(super) fn file_type(format: Format) -> (&'static str, &'static str) {
    match format {
        Format::Docx => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        Format::Pdf => ("application/pdf", "pdf"),
        Format::Html => ("text/html; charset=utf-8", "html"),
    }
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
    document: String,
    kind: &'static str,
    before: String,
    text: String,
    after: String,
    suggestion: String,
    source: Option<HitSource>,
}

/// One distinct thing the scan found, for the person signing off to judge.
struct Decision {
    index: usize,
    /// The index as the checkbox's value.
    key: String,
    kind: &'static str,
    text: String,
    count: usize,
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
    counts: Vec<(&'static str, usize)>,
    decisions: Vec<Decision>,
    /// The kept scan run, which the sign-off names.
    run: String,
}

async fn scan_page<S: Store>(
    at: At<'_, S>,
    mut form: FormData,
    errors: Errors,
    result: Option<Scan>,
) -> Answer {
    let id = at.review;
    let (_, frame) = at.frame("/publication", "Identifier scan", &errors).await?;
    let ran = result.is_some();
    let Some(scan) = result else {
        return render(&ScanPage {
            layout: frame,
            errors,
            form,
            id: id.to_string(),
            ran,
            hits: Vec::new(),
            counts: Vec::new(),
            decisions: Vec::new(),
            run: String::new(),
        });
    };
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for hit in &scan.hits {
        let label = kind_label(hit.hit.kind);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some(entry) => entry.1 += 1,
            None => counts.push((label, 1)),
        }
    }
    let decisions: Vec<Decision> = scan
        .distinct()
        .into_iter()
        .enumerate()
        .map(|(index, (kind, text, count))| Decision {
            index,
            key: index.to_string(),
            kind: kind_label(kind),
            text,
            count,
        })
        .collect();
    // What the runner judged already, or judged of the same thing in the sign-off before, is
    // filled in (unless the form being shown again says otherwise).
    if errors.is_empty() {
        let earlier = at
            .app
            .review(&at.user.actor(), id)
            .await?
            .record
            .anonymisation_sign_off
            .map(|s| s.accepted)
            .unwrap_or_default();
        for decision in &decisions {
            let judged = scan
                .run
                .accepted
                .iter()
                .chain(&earlier)
                .find(|a| a.kind == decision.kind && a.text == decision.text);
            if let Some(judged) = judged {
                form.push("accept", decision.index.to_string());
                form.push(&format!("reason_{}", decision.index), judged.reason.clone());
            }
        }
    }
    render(&ScanPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        ran,
        hits: scan
            .hits
            .into_iter()
            .map(|h| HitRow {
                document: h.document,
                kind: kind_label(h.hit.kind),
                before: h.before,
                text: h.hit.text,
                after: h.after,
                suggestion: h.hit.suggestion,
                source: h.source,
            })
            .collect(),
        counts,
        decisions,
        run: scan.run.id.to_string(),
    })
}

/// Records what the person who ran the scan judges not identifying, then goes on to the
/// sign-off; refusals show the scan again with the reasons asked for.
async fn decide<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, Permission::ManageLifecycle).await?;
    let actor = user.actor();
    let run = form.get("scan");
    let choices: Vec<(usize, String)> = form
        .all("accept")
        .iter()
        .filter_map(|i| i.parse::<usize>().ok())
        .map(|i| (i, form.get(&format!("reason_{i}"))))
        .collect();
    match app.accept_scan_hits(&actor, id, &run, &choices).await {
        Ok(scan) => Ok(super::edit::see_other(&format!(
            "/reviews/{id}/publication?scan={}",
            scan.run.id
        ))),
        Err(casewindow_app::AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |p| p.to_owned());
            let kept = app.kept_scan(&actor, id, &run).await?;
            scan_page(At::new(&app, &user, id), form, errors, kept).await
        }
        // No such scan of this review (or an old page): start again from the scan.
        Err(casewindow_app::AppError::NotFound { .. }) => Ok(super::edit::see_other(&format!(
            "/reviews/{id}/publication/scan"
        ))),
        Err(other) => Err(other.into()),
    }
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
