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

/// The sample review with a vault, and its lead reviewer signed in: the sample, the pages, the
/// session cookie and its CSRF token.
async fn signed_in(
    store: &SqlStore,
    key: u8,
) -> anyhow::Result<(Sample, axum::Router, String, String)> {
    let key = base64::engine::general_purpose::STANDARD.encode([key; 32]);
    let app = App::new(store.clone()).with_vault(Vault::from_base64(&key)?);
    app.prepare().await?;
    let sample = Sample::new();
    sample.insert_all(store).await?;
    let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
    let (session, csrf) = common::signed_in_lead(&app, store, &sample, &email).await;
    let router = casewindow_web::router(app.clone());
    Ok((sample, router, session, csrf))
}

/// A form sent by POST: the status, the Location header and the page.
async fn post(
    router: &axum::Router,
    session: &str,
    path: String,
    body: String,
) -> (StatusCode, String, String) {
    send(router, "POST", &path, session, Some(FORM.to_owned()), body).await
}

both_backends!(
    a_person_is_added_by_pseudonym_their_identity_sealed_and_shown_only_for_a_reason,
    |store: SqlStore, url: String| async move {
        let (sample, router, session, csrf) = signed_in(&store, 9).await?;
        let review = sample.review.id;
        let post = |path: String, body: String| post(&router, &session, path, body);

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

both_backends!(
    relationships_draw_the_genogram_and_special_category_fields_stay_sealed,
    |store: SqlStore, url: String| async move {
        let (sample, router, session, csrf) = signed_in(&store, 7).await?;
        let review = sample.review.id;
        let child = sample.child.id;
        let post = |path: String, body: String| post(&router, &session, path, body);
        let new = format!("/reviews/{review}/subjects/new");
        let person = "pseudonym=Mother&relationship=mother&age_band=adult&household=yes";

        // A relationship needs a person, cannot end before it starts, and names someone else.
        let (status, _, page) = post(
            new.clone(),
            format!("csrf_token={csrf}&once=r1&{person}&rel_0=parent_of&rel_to_0="),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Choose the person they are related to"),
            "{page}"
        );
        let (status, _, page) = post(
            new.clone(),
            format!(
                "csrf_token={csrf}&once=r2&{person}&rel_0=partner_of&rel_to_0={child}\
                 &rel_from_0=2024-05-01&rel_until_0=2023-01-01"
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("The end date must not be before the start date"));
        let stranger = uuid::Uuid::new_v4();
        let (status, _, page) = post(
            new.clone(),
            format!("csrf_token={csrf}&once=r3&{person}&rel_0=parent_of&rel_to_0={stranger}"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(
            store.list::<Subject>(review.0).await?.len() == 1,
            "nothing half-written"
        );

        // The mother, parent of the child, with a second blank row left empty.
        let (status, _, page) = post(
            new.clone(),
            format!(
                "csrf_token={csrf}&once=r4&{person}&rel_0=parent_of&rel_to_0={child}\
                 &rel_from_0=&rel_until_0=&rel_1=&rel_to_1=&rel_from_1=&rel_until_1=\
                 &legal_0=&legal_detail_0=&legal_from_0=&legal_until_0="
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let mother = store
            .list::<Subject>(review.0)
            .await?
            .into_iter()
            .find(|s| s.record.pseudonym == "Mother")
            .expect("saved");
        assert_eq!(mother.record.relationships.len(), 1);
        assert!(mother.record.household);
        let base = format!("/reviews/{review}/subjects/{}", mother.record.id);
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/subjects/{child}"),
            &session,
        )
        .await;
        assert!(
            page.contains("Mother is parent of this person"),
            "the child's page shows what was recorded on the mother's"
        );

        // Sex, ethnicity and disability: sealed at rest, shown to the team, read audited.
        let (status, location, page) = post(
            format!("{base}/characteristics"),
            format!(
                "csrf_token={csrf}&sex=female&ethnicity={}&disability={}",
                encode("White Irish Traveller"),
                encode("Long-standing depression")
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(location.ends_with("#characteristics"));
        let (status, _, _) = post(
            format!("{base}/characteristics"),
            format!("csrf_token={csrf}&sex=wizard"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _, _) = post(
            format!("{base}/identity"),
            format!(
                "csrf_token={csrf}&full_name={}&reason=records&address_0={}&address_from_0=2021-02-01\
                 &address_until_0=2020-01-01",
                encode("Dani Quinnell"),
                encode("14 Orchard Lane")
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "dates in order");
        let (status, _, page) = post(
            format!("{base}/identity"),
            format!(
                "csrf_token={csrf}&full_name={}&reason=records&address_0={}&address_from_0=2021-02-01\
                 &ident_0={}&ident_value_0={}",
                encode("Dani Quinnell"),
                encode("14 Orchard Lane"),
                encode("NHS number"),
                encode("943 476 5919")
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let direct = if url.starts_with("sqlite:") {
            format!("{}?mode=ro", url.replacen("sqlite:", "sqlite://", 1))
        } else {
            url.clone()
        };
        let pool = sqlx::AnyPool::connect(&direct).await?;
        let sealed: Vec<String> = sqlx::query_scalar(
            "SELECT sealed FROM subject_characteristics UNION ALL SELECT body FROM subject_identities",
        )
        .fetch_all(&pool)
        .await?;
        let subjects: Vec<String> = sqlx::query_scalar("SELECT body FROM subjects")
            .fetch_all(&pool)
            .await?;
        pool.close().await;
        assert_eq!(sealed.len(), 2);
        for plain in [
            "Traveller",
            "depression",
            "female",
            "Orchard",
            "5919",
            "Quinnell",
        ] {
            assert!(
                sealed.iter().chain(&subjects).all(|r| !r.contains(plain)),
                "{plain} is sealed, never plaintext"
            );
        }
        let (_, page) = get(&router, &base, &session).await;
        assert!(page.contains("White Irish Traveller"), "shown to the team");

        // The genogram draws the mother as a circle above the child, by pseudonym.
        let (status, page) = get(&router, &format!("/reviews/{review}/genogram"), &session).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("<svg") && page.contains("<circle"), "{page}");
        assert!(page.contains("parent of Child S"), "the table in words");
        assert!(!page.contains("Quinnell"));
        let trail = store.audit_events(review, 50).await?;
        assert!(
            trail
                .iter()
                .any(|e| e.entry.entity == "subject_characteristics" && e.entry.action == "read"),
            "reading them is audited"
        );
        Ok(())
    }
);
