//! Sharing drafts: the review team shares chosen KPEs and findings with the case group, the
//! family or the partners and answers their comments (`/sharing`); each of them reads what was
//! shared with them and the report versions put to them, and comments (`/shared`).

use super::text::{Choice, choices, parse_key};
use super::{Answer, On, Req, may, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse as _;
use axum::routing::{get, post};
use casewindow_app::sharing::{CommentView, SharedItem};
use casewindow_app::{AppError, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::collaboration::{Audience, CommentAnswer, SharedKind, SignOffDecision};
use casewindow_domain::findings::Finding;
use casewindow_domain::review::ReportStage;
use casewindow_store::{CommentOn, Store};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/sharing", get(sharing::<S>).post(share::<S>))
        .route(
            "/reviews/{id}/sharing/comments/{comment}",
            post(answer::<S>),
        )
        .route("/reviews/{id}/shared", get(shared::<S>))
        .route("/reviews/{id}/shared/{share}/comments", post(comment::<S>))
        .route("/reviews/{id}/shared/versions/{version}", get(version::<S>))
        .route(
            "/reviews/{id}/shared/versions/{version}/comments",
            post(comment_on_version::<S>),
        )
        .route(
            "/reviews/{id}/shared/versions/{version}/sign-off",
            post(sign_off::<S>),
        )
        .route(
            "/reviews/{id}/shared/versions/{version}/report.pdf",
            get(version_pdf::<S>),
        )
}

/// Problems from the application as form errors at `field` (each reason as it was written).
fn errors_at(err: AppError, field: impl Fn(&str) -> String) -> Result<Errors, WebError> {
    match err {
        AppError::Invalid(problems) => {
            let mut errors = Errors::none();
            for p in problems {
                errors.add(&field(&p.path), p.reason);
            }
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

/// A page answered with errors after a POST: 422.
fn refused(mut response: axum::response::Response) -> Answer {
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %B %Y, %H:%M").to_string()
}

/// A comment as shown.
pub(crate) struct CommentRow {
    pub id: String,
    pub author: String,
    pub audience: &'static str,
    pub when: String,
    pub section: String,
    pub body: String,
    /// "Disagreed, by A. Reviewer on …: reasons".
    pub answer: Option<String>,
    pub answer_note: String,
}

pub(crate) fn comment_row(view: &CommentView) -> CommentRow {
    let c = &view.comment;
    CommentRow {
        id: c.id.to_string(),
        author: view.author.clone(),
        audience: c.audience.label(),
        when: when(c.at),
        section: match &c.on {
            CommentOn::Version { section, .. } => section.clone(),
            CommentOn::Share(_) => String::new(),
        },
        body: c.body.clone(),
        answer: c.answer.as_ref().map(|a| {
            format!(
                "{}, by {} on {}",
                a.answer.label(),
                view.answered_by.clone().unwrap_or_default(),
                when(a.at)
            )
        }),
        answer_note: c
            .answer
            .as_ref()
            .map(|a| a.note.clone())
            .unwrap_or_default(),
    }
}

struct ShareRow {
    id: String,
    title: String,
    audience: &'static str,
    /// The review's stage when it was shared.
    stage: &'static str,
    when: String,
    note: String,
    paragraphs: Vec<String>,
    comments: Vec<CommentRow>,
}

fn share_row(item: &SharedItem) -> ShareRow {
    ShareRow {
        id: item.share.id.to_string(),
        title: item.share.title.clone(),
        audience: item.share.audience.label(),
        stage: parse_key::<casewindow_domain::lifecycle::ReviewState>(&item.share.review_state)
            .map_or("", |s| s.label()),
        when: when(item.share.at),
        note: item.share.note.clone(),
        paragraphs: item
            .share
            .content
            .split("\n\n")
            .map(str::to_owned)
            .collect(),
        comments: item.comments.iter().map(comment_row).collect(),
    }
}

#[derive(Template)]
#[template(path = "sharing.html")]
struct SharingPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    audiences: Vec<Choice>,
    items: Vec<Choice>,
    answers: Vec<Choice>,
    shares: Vec<ShareRow>,
    version_comments: Vec<CommentRow>,
}

async fn sharing_page<S: Store>(req: &Req<S>, form: FormData, errors: Errors) -> Answer {
    let at = req.at();
    let actor = at.user.actor();
    let (_, frame) = at
        .frame("/sharing", "Sharing and comments", &errors)
        .await?;
    let mut items = Vec::new();
    for kpe in at
        .app
        .records::<KeyPracticeEpisode>(&actor, at.review)
        .await?
    {
        let k = kpe.record;
        items.push(Choice::new(
            format!("kpe:{}", k.id),
            format!("Key practice episode {}: {}", k.position, k.title),
        ));
    }
    for finding in at.app.records::<Finding>(&actor, at.review).await? {
        let f = finding.record;
        items.push(Choice::new(
            format!("finding:{}", f.id),
            format!(
                "Finding {}: {}",
                f.position,
                super::text::truncate(&f.statement, 110)
            ),
        ));
    }
    let shares = at.app.sharing(&actor, at.review).await?;
    let version_comments = at.app.version_comments(&actor, at.review).await?;
    render(&SharingPage {
        layout: frame,
        errors,
        form,
        id: at.review.to_string(),
        audiences: choices(Audience::SHARED, Audience::label),
        items,
        answers: choices(CommentAnswer::ALL, CommentAnswer::label),
        shares: shares.iter().map(share_row).collect(),
        version_comments: version_comments.iter().map(comment_row).collect(),
    })
}

async fn sharing<S: Store>(req: Req<S>) -> Answer {
    page_or_not_found(&req).await
}

async fn page_or_not_found<S: Store>(req: &Req<S>) -> Answer {
    super::require(&req.app, &req.user, req.id, Permission::EditAnalysis).await?;
    sharing_page(req, FormData::default(), Errors::none()).await
}

/// Shares the chosen items with the chosen audience.
async fn share<S: Store>(req: Req<S>, form: FormData) -> Answer {
    super::require(&req.app, &req.user, req.id, Permission::EditAnalysis).await?;
    let mut errors = Errors::none();
    let audience = parse_key::<Audience>(&form.get("audience"));
    if audience.is_none() {
        errors.add("audience", "Choose who to share with");
    }
    let items: Vec<(SharedKind, uuid::Uuid)> = form
        .all("items")
        .iter()
        .filter_map(|v| {
            let (kind, id) = v.split_once(':')?;
            let kind = match kind {
                "kpe" => SharedKind::Kpe,
                "finding" => SharedKind::Finding,
                _ => return None,
            };
            Some((kind, id.parse().ok()?))
        })
        .collect();
    if items.is_empty() {
        errors.add("items", "Choose at least one KPE or finding to share");
    }
    let Some(audience) = audience.filter(|_| errors.is_empty()) else {
        return refused(sharing_page(&req, form, errors).await?);
    };
    match req
        .app
        .share_items(
            &req.user.actor(),
            req.id,
            audience,
            &items,
            &form.get("note"),
        )
        .await
    {
        Ok(_) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/sharing",
            req.id
        ))),
        Err(err) => {
            let errors = errors_at(err, str::to_owned)?;
            refused(sharing_page(&req, form, errors).await?)
        }
    }
}

