//! A chronology file uploaded through the pages: multipart forms carry the CSRF token like any
//! other form, only signed-in users may send files, a staged file is its uploader's alone, and
//! a file with a bad row changes nothing. On both engines.

use axum::http::StatusCode;
use casewindow_app::App;
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_store::prelude::*;
use casewindow_testkit::fixtures::Sample;
use casewindow_testkit::{Engine, TestDb};
mod common;

use common::send;

const BOUNDARY: &str = "----casewindowtestboundary";

fn multipart(parts: &[(&str, Option<&str>, &str)]) -> String {
    let mut body = String::new();
    for (name, file_name, value) in parts {
        body.push_str(&format!("--{BOUNDARY}\r\n"));
        match file_name {
            Some(file) => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n"
            )),
            None => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            )),
        }
        body.push_str(value);
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

async fn staged_upload_is_guarded_and_a_bad_file_changes_nothing(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let sample = Sample::new();
    sample.insert_all(&db.store).await.expect("review");
    let (session, csrf) =
        common::signed_in_lead(&app, &db.store, &sample, "lead@example.org").await;
    let (other_session, _) =
        common::signed_in_lead(&app, &db.store, &sample, "colead@example.org").await;
    let router = casewindow_web::router(app.clone());
    let path = format!("/reviews/{}/chronology/import", sample.review.id);
    let content_type = Some(format!("multipart/form-data; boundary={BOUNDARY}"));
    let agency = sample.health.id.to_string();
    let csv = "Date,Details\n03/02/2020,Seen at clinic\nnot a date,Letter sent\n";
    let entries_before = db
        .store
        .list::<ChronologyEntry>(sample.review.id.0)
        .await
        .expect("entries")
        .len();

    // No token, and no session: both refused before anything is read.
    let body = multipart(&[("agency_id", None, &agency), ("file", Some("a.csv"), csv)]);
    let (status, _, _) = send(
        &router,
        "POST",
        &path,
        &session,
        content_type.clone(),
        body.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "multipart form without its token"
    );
    let with_token = multipart(&[
        ("csrf_token", None, &csrf),
        ("agency_id", None, &agency),
        ("file", Some("C:\\Users\\someone\\a.csv"), csv),
    ]);
    let (status, _, _) = send(
        &router,
        "POST",
        &path,
        "",
        content_type.clone(),
        with_token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "anonymous upload");

    // Staged, and shown to its uploader with the bad row named; the folder is dropped.
    let (status, location, _) = send(
        &router,
        "POST",
        &path,
        &session,
        content_type.clone(),
        with_token,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("{path}/")), "{location}");
    let (status, _, page) = send(&router, "GET", &location, &session, None, String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Check the import of a.csv"), "{page}");
    assert!(page.contains("Row 3, column &#34;Date&#34;"), "{page}");
    assert!(!page.contains("Users"), "the browser's folder is not kept");

    // Another member of the same review cannot see or use it.
    let (status, gone, dbg) = send(
        &router,
        "GET",
        &location,
        &other_session,
        None,
        String::new(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{dbg}");
    assert_eq!(gone, format!("{path}?gone=1"));

    // Importing it anyway is refused and writes nothing.
    let form = format!(
        "csrf_token={csrf}&action=import&table=&header_rows=1&col_date=A&col_description=B"
    );
    let (status, _, page) = send(
        &router,
        "POST",
        &location,
        &session,
        Some("application/x-www-form-urlencoded".to_owned()),
        form,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused form is a 422"
    );
    assert!(page.contains("There is a problem"), "{page}");
    let entries_after = db
        .store
        .list::<ChronologyEntry>(sample.review.id.0)
        .await
        .expect("entries")
        .len();
    assert_eq!(entries_before, entries_after, "nothing imported");
    assert!(
        db.store
            .chronology_imports(sample.review.id)
            .await
            .expect("imports")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_upload_sqlite() {
    staged_upload_is_guarded_and_a_bad_file_changes_nothing(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_upload_postgres() {
    staged_upload_is_guarded_and_a_bad_file_changes_nothing(Engine::Postgres).await;
}
