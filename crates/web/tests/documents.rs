//! The document register through its page, on both engines: a file's type is checked from its
//! content, its bytes are sealed at rest (the raw table holds no plaintext), hostile and
//! oversized files are refused with a clear message and nothing written, a document for the
//! leads only is hidden from others, a liaison sees only their own agency's documents, a case
//! group member none, and every opening is audited. And every file of ../shared/corpus is kept
//! or refused in words, never a crash. The report's frozen versions are papers too: kept byte
//! for byte whatever changes later, compared with the one before, every opening audited. And a
//! participant's home page lists the papers waiting for them (check-backs, invitations).

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use casewindow_app::{App, Vault};
use casewindow_domain::evidence::SourceDocument;
use casewindow_domain::ids::AgencyId;
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};
use std::path::PathBuf;
use tower::ServiceExt;

const BOUNDARY: &str = "----casewindowdocumentboundary";

/// A multipart body: text fields, then one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends a request; the status, the Location header, the headers and the body.
async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, String, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookie);
    if body.is_some() {
        request = request.header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    }
    let response = router
        .clone()
        .oneshot(
            request
                .body(Body::from(body.unwrap_or_default()))
                .expect("request"),
        )
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = to_bytes(response.into_body(), 64 << 20)
        .await
        .expect("body");
    (status, location, headers, body.to_vec())
}

