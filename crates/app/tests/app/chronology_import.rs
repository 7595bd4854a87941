//! Importing agency chronologies: a malformed file is refused with its rows and columns named
//! and nothing written; a corrected file imports in one transaction; re-importing replaces the
//! agency's submission and keeps the previous one in history. On both engines.

use crate::lead;
use casewindow_app::{Actor, App, AppError, ImportFile};
use casewindow_domain::evidence::{ChronologyEntry, SourceDocument};
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::RecordKind;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};

const BAD: &str = "Health chronology\n\nDate,Practitioner,Details\n12/03/2019,Health visitor,New birth visit\n31/02/2019,GP,Seen for a rash\n13/03/2019,Health visitor,\n";
const GOOD: &str = "Date,Practitioner,Details\n12/03/2019,Health visitor,New birth visit\nMarch 2019,GP,Seen for a rash\napprox. spring 2020,Health visitor,Missed appointment\n";
const CORRECTED: &str =
    "Date,Practitioner,Details\n12/03/2019,Health visitor,New birth visit (corrected)\n";

async fn counts(store: &SqlStore, sample: &Sample) -> anyhow::Result<(usize, usize, usize)> {
    Ok((
        store.count::<ChronologyEntry>(sample.review.id.0).await?,
        store.count::<SourceDocument>(sample.review.id.0).await?,
        store.chronology_imports(sample.review.id).await?.len(),
    ))
}

both_backends!(
    a_malformed_file_is_refused_with_rows_and_columns_named_and_nothing_written,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let before = counts(&store, &sample).await?;
        let audit_before = store.verify_audit().await?.expect("chain");
        let file = ImportFile {
            name: "health.csv",
            bytes: BAD.as_bytes(),
        };
        let preview = app
            .preview_chronology(
                &lead(&sample),
                sample.review.id,
                sample.health.id,
                file,
                None,
            )
            .await?;
        assert_eq!(preview.entries.len(), 1);
        assert_eq!(preview.problems.len(), 2);
        let err = app
            .import_chronology(
                &lead(&sample),
                sample.review.id,
                sample.health.id,
                file,
                None,
            )
            .await
            .unwrap_err();
        let AppError::Invalid(problems) = err else {
            panic!("expected row problems, got {err:?}");
        };
        let described: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.reason))
            .collect();
        assert_eq!(
            described,
            vec![
                "health.csv: row 5, column \"Date\": \"31/02/2019\" is not a real date".to_owned(),
                "health.csv: row 6, column \"Details\": says nothing about what happened"
                    .to_owned(),
            ]
        );
        assert_eq!(counts(&store, &sample).await?, before, "nothing written");
        assert_eq!(store.verify_audit().await?.expect("chain"), audit_before);

        // Not a chronology at all: the file is named with what was found.
        let err = app
            .import_chronology(
                &lead(&sample),
                sample.review.id,
                sample.health.id,
                ImportFile {
                    name: "minutes.pdf",
                    bytes: b"%PDF-1.7 ...",
                },
                None,
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("minutes.pdf: a PDF cannot be imported"),
            "{err}"
        );
        assert_eq!(counts(&store, &sample).await?, before);
        Ok(())
    }
);

both_backends!(
    reimporting_replaces_the_agency_s_submission_and_keeps_the_previous_one,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let (entries_before, documents_before, _) = counts(&store, &sample).await?;
        let first = app
            .import_chronology(
                &lead(&sample),
                sample.review.id,
                sample.health.id,
                ImportFile {
                    name: "health.csv",
                    bytes: GOOD.as_bytes(),
                },
                None,
            )
            .await?;
        assert_eq!(first.entries, 3);
        let stored: Vec<ChronologyEntry> = store
            .list::<ChronologyEntry>(sample.review.id.0)
            .await?
            .into_iter()
            .map(|s| s.record)
            .filter(|e| {
                e.source
                    .as_ref()
                    .is_some_and(|s| s.document_id == first.document_id)
            })
            .collect();
        assert_eq!(stored.len(), 3);
        assert!(
            stored
                .iter()
                .any(|e| e.source.as_ref().and_then(|s| s.row) == Some(4))
        );
        assert_eq!(counts(&store, &sample).await?.0, entries_before + 3);

        let second = app
            .import_chronology(
                &lead(&sample),
                sample.review.id,
                sample.health.id,
                ImportFile {
                    name: "health-v2.csv",
                    bytes: CORRECTED.as_bytes(),
                },
                None,
            )
            .await?;
        let (entries, documents, imports) = counts(&store, &sample).await?;
        assert_eq!(
            entries,
            entries_before + 1,
            "the first submission's entries replaced"
        );
        assert_eq!(
            documents,
            documents_before + 2,
            "both files stay in the register"
        );
        assert_eq!(imports, 2);
        let history = app
            .chronology_imports(&lead(&sample), sample.review.id)
            .await?;
        let old = history.iter().find(|i| i.id == first.id).expect("kept");
        assert_eq!(old.replaced_by, Some(second.id));
        assert!(
            history
                .iter()
                .any(|i| i.id == second.id && i.replaced_by.is_none())
        );
        // The replaced entries' bodies are kept as revisions.
        let revisions = store
            .revisions(RecordKind::ChronologyEntry, stored[0].id.0)
            .await?;
        assert_eq!(revisions.len(), 1);
        assert!(revisions[0].body.contains(&stored[0].description));
        assert!(revisions[0].reason.contains("health-v2.csv"));
        // The agency's mapping is remembered for its next file.
        assert!(old.mapping.contains("Practitioner"));
        Ok(())
    }
);

both_backends!(
    an_agency_liaison_imports_only_their_own_agency_s_chronology,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let liaison = app
            .create_account(
                "Health Liaison",
                "liaison@example.org",
                "records arrive on tuesdays",
                false,
            )
            .await?;
        store
            .insert(
                &Participation {
                    id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
                    review_id: sample.review.id,
                    user_id: Some(liaison.id),
                    label: "Health records".to_owned(),
                    role: Role::AgencyRecordsLiaison,
                    agency_id: Some(sample.health.id),
                    invited_on: None,
                    consent: None,
                    declined_on: None,
                    contribution: String::new(),
                    withdrawn: None,
                },
                &change("liaison"),
            )
            .await?;
        let actor = Actor {
            user: Some(liaison.id),
            label: "liaison".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let file = ImportFile {
            name: "health.csv",
            bytes: GOOD.as_bytes(),
        };
        let err = app
            .import_chronology(&actor, sample.review.id, sample.social_care.id, file, None)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound { .. }), "{err:?}");
        app.import_chronology(&actor, sample.review.id, sample.health.id, file, None)
            .await?;
        Ok(())
    }
);
