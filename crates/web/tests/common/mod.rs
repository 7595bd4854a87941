//! What the page tests share.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

/// A GET of `path` with these cookies: the status and the page.
pub async fn get(router: &axum::Router, path: &str, cookies: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(
            Request::builder()
                .uri(path)
                .header(header::HOST, "localhost")
                .header(header::COOKIE, cookies)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let status = response.status();
    let body = to_bytes(response.into_body(), 8 << 20).await.expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}
