//! Reasons by role, decided in the application layer: who must say why before reading
//! restricted content, and the reason kept with the audited read.

use casewindow_app::{Actor, App, AppError};
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use casewindow_testkit::fixtures::change;

both_backends!(
    team_members_give_a_reason_to_read_chronologies_and_leads_do_not,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let member = app
            .create_account(
                "Team Member",
                "member@example.org",
                "purpose test password",
                false,
            )
            .await?;
        store
            .insert(
                &Participation {
                    id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
                    review_id: sample.review.id,
                    user_id: Some(member.id),
                    label: "Designated nurse".to_owned(),
                    role: Role::ReviewTeamMember,
                    agency_id: None,
                    invited_on: None,
                    consent: None,
                    declined_on: None,
                    contribution: String::new(),
                    withdrawn: None,
                },
                &change("joined"),
            )
            .await?;
        let mut actor = Actor {
            user: Some(member.id),
            label: "member".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        let err = app
            .records::<ChronologyEntry>(&actor, sample.review.id)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::ReasonNeeded { review } if review == sample.review.id));
        // A reason for another review does not count here.
        actor.purpose = Some((
            casewindow_domain::ids::ReviewId(uuid::Uuid::new_v4()),
            "elsewhere".to_owned(),
        ));
        assert!(
            app.records::<ChronologyEntry>(&actor, sample.review.id)
                .await
                .is_err()
        );
        actor.purpose = Some((sample.review.id, "checking the dates for KPE 2".to_owned()));
        assert_eq!(
            app.records::<ChronologyEntry>(&actor, sample.review.id)
                .await?
                .len(),
            1
        );
        let events = store.audit_events(sample.review.id, 10).await?;
        assert!(events.iter().any(|e| e.entry.actor == Some(member.id)
            && e.entry.reason == "checking the dates for KPE 2"));

        // The lead reviewer reads without being asked; analysis is never behind a reason.
        let lead = Actor {
            user: Some(sample.reviewer.id),
            label: "lead".to_owned(),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        };
        app.records::<ChronologyEntry>(&lead, sample.review.id)
            .await?;
        actor.purpose = None;
        app.records::<casewindow_domain::findings::Finding>(&actor, sample.review.id)
            .await?;
        Ok(())
    }
);
