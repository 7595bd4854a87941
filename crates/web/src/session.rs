//! Who is asking: the session cookie, the signed-in user, and CSRF protection.
//!
//! Every state-changing request must carry the session's synchroniser token in its form
//! (`csrf_token`); before sign-in, the token is a random pre-session cookie echoed by the form.
//! Requests whose `Sec-Fetch-Site` or `Origin` shows another site are refused outright.

use crate::error::WebError;
use crate::routes::{MAX_FORM_BYTES, Needs, route_for};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use casewindow_app::{App, CurrentUser};
use casewindow_store::Store;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "cw_session";
/// Name of the pre-session cookie used for CSRF on the sign-in form.
pub const PRESESSION_COOKIE: &str = "cw_presession";
/// The most a request's body may hold, set by [`guard`] for the route it is for.
#[derive(Clone, Copy, Debug)]
struct BodyLimit(usize);

/// Decides, before any body is read, whether the asker may send it: a route that needs a
/// permission in a review is refused ("not found", as its page would answer) to a signed-in
/// user without it; a file goes only to a route that takes one; and each route reads at most
/// its own limit, refused at once when the declared length is larger. So nobody can make the
/// server hold a body it would refuse anyway.
pub async fn guard<S: Store>(
    State(app): State<Arc<App<S>>>,
    mut request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let Some((spec, id)) = route_for(request.method().as_str(), request.uri().path()) else {
        return WebError::NotFound.into_response();
    };
    let review = id.map(str::to_owned);
    let limit = spec.body_limit();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return WebError::TooLarge.into_response();
    }
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart && !spec.takes_file() {
        return WebError::BadRequest.into_response();
    }
    if let (Needs::Permission(permission), Some(Viewer::SignedIn(user))) =
        (spec.needs, request.extensions().get::<Viewer>())
    {
        let Some(review) = review.and_then(|r| r.parse::<casewindow_domain::ids::ReviewId>().ok())
        else {
            return WebError::NotFound.into_response();
        };
        if !app
            .may(&user.actor(), review, permission)
            .await
            .unwrap_or(false)
        {
            return WebError::NotFound.into_response();
        }
    }
    request.extensions_mut().insert(BodyLimit(limit));
    if spec.takes_file() {
        // A file is read and parsed whole: one at a time, so a burst of uploads holds one file's
        // working memory, not one per upload; the others wait their turn, unread.
        let Ok(_turn) = FILES_AT_ONCE.acquire().await else {
            return WebError::TooLarge.into_response();
        };
        return next.run(request).await;
    }
    next.run(request).await
}

/// How many requests carrying a file are read and handled at once.
static FILES_AT_ONCE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The request's viewer, put in the request extensions by [`authenticate`].
#[derive(Clone, Debug)]
pub enum Viewer {
    SignedIn(CurrentUser),
    Anonymous { presession: Option<String> },
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_owned())
        })
}

/// A `Set-Cookie` value with the attributes every casewindow cookie has.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        cookie.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    cookie
}

/// Resolves the session cookie into a [`Viewer`].
pub async fn authenticate<S: Store>(
    State(app): State<Arc<App<S>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let viewer = match cookie(request.headers(), SESSION_COOKIE) {
        Some(token) => match app.session_user(&token).await {
            Ok(Some(mut user)) => {
                user.purpose = crate::pages::purpose_from(request.uri().path(), request.headers());
                Viewer::SignedIn(user)
            }
            Ok(None) => Viewer::Anonymous {
                presession: cookie(request.headers(), PRESESSION_COOKIE),
            },
            Err(err) => return WebError::from(err).into_response(),
        },
        None => Viewer::Anonymous {
            presession: cookie(request.headers(), PRESESSION_COOKIE),
        },
    };
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        return origin != "null" && origin_host != host;
    }
    false
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut split = part.splitn(2, |b| *b == b'=');
            let key = decode(split.next().unwrap_or_default());
            let value = decode(split.next().unwrap_or_default());
            (key, value)
        })
}

fn decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut idx = 0;
    while idx < raw.len() {
        match raw[idx] {
            b'+' => out.push(b' '),
            b'%' if idx + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[idx + 1..idx + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        idx += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        idx += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Refuses state-changing requests without a valid CSRF token or from another site.
pub async fn protect(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    if cross_site(request.headers()) {
        return WebError::Forbidden.into_response();
    }
    let expected = match request.extensions().get::<Viewer>() {
        Some(Viewer::SignedIn(user)) => Some(user.csrf_token.clone()),
        Some(Viewer::Anonymous { presession }) => presession.clone(),
        None => None,
    };
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
        .map(str::to_owned);
    // Only a signed-in user may send a file, so nobody else can make the server hold one.
    if multipart.is_some() && !matches!(expected_viewer(&request), Some(true)) {
        return WebError::Forbidden.into_response();
    }
    let (mut parts, body) = request.into_parts();
    let limit = parts
        .extensions
        .get::<BodyLimit>()
        .map_or(MAX_FORM_BYTES, |limit| limit.0);
    let Ok(bytes) = to_bytes(body, limit).await else {
        return WebError::TooLarge.into_response();
    };
    let (supplied, bytes) = match multipart {
        Some(content_type) => {
            // Parsed once, here; the handler takes the parsed form from the extensions.
            let Ok(form) = crate::form::MultipartForm::parse(&content_type, bytes).await else {
                return WebError::BadRequest.into_response();
            };
            let supplied = Some(form.fields.get("csrf_token")).filter(|t| !t.is_empty());
            parts.extensions.insert(form);
            (supplied, axum::body::Bytes::new())
        }
        None => (form_field(&bytes, "csrf_token"), bytes),
    };
    let valid = match (expected, supplied) {
        (Some(expected), Some(supplied)) => {
            bool::from(expected.as_bytes().ct_eq(supplied.as_bytes()))
        }
        _ => false,
    };
    if !valid {
        return WebError::Forbidden.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether the request's viewer is signed in (`None` when no viewer was set).
fn expected_viewer(request: &Request) -> Option<bool> {
    request
        .extensions()
        .get::<Viewer>()
        .map(|v| matches!(v, Viewer::SignedIn(_)))
}

/// A signed-in user; pages that need one redirect to sign-in without it.
#[derive(Clone, Debug)]
pub struct SignedIn(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Viewer>() {
            Some(Viewer::SignedIn(user)) => Ok(Self(user.clone())),
            _ => Err(Redirect::to("/sign-in").into_response()),
        }
    }
}
