//! Changing the vault key: every sealed value (identities, characteristics, document files) is
//! re-sealed under the new key in one transaction; afterwards only the new key opens them; a
//! value the current key cannot open stops the change and nothing is changed.

use casewindow_app::documents::Upload;
use casewindow_app::{Actor, App, Vault};
use casewindow_domain::evidence::SourceDocument;
use casewindow_domain::identity::{Sex, SubjectCharacteristics, SubjectIdentity};
use casewindow_domain::ids::SourceDocumentId;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;

fn key(byte: u8) -> Vault {
    use base64::Engine as _;
    Vault::from_base64(&base64::engine::general_purpose::STANDARD.encode([byte; 32]))
        .expect("a valid key")
}

both_backends!(
    a_new_key_reseals_everything_or_nothing,
    |store: SqlStore, _url: String| async move {
        let system = Actor::system("test");
        let old = App::new(store.clone()).with_vault(key(1));
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let child = sample.child.id;
        let identity = SubjectIdentity {
            subject_id: child,
            full_name: "Kayden Marsh".to_owned(),
            aliases: Vec::new(),
            date_of_birth: None,
            addresses: Vec::new(),
            identifiers: Vec::new(),
        };
        old.record_identity(&system, &identity, "scoping").await?;
        old.record_characteristics(
            &system,
            &SubjectCharacteristics {
                subject_id: child,
                sex: Some(Sex::Male),
                ethnicity: "Mixed White and Black Caribbean".to_owned(),
                disability: String::new(),
            },
            "scoping",
        )
        .await?;
        let document = SourceDocument {
            id: SourceDocumentId(uuid::Uuid::new_v4()),
            ..sample.document.clone()
        };
        let upload = Upload {
            name: "minutes.txt",
            bytes: b"Minutes of the strategy discussion",
        };
        old.register_document(&system, &document, Some(upload), None)
            .await?;

        // A key that opens nothing stops the change before anything is written.
        let stranger = App::new(store.clone()).with_vault(key(9));
        assert!(stranger.rotate_vault_key(&system, &key(3)).await.is_err());
        assert!(
            old.reveal_identity(&system, child, "check")
                .await?
                .is_some(),
            "the old key still opens everything"
        );
        // Nor may anyone but the operator at the command line change it.
        let person = Actor {
            user: Some(sample.reviewer.id),
            ..system.clone()
        };
        assert!(old.rotate_vault_key(&person, &key(2)).await.is_err());

        let count = old.rotate_vault_key(&system, &key(2)).await?;
        assert_eq!(count, 3, "identity, characteristics, file");
        let new = App::new(store.clone()).with_vault(key(2));
        let shown = new.reveal_identity(&system, child, "check").await?;
        assert_eq!(shown.map(|i| i.full_name).as_deref(), Some("Kayden Marsh"));
        let (_, bytes) = new
            .document_file(&system, sample.review.id, document.id)
            .await?;
        assert_eq!(bytes, b"Minutes of the strategy discussion");
        let kept = new
            .characteristics(&system, sample.review.id, "check")
            .await?;
        assert_eq!(kept[&child].sex, Some(Sex::Male));
        assert!(
            old.reveal_identity(&system, child, "check").await.is_err(),
            "the old key opens nothing now"
        );
        assert!(
            old.document_file(&system, sample.review.id, document.id)
                .await
                .is_err()
        );
        let trail = store.audit_events(sample.review.id, 100).await?;
        assert!(!trail.is_empty());
        Ok(())
    }
);

both_backends!(
    a_value_the_current_key_cannot_open_stops_the_change_with_nothing_changed,
    |store: SqlStore, _url: String| async move {
        let system = Actor::system("test");
        let current = App::new(store.clone()).with_vault(key(1));
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let identity = SubjectIdentity {
            subject_id: sample.child.id,
            full_name: "Kayden Marsh".to_owned(),
            aliases: Vec::new(),
            date_of_birth: None,
            addresses: Vec::new(),
            identifiers: Vec::new(),
        };
        current
            .record_identity(&system, &identity, "scoping")
            .await?;
        // A file sealed under some other key (a restore mixed with another instance's data).
        let other = App::new(store.clone()).with_vault(key(9));
        let document = SourceDocument {
            id: SourceDocumentId(uuid::Uuid::new_v4()),
            ..sample.document.clone()
        };
        let upload = Upload {
            name: "minutes.txt",
            bytes: b"Minutes",
        };
        other
            .register_document(&system, &document, Some(upload), None)
            .await?;
        let refused = current.rotate_vault_key(&system, &key(2)).await;
        assert!(refused.is_err(), "{refused:?}");
        // The identity, re-sealed before the file was reached, was rolled back with it.
        assert!(
            current
                .reveal_identity(&system, sample.child.id, "check")
                .await?
                .is_some()
        );
        let new = App::new(store.clone()).with_vault(key(2));
        assert!(
            new.reveal_identity(&system, sample.child.id, "check")
                .await
                .is_err()
        );
        Ok(())
    }
);
