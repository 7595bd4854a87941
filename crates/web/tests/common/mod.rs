//! What the page tests share.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

/// A GET of `path` with these cookies: the status and the page.
#[allow(dead_code)] // not every test file reads pages
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

/// A request with a body: the status, the `Location` header and the page.
#[allow(dead_code)] // not every test file sends forms
pub async fn send(
    router: &axum::Router,
    method: &str,
    path: &str,
    cookies: &str,
    content_type: Option<String>,
    body: String,
) -> (StatusCode, String, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookies);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = to_bytes(response.into_body(), 8 << 20).await.expect("body");
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}
