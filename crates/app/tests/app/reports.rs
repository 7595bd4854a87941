//! Reports from the records: the pseudonym map applied, the identifier scan, the fingerprint a
//! sign-off names, and the administrator's report template.

use casewindow_app::reports::{Format, parse_extra_names};
use casewindow_app::{Actor, App, AppError, Vault};
use casewindow_domain::findings::Finding;
use casewindow_report::{DocumentKind, Template};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;

fn vault() -> Vault {
    use base64::Engine as _;
    Vault::from_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
        .expect("a valid key")
}

/// A signed-in user acting in their own name.
fn user_actor(user: casewindow_domain::ids::UserId) -> Actor {
    Actor {
        user: Some(user),
        label: "user".to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    }
}

/// A platform administrator (who sees no case content).
fn administrator() -> Actor {
    Actor {
        user: None,
        label: "admin".to_owned(),
        platform_admin: true,
        national_analyst: false,
        purpose: None,
        token: None,
    }
}

both_backends!(
    reports_use_pseudonyms_and_the_scan_shows_what_is_left,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone()).with_vault(vault());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = user_actor(sample.reviewer.id);
        let identity = casewindow_domain::identity::SubjectIdentity {
            subject_id: sample.child.id,
            full_name: "Kayden Marsh".to_owned(),
            aliases: vec!["KJ".to_owned()],
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2022, 5, 1),
            addresses: vec![casewindow_domain::identity::DatedAddress {
                address: "14 Orchard Lane".to_owned(),
                from: None,
                until: None,
            }],
            identifiers: Vec::new(),
        };
        app.record_identity(&lead, &identity, "recorded at scoping")
            .await?;
        let mut finding: Finding = sample.finding.clone();
        finding.statement = "When Kayden Marsh was seen at Hill Top Primary on 12 March 2024, \
            records about KJ stayed with one agency."
            .to_owned();
        app.update(&lead, &finding, 1, "named the example").await?;

        let (report, _) = app
            .review_document(&lead, sample.review.id, DocumentKind::Report)
            .await?;
        let text = report.plain_text();
        assert!(!text.contains("Kayden") && !text.contains("Marsh") && !text.contains("KJ"));
        assert!(text.contains("When Child S was seen"), "{text}");
        assert!(text.contains("records about Child S stayed"));
        let pdf = app
            .render_document(&lead, sample.review.id, DocumentKind::Briefing, Format::Pdf)
            .await?;
        assert!(pdf.starts_with(b"%PDF"));
        let events = store.audit_events(sample.review.id, 5).await?;
        assert!(
            events
                .iter()
                .any(|e| e.entry.entity == "subject_identities" && e.entry.action == "read"),
            "the vault read is audited"
        );

        let before = app.documents_fingerprint(&lead, sample.review.id).await?;
        let scan = app
            .identifier_scan(
                &lead,
                sample.review.id,
                &parse_extra_names("school: Hill Top Primary"),
            )
            .await?;
        assert_eq!(
            scan.run.fingerprint, before,
            "the scan names the documents it read"
        );
        let hits = scan.hits;
        let find = |kind: casewindow_redact::Kind| hits.iter().find(|h| h.hit.kind == kind);
        let date = find(casewindow_redact::Kind::Date).expect("the exact date is shown");
        assert_eq!(date.hit.text, "12 March 2024");
        assert_eq!(date.hit.suggestion, "March 2024");
        assert!(
            date.before.ends_with("Hill Top Primary on"),
            "{}",
            date.before
        );
        assert!(find(casewindow_redact::Kind::School).is_some());
        assert!(
            hits.iter()
                .all(|h| h.hit.kind != casewindow_redact::Kind::Name
                    || !h.hit.text.contains("Kayden"))
        );

        // The names a scan looks for can be kept for the review, sealed like identities.
        let names = parse_extra_names("school: Hill Top Primary\ncondition: Rett syndrome");
        app.save_review_gazetteer(&lead, sample.review.id, &names)
            .await?;
        assert_eq!(app.review_gazetteer(&lead, sample.review.id).await?, names);
        let sealed = store
            .review_gazetteer(sample.review.id)
            .await?
            .expect("kept");
        assert!(!sealed.contains("Hill Top"), "nothing readable at rest");
        let trail = store.audit_events(sample.review.id, 3).await?;
        assert!(
            trail
                .iter()
                .any(|e| e.entry.entity == "review_gazetteers" && e.entry.action == "update")
        );
        assert!(
            trail
                .iter()
                .any(|e| e.entry.entity == "review_gazetteers" && e.entry.action == "read")
        );

        // The fingerprint is stable, and changes when the content does.
        assert_eq!(
            before,
            app.documents_fingerprint(&lead, sample.review.id).await?
        );
        finding.statement = "Records stayed with one agency.".to_owned();
        app.update(&lead, &finding, 2, "took the details out")
            .await?;
        assert_ne!(
            before,
            app.documents_fingerprint(&lead, sample.review.id).await?
        );

        // A case group member may read the report but not run the scan.
        let outsider = administrator();
        let err = app
            .identifier_scan(&outsider, sample.review.id, &Default::default())
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err}");
        Ok(())
    }
);

