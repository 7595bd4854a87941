//! What was seen from outside before the application became the one way in (the "one way in"
//! issue), each as a test on both engines: links to any recurrent issue, creates that race,
//! role changes, sign-in state under parallel requests, facts taken from the server, and
//! unchanged saves.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::ids::{FindingId, ParticipationId, RecurrentIssueId, UserId};
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};

fn problems(err: AppError) -> String {
    match err {
        AppError::Invalid(problems) => problems
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.reason))
            .collect::<Vec<_>>()
            .join("; "),
        other => panic!("expected problems with the input, got {other:?}"),
    }
}

/// A recurrent issue of the library that no finding of `sample`'s review links to.
async fn unused_issue(store: &SqlStore, sample: &Sample) -> anyhow::Result<RecurrentIssue> {
    let issue = RecurrentIssue {
        id: RecurrentIssueId(uuid::Uuid::new_v4()),
        code: format!("management.unused-{}", uuid::Uuid::new_v4().simple()),
        label: "Supervision squeezed towards case throughput".to_owned(),
        pattern: casewindow_domain::typology::Pattern::Management,
        ..sample.issue.clone()
    };
    store.insert(&issue, &change("library")).await?;
    Ok(issue)
}

fn new_finding(sample: &Sample) -> Finding {
    Finding {
        id: FindingId(uuid::Uuid::new_v4()),
        recurrent_issue_ids: Vec::new(),
        pattern_choice: None,
        ..sample.finding.clone()
    }
}

/// A member of the review with an account, in `role`.
async fn member(
    app: &App<SqlStore>,
    store: &SqlStore,
    sample: &Sample,
    role: Role,
    name: &str,
) -> anyhow::Result<(Actor, ParticipationId)> {
    let user = app
        .create_account(
            name,
            &format!("{}@example.org", uuid::Uuid::new_v4().simple()),
            "a long and unusual passphrase",
            false,
        )
        .await?;
    let participation = Participation {
        id: ParticipationId(uuid::Uuid::new_v4()),
        review_id: sample.review.id,
        user_id: Some(user.id),
        label: name.to_owned(),
        role,
        agency_id: None,
        invited_on: None,
        consent: None,
        declined_on: None,
        contribution: String::new(),
        withdrawn: None,
    };
    store.insert(&participation, &change("joined")).await?;
    Ok((actor(user.id), participation.id))
}

fn actor(user: UserId) -> Actor {
    Actor {
        user: Some(user),
        label: "member".to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    }
}

both_backends!(
    a_finding_links_to_any_recurrent_issue_of_the_library_in_any_review,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let fresh = Sample::new();
        fresh.insert_all(&store).await?;
        let issue = unused_issue(&store, &sample).await?;
        let lead = crate::lead(&sample);

        // An issue no finding of this review uses yet.
        let mut finding = new_finding(&sample);
        finding.recurrent_issue_ids = vec![issue.id];
        let saved = app.create(&lead, &finding).await?;
        assert_eq!(saved.record.recurrent_issue_ids, vec![issue.id]);

        // In another review, the first review's issue and the new one.
        let mut elsewhere = new_finding(&fresh);
        elsewhere.kpe_ids = vec![fresh.kpe.id];
        elsewhere.recurrent_issue_ids = vec![sample.issue.id, issue.id];
        app.create(&crate::lead(&fresh), &elsewhere).await?;

        // What does not exist, or belongs to another review, is named by its field.
        let mut wrong = new_finding(&sample);
        wrong.kpe_ids = vec![fresh.kpe.id];
        wrong.recurrent_issue_ids = vec![issue.id, RecurrentIssueId(uuid::Uuid::new_v4())];
        let message = problems(app.create(&lead, &wrong).await.unwrap_err());
        assert!(
            message.contains(
                "kpe_ids[0]: names a key practice episode that is not part of this review"
            ),
            "{message}"
        );
        assert!(
            message.contains(
                "recurrent_issue_ids[1]: names a recurrent issue that is not in the library"
            ),
            "{message}"
        );
        assert!(!message.contains("file"), "{message}");
        Ok(())
    }
);

both_backends!(
    findings_created_at_the_same_moment_take_distinct_numbers,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..16 {
            let app = app.clone();
            let lead = lead.clone();
            let mut finding = new_finding(&sample);
            finding.statement = format!("Finding written at the same moment, number {n}");
            // Every form carries a number it read earlier; the store decides the real one.
            finding.position = 2;
            tasks.spawn(async move { app.create(&lead, &finding).await });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        let mut numbers: Vec<u32> = store
            .list::<Finding>(sample.review.id.0)
            .await?
            .iter()
            .map(|f| f.record.position)
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=17).collect::<Vec<_>>());
        Ok(())
    }
);

