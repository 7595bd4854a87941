//! An imported chronology kept as one block with its import: its entries are read, counted,
//! changed and replaced as if each were a row, and never listed twice.

use casewindow_domain::evidence::{ChronologyEntry, Provenance, SourceDocument};
use casewindow_domain::ids::{ChronologyEntryId, SourceDocumentId};
use casewindow_store::prelude::*;
use casewindow_store::{
    ChronologyImport, LinkDecision, RecordKind, StoreError, entry_id, submission_prefix,
};
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};
use uuid::Uuid;

/// A submission of `n` entries from the health agency, as the application would build it.
fn submission(
    sample: &Sample,
    file: &str,
    n: u32,
) -> (ChronologyImport, SourceDocument, Vec<ChronologyEntry>) {
    let import = Uuid::new_v4();
    let document = SourceDocument {
        id: SourceDocumentId(Uuid::new_v4()),
        reference: file.to_owned(),
        ..sample.document.clone()
    };
    let entries = (0..n)
        .map(|i| ChronologyEntry {
            id: entry_id(import, i),
            description: format!("{file}: entry {i}"),
            source: Some(Provenance {
                document_id: document.id,
                row: Some(i + 2),
            }),
            ..sample.entry.clone()
        })
        .collect();
    let record = ChronologyImport {
        id: import,
        review_id: sample.review.id,
        agency_id: sample.health.id,
        document_id: document.id,
        file_name: file.to_owned(),
        sha256: "0".repeat(64),
        format: "CSV".to_owned(),
        mapping: "{}".to_owned(),
        entries: i64::from(n),
        problems: 0,
        imported_at: chrono::Utc::now(),
        imported_by: None,
        replaced_by: None,
    };
    (record, document, entries)
}

async fn import(
    store: &SqlStore,
    (import, document, entries): &(ChronologyImport, SourceDocument, Vec<ChronologyEntry>),
) -> Result<(), StoreError> {
    store
        .import_chronology(import, document, entries, None, &|_| {}, &change("import"))
        .await
}

async fn listed(store: &SqlStore, sample: &Sample) -> anyhow::Result<Vec<ChronologyEntry>> {
    Ok(store
        .list::<ChronologyEntry>(sample.review.id.0)
        .await?
        .into_iter()
        .map(|s| s.record)
        .collect())
}

both_backends!(
    a_submission_s_entries_are_read_counted_and_changed_like_rows,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let first = submission(&sample, "health.csv", 300);
        import(&store, &first).await?;
        let review = sample.review.id.0;

        // Listed with the review's other entries, in the same order as rows would be.
        let all = listed(&store, &sample).await?;
        assert_eq!(all.len(), 301);
        assert_eq!(store.count::<ChronologyEntry>(review).await?, 301);
        let mut sorted = all.clone();
        sorted.sort_by_key(|e| (casewindow_store::Record::sort_key(e), e.id.0));
        assert_eq!(all, sorted);
        assert_eq!(store.list_all::<ChronologyEntry>().await?.len(), 301);
        for entry in &first.2 {
            assert!(all.contains(entry));
        }
        let prefix = submission_prefix(first.0.id);
        assert!(
            first
                .2
                .iter()
                .all(|e| e.id.0.to_string().starts_with(&prefix))
        );

        // One entry by id, as imported.
        let one = store.get::<ChronologyEntry>(first.2[7].id.0).await?;
        assert_eq!(one.record, first.2[7]);
        assert_eq!(one.meta.version, 1);
        // An id with the submission's prefix but past its end, or unknown, is not found.
        for ghost in [entry_id(first.0.id, 300), entry_id(Uuid::new_v4(), 0)] {
            assert!(matches!(
                store.get::<ChronologyEntry>(ghost.0).await.unwrap_err(),
                StoreError::NotFound { .. }
            ));
        }

        // Changing an entry: its imported version is kept, and the change takes its place.
        let mut edited = first.2[7].clone();
        edited.description = "Corrected by the review team".to_owned();
        let stale = store
            .update(&edited, 2, &change("stale"))
            .await
            .unwrap_err();
        assert!(
            matches!(stale, StoreError::Conflict { actual: 1, .. }),
            "{stale}"
        );
        let saved = store.update(&edited, 1, &change("typo")).await?;
        assert_eq!(saved.meta.version, 2);
        assert_eq!(
            store.get::<ChronologyEntry>(edited.id.0).await?.record,
            edited
        );
        let all = listed(&store, &sample).await?;
        assert_eq!(all.len(), 301, "the changed entry is listed once");
        assert!(all.contains(&edited) && !all.contains(&first.2[7]));
        assert_eq!(store.count::<ChronologyEntry>(review).await?, 301);
        let history = store
            .revisions(RecordKind::ChronologyEntry, edited.id.0)
            .await?;
        assert_eq!(history.len(), 1);
        assert!(history[0].body.contains("health.csv: entry 7"));
        let again = store.update(&edited, 2, &change("again")).await?;
        assert_eq!(again.meta.version, 3);
        Ok(())
    }
);