both_backends!(
    the_report_template_is_versioned_checked_and_only_for_administrators,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = user_actor(sample.reviewer.id);
        let admin = administrator();
        let current = app.report_template().await?;
        assert_eq!(current.version, 0);
        let mut template: Template = current.template;
        template.wording.introduction = "Our own introduction for {review}.".to_owned();

        let err = app
            .save_report_template(&lead, &template, 0)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err}");

        let mut broken = template.clone();
        broken.layout.push_str("\n#undefined-function()\n");
        match app.save_report_template(&admin, &broken, 0).await {
            Err(AppError::Invalid(problems)) => {
                assert_eq!(problems[0].path, "layout");
                assert!(
                    problems[0].reason.contains("line"),
                    "{}",
                    problems[0].reason
                );
            }
            other => panic!("expected the layout to be refused, got {other:?}"),
        }
        assert_eq!(app.report_template().await?.version, 0, "nothing saved");

        assert_eq!(app.save_report_template(&admin, &template, 0).await?, 1);
        let err = app
            .save_report_template(&admin, &template, 0)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("changed by someone else")
                || matches!(err, AppError::Store(_)),
            "{err}"
        );
        assert_eq!(app.report_template().await?.version, 1);

        let (report, _) = app
            .review_document(&lead, sample.review.id, DocumentKind::Report)
            .await?;
        let intro = format!("Our own introduction for {}.", sample.review.title);
        assert!(report.plain_text().contains(&intro));
        Ok(())
    }
);

both_backends!(
    the_action_tracker_shows_the_actions_of_reviews_the_actor_takes_part_in,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = user_actor(sample.reviewer.id);
        let tracked = app.action_tracker(&lead).await?;
        assert_eq!(tracked.len(), 1);
        assert_eq!(tracked[0].action.id, sample.action.id);
        assert_eq!(tracked[0].review_title, sample.review.title);
        let owner = [&sample.social_care, &sample.health]
            .into_iter()
            .find(|a| a.id == sample.action.owner_agency_id)
            .expect("the sample action's owner");
        assert_eq!(tracked[0].owner, owner.name);

        // An action past its date and still open is overdue; a done one never is.
        let mut action = sample.action.clone();
        action.due_on = chrono::NaiveDate::from_ymd_opt(2020, 1, 1);
        action.status = casewindow_domain::response::ActionStatus::Open;
        app.update(&lead, &action, 1, "the date slipped").await?;
        assert!(app.action_tracker(&lead).await?[0].overdue);
        action.status = casewindow_domain::response::ActionStatus::Done;
        app.update(&lead, &action, 2, "done").await?;
        assert!(!app.action_tracker(&lead).await?[0].overdue);

        let stranger = app
            .create_account(
                "Stranger",
                "stranger@example.org",
                "a long enough passphrase",
                false,
            )
            .await?;
        let stranger = user_actor(stranger.id);
        assert!(app.action_tracker(&stranger).await?.is_empty());
        let admin = administrator();
        assert!(matches!(
            app.action_tracker(&admin).await,
            Err(AppError::NotFound { .. })
        ));
        Ok(())
    }
);