both_backends!(
    the_same_create_form_submitted_four_times_at_once_creates_one_finding,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let finding = new_finding(&sample);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let app = app.clone();
            let lead = lead.clone();
            // A resent request carries the same form, and so the same record id and key.
            let finding = finding.clone();
            tasks.spawn(async move { app.create_once(&lead, &finding, Some("form-key-1")).await });
        }
        let mut ids = Vec::new();
        while let Some(done) = tasks.join_next().await {
            ids.push(done??.record.id);
        }
        assert!(ids.iter().all(|id| *id == finding.id), "{ids:?}");
        assert_eq!(store.count::<Finding>(sample.review.id.0).await?, 2);
        // A new form (a new key) creates a new record.
        let mut another = new_finding(&sample);
        another.statement = "Another finding".to_owned();
        let created = app.create_once(&lead, &another, Some("form-key-2")).await?;
        assert_eq!(created.record.position, 3);
        Ok(())
    }
);

/// What the policy means, written out independently of the code: who manages participants at
/// all, and which roles each of them may give to someone else.
fn may_give(actor: Role, target: Role) -> Option<bool> {
    use Role::*;
    let manages = matches!(actor, LeadReviewer | CoReviewer | BusinessManager);
    if !manages {
        return None;
    }
    Some(match actor {
        LeadReviewer => true,
        // Everything but the lead and co-reviewer roles.
        CoReviewer => !matches!(target, LeadReviewer | CoReviewer),
        // Nothing that reads chronologies or writes the analysis.
        BusinessManager => matches!(
            target,
            CaseGroupMember
                | FamilyMember
                | BusinessManager
                | PartnerSignatory
                | IndependentScrutineer
                | QualitySupervisor
                | Observer
        ),
        _ => unreachable!(),
    })
}

both_backends!(
    who_may_give_whom_which_role_every_role_by_every_role,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let someone = app
            .create_account(
                "Someone Else",
                "someone@example.org",
                "a long and unusual passphrase",
                false,
            )
            .await?;
        for actor_role in Role::ALL {
            let (acting, own) = member(&app, &store, &sample, actor_role, "Acting member").await?;
            for target in Role::ALL {
                let given = Participation {
                    id: ParticipationId(uuid::Uuid::new_v4()),
                    review_id: sample.review.id,
                    user_id: Some(someone.id),
                    label: "New participant".to_owned(),
                    role: target,
                    agency_id: None,
                    invited_on: None,
                    consent: None,
                    declined_on: None,
                    contribution: String::new(),
                    withdrawn: None,
                };
                let outcome = app.create(&acting, &given).await;
                match (may_give(actor_role, target), outcome) {
                    (None, Err(AppError::NotFound { .. })) => {}
                    (Some(true), Ok(_)) => {}
                    (Some(false), Err(AppError::Invalid(p))) => {
                        assert_eq!(p[0].path, "role", "{actor_role:?} gives {target:?}");
                    }
                    (expected, got) => {
                        panic!(
                            "{actor_role:?} gives {target:?}: expected {expected:?}, got {got:?}"
                        )
                    }
                }
            }
            // Nobody changes their own role, even to a lesser one.
            let mine = store.get::<Participation>(own.0).await?;
            let mut changed = mine.record.clone();
            changed.role = Role::Observer;
            let outcome = app
                .update(&acting, &changed, mine.meta.version, "stepping down")
                .await;
            match may_give(actor_role, Role::Observer) {
                None => assert!(matches!(outcome, Err(AppError::NotFound { .. }))),
                Some(_) => {
                    let message = problems(outcome.unwrap_err());
                    assert!(
                        message.contains("your own role"),
                        "{actor_role:?}: {message}"
                    );
                }
            }
        }
        Ok(())
    }
);

both_backends!(
    a_business_manager_cannot_make_themselves_or_anyone_lead_reviewer,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let (manager, own) =
            member(&app, &store, &sample, Role::BusinessManager, "Manager").await?;
        let mine = store.get::<Participation>(own.0).await?;
        let mut promoted = mine.record.clone();
        promoted.role = Role::LeadReviewer;
        let message = problems(
            app.update(&manager, &promoted, mine.meta.version, "promoted")
                .await
                .unwrap_err(),
        );
        assert!(
            message.starts_with("role: You cannot change your own role"),
            "{message}"
        );
        // The lead's own participation, changed by the manager, is refused too.
        let lead = store.get::<Participation>(sample.lead.id.0).await?;
        let mut demoted = lead.record.clone();
        demoted.role = Role::Observer;
        let message = problems(
            app.update(&manager, &demoted, lead.meta.version, "demoted")
                .await
                .unwrap_err(),
        );
        assert!(message.contains("Only a lead reviewer"), "{message}");
        // Nothing changed, and conversations stay closed to the manager.
        assert_eq!(
            store.get::<Participation>(own.0).await?.record.role,
            Role::BusinessManager
        );
        let read = app
            .records::<casewindow_domain::evidence::Conversation>(&manager, sample.review.id)
            .await;
        assert!(matches!(read, Err(AppError::NotFound { .. })), "{read:?}");
        Ok(())
    }
);