both_backends!(
    replacing_a_submission_keeps_it_as_history_and_drops_its_decisions,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let review = sample.review.id.0;
        let first = submission(&sample, "health.csv", 5);
        import(&store, &first).await?;

        // Decisions name entries of the block; entries that do not exist are refused.
        let (a, b) = if sample.entry.id.0.to_string() < first.2[0].id.0.to_string() {
            (sample.entry.id, first.2[0].id)
        } else {
            (first.2[0].id, sample.entry.id)
        };
        let decision = LinkDecision {
            review_id: sample.review.id,
            a,
            b,
            same: true,
            decided_at: chrono::Utc::now(),
            decided_by: None,
        };
        store
            .decide_links(
                sample.review.id,
                std::slice::from_ref(&decision),
                &[],
                &change("same"),
            )
            .await?;
        assert_eq!(store.link_decisions(sample.review.id).await?.len(), 1);
        let ghost = entry_id(first.0.id, 99);
        let (ga, gb) = if sample.entry.id.0.to_string() < ghost.0.to_string() {
            (sample.entry.id, ghost)
        } else {
            (ghost, sample.entry.id)
        };
        let refused = store
            .decide_links(
                sample.review.id,
                &[LinkDecision {
                    a: ga,
                    b: gb,
                    ..decision.clone()
                }],
                &[],
                &change("ghost"),
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::NotFound { .. }), "{refused}");

        // One entry edited, so it has a row of its own.
        let mut edited = first.2[1].clone();
        edited.description = "Edited before the agency sent a new file".to_owned();
        store.update(&edited, 1, &change("edit")).await?;

        let second = submission(&sample, "health-v2.csv", 2);
        import(&store, &second).await?;
        let all = listed(&store, &sample).await?;
        assert_eq!(all.len(), 3, "the review's own entry and the new two");
        assert!(all.iter().all(|e| {
            !e.id
                .0
                .to_string()
                .starts_with(&submission_prefix(first.0.id))
        }));
        assert_eq!(store.count::<ChronologyEntry>(review).await?, 3);
        assert!(store.link_decisions(sample.review.id).await?.is_empty());
        assert!(matches!(
            store
                .get::<ChronologyEntry>(first.2[0].id.0)
                .await
                .unwrap_err(),
            StoreError::NotFound { .. }
        ));
        // Every replaced entry keeps its last version as history.
        let kept = store
            .revisions(RecordKind::ChronologyEntry, first.2[0].id.0)
            .await?;
        assert_eq!(kept.len(), 1);
        assert!(kept[0].body.contains("health.csv: entry 0"));
        assert!(
            kept[0].reason.contains("health-v2.csv"),
            "{}",
            kept[0].reason
        );
        let kept = store
            .revisions(RecordKind::ChronologyEntry, edited.id.0)
            .await?;
        assert_eq!(kept.len(), 2, "the imported version and the edit");
        assert!(kept[1].body.contains("Edited before"));
        let imports = store.chronology_imports(sample.review.id).await?;
        assert_eq!(imports.len(), 2);
        assert!(
            imports
                .iter()
                .any(|i| i.id == first.0.id && i.replaced_by == Some(second.0.id))
        );
        Ok(())
    }
);

both_backends!(
    a_submission_whose_entries_do_not_match_its_import_is_refused_whole,
    |store: SqlStore, _url| async move {
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let (import_row, document, mut entries) = submission(&sample, "health.csv", 3);
        entries[2].id = ChronologyEntryId(Uuid::new_v4());
        let err = import(&store, &(import_row.clone(), document.clone(), entries))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Integrity(_)), "{err}");
        assert!(store.chronology_imports(sample.review.id).await?.is_empty());
        assert_eq!(store.count::<ChronologyEntry>(sample.review.id.0).await?, 1);
        assert!(matches!(
            store
                .get::<SourceDocument>(document.id.0)
                .await
                .unwrap_err(),
            StoreError::NotFound { .. }
        ));
        Ok(())
    }
);
