//! The chronology page's section is rendered once per review change and kept: each reader still
//! gets their own CSRF token in its forms, only what their role lets them read, and a change is
//! shown at once.

mod common;

use axum::http::StatusCode;
use casewindow_app::{Actor, App};
use casewindow_domain::ids::ParticipationId;
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::prelude::*;
use casewindow_testkit::fixtures::{Sample, change};
use casewindow_testkit::{Engine, TestDb};
use common::get;

const PASSWORD: &str = "chronology cache password 2026";

/// Text as the page escapes it.
fn html(text: &str) -> String {
    text.replace('&', "&#38;").replace('\'', "&#39;")
}

async fn join(
    db: &TestDb,
    sample: &Sample,
    user: casewindow_domain::ids::UserId,
    role: Role,
    agency: Option<casewindow_domain::ids::AgencyId>,
) {
    db.store
        .insert(
            &Participation {
                id: ParticipationId(uuid::Uuid::new_v4()),
                review_id: sample.review.id,
                user_id: Some(user),
                label: format!("{role:?}"),
                role,
                agency_id: agency,
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            },
            &change("joined"),
        )
        .await
        .expect("participation");
}

casewindow_testkit::each_engine!(
    each_reader_gets_their_own_token_their_own_scope_and_the_latest_content
);
async fn each_reader_gets_their_own_token_their_own_scope_and_the_latest_content(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let sample = Sample::new();
    sample.insert_all(&db.store).await.expect("review");
    let mut sessions = Vec::new();
    for (name, email, role, agency) in [
        ("Lead One", "one@example.org", Role::LeadReviewer, None),
        ("Lead Two", "two@example.org", Role::CoReviewer, None),
        (
            "Health Liaison",
            "liaison@example.org",
            Role::AgencyRecordsLiaison,
            Some(sample.health.id),
        ),
    ] {
        let user = app
            .create_account(name, email, PASSWORD, false)
            .await
            .expect("account");
        join(&db, &sample, user.id, role, agency).await;
        sessions.push(app.sign_in(email, PASSWORD).await.expect("signs in"));
    }
    // A second agency's entry, which the health liaison must never see.
    let mut social_care = sample.entry.clone();
    social_care.id = casewindow_domain::ids::ChronologyEntryId(uuid::Uuid::new_v4());
    social_care.agency_id = sample.social_care.id;
    social_care.source = None;
    social_care.description = "Strategy discussion held by the social care team".to_owned();
    db.store
        .insert(&social_care, &change("added"))
        .await
        .expect("entry");
    let router = casewindow_web::router(app.clone());
    let side_by_side = format!("/reviews/{}/chronology?view=side-by-side", sample.review.id);

    for _ in 0..2 {
        for session in &sessions[..2] {
            let (status, body) = get(
                &router,
                &side_by_side,
                &format!("cw_session={}", session.token),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let own = format!("name=\"csrf_token\" value=\"{}\"", session.csrf_token);
            assert!(
                body.matches(&own).count() >= 2,
                "their own token in the forms"
            );
            for other in &sessions {
                if other.token != session.token {
                    assert!(!body.contains(&other.csrf_token), "never another's token");
                }
            }
            assert!(!body.contains("<csrf-"), "no placeholder left");
            assert!(body.contains(&social_care.description));
        }
    }
    let agency_view = format!("/reviews/{}/chronology", sample.review.id);
    let (_, before) = get(
        &router,
        &agency_view,
        &format!("cw_session={}", sessions[0].token),
    )
    .await;
    assert!(before.contains(&html(&sample.entry.description)));
    let (_, liaison) = get(
        &router,
        &format!("/reviews/{}/chronology", sample.review.id),
        &format!("cw_session={}", sessions[2].token),
    )
    .await;
    assert!(
        liaison.contains(&html(&sample.entry.description)),
        "{liaison}"
    );
    assert!(
        !liaison.contains(&social_care.description),
        "a liaison reads only their own agency's entries"
    );

    // A change is shown at once.
    let mut reworded = sample.entry.clone();
    reworded.description = "Health visitor contact, reworded after checking the records".to_owned();
    app.update(&Actor::system("test"), &reworded, 1, "reworded")
        .await
        .expect("update");
    let (_, body) = get(
        &router,
        &format!("/reviews/{}/chronology", sample.review.id),
        &format!("cw_session={}", sessions[0].token),
    )
    .await;
    assert!(body.contains(&reworded.description), "{body}");
    assert!(!body.contains(&html(&sample.entry.description)));
}
