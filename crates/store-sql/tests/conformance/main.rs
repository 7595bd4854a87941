//! The storage conformance suite: every test runs on SQLite and on PostgreSQL
//! (`<test>::sqlite` and `<test>::postgres` in the output).

mod submissions;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{ChronologyEntry, NarrativeSection, SourceDocument};
use casewindow_domain::findings::Finding;
use casewindow_domain::identity::SubjectIdentity;
use casewindow_domain::ids::{AgencyId, ChronologyEntryId};
use casewindow_domain::lifecycle::{ReviewState, Transition};
use casewindow_domain::review::Review;
use casewindow_domain::typology::{Pattern, builtin_mappings, builtin_versions};
use casewindow_store::prelude::*;
use casewindow_store::{Record, RecordKind, RecordMeta, ReviewBundle, StoreError};
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};
use chrono::{Duration, NaiveDate};
use uuid::Uuid;

async fn round_trip<R: Record + PartialEq + std::fmt::Debug>(
    store: &SqlStore,
    record: &R,
) -> anyhow::Result<()> {
    let stored = store.get::<R>(record.id()).await?;
    assert_eq!(
        &stored.record,
        record,
        "{} did not survive storage",
        R::KIND
    );
    assert_eq!(stored.meta.version, 1);
    let listed = match record.scope() {
        Some(scope) => store.list::<R>(scope).await?,
        None => store.list_all::<R>().await?,
    };
    assert!(
        listed.iter().any(|s| &s.record == record),
        "{} missing from its list",
        R::KIND
    );
    Ok(())
}

both_backends!(
    every_record_kind_round_trips,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        round_trip(&store, &sample.issue).await?;
        round_trip(&store, &sample.review).await?;
        round_trip(&store, &sample.terms).await?;
        round_trip(&store, &sample.lead).await?;
        round_trip(&store, &sample.child).await?;
        round_trip(&store, &sample.document).await?;
        round_trip(&store, &sample.entry).await?;
        round_trip(&store, &sample.kpe).await?;
        round_trip(&store, &sample.conversation).await?;
        round_trip(&store, &sample.narrative).await?;
        round_trip(&store, &sample.finding).await?;
        round_trip(&store, &sample.response).await?;
        round_trip(&store, &sample.action).await?;
        assert_eq!(
            store.partnership(sample.partnership.id).await?,
            sample.partnership
        );
        assert_eq!(store.agency(sample.health.id).await?, sample.health);
        assert_eq!(store.user(sample.reviewer.id).await?, sample.reviewer);
        assert_eq!(store.agencies().await?.len(), 2);
        Ok(())
    }
);

/// An audited read of a review's chronologies (or, without a review, of the instance's data).
fn read_event(
    review: Option<casewindow_domain::ids::ReviewId>,
    what: &str,
) -> casewindow_store::audit::AuditEntry {
    casewindow_store::audit::AuditEntry {
        at: change("read").at,
        actor: None,
        review_id: review,
        action: "read".to_owned(),
        entity: "chronology_entries".to_owned(),
        entity_id: what.to_owned(),
        reason: String::new(),
    }
}

both_backends!(
    the_change_stamp_moves_with_changes_and_not_with_reads,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        let review = sample.review.id;
        let before = store.change_stamp(review).await?;
        assert!(
            before.review > 0,
            "inserting the sample was a change: {before:?}"
        );

        // A read (audited, but not a change) leaves it.
        store.audit(&read_event(Some(review), "all")).await?;
        assert_eq!(store.change_stamp(review).await?, before);

        // A change in another review leaves it.
        let mut elsewhere = other.entry.clone();
        elsewhere.description = "Reworded elsewhere".to_owned();
        store.update(&elsewhere, 1, &change("reword")).await?;
        assert_eq!(store.change_stamp(review).await?, before);

        // A change in this review moves it.
        let mut entry = sample.entry.clone();
        entry.description = "Reworded here".to_owned();
        store.update(&entry, 1, &change("reword")).await?;
        let after = store.change_stamp(review).await?;
        assert!(after.review > before.review, "{before:?} then {after:?}");
        assert_eq!(after.instance, before.instance);

        // A change outside any review (a new agency) moves the instance's part.
        let mut agency = sample.health.clone();
        agency.id = AgencyId(Uuid::new_v4());
        agency.name = "Another health trust".to_owned();
        store.insert_agency(&agency, &change("add")).await?;
        let later = store.change_stamp(review).await?;
        assert_eq!(later.review, after.review);
        assert!(later.instance > after.instance, "{after:?} then {later:?}");
        Ok(())
    }
);

