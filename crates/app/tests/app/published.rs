//! Published review reports brought into the library: read and kept once, proposed findings
//! confirmed by a reviewer (merged, dropped, patterns chosen, an issue linked), imported once as
//! a findings-only review whose findings national analysts read de-identified.

use casewindow_app::published::{Confirmation, ConfirmedFinding};
use casewindow_app::{Actor, App, AppError, PartnershipChoice, Standing};
use casewindow_domain::findings::{Finding, Polarity};
use casewindow_domain::lifecycle::ReviewState;
use casewindow_domain::review::{Review, ReviewKind};
use casewindow_domain::typology::Pattern;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;

/// casewindow's own report of the demo's Child W, as Word.
fn child_w_report() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/child-w.json");
    let document: casewindow_interchange::ReviewDocument =
        serde_json::from_str(&std::fs::read_to_string(path).expect("demo file")).expect("a review");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let input = casewindow_report::ReportInput::from_document(&document, today);
    let template = casewindow_report::Template::default();
    casewindow_report::docx::render(&casewindow_report::report(&input, &template)).expect("docx")
}

both_backends!(
    a_published_report_is_confirmed_by_a_reviewer_and_imported_once,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let outsider_user = app
            .create_account_as(
                "Olu Outsider",
                "olu.outsider@example.org",
                "outsider password 2026 long",
                Standing::Member,
            )
            .await?;
        let outsider = Actor {
            user: Some(outsider_user.id),
            label: "outsider".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };

        // A file that is not a report is refused by name, and nothing is kept.
        match app
            .stage_report(&lead, "notes.txt", b"just some notes".to_vec())
            .await
        {
            Err(AppError::Invalid(problems)) => {
                assert_eq!(problems[0].path, "notes.txt");
                assert!(
                    problems[0].reason.contains("not a PDF or a Word"),
                    "{problems:?}"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(app.staged_reports(&lead).await?.is_empty());

        // Someone who writes no findings anywhere cannot bring reports in.
        assert!(matches!(
            app.stage_report(&outsider, "child-w.docx", child_w_report())
                .await,
            Err(AppError::NotFound { .. })
        ));

        let staged = app
            .stage_report(&lead, "reports/child-w.docx", child_w_report())
            .await?;
        assert!(staged.new);
        assert_eq!(staged.findings, 6);
        assert_eq!(staged.title, "Child W");
        // The same file again: kept once.
        let again = app
            .stage_report(&lead, "copy.docx", child_w_report())
            .await?;
        assert_eq!((again.id, again.new), (staged.id, false));

        let report = app.report_for_review(&lead, staged.id).await?;
        assert_eq!(report.staged.file_name, "child-w.docx");
        assert_eq!(report.proposal.findings.len(), 6);
        assert_eq!(report.proposal.findings[0].pattern, Some(Pattern::Tool));
        assert_eq!(
            report.kind,
            ReviewKind::LocalChildSafeguardingPracticeReview
        );
        let (name, bytes) = app.report_file(&lead, staged.id).await?;
        assert_eq!(
            (name.as_str(), bytes.len()),
            ("child-w.docx", child_w_report().len())
        );

        let proposed = &report.proposal.findings;
        let confirmed = |i: usize, pattern: Option<Pattern>| ConfirmedFinding {
            from: vec![i],
            statement: proposed[i].text.clone(),
            pattern,
            polarity: Some(Polarity::Unsafe),
            issues: Vec::new(),
        };
        let mut merged = confirmed(0, Some(Pattern::Tool));
        merged.from = vec![0, 1];
        merged.statement = format!("{} {}", proposed[0].text, proposed[1].text);
        merged.issues = vec![sample.issue.id];
        let confirmation = Confirmation {
            // As the page proposes: the partnership the report names, new to this instance.
            partnership: PartnershipChoice::New {
                name: report
                    .proposal
                    .partnership
                    .clone()
                    .expect("the report names its partnership"),
                jurisdiction: casewindow_domain::organisation::Jurisdiction::England,
            },
            title: "Child W".to_owned(),
            kind: ReviewKind::LocalChildSafeguardingPracticeReview,
            findings: vec![
                merged,
                confirmed(2, None),
                confirmed(3, proposed[3].pattern),
                ConfirmedFinding {
                    from: vec![9],
                    ..confirmed(4, Some(Pattern::Reasoning))
                },
            ],
        };

        // Every finding needs its pattern, and only proposed findings can be named; nothing is
        // written while any is wrong.
        let reviews_before = store.list_all::<Review>().await?.len();
        match app
            .confirm_report(&lead, staged.id, confirmation.clone())
            .await
        {
            Err(AppError::Invalid(problems)) => {
                let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
                assert_eq!(paths, vec!["findings[2].pattern", "findings[4].from"]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(store.list_all::<Review>().await?.len(), reviews_before);

        let mut confirmation = confirmation;
        confirmation.findings[1].pattern = Some(Pattern::MultiagencyCrisis);
        confirmation.findings[3].from = vec![4];
        let review = app
            .confirm_report(&lead, staged.id, confirmation.clone())
            .await?;
        let stored = store.get::<Review>(review.0).await?.record;
        assert_eq!(stored.state, ReviewState::Published);
        assert_eq!(
            store.partnership(stored.partnership_id).await?.name,
            "Kestrelford Safeguarding Children Partnership"
        );
        let mut findings: Vec<Finding> = store
            .list::<Finding>(review.0)
            .await?
            .into_iter()
            .map(|s| s.record)
            .collect();
        findings.sort_by_key(|f| f.position);
        assert_eq!(findings.len(), 4);
        assert_eq!(findings[0].recurrent_issue_ids, vec![sample.issue.id]);
        assert!(findings[0].statement.starts_with(&proposed[0].text));
        assert!(
            findings[0].context.contains("From page"),
            "{}",
            findings[0].context
        );
        assert!(!findings[0].questions.is_empty());
        assert_eq!(findings[1].pattern, Some(Pattern::MultiagencyCrisis));

        // Imported once: a second confirmation (a repeat or a race) writes nothing.
        assert!(matches!(
            app.confirm_report(&lead, staged.id, confirmation).await,
            Err(AppError::Invalid(_))
        ));
        assert_eq!(store.list_all::<Review>().await?.len(), reviews_before + 1);
        let listed = app.staged_reports(&lead).await?;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].review_id, Some(review));
        // An imported report is kept with its review, not discarded.
        assert!(app.discard_report(&lead, staged.id).await.is_err());

        // National analysts read the imported findings, de-identified.
        let analyst = crate::national_analyst(&app, "nia.analyst@example.org").await?;
        let library = app.library_findings(&analyst).await?;
        let imported: Vec<_> = library.iter().filter(|f| f.review == review).collect();
        assert_eq!(imported.len(), 4);
        for f in imported {
            assert!(
                !f.finding.statement.contains("Kestrelford"),
                "the partnership's place is not named to analysts: {}",
                f.finding.statement
            );
        }
        Ok(())
    }
);