both_backends!(
    the_action_tracker_pages_filters_and_counts_in_the_database_as_the_whole_list_orders,
    |store: SqlStore, _url: String| async move {
        use casewindow_app::tracker::{TRACKER_PAGE, TrackerQuery};
        use casewindow_domain::response::ActionStatus;
        let app = App::new(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = user_actor(sample.reviewer.id);
        // Sixty more actions: due dates past and future, some without, open, done and dropped,
        // owned by either agency.
        for i in 0..60u32 {
            let mut action = sample.action.clone();
            action.id = casewindow_domain::ids::ActionId(uuid::Uuid::new_v4());
            action.description = format!("Action {i}");
            action.due_on = (i % 7 != 0)
                .then(|| chrono::NaiveDate::from_ymd_opt(2019 + (i % 9) as i32, 1 + i % 12, 1))
                .flatten();
            action.status = match i % 5 {
                0 => ActionStatus::Done,
                1 => ActionStatus::Dropped,
                _ => ActionStatus::Open,
            };
            if action.status == ActionStatus::Dropped {
                action.status_note = "no longer needed".to_owned();
            }
            action.owner_agency_id = if i % 2 == 0 {
                sample.health.id
            } else {
                sample.social_care.id
            };
            app.create(&lead, &action).await?;
        }
        let whole = app.action_tracker(&lead).await?;
        assert_eq!(whole.len(), 61);
        let mut paged = Vec::new();
        for page in 1..=2 {
            let found = app
                .action_tracker_page(
                    &lead,
                    &TrackerQuery {
                        page,
                        ..TrackerQuery::default()
                    },
                )
                .await?;
            assert_eq!((found.total, found.matching, found.pages), (61, 61, 2));
            assert_eq!(found.page, page);
            assert!(found.rows.len() <= TRACKER_PAGE);
            paged.extend(found.rows);
        }
        let ids = |list: &[casewindow_app::tracker::TrackedAction]| -> Vec<_> {
            list.iter().map(|t| t.action.id).collect()
        };
        assert_eq!(ids(&paged), ids(&whole), "pages in the whole list's order");
        // Past the last page: the last page.
        let last = app
            .action_tracker_page(
                &lead,
                &TrackerQuery {
                    page: 9,
                    ..TrackerQuery::default()
                },
            )
            .await?;
        assert_eq!((last.page, last.rows.len()), (2, 11));
        // Counts: overdue ones only as overdue.
        let first = app
            .action_tracker_page(&lead, &TrackerQuery::default())
            .await?;
        let overdue = whole.iter().filter(|t| t.overdue).count();
        assert!(overdue > 0);
        assert_eq!(first.overdue, overdue);
        for (status, n) in &first.by_status {
            let expected = whole
                .iter()
                .filter(|t| !t.overdue && t.action.status == *status)
                .count();
            assert_eq!(*n, expected, "{status:?}");
        }
        assert_eq!(first.owners.len(), 2);
        assert_eq!(first.reviews.as_ref().map(Vec::len), Some(1));
        // Filters: an owner, overdue only, a status.
        let health = app
            .action_tracker_page(
                &lead,
                &TrackerQuery {
                    owner: Some(sample.health.id),
                    overdue_only: true,
                    ..TrackerQuery::default()
                },
            )
            .await?;
        let expected = whole
            .iter()
            .filter(|t| t.overdue && t.action.owner_agency_id == sample.health.id)
            .count();
        assert_eq!(health.matching, expected);
        assert!(
            health
                .rows
                .iter()
                .all(|t| t.overdue && t.action.owner_agency_id == sample.health.id)
        );
        let dropped = app
            .action_tracker_page(
                &lead,
                &TrackerQuery {
                    status: Some(ActionStatus::Dropped),
                    ..TrackerQuery::default()
                },
            )
            .await?;
        assert_eq!(dropped.matching, 12);
        // Someone without a part in the review sees nothing of it.
        let stranger = app
            .create_account(
                "Stranger",
                "stranger@example.org",
                "a long enough passphrase",
                false,
            )
            .await?;
        let none = app
            .action_tracker_page(&user_actor(stranger.id), &TrackerQuery::default())
            .await?;
        assert_eq!((none.total, none.rows.len(), none.owners.len()), (0, 0, 0));
        assert!(matches!(
            app.action_tracker_page(&administrator(), &TrackerQuery::default())
                .await,
            Err(AppError::NotFound { .. })
        ));
        Ok(())
    }
);

both_backends!(
    published_documents_call_agencies_by_their_publication_names,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = user_actor(sample.reviewer.id);
        let review = sample.review.id;
        let mut finding: Finding = sample.finding.clone();
        finding.statement = "Eastbrook Community Health's visitor wrote to Eastbrook \
            Children's Services. EASTBROOK COMMUNITY HEALTH did not hear back."
            .to_owned();
        app.update(&lead, &finding, 1, "named the agencies").await?;
        let shown = report_text(&app, &lead, review).await?;
        // The fixture's health agency has a publication name; social care takes its sector's.
        assert!(
            shown.contains(
                "The health visiting team's visitor wrote to children's social care. \
                 The health visiting team did not hear back."
            ),
            "{shown}"
        );
        assert!(!shown.to_lowercase().contains("eastbrook community health"));

        app.set_agency_publication_name(
            &lead,
            review,
            sample.social_care.id,
            " the local authority ",
        )
        .await?;
        let shown = report_text(&app, &lead, review).await?;
        assert!(shown.contains("wrote to the local authority."), "{shown}");
        assert!(!shown.contains("Eastbrook Children's Services"));
        let trail = store.audit_events(review, 3).await?;
        assert!(
            trail
                .iter()
                .any(|e| e.entry.entity == "agencies" && e.entry.action == "update"),
            "the change is audited"
        );

        // Empty goes back to the sector's name; a line is required to be a line.
        app.set_agency_publication_name(&lead, review, sample.social_care.id, "")
            .await?;
        assert!(
            report_text(&app, &lead, review)
                .await?
                .contains("wrote to children's social care.")
        );
        match app
            .set_agency_publication_name(&lead, review, sample.social_care.id, &"x".repeat(5000))
            .await
        {
            Err(AppError::Invalid(problems)) => assert_eq!(problems[0].path, "publication_name"),
            other => panic!("expected a refusal, got {other:?}"),
        }

        // Another partnership's agency, and someone who does not manage the participants.
        let elsewhere = casewindow_domain::ids::AgencyId(uuid::Uuid::new_v4());
        let err = app
            .set_agency_publication_name(&lead, review, elsewhere, "a school")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err}");
        let err = app
            .set_agency_publication_name(&administrator(), review, sample.health.id, "a school")
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err}");
        Ok(())
    }
);

