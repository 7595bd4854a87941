//! Creating and updating records through the application layer.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::ids::{KpeId, ParticipationId};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;

both_backends!(
    a_stale_edit_is_a_conflict_and_the_newer_text_survives,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = Actor::system("test");
        let mut mine = sample.kpe.clone();
        mine.title = "Mine".to_owned();
        let mut theirs = sample.kpe.clone();
        theirs.title = "Theirs".to_owned();
        app.update(&actor, &theirs, 1, "retitled").await?;
        let err = app.update(&actor, &mine, 1, "retitled").await.unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err}");
        assert_eq!(
            store
                .get::<KeyPracticeEpisode>(sample.kpe.id.0)
                .await?
                .record
                .title,
            "Theirs"
        );
        Ok(())
    }
);

both_backends!(
    a_kept_chronology_view_is_read_again_once_its_review_changes,
    |store: SqlStore, _url| async move {
        use std::sync::Arc;
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        let actor = Actor::system("test");
        let review = sample.review.id;

        let first = app.chronology(&actor, review).await?;
        assert!(
            Arc::ptr_eq(&first, &app.chronology(&actor, review).await?),
            "nothing changed: the view is kept"
        );
        // Another review's change keeps it.
        let mut elsewhere = other.entry.clone();
        elsewhere.description = "Reworded in another review".to_owned();
        app.update(&actor, &elsewhere, 1, "reworded").await?;
        assert!(Arc::ptr_eq(&first, &app.chronology(&actor, review).await?));

        // A second server on the same database keeps its own copy, and both see a change
        // made through either.
        let second = App::new(store.clone());
        let seen = second.chronology(&actor, review).await?;
        let mut entry = sample.entry.clone();
        entry.description = "Reworded after the agency checked its records".to_owned();
        second.update(&actor, &entry, 1, "reworded").await?;
        for server in [&app, &second] {
            let now = server.chronology(&actor, review).await?;
            assert!(!Arc::ptr_eq(&now, &first) && !Arc::ptr_eq(&now, &seen));
            assert!(
                now.entries
                    .iter()
                    .any(|e| e.description == entry.description),
                "the change is read"
            );
        }
        // Every reading is still audited, kept view or not.
        let reads = store
            .audit_events(review, 100)
            .await?
            .into_iter()
            .filter(|e| e.entry.action == "read" && e.entry.entity == "chronology_entries")
            .count();
        assert_eq!(reads, 6);
        Ok(())
    }
);

both_backends!(
    references_must_stay_within_the_review,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        let actor = Actor::system("test");

        // Linking a finding to another review's KPE is refused, naming the field.
        let mut finding = sample.finding.clone();
        finding.kpe_ids = vec![other.kpe.id];
        let err = app.update(&actor, &finding, 1, "linked").await.unwrap_err();
        let AppError::Invalid(problems) = &err else {
            panic!("expected invalid, got {err}")
        };
        assert_eq!(problems[0].path, "kpe_ids[0]", "{err}");

        // A local-rationality account must belong to a participant of this review.
        let mut kpe = sample.kpe.clone();
        kpe.id = KpeId(uuid::Uuid::new_v4());
        kpe.position = 2;
        kpe.local_rationality[0].participant_id = ParticipationId(uuid::Uuid::new_v4());
        let err = app.create(&actor, &kpe).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("local_rationality[0].participant_id"),
            "{err}"
        );

        // Field validation: a blank title.
        let mut blank = sample.kpe.clone();
        blank.title = "  ".to_owned();
        let err = app.update(&actor, &blank, 1, "blanked").await.unwrap_err();
        assert_eq!(err.to_string(), "title: is required");

        // A change needs a reason.
        let err = app.update(&actor, &sample.kpe, 1, " ").await.unwrap_err();
        assert_eq!(err.to_string(), "reason: say why the record is changing");
        Ok(())
    }
);

