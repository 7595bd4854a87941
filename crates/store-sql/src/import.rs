//! Writing a whole review in one transaction.

use crate::{records, reference};
use casewindow_store::{ImportSummary, RecordKind, ReviewBundle, StoreError};
use sqlx::AnyConnection;

/// Writes `bundle` on `conn` (inside the caller's transaction). Reference rows that already
/// exist are kept; the review itself must be new.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    bundle: &ReviewBundle,
) -> Result<ImportSummary, StoreError> {
    let mut summary = ImportSummary::default();
    for partnership in &bundle.partnerships {
        if reference::exists(conn, "partnerships", partnership.id.0).await? {
            summary.kept_existing += 1;
        } else {
            reference::insert_partnership(conn, partnership).await?;
        }
    }
    for agency in &bundle.agencies {
        if reference::exists(conn, "agencies", agency.id.0).await? {
            summary.kept_existing += 1;
        } else {
            reference::insert_agency(conn, agency).await?;
        }
    }
    for user in &bundle.users {
        if reference::exists(conn, "users", user.id.0).await? {
            summary.kept_existing += 1;
        } else {
            reference::insert_user(conn, user).await?;
        }
    }
    for issue in &bundle.recurrent_issues {
        if reference::exists(conn, "recurrent_issues", issue.id).await? {
            summary.kept_existing += 1;
        } else {
            records::insert(conn, issue)
                .await
                .map_err(|e| context(e, issue.kind, issue.id))?;
        }
    }
    for record in &bundle.records {
        if record.kind == RecordKind::Review
            && reference::exists(conn, "reviews", record.id).await?
        {
            return Err(StoreError::Duplicate {
                kind: "review",
                id: record.id.to_string(),
            });
        }
        records::insert(conn, record)
            .await
            .map_err(|e| context(e, record.kind, record.id))?;
        summary.records += 1;
    }
    for (kind, id, revision) in &bundle.revisions {
        records::insert_revision(conn, *kind, *id, revision)
            .await
            .map_err(|e| context(e, *kind, *id))?;
        summary.revisions += 1;
    }
    for transition in &bundle.transitions {
        reference::insert_transition(conn, transition).await?;
        summary.transitions += 1;
    }
    Ok(summary)
}

fn context(err: StoreError, kind: RecordKind, id: uuid::Uuid) -> StoreError {
    match err {
        StoreError::Integrity(reason) => StoreError::Integrity(format!("{kind} {id}: {reason}")),
        StoreError::Duplicate { .. } => StoreError::Duplicate {
            kind: kind.label(),
            id: id.to_string(),
        },
        other => other,
    }
}
