//! Pattern suggestions for a finding being written, learnt from the other reviews' findings.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::{FindingId, UserId};
use casewindow_domain::review::Review;
use casewindow_domain::typology::Pattern;
use casewindow_store::Stored;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;

/// The demo loaded, the system actor, and every review.
async fn demo(store: &SqlStore) -> anyhow::Result<(App<SqlStore>, Actor, Vec<Stored<Review>>)> {
    let app = App::new(store.clone());
    app.load_demo(None, |_, _, _| {}).await?;
    let reviews = store.list_all::<Review>().await?;
    Ok((app, Actor::system("test"), reviews))
}

fn child_w(reviews: &[Stored<Review>]) -> &Stored<Review> {
    reviews
        .iter()
        .find(|r| r.record.title.contains("Child W"))
        .expect("the demo review")
}

both_backends!(
    suggestions_explain_themselves_and_learn_from_new_findings,
    |store: SqlStore, _url| async move {
        let (app, actor, reviews) = demo(&store).await?;
        let child_w = child_w(&reviews);
        let other = reviews
            .iter()
            .find(|r| r.record.id != child_w.record.id)
            .expect("a library review");
        let id = child_w.record.id;

        let text = "The electronic recording system shows only the current episode, so the duty \
                    worker screening a referral cannot see the earlier contacts.";
        let s = app.suggest_for_finding(&actor, id, text).await?;
        assert_eq!(s.patterns.len(), 6);
        let total: f32 = s.patterns.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-3, "{total}");
        assert!(
            s.patterns.iter().take(2).any(|(p, _)| *p == Pattern::Tool),
            "{:?}",
            s.patterns
        );
        assert!(!s.reasons.is_empty() && s.reasons.iter().all(|r| r.text.is_some()));
        // The review's own findings are not evidence about it.
        assert!(
            s.reasons
                .iter()
                .all(|r| r.review.as_deref() != Some(child_w.record.title.as_str()))
        );
        assert_eq!(s.issues.len(), 3);
        assert!(s.engine.contains("terms only"), "{}", s.engine);

        // A new finding in another review is drawn on at once, with no retraining step.
        let mut added: Finding = store.list_all::<Finding>().await?[0].record.clone();
        added.id = FindingId(uuid::Uuid::new_v4());
        added.review_id = other.record.id;
        added.position = 99;
        added.statement = "Lollipop wardens outside the academy gates noticed the bruises but \
                           had no route to tell anyone."
            .to_owned();
        added.pattern = Some(Pattern::MultiagencyCrisis);
        added.recurrent_issue_ids.clear();
        added.kpe_ids.clear();
        added.status = casewindow_domain::findings::FindingStatus::Draft;
        app.create(&actor, &added).await?;
        let s = app
            .suggest_for_finding(
                &actor,
                id,
                "Lollipop wardens at the gates saw bruises and had no route to report them.",
            )
            .await?;
        let first = s.reasons.first().expect("a reason");
        assert!(
            first
                .text
                .as_deref()
                .is_some_and(|t| t.contains("Lollipop")),
            "{:?}",
            s.reasons
        );

        // Someone with no role in the review is told it does not exist; an empty text is
        // refused by field.
        let stranger = Actor {
            user: Some(UserId(uuid::Uuid::new_v4())),
            label: "stranger".into(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let err = app
            .suggest_for_finding(&stranger, id, text)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err}");
        let err = app.suggest_for_finding(&actor, id, "  ").await.unwrap_err();
        assert!(err.to_string().starts_with("statement:"), "{err}");
        Ok(())
    }
);

both_backends!(
    findings_of_other_reviews_can_be_attached_as_evidence_that_an_issue_recurs,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.load_demo(None, |_, _, _| {}).await?;
        let actor = Actor::system("test");
        let findings = store.list_all::<Finding>().await?;
        let target = findings
            .iter()
            .find(|f| f.record.pattern.is_some())
            .expect("a demo finding");
        let similar = app.similar_findings(&actor, target.record.id, 5).await?;
        assert_eq!(similar.len(), 5);
        let review_of = |id: FindingId| {
            findings
                .iter()
                .find(|f| f.record.id == id)
                .map(|f| f.record.review_id)
        };
        for s in &similar {
            if let Some(id) = s.id {
                assert_ne!(review_of(id), Some(target.record.review_id), "same review");
            }
        }
        let source = similar.iter().find_map(|s| s.id).expect("a stored finding");
        let updated = app
            .attach_generality_evidence(&actor, target.record.id, target.meta.version, source)
            .await?;
        let added = updated
            .record
            .generality_evidence
            .last()
            .expect("evidence added");
        assert_eq!(
            added.kind,
            casewindow_domain::findings::GeneralityEvidenceKind::OtherReview
        );
        assert!(
            added.reference.contains(", finding "),
            "{}",
            added.reference
        );
        // Attaching the same finding again changes nothing; with a stale version another one
        // is a conflict; a finding of the same review is refused.
        let again = app
            .attach_generality_evidence(&actor, target.record.id, updated.meta.version, source)
            .await?;
        assert_eq!(again.meta.version, updated.meta.version);
        let second = similar
            .iter()
            .filter_map(|s| s.id)
            .find(|id| *id != source)
            .expect("another stored finding");
        let err = app
            .attach_generality_evidence(&actor, target.record.id, target.meta.version, second)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err}");
        let sibling = findings
            .iter()
            .find(|f| {
                f.record.review_id == target.record.review_id && f.record.id != target.record.id
            })
            .expect("a second finding in the review");
        let err = app
            .attach_generality_evidence(
                &actor,
                target.record.id,
                updated.meta.version,
                sibling.record.id,
            )
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("source:"), "{err}");
        Ok(())
    }
);