both_backends!(
    concurrent_audited_reads_are_all_written_in_one_unbroken_chain,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let before = store.verify_audit().await?.expect("a sound chain");
        // Many readers at once: their events are written together, none lost or doubled.
        let readers: Vec<_> = (0..40)
            .map(|n| {
                let store = store.clone();
                let review = sample.review.id;
                tokio::spawn(async move {
                    store
                        .audit(&read_event(Some(review), &format!("reader {n}")))
                        .await
                })
            })
            .collect();
        for reader in readers {
            reader.await??;
        }
        assert_eq!(store.verify_audit().await?, Ok(before + 40));
        let mut seen: Vec<String> = store
            .audit_events(sample.review.id, 1000)
            .await?
            .into_iter()
            .filter(|e| e.entry.action == "read")
            .map(|e| e.entry.entity_id)
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 40);
        Ok(())
    }
);

both_backends!(
    a_stale_update_is_refused_as_a_conflict,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        // Two reviewers open the finding at version 1.
        let mut first = sample.finding.clone();
        first.statement = "First reviewer's wording".to_owned();
        let mut second = sample.finding.clone();
        second.statement = "Second reviewer's wording".to_owned();

        let saved = store.update(&first, 1, &change("reword")).await?;
        assert_eq!(saved.meta.version, 2);
        let err = store
            .update(&second, 1, &change("reword"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    expected: 1,
                    actual: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("changed by someone else"), "{err}");

        let stored = store.get::<Finding>(sample.finding.id.0).await?;
        assert_eq!(
            stored.record.statement, "First reviewer's wording",
            "the stale write must not overwrite"
        );
        assert_eq!(
            store
                .revisions(RecordKind::Finding, sample.finding.id.0)
                .await?
                .len(),
            1,
            "the refused write kept no revision"
        );
        Ok(())
    }
);

both_backends!(
    concurrent_updates_from_one_version_let_exactly_one_win,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let mut handles = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            let mut kpe = sample.kpe.clone();
            kpe.title = format!("Edit {n}");
            handles.push(tokio::spawn(async move {
                store.update(&kpe, 1, &change("concurrent edit")).await
            }));
        }
        let mut won = 0;
        for handle in handles {
            match handle.await? {
                Ok(_) => won += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(other) => anyhow::bail!("unexpected error: {other}"),
            }
        }
        assert_eq!(won, 1, "exactly one of the concurrent edits may win");
        let stored = store.get::<KeyPracticeEpisode>(sample.kpe.id.0).await?;
        assert_eq!(stored.meta.version, 2);
        Ok(())
    }
);

both_backends!(
    every_update_keeps_the_prior_revision_with_who_when_and_why,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let editor = sample.reviewer.id;
        let mut kpe = sample.kpe.clone();
        let mut version = 1;
        for (n, at_minutes) in [(1, 10), (2, 20)] {
            kpe.appraisal.rationale = format!("Rationale {n}");
            let mut edit = change(&format!("clarified rationale {n}"));
            edit.actor = Some(editor);
            edit.at += Duration::minutes(at_minutes);
            let saved = store.update(&kpe, version, &edit).await?;
            assert_eq!(saved.meta.updated_by, Some(editor));
            assert_eq!(
                saved.meta.created_at,
                change("").at,
                "creation time is kept"
            );
            version = saved.meta.version;
        }
        let revisions = store.revisions(RecordKind::Kpe, kpe.id.0).await?;
        assert_eq!(
            revisions.iter().map(|r| r.version).collect::<Vec<_>>(),
            [1, 2]
        );
        let original: KeyPracticeEpisode = serde_json::from_str(&revisions[0].body)?;
        assert_eq!(original, sample.kpe);
        let middle: KeyPracticeEpisode = serde_json::from_str(&revisions[1].body)?;
        assert_eq!(middle.appraisal.rationale, "Rationale 1");
        assert_eq!(revisions[1].reason, "clarified rationale 2");
        assert_eq!(revisions[1].replaced_by, Some(editor));
        assert_eq!(
            revisions[1].replaced_at,
            change("").at + Duration::minutes(20)
        );
        Ok(())
    }
);

