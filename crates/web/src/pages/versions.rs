//! The report's frozen versions: freeze the report as it stands at a stage, download a
//! version's Word or PDF file (each opening audited), and see what changed from the version
//! before.

use super::text::{Choice, choices, parse_key};
use super::{Answer, On, Req, may, render};
use crate::AppState;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse as _;
use axum::routing::get;
use casewindow_app::Permission;
use casewindow_app::versions::{Change, compare};
use casewindow_domain::review::ReportStage;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/report/versions",
            get(list::<S>).post(freeze::<S>),
        )
        .route(
            "/reviews/{id}/report/versions/{version}/report.docx",
            get(docx::<S>),
        )
        .route(
            "/reviews/{id}/report/versions/{version}/report.pdf",
            get(pdf::<S>),
        )
        .route(
            "/reviews/{id}/report/versions/{version}/stage",
            axum::routing::post(move_on::<S>),
        )
}

/// A version as listed, with what changed since the one before.
struct Row {
    id: String,
    number: i64,
    stage: String,
    /// The stages it may move on to.
    later: Vec<Choice>,
    /// Partners' decisions on it.
    sign_offs: Vec<String>,
    /// How many comments were made on it.
    comments: usize,
    /// Whether it is the final version, the one publication uses.
    published: bool,
    when: String,
    docx: String,
    pdf: String,
    pdf_sha256: String,
    added: Vec<String>,
    removed: Vec<String>,
    /// Who opened its files and when (shown to those who may read the audit trail).
    opened: Vec<String>,
}

#[derive(Template)]
#[template(path = "versions.html")]
struct ListPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    rows: Vec<Row>,
    stages: Vec<Choice>,
    may_freeze: bool,
}

async fn page<S: Store>(req: &Req<S>, form: FormData, errors: Errors) -> Answer {
    let at = req.at();
    let (_, frame) = at.frame("/report", "Report versions", &errors).await?;
    let versions = at.app.report_versions(&at.user.actor(), at.review).await?;
    let sign_offs = at
        .app
        .version_sign_offs(&at.user.actor(), at.review)
        .await?;
    let comments = if may(at.app, at.user, at.review, Permission::EditAnalysis).await {
        at.app.version_comments(&at.user.actor(), at.review).await?
    } else {
        Vec::new()
    };
    let mut openings = if may(at.app, at.user, at.review, Permission::ViewAudit).await {
        at.app.version_openings(&at.user.actor(), at.review).await?
    } else {
        std::collections::HashMap::new()
    };
    let mut rows = Vec::new();
    let mut before: Option<&str> = None;
    for v in &versions {
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        if let Some(old) = before {
            for change in compare(old, &v.text) {
                match change {
                    Change::Added(text) => added.push(text),
                    Change::Removed(text) => removed.push(text),
                }
            }
        }
        before = Some(&v.text);
        let base = format!("/reviews/{}/report/versions/{}", at.review, v.id);
        let current = parse_key::<ReportStage>(&v.stage);
        let published = current == Some(ReportStage::Final)
            && !versions
                .iter()
                .any(|later| later.number > v.number && later.stage == v.stage);
        rows.push(Row {
            published,
            id: v.id.to_string(),
            number: v.number,
            stage: current.map_or_else(|| v.stage.clone(), |s| s.label().to_owned()),
            later: choices(
                ReportStage::ALL
                    .into_iter()
                    .filter(|s| current.is_some_and(|c| *s > c) && *s != ReportStage::Final),
                ReportStage::label,
            ),
            sign_offs: sign_offs
                .iter()
                .filter(|(s, _)| s.version_id == v.id)
                .map(|(s, name)| {
                    let note = if s.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", s.note)
                    };
                    format!(
                        "{}, {name}, {}{note}",
                        s.decision.label(),
                        s.at.format("%-d %B %Y")
                    )
                })
                .collect(),
            comments: comments
                .iter()
                .filter(|c| {
                    matches!(&c.comment.on, casewindow_store::CommentOn::Version { version, .. } if *version == v.id)
                })
                .count(),
            when: v.at.format("%-d %B %Y, %H:%M").to_string(),
            docx: format!("{base}/report.docx"),
            pdf: format!("{base}/report.pdf"),
            pdf_sha256: v.pdf_sha256.clone(),
            added,
            removed,
            opened: openings
                .remove(&v.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(who, how, at)| format!("{who} {how}, {}", at.format("%-d %B %Y, %H:%M")))
                .collect(),
        });
    }
    rows.reverse();
    render(&ListPage {
        layout: frame,
        errors,
        form,
        id: at.review.to_string(),
        rows,
        stages: choices(ReportStage::ALL, ReportStage::label),
        may_freeze: may(at.app, at.user, at.review, Permission::ManageLifecycle).await,
    })
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    page(&req, FormData::default(), Errors::none()).await
}

/// Freezes the report as it stands at the chosen stage.
async fn freeze<S: Store>(req: Req<S>, form: FormData) -> Answer {
    super::require(&req.app, &req.user, req.id, Permission::ManageLifecycle).await?;
    let Some(stage) = parse_key::<ReportStage>(&form.get("stage")) else {
        let mut errors = Errors::none();
        errors.add("stage", "Choose the stage this version is for");
        let mut response = page(&req, form, errors).await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    match req
        .app
        .freeze_report(&req.user.actor(), req.id, stage)
        .await
    {
        Ok(_) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/report/versions",
            req.id
        ))),
        Err(casewindow_app::AppError::Invalid(problems)) => {
            let mut errors = Errors::none();
            for p in problems {
                errors.add("stage", p.reason);
            }
            let mut response = page(&req, form, errors).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

/// Moves a version on to a later stage.
async fn move_on<S: Store>(on: On<S, uuid::Uuid>, form: FormData) -> Answer {
    let (app, user, id, version) = on.parts();
    let req = Req { app, user, id };
    super::require(&req.app, &req.user, req.id, Permission::ManageLifecycle).await?;
    let field = format!("stage-{version}");
    let outcome = match parse_key::<ReportStage>(&form.get("stage")) {
        None => Err(vec![
            "Choose the stage to move the version on to".to_owned(),
        ]),
        Some(stage) => match req
            .app
            .move_version(&req.user.actor(), req.id, version, stage)
            .await
        {
            Ok(()) => Ok(()),
            Err(casewindow_app::AppError::Invalid(problems)) => {
                Err(problems.into_iter().map(|p| p.reason).collect())
            }
            Err(other) => return Err(other.into()),
        },
    };
    match outcome {
        Ok(()) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/report/versions",
            req.id
        ))),
        Err(reasons) => {
            let mut errors = Errors::none();
            for reason in reasons {
                errors.add(&field, reason);
            }
            let mut response = page(&req, FormData::default(), errors).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

async fn file<S: Store>(on: On<S, uuid::Uuid>, format: &str) -> Answer {
    let (app, user, id, version) = on.parts();
    let bytes = app
        .report_version_file(&user.actor(), id, version, format)
        .await?;
    let media = match format {
        "pdf" => "application/pdf",
        _ => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    };
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"report-{version}.{format}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

async fn docx<S: Store>(on: On<S, uuid::Uuid>) -> Answer {
    file(on, "docx").await
}

async fn pdf<S: Store>(on: On<S, uuid::Uuid>) -> Answer {
    file(on, "pdf").await
}
