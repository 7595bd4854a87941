//! The authorisation matrix, generated from the route table: every route × every role (and a
//! platform administrator, and someone not signed in) × the user's own review and another
//! review, each checked against what the table and the role policy say. Also: a route added to
//! a router without an entry in the table fails the build of this matrix.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use casewindow_app::{App, permits};
use casewindow_domain::collaboration::{Audience, SharedKind};
use casewindow_domain::participation::{Participation, Role};
use casewindow_domain::review::{ParallelProcess, ParallelProcessKind, ParallelProcessStatus};
use casewindow_store::prelude::*;
use casewindow_testkit::fixtures::{Sample, change};
use casewindow_testkit::{Engine, TestDb};
use casewindow_web::routes::{Needs, ROUTES};
use std::path::Path;
use tower::ServiceExt;

#[derive(Clone, Debug)]
enum Viewer {
    Anonymous,
    Admin {
        token: String,
        csrf: String,
    },
    Analyst {
        token: String,
        csrf: String,
    },
    Member {
        role: Role,
        token: String,
        csrf: String,
    },
}

fn sample_with_process() -> Sample {
    let mut sample = Sample::new();
    sample.review.parallel_processes.push(ParallelProcess {
        kind: ParallelProcessKind::Inquest,
        status: ParallelProcessStatus::Active,
        contact: "Coroner's officer".to_owned(),
        constraints: String::new(),
        blocks_publication: true,
    });
    sample
}

fn expected(needs: Needs, viewer: &Viewer, own: bool) -> bool {
    let role = match viewer {
        Viewer::Member { role, .. } if own => Some(*role),
        _ => None,
    };
    match needs {
        Needs::Public => true,
        Needs::SignedIn => !matches!(viewer, Viewer::Anonymous),
        Needs::NotAdmin => matches!(viewer, Viewer::Member { .. }),
        Needs::Library | Needs::Person => {
            matches!(viewer, Viewer::Member { .. } | Viewer::Analyst { .. })
        }
        Needs::Admin => matches!(viewer, Viewer::Admin { .. }),
        // The viewer's role is in review A, whichever review the path names.
        Needs::Proposer => match viewer {
            Viewer::Analyst { .. } => true,
            Viewer::Member { role, .. } => permits(*role, casewindow_app::Permission::EditAnalysis),
            _ => false,
        },
        Needs::Curator => matches!(viewer, Viewer::Analyst { .. }),
        // The matrix runs with an administrator and no set-up code: first run is closed.
        Needs::FirstRun => false,
        Needs::Permission(permission) => role.is_some_and(|r| permits(r, permission)),
        Needs::CheckBack => role.is_some_and(|r| {
            r == Role::CaseGroupMember || permits(r, casewindow_app::Permission::ViewConversations)
        }),
        Needs::CheckBackReply => role == Some(Role::CaseGroupMember),
        Needs::SharedWith => role
            .and_then(Audience::of_role)
            .is_some_and(|a| Audience::SHARED.contains(&a)),
    }
}

fn body_for(path: &str) -> &'static str {
    match path {
        p if p.ends_with("/transition") => "&action=hold&version=1",
        p if p.ends_with("/remove") => "&what=account&index=0&version=999",
        p if p.ends_with("/conclude") => "&index=0&version=999",
        p if p.starts_with("/check-back") => "&reply=amend&note=&version=1",
        "/sign-in" => "&email=&password=",
        _ => "",
    }
}