/// Answers one comment.
async fn answer<S: Store>(on: On<S, uuid::Uuid>, form: FormData) -> Answer {
    let (app, user, id, comment) = on.parts();
    let req = Req { app, user, id };
    super::require(&req.app, &req.user, req.id, Permission::EditAnalysis).await?;
    let field = |name: &str| format!("{name}-{comment}");
    let Some(answer) = parse_key::<CommentAnswer>(&form.get("answer")) else {
        let mut errors = Errors::none();
        errors.add(&field("answer"), "Choose your answer to the comment");
        return refused(sharing_page(&req, form, errors).await?);
    };
    match req
        .app
        .answer_comment(
            &req.user.actor(),
            req.id,
            comment,
            answer,
            &form.get("note"),
        )
        .await
    {
        Ok(()) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/sharing#comment-{comment}",
            req.id
        ))),
        Err(err) => {
            let errors = errors_at(err, field)?;
            let mut shown = FormData::default();
            shown.set(&field("answer"), form.get("answer"));
            shown.set(&field("note"), form.get("note"));
            refused(sharing_page(&req, shown, errors).await?)
        }
    }
}

struct VersionRow {
    number: i64,
    stage: &'static str,
    when: String,
    href: String,
}

#[derive(Template)]
#[template(path = "shared.html")]
struct SharedPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    audiences: String,
    shares: Vec<ShareRow>,
    versions: Vec<VersionRow>,
}

async fn shared_page<S: Store>(req: &Req<S>, form: FormData, errors: Errors) -> Answer {
    let at = req.at();
    let actor = at.user.actor();
    let (_, frame) = at.frame("/shared", "Shared with you", &errors).await?;
    let audiences = at.app.audiences(&actor, at.review).await?;
    let shares = at.app.shared_with_me(&actor, at.review).await?;
    let versions = at.app.versions_for_me(&actor, at.review).await?;
    render(&SharedPage {
        layout: frame,
        errors,
        form,
        id: at.review.to_string(),
        audiences: audiences
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join(" and "),
        shares: shares.iter().map(share_row).collect(),
        versions: versions
            .iter()
            .rev()
            .map(|v| VersionRow {
                number: v.number,
                stage: casewindow_app::versions::stage_of(&v.stage).map_or("", ReportStage::label),
                when: when(v.at),
                href: format!("/reviews/{}/shared/versions/{}", at.review, v.id),
            })
            .collect(),
    })
}

