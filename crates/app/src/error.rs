//! Errors of the use cases, shaped for the people who will read them.

use casewindow_domain::lifecycle::TransitionRefused;
use casewindow_interchange::{ImportError, Problem};
use casewindow_store::StoreError;
use thiserror::Error;

/// What went wrong in a use case.
#[derive(Debug, Error)]
pub enum AppError {
    /// Nothing with that id (or nothing the actor may see: both answer the same).
    #[error("{what} was not found")]
    NotFound { what: String },
    /// Someone else changed the record since it was read; nothing was written.
    #[error("{0}")]
    Conflict(StoreError),
    /// The input has problems, each named by field.
    #[error("{}", describe(.0))]
    Invalid(Vec<Problem>),
    /// The lifecycle refused the transition.
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    /// A review file was refused.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The actor's role may read this only with a reason, and none was given.
    #[error("say why you need to read the restricted content of review {review}")]
    ReasonNeeded {
        review: casewindow_domain::ids::ReviewId,
    },
    /// A program's API token only reads, and this would change something.
    #[error("this API token only reads: make one that may write")]
    ReadOnlyToken,
    /// A storage failure that is not the user's to fix.
    #[error("storage failure")]
    Store(#[source] StoreError),
    /// Another failure that is not the user's to fix (the detail is for the log only).
    #[error("internal failure")]
    Internal(String),
}

/// Refuses a value whose fields have problems, each named by its field.
pub(crate) fn check_fields(value: &impl casewindow_domain::Validate) -> Result<(), AppError> {
    let problems: Vec<Problem> = value
        .problems()
        .into_iter()
        .map(|p| Problem {
            path: p.field,
            reason: p.reason,
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

fn describe(problems: &[Problem]) -> String {
    let parts: Vec<String> = problems.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { kind, id } => Self::NotFound {
                what: format!("{kind} {id}"),
            },
            conflict @ StoreError::Conflict { .. } => Self::Conflict(conflict),
            StoreError::Integrity(reason) => Self::Invalid(vec![Problem {
                path: "(record)".to_owned(),
                reason,
            }]),
            // The store names the constraint; that stays in the log, not in front of users.
            StoreError::Duplicate { .. } => Self::Invalid(vec![Problem {
                path: "id".to_owned(),
                reason: "this was saved already: open the list to find it".to_owned(),
            }]),
            other => Self::Store(other),
        }
    }
}