casewindow_testkit::each_engine!(every_route_allows_exactly_the_roles_the_table_says);
async fn every_route_allows_exactly_the_roles_the_table_says(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let key = base64::engine::general_purpose::STANDARD.encode([5u8; 32]);
    let app = App::new(db.store.clone())
        .with_vault(casewindow_app::Vault::from_base64(&key).expect("key"));
    app.prepare().await.expect("prepare");
    let password = "matrix test password 2026";

    // One account per role, each with that role in review A only; the case group member is the
    // participant of review A's conversation.
    let mut own = sample_with_process();
    let mut documents = Vec::new();
    let mut versions = Vec::new();
    let mut shares: Vec<std::collections::HashMap<Audience, uuid::Uuid>> = Vec::new();
    let mut meetings = Vec::new();
    let other = sample_with_process();
    let mut members = Vec::new();
    for role in Role::ALL {
        let email = format!("{role:?}@example.org").to_lowercase();
        let user = app
            .create_account(&format!("{role:?}"), &email, password, false)
            .await
            .expect("account");
        members.push((role, user));
    }
    let case_group_user = members
        .iter()
        .find(|(r, _)| *r == Role::CaseGroupMember)
        .map(|(_, u)| u.id)
        .expect("case group member");
    own.health_visitor.user_id = Some(case_group_user);
    own.insert_all(&db.store).await.expect("review A");
    // A published report kept for review (of the library, not of either review).
    let report = app
        .stage_report(
            &casewindow_app::Actor::system("matrix"),
            "published.docx",
            casewindow_report::docx::render(&casewindow_report::sample_document())
                .expect("a Word document"),
        )
        .await
        .expect("kept")
        .id;
    other.insert_all(&db.store).await.expect("review B");
    for (role, user) in &members {
        if *role == Role::CaseGroupMember {
            continue;
        }
        let participation = Participation {
            id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
            review_id: own.review.id,
            user_id: Some(user.id),
            label: format!("{role:?}"),
            role: *role,
            // A liaison for the agency whose document the file route opens.
            agency_id: (*role == Role::AgencyRecordsLiaison)
                .then_some(own.document.agency_id)
                .flatten(),
            invited_on: None,
            consent: None,
            declined_on: None,
            contribution: String::new(),
            withdrawn: None,
        };
        db.store
            .insert(&participation, &change("matrix"))
            .await
            .expect("participation");
    }
    app.create_account("Platform admin", "admin@example.org", password, true)
        .await
        .expect("admin");

    app.create_account_as(
        "National analyst",
        "analyst@example.org",
        password,
        casewindow_app::Standing::NationalAnalyst,
    )
    .await
    .expect("analyst");

    // Each review's document gets a file, for the route that opens it.
    for sample in [&own, &other] {
        let with_file = casewindow_domain::evidence::SourceDocument {
            id: casewindow_domain::ids::SourceDocumentId(uuid::Uuid::new_v4()),
            ..sample.document.clone()
        };
        let registered = app
            .register_document(
                &casewindow_app::Actor::system("matrix"),
                &with_file,
                Some(casewindow_app::documents::Upload {
                    name: "minutes.txt",
                    bytes: b"Strategy discussion minutes",
                }),
                None,
            )
            .await
            .expect("a document with a file");
        documents.push(registered.record.id);
        let system = casewindow_app::Actor::system("matrix");
        app.freeze_report(
            &system,
            sample.review.id,
            casewindow_domain::review::ReportStage::Draft,
        )
        .await
        .expect("a frozen version");
        let frozen = app
            .report_versions(&system, sample.review.id)
            .await
            .expect("versions");
        versions.push(frozen[0].id);
        // Put to the partners, so that every audience reads it.
        app.move_version(
            &system,
            sample.review.id,
            frozen[0].id,
            casewindow_domain::review::ReportStage::PartnerSignOff,
        )
        .await
        .expect("moved on");
        let mut by_audience = std::collections::HashMap::new();
        for audience in Audience::SHARED {
            app.share_items(
                &system,
                sample.review.id,
                audience,
                &[(SharedKind::Finding, sample.finding.id.0)],
                "",
            )
            .await
            .expect("shared");
        }
        for share in app
            .sharing(&system, sample.review.id)
            .await
            .expect("shares")
        {
            by_audience.insert(share.share.audience, share.share.id);
        }
        shares.push(by_audience);
        let meeting = casewindow_domain::collaboration::Meeting {
            id: casewindow_domain::ids::MeetingId(uuid::Uuid::new_v4()),
            review_id: sample.review.id,
            kind: casewindow_domain::collaboration::MeetingKind::Joint,
            held_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            title: "Joint meeting".to_owned(),
            attendees: Vec::new(),
            items: Vec::new(),
            notes: String::new(),
            actions: Vec::new(),
            disagreements: Vec::new(),
        };
        app.create(&system, &meeting).await.expect("a meeting");
        meetings.push(meeting.id);
    }
    // A comment on review A's case group share, and one on review B's, for the answer route.
    let case_group = members
        .iter()
        .find(|(r, _)| *r == Role::CaseGroupMember)
        .map(|(_, u)| u.clone())
        .expect("case group member");
    let mut comments = Vec::new();
    for (index, sample) in [&own, &other].into_iter().enumerate() {
        let comment = casewindow_store::Comment {
            id: uuid::Uuid::new_v4(),
            review_id: sample.review.id,
            on: casewindow_store::CommentOn::Share(shares[index][&Audience::CaseGroup]),
            author: case_group.id,
            audience: Audience::CaseGroup,
            body: "I recall it differently".to_owned(),
            at: chrono::Utc::now(),
            answer: None,
        };
        db.store
            .add_comment(&comment, &change("matrix"))
            .await
            .expect("a comment");
        comments.push(comment.id);
    }

    let mut viewers = vec![Viewer::Anonymous];
    let analyst = app
        .sign_in("analyst@example.org", password)
        .await
        .expect("analyst signs in");
    viewers.push(Viewer::Analyst {
        token: analyst.token,
        csrf: analyst.csrf_token,
    });
    let admin = app
        .sign_in("admin@example.org", password)
        .await
        .expect("admin signs in");
    viewers.push(Viewer::Admin {
        token: admin.token,
        csrf: admin.csrf_token,
    });
    for (role, user) in &members {
        let signed_in = app
            .sign_in(&user.email, password)
            .await
            .expect("member signs in");
        viewers.push(Viewer::Member {
            role: *role,
            token: signed_in.token,
            csrf: signed_in.csrf_token,
        });
    }

    let router = casewindow_web::router(app.clone());
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for viewer in &viewers {
        for spec in ROUTES {
            for (is_own, sample) in [(true, &own), (false, &other)] {
                let path = spec
                    .path
                    .replace("{id}", &sample.review.id.to_string())
                    .replace("{finding}", &sample.finding.id.to_string())
                    .replace("{kpe}", &sample.kpe.id.to_string())
                    .replace("{conversation}", &sample.conversation.id.to_string())
                    .replace("{section}", &sample.narrative.id.to_string())
                    .replace("{action}", &sample.action.id.to_string())
                    .replace("{upload}", &uuid::Uuid::new_v4().to_string())
                    .replace("{import}", &uuid::Uuid::new_v4().to_string())
                    .replace("{report}", &report.to_string())
                    .replace("{issue}", &sample.issue.id.to_string())
                    .replace("{subject}", &sample.child.id.to_string())
                    .replace("{agency}", &sample.health.id.to_string())
                    .replace("{document}", &documents[usize::from(!is_own)].to_string())
                    .replace("{version}", &versions[usize::from(!is_own)].to_string())
                    .replace("{meeting}", &meetings[usize::from(!is_own)].to_string())
                    .replace("{comment}", &comments[usize::from(!is_own)].to_string())
                    .replace("{share}", &{
                        let audience = match viewer {
                            Viewer::Member { role, .. } => Audience::of_role(*role)
                                .filter(|a| Audience::SHARED.contains(a))
                                .unwrap_or(Audience::CaseGroup),
                            _ => Audience::CaseGroup,
                        };
                        shares[usize::from(!is_own)][&audience].to_string()
                    })
                    .replace("{participation}", &sample.health_visitor.id.to_string());
                if spec.path == "/sign-out" && !is_own {
                    continue; // the first sign-out ended the session
                }
                let uri = if spec.method == "GET" && spec.path.ends_with("/transition") {
                    format!("{path}?action=hold")
                } else {
                    path.clone()
                };
                let mut request = Request::builder()
                    .method(spec.method)
                    .uri(&uri)
                    .header(header::HOST, "localhost");
                let (cookie, csrf) = match viewer {
                    // Someone not signed in has the pre-session cookie the sign-in page sets.
                    Viewer::Anonymous => (
                        Some("cw_presession=presession-token".to_owned()),
                        "presession-token".to_owned(),
                    ),
                    Viewer::Admin { token, csrf }
                    | Viewer::Analyst { token, csrf }
                    | Viewer::Member { token, csrf, .. } => {
                        (Some(format!("cw_session={token}")), csrf.clone())
                    }
                };
                if let Some(cookie) = cookie {
                    request = request.header(header::COOKIE, cookie);
                }
                let body = if spec.method == "POST" {
                    request =
                        request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                    Body::from(format!("csrf_token={csrf}{}", body_for(spec.path)))
                } else {
                    Body::empty()
                };
                let response = router
                    .clone()
                    .oneshot(request.body(body).expect("request"))
                    .await
                    .expect("response");
                let status = response.status();
                let to_sign_in = status == StatusCode::SEE_OTHER
                    && response
                        .headers()
                        .get(header::LOCATION)
                        .is_some_and(|l| l == "/sign-in");
                let allowed = if spec.path == "/sign-out" {
                    // Signing out also ends at the sign-in page; what shows it happened is the
                    // session cookie being cleared.
                    response
                        .headers()
                        .get_all(header::SET_COOKIE)
                        .iter()
                        .any(|c| c.to_str().is_ok_and(|c| c.starts_with("cw_session=;")))
                } else {
                    status != StatusCode::NOT_FOUND
                        && status != StatusCode::FORBIDDEN
                        && !to_sign_in
                };
                let want = expected(spec.needs, viewer, is_own);
                checked += 1;
                if allowed != want {
                    let who = match viewer {
                        Viewer::Anonymous => "anonymous".to_owned(),
                        Viewer::Admin { .. } => "platform admin".to_owned(),
                        Viewer::Analyst { .. } => "national analyst".to_owned(),
                        Viewer::Member { role, .. } => format!("{role:?}"),
                    };
                    let which = if is_own {
                        "own review"
                    } else {
                        "another review"
                    };
                    mismatches.push(format!(
                        "{} {} as {who} on {which}: expected {}, got {status}",
                        spec.method,
                        spec.path,
                        if want { "allow" } else { "deny" }
                    ));
                }
            }
        }
    }
    db.cleanup().await.expect("cleanup");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} checks disagree with the route table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!(
        "authorisation matrix: {checked} route × viewer × review checks agree with the route table"
    );
}

