//! Two servers on one database, as behind a load balancer: what is saved through one is found by
//! search and counted in the pattern library through the other at once (the very next request,
//! with no waiting, so well within a second), with nothing kept in either that has to be told.

mod common;

use axum::http::StatusCode;
use casewindow_app::App;
use casewindow_store::prelude::*;
use casewindow_store_sql::{CreateMode, SqlStore};
use casewindow_testkit::fixtures::Sample;
use casewindow_testkit::{Engine, TestDb};
use common::{get, signed_in_lead};

/// "N of M findings" from the library page.
fn library_total(page: &str) -> usize {
    let lead = page
        .split("<p class=\"lead\">")
        .nth(1)
        .expect("the library's lead paragraph");
    let of = lead.split(" of ").nth(1).expect("N of M");
    of.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number of findings")
}

casewindow_testkit::each_engine!(
    a_finding_saved_through_one_server_is_found_and_counted_through_the_other
);
async fn a_finding_saved_through_one_server_is_found_and_counted_through_the_other(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let first = App::new(db.store.clone());
    first.prepare().await.expect("prepare");
    let sample = Sample::new();
    sample.insert_all(&db.store).await.expect("review");
    let (cookie, _csrf) = signed_in_lead(&first, &db.store, &sample, "lead@example.org").await;
    // The second server: its own connections, its own application, nothing shared in memory.
    let other_store = SqlStore::open(&db.url, CreateMode::MustExist)
        .await
        .expect("a second store on the same database");
    let second = App::new(other_store);
    let one = casewindow_web::router(first.clone());
    let two = casewindow_web::router(second);

    // Each server has answered once, so whatever it keeps is warm.
    let (status, before) = get(&two, "/library", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let counted = library_total(&before);
    let (status, page) = get(&two, "/search?q=hydrotherapy", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Hydrotherapy appointments"), "{page}");
    let (status, _) = get(&one, "/library", &cookie).await;
    assert_eq!(status, StatusCode::OK);

    // Saved through the first server.
    let (user, _) = db
        .store
        .account_by_email("lead@example.org")
        .await
        .expect("the lead")
        .expect("an account");
    let actor = casewindow_app::Actor {
        user: Some(user.id),
        label: "lead".to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    };
    let mut finding = sample.finding.clone();
    finding.id = casewindow_domain::ids::FindingId(uuid::Uuid::new_v4());
    finding.statement =
        "Hydrotherapy appointments were missed without anyone asking why.".to_owned();
    first
        .create(&actor, &finding)
        .await
        .expect("the finding saved");

    // Through the second, at once.
    let (status, page) = get(&two, "/search?q=hydrotherapy", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Hydrotherapy appointments"), "{page}");
    let (status, after) = get(&two, "/library", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(library_total(&after), counted + 1);
    assert!(after.contains("Hydrotherapy appointments"), "{after}");
}