both_backends!(
    discovery_proposes_a_theme_no_recurrent_issue_names_yet,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.load_demo(None, |_, _, _| {}).await?;
        // The demo library holds four findings, from four reviews, about families heard only
        // through relatives or English letters; no starter issue names that.
        let candidates = app.candidate_issues(&Actor::system("test")).await?;
        assert_eq!(candidates.len(), 1, "{candidates:?}");
        let c = &candidates[0];
        assert_eq!(c.pattern, Pattern::FamilyProfessional);
        assert!(c.reviews >= 3);
        assert!(
            c.key_terms.iter().any(|t| t.contains("interpret")),
            "{:?}",
            c.key_terms
        );
        Ok(())
    }
);

both_backends!(
    national_analysts_read_no_area_name_and_no_other_reviews_child,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let mut sample = casewindow_testkit::fixtures::Sample::new();
        sample.finding.context =
            "Eastbrook's nurseries referred twice, as happened for Baby Q in the other review."
                .to_owned();
        sample.insert_all(&store).await?;
        let mut other = casewindow_testkit::fixtures::Sample::new();
        other.review.title = "Baby Q".to_owned();
        other.insert_all(&store).await?;
        let analyst = crate::national_analyst(&app, "nina.deidentify@example.org").await?;
        let findings = app.library_findings(&analyst).await?;
        let read = findings
            .iter()
            .find(|f| f.finding.id == sample.finding.id)
            .expect("the analyst reads the finding");
        let context = &read.finding.context;
        assert!(!context.contains("Eastbrook"), "{context}");
        assert!(!context.contains("Baby Q"), "{context}");
        assert!(context.contains("nurseries referred twice"), "{context}");
        assert!(!read.review_title.contains("Child S"));
        Ok(())
    }
);

both_backends!(
    the_contributory_factors_of_a_findings_episodes_weigh_in_its_suggestion,
    |store: SqlStore, _url| async move {
        use casewindow_domain::analysis::{
            ContributoryFactor, Direction, FactorLevel, KeyPracticeEpisode,
        };
        let (app, actor, reviews) = demo(&store).await?;
        let id = child_w(&reviews).record.id;
        // An episode whose factors all sit with the family.
        let mut kpe = store.list::<KeyPracticeEpisode>(id.0).await?[0].clone();
        kpe.record.contributory_factors = vec![
            ContributoryFactor {
                level: FactorLevel::Family,
                factor: "willingness to engage".to_owned(),
                description: "The father declined visits.".to_owned(),
                direction: Direction::Hinders,
            };
            3
        ];
        store
            .update(
                &kpe.record,
                kpe.meta.version,
                &casewindow_testkit::fixtures::change("factors"),
            )
            .await?;
        let text = "Practitioners recorded the concerns but no one brought them together.";
        let plain = app
            .suggest_for_draft(&actor, id, &casewindow_app::FindingDraft::text(text))
            .await?;
        let with_episode = app
            .suggest_for_draft(
                &actor,
                id,
                &casewindow_app::FindingDraft {
                    kpes: vec![kpe.record.id],
                    ..casewindow_app::FindingDraft::text(text)
                },
            )
            .await?;
        let family = |s: &casewindow_app::FindingSuggestions| {
            s.patterns
                .iter()
                .find(|(p, _)| *p == Pattern::FamilyProfessional)
                .map(|(_, v)| *v)
                .expect("every pattern is ranked")
        };
        assert!(
            family(&with_episode) > family(&plain) + 0.1,
            "{} against {}",
            family(&with_episode),
            family(&plain)
        );
        let total: f32 = with_episode.patterns.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-3, "{total}");
        Ok(())
    }
);

/// An embedder that counts the texts it embeds; a text's vector comes from its bytes.
struct Counting(std::sync::atomic::AtomicUsize);

