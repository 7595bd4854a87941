//! Forms through the pages, on both engines: a create form submitted twice at once makes one
//! record, a refused form is a 422 with its messages (never a 500), and a finding links to a
//! recurrent issue the review has not used before.

mod common;

use axum::http::StatusCode;
use casewindow_app::App;
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::ids::RecurrentIssueId;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};
use common::{get, send};

const FORM: &str = "application/x-www-form-urlencoded";

/// The sample review with a new lead reviewer signed in to the pages.
struct Signed {
    sample: Sample,
    session: String,
    csrf: String,
    router: axum::Router,
}

impl Signed {
    async fn in_to(store: &SqlStore) -> anyhow::Result<Self> {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(store).await?;
        let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
        let (session, csrf) = common::signed_in_lead(&app, store, &sample, &email).await;
        let router = casewindow_web::router(app);
        Ok(Self {
            sample,
            session,
            csrf,
            router,
        })
    }

    /// Submits a form: the status and the page.
    async fn post(&self, path: &str, body: String) -> (StatusCode, String) {
        let content = Some(FORM.to_owned());
        let (status, _, page) =
            send(&self.router, "POST", path, &self.session, content, body).await;
        (status, page)
    }
}

/// The value of the hidden field `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    page.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

both_backends!(
    a_new_finding_links_to_an_issue_the_review_never_used_and_a_double_submit_makes_one,
    |store: SqlStore, _url| async move {
        let signed = Signed::in_to(&store).await?;
        let (sample, session, csrf) = (&signed.sample, &signed.session, &signed.csrf);
        let issue = RecurrentIssue {
            id: RecurrentIssueId(uuid::Uuid::new_v4()),
            code: format!("management.unused-{}", uuid::Uuid::new_v4().simple()),
            label: "Supervision squeezed towards case throughput".to_owned(),
            ..sample.issue.clone()
        };
        store.insert(&issue, &change("library")).await?;
        let new = format!("/reviews/{}/findings/new", sample.review.id);
        let (status, page) = get(&signed.router, &new, session).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&issue.label),
            "the library's issues are offered"
        );
        let once = hidden(&page, "once");
        assert!(!once.is_empty(), "the form carries a one-time key");
        let body = format!(
            "csrf_token={csrf}&once={once}&statement={}&pattern=management&polarity=unsafe&recurrent_issue_ids={}",
            encode("Supervision is squeezed towards throughput, so risk is not revisited."),
            issue.id
        );
        // The same form, sent twice at the same moment.
        let (first, second) = tokio::join!(
            signed.post(&new, body.clone()),
            signed.post(&new, body.clone())
        );
        for (status, page) in [&first, &second] {
            assert_eq!(*status, StatusCode::SEE_OTHER, "{page}");
        }
        let findings = store.list::<Finding>(sample.review.id.0).await?;
        let made: Vec<&Finding> = findings
            .iter()
            .map(|f| &f.record)
            .filter(|f| f.recurrent_issue_ids == vec![issue.id])
            .collect();
        assert_eq!(made.len(), 1, "one finding for one form");
        assert_eq!(
            made[0].position, 2,
            "numbered after the review's first finding"
        );
        Ok(())
    }
);

both_backends!(
    a_refused_form_is_a_422_with_its_message_never_a_500,
    |store: SqlStore, _url| async move {
        let signed = Signed::in_to(&store).await?;
        let (sample, csrf) = (&signed.sample, &signed.csrf);
        // A second finding of the same review, attached as evidence that the issue recurs
        // elsewhere: the application refuses it.
        let mut second = sample.finding.clone();
        second.id = casewindow_domain::ids::FindingId(uuid::Uuid::new_v4());
        second.position = 2;
        store.insert(&second, &change("second")).await?;
        let attach = format!(
            "/reviews/{}/findings/{}/evidence",
            sample.review.id, sample.finding.id
        );
        let body = format!("csrf_token={csrf}&version=1&source={}", second.id);
        let (status, page) = signed.post(&attach, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(
            page.contains("a finding of the same review is not evidence"),
            "{page}"
        );
        // A blank new finding: the form again with its messages.
        let new = format!("/reviews/{}/findings/new", sample.review.id);
        let (status, page) = signed
            .post(&new, format!("csrf_token={csrf}&statement="))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("There is a problem"), "{page}");
        Ok(())
    }
);

both_backends!(
    saving_a_finding_costs_at_most_six_round_trips_to_the_database,
    |store: SqlStore, _url| async move {
        let signed = Signed::in_to(&store).await?;
        let (sample, session, csrf) = (&signed.sample, &signed.session, &signed.csrf);
        let path = format!(
            "/reviews/{}/findings/{}",
            sample.review.id, sample.finding.id
        );
        let (status, page) = get(&signed.router, &path, session).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(hidden(&page, "version"), "1");
        let body = format!(
            "csrf_token={csrf}&version=1&statement={}&pattern=tool&polarity=unsafe&kpe_ids={}&recurrent_issue_ids={}&change_reason=clearer",
            encode(
                "Referral forms that ask for one primary need hide the combination of concerns."
            ),
            sample.kpe.id,
            sample.issue.id,
        );
        let before = store.round_trips();
        let (status, page) = signed.post(&path, body).await;
        let trips = store.round_trips() - before;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(trips <= 6, "one finding edit took {trips} round trips");
        let saved = store.get::<Finding>(sample.finding.id.0).await?;
        assert_eq!(saved.meta.version, 2);
        eprintln!("one finding edit: {trips} round trips");
        Ok(())
    }
);

