//! Testing the analysis together, through the pages, on both engines: what is shared reaches
//! only its audience, pseudonymised; nothing unshared is reachable by the case group or the
//! family; each comment is answered once; a finding's status follows from comments and
//! meetings; report versions move only forward, each audience reads from its own stage on and
//! comments on a section; partners sign off at their stage; a final version is frozen only from
//! what the anonymisation sign-off covered, and publishing needs it.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use casewindow_app::{Actor, App, Vault};
use casewindow_domain::collaboration::{
    Disagreement, DisagreementStatus, ItemOutcome, Meeting, MeetingItem, MeetingKind, Testing,
    Topic, View,
};
use casewindow_domain::identity::SubjectIdentity;
use casewindow_domain::ids::MeetingId;
use casewindow_domain::lifecycle::{ReviewState, TransitionRequest};
use casewindow_domain::participation::Role;
use casewindow_domain::review::AnonymisationSignOff;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};
use common::{Member, get, send, signed_in_as};

const FORM: &str = "application/x-www-form-urlencoded";

async fn post(
    router: &axum::Router,
    path: &str,
    who: &Member,
    fields: &str,
) -> (StatusCode, String, String) {
    send(
        router,
        "POST",
        path,
        &who.cookie,
        Some(FORM.to_owned()),
        format!("csrf_token={}&{fields}", who.csrf),
    )
    .await
}

/// Records the sample child's real name, "Jayden Okafor", in the vault.
async fn name_the_child(app: &App<SqlStore>, sample: &Sample) {
    app.record_identity(
        &Actor::system("test"),
        &SubjectIdentity {
            subject_id: sample.child.id,
            full_name: "Jayden Okafor".to_owned(),
            aliases: Vec::new(),
            date_of_birth: None,
            addresses: Vec::new(),
            identifiers: Vec::new(),
        },
        "test",
    )
    .await
    .expect("identity");
}

fn app_for(store: &SqlStore) -> App<SqlStore> {
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    App::new(store.clone()).with_vault(Vault::from_base64(&key).expect("key"))
}