both_backends!(
    an_unchanged_save_writes_no_new_version,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let before = store.audit_events(sample.review.id, 1000).await?.len();
        let saved = app
            .update(&lead, &sample.terms, 1, "revised the terms of reference")
            .await?;
        assert_eq!(saved.meta.version, 1);
        assert!(
            store
                .revisions(
                    casewindow_store::RecordKind::TermsOfReference,
                    sample.terms.id.0
                )
                .await?
                .is_empty()
        );
        assert_eq!(
            store.audit_events(sample.review.id, 1000).await?.len(),
            before
        );
        // A real change still writes one.
        let mut changed = sample.terms.clone();
        changed.purpose = format!("{} And how supervision worked.", changed.purpose);
        assert_eq!(
            app.update(&lead, &changed, 1, "revised")
                .await?
                .meta
                .version,
            2
        );
        Ok(())
    }
);

both_backends!(
    a_finding_records_only_the_suggestion_the_server_made_for_its_author,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let (colleague, _) = member(&app, &store, &sample, Role::CoReviewer, "Co-reviewer").await?;
        let review = sample.review.id;
        let chosen = Some(casewindow_domain::typology::Pattern::Reasoning);

        // No suggestion asked for: nothing is recorded about one.
        assert_eq!(
            app.pattern_choice(&lead, review, None, chosen, None)
                .await?,
            None
        );
        // A made-up or someone else's suggestion is refused.
        let forged = uuid::Uuid::new_v4().to_string();
        assert!(matches!(
            app.pattern_choice(&lead, review, Some(&forged), chosen, None)
                .await,
            Err(AppError::Invalid(_))
        ));
        let text = "Supervision was squeezed by caseload and the risk was not revisited.";
        let (theirs, their_run) = app
            .suggest_and_keep(
                &colleague,
                review,
                &casewindow_app::FindingDraft::text(text),
            )
            .await?;
        assert!(matches!(
            app.pattern_choice(&lead, review, Some(&their_run.to_string()), chosen, None)
                .await,
            Err(AppError::Invalid(_))
        ));
        // One's own: recorded as the server computed it.
        let (mine, run) = app
            .suggest_and_keep(&lead, review, &casewindow_app::FindingDraft::text(text))
            .await?;
        assert_eq!(mine.patterns, theirs.patterns);
        let choice = app
            .pattern_choice(&lead, review, Some(&run.to_string()), chosen, None)
            .await?
            .expect("a choice");
        let (best, p) = mine.patterns[0];
        assert_eq!(choice.suggested, best);
        assert_eq!(
            u32::from(choice.confidence_percent),
            (p * 100.0).round() as u32
        );
        assert_eq!(choice.runner_up, Some(mine.patterns[1].0));
        assert_eq!(
            choice.chosen,
            casewindow_domain::typology::Pattern::Reasoning
        );
        Ok(())
    }
);

both_backends!(
    a_sign_off_names_a_scan_its_signer_ran_of_the_current_documents,
    |store: SqlStore, _url| async move {
        // No vault: the scan still runs, and is still audited.
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let review = sample.review.id;
        let (manager, _) = member(&app, &store, &sample, Role::BusinessManager, "Manager").await?;
        let scan = app
            .identifier_scan(&lead, review, &casewindow_redact::Gazetteer::default())
            .await?;
        assert_eq!(scan.run.hits as usize, scan.hits.len());
        let audited = store.audit_events(review, 1000).await?;
        assert!(
            audited
                .iter()
                .any(|e| e.entry.action == "scan" && e.entry.entity_id == scan.run.id.to_string()),
            "the scan is audited"
        );
        let run = scan.run.id.to_string();
        // The manager never scanned: the lead's scan is not theirs to sign off on.
        let message = problems(
            app.scan_for_sign_off(&manager, review, &run)
                .await
                .unwrap_err(),
        );
        assert!(message.contains("yourself"), "{message}");
        let message = problems(
            app.scan_for_sign_off(&manager, review, "not a scan")
                .await
                .unwrap_err(),
        );
        assert!(message.contains("Run the identifier scan"), "{message}");
        // The lead's own scan holds, with the hits it showed, until the documents change.
        let held = app.scan_for_sign_off(&lead, review, &run).await?;
        assert_eq!(held.hits, scan.run.hits);
        let mut finding = sample.finding.clone();
        finding.statement = "A new statement changes the report.".to_owned();
        app.update(&lead, &finding, 1, "reworded").await?;
        let message = problems(
            app.scan_for_sign_off(&lead, review, &run)
                .await
                .unwrap_err(),
        );
        assert!(message.contains("changed since"), "{message}");
        Ok(())
    }
);