/// A member of the sample's review in `role`, for `agency`, signed in: (cookie, CSRF token).
async fn member(
    app: &App<SqlStore>,
    store: &SqlStore,
    sample: &Sample,
    role: Role,
    agency: Option<AgencyId>,
) -> (String, String) {
    let m = common::signed_in_as(app, store, sample, role, agency).await;
    (m.cookie, m.csrf)
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

both_backends!(
    documents_are_typed_by_content_sealed_at_rest_and_read_only_by_those_allowed,
    |store: SqlStore, url: String| async move {
        let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        let app = App::new(store.clone()).with_vault(Vault::from_base64(&key)?);
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let review = sample.review.id;
        let health = sample.health.id;
        let router = casewindow_web::router(app.clone());
        let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
        let (lead, csrf) = common::signed_in_lead(&app, &store, &sample, &email).await;
        let register = format!("/reviews/{review}/documents");
        let count = || async {
            store
                .list::<SourceDocument>(review.0)
                .await
                .map(|l| l.len())
        };
        let before = count().await?;
        let fields = |title: &'static str, access: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("title", title.to_owned()),
                ("kind", "meeting_minutes".to_owned()),
                ("agency_id", health.to_string()),
                ("received_on", "2024-07-01".to_owned()),
                ("legal_basis", "statutory_request".to_owned()),
                ("access", access.to_owned()),
                ("retain_until", "2031-07-01".to_owned()),
            ]
        };
        let send = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
            let (router, lead, register) = (router.clone(), lead.clone(), register.clone());
            async move {
                let pairs: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let body = multipart(&pairs, file.as_ref().map(|(n, b)| (*n, b.as_slice())));
                call(&router, "POST", &register, &lead, Some(body)).await
            }
        };

        // Hostile and oversized files: refused in words, nothing written.
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
        let (status, _, _, page) = send(
            fields("Strategy discussion minutes", "review_team"),
            Some(("minutes.pdf", exe)),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text(&page).contains("minutes.pdf is not a kind of file the register keeps"),
            "{}",
            text(&page)
        );
        let big = vec![b'a'; 26 * 1024 * 1024];
        let (status, _, _, page) = send(
            fields("Strategy discussion minutes", "review_team"),
            Some(("minutes.txt", big)),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text(&page).contains("the register keeps files of up to 25 MB"));
        let (status, _, _, page) = send(
            fields("Strategy discussion minutes", "review_team"),
            Some(("minutes.txt", b"%PDF-1.4 not what its name says".to_vec())),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text(&page).contains("named .txt but its content is PDF"));
        assert_eq!(count().await?, before, "nothing half-written");

        // A real one: kept, typed from its content, sealed at rest.
        let secret = "Strategy discussion about Child S at Quinnell Road";
        let pdf = format!("%PDF-1.4\n{secret}\n%%EOF").into_bytes();
        let (status, location, _, page) = send(
            fields("Strategy discussion minutes", "review_team"),
            Some(("minutes.pdf", pdf.clone())),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", text(&page));
        assert!(location.ends_with("/documents#register"));
        let (_, _, _, page) = call(
            &router,
            "POST",
            &register,
            &lead,
            Some(multipart(
                &[
                    ("csrf_token", &csrf),
                    ("title", "Panel rapid review"),
                    ("kind", "rapid_review"),
                    ("legal_basis", "public_task_safeguarding"),
                    ("access", "lead_reviewers"),
                ],
                Some(("rapid-review.txt", b"For the leads only".as_slice())),
            )),
        )
        .await;
        assert!(text(&page).is_empty(), "registered: {}", text(&page));
        let documents = store.list::<SourceDocument>(review.0).await?;
        let minutes = documents
            .iter()
            .find(|d| d.record.title == "Strategy discussion minutes")
            .expect("registered")
            .record
            .clone();
        let rapid = documents
            .iter()
            .find(|d| d.record.title == "Panel rapid review")
            .expect("registered")
            .record
            .clone();
        let file = minutes.file.clone().expect("a file");
        assert_eq!(file.media_type, "application/pdf");
        assert_eq!(file.bytes, pdf.len() as u64);
        assert_eq!(minutes.sha256.as_ref().map(String::len), Some(64));
        let direct = if url.starts_with("sqlite:") {
            format!("{}?mode=ro", url.replacen("sqlite:", "sqlite://", 1))
        } else {
            url.clone()
        };
        let pool = sqlx::AnyPool::connect(&direct).await?;
        let sealed: Vec<String> = sqlx::query_scalar("SELECT sealed FROM document_files")
            .fetch_all(&pool)
            .await?;
        pool.close().await;
        assert_eq!(sealed.len(), 2);
        assert!(
            sealed
                .iter()
                .all(|s| !s.contains("Quinnell") && !s.contains("leads only"))
        );

        // The register lists both with where they are used; the file downloads as an attachment.
        let (status, _, _, page) = call(&router, "GET", &register, &lead, None).await;
        assert_eq!(status, StatusCode::OK);
        let page = text(&page);
        assert!(page.contains("Strategy discussion minutes") && page.contains("Leads only"));
        let href = format!("/reviews/{review}/documents/{}/file", minutes.id);
        let (status, _, headers, bytes) = call(&router, "GET", &href, &lead, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, pdf);
        assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()?
                .starts_with("attachment; filename=\"minutes.pdf\"")
        );
        let trail = store.audit_events(review, 50).await?;
        assert!(
            trail.iter().any(|e| e.entry.entity == "document_files"
                && e.entry.action == "read"
                && e.entry.entity_id == minutes.id.to_string()),
            "opening the file is audited"
        );

        // Who else may read them.
        let rapid_href = format!("/reviews/{review}/documents/{}/file", rapid.id);
        let (own_liaison, _) = member(
            &app,
            &store,
            &sample,
            Role::AgencyRecordsLiaison,
            Some(health),
        )
        .await;
        let (status, _, _, _) = call(&router, "GET", &href, &own_liaison, None).await;
        assert_eq!(status, StatusCode::OK, "the sending agency's liaison");
        let (status, _, _, page) = call(&router, "GET", &register, &own_liaison, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !text(&page).contains("Panel rapid review"),
            "not from their agency"
        );
        let (status, _, _, _) = call(&router, "GET", &rapid_href, &own_liaison, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A liaison registers their own agency's papers only, and is told so on the form.
        let (own_liaison, liaison_csrf) = member(
            &app,
            &store,
            &sample,
            Role::AgencyRecordsLiaison,
            Some(health),
        )
        .await;
        let body = multipart(
            &[
                ("csrf_token", &liaison_csrf),
                ("title", "Court bundle"),
                ("kind", "court_document"),
                ("legal_basis", "court_permission"),
            ],
            None,
        );
        let (status, _, _, page) = call(&router, "POST", &register, &own_liaison, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            text(&page).contains("registers only their own agency"),
            "{}",
            text(&page)
        );
        let (other_liaison, _) = member(
            &app,
            &store,
            &sample,
            Role::AgencyRecordsLiaison,
            Some(sample.social_care.id),
        )
        .await;
        let (_, _, _, page) = call(&router, "GET", &register, &other_liaison, None).await;
        assert!(
            !text(&page).contains("Strategy discussion minutes"),
            "another agency's"
        );
        let (status, _, _, _) = call(&router, "GET", &href, &other_liaison, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (case_group, _) =
            member(&app, &store, &sample, Role::CaseGroupMember, Some(health)).await;
        for path in [&register, &href] {
            let (status, _, _, _) = call(&router, "GET", path, &case_group, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (co_reviewer, _) = member(&app, &store, &sample, Role::CoReviewer, None).await;
        let (status, _, _, bytes) = call(&router, "GET", &rapid_href, &co_reviewer, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, b"For the leads only");
        Ok(())
    }
);

both_backends!(
    every_corpus_file_is_kept_or_refused_in_words,
    |store: SqlStore, _url: String| async move {
        let Some(dir) = casewindow_testkit::shared_corpus() else {
            panic!("../shared/corpus is needed for this test (set CASEWINDOW_SHARED_CORPUS)");
        };
        let key = base64::engine::general_purpose::STANDARD.encode([4u8; 32]);
        let app = App::new(store.clone()).with_vault(Vault::from_base64(&key)?);
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = casewindow_app::Actor::system("corpus");
        let (mut kept, mut refused) = (0, 0);
        for folder in ["csv", "docx", "pdf", "xlsx"] {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(folder))?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            paths.sort();
            for path in paths {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("file")
                    .to_owned();
                let bytes = std::fs::read(&path)?;
                let document = SourceDocument {
                    id: casewindow_domain::ids::SourceDocumentId(uuid::Uuid::new_v4()),
                    title: name.clone(),
                    ..sample.document.clone()
                };
                let upload = casewindow_app::documents::Upload {
                    name: &name,
                    bytes: &bytes,
                };
                match app
                    .register_document(&actor, &document, Some(upload), None)
                    .await
                {
                    Ok(stored) => {
                        kept += 1;
                        let (_, back) = app
                            .document_file(&actor, sample.review.id, stored.record.id)
                            .await?;
                        assert_eq!(back, bytes, "{name} comes back as it was sent");
                    }
                    Err(casewindow_app::AppError::Invalid(problems)) => {
                        refused += 1;
                        assert!(
                            problems
                                .iter()
                                .all(|p| p.path == "file" && p.reason.contains(&name)),
                            "{name}: {problems:?}"
                        );
                    }
                    Err(other) => panic!("{name}: {other}"),
                }
            }
        }
        eprintln!("corpus: {kept} kept, {refused} refused in words");
        assert!(
            kept > 300,
            "most of the corpus is ordinary office files: {kept}"
        );
        assert!(refused > 0);
        Ok(())
    }
);

both_backends!(
    a_frozen_version_never_changes_and_says_what_changed_since_the_last,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let review = sample.review.id;
        let router = casewindow_web::router(app.clone());
        let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
        let (lead, csrf) = common::signed_in_lead(&app, &store, &sample, &email).await;
        let versions = format!("/reviews/{review}/report/versions");
        let freeze = |stage: &'static str| {
            let (router, lead, versions, csrf) =
                (router.clone(), lead.clone(), versions.clone(), csrf.clone());
            async move {
                common::send(
                    &router,
                    "POST",
                    &versions,
                    &lead,
                    Some("application/x-www-form-urlencoded".to_owned()),
                    format!("csrf_token={csrf}&stage={stage}"),
                )
                .await
            }
        };
        let (status, _, _) = freeze("").await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a stage is needed"
        );
        let (status, _, page) = freeze("case_group_comment").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let first = app
            .report_versions(&casewindow_app::Actor::system("t"), review)
            .await?
            .remove(0);
        let href = |v: &casewindow_store::ReportVersion, f: &str| {
            format!("/reviews/{review}/report/versions/{}/report.{f}", v.id)
        };
        let (status, _, _, pdf) = call(&router, "GET", &href(&first, "pdf"), &lead, None).await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, _, docx) = call(&router, "GET", &href(&first, "docx"), &lead, None).await;
        assert!(pdf.starts_with(b"%PDF") && docx.starts_with(b"PK"));

        // A record changes after the freeze: the frozen files and hashes do not.
        let mut finding = sample.finding.clone();
        finding.statement = "The partnership has no shared way to hear from nurseries.".to_owned();
        store
            .update(&finding, 1, &change("reworded after the case group met"))
            .await?;
        let (_, _, _, again) = call(&router, "GET", &href(&first, "pdf"), &lead, None).await;
        assert_eq!(again, pdf, "the frozen PDF is unchanged");
        // A final version must be what the anonymisation sign-off covered: none yet.
        let (status, _, page) = freeze("final").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("anonymisation sign-off"), "{page}");
        let (status, _, page) = freeze("family_preview").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let all = app
            .report_versions(&casewindow_app::Actor::system("t"), review)
            .await?;
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].number, all[1].number), (1, 2));
        assert_eq!(all[0].pdf_sha256, first.pdf_sha256);
        assert_eq!(all[0].text, first.text);
        use sha2::Digest as _;
        let hash: String = sha2::Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, first.pdf_sha256, "the hash is the file's");
        let (status, _, _, page) = call(&router, "GET", &versions, &lead, None).await;
        assert_eq!(status, StatusCode::OK);
        let page = text(&page);
        assert!(
            page.contains("Version 2: For the family to preview"),
            "{page}"
        );
        assert!(
            page.contains("The partnership has no shared way to hear from nurseries."),
            "the comparison names the change"
        );
        assert!(
            page.contains("Opened 3 times"),
            "the page says who saw it: {page}"
        );
        // Who opened which version is in the audit trail.
        let trail = store.audit_events(review, 100).await?;
        assert!(trail.iter().any(|e| e.entry.entity == "report_versions"
            && e.entry.action == "read"
            && e.entry.entity_id == first.id.to_string()));
        Ok(())
    }
);

