//! Reasons by role: a review team member opening the chronologies is asked why, once; the reason
//! is kept with every audited read for that review only. The lead reviewer is not asked.

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use casewindow_app::App;
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::prelude::*;
use casewindow_testkit::fixtures::{Sample, change};
use casewindow_testkit::{Engine, TestDb};
use common::get;
use tower::ServiceExt;

const PASSWORD: &str = "purpose test password 2026";

casewindow_testkit::each_engine!(
    a_team_member_says_why_before_reading_chronologies_and_the_reason_is_audited
);
async fn a_team_member_says_why_before_reading_chronologies_and_the_reason_is_audited(
    engine: Engine,
) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let sample = Sample::new();
    sample.insert_all(&db.store).await.expect("review");
    let member = app
        .create_account("Team Member", "member@example.org", PASSWORD, false)
        .await
        .expect("account");
    db.store
        .insert(
            &Participation {
                id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
                review_id: sample.review.id,
                user_id: Some(member.id),
                label: "Designated nurse".to_owned(),
                role: Role::ReviewTeamMember,
                agency_id: Some(sample.health.id),
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            },
            &change("joined the team"),
        )
        .await
        .expect("participation");
    let signed_in = app
        .sign_in("member@example.org", PASSWORD)
        .await
        .expect("signs in");
    let session = format!("cw_session={}", signed_in.token);
    let router = casewindow_web::router(app.clone());
    let chronology = format!("/reviews/{}/chronology", sample.review.id);

    // Asked why, with the page to come back to.
    let (status, body) = get(&router, &chronology, &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Why do you need to read this?"), "{body}");
    assert!(
        body.contains(&format!("value=\"{chronology}\"")),
        "returns to the chronology"
    );
    assert!(
        !body.contains(&sample.entry.description),
        "nothing read yet"
    );

    // An empty reason is refused at the field.
    let post = |reason: &str| {
        Request::builder()
            .method("POST")
            .uri(format!("/reviews/{}/purpose", sample.review.id))
            .header(header::HOST, "localhost")
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf_token={}&return_to={}&purpose={reason}",
                signed_in.csrf_token, chronology
            )))
            .expect("request")
    };
    let response = router.clone().oneshot(post("")).await.expect("response");
    let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
    assert!(String::from_utf8_lossy(&body).contains("Say why you need to read"));

    let response = router
        .clone()
        .oneshot(post("preparing+the+panel+discussion+of+KPE+2"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], chronology.as_str());
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains(&format!("Path=/reviews/{}", sample.review.id)),
        "{cookie}"
    );
    let purpose_cookie = cookie.split(';').next().expect("pair").to_owned();

    let (status, body) = get(
        &router,
        &chronology,
        &format!("{session}; {purpose_cookie}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Chronologies"), "the chronology itself now");
    let events = db
        .store
        .audit_events(sample.review.id, 20)
        .await
        .expect("audit");
    assert!(
        events.iter().any(|e| e.entry.actor == Some(member.id)
            && e.entry.action == "read"
            && e.entry.reason == "preparing the panel discussion of KPE 2"),
        "the read is audited with its reason"
    );
    db.cleanup().await.expect("cleanup");
}
