//! One span per request: a request id, the route template (never the address itself, which
//! names reviews and records), the status and the latency. No personal data: no addresses,
//! queries, bodies, cookies or user names. A refused form (a page shown again with its errors)
//! answers a POST with 422 here, so every handler's refusal reads the same to programs.

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument as _;

/// Marks a page rendered with form errors (see `pages::render`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FormRefused;

/// The route template a request matched, passed out to [`observe`] in the response.
#[derive(Clone, Debug)]
struct Route(String);

/// Inside routing: copies the matched route template onto the response.
pub(crate) async fn mark_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Outside everything: the request's span, its one log line, its id header, and 422 for a
/// refused form.
pub(crate) async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let id = request_id();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %method,
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    if method == Method::POST
        && response.status() == StatusCode::OK
        && response.extensions().get::<FormRefused>().is_some()
    {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let route = response
        .extensions()
        .get::<Route>()
        .map_or("(no route)", |r| r.0.as_str());
    span.record("route", route);
    span.record("status", response.status().as_u16());
    span.record(
        "latency_ms",
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    if response.status().is_server_error() {
        tracing::warn!(parent: &span, "served");
    } else {
        tracing::info!(parent: &span, "served");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A short random id, quoted with any error the request met.
pub(crate) fn request_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
