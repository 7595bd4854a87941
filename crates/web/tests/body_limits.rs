//! Bodies are judged before they are read: a signed-in user without a part in the review cannot
//! make the server hold a body at all, each route reads at most its own limit (refused at once
//! when the declared length is larger, and when a body without a declared length runs past
//! it), and a file goes only to a route that takes one. On both engines.

use axum::body::{Body, Bytes, to_bytes};
use axum::http::{Request, StatusCode, header};
use casewindow_app::App;
use casewindow_domain::participation::Role;
use casewindow_testkit::fixtures::Sample;
use casewindow_testkit::{Engine, TestDb};
use std::time::Duration;
use tower::ServiceExt;
mod common;

/// A body that sends `first` and then never finishes: a server that waited for all of it
/// would never answer.
fn endless(first: &'static str) -> Body {
    let head =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(first)) });
    Body::from_stream(futures_util::StreamExt::chain(
        head,
        futures_util::stream::pending(),
    ))
}

/// Sends a request and waits at most five seconds for the answer's status.
async fn status_of(router: &axum::Router, request: Request<Body>) -> Option<StatusCode> {
    let answer =
        tokio::time::timeout(Duration::from_secs(5), router.clone().oneshot(request)).await;
    answer
        .ok()
        .map(|response| response.expect("response").status())
}

async fn bodies_are_judged_before_they_are_read(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let sample = Sample::new();
    sample.insert_all(&db.store).await.expect("review");
    // Someone with an account but no part in this review; and its lead reviewer.
    let (stranger, stranger_csrf) = {
        let other = Sample::new();
        other.insert_all(&db.store).await.expect("another review");
        let member = common::signed_in_as(&app, &db.store, &other, Role::LeadReviewer, None).await;
        (member.cookie, member.csrf)
    };
    let lead = common::signed_in_as(&app, &db.store, &sample, Role::LeadReviewer, None).await;
    let router = casewindow_web::router(app.clone());
    let upload = format!("/reviews/{}/documents", sample.review.id);
    let form = format!("/reviews/{}/agencies", sample.review.id);
    let request =
        |path: &str, cookie: &str, content_type: &str, length: Option<u64>, body: Body| {
            let mut builder = Request::builder()
                .method("POST")
                .uri(path)
                .header(header::HOST, "localhost")
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, content_type);
            if let Some(length) = length {
                builder = builder.header(header::CONTENT_LENGTH, length);
            }
            builder.body(body).expect("request")
        };
    let multipart = "multipart/form-data; boundary=x";
    let urlencoded = "application/x-www-form-urlencoded";

    // 60 MB declared to an upload route by someone outside the review: "not found" at once,
    // before a byte of the body is read (the body never finishes).
    let status = status_of(
        &router,
        request(
            &upload,
            &stranger,
            multipart,
            Some(60 << 20),
            endless("--x\r\n"),
        ),
    )
    .await;
    assert_eq!(
        status,
        Some(StatusCode::NOT_FOUND),
        "refused before reading"
    );
    let status = status_of(
        &router,
        request(&form, &stranger, urlencoded, None, endless("csrf_token=")),
    )
    .await;
    assert_eq!(status, Some(StatusCode::NOT_FOUND), "a form too");
    let _ = stranger_csrf;

    // The lead may upload; more than the route takes, declared, is refused at once.
    let status = status_of(
        &router,
        request(
            &upload,
            &lead.cookie,
            multipart,
            Some(200 << 20),
            endless("--x\r\n"),
        ),
    )
    .await;
    assert_eq!(status, Some(StatusCode::PAYLOAD_TOO_LARGE));
    // A form route takes far less than a file route.
    let status = status_of(
        &router,
        request(
            &form,
            &lead.cookie,
            urlencoded,
            Some(9 << 20),
            endless("csrf_token="),
        ),
    )
    .await;
    assert_eq!(status, Some(StatusCode::PAYLOAD_TOO_LARGE));
    // Undeclared and past the limit: read up to the limit, then refused.
    let big = format!("csrf_token={}&name={}", lead.csrf, "a".repeat(9 << 20));
    let status = status_of(
        &router,
        request(&form, &lead.cookie, urlencoded, None, Body::from(big)),
    )
    .await;
    assert_eq!(status, Some(StatusCode::PAYLOAD_TOO_LARGE));
    // A file to a route that takes none.
    let status = status_of(
        &router,
        request(
            &form,
            &lead.cookie,
            multipart,
            None,
            Body::from("--x--\r\n"),
        ),
    )
    .await;
    assert_eq!(status, Some(StatusCode::BAD_REQUEST));
    // And a proper form still works.
    let ok = format!(
        "csrf_token={}&name=Harbour+Primary+School&sector=education",
        lead.csrf
    );
    let response = router
        .clone()
        .oneshot(request(
            &form,
            &lead.cookie,
            urlencoded,
            None,
            Body::from(ok),
        ))
        .await
        .expect("response");
    let status = response.status();
    let _ = to_bytes(response.into_body(), 1 << 20).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_judged_before_they_are_read_sqlite() {
    bodies_are_judged_before_they_are_read(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_judged_before_they_are_read_postgres() {
    bodies_are_judged_before_they_are_read(Engine::Postgres).await;
}
