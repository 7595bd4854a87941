//! Full-text search: stemmed matches across the kinds of record, only what the reader's role
//! lets them read, always up to date, and chronology hits audited as a reading.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::ids::{ChronologyEntryId, ParticipationId, UserId};
use casewindow_domain::organisation::User;
use casewindow_domain::participation::{Participation, Role};
use casewindow_search::{Filters, Kind};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::{Sample, change};

async fn member(store: &SqlStore, sample: &Sample, role: Role, name: &str) -> Actor {
    let user = User {
        id: UserId(uuid::Uuid::new_v4()),
        display_name: name.to_owned(),
        email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
    };
    store
        .insert_user(&user, &change("added"))
        .await
        .expect("user");
    store
        .insert(
            &Participation {
                id: ParticipationId(uuid::Uuid::new_v4()),
                review_id: sample.review.id,
                user_id: Some(user.id),
                label: name.to_owned(),
                role,
                agency_id: Some(sample.health.id),
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            },
            &change("joined"),
        )
        .await
        .expect("participation");
    Actor {
        user: Some(user.id),
        label: name.to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    }
}

both_backends!(
    search_finds_stems_within_the_readers_reach_and_stays_current,
    |store: SqlStore, _url| async move {
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let other = Sample::new();
        other.insert_all(&store).await?;
        // A social care entry the health liaison must never find.
        let mut social = sample.entry.clone();
        social.id = ChronologyEntryId(uuid::Uuid::new_v4());
        social.agency_id = sample.social_care.id;
        social.source = None;
        social.description = "Strategy discussion about the weights recorded at clinic".to_owned();
        store.insert(&social, &change("added")).await?;
        let lead = crate::lead(&sample);
        let none = Filters::default();

        // "weights" finds "weight" in the health entry and the social care entry, and the
        // episode's title; nothing of the other review, where the lead has no part.
        let found = app.search(&lead, "weights", &none, 20).await?;
        let kinds: Vec<Kind> = found.results.hits.iter().map(|h| h.kind).collect();
        assert!(
            kinds.contains(&Kind::Chronology) && kinds.contains(&Kind::Episode),
            "{kinds:?}"
        );
        assert!(
            found
                .results
                .hits
                .iter()
                .all(|h| h.review == sample.review.id.0)
        );
        assert!(
            found
                .results
                .hits
                .iter()
                .any(|h| h.snippet.iter().any(|p| p.matched))
        );
        assert_eq!(found.results.kinds.get(&Kind::Chronology), Some(&2));

        // Findings with their pattern as a facet.
        let found = app.search(&lead, "growth records", &none, 20).await?;
        assert_eq!(found.results.hits[0].kind, Kind::Finding);
        assert!(!found.results.patterns.is_empty());

        // An agency's liaison finds only their agency's entries, and nothing else of the review.
        let liaison = member(
            &store,
            &sample,
            Role::AgencyRecordsLiaison,
            "Health Liaison",
        )
        .await;
        let found = app.search(&liaison, "weights", &none, 20).await?;
        assert_eq!(found.results.total, 1, "{:?}", found.results.hits);
        assert_eq!(found.results.hits[0].agency, Some(sample.health.id.0));
        assert_eq!(
            app.search(&liaison, "growth", &none, 20)
                .await?
                .results
                .total,
            0
        );

        // A review team member must say why before reading chronologies: they find the
        // analysis, and are told the chronology was not searched.
        let team = member(&store, &sample, Role::ReviewTeamMember, "Team Member").await;
        let found = app.search(&team, "weight", &none, 20).await?;
        assert!(
            found
                .results
                .hits
                .iter()
                .all(|h| h.kind != Kind::Chronology)
        );
        assert_eq!(found.chronologies_withheld.len(), 1);

        // A saved change is found at the next search, and what it replaced is not.
        let mut finding = sample.finding.clone();
        finding.statement =
            "Safeguarding supervision is squeezed out by caseload pressure.".to_owned();
        app.update(&lead, &finding, 1, "reworded").await?;
        assert_eq!(
            app.search(&lead, "supervising", &none, 20)
                .await?
                .results
                .total,
            1
        );
        let found = app.search(&lead, "supervising", &none, 20).await?;
        assert!(
            found.results.hits[0]
                .title
                .contains("Safeguarding supervision"),
            "the new wording, not the old: {:?}",
            found.results.hits[0]
        );

        // Showing chronology entries was audited as reading them.
        let searches = store
            .audit_events(sample.review.id, 200)
            .await?
            .into_iter()
            .filter(|e| e.entry.action == "search" && e.entry.entity == "chronology_entries")
            .count();
        assert_eq!(searches, 2, "the lead's and the liaison's chronology hits");

        // Platform administrators and national analysts do not search case content.
        let mut admin = lead.clone();
        admin.platform_admin = true;
        assert!(matches!(
            app.search(&admin, "weight", &none, 20).await,
            Err(AppError::NotFound { .. })
        ));
        Ok(())
    }
);

both_backends!(
    a_withdrawn_narrative_section_is_no_longer_found,
    |store: SqlStore, _url| async move {
        use casewindow_domain::evidence::NarrativeSection;
        let app = App::new(store.clone());
        let sample = Sample::new();
        sample.insert_all(&store).await?;
        let lead = crate::lead(&sample);
        let none = Filters::default();
        let narrative = |found: &casewindow_app::SearchAnswer| {
            found.results.hits.iter().any(|h| h.kind == Kind::Narrative)
        };
        assert!(narrative(&app.search(&lead, "picture", &none, 20).await?));
        app.withdraw::<NarrativeSection>(
            &lead,
            sample.review.id,
            sample.narrative.id.0,
            1,
            "A duplicate",
        )
        .await?;
        assert!(!narrative(&app.search(&lead, "picture", &none, 20).await?));
        Ok(())
    }
);
