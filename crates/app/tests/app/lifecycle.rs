//! The lifecycle through the application layer.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::findings::FindingStatus;
use casewindow_domain::lifecycle::{ReviewState, TransitionRequest};
use casewindow_domain::review::{DeadlineKind, Review};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;
use chrono::{NaiveDate, TimeZone, Utc};

both_backends!(
    a_guard_violating_transition_is_refused_with_its_reason,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = Actor {
            user: Some(sample.reviewer.id),
            label: "test".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let review = sample.review.id;

        // Analysis -> findings development is allowed: the KPE is analysed and appraised.
        let moved = app
            .transition(
                &actor,
                review,
                1,
                &TransitionRequest::Advance(ReviewState::FindingsDevelopment),
            )
            .await?;
        assert_eq!(moved.record.state, ReviewState::FindingsDevelopment);

        // A draft finding without a pattern blocks leaving findings development.
        let mut incomplete = sample.finding.clone();
        incomplete.id = casewindow_domain::ids::FindingId(uuid::Uuid::new_v4());
        incomplete.position = 2;
        incomplete.pattern = None;
        incomplete.secondary_pattern = None;
        incomplete.status = FindingStatus::Draft;
        incomplete.recurrent_issue_ids.clear();
        app.create(&actor, &incomplete).await?;
        let err = app
            .transition(
                &actor,
                review,
                moved.meta.version,
                &TransitionRequest::Advance(ReviewState::ReportDrafting),
            )
            .await
            .unwrap_err();
        let AppError::Refused(refused) = &err else {
            panic!("expected a refusal, got {err}")
        };
        assert_eq!(
            refused.reasons,
            [
                "finding 2 (\"Growth records split across teams hide a pattern of falterin…\") lacks a pattern"
            ]
        );
        let stored = store.get::<Review>(review.0).await?;
        assert_eq!(
            stored.record.state,
            ReviewState::FindingsDevelopment,
            "a refused transition changes nothing"
        );
        assert_eq!(store.transitions(review).await?.len(), 1);

        // Once the finding is complete, the move is allowed.
        let mut complete = incomplete.clone();
        complete.pattern = Some(casewindow_domain::typology::Pattern::Management);
        app.update(&actor, &complete, 1, "classified").await?;
        let drafted = app
            .transition(
                &actor,
                review,
                moved.meta.version,
                &TransitionRequest::Advance(ReviewState::ReportDrafting),
            )
            .await?;
        assert_eq!(drafted.record.state, ReviewState::ReportDrafting);
        Ok(())
    }
);

both_backends!(
    a_transition_from_a_stale_page_is_a_conflict,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = Actor::system("test");
        app.transition(
            &actor,
            sample.review.id,
            1,
            &TransitionRequest::PutOnHold {
                reason: "inquest".to_owned(),
            },
        )
        .await?;
        let err = app
            .transition(&actor, sample.review.id, 1, &TransitionRequest::Resume)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err}");
        Ok(())
    }
);

both_backends!(
    portfolio_shows_the_next_deadline_in_working_days,
    |store: SqlStore, _url| async move {
        // Today is Thursday 2 April 2026; Good Friday and Easter Monday are bank holidays.
        let today = Utc
            .with_ymd_and_hms(2026, 4, 2, 10, 0, 0)
            .single()
            .expect("valid");
        let app = App::new(store.clone()).with_clock(move || today);
        app.prepare().await?;
        let mut sample = Sample::new();
        sample.review.state = ReviewState::RapidReviewInProgress;
        sample.review.statutory.local_authority_aware_on = NaiveDate::from_ymd_opt(2026, 3, 23);
        sample.review.statutory.notified_on = NaiveDate::from_ymd_opt(2026, 3, 27);
        sample.insert_all(&store).await?;
        let summary = app
            .reviews(&Actor::system("test"))
            .await?
            .into_iter()
            .find(|s| s.review.record.id == sample.review.id)
            .expect("listed");
        let deadline = summary
            .next_deadline
            .expect("the rapid review clock is running");
        assert_eq!(deadline.kind, DeadlineKind::RapidReview);
        // 15 working days from Friday 27 March 2026: 30, 31 Mar, 1, 2 Apr, (Good Friday and Easter
        // Monday skipped) 7, 8, 9, 10, 13, 14, 15, 16, 17, 20, 21 Apr.
        assert_eq!(
            deadline.due_on,
            NaiveDate::from_ymd_opt(2026, 4, 21).expect("date")
        );
        // From Thursday 2 April: 7, 8, 9, 10, 13, 14, 15, 16, 17, 20, 21 April.
        assert_eq!(summary.working_days_left, Some(11));
        Ok(())
    }
);
