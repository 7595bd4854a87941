//! Use cases against real databases: every test runs on SQLite and PostgreSQL.

mod accounts;
mod alignment;
mod chronology_import;
mod codebook;
mod exchange;
mod library;
mod lifecycle;
mod one_way_in;
mod published;
mod purpose;
mod records;
mod reports;
mod search;
mod second_factor;
mod tokens;
mod transfer;
mod vault_rotation;

/// The sample review's lead reviewer, acting.
pub(crate) fn lead(sample: &casewindow_testkit::fixtures::Sample) -> casewindow_app::Actor {
    casewindow_app::Actor {
        user: Some(sample.reviewer.id),
        label: "lead".to_owned(),
        platform_admin: false,
        national_analyst: false,
        purpose: None,
        token: None,
    }
}

/// A new national analyst account, acting.
pub(crate) async fn national_analyst(
    app: &casewindow_app::App<casewindow_store_sql::SqlStore>,
    email: &str,
) -> anyhow::Result<casewindow_app::Actor> {
    let user = app
        .create_account_as(
            "Nina Analyst",
            email,
            "national analyst password 2026",
            casewindow_app::Standing::NationalAnalyst,
        )
        .await?;
    Ok(casewindow_app::Actor {
        user: Some(user.id),
        label: "analyst".to_owned(),
        platform_admin: false,
        national_analyst: true,
        purpose: None,
        token: None,
    })
}

/// Makes `user` a lead reviewer of the sample's review too.
pub(crate) async fn join(
    store: &casewindow_store_sql::SqlStore,
    sample: &casewindow_testkit::fixtures::Sample,
    user: casewindow_domain::ids::UserId,
) -> anyhow::Result<()> {
    use casewindow_store::prelude::*;
    store
        .insert(
            &casewindow_domain::participation::Participation {
                id: casewindow_domain::ids::ParticipationId(uuid::Uuid::new_v4()),
                review_id: sample.review.id,
                user_id: Some(user),
                label: "Lead".to_owned(),
                role: casewindow_domain::participation::Role::LeadReviewer,
                agency_id: None,
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            },
            &casewindow_testkit::fixtures::change("joined"),
        )
        .await?;
    Ok(())
}