both_backends!(
    opening_a_review_with_a_new_partnership_writes_both_or_neither,
    |store: SqlStore, _url| async move {
        use casewindow_app::{NewReview, PartnershipChoice};
        use casewindow_domain::review::{LearningTogetherVariant, Methodology, ReviewKind};
        let app = App::new(store.clone());
        app.prepare().await?;
        let opener = app
            .create_account(
                "Olive Opener",
                "olive@example.org",
                "a long and unusual passphrase",
                false,
            )
            .await?;
        let actor = actor(opener.id);
        let new = |title: &str, notified| NewReview {
            title: title.to_owned(),
            partnership: PartnershipChoice::New {
                name: "Fernmouth Safeguarding Children Partnership".to_owned(),
                jurisdiction: casewindow_domain::organisation::Jurisdiction::England,
            },
            kind: ReviewKind::LocalChildSafeguardingPracticeReview,
            methodology: Methodology::LearningTogether {
                variant: LearningTogetherVariant::MidRange,
            },
            period_start: None,
            period_end: None,
            local_authority_aware_on: None,
            notified_on: notified,
            harm_types: Vec::new(),
        };
        let before = store.partnerships().await?.len();
        // A review that cannot be opened leaves no partnership behind.
        assert!(matches!(
            app.open_review(&actor, new("", None), None).await,
            Err(AppError::Invalid(_))
        ));
        assert_eq!(store.partnerships().await?.len(), before);
        // One that can: both, the opener as its lead, in the state its dates call for.
        let opened = app.open_review(&actor, new("Child O", None), None).await?;
        assert_eq!(store.partnerships().await?.len(), before + 1);
        assert_eq!(
            opened.record.state,
            casewindow_domain::lifecycle::ReviewState::Commissioned
        );
        assert_eq!(
            opened.record.typology_version,
            casewindow_app::NEW_REVIEW_TYPOLOGY
        );
        let roles = app.roles_in(&actor, opened.record.id).await?;
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].role, Role::LeadReviewer);
        // Nobody invited the opener, so nothing waits for their answer to an invitation.
        assert_eq!(roles[0].invited_on, None);
        let waiting = app.waiting_for(&actor).await?;
        assert!(
            !waiting
                .iter()
                .any(|w| matches!(w, casewindow_app::Waiting::Invitation { .. })),
            "{waiting:?}"
        );
        let notified = app
            .open_review(
                &actor,
                new("Child P", chrono::NaiveDate::from_ymd_opt(2026, 11, 2)),
                None,
            )
            .await?;
        assert_eq!(
            notified.record.state,
            casewindow_domain::lifecycle::ReviewState::Notified
        );

        // The same form sent twice at once (a double click) opens one review, and both
        // answers name it.
        let key = casewindow_app::random_token();
        let (first, second) = tokio::join!(
            app.open_review(&actor, new("Child Q", None), Some(&key)),
            app.open_review(&actor, new("Child Q", None), Some(&key)),
        );
        let (first, second) = (first?, second?);
        assert_eq!(first.record.id, second.record.id);
        let portfolio = app.reviews(&actor).await?;
        let named_q = portfolio
            .iter()
            .filter(|r| r.review.record.title == "Child Q")
            .count();
        assert_eq!(named_q, 1, "one review for one form");
        Ok(())
    }
);

both_backends!(
    a_review_keeps_a_lead_reviewer_even_when_an_operator_changes_roles,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        // The command line is not limited by role rules, but the review keeps its lead.
        let operator = Actor::system("test");
        let lead = store.get::<Participation>(sample.lead.id.0).await?;
        let mut demoted = lead.record.clone();
        demoted.role = Role::CoReviewer;
        let message = problems(
            app.update(&operator, &demoted, lead.meta.version, "stepping down")
                .await
                .unwrap_err(),
        );
        assert!(
            message.contains("A review needs a lead reviewer"),
            "{message}"
        );
        // With a second lead reviewer, the first may step down.
        let (_, second) = member(&app, &store, &sample, Role::LeadReviewer, "Second lead").await?;
        assert!(store.get::<Participation>(second.0).await?.record.role == Role::LeadReviewer);
        app.update(&operator, &demoted, lead.meta.version, "stepping down")
            .await?;
        Ok(())
    }
);