both_backends!(
    a_participant_finds_what_waits_for_them_on_their_home_page,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let mut sample = Sample::new();
        // The health visitor has an account; their conversation record is sent to them.
        let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
        let password = "waiting list password 2026";
        let practitioner = app
            .create_account("Health visitor", &email, password, false)
            .await?;
        sample.health_visitor.user_id = Some(practitioner.id);
        sample.conversation.check_back = casewindow_domain::evidence::CheckBack::Sent {
            sent_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        };
        sample.insert_all(&store).await?;
        let (family, _) = member(&app, &store, &sample, Role::FamilyMember, None).await;
        let router = casewindow_web::router(app.clone());
        let signed = app.sign_in(&email, password).await?;
        let cookie = format!("cw_session={}", signed.token);
        let (status, _, _, page) = call(&router, "GET", "/", &cookie, None).await;
        assert_eq!(status, StatusCode::OK);
        let page = text(&page);
        assert!(page.contains("Waiting for you"), "{page}");
        assert!(page.contains(&format!("/check-back/{}", sample.conversation.id)));
        let (_, _, _, page) = call(&router, "GET", "/", &family, None).await;
        assert!(!text(&page).contains("check the record"), "only their own");

        // An invitation not yet answered is listed; once answered it is not.
        let mut invited = store
            .list::<Participation>(sample.review.id.0)
            .await?
            .into_iter()
            .find(|p| p.record.role == Role::FamilyMember)
            .expect("the family member");
        invited.record.invited_on = chrono::NaiveDate::from_ymd_opt(2026, 11, 2);
        let saved = store
            .update(&invited.record, invited.meta.version, &change("invited"))
            .await?;
        let (_, _, _, page) = call(&router, "GET", "/", &family, None).await;
        assert!(text(&page).contains("you were invited to take part on 2 November 2026"));
        let mut declined = saved.record.clone();
        declined.declined_on = chrono::NaiveDate::from_ymd_opt(2026, 11, 9);
        store
            .update(&declined, saved.meta.version, &change("declined"))
            .await?;
        let (_, _, _, page) = call(&router, "GET", "/", &family, None).await;
        assert!(!text(&page).contains("you were invited"));
        Ok(())
    }
);
