//! Use cases against real databases: every test runs on SQLite and PostgreSQL.

mod accounts;
mod alignment;
mod chronology_import;
mod codebook;
mod library;
mod lifecycle;
mod one_way_in;
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