/// Every `.route("...", get(..).post(..))` in the crate's sources, as (method, path).
fn routes_in_sources() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                // The API's operations have their own table and matrix (`api.rs`).
                if !path.ends_with("api") {
                    stack.push(path);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable source");
            // A kind's form pages (`edit::form_routes(list, param)`): GET and POST of
            // `list/new` and of `list/{param}`.
            for (start, _) in text.match_indices("form_routes::<") {
                let call = &text[start..];
                let args: Vec<&str> = call
                    .split('(')
                    .nth(1)
                    .and_then(|a| a.split(')').next())
                    .map(|a| a.split('"').skip(1).step_by(2).collect())
                    .unwrap_or_default();
                if let [list, param] = args[..] {
                    for method in ["GET", "POST"] {
                        found.push((method.to_owned(), format!("{list}/new")));
                        found.push((method.to_owned(), format!("{list}/{{{param}}}")));
                    }
                }
            }
            for (start, _) in text.match_indices(".route(") {
                let rest = &text[start + ".route(".len()..];
                let Some(open) = rest.find('"') else { continue };
                let Some(close) = rest[open + 1..].find('"') else {
                    continue;
                };
                let route_path = &rest[open + 1..open + 1 + close];
                if !route_path.starts_with('/') {
                    continue; // a route built from its parts, as form_routes does
                }
                // The handlers: up to the end of this `.route(...)` call.
                let mut depth = 1;
                let mut end = rest.len();
                for (idx, ch) in rest.char_indices() {
                    match ch {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = idx;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let handlers = &rest[..end];
                if handlers.contains("get(") {
                    found.push(("GET".to_owned(), route_path.to_owned()));
                }
                if handlers.contains("post(") {
                    found.push(("POST".to_owned(), route_path.to_owned()));
                }
            }
        }
    }
    found
}

