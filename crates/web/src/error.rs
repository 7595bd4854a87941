//! Errors as pages: a short, safe message for the user; the cause goes to the log only.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use casewindow_app::AppError;

/// Why a request could not be served.
#[derive(Debug)]
pub enum WebError {
    /// Missing, or not the viewer's to see: both answer the same.
    NotFound,
    /// A form without a valid CSRF token, or from another site.
    Forbidden,
    TooLarge,
    /// A body that could not be read as the form it claims to be.
    BadRequest,
    /// The viewer's role must say why before reading this review's restricted content; the
    /// `purpose` middleware turns this into the form that asks.
    ReasonNeeded(casewindow_domain::ids::ReviewId),
    /// Input the use case refused, with what was wrong in words for the user: shown as a page
    /// of its own (422) where the handler had no form to show them on.
    Invalid(Vec<String>),
    /// Someone else changed the record first; nothing was written (409).
    Conflict,
    /// Something the user cannot fix; logged with a reference shown to the user.
    Unexpected(String),
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound { .. } => Self::NotFound,
            AppError::ReasonNeeded { review } => Self::ReasonNeeded(review),
            AppError::Invalid(problems) => Self::Invalid(
                problems
                    .iter()
                    .map(|p| {
                        let field = p.path.rsplit('.').next().unwrap_or("").replace('_', " ");
                        crate::pages::text::capitalise(&format!("{field}: {}", p.reason))
                    })
                    .collect(),
            ),
            AppError::Refused(refused) => Self::Invalid(vec![refused.to_string()]),
            AppError::Import(import) => Self::Invalid(vec![import.to_string()]),
            AppError::Conflict(_) => Self::Conflict,
            other => Self::Unexpected(format!("{other:?}")),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(err: askama::Error) -> Self {
        Self::Unexpected(format!("template: {err}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::layout::Layout,
    heading: &'static str,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Self::ReasonNeeded(review) = self {
            let mut response = (StatusCode::OK, "").into_response();
            response
                .extensions_mut()
                .insert(crate::pages::PurposeNeeded(review));
            return response;
        }
        let (status, heading, message) = match self {
            Self::ReasonNeeded(_) => unreachable!("answered above"),
            Self::NotFound => (StatusCode::NOT_FOUND, "Page not found", "If you typed the web address, check it is correct. If you followed a link, you may not have access to this review.".to_owned()),
            Self::Forbidden => (StatusCode::FORBIDDEN, "This form has expired", "For your security, the form could not be accepted. Go back, reload the page and try again.".to_owned()),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "That was too much to send", "The form was larger than casewindow accepts.".to_owned()),
            Self::BadRequest => (StatusCode::BAD_REQUEST, "The form could not be read", "Go back, reload the page and try again.".to_owned()),
            Self::Invalid(problems) => (StatusCode::UNPROCESSABLE_ENTITY, "There is a problem", format!("Nothing was saved. {} Go back, correct it and try again.", problems.join(" "))),
            Self::Conflict => (StatusCode::CONFLICT, "Someone else changed this first", "Nothing was saved, because the record changed after you opened it. Go back, reload the page to see it as it is now, and make your change again.".to_owned()),
            Self::Unexpected(detail) => {
                let reference = uuid_like();
                tracing::error!(reference = %reference, detail = %detail, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service", format!("Try again later. If it keeps happening, quote reference {reference}."))
            }
        };
        let page = ErrorPage {
            layout: crate::layout::Layout {
                title: heading.to_owned(),
                ..Default::default()
            },
            heading,
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, heading).into_response(),
        }
    }
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
