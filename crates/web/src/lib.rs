//! The HTTP surface. Only this crate knows HTTP.
//!
//! Server-rendered pages (askama templates in `templates/`, our own CSS and a little of our own
//! JavaScript in `assets/`) that work fully without JavaScript and follow GOV.UK Design System
//! patterns: error summary linking to each field, "check your answers" before a state change,
//! breadcrumbs, plain English.
//!
//! [`router`] builds the routes over an [`App`]; [`serve`] runs them on a listener that is
//! already bound, so tests can use port 0. Every request passes [`session::authenticate`]
//! (who is asking), [`session::guard`] (whether they may send a body to that route at all, and
//! how large, decided before it is read) and [`session::protect`] (CSRF); every response gets
//! security headers, including a Content-Security-Policy without `unsafe-inline`. Authorisation is decided in
//! the application layer, never here. Errors are logged in full and answered with a safe
//! message: no SQL text, stack traces or personal data.

pub mod api;
mod charts;
mod error;
mod form;
mod layout;
mod observe;
mod pages;
pub mod routes;
mod session;

pub use error::WebError;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use casewindow_app::App;
use casewindow_store::Store;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The state every handler shares.
pub type AppState<S> = Arc<App<S>>;

/// Builds the application's routes.
pub fn router<S: Store>(app: App<S>) -> Router {
    let state: AppState<S> = Arc::new(app);
    let pages = Router::new()
        .route("/health", get(health::<S>))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script))
        .merge(pages::routes::<S>())
        .route_layer(axum::middleware::from_fn(observe::mark_route))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(pages::ask_purpose))
        .layer(axum::middleware::from_fn(session::protect))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::guard::<S>,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::authenticate::<S>,
        ))
        .with_state(state.clone());
    // The API reads no cookie: it has its own authentication (a bearer token), and neither
    // the session nor the CSRF check of the pages.
    Router::new()
        .nest(api::BASE, api::router(state))
        .merge(pages)
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(observe::observe))
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn not_found() -> WebError {
    WebError::NotFound
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("../assets/app.css"))
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Liveness and readiness: answers 200 when the database answers.
async fn health<S: Store>(State(app): State<AppState<S>>) -> Response {
    match app.health().await {
        Ok(database) => axum::Json(json!({"status": "ok", "database": database})).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}