#[test]
fn every_route_in_the_routers_has_an_entry_in_the_table() {
    let routes = routes_in_sources();
    assert!(
        routes.len() > 30,
        "the source scan found the routers ({} routes)",
        routes.len()
    );
    let missing: Vec<String> = routes
        .iter()
        .filter(|(method, path)| !ROUTES.iter().any(|r| r.method == method && r.path == path))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in casewindow_web::routes::ROUTES:\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = ROUTES
        .iter()
        .filter(|r| {
            !routes
                .iter()
                .any(|(method, path)| r.method == method && r.path == path)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        stale.is_empty(),
        "table entries with no route:\n{}",
        stale.join("\n")
    );
}

casewindow_testkit::each_engine!(
    state_changing_requests_need_the_session_csrf_token_and_the_same_site
);
async fn state_changing_requests_need_the_session_csrf_token_and_the_same_site(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let app = App::new(db.store.clone());
    app.prepare().await.expect("prepare");
    let sample = Sample::new();
    sample.insert_all(&db.store).await.expect("review");
    let lead = app
        .create_account(
            "Lead",
            "lead@example.org",
            "matrix test password 2026",
            false,
        )
        .await
        .expect("account");
    let participation = Participation {
        id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
        review_id: sample.review.id,
        user_id: Some(lead.id),
        label: "Lead".to_owned(),
        role: Role::LeadReviewer,
        agency_id: None,
        invited_on: None,
        consent: None,
        declined_on: None,
        contribution: String::new(),
        withdrawn: None,
    };
    db.store
        .insert(&participation, &change("test"))
        .await
        .expect("participation");
    let session = app
        .sign_in("lead@example.org", "matrix test password 2026")
        .await
        .expect("sign in");
    let router = casewindow_web::router(app.clone());
    let path = format!("/reviews/{}/agencies", sample.review.id);
    let post = |body: String, origin: Option<&str>| {
        let mut request = Request::builder()
            .method("POST")
            .uri(&path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, format!("cw_session={}", session.token))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.body(Body::from(body)).expect("request")
    };
    let form = "name=Harbour+Housing&sector=housing";
    let no_token = router
        .clone()
        .oneshot(post(form.to_owned(), None))
        .await
        .expect("response");
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let wrong_token = router
        .clone()
        .oneshot(post(format!("csrf_token=guess&{form}"), None))
        .await
        .expect("response");
    assert_eq!(wrong_token.status(), StatusCode::FORBIDDEN);
    let other_site = router
        .clone()
        .oneshot(post(
            format!("csrf_token={}&{form}", session.csrf_token),
            Some("https://evil.example"),
        ))
        .await
        .expect("response");
    assert_eq!(other_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        db.store.agencies().await.expect("agencies").len(),
        2,
        "nothing was written by a refused request"
    );
    let accepted = router
        .clone()
        .oneshot(post(
            format!("csrf_token={}&{form}", session.csrf_token),
            Some("http://localhost"),
        ))
        .await
        .expect("response");
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(db.store.agencies().await.expect("agencies").len(), 3);
    // Every response carries the security headers.
    let csp = accepted
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    db.cleanup().await.expect("cleanup");
}
