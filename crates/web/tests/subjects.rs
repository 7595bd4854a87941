//! The child and family through the pages, on both engines: a person is added by pseudonym, their
//! real identity recorded sealed (the raw table holds no plaintext), and shown only for a reason
//! that the audit trail keeps.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use casewindow_app::{App, Vault};
use casewindow_domain::participation::Subject;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;
use common::{get, send};

const FORM: &str = "application/x-www-form-urlencoded";

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

both_backends!(
    a_person_is_added_by_pseudonym_their_identity_sealed_and_shown_only_for_a_reason,
    |store: SqlStore, url: String| async move {
        let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let app = App::new(store.clone()).with_vault(Vault::from_base64(&key)?);
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
        let (session, csrf) = common::signed_in_lead(&app, &store, &sample, &email).await;
        let router = casewindow_web::router(app.clone());
        let review = sample.review.id;
        let post = |path: String, body: String| {
            let (router, session) = (router.clone(), session.clone());
            async move {
                send(
                    &router,
                    "POST",
                    &path,
                    &session,
                    Some(FORM.to_owned()),
                    body,
                )
                .await
            }
        };

        // Added by pseudonym and relationship; listed by pseudonym.
        let (status, page) = get(
            &router,
            &format!("/reviews/{review}/subjects/new"),
            &session,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let (status, location, page) = post(
            format!("/reviews/{review}/subjects/new"),
            format!(
                "csrf_token={csrf}&once=k1&pseudonym=Mother&relationship=mother&age_band=adult"
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(location, format!("/reviews/{review}/subjects"));
        let (_, list) = get(&router, &location, &session).await;
        assert!(list.contains("Mother"), "{list}");
        let mother = store
            .list::<Subject>(review.0)
            .await?
            .into_iter()
            .find(|s| s.record.pseudonym == "Mother")
            .expect("the new person");
        let base = format!("/reviews/{review}/subjects/{}", mother.record.id);

        // Recording needs a reason; then the name is sealed at rest.
        let name = "Dani Quinnell";
        let (status, _, page) = post(
            format!("{base}/identity"),
            format!("csrf_token={csrf}&full_name={}&reason=", encode(name)),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Say why the identity is being recorded"),
            "{page}"
        );
        let (status, location, page) = post(
            format!("{base}/identity"),
            format!(
                "csrf_token={csrf}&full_name={}&aliases=Dani&reason={}",
                encode(name),
                encode("named in the police chronology")
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(location.ends_with("#identity"), "{location}");
        let direct = if url.starts_with("sqlite:") {
            format!("{}?mode=ro", url.replacen("sqlite:", "sqlite://", 1))
        } else {
            url.clone()
        };
        let pool = sqlx::AnyPool::connect(&direct).await?;
        let rows: Vec<String> = sqlx::query_scalar("SELECT body FROM subject_identities")
            .fetch_all(&pool)
            .await?;
        pool.close().await;
        assert!(!rows.is_empty(), "the identity is stored");
        assert!(
            rows.iter()
                .all(|r| !r.contains("Quinnell") && !r.contains("Dani")),
            "sealed, never plaintext"
        );

        // The page never shows it unasked; a reveal needs a reason and is audited.
        let (_, page) = get(&router, &base, &session).await;
        assert!(!page.contains(name), "not shown unasked");
        let (status, _, page) = post(
            format!("{base}/reveal"),
            format!("csrf_token={csrf}&reveal_reason="),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!page.contains(name));
        let why = "checking the school's records";
        let (status, _, page) = post(
            format!("{base}/reveal"),
            format!("csrf_token={csrf}&reveal_reason={}", encode(why)),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(name), "{page}");
        let trail = store.audit_events(review, 50).await?;
        assert!(
            trail
                .iter()
                .any(|e| e.entry.action == "reveal_identity" && e.entry.reason == why),
            "the reveal and its reason are in the audit trail"
        );
        Ok(())
    }
);
