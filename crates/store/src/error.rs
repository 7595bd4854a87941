//! Errors a caller can act on.

use crate::record::RecordKind;
use thiserror::Error;

/// What went wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No such record (or not one the caller may see: callers answer both the same way).
    #[error("{kind} {id} was not found")]
    NotFound { kind: &'static str, id: String },
    /// The record changed since the caller read it; nothing was written.
    #[error(
        "{kind} {id} was changed by someone else (you edited version {expected}, it is now at version {actual})"
    )]
    Conflict {
        kind: RecordKind,
        id: String,
        expected: i64,
        actual: i64,
    },
    /// A record with this id (or unique key) already exists.
    #[error("{kind} {id} already exists")]
    Duplicate { kind: &'static str, id: String },
    /// The write refers to something that does not exist, or would orphan something.
    #[error("{0}")]
    Integrity(String),
    /// A stored row could not be read back; the database holds something casewindow did not write.
    #[error("stored {kind} {id} is unreadable: {reason}")]
    Corrupt {
        kind: &'static str,
        id: String,
        reason: String,
    },
    /// Anything else: connection lost, disk full, ... Logged in full, shown to users in general terms.
    #[error("storage failure: {0}")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}