both_backends!(
    an_agency_liaison_sees_and_submits_only_their_own_agency,
    |store: SqlStore, _url| async move {
        use casewindow_domain::evidence::ChronologyEntry;
        use casewindow_domain::ids::ChronologyEntryId;
        use casewindow_domain::participation::{Participation, Role};
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        // The fixture's entry is the health agency's; add one from children's social care.
        let mut social_care_entry = sample.entry.clone();
        social_care_entry.id = ChronologyEntryId(uuid::Uuid::new_v4());
        social_care_entry.agency_id = sample.social_care.id;
        social_care_entry.source = None;
        app.create(&Actor::system("test"), &social_care_entry)
            .await?;

        let liaison = app
            .create_account(
                "Health liaison",
                "liaison@example.org",
                "records from the health trust",
                false,
            )
            .await?;
        let participation = Participation {
            id: ParticipationId(uuid::Uuid::new_v4()),
            review_id: sample.review.id,
            user_id: Some(liaison.id),
            label: "Health records liaison".to_owned(),
            role: Role::AgencyRecordsLiaison,
            agency_id: Some(sample.health.id),
            invited_on: None,
            consent: None,
            declined_on: None,
            contribution: String::new(),
            withdrawn: None,
        };
        app.create(&Actor::system("test"), &participation).await?;
        let actor = Actor {
            user: Some(liaison.id),
            label: "liaison".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };

        let seen = app
            .records::<ChronologyEntry>(&actor, sample.review.id)
            .await?;
        assert_eq!(
            seen.iter().map(|e| e.record.agency_id).collect::<Vec<_>>(),
            [sample.health.id],
            "only their own agency's entries"
        );
        let view = app.chronology(&actor, sample.review.id).await?;
        assert!(
            view.entries.iter().all(|e| e.agency_id == sample.health.id) && view.entries.len() == 1
        );
        assert!(matches!(
            app.record::<ChronologyEntry>(&actor, social_care_entry.id.0)
                .await
                .unwrap_err(),
            AppError::NotFound { .. }
        ));

        // They may add their own agency's entries, not another agency's.
        let mut own = sample.entry.clone();
        own.id = ChronologyEntryId(uuid::Uuid::new_v4());
        app.create(&actor, &own).await?;
        let mut other = social_care_entry.clone();
        other.id = ChronologyEntryId(uuid::Uuid::new_v4());
        assert!(matches!(
            app.create(&actor, &other).await.unwrap_err(),
            AppError::NotFound { .. }
        ));
        // Nor can they read the review's analysis.
        assert!(matches!(
            app.review(&actor, sample.review.id).await.unwrap_err(),
            AppError::NotFound { .. }
        ));
        // A lead reviewer still sees every agency's entries.
        let lead = crate::lead(&sample);
        assert_eq!(
            app.records::<ChronologyEntry>(&lead, sample.review.id)
                .await?
                .len(),
            3
        );
        Ok(())
    }
);