impl casewindow_patterns::Embedder for Counting {
    fn name(&self) -> &str {
        "counting test embedder"
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.0
            .fetch_add(texts.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = [0.0_f32; 16];
                for (i, b) in t.bytes().enumerate() {
                    v[(i + usize::from(b)) % 16] += f32::from(b) / 255.0;
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

fn counted(store: &SqlStore) -> (App<SqlStore>, std::sync::Arc<Counting>) {
    let counting = std::sync::Arc::new(Counting(std::sync::atomic::AtomicUsize::new(0)));
    let app = App::new(store.clone()).with_pattern_library(
        casewindow_app::PatternLibrary::with_embedder(counting.clone()),
    );
    (app, counting)
}

both_backends!(
    a_text_is_embedded_once_whatever_the_number_of_servers,
    |store: SqlStore, _url| async move {
        let (_, actor, reviews) = demo(&store).await?;
        let id = child_w(&reviews).record.id;
        let (first, first_count) = counted(&store);
        let (second, second_count) = counted(&store);
        let count = |c: &Counting| c.0.load(std::sync::atomic::Ordering::SeqCst);

        let warmed = first.warm_pattern_library().await?;
        assert!(warmed > 0 && count(&first_count) > 0);
        // A second server takes every vector the first kept, and embeds nothing.
        assert_eq!(second.warm_pattern_library().await?, warmed);
        assert_eq!(count(&second_count), 0);

        let text = "Health visitors could not see the school nurse's notes in their system.";
        let a = first.suggest_for_finding(&actor, id, text).await?;
        let before = count(&second_count);
        let b = second.suggest_for_finding(&actor, id, text).await?;
        assert_eq!(a.patterns, b.patterns, "both servers suggest alike");
        assert_eq!(a.engine, b.engine);
        // Only the draft itself, which is not kept, is embedded by the second server.
        assert_eq!(count(&second_count) - before, 1);

        // A finding saved through one server is embedded once, by whichever needs it first.
        let other = reviews
            .iter()
            .find(|r| r.record.id != id)
            .expect("another review");
        let mut finding = store.list::<Finding>(other.record.id.0).await?[0]
            .record
            .clone();
        finding.id = FindingId(uuid::Uuid::new_v4());
        finding.statement =
            "Nobody owned the referral once the family moved across the border.".to_owned();
        finding.position = 99;
        first.create(&actor, &finding).await?;
        first.suggest_for_finding(&actor, id, text).await?;
        let before = count(&second_count);
        second.suggest_for_finding(&actor, id, text).await?;
        assert_eq!(count(&second_count) - before, 0, "nothing new to embed");
        Ok(())
    }
);

both_backends!(
    candidate_issues_found_by_one_server_are_shown_by_another_without_looking_again,
    |store: SqlStore, _url| async move {
        let (_, actor, _) = demo(&store).await?;
        let at = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("a time")
                .and_utc()
        };
        let first = App::new(store.clone()).with_clock(move || at(9));
        let second = App::new(store.clone()).with_clock(move || at(17));
        let found = first
            .kept_candidate_issues(&actor)
            .await?
            .expect("found within the wait, in a library this small");
        assert!(found.current);
        assert_eq!(found.at, at(9));
        let shown = second
            .kept_candidate_issues(&actor)
            .await?
            .expect("the first server's");
        assert!(shown.current);
        assert_eq!(shown.at, at(9), "not looked for again");
        assert_eq!(shown.candidates, found.candidates);
        Ok(())
    }
);

both_backends!(
    the_library_read_again_after_changes_is_the_library_read_afresh,
    |store: SqlStore, _url| async move {
        let (app, actor, reviews) = demo(&store).await?;
        let before = app.library_findings(&actor).await?;
        // A finding added to one review, another's statement changed, a finding's issues
        // changed in a third: the next read takes only those reviews again.
        let mut changed = 0;
        for (n, review) in reviews.iter().take(3).enumerate() {
            let Some(stored) = store
                .list::<Finding>(review.record.id.0)
                .await?
                .into_iter()
                .next()
            else {
                continue;
            };
            let mut finding = stored.record.clone();
            match n {
                0 => {
                    finding.id = FindingId(uuid::Uuid::new_v4());
                    finding.position = 77;
                    finding.statement = "A finding added after the library was read.".to_owned();
                    app.create(&actor, &finding).await?;
                }
                1 => {
                    finding.statement = format!("{} (restated)", finding.statement);
                    app.update(&actor, &finding, stored.meta.version, "restated")
                        .await?;
                }
                _ => {
                    finding.recurrent_issue_ids.clear();
                    app.update(&actor, &finding, stored.meta.version, "unlinked")
                        .await?;
                }
            }
            changed += 1;
        }
        assert_eq!(changed, 3, "the demo's first reviews have findings");
        let after = app.library_findings(&actor).await?;
        let afresh = App::new(store.clone()).library_findings(&actor).await?;
        assert_ne!(after, before);
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(after, afresh);
        Ok(())
    }
);
