//! The API's authorisation matrix, generated from its table of operations: every operation ×
//! every role (and a national analyst) × a read token and a write token × the token owner's
//! review and another review, each checked against the role policy and the token's limits;
//! and a token scoped to one review reaches nothing of another its owner leads. Also the API's
//! answers as a program meets them: problem details naming fields, ETags and If-Match, the
//! description generated from the same table.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use casewindow_app::{Actor, App, NewToken, Permission, permits};
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::prelude::*;
use casewindow_testkit::fixtures::{Sample, change};
use casewindow_testkit::{Engine, TestDb};
use casewindow_web::api::{ApiNeeds, BASE, operations};
use serde_json::{Value, json};
use tower::ServiceExt;

/// What a program sends for a record: the record less what the server sets.
fn body_of(record: &impl serde::Serialize, server: &[&str]) -> Value {
    let mut value = serde_json::to_value(record).expect("json");
    let object = value.as_object_mut().expect("an object");
    for field in ["id", "review_id"].iter().chain(server) {
        object.remove(*field);
    }
    value
}

/// The path of `operation` in `sample`'s review, and the body a write sends.
fn request_for(path: &str, sample: &Sample) -> (String, Value) {
    if path == "/reviews" {
        let body = json!({
            "title": "Opened by a program",
            "partnership_id": sample.partnership.id,
            "kind": "local_child_safeguarding_practice_review",
            "methodology": {"method": "learning_together", "variant": "mid_range"},
        });
        return (format!("{BASE}{path}"), body);
    }
    if path == "/recurrent-issues" {
        let body = json!({
            "pattern": "family_professional",
            "label": "Interpreters booked too late for home visits",
            "description": "Visits go ahead without an interpreter.",
        });
        return (format!("{BASE}{path}"), body);
    }
    let segment = path.split('/').nth(3).unwrap_or_default();
    let (id, body) = match segment {
        "chronology-entries" => (sample.entry.id.0, body_of(&sample.entry, &["source"])),
        "conversations" => (
            sample.conversation.id.0,
            body_of(&sample.conversation, &["check_back"]),
        ),
        "kpes" => (sample.kpe.id.0, body_of(&sample.kpe, &["position"])),
        "findings" => (
            sample.finding.id.0,
            body_of(&sample.finding, &["position", "status", "pattern_choice"]),
        ),
        "responses" => (sample.response.id.0, body_of(&sample.response, &[])),
        "actions" => (sample.action.id.0, body_of(&sample.action, &[])),
        "agencies" => (
            uuid::Uuid::nil(),
            json!({"name": "Harrowgate Community Health", "sector": "police"}),
        ),
        "suggestions" => (
            uuid::Uuid::nil(),
            json!({"text": "Nobody told the school the child protection plan had ended."}),
        ),
        _ => (sample.issue.id.0, Value::Null),
    };
    let path = path
        .replace("{review}", &sample.review.id.to_string())
        .replace("{id}", &id.to_string());
    (format!("{BASE}{path}"), body)
}

