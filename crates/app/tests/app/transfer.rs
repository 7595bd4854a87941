//! Whole-review export and import.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::findings::Finding;
use casewindow_domain::lifecycle::{ReviewState, TransitionRequest};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;
use casewindow_testkit::{Engine, TestDb};

/// A sample review with some history: edits (revisions) and lifecycle transitions.
async fn review_with_history(app: &App<SqlStore>, store: &SqlStore) -> anyhow::Result<Sample> {
    let sample = Sample::new();
    sample.insert_all(store).await?;
    let actor = Actor {
        user: Some(sample.reviewer.id),
        label: "test".to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    };
    let mut finding = sample.finding.clone();
    finding.statement = "Growth records held by separate teams hide faltering growth.".to_owned();
    app.update(
        &actor,
        &finding,
        1,
        "tightened the wording after the case group meeting",
    )
    .await?;
    let request = TransitionRequest::PutOnHold {
        reason: "criminal trial listed".to_owned(),
    };
    let held = app
        .transition(&actor, sample.review.id, 1, &request)
        .await?;
    app.transition(
        &actor,
        sample.review.id,
        held.meta.version,
        &TransitionRequest::Resume,
    )
    .await?;
    // A joint meeting with a disagreement that stands.
    use casewindow_domain::collaboration::*;
    let meeting = Meeting {
        id: casewindow_domain::ids::MeetingId(uuid::Uuid::new_v4()),
        review_id: sample.review.id,
        kind: MeetingKind::Joint,
        held_on: chrono::NaiveDate::from_ymd_opt(2026, 2, 3).expect("date"),
        title: "Joint meeting 1".to_owned(),
        attendees: vec![sample.health_visitor.id],
        items: vec![MeetingItem {
            topic: Topic::Finding(sample.finding.id),
            outcome: ItemOutcome::Discussed,
        }],
        notes: "Tested the finding.".to_owned(),
        actions: Vec::new(),
        disagreements: vec![Disagreement {
            about: Topic::Finding(sample.finding.id),
            views: vec![View {
                holder: sample.health_visitor.id,
                view: "The referral route was clear to us".to_owned(),
            }],
            status: DisagreementStatus::Stands,
            resolution: "The views differ".to_owned(),
            report_location: "Finding 1".to_owned(),
        }],
    };
    app.create(&actor, &meeting).await?;
    Ok(sample)
}

both_backends!(
    export_import_export_is_byte_identical,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = review_with_history(&app, &store).await?;
        let first = app.export_review_json(sample.review.id).await?;
        assert!(
            first.contains("tightened the wording"),
            "revisions are exported"
        );
        assert!(
            first.contains("criminal trial listed"),
            "lifecycle history is exported"
        );
        assert!(
            first.contains("The referral route was clear to us"),
            "meetings and their disagreement logs are exported"
        );

        for engine in [Engine::Sqlite, Engine::Postgres] {
            if engine == Engine::Postgres && casewindow_testkit::postgres_skipped() {
                continue;
            }
            let target = TestDb::new(engine).await?;
            let other = App::new(target.store.clone());
            other.prepare().await?;
            other.import_review(&Actor::system("test"), &first).await?;
            let second = other.export_review_json(sample.review.id).await?;
            target.cleanup().await?;
            assert!(
                first == second,
                "re-export into {engine:?} differs:\n{}",
                first_difference(&first, &second)
            );
        }
        Ok(())
    }
);

fn first_difference(a: &str, b: &str) -> String {
    for (n, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: {x:?} vs {y:?}", n + 1);
        }
    }
    format!("lengths {} vs {}", a.len(), b.len())
}

both_backends!(
    a_malformed_file_names_the_json_path_and_writes_nothing,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = review_with_history(&app, &store).await?;
        let good = app.export_review_json(sample.review.id).await?;

        let target = TestDb::new(Engine::Sqlite).await?;
        let fresh = App::new(target.store.clone());
        fresh.prepare().await?;

        // A wrong value deep inside a record.
        let bad = good.replacen("\"polarity\": \"unsafe\"", "\"polarity\": \"risky\"", 1);
        let err = fresh
            .import_review(&Actor::system("test"), &bad)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("findings[0].record.polarity"), "{text}");
        assert!(text.contains("unknown variant `risky`"), "{text}");

        // A misspelt field name is refused, not silently dropped.
        let bad = good.replacen("\"why_it_matters\"", "\"why_it_maters\"", 1);
        let text = fresh
            .import_review(&Actor::system("test"), &bad)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("findings[0].record") && text.contains("why_it_maters"),
            "{text}"
        );

        // Not JSON at all.
        let text = fresh
            .import_review(&Actor::system("test"), "{\"format\": ")
            .await
            .unwrap_err()
            .to_string();
        assert!(text.contains("EOF while parsing"), "{text}");

        assert!(
            target.store.partnerships().await?.is_empty(),
            "nothing was written"
        );
        target.cleanup().await?;
        Ok(())
    }
);

both_backends!(
    an_inconsistent_file_lists_every_problem_by_path,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = review_with_history(&app, &store).await?;
        let mut document = app.export_review(sample.review.id).await?;
        let stray = uuid::Uuid::new_v4();
        document.findings[0]
            .record
            .kpe_ids
            .push(casewindow_domain::ids::KpeId(stray));
        document.chronology[0].record.agency_id = casewindow_domain::ids::AgencyId(stray);
        document.review.record.state = ReviewState::Published;
        let text = casewindow_interchange::to_json(&document);

        let target = TestDb::new(Engine::Sqlite).await?;
        let fresh = App::new(target.store.clone());
        fresh.prepare().await?;
        let err = fresh
            .import_review(&Actor::system("test"), &text)
            .await
            .unwrap_err();
        let AppError::Import(import) = &err else {
            panic!("expected an import error, got {err}")
        };
        let paths: Vec<&str> = import.problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"findings[0].record.kpe_ids[1]"), "{err}");
        assert!(paths.contains(&"chronology[0].record.agency_id"), "{err}");
        assert!(paths.contains(&"review.record.state"), "{err}");
        assert!(
            err.to_string().contains("which is not in this file"),
            "{err}"
        );
        assert!(
            target.store.list_all::<Finding>().await?.is_empty(),
            "nothing was written"
        );
        target.cleanup().await?;
        Ok(())
    }
);

both_backends!(
    importing_an_existing_review_again_is_refused,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = review_with_history(&app, &store).await?;
        let json = app.export_review_json(sample.review.id).await?;
        let err = app
            .import_review(&Actor::system("test"), &json)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("imports never overwrite"), "{err}");
        Ok(())
    }
);