both_backends!(
    shared_drafts_reach_only_their_audience_and_each_comment_is_answered_once,
    |store: SqlStore, _url: String| async move {
        let app = app_for(&store);
        app.prepare().await?;
        let mut sample = Sample::new();
        // The finding names the child: what is shared must carry the pseudonym instead.
        sample.finding.context = "Jayden Okafor's nursery raised the concern twice.".to_owned();
        sample.insert_all(&store).await?;
        let system = Actor::system("test");
        name_the_child(&app, &sample).await;
        let router = casewindow_web::router(app.clone());
        let lead = signed_in_as(&app, &store, &sample, Role::LeadReviewer, None).await;
        let case_group = signed_in_as(&app, &store, &sample, Role::CaseGroupMember, None).await;
        let family = signed_in_as(&app, &store, &sample, Role::FamilyMember, None).await;
        let observer = signed_in_as(&app, &store, &sample, Role::Observer, None).await;
        let review = sample.review.id;

        // Nothing is shared yet: the case group and the family reach no record of the review.
        for who in [&case_group, &family] {
            for page in [
                "",
                "/findings",
                "/kpes",
                "/report",
                "/meetings",
                "/sharing",
                "/chronology",
            ] {
                let (status, _) =
                    get(&router, &format!("/reviews/{review}{page}"), &who.cookie).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
            }
            let (status, page) =
                get(&router, &format!("/reviews/{review}/shared"), &who.cookie).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                page.contains("Nothing has been shared with you yet"),
                "{page}"
            );
            assert!(!page.contains(&sample.finding.statement));
        }
        // An observer reads the review but takes no part in testing it.
        let (status, _) = get(
            &router,
            &format!("/reviews/{review}/shared"),
            &observer.cookie,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The lead shares the finding and the KPE with the case group.
        let (status, _, page) = post(
            &router,
            &format!("/reviews/{review}/sharing"),
            &lead,
            "audience=case_group",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing chosen");
        assert!(page.contains("Choose at least one KPE or finding to share"));
        let items = format!(
            "audience=case_group&items=finding%3A{}&items=kpe%3A{}&note=Before+the+meeting",
            sample.finding.id, sample.kpe.id
        );
        let (status, _, page) = post(
            &router,
            &format!("/reviews/{review}/sharing"),
            &lead,
            &items,
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        // Sharing the same versions again adds nothing.
        post(
            &router,
            &format!("/reviews/{review}/sharing"),
            &lead,
            &items,
        )
        .await;
        let shares = store.shares(review).await?;
        assert_eq!(shares.len(), 2);
        let finding_share = shares
            .iter()
            .find(|s| s.item_id == sample.finding.id.0)
            .expect("the finding's share");
        assert!(
            finding_share.content.contains("Child S's nursery"),
            "{}",
            finding_share.content
        );
        assert!(!finding_share.content.contains("Jayden"));

        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/shared"),
            &case_group.cookie,
        )
        .await;
        assert!(page.contains(&sample.finding.statement), "{page}");
        assert!(page.contains("Child S") && !page.contains("Jayden"));
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/shared"),
            &family.cookie,
        )
        .await;
        assert!(
            !page.contains(&sample.finding.statement),
            "the family sees nothing of it"
        );
        // The home page says what waits, for the case group only.
        let (_, home) = get(&router, "/", &case_group.cookie).await;
        assert!(home.contains("2 drafts shared with you"), "{home}");
        assert!(home.contains(&format!("/reviews/{review}/shared")));
        let (_, home) = get(&router, "/", &family.cookie).await;
        assert!(!home.contains("shared with you"));

        // The family cannot comment on the case group's item; the case group can.
        let comment = format!("/reviews/{review}/shared/{}/comments", finding_share.id);
        let (status, _, _) = post(&router, &comment, &family, "body=Not+mine").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, page) = post(&router, &comment, &case_group, "body=").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Write your comment"), "{page}");
        let (status, _, _) = post(
            &router,
            &comment,
            &case_group,
            "body=The+threshold+was+applied+as+the+procedure+then+said",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.finding_testing(&system, review).await?[&sample.finding.id],
            Testing::Tested,
            "a case group comment tests the finding"
        );

        // The lead answers: a disagreement needs its reasons, and a comment is answered once.
        let (_, page) = get(&router, &format!("/reviews/{review}/sharing"), &lead.cookie).await;
        assert!(page.contains("The threshold was applied as the procedure then said"));
        let comments = store.comments(review).await?;
        let answer = format!("/reviews/{review}/sharing/comments/{}", comments[0].id);
        let (status, _, page) = post(&router, &answer, &lead, "answer=disagreed&note=").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("give the reasons for disagreeing"), "{page}");
        let (status, _, _) = post(
            &router,
            &answer,
            &lead,
            "answer=disagreed&note=The+procedure+was+revised+before+the+referral",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, page) = post(&router, &answer, &lead, "answer=accepted&note=").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("answered already"), "{page}");
        assert_eq!(
            app.finding_testing(&system, review).await?[&sample.finding.id],
            Testing::Disputed
        );
        // The commenter sees the answer to their own comment.
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/shared"),
            &case_group.cookie,
        )
        .await;
        assert!(page.contains("The procedure was revised before the referral"));

        // A joint meeting logs the disagreement and, once resolved, agrees the finding.
        let mut meeting = Meeting {
            id: MeetingId(uuid::Uuid::new_v4()),
            review_id: review,
            kind: MeetingKind::Joint,
            held_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            title: "Joint meeting 1".to_owned(),
            attendees: vec![case_group.participation, lead.participation],
            items: vec![MeetingItem {
                topic: Topic::Finding(sample.finding.id),
                outcome: ItemOutcome::Agreed,
            }],
            notes: String::new(),
            actions: Vec::new(),
            disagreements: vec![Disagreement {
                about: Topic::Finding(sample.finding.id),
                views: vec![View {
                    holder: case_group.participation,
                    view: "Applied as written".to_owned(),
                }],
                status: DisagreementStatus::Open,
                resolution: String::new(),
                report_location: String::new(),
            }],
        };
        let stored = app.create(&system, &meeting).await?;
        assert_eq!(
            app.finding_testing(&system, review).await?[&sample.finding.id],
            Testing::Disputed
        );
        // Through the page: settling it as standing needs where the report records it.
        let settle = format!(
            "/reviews/{review}/meetings/{}/disagreements/settle",
            meeting.id
        );
        let (status, _, page) = post(
            &router,
            &settle,
            &lead,
            &format!(
                "version={}&index=0&status=stands&resolution=Views+differ&report_location=",
                stored.meta.version
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("say where the report records both views"),
            "{page}"
        );
        let (status, _, _) = post(
            &router,
            &settle,
            &lead,
            &format!(
                "version={}&index=0&status=resolved&resolution=The+revision+date+was+checked",
                stored.meta.version
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.finding_testing(&system, review).await?[&sample.finding.id],
            Testing::Agreed
        );
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/meetings"),
            &observer.cookie,
        )
        .await;
        assert!(
            page.contains("The revision date was checked"),
            "the log shows how it ended"
        );
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/findings"),
            &observer.cookie,
        )
        .await;
        assert!(page.contains("Agreed"));
        meeting.title.clear();
        let refused = app.create(&system, &meeting).await;
        assert!(refused.is_err(), "a meeting needs a title");

        // Every share, comment and answer is in the audit trail.
        let trail = store.audit_events(review, 500).await?;
        for (action, entity) in [
            ("create", "shares"),
            ("create", "comments"),
            ("answer", "comments"),
            ("read", "shares"),
        ] {
            assert!(
                trail
                    .iter()
                    .any(|e| e.entry.action == action && e.entry.entity == entity),
                "{action} {entity}"
            );
        }
        Ok(())
    }
);