both_backends!(
    a_liaison_who_is_also_business_manager_keeps_that_view_and_sees_only_their_agencys_papers,
    |store: SqlStore, _url| async move {
        use casewindow_domain::evidence::SourceDocument;
        use casewindow_domain::findings::Finding;
        use casewindow_domain::participation::{Participation, Role};
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let user = app
            .create_account(
                "Two hats",
                "two.hats@example.org",
                "two hats password 2026",
                false,
            )
            .await?;
        for role in [Role::BusinessManager, Role::AgencyRecordsLiaison] {
            store
                .insert(
                    &Participation {
                        id: ParticipationId(uuid::Uuid::new_v4()),
                        review_id: sample.review.id,
                        user_id: Some(user.id),
                        label: format!("{role:?}"),
                        role,
                        agency_id: Some(sample.social_care.id),
                        invited_on: None,
                        consent: None,
                        declined_on: None,
                        contribution: String::new(),
                        withdrawn: None,
                    },
                    &casewindow_testkit::fixtures::change("joined"),
                )
                .await?;
        }
        let actor = Actor {
            user: Some(user.id),
            label: "two hats".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let findings = app.records::<Finding>(&actor, sample.review.id).await?;
        assert_eq!(
            findings.len(),
            1,
            "the business manager's view of the findings"
        );
        let papers = app
            .records::<SourceDocument>(&actor, sample.review.id)
            .await?;
        assert!(
            papers.is_empty(),
            "the sample's document is health's, not social care's"
        );
        Ok(())
    }
);

both_backends!(
    two_people_adding_the_same_agency_at_once_make_one,
    |store: SqlStore, _url| async move {
        use casewindow_domain::organisation::AgencySector;
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = Actor::system("test");
        let review = sample.review.id;
        let (a, b) = tokio::join!(
            app.create_agency(
                &actor,
                review,
                "Harrowgate Youth Justice Service",
                AgencySector::Other
            ),
            app.create_agency(
                &actor,
                review,
                "harrowgate youth justice service",
                AgencySector::Other
            ),
        );
        assert!(a.is_ok() != b.is_ok(), "exactly one is added: {a:?} {b:?}");
        let refused = a.err().or(b.err()).expect("one refusal");
        assert!(
            matches!(&refused, AppError::Invalid(p) if p[0].path == "name" && p[0].reason.contains("already an agency")),
            "{refused}"
        );
        let named = store
            .agencies()
            .await?
            .into_iter()
            .filter(|a| {
                a.name
                    .eq_ignore_ascii_case("Harrowgate Youth Justice Service")
            })
            .count();
        assert_eq!(named, 1);
        Ok(())
    }
);

both_backends!(
    a_withdrawn_record_says_why_keeps_its_history_and_a_participant_loses_access,
    |store: SqlStore, _url| async move {
        use casewindow_domain::evidence::NarrativeSection;
        use casewindow_domain::participation::Participation;
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let review = sample.review.id;
        let section = sample.narrative.id.0;

        // No reason, no withdrawal; nothing written.
        let refused = app
            .withdraw::<NarrativeSection>(&lead, review, section, 1, "  ")
            .await
            .unwrap_err();
        assert!(
            matches!(refused, AppError::Invalid(ref p) if p[0].path == "withdraw_reason"),
            "{refused}"
        );
        assert_eq!(
            store.get::<NarrativeSection>(section).await?.meta.version,
            1
        );

        // From a stale version: a conflict, not a withdrawal.
        let stale = app
            .withdraw::<NarrativeSection>(&lead, review, section, 7, "A duplicate")
            .await
            .unwrap_err();
        assert!(matches!(stale, AppError::Conflict(_)), "{stale}");

        let saved = app
            .withdraw::<NarrativeSection>(
                &lead,
                review,
                section,
                1,
                "A duplicate of the first section",
            )
            .await?;
        let withdrawn = saved.record.withdrawn.clone().expect("withdrawn");
        assert_eq!(withdrawn.reason, "A duplicate of the first section");
        assert_eq!(withdrawn.on, app.today());
        // Kept, with the version before it and the reason in its history.
        let (_, revisions) = app
            .record_history::<NarrativeSection>(&lead, section)
            .await?;
        assert_eq!(revisions.len(), 1);
        assert_eq!(
            revisions[0].reason,
            "withdrew it: A duplicate of the first section"
        );
        assert!(!revisions[0].body.contains("withdrawn"));
        // Once only.
        let again = app
            .withdraw::<NarrativeSection>(&lead, review, section, 2, "Again")
            .await
            .unwrap_err();
        assert!(
            matches!(again, AppError::Invalid(ref p) if p[0].reason.contains("already")),
            "{again}"
        );
        // Left out of the report.
        let report = app
            .render_document(
                &lead,
                review,
                casewindow_report::DocumentKind::Report,
                casewindow_app::reports::Format::Html,
            )
            .await?;
        let report = String::from_utf8(report)?;
        assert!(
            !report.contains(sample.narrative.body.trim()),
            "a withdrawn section is not reported"
        );

        // The only lead reviewer cannot be withdrawn; a case group member can, and loses any
        // access the participation gave.
        let lead_refused = app
            .withdraw::<Participation>(&lead, review, sample.lead.id.0, 1, "Added by mistake")
            .await
            .unwrap_err();
        assert!(
            !matches!(lead_refused, AppError::Conflict(_)),
            "{lead_refused}"
        );
        assert!(
            store
                .get::<Participation>(sample.lead.id.0)
                .await?
                .record
                .withdrawn
                .is_none()
        );
        let member = app
            .withdraw::<Participation>(
                &lead,
                review,
                sample.health_visitor.id.0,
                1,
                "Added by mistake",
            )
            .await?;
        assert!(member.record.withdrawn.is_some() && member.record.user_id.is_none());
        Ok(())
    }
);

both_backends!(
    an_agency_is_withdrawn_once_with_why_and_takes_no_new_chronology,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let (review, agency) = (sample.review.id, sample.health.id);
        let refused = app
            .withdraw_agency(&lead, review, agency, " ")
            .await
            .unwrap_err();
        assert!(matches!(refused, AppError::Invalid(_)), "{refused}");
        // Two at once: one withdraws it, the other is told it already was.
        let (a, b) = tokio::join!(
            app.withdraw_agency(&lead, review, agency, "Added by mistake"),
            app.withdraw_agency(&lead, review, agency, "Added twice")
        );
        assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
        let read = store.agency(agency).await?;
        let withdrawn = read.withdrawn.expect("withdrawn, and read back");
        assert!(["Added by mistake", "Added twice"].contains(&withdrawn.reason.as_str()));
        assert_eq!(read.name, sample.health.name, "kept, with its name");
        let import = app
            .preview_chronology(
                &lead,
                review,
                agency,
                casewindow_app::ImportFile {
                    name: "health.csv",
                    bytes: b"Date,Details\n01/03/2024,Home visit\n",
                },
                None,
            )
            .await
            .unwrap_err();
        assert!(import.to_string().contains("was withdrawn"), "{import}");
        Ok(())
    }
);

both_backends!(
    the_portfolio_filters_by_the_persons_role_in_each_review,
    |store: SqlStore, _url| async move {
        use casewindow_app::PortfolioQuery;
        use casewindow_domain::participation::Role;
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let all = app.portfolio(&lead, &PortfolioQuery::default()).await?;
        assert_eq!(all.matching, 1);
        assert_eq!(all.roles, vec![Role::LeadReviewer]);
        let led = PortfolioQuery {
            role: Some(Role::LeadReviewer),
            ..PortfolioQuery::default()
        };
        assert_eq!(app.portfolio(&lead, &led).await?.matching, 1);
        let observed = PortfolioQuery {
            role: Some(Role::Observer),
            ..PortfolioQuery::default()
        };
        let none = app.portfolio(&lead, &observed).await?;
        assert_eq!((none.matching, none.total), (0, 1));
        Ok(())
    }
);
