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

/// A new account taking part in `sample`'s review as a lead reviewer, signed in: the session
/// cookie and the session's CSRF token.
#[allow(dead_code)] // not every test file signs people in this way
pub async fn signed_in_lead<S: casewindow_store::Store>(
    app: &casewindow_app::App<S>,
    store: &S,
    sample: &casewindow_testkit::fixtures::Sample,
    email: &str,
) -> (String, String) {
    const PASSWORD: &str = "page tests password 2026";
    let user = app
        .create_account("Lead Reviewer", email, PASSWORD, false)
        .await
        .expect("account");
    store
        .insert(
            &casewindow_domain::participation::Participation {
                id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
                review_id: sample.review.id,
                user_id: Some(user.id),
                label: "Lead reviewer".to_owned(),
                role: casewindow_domain::participation::Role::LeadReviewer,
                agency_id: None,
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            },
            &casewindow_testkit::fixtures::change("joined the team"),
        )
        .await
        .expect("participation");
    let signed_in = app.sign_in(email, PASSWORD).await.expect("signs in");
    (
        format!("cw_session={}", signed_in.token),
        signed_in.csrf_token,
    )
}

/// Someone signed in, taking part in a review.
#[allow(dead_code)] // not every test file signs people in this way
pub struct Member {
    pub cookie: String,
    pub csrf: String,
    pub user: casewindow_domain::ids::UserId,
    pub participation: casewindow_domain::ids::ParticipationId,
}

/// A new account with `role` in `sample`'s review (for `agency`, if given), signed in.
#[allow(dead_code)] // not every test file signs people in this way
pub async fn signed_in_as<S: casewindow_store::Store>(
    app: &casewindow_app::App<S>,
    store: &S,
    sample: &casewindow_testkit::fixtures::Sample,
    role: casewindow_domain::participation::Role,
    agency: Option<casewindow_domain::ids::AgencyId>,
) -> Member {
    let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
    let password = "page tests password 2026";
    let user = app
        .create_account(&format!("{role:?} person"), &email, password, false)
        .await
        .expect("account");
    let participation = casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4());
    store
        .insert(
            &casewindow_domain::participation::Participation {
                id: participation,
                review_id: sample.review.id,
                user_id: Some(user.id),
                label: format!("{role:?}"),
                role,
                agency_id: agency,
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            },
            &casewindow_testkit::fixtures::change("joined"),
        )
        .await
        .expect("participation");
    let signed_in = app.sign_in(&email, password).await.expect("signs in");
    Member {
        cookie: format!("cw_session={}", signed_in.token),
        csrf: signed_in.csrf_token,
        user: user.id,
        participation,
    }
}