both_backends!(
    updating_a_missing_record_is_not_found,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let mut ghost = sample.entry.clone();
        ghost.id = ChronologyEntryId(Uuid::new_v4());
        let err = store.update(&ghost, 1, &change("edit")).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        assert!(matches!(
            store.get::<ChronologyEntry>(ghost.id.0).await.unwrap_err(),
            StoreError::NotFound { .. }
        ));
        Ok(())
    }
);

both_backends!(
    a_record_cannot_be_moved_to_another_review,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        let mut moved = sample.narrative.clone();
        moved.review_id = other.review.id;
        let err = store.update(&moved, 1, &change("move")).await.unwrap_err();
        assert!(matches!(err, StoreError::Integrity(_)), "{err}");
        assert_eq!(
            store
                .get::<NarrativeSection>(moved.id.0)
                .await?
                .record
                .review_id,
            sample.review.id
        );
        Ok(())
    }
);

both_backends!(
    foreign_keys_are_enforced,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let mut orphan = sample.entry.clone();
        orphan.id = ChronologyEntryId(Uuid::new_v4());
        orphan.agency_id = AgencyId(Uuid::new_v4());
        orphan.source = None;
        let err = store.insert(&orphan, &change("add")).await.unwrap_err();
        assert!(matches!(err, StoreError::Integrity(_)), "{err}");

        let mut linked_to_nothing = sample.finding.clone();
        linked_to_nothing
            .kpe_ids
            .push(casewindow_domain::ids::KpeId(Uuid::new_v4()));
        let err = store
            .update(&linked_to_nothing, 1, &change("link"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Integrity(_)), "{err}");
        assert_eq!(
            store
                .get::<Finding>(sample.finding.id.0)
                .await?
                .meta
                .version,
            1,
            "the failed update left nothing behind"
        );
        assert!(
            store
                .revisions(RecordKind::Finding, sample.finding.id.0)
                .await?
                .is_empty()
        );
        Ok(())
    }
);

both_backends!(
    transitions_are_recorded_with_the_state_change,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let mut review = sample.review.clone();
        review.state = ReviewState::FindingsDevelopment;
        let transition = Transition {
            from: ReviewState::Analysis,
            to: ReviewState::FindingsDevelopment,
            reason: None,
            on: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        };
        let saved = store
            .transition_review(&review, 1, &transition, &change("advance"))
            .await?;
        assert_eq!(saved.meta.version, 2);
        assert_eq!(
            store.get::<Review>(review.id.0).await?.record.state,
            ReviewState::FindingsDevelopment
        );
        let history = store.transitions(review.id).await?;
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].transition, transition);

        // A transition computed from a stale read is refused and leaves no history.
        let err = store
            .transition_review(&review, 1, &transition, &change("advance again"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
        assert_eq!(store.transitions(review.id).await?.len(), 1);
        Ok(())
    }
);

both_backends!(
    an_import_is_all_or_nothing,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        let meta = RecordMeta::created(&change("import"));
        let erase = |r: &dyn Fn(
            RecordMeta,
        )
            -> Result<casewindow_store::ErasedRecord, serde_json::Error>| {
            r(meta.clone())
        };
        let mut bad_entry = sample.entry.clone();
        bad_entry.agency_id = AgencyId(Uuid::new_v4()); // refers to no agency: fails at the very end
        let bundle = ReviewBundle {
            partnerships: vec![sample.partnership.clone()],
            agencies: vec![sample.social_care.clone(), sample.health.clone()],
            users: vec![sample.reviewer.clone()],
            recurrent_issues: vec![],
            records: vec![
                erase(&|m| sample.review.erase(m))?,
                erase(&|m| sample.terms.erase(m))?,
                erase(&|m| sample.child.erase(m))?,
                erase(&|m| sample.document.erase(m))?,
                erase(&|m| bad_entry.erase(m))?,
            ],
            revisions: vec![],
            transitions: vec![],
            actor: None,
            at: change("import").at,
            reason: "imported in a test".to_owned(),
            once: None,
        };
        let err = store.import_bundle(&bundle).await.unwrap_err();
        assert!(
            err.to_string().contains(&sample.entry.id.to_string()),
            "the error names the record: {err}"
        );
        assert!(
            store.partnerships().await?.is_empty(),
            "nothing of the failed import was kept"
        );
        assert!(store.agencies().await?.is_empty());
        assert!(matches!(
            store.get::<Review>(sample.review.id.0).await.unwrap_err(),
            StoreError::NotFound { .. }
        ));

        let mut good = bundle.clone();
        good.records[4] = sample.entry.erase(meta.clone())?;
        let summary = store.import_bundle(&good).await?;
        assert_eq!(summary.records, 5);
        assert_eq!(
            store
                .list::<ChronologyEntry>(sample.review.id.0)
                .await?
                .len(),
            1
        );
        // Importing the same review again is refused, and leaves the first import as it was.
        let err = store.import_bundle(&good).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { kind: "review", .. }),
            "{err}"
        );
        assert_eq!(
            store
                .list::<SourceDocument>(sample.review.id.0)
                .await?
                .len(),
            1
        );
        Ok(())
    }
);