async fn report_text(
    app: &App<SqlStore>,
    actor: &Actor,
    review: casewindow_domain::ids::ReviewId,
) -> Result<String, AppError> {
    let (report, _) = app
        .review_document(actor, review, DocumentKind::Report)
        .await?;
    Ok(report.plain_text())
}

both_backends!(
    a_scan_links_each_hit_to_its_record_and_keeps_what_its_runner_judged,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let lead = user_actor(sample.reviewer.id);
        let review = sample.review.id;
        let mut finding: Finding = sample.finding.clone();
        finding.statement =
            "On 12 March 2024 the visit was missed, and again on 19 March 2024.".to_owned();
        app.update(&lead, &finding, 1, "dated it").await?;
        let scan = app
            .identifier_scan(&lead, review, &Default::default())
            .await?;
        let dated = scan
            .hits
            .iter()
            .find(|h| h.hit.text == "12 March 2024")
            .expect("the date is found");
        let source = dated.source.as_ref().expect("the date comes from a record");
        assert_eq!(
            source.path,
            format!("/reviews/{review}/findings/{}", sample.finding.id)
        );
        assert!(source.label.starts_with("Finding"), "{}", source.label);

        // The kept scan shows the same hits again.
        let run = scan.run.id.to_string();
        let kept = app.kept_scan(&lead, review, &run).await?.expect("kept");
        assert_eq!(kept.hits.len(), scan.hits.len());
        let distinct = kept.distinct();
        let first = distinct
            .iter()
            .position(|(_, text, _)| text == "12 March 2024")
            .expect("listed");

        // A reason is required; an index names something the scan found; only its runner.
        match app
            .accept_scan_hits(&lead, review, &run, &[(first, " ".to_owned())])
            .await
        {
            Err(AppError::Invalid(problems)) => {
                assert_eq!(problems[0].path, format!("reason_{first}"));
            }
            other => panic!("expected a reason to be asked for, got {other:?}"),
        }
        assert!(matches!(
            app.accept_scan_hits(&lead, review, &run, &[(999, "x".to_owned())])
                .await,
            Err(AppError::Invalid(_))
        ));
        let colleague = user_actor(casewindow_domain::ids::UserId(uuid::Uuid::new_v4()));
        assert!(
            app.accept_scan_hits(&colleague, review, &run, &[(first, "x".to_owned())])
                .await
                .is_err()
        );
        let judged = app
            .accept_scan_hits(
                &lead,
                review,
                &run,
                &[(first, "The date of a public inquest".to_owned())],
            )
            .await?;
        assert_eq!(judged.run.accepted.len(), 1);
        assert_eq!(judged.run.accepted[0].text, "12 March 2024");
        assert_eq!(judged.run.accepted[0].kind, "Exact date");
        let again = app.scan_for_sign_off(&lead, review, &run).await?;
        assert_eq!(
            again.accepted, judged.run.accepted,
            "the sign-off reads them from the kept scan"
        );
        let trail = store.audit_events(review, 5).await?;
        assert!(
            trail
                .iter()
                .any(|e| e.entry.entity == "scan_runs" && e.entry.action == "update")
        );
        Ok(())
    }
);
