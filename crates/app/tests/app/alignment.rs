//! Reviewers decide which agencies' entries record the same occurrence: a split link stays
//! split, a confirmed or joined pair stays together, an undo hands the pair back to the
//! alignment, entries of one agency are never joined, and a replaced submission takes its
//! decisions with it. A possible information-sharing gap is linked to a key practice episode
//! as cited evidence, once. On both engines.

use crate::lead;
use casewindow_app::alignment::{LinkAction, align_chronologies};
use casewindow_app::{App, AppError, ImportFile};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{ChronologyEntry, CitationTarget};
use casewindow_domain::ids::ChronologyEntryId;
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::Sample;

const SOCIAL_CARE: &str = "Date,Worker,Details\n\
04/05/2020,Social worker,Home visit to mother and baby: the flat was cold and there was little food\n\
20/06/2020,Social worker,Strategy discussion held with police about bruising\n";
const HEALTH: &str = "Date,Practitioner,Details\n\
04/05/2020,Health visitor,Joint home visit with the social worker: flat cold and little food for mother and baby\n\
05/05/2020,Health visitor,Weighed baby at clinic\n";

/// The review's imported entries and their groups (ids, in date order) under the decisions.
async fn groups(
    app: &App<SqlStore>,
    sample: &Sample,
) -> anyhow::Result<Vec<Vec<ChronologyEntryId>>> {
    let actor = lead(sample);
    let view = app.chronology(&actor, sample.review.id).await?;
    let decisions = app.link_decisions(&actor, sample.review.id).await?;
    let alignment = align_chronologies(&view.entries, &view.agencies, &decisions);
    Ok(alignment
        .groups
        .iter()
        .map(|g| g.iter().map(|&i| view.entries[i].id).collect())
        .collect())
}

fn find(entries: &[ChronologyEntry], text: &str) -> ChronologyEntryId {
    entries
        .iter()
        .find(|e| e.description.contains(text))
        .map(|e| e.id)
        .expect("entry")
}

fn together(groups: &[Vec<ChronologyEntryId>], a: ChronologyEntryId, b: ChronologyEntryId) -> bool {
    groups.iter().any(|g| g.contains(&a) && g.contains(&b))
}

both_backends!(
    reviewers_confirm_split_and_join_links_and_their_decisions_are_kept,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = lead(&sample);
        for (agency, name, text) in [
            (sample.social_care.id, "csc.csv", SOCIAL_CARE),
            (sample.health.id, "health.csv", HEALTH),
        ] {
            app.import_chronology(
                &actor,
                sample.review.id,
                agency,
                ImportFile {
                    name,
                    bytes: text.as_bytes(),
                },
                None,
            )
            .await?;
        }
        let entries = app
            .chronology(&actor, sample.review.id)
            .await?
            .entries
            .clone();
        let visit_csc = find(&entries, "Home visit to mother");
        let visit_hv = find(&entries, "Joint home visit");
        let clinic = find(&entries, "Weighed baby");
        let strategy = find(&entries, "Strategy discussion");

        // The alignment links the two accounts of the home visit.
        assert!(together(&groups(&app, &sample).await?, visit_csc, visit_hv));

        // Split: they stay apart, and the decision is kept.
        app.decide_links(
            &actor,
            sample.review.id,
            LinkAction::Split {
                entry: visit_hv,
                from: vec![visit_csc, visit_hv],
            },
        )
        .await?;
        let decisions = app.link_decisions(&actor, sample.review.id).await?;
        assert_eq!(decisions.len(), 1);
        assert!(!decisions[0].same);
        assert_eq!(decisions[0].decided_by, Some(sample.reviewer.id));
        assert!(!together(
            &groups(&app, &sample).await?,
            visit_csc,
            visit_hv
        ));

        // Undo: the alignment decides again.
        app.decide_links(
            &actor,
            sample.review.id,
            LinkAction::Undo(vec![visit_csc, visit_hv]),
        )
        .await?;
        assert!(
            app.link_decisions(&actor, sample.review.id)
                .await?
                .is_empty()
        );
        assert!(together(&groups(&app, &sample).await?, visit_csc, visit_hv));

        // Join: a pair the alignment would not link (different words, next day) is joined and
        // shown as confirmed.
        assert!(!together(&groups(&app, &sample).await?, visit_csc, clinic));
        app.decide_links(
            &actor,
            sample.review.id,
            LinkAction::Confirm(vec![strategy, clinic]),
        )
        .await?;
        let view = app.chronology(&actor, sample.review.id).await?;
        let decisions = app.link_decisions(&actor, sample.review.id).await?;
        let alignment = align_chronologies(&view.entries, &view.agencies, &decisions);
        let joined = alignment
            .groups
            .iter()
            .position(|g| g.iter().any(|&i| view.entries[i].id == clinic))
            .expect("group");
        assert!(
            alignment.groups[joined]
                .iter()
                .any(|&i| view.entries[i].id == strategy)
        );
        assert!(alignment.confirmed[joined]);

        // Never two entries of one agency.
        let refused = app
            .decide_links(
                &actor,
                sample.review.id,
                LinkAction::Confirm(vec![visit_hv, clinic]),
            )
            .await;
        assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");

        // A re-import replaces the agency's entries, and the decisions on them go too.
        app.import_chronology(
            &actor,
            sample.review.id,
            sample.health.id,
            ImportFile {
                name: "health-corrected.csv",
                bytes: HEALTH.as_bytes(),
            },
            None,
        )
        .await?;
        assert!(
            app.link_decisions(&actor, sample.review.id)
                .await?
                .is_empty()
        );
        Ok(())
    }
);

both_backends!(
    a_gap_is_linked_to_a_key_practice_episode_once,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let actor = lead(&sample);
        app.import_chronology(
            &actor,
            sample.review.id,
            sample.health.id,
            ImportFile {
                name: "health.csv",
                bytes: HEALTH.as_bytes(),
            },
            None,
        )
        .await?;
        let entries = app
            .chronology(&actor, sample.review.id)
            .await?
            .entries
            .clone();
        let entry = find(&entries, "Weighed baby");
        for _ in 0..2 {
            app.link_gap_to_kpe(&actor, sample.review.id, sample.kpe.id, entry)
                .await?;
        }
        let kpe = store.get::<KeyPracticeEpisode>(sample.kpe.id.0).await?;
        let cited: Vec<_> = kpe
            .record
            .evidence
            .iter()
            .filter(|c| c.target == CitationTarget::ChronologyEntry(entry))
            .collect();
        assert_eq!(cited.len(), 1);
        assert!(cited[0].note.contains("Possible information-sharing gap"));
        Ok(())
    }
);