async fn shared<S: Store>(req: Req<S>) -> Answer {
    shared_page(&req, FormData::default(), Errors::none()).await
}

/// Comments on a shared item.
async fn comment<S: Store>(on: On<S, uuid::Uuid>, form: FormData) -> Answer {
    let (app, user, id, share) = on.parts();
    let req = Req { app, user, id };
    match req
        .app
        .comment_on_share(&req.user.actor(), req.id, share, &form.get("body"))
        .await
    {
        Ok(()) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/shared#share-{share}",
            req.id
        ))),
        Err(err) => {
            let field = |name: &str| format!("{name}-{share}");
            let errors = errors_at(err, field)?;
            let mut shown = FormData::default();
            shown.set(&field("body"), form.get("body"));
            refused(shared_page(&req, shown, errors).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "shared_version.html")]
struct VersionPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    number: i64,
    stage: &'static str,
    pdf: String,
    body: String,
    sections: Vec<Choice>,
    comments: Vec<CommentRow>,
    may_sign_off: bool,
    sign_off_action: String,
    decisions: Vec<Choice>,
}

async fn version_page<S: Store>(
    req: &Req<S>,
    version: uuid::Uuid,
    form: FormData,
    errors: Errors,
) -> Answer {
    let at = req.at();
    let actor = at.user.actor();
    let reading = at
        .app
        .version_for_reading(&actor, at.review, version)
        .await?;
    let (_, frame) = at
        .frame(
            "/shared",
            &format!("Report version {}", reading.version.number),
            &errors,
        )
        .await?;
    let stage = casewindow_app::versions::stage_of(&reading.version.stage);
    let comments = at
        .app
        .version_comments(&actor, at.review)
        .await?
        .into_iter()
        .filter(|c| matches!(&c.comment.on, CommentOn::Version { version: v, .. } if *v == version))
        .collect::<Vec<_>>();
    let base = format!("/reviews/{}/shared/versions/{version}", at.review);
    render(&VersionPage {
        layout: frame,
        errors,
        form,
        action: format!("{base}/comments"),
        number: reading.version.number,
        stage: stage.map_or("", ReportStage::label),
        pdf: format!("{base}/report.pdf"),
        body: casewindow_report::html::render(&reading.document),
        sections: reading
            .sections
            .iter()
            .map(|s| Choice::new(s, s.clone()))
            .collect(),
        comments: comments.iter().map(comment_row).collect(),
        may_sign_off: stage == Some(ReportStage::PartnerSignOff)
            && may(at.app, at.user, at.review, Permission::SignOff).await,
        sign_off_action: format!("{base}/sign-off"),
        decisions: choices(SignOffDecision::ALL, SignOffDecision::label),
    })
}

async fn version<S: Store>(on: On<S, uuid::Uuid>) -> Answer {
    let (app, user, id, version) = on.parts();
    let req = Req { app, user, id };
    version_page(&req, version, FormData::default(), Errors::none()).await
}

/// Comments on a section of a version.
async fn comment_on_version<S: Store>(on: On<S, uuid::Uuid>, form: FormData) -> Answer {
    let (app, user, id, version) = on.parts();
    let req = Req { app, user, id };
    match req
        .app
        .comment_on_version(
            &req.user.actor(),
            req.id,
            version,
            &form.get("section"),
            &form.get("body"),
        )
        .await
    {
        Ok(()) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/shared/versions/{version}#comments",
            req.id
        ))),
        Err(err) => {
            let errors = errors_at(err, str::to_owned)?;
            refused(version_page(&req, version, form, errors).await?)
        }
    }
}

/// A partner's sign-off of the version.
async fn sign_off<S: Store>(on: On<S, uuid::Uuid>, form: FormData) -> Answer {
    let (app, user, id, version) = on.parts();
    let req = Req { app, user, id };
    super::require(&req.app, &req.user, req.id, Permission::SignOff).await?;
    let Some(decision) = parse_key::<SignOffDecision>(&form.get("decision")) else {
        let mut errors = Errors::none();
        errors.add("decision", "Choose whether you sign the version off");
        return refused(version_page(&req, version, form, errors).await?);
    };
    match req
        .app
        .sign_off_version(
            &req.user.actor(),
            req.id,
            version,
            decision,
            &form.get("sign_off_note"),
        )
        .await
    {
        Ok(()) => Ok(super::edit::see_other(&format!(
            "/reviews/{}/shared/versions/{version}",
            req.id
        ))),
        Err(err) => {
            let errors = errors_at(err, |path| match path {
                "note" => "sign_off_note".to_owned(),
                other => other.to_owned(),
            })?;
            refused(version_page(&req, version, form, errors).await?)
        }
    }
}

async fn version_pdf<S: Store>(on: On<S, uuid::Uuid>) -> Answer {
    let (app, user, id, version) = on.parts();
    let bytes = app
        .shared_version_file(&user.actor(), id, version, "pdf")
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"report-{version}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