both_backends!(
    the_identity_vault_keeps_identities_apart,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        assert_eq!(store.identity(sample.child.id).await?, None);
        // The store keeps only what the application sealed; it never sees a name or a key.
        store
            .put_identity(
                sample.child.id,
                "sealed:opaque-bytes",
                &change("record identity"),
            )
            .await?;
        assert_eq!(
            store.identity(sample.child.id).await?.as_deref(),
            Some("sealed:opaque-bytes")
        );
        store
            .put_identity(
                sample.child.id,
                "sealed:replaced",
                &change("correct identity"),
            )
            .await?;
        assert_eq!(
            store.identity(sample.child.id).await?.as_deref(),
            Some("sealed:replaced")
        );
        let identity = SubjectIdentity {
            subject_id: sample.child.id,
            full_name: "Fictional Name".to_owned(),
            aliases: vec![],
            date_of_birth: None,
            addresses: Vec::new(),
            identifiers: Vec::new(),
        };
        assert!(
            !format!("{identity:?}").contains("Fictional"),
            "debug output never shows identities"
        );
        Ok(())
    }
);

both_backends!(
    typology_seeding_is_idempotent,
    |store: SqlStore, _url| async move {
        store
            .seed_typology(&builtin_versions(), &builtin_mappings())
            .await?;
        store
            .seed_typology(&builtin_versions(), &builtin_mappings())
            .await?;
        let (versions, mappings) = store.typology().await?;
        assert_eq!(versions, builtin_versions());
        assert_eq!(mappings.len(), 6);
        assert_eq!(
            versions[0].categories[2].pattern,
            Pattern::MultiagencyCrisis
        );
        Ok(())
    }
);

both_backends!(
    lists_are_in_a_stable_order,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        for position in [3, 2] {
            let mut finding = sample.finding.clone();
            finding.id = casewindow_domain::ids::FindingId(Uuid::new_v4());
            finding.position = position;
            store.insert(&finding, &change("add")).await?;
        }
        let positions: Vec<u32> = store
            .list::<Finding>(sample.review.id.0)
            .await?
            .iter()
            .map(|f| f.record.position)
            .collect();
        assert_eq!(positions, [1, 2, 3]);
        Ok(())
    }
);

both_backends!(
    duplicate_ids_are_refused,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let err = store
            .insert(&sample.action, &change("again"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
        let err = store
            .insert_user(&sample.reviewer, &change("again"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
        Ok(())
    }
);

both_backends!(
    counts_and_a_users_participations_in_one_review,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        assert_eq!(store.count::<ChronologyEntry>(sample.review.id.0).await?, 1);
        assert_eq!(store.count::<Finding>(uuid::Uuid::new_v4()).await?, 0);
        let mine = store
            .participations_in(sample.reviewer.id, sample.review.id)
            .await?;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].record.id, sample.lead.id);
        assert!(
            store
                .participations_in(sample.reviewer.id, other.review.id)
                .await?
                .is_empty(),
            "another review's lead is someone else"
        );
        Ok(())
    }
);

