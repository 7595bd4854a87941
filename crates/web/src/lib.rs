//! The HTTP surface. Only this crate knows HTTP.
//!
//! [`router`] builds the routes over an [`App`]; [`serve`] runs them on a listener that is
//! already bound, so tests can use port 0 without sleeping. Errors are logged in full and
//! answered with a short, safe message: no SQL text, no stack traces, no personal data.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use casewindow_app::App;
use casewindow_store::Store;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Builds the application's routes.
pub fn router<S: Store>(app: App<S>) -> Router {
    Router::new()
        .route("/health", get(health::<S>))
        .with_state(Arc::new(app))
        .layer(axum::middleware::map_response(security_headers))
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

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Liveness and readiness: answers 200 when the database answers.
async fn health<S: Store>(State(app): State<Arc<App<S>>>) -> Response {
    match app.store().partnerships().await {
        Ok(_) => {
            Json(json!({"status": "ok", "database": app.store().backend().name()})).into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}