both_backends!(
    versions_move_forward_reach_each_audience_at_its_stage_and_only_a_signed_off_final_is_published,
    |store: SqlStore, _url: String| async move {
        let app = app_for(&store);
        app.prepare().await?;
        let mut sample = Sample::new();
        sample.review.state = ReviewState::PrePublication;
        sample.insert_all(&store).await?;
        let router = casewindow_web::router(app.clone());
        let lead = signed_in_as(&app, &store, &sample, Role::LeadReviewer, None).await;
        let family = signed_in_as(&app, &store, &sample, Role::FamilyMember, None).await;
        let partner = signed_in_as(&app, &store, &sample, Role::PartnerSignatory, None).await;
        let review = sample.review.id;
        let system = Actor::system("test");

        let (status, _, _) = post(
            &router,
            &format!("/reviews/{review}/report/versions"),
            &lead,
            "stage=draft",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let v1 = store.report_versions(review).await?.remove(0);
        let read = format!("/reviews/{review}/shared/versions/{}", v1.id);
        // A draft is the review team's: the family cannot reach it.
        let (status, _) = get(&router, &read, &family.cookie).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/shared"),
            &family.cookie,
        )
        .await;
        assert!(page.contains("No version of the report has been put to you yet"));

        // Put to the family; never back.
        let stage = format!("/reviews/{review}/report/versions/{}/stage", v1.id);
        let (status, _, _) = post(&router, &stage, &lead, "stage=family_preview").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, page) = post(&router, &stage, &lead, "stage=case_group_comment").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("only moves on to a later stage"), "{page}");
        let (status, _, page) = post(&router, &stage, &lead, "stage=final").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("frozen after the anonymisation sign-off"),
            "{page}"
        );

        let (status, page) = get(&router, &read, &family.cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&sample.finding.statement),
            "the frozen report: {page}"
        );
        let document: casewindow_report::Document = serde_json::from_str(
            &store
                .report_version_document(v1.id)
                .await?
                .expect("document")
                .1,
        )?;
        let section = document.headings()[1].clone();
        let comment = format!("{read}/comments");
        let (status, _, page) =
            post(&router, &comment, &family, "section=Nowhere&body=Hello").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Choose the section"), "{page}");
        let (status, _, _) = post(
            &router,
            &comment,
            &family,
            &format!(
                "section={}&body=Our+son+was+not+at+home+that+week",
                section.replace(' ', "+")
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let comments = store.comments(review).await?;
        assert!(
            matches!(&comments[0].on, casewindow_store::CommentOn::Version { section: s, .. } if *s == section)
        );
        let (status, pdf) = get(&router, &format!("{read}/report.pdf"), &family.cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with("%PDF"));
        let (_, page) = get(&router, &format!("/reviews/{review}/sharing"), &lead.cookie).await;
        assert!(page.contains("Our son was not at home that week"));

        // Partners sign off only a version at their stage, once.
        let sign = format!("{read}/sign-off");
        let (status, _, page) = post(&router, &sign, &partner, "decision=signed_off").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("not put to the partners"), "{page}");
        post(&router, &stage, &lead, "stage=partner_sign_off").await;
        let (status, _, page) =
            post(&router, &sign, &partner, "decision=withheld&sign_off_note=").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Say why"), "{page}");
        let (status, _, _) = post(&router, &sign, &partner, "decision=signed_off").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = post(&router, &sign, &partner, "decision=signed_off").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "once per version");
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/report/versions"),
            &lead.cookie,
        )
        .await;
        assert!(
            page.contains("Signed off, PartnerSignatory person"),
            "{page}"
        );

        // Publishing needs a final version frozen from what the sign-off covered.
        let refused = |result: Result<_, casewindow_app::AppError>| match result {
            Err(casewindow_app::AppError::Refused(refused)) => refused.reasons,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let current = store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?;
        let reasons = refused(
            app.transition(
                &system,
                review,
                current.meta.version,
                &TransitionRequest::Advance(ReviewState::Published),
            )
            .await,
        );
        assert!(
            reasons.iter().any(|r| r.contains("signed off")),
            "{reasons:?}"
        );
        let scan = app
            .identifier_scan(&system, review, &casewindow_redact::Gazetteer::default())
            .await?;
        let mut signed = current.record.clone();
        signed.anonymisation_sign_off = Some(AnonymisationSignOff {
            signed_off_by: sample.reviewer.id,
            signed_off_on: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
            residual_risks: "None found".to_owned(),
            scan_hits: Some(scan.run.hits),
            fingerprint: Some(scan.run.fingerprint.clone()),
            accepted: Vec::new(),
        });
        let current = store
            .update(&signed, current.meta.version, &change("signed off"))
            .await?;
        let reasons = refused(
            app.transition(
                &system,
                review,
                current.meta.version,
                &TransitionRequest::Advance(ReviewState::Published),
            )
            .await,
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("freeze the final version")),
            "{reasons:?}"
        );
        let (status, _, page) = post(
            &router,
            &format!("/reviews/{review}/report/versions"),
            &lead,
            "stage=final",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let reasons = refused(
            app.transition(
                &system,
                review,
                current.meta.version,
                &TransitionRequest::Advance(ReviewState::Published),
            )
            .await,
        );
        assert!(
            !reasons
                .iter()
                .any(|r| r.contains("freeze the final version")),
            "{reasons:?}"
        );

        // Once the records change, the sign-off no longer covers them: no new final version.
        let mut finding = sample.finding.clone();
        finding.statement = "Referral routes hide a second concern behind the first.".to_owned();
        store.update(&finding, 1, &change("reworded")).await?;
        let (status, _, page) = post(
            &router,
            &format!("/reviews/{review}/report/versions"),
            &lead,
            "stage=final",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("anonymisation sign-off"), "{page}");
        Ok(())
    }
);