both_backends!(
    every_change_is_audited_in_the_same_transaction,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let events = |n: Result<usize, String>| n.map_err(anyhow::Error::msg);
        let after_fixture = events(store.verify_audit().await?)?;
        assert_eq!(
            after_fixture, 18,
            "one event per record and reference row written by the fixture"
        );

        // A refused (stale) update writes no event.
        let mut finding = sample.finding.clone();
        finding.why_it_matters = "Edited".to_owned();
        store.update(&finding, 1, &change("first edit")).await?;
        assert!(
            store
                .update(&finding, 1, &change("stale edit"))
                .await
                .is_err()
        );
        assert_eq!(events(store.verify_audit().await?)?, after_fixture + 1);

        let trail = store.audit_events(sample.review.id, 5).await?;
        assert_eq!(trail[0].entry.action, "update");
        assert_eq!(trail[0].entry.entity, "findings");
        assert_eq!(trail[0].entry.reason, "first edit");

        // Concurrent changes still form one unbroken chain.
        let mut handles = Vec::new();
        for n in 0..6 {
            let store = store.clone();
            let mut entry = sample.entry.clone();
            entry.id = ChronologyEntryId(Uuid::new_v4());
            entry.description = format!("Concurrent entry {n}");
            handles.push(tokio::spawn(async move {
                store.insert(&entry, &change("add")).await
            }));
        }
        for handle in handles {
            handle.await??;
        }
        assert_eq!(events(store.verify_audit().await?)?, after_fixture + 7);
        Ok(())
    }
);

/// The two engines' migrations make the same tables, with the same columns (and which may be
/// NULL) and the same named indexes: a column or index added to one folder and forgotten in the
/// other fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgresql_schemas_match_table_by_table_and_column_by_column() {
    if casewindow_testkit::postgres_skipped() {
        eprintln!("skipped: CASEWINDOW_SKIP_POSTGRES=1");
        return;
    }
    let sqlite = casewindow_testkit::TestDb::new(casewindow_testkit::Engine::Sqlite)
        .await
        .expect("sqlite");
    let postgres = casewindow_testkit::TestDb::new(casewindow_testkit::Engine::Postgres)
        .await
        .expect("postgres");
    let mut lite = sqlite.store.schema().await.expect("sqlite schema");
    let pg = postgres.store.schema().await.expect("postgres schema");
    sqlite.cleanup().await.expect("cleanup");
    postgres.cleanup().await.expect("cleanup");
    assert!(lite.tables.len() > 20, "{:?}", lite.tables.keys());
    assert_eq!(
        lite.tables.keys().collect::<Vec<_>>(),
        pg.tables.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, columns) in &mut lite.tables {
        let theirs = &pg.tables[table];
        assert_eq!(
            columns.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "the columns of {table}"
        );
        for (column, not_null) in columns.iter_mut() {
            // SQLite lets a TEXT primary key be NULL unless it says NOT NULL; PostgreSQL never
            // does. A column PostgreSQL requires and SQLite does not is allowed only there.
            if theirs[column] && !*not_null {
                *not_null = true;
            }
            assert_eq!(
                *not_null, theirs[column],
                "whether {table}.{column} may be NULL"
            );
        }
    }
    assert_eq!(lite.indexes, pg.indexes, "the same named indexes");
}

both_backends!(
    an_update_rewrites_a_records_links_only_when_they_change,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        // The same links: the link rows stay; the text changes.
        let mut same = sample.finding.clone();
        same.statement = "Reworded, with the same episodes and issues.".to_owned();
        store.update(&same, 1, &change("reworded")).await?;
        // A link to an issue that does not exist reaches the link table, which refuses it.
        let mut dangling = same.clone();
        dangling.recurrent_issue_ids =
            vec![casewindow_domain::ids::RecurrentIssueId(Uuid::new_v4())];
        let err = store
            .update(&dangling, 2, &change("linked"))
            .await
            .expect_err("the link table refuses an issue that does not exist");
        assert!(matches!(err, StoreError::Integrity(_)), "{err}");
        // Links removed are removed.
        let mut unlinked = same.clone();
        unlinked.recurrent_issue_ids.clear();
        unlinked.kpe_ids.clear();
        store.update(&unlinked, 2, &change("unlinked")).await?;
        assert!(
            store
                .get::<Finding>(same.id.0)
                .await?
                .record
                .kpe_ids
                .is_empty()
        );
        Ok(())
    }
);