both_backends!(
    an_episode_cites_a_conversation_and_shows_whom_it_was_with,
    |store: SqlStore, _url| async move {
        let signed = Signed::in_to(&store).await?;
        let (sample, session, csrf) = (&signed.sample, &signed.session, &signed.csrf);
        let page_of_kpe = format!("/reviews/{}/kpes/{}", sample.review.id, sample.kpe.id);
        let (status, page) = get(&signed.router, &page_of_kpe, session).await;
        assert_eq!(status, StatusCode::OK);
        let cite = format!("conversation:{}", sample.conversation.id);
        assert!(page.contains(&cite), "a conversation may be cited");
        let version = hidden(&page, "version");
        let body = format!("csrf_token={csrf}&version={version}&cite={cite}&evidence_note=asked");
        let (status, page) = signed.post(&format!("{page_of_kpe}/evidence"), body).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let saved = store
            .get::<casewindow_domain::analysis::KeyPracticeEpisode>(sample.kpe.id.0)
            .await?;
        let target =
            casewindow_domain::evidence::CitationTarget::Conversation(sample.conversation.id);
        assert!(saved.record.evidence.iter().any(|c| c.target == target));
        let (_, page) = get(&signed.router, &page_of_kpe, session).await;
        let with = format!("Conversation with {}", sample.health_visitor.label);
        assert!(page.contains(&with), "the cited conversation is described");
        Ok(())
    }
);

both_backends!(
    consent_recorded_on_a_participant_is_what_the_report_says_of_the_family,
    |store: SqlStore, _url| async move {
        let signed = Signed::in_to(&store).await?;
        let (sample, session, csrf) = (&signed.sample, &signed.session, &signed.csrf);
        let review = sample.review.id;
        let body = format!("csrf_token={csrf}&once=m1&label=Mother&role=family_member");
        let (status, page) = signed
            .post(&format!("/reviews/{review}/participants"), body)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let report = format!("/reviews/{review}/report");
        let (_, page) = get(&signed.router, &report, session).await;
        assert!(page.contains("none has yet agreed to take part"), "{page}");

        let mother = store
            .list::<casewindow_domain::participation::Participation>(review.0)
            .await?
            .into_iter()
            .find(|p| p.record.label == "Mother")
            .expect("the new participant");
        let edit = format!("/reviews/{review}/participants/{}", mother.record.id);
        // A date without terms is refused with its field named; with terms it is kept.
        let form = |terms: &str| {
            format!(
                "csrf_token={csrf}&version={}&label=Mother&role=family_member&consent_given_on=2026-11-20&consent_terms={}",
                mother.meta.version,
                encode(terms)
            )
        };
        let (status, page) = signed.post(&edit, form("")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Say what they agreed to"), "{page}");
        let terms = "Her account is quoted without her name; she sees the report first.";
        let (status, page) = signed.post(&edit, form(terms)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (_, page) = get(&signed.router, &report, session).await;
        assert!(page.contains("The review heard from Mother"), "{page}");
        let (_, page) = get(&signed.router, &edit, session).await;
        assert!(
            page.contains("2026-11-20"),
            "the form shows what was recorded"
        );

        // Declining while consent stands is refused; a withdrawal before consent too; a real
        // withdrawal takes her account out of the report.
        let version = || async {
            store
                .get::<casewindow_domain::participation::Participation>(mother.record.id.0)
                .await
                .map(|s| s.meta.version)
        };
        let change = |extra: &str, version: i64| {
            format!(
                "csrf_token={csrf}&version={version}&label=Mother&role=family_member\
                 &consent_given_on=2026-11-20&consent_terms={}&change_reason=update{extra}",
                encode(terms)
            )
        };
        let (status, page) = signed
            .post(&edit, change("&declined_on=2026-11-25", version().await?))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("record its withdrawal instead"), "{page}");
        let (status, page) = signed
            .post(
                &edit,
                change("&consent_withdrawn_on=2026-11-01", version().await?),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("must not be before the date consent was given"));
        let (status, page) = signed
            .post(
                &edit,
                change(
                    "&consent_withdrawn_on=2026-12-01&contribution=A+conversation+at+home",
                    version().await?,
                ),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (_, page) = get(&signed.router, &report, session).await;
        assert!(page.contains("Mother later withdrew consent"), "{page}");
        assert!(!page.contains("The review heard from Mother"));

        // Her letters, as Word documents.
        for letter in ["invitation", "explanation"] {
            let (status, _) = get(
                &signed.router,
                &format!("{edit}/letters/{letter}.docx"),
                session,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{letter}");
        }
        Ok(())
    }
);