both_backends!(
    at_every_stage_each_role_reaches_a_version_only_from_its_own_stage_and_never_an_identity,
    |store: SqlStore, _url: String| async move {
        use casewindow_domain::collaboration::Audience;
        use casewindow_domain::review::ReportStage;
        let app = app_for(&store);
        app.prepare().await?;
        let mut sample = Sample::new();
        sample.finding.context = "Jayden Okafor's nursery raised the concern twice.".to_owned();
        sample.insert_all(&store).await?;
        let system = Actor::system("test");
        name_the_child(&app, &sample).await;
        let router = casewindow_web::router(app.clone());
        let review = sample.review.id;
        let mut members = Vec::new();
        for role in Role::ALL {
            members.push((role, signed_in_as(&app, &store, &sample, role, None).await));
        }
        app.freeze_report(&system, review, ReportStage::Draft)
            .await?;
        let version = store.report_versions(review).await?.remove(0).id;
        for stage in ReportStage::ALL {
            if stage == ReportStage::Final {
                continue; // frozen, never moved to (see the test above)
            }
            if stage != ReportStage::Draft {
                app.move_version(&system, review, version, stage).await?;
            }
            for (role, member) in &members {
                let takes_part =
                    casewindow_app::permits(*role, casewindow_app::Permission::TakePart);
                let reads_all =
                    casewindow_app::permits(*role, casewindow_app::Permission::ViewReview);
                let audience_reads = Audience::of_role(*role).is_some_and(|a| a.reads(stage));
                let expected = takes_part && (reads_all || audience_reads);
                for path in [
                    format!("/reviews/{review}/shared/versions/{version}"),
                    format!("/reviews/{review}/shared/versions/{version}/report.pdf"),
                ] {
                    let (status, page) = get(&router, &path, &member.cookie).await;
                    assert_eq!(
                        status == StatusCode::OK,
                        expected,
                        "{role:?} at {stage:?} on {path}: {status}"
                    );
                    if !path.ends_with(".pdf") {
                        assert!(!page.contains("Jayden"), "no identity reaches {role:?}");
                    }
                }
                let (_, page) = get(
                    &router,
                    &format!("/reviews/{review}/shared"),
                    &member.cookie,
                )
                .await;
                assert!(!page.contains("Jayden"));
            }
        }
        Ok(())
    }
);