both_backends!(
    each_review_has_its_own_audit_chain_and_a_tampered_one_is_named,
    |store: SqlStore, url: String| async move {
        let first = Sample::new();
        first.insert_all(&store).await?;
        let second = Sample::new();
        second.insert_all(&store).await?;
        // Writers in both reviews and outside any review at once.
        let writers: Vec<_> = (0..30)
            .map(|n| {
                let store = store.clone();
                let review = [first.review.id, second.review.id, first.review.id][n % 3];
                let in_review = n % 5 != 0;
                tokio::spawn(async move {
                    store
                        .audit(&read_event(
                            in_review.then_some(review),
                            &format!("reader {n}"),
                        ))
                        .await
                })
            })
            .collect();
        for writer in writers {
            writer.await??;
        }
        let total = store.verify_audit().await?.expect("every chain sound");
        // A review's events are its own chain: numbered from 1 without gaps, newest first here.
        for review in [first.review.id, second.review.id] {
            let events = store.audit_events(review, 10_000).await?;
            assert!(!events.is_empty());
            let positions: Vec<i64> = events.iter().rev().map(|e| e.position).collect();
            assert_eq!(positions, (1..=events.len() as i64).collect::<Vec<_>>());
            assert!(events.iter().all(|e| e.chain == review.0.to_string()));
        }

        // Deleting one of the second review's events is found and the chain named.
        let direct = if url.starts_with("sqlite:") {
            format!("{}?mode=rw", url.replacen("sqlite:", "sqlite://", 1))
        } else {
            url.clone()
        };
        let pool = sqlx::AnyPool::connect(&direct).await?;
        sqlx::query("DELETE FROM audit_events WHERE chain = $1 AND position = 2")
            .bind(second.review.id.0.to_string())
            .execute(&pool)
            .await?;
        pool.close().await;
        let problem = store.verify_audit().await?.expect_err("a deleted event");
        assert!(
            problem.contains(&second.review.id.0.to_string())
                && problem.contains("event 2 is missing"),
            "{problem} (of {total} events)"
        );
        Ok(())
    }
);

both_backends!(
    candidate_issues_found_later_replace_those_found_earlier_never_the_reverse,
    |store: SqlStore, _url| async move {
        let found = |stamp: (i64, i64), body: &str| casewindow_store::FoundCandidates {
            reader: "00ff00ff00ff00ff".to_owned(),
            stamp,
            at: chrono::DateTime::from_timestamp_millis(1_765_000_000_000 + stamp.0)
                .expect("a time"),
            body: body.to_owned(),
        };
        assert_eq!(store.found_candidates("00ff00ff00ff00ff").await?, None);
        store.keep_candidates(&found((10, 2), "[1]")).await?;
        store.keep_candidates(&found((30, 3), "[3]")).await?;
        // A search that began before the later one and ended after it keeps nothing.
        store.keep_candidates(&found((20, 3), "[2]")).await?;
        assert_eq!(
            store.found_candidates("00ff00ff00ff00ff").await?,
            Some(found((30, 3), "[3]"))
        );
        assert_eq!(store.found_candidates("another reader").await?, None);
        Ok(())
    }
);

both_backends!(
    embeddings_are_kept_once_by_model_and_text,
    |store: SqlStore, _url| async move {
        let a = ("a".repeat(64), vec![0.5_f32, -0.25, 1e-7, 3.0]);
        let b = ("b".repeat(64), vec![1.0_f32; 384]);
        store
            .keep_embeddings("model one", &[a.clone(), b.clone()])
            .await?;
        // The first vector kept for a text stays.
        store
            .keep_embeddings("model one", &[(a.0.clone(), vec![9.0; 4])])
            .await?;
        let mut read = store
            .embeddings("model one", &[a.0.clone(), b.0.clone(), "c".repeat(64)])
            .await?;
        read.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(read, vec![a.clone(), b]);
        assert!(
            store
                .embeddings("model two", std::slice::from_ref(&a.0))
                .await?
                .is_empty(),
            "another model's vectors are its own"
        );
        assert!(store.embeddings("model one", &[]).await?.is_empty());
        Ok(())
    }
);

both_backends!(
    each_review_is_listed_once_with_each_agency_taking_part,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let agency = sample.health_visitor.agency_id.expect("an agency");
        let mut second = sample.health_visitor.clone();
        second.id = casewindow_domain::ids::ParticipationId(Uuid::new_v4());
        second.label = "Health visitor 2".to_owned();
        store
            .create(&second, None, &change("a second health visitor"))
            .await?;
        assert_eq!(
            store.review_agencies().await?,
            vec![(sample.review.id, agency)],
            "the lead takes part for no agency; two health visitors count once"
        );
        Ok(())
    }
);
