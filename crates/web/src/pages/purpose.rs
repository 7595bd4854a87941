//! Saying why, where the role must: a review team member reading the other agencies'
//! chronologies states a purpose once, and it is kept (for an hour, for that review only) with
//! every audited read. The application layer decides who must say why
//! (`casewindow_app::reason_required`); this module only asks and remembers the answer.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{SignedIn, Viewer, cookie, set_cookie};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use base64::Engine as _;
use casewindow_domain::ids::ReviewId;
use casewindow_store::Store;

/// How long a stated purpose lasts.
const PURPOSE_SECONDS: i64 = 60 * 60;
/// Longest reason kept.
const MAX_REASON_CHARS: usize = 300;

/// Marks a response whose handler found that the viewer must first say why.
#[derive(Clone, Copy, Debug)]
pub struct PurposeNeeded(pub ReviewId);

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/reviews/{id}/purpose", post(submit::<S>))
}

fn cookie_name(review: ReviewId) -> String {
    format!("cw_purpose_{}", review.0.simple())
}

/// The purpose stated for the review a request's path names, from its cookie.
pub fn purpose_from(path: &str, headers: &HeaderMap) -> Option<(ReviewId, String)> {
    let id = path.strip_prefix("/reviews/")?.split('/').next()?;
    let review = ReviewId(uuid::Uuid::parse_str(id).ok()?);
    let value = cookie(headers, &cookie_name(review))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    let reason = String::from_utf8(bytes).ok()?;
    let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
    (!reason.is_empty()).then_some((review, reason))
}

#[derive(Template)]
#[template(path = "purpose.html")]
struct PurposePage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    review: ReviewId,
}

fn page(
    csrf: &str,
    user_name: &str,
    review: ReviewId,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let layout = Layout {
        title: "Why do you need to read this?".to_owned(),
        user_name: Some(user_name.to_owned()),
        csrf: csrf.to_owned(),
        breadcrumbs: vec![
            crate::layout::Crumb::new("/", "Your reviews"),
            crate::layout::Crumb::new(format!("/reviews/{review}"), "This review"),
        ],
        review_nav: None,
        has_errors: !errors.is_empty(),
        once: String::new(),
    };
    render(&PurposePage {
        layout,
        errors,
        form,
        review,
    })
}

/// Replaces a "purpose needed" answer by the form that asks for it, returning to the page
/// that was asked for.
pub async fn ask_purpose(request: Request, next: Next) -> Response {
    let viewer = request.extensions().get::<Viewer>().cloned();
    let return_to = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let is_get = request.method() == axum::http::Method::GET;
    let response = next.run(request).await;
    let Some(PurposeNeeded(review)) = response.extensions().get::<PurposeNeeded>().copied() else {
        return response;
    };
    let Some(Viewer::SignedIn(user)) = viewer else {
        return WebError::NotFound.into_response();
    };
    let mut form = FormData::default();
    // After a form was refused, come back to the page it was on rather than re-sending it.
    form.set(
        "return_to",
        if is_get {
            return_to
        } else {
            format!("/reviews/{review}")
        },
    );
    page(
        &user.csrf_token,
        &user.user.display_name,
        review,
        form,
        Errors::none(),
    )
    .unwrap_or_else(IntoResponse::into_response)
}

async fn submit<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<uuid::Uuid>,
    form: FormData,
) -> Result<Response, WebError> {
    let review = ReviewId(id);
    // Only someone who may see the review is asked; anyone else gets "not found".
    app.authorize(
        &user.actor(),
        review,
        casewindow_app::Permission::ViewReview,
    )
    .await?;
    let reason = form.get("purpose").trim().to_owned();
    let mut errors = Errors::none();
    if reason.is_empty() {
        errors.add("purpose", "Say why you need to read this review's records");
    } else if reason.chars().count() > MAX_REASON_CHARS {
        errors.add(
            "purpose",
            format!("Keep the reason to {MAX_REASON_CHARS} characters or fewer"),
        );
    }
    if !errors.is_empty() {
        return page(
            &user.csrf_token,
            &user.user.display_name,
            review,
            form,
            errors,
        );
    }
    let prefix = format!("/reviews/{review}");
    let requested = form.get("return_to");
    let target = if requested.starts_with(&format!("{prefix}/")) && !requested.contains("//") {
        requested
    } else {
        prefix.clone()
    };
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(reason.as_bytes());
    let cookie = set_cookie(
        &cookie_name(review),
        &value,
        super::auth::secure_cookies(),
        Some(PURPOSE_SECONDS),
    )
    .replacen("Path=/", &format!("Path={prefix}"), 1);
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|_| WebError::Unexpected("cookie".into()))?,
    );
    Ok(response)
}
