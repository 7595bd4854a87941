//! The codebook's recurrent issues through their life: proposed by a reviewer, accepted,
//! reworded, merged (findings re-linked in the same transaction), split and retired by a
//! national analyst, each change kept in the issue's history; stale decisions refused.

use casewindow_app::{App, AppError, IssueDecision};
use casewindow_domain::findings::{Finding, RecurrentIssue, RecurrentIssueStatus};
use casewindow_domain::typology::Pattern;
use casewindow_store::RecordKind;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;

both_backends!(
    recurrent_issues_are_proposed_curated_merged_and_split_with_their_history,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        let analyst = crate::national_analyst(&app, "nina.analyst@example.org").await?;
        let lead = crate::lead(&sample);

        // A lead reviewer proposes; it waits for an analyst.
        let proposed = app
            .propose_issue(
                &lead,
                Pattern::Tool,
                "Referral forms that fragment the history",
                "Each referral form starts afresh, so the history of earlier referrals is not in front of the person deciding.",
            )
            .await?;
        assert_eq!(proposed.record.status, RecurrentIssueStatus::Proposed);
        assert!(proposed.record.code.starts_with("tool.referral-forms"));
        // The reviewer cannot decide on it.
        assert!(matches!(
            app.decide_issue(&lead, proposed.record.id, 1, IssueDecision::Accept, "fine")
                .await,
            Err(AppError::NotFound { .. })
        ));
        let id = proposed.record.id;
        app.decide_issue(
            &analyst,
            id,
            1,
            IssueDecision::Accept,
            "seen in three reviews",
        )
        .await?;

        // A decision made on an old version is refused and changes nothing.
        let stale = app
            .decide_issue(&analyst, id, 1, IssueDecision::Retire, "again")
            .await
            .unwrap_err();
        assert!(matches!(stale, AppError::Conflict(_)), "{stale}");

        // Both samples' findings share the sample issue; merging it into the new one re-links
        // every finding, each kept as a revision, in one step.
        let mut second = other.finding.clone();
        second.recurrent_issue_ids = vec![sample.issue.id];
        store
            .update(&second, 1, &casewindow_testkit::fixtures::change("linked"))
            .await?;
        app.decide_issue(
            &analyst,
            sample.issue.id,
            1,
            IssueDecision::Merge { into: id },
            "the same issue in other words",
        )
        .await?;
        let merged = store.get::<RecurrentIssue>(sample.issue.id.0).await?.record;
        assert_eq!(merged.status, RecurrentIssueStatus::Merged);
        assert_eq!(merged.merged_into, Some(id));
        for finding in [&sample.finding, &other.finding] {
            let now = store.get::<Finding>(finding.id.0).await?.record;
            assert_eq!(now.recurrent_issue_ids, vec![id], "re-linked");
        }
        assert_eq!(
            store
                .revisions(RecordKind::Finding, sample.finding.id.0)
                .await?
                .len(),
            1,
            "the finding's earlier link is kept"
        );

        // Merging across patterns is refused.
        let elsewhere = app
            .propose_issue(
                &analyst,
                Pattern::Management,
                "Caseloads",
                "Caseloads too high.",
            )
            .await?;
        assert_eq!(elsewhere.record.status, RecurrentIssueStatus::Accepted);
        let refused = app
            .decide_issue(
                &analyst,
                id,
                2,
                IssueDecision::Merge {
                    into: elsewhere.record.id,
                },
                "tidy",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, AppError::Invalid(p) if p[0].path == "into"),
            "{refused}"
        );

        // Split: the other review's finding moves to a narrower new issue.
        app.decide_issue(
            &analyst,
            id,
            2,
            IssueDecision::Split {
                label: "Self-referral forms".to_owned(),
                description: "Forms families fill in themselves lose the agencies' history."
                    .to_owned(),
                findings: vec![other.finding.id],
            },
            "a narrower issue of its own",
        )
        .await?;
        let moved = store.get::<Finding>(other.finding.id.0).await?.record;
        assert_ne!(moved.recurrent_issue_ids, vec![id]);
        let part = store
            .get::<RecurrentIssue>(moved.recurrent_issue_ids[0].0)
            .await?
            .record;
        assert_eq!(
            (part.pattern, part.status),
            (Pattern::Tool, RecurrentIssueStatus::Accepted)
        );
        let stayed = store.get::<Finding>(sample.finding.id.0).await?.record;
        assert_eq!(stayed.recurrent_issue_ids, vec![id]);

        // Retired, with the whole history readable, newest first, each with its reason.
        app.decide_issue(&analyst, id, 3, IssueDecision::Retire, "superseded")
            .await?;
        let (issue, history) = app.codebook_issue(&lead, id).await?;
        assert_eq!(issue.record.status, RecurrentIssueStatus::Retired);
        let reasons: Vec<&str> = history.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "superseded",
                "a narrower issue of its own",
                "seen in three reviews"
            ]
        );
        let book = app.codebook(&lead).await?;
        let entry = book
            .iter()
            .find(|i| i.issue.record.id == id)
            .expect("in the codebook");
        assert_eq!((entry.findings, entry.reviews), (1, 1));
        Ok(())
    }
);