both_backends!(
    a_quality_supervisor_assesses_the_markers_and_the_overview_shows_what_is_unmet,
    |store: SqlStore, _url: String| async move {
        let app = app_for(&store);
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let router = casewindow_web::router(app.clone());
        let review = sample.review.id;
        let supervisor = signed_in_as(&app, &store, &sample, Role::QualitySupervisor, None).await;
        let observer = signed_in_as(&app, &store, &sample, Role::Observer, None).await;
        let quality = format!("/reviews/{review}/quality");

        let (_, page) = get(&router, &format!("/reviews/{review}"), &observer.cookie).await;
        assert!(
            page.contains("16 of 16 quality markers not yet met"),
            "{page}"
        );
        let (status, _, _) = post(
            &router,
            &quality,
            &observer,
            "marker=kept_to_time&rating=met",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an observer does not assess");
        let (status, _, page) = post(
            &router,
            &quality,
            &supervisor,
            "marker=kept_to_time&rating=not_met&evidence=",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("say what is missing"), "{page}");
        let (status, _, _) = post(
            &router,
            &quality,
            &supervisor,
            "marker=kept_to_time&rating=not_met&evidence=The+six-month+deadline+passed+without+a+recorded+reason",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = post(
            &router,
            &quality,
            &supervisor,
            "marker=kept_to_time&rating=met&evidence=",
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = get(&router, &quality, &observer.cookie).await;
        assert!(page.contains("15 of 16 markers not yet met"), "{page}");
        assert!(
            page.contains("(Quality supervisor)") && page.contains("1 earlier"),
            "{page}"
        );
        let assessments = store.quality_assessments(review).await?;
        assert_eq!(assessments.len(), 2, "the earlier assessment is kept");
        let (_, page) = get(&router, &format!("/reviews/{review}"), &observer.cookie).await;
        assert!(page.contains("15 of 16 quality markers not yet met"));
        Ok(())
    }
);

both_backends!(
    the_marking_says_checked_only_while_the_documents_are_what_the_sign_off_covered,
    |store: SqlStore, _url: String| async move {
        let app = app_for(&store);
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        name_the_child(&app, &sample).await;
        let router = casewindow_web::router(app.clone());
        let lead = signed_in_as(&app, &store, &sample, Role::LeadReviewer, None).await;
        let review = sample.review.id;
        let report = format!("/reviews/{review}/report");
        let (_, page) = get(&router, &report, &lead.cookie).await;
        assert!(page.contains("Draft: not checked for identifying details"));

        // Scanned and signed off by the lead through the publication page.
        let sign_off = |scan: uuid::Uuid, version: i64| {
            format!(
                "version={version}&scan={scan}&signed_off=yes&signed_off_on=2026-04-01&residual_risks=None"
            )
        };
        let lead_actor = Actor {
            user: Some(lead.user),
            label: "lead".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let scan = app
            .identifier_scan(
                &lead_actor,
                review,
                &casewindow_redact::Gazetteer::default(),
            )
            .await?;
        let version = store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?
            .meta
            .version;
        let (status, _, page) = post(
            &router,
            &format!("/reviews/{review}/publication/confirm"),
            &lead,
            &sign_off(scan.run.id, version),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (_, page) = get(&router, &report, &lead.cookie).await;
        assert!(page.contains(">Checked for identifying details<"), "{page}");

        // An appraisal reworded with the child's name: no longer what was checked.
        let mut kpe = sample.kpe.clone();
        kpe.appraisal.rationale = "Jayden Okafor was seen at 14 Harbour Row, AB1 2CD.".to_owned();
        store.update(&kpe, 1, &change("reworded")).await?;
        let (_, page) = get(&router, &report, &lead.cookie).await;
        assert!(
            !page.contains(">Checked for identifying details<"),
            "{page}"
        );
        assert!(
            page.contains("Changed since it was checked for identifying details"),
            "{page}"
        );
        let (_, page) = get(
            &router,
            &format!("/reviews/{review}/publication"),
            &lead.cookie,
        )
        .await;
        assert!(page.contains("The sign-off is out of date"), "{page}");
        let (status, _, _) = post(
            &router,
            &format!("/reviews/{review}/report/versions"),
            &lead,
            "stage=final",
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no final version from stale documents"
        );
        let pdf = app
            .render_document(
                &lead_actor,
                review,
                casewindow_report::DocumentKind::Report,
                casewindow_app::reports::Format::Html,
            )
            .await?;
        assert!(String::from_utf8_lossy(&pdf).contains("Changed since it was checked"));

        // A new scan and sign-off cover the documents again.
        let scan = app
            .identifier_scan(
                &lead_actor,
                review,
                &casewindow_redact::Gazetteer::default(),
            )
            .await?;
        let version = store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?
            .meta
            .version;
        let (status, _, page) = post(
            &router,
            &format!("/reviews/{review}/publication/confirm"),
            &lead,
            &sign_off(scan.run.id, version),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (_, page) = get(&router, &report, &lead.cookie).await;
        assert!(page.contains(">Checked for identifying details<"), "{page}");
        let signed = store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?;
        assert_eq!(
            signed
                .record
                .anonymisation_sign_off
                .and_then(|s| s.fingerprint),
            Some(scan.run.fingerprint)
        );
        Ok(())
    }
);

both_backends!(
    a_publication_decision_is_refused_with_reasons_when_early_or_out_of_order_and_confirmed_when_recorded,
    |store: SqlStore, _url: String| async move {
        let app = app_for(&store);
        app.prepare().await?;
        let sample = Sample::new(); // at Analysis
        sample.insert_all(&store).await?;
        let router = casewindow_web::router(app.clone());
        let lead = signed_in_as(&app, &store, &sample, Role::LeadReviewer, None).await;
        let review = sample.review.id;
        let check = format!("/reviews/{review}/publication");
        let (status, _, page) = post(
            &router,
            &check,
            &lead,
            "version=1&outcome=publish&decision_on=2026-05-01&published_on=2026-05-08",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("the decision to publish comes after the partners"), "{page}");
        assert!(page.contains("Analysis"), "{page}");

        let mut at_sign_off = store.get::<casewindow_domain::review::Review>(review.0).await?;
        at_sign_off.record.state = ReviewState::PartnerSignOff;
        let stored = store
            .update(&at_sign_off.record, at_sign_off.meta.version, &change("moved on"))
            .await?;
        let v = stored.meta.version;
        let (status, _, page) = post(
            &router,
            &check,
            &lead,
            &format!("version={v}&outcome=publish&decision_on=2026-05-08&published_on=2026-05-01"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Published on is before the decision to publish"), "{page}");

        let (status, location, _) = post(
            &router,
            &format!("{check}/confirm"),
            &lead,
            &format!("version={v}&outcome=publish&decision_on=2026-05-01&published_on=2026-05-08"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, format!("/reviews/{review}/publication?recorded=yes"));
        let (_, page) = get(&router, &location, &lead.cookie).await;
        assert!(page.contains("Recorded"), "{page}");
        assert!(page.contains("Publish"), "{page}");
        Ok(())
    }
);