async fn send(
    router: &axum::Router,
    method: &str,
    uri: &str,
    token: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(if method == "PUT" {
            format!("{uri}?reason=matrix")
        } else {
            uri.to_owned()
        })
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        // Roles that read chronologies only with a stated purpose state one.
        .header("casewindow-purpose", "authorisation matrix");
    if method == "PUT" {
        request = request.header(header::IF_MATCH, "\"1\"");
    }
    let request = if method == "GET" {
        request.body(Body::empty())
    } else {
        request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
    }
    .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn token(
    app: &App<impl Store>,
    actor: &Actor,
    write: bool,
    reviews: Vec<casewindow_domain::ids::ReviewId>,
) -> String {
    app.create_api_token(
        actor,
        &NewToken {
            name: format!("matrix {write}"),
            write,
            reviews,
            days: 1,
        },
    )
    .await
    .expect("token")
    .1
}

fn member(user: casewindow_domain::ids::UserId, national_analyst: bool) -> Actor {
    Actor {
        user: Some(user),
        label: "matrix".to_owned(),
        platform_admin: false,
        national_analyst,
        purpose: None,
        token: None,
    }
}

/// Gives `user` `role` in `review` (a liaison for `agency`).
async fn join(
    store: &impl Store,
    review: casewindow_domain::ids::ReviewId,
    user: casewindow_domain::ids::UserId,
    role: Role,
    agency: Option<casewindow_domain::ids::AgencyId>,
) {
    store
        .insert(
            &Participation {
                id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
                review_id: review,
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

fn expected(needs: ApiNeeds, role: Option<Role>, writes: bool, write_token: bool) -> bool {
    if writes && !write_token {
        return false;
    }
    match needs {
        ApiNeeds::Public | ApiNeeds::Library => true,
        // Members list their reviews (an analyst's list is empty, not refused) and open new
        // ones (an analyst opens none).
        ApiNeeds::Member => role.is_some() || !writes,
        ApiNeeds::ReviewOrChronology => role.is_some_and(|r| {
            permits(r, Permission::ViewReview) || permits(r, Permission::ViewChronology)
        }),
        ApiNeeds::Permission(permission) => role.is_some_and(|r| permits(r, permission)),
        // A national analyst (no role), or a member who writes findings.
        ApiNeeds::Proposer => role.is_none_or(|r| permits(r, Permission::EditAnalysis)),
    }
}

/// A database with one review whose lead reviewer has an account: the database, the
/// application, the review and the lead.
async fn one_lead(
    engine: Engine,
) -> (
    TestDb,
    App<casewindow_store_sql::SqlStore>,
    Sample,
    casewindow_domain::organisation::User,
) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let own = Sample::new();
    own.insert_all(&db.store).await.expect("review");
    let user = app
        .create_account(
            "Lead",
            "lead@example.org",
            "programs keep the minutes tidy 7",
            false,
        )
        .await
        .expect("account");
    join(&db.store, own.review.id, user.id, Role::LeadReviewer, None).await;
    (db, app, own, user)
}

casewindow_testkit::each_engine!(every_api_operation_allows_exactly_what_role_and_token_allow);
async fn every_api_operation_allows_exactly_what_role_and_token_allow(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let own = Sample::new();
    let other = Sample::new();
    own.insert_all(&db.store).await.expect("review A");
    other.insert_all(&db.store).await.expect("review B");
    let password = "api matrix password 2026";
    // (role in review A, read token, write token); `None`: a national analyst.
    let mut viewers = Vec::new();
    for role in Role::ALL {
        let user = app
            .create_account(
                &format!("{role:?}"),
                &format!("{role:?}@example.org").to_lowercase(),
                password,
                false,
            )
            .await
            .expect("account");
        join(
            &db.store,
            own.review.id,
            user.id,
            role,
            (role == Role::AgencyRecordsLiaison).then_some(own.entry.agency_id),
        )
        .await;
        let actor = member(user.id, false);
        viewers.push((
            Some(role),
            token(&app, &actor, false, vec![]).await,
            token(&app, &actor, true, vec![]).await,
        ));
    }
    let analyst = app
        .create_account_as(
            "Analyst",
            "analyst@example.org",
            password,
            casewindow_app::Standing::NationalAnalyst,
        )
        .await
        .expect("analyst");
    let analyst = member(analyst.id, true);
    viewers.push((
        None,
        token(&app, &analyst, false, vec![]).await,
        token(&app, &analyst, true, vec![]).await,
    ));
    let router = casewindow_web::router(app.clone());
    let mut mismatches = Vec::new();
    let mut checked = 0;
    // Opening a review makes its opener a lead reviewer somewhere, which changes what else they
    // may do (propose recurrent issues): it is tried last.
    let mut all = operations();
    all.sort_by_key(|o| o.method == "POST" && o.path == "/reviews");
    for operation in all {
        if operation.needs == ApiNeeds::Public {
            continue;
        }
        for (sample, own_review) in [(&own, true), (&other, false)] {
            let (uri, body) = request_for(&operation.path, sample);
            for (role, read, write) in &viewers {
                for (secret, write_token) in [(read, false), (write, true)] {
                    let (status, _) = send(&router, operation.method, &uri, secret, &body).await;
                    let allowed = !matches!(
                        status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                    );
                    let in_review = if own_review { *role } else { None };
                    // Reviews list and the library are not about one review.
                    let role_here = match operation.needs {
                        ApiNeeds::Permission(_) | ApiNeeds::ReviewOrChronology => in_review,
                        _ => *role,
                    };
                    let want = expected(operation.needs, role_here, operation.writes, write_token);
                    checked += 1;
                    if allowed != want {
                        mismatches.push(format!(
                            "{} {} as {role:?} with a {} token on {}: expected {}, got {status}",
                            operation.method,
                            operation.path,
                            if write_token { "write" } else { "read" },
                            if own_review {
                                "own review"
                            } else {
                                "another review"
                            },
                            if want { "allow" } else { "deny" },
                        ));
                    }
                }
            }
        }
    }
    db.cleanup().await.expect("cleanup");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} checks disagree:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(checked > 1000, "the matrix ran ({checked} checks)");
}

casewindow_testkit::each_engine!(a_token_scoped_to_one_review_reaches_nothing_else);
async fn a_token_scoped_to_one_review_reaches_nothing_else(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let own = Sample::new();
    let other = Sample::new();
    own.insert_all(&db.store).await.expect("review A");
    other.insert_all(&db.store).await.expect("review B");
    let user = app
        .create_account(
            "Lead of both",
            "both@example.org",
            "api scoped password 2026",
            false,
        )
        .await
        .expect("account");
    for sample in [&own, &other] {
        join(
            &db.store,
            sample.review.id,
            user.id,
            Role::LeadReviewer,
            None,
        )
        .await;
    }
    let actor = member(user.id, false);
    let scoped = token(&app, &actor, true, vec![own.review.id]).await;
    let everywhere = token(&app, &actor, true, vec![]).await;
    let router = casewindow_web::router(app.clone());
    for operation in operations() {
        if !matches!(
            operation.needs,
            ApiNeeds::Permission(_) | ApiNeeds::ReviewOrChronology
        ) {
            continue;
        }
        let (uri, body) = request_for(&operation.path, &other);
        let (status, problem) = send(&router, operation.method, &uri, &scoped, &body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{} {} on the other review with a token scoped to one: {problem}",
            operation.method,
            operation.path
        );
        assert_eq!(problem["status"], 404);
        let (status, _) = send(&router, operation.method, &uri, &everywhere, &body).await;
        assert_ne!(
            status,
            StatusCode::NOT_FOUND,
            "{} {} with a token for every review",
            operation.method,
            operation.path
        );
    }
    let (status, list) = send(
        &router,
        "GET",
        &format!("{BASE}/reviews"),
        &scoped,
        &Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["record"]["id"], json!(own.review.id));
    db.cleanup().await.expect("cleanup");
}

casewindow_testkit::each_engine!(changes_name_their_version_and_problems_name_their_fields);
async fn changes_name_their_version_and_problems_name_their_fields(engine: Engine) {
    let (db, app, own, user) = one_lead(engine).await;
    let secret = token(&app, &member(user.id, false), true, vec![]).await;
    let router = casewindow_web::router(app.clone());
    let findings = format!("{BASE}/reviews/{}/findings", own.review.id);
    let one = format!("{findings}/{}", own.finding.id);
    let request = |method: &str, uri: &str, if_match: Option<&str>, body: Option<Value>| {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"));
        if let Some(tag) = if_match {
            builder = builder.header(header::IF_MATCH, tag);
        }
        builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
            .expect("request")
    };
    // Read: the ETag is the version.
    let response = router
        .clone()
        .oneshot(request("GET", &one, None, None))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::ETAG], "\"1\"");
    // A change without If-Match is refused (428), naming the header.
    let mut body = body_of(&own.finding, &["position", "status", "pattern_choice"]);
    body["statement"] = json!("Changed through the API.");
    let response = router
        .clone()
        .oneshot(request(
            "PUT",
            &format!("{one}?reason=typo"),
            None,
            Some(body.clone()),
        ))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    // With it: saved, version 2.
    let response = router
        .clone()
        .oneshot(request(
            "PUT",
            &format!("{one}?reason=typo"),
            Some("\"1\""),
            Some(body.clone()),
        ))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::ETAG], "\"2\"");
    // Again from version 1: stale, 412, nothing written.
    body["statement"] = json!("A second change from an old copy.");
    let response = router
        .clone()
        .oneshot(request(
            "PUT",
            &format!("{one}?reason=again"),
            Some("\"1\""),
            Some(body.clone()),
        ))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let kept = db
        .store
        .get::<casewindow_domain::findings::Finding>(own.finding.id.0)
        .await
        .expect("finding");
    assert_eq!(kept.record.statement, "Changed through the API.");
    assert_eq!(kept.meta.version, 2);
    // A field of the wrong type, and a field the server sets: each named.
    let mut wrong = body.clone();
    wrong["questions"] = json!(["fine", 7]);
    let response = router
        .clone()
        .oneshot(request("POST", &findings, None, Some(wrong)))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let problem: Value = serde_json::from_slice(&bytes).expect("problem details");
    assert_eq!(problem["errors"][0]["path"], "questions[1]");
    let mut owned = body.clone();
    owned["status"] = json!("final");
    let response = router
        .clone()
        .oneshot(request("POST", &findings, None, Some(owned)))
        .await
        .expect("answer");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let problem: Value = serde_json::from_slice(&bytes).expect("problem details");
    assert_eq!(problem["errors"][0]["path"], "status");
    // Created: 201 with its place, numbered by the server.
    let response = router
        .clone()
        .oneshot(request("POST", &findings, None, Some(body)))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(
        response.headers()[header::LOCATION]
            .to_str()
            .expect("text")
            .starts_with(&findings)
    );
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let created: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(created["record"]["position"], 2);
    assert_eq!(created["record"]["status"], "draft");
    // The description names every operation of the table.
    let response = router
        .clone()
        .oneshot(
            Request::builder()
                .uri(format!("{BASE}/openapi.json"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("answer");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .expect("body");
    let document: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(document["openapi"], "3.1.0");
    for operation in operations() {
        assert!(
            document["paths"][&operation.path][operation.method.to_lowercase()].is_object(),
            "{} {} is described",
            operation.method,
            operation.path
        );
    }
    // Every use of the token is in the audit trail.
    let chain = db
        .store
        .verify_audit()
        .await
        .expect("audit")
        .expect("intact");
    assert!(chain > 8);
    db.cleanup().await.expect("cleanup");
}

casewindow_testkit::each_engine!(a_program_proposes_a_recurrent_issue_for_curators_to_accept);
async fn a_program_proposes_a_recurrent_issue_for_curators_to_accept(engine: Engine) {
    let (db, app, _own, user) = one_lead(engine).await;
    let writer = token(&app, &member(user.id, false), true, vec![]).await;
    let reader = token(&app, &member(user.id, false), false, vec![]).await;
    let router = casewindow_web::router(app.clone());
    let uri = format!("{BASE}/recurrent-issues");
    let body = json!({
        "pattern": "management",
        "label": "Supervision crowded out by caseload talk",
        "description": "Supervision time goes on case throughput, not reflection.",
    });
    let (status, created) = send(&router, "POST", &uri, &writer, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["record"]["status"], "proposed");
    assert_eq!(created["record"]["pattern"], "management");
    let id = created["record"]["id"].as_str().expect("an id").to_owned();
    let (status, read) = send(
        &router,
        "GET",
        &format!("{uri}/{id}"),
        &reader,
        &Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        read["record"]["label"],
        "Supervision crowded out by caseload talk"
    );
    // A read token proposes nothing; a nameless issue and a field the server sets are refused
    // by name.
    let (status, problem) = send(&router, "POST", &uri, &reader, &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let mut nameless = body.clone();
    nameless["label"] = json!("  ");
    let (status, problem) = send(&router, "POST", &uri, &writer, &nameless).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("label"), "{problem}");
    let mut with_status = body.clone();
    with_status["status"] = json!("accepted");
    let (status, problem) = send(&router, "POST", &uri, &writer, &with_status).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("status"), "{problem}");
    db.cleanup().await.expect("cleanup");
}

casewindow_testkit::each_engine!(a_program_opens_a_review_once_with_an_unscoped_write_token);
async fn a_program_opens_a_review_once_with_an_unscoped_write_token(engine: Engine) {
    let (db, app, own, user) = one_lead(engine).await;
    let actor = member(user.id, false);
    let writer = token(&app, &actor, true, vec![]).await;
    let reader = token(&app, &actor, false, vec![]).await;
    let scoped = token(&app, &actor, true, vec![own.review.id]).await;
    let router = casewindow_web::router(app.clone());
    let uri = format!("{BASE}/reviews");
    let body = json!({
        "title": "Child T",
        "new_partnership": {"name": "Harrowgate Safeguarding Children Partnership", "jurisdiction": "england"},
        "kind": "local_child_safeguarding_practice_review",
        "methodology": {"method": "learning_together", "variant": "mid_range"},
        "notified_on": "2026-11-02",
    });
    // The same key twice opens one review.
    let send_keyed = |secret: String| {
        let router = router.clone();
        let uri = uri.clone();
        let body = body.clone();
        async move {
            let request = Request::builder()
                .method("POST")
                .uri(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                .header("idempotency-key", "case-system-4711")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            let response = router.oneshot(request).await.expect("answer");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .expect("body");
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let (status, first) = send_keyed(writer.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["record"]["state"], "notified");
    let (_, again) = send_keyed(writer.clone()).await;
    assert_eq!(again["record"]["id"], first["record"]["id"]);
    let (status, list) = send(
        &router,
        "GET",
        &format!("{uri}?q=Child%20T"),
        &writer,
        &Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1, "{list}");
    // A read token opens nothing; a token for some reviews opens no other; the partnership is
    // one or the other.
    let (status, _) = send(&router, "POST", &uri, &reader, &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = send(&router, "POST", &uri, &scoped, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("token"), "{problem}");
    let mut both = body.clone();
    both["partnership_id"] = json!(own.partnership.id);
    let (status, problem) = send(&router, "POST", &uri, &writer, &both).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("partnership_id"), "{problem}");
    db.cleanup().await.expect("cleanup");
}
