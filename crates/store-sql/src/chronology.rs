//! Imported agency chronologies: one transaction per import, replacing the agency's current
//! submission (kept as history with its import) and keeping every import as history.

use crate::audit;
use crate::error::{corrupt, map};
use crate::records::{self, from_millis, millis, parse_user, user_text};
use crate::submissions;
use casewindow_domain::evidence::SourceDocument;
use casewindow_domain::ids::{AgencyId, ChronologyEntryId, ReviewId, SourceDocumentId};
use casewindow_store::{
    Change, ChronologyImport, LinkDecision, Record as _, RecordMeta, SUBMISSION_PREFIX_LEN,
    StagedUpload, StoreError, submission_prefix,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row as _};
use uuid::Uuid;

fn uuid(kind: &'static str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt(kind, text, e))
}

fn read_import(row: &AnyRow) -> Result<ChronologyImport, StoreError> {
    let id: String = row.try_get("id").map_err(map)?;
    let text = |name: &str| row.try_get::<String, _>(name).map_err(map);
    let replaced: Option<String> = row.try_get("replaced_by").map_err(map)?;
    Ok(ChronologyImport {
        id: uuid("chronology import", &id)?,
        review_id: ReviewId(uuid("chronology import", &text("review_id")?)?),
        agency_id: AgencyId(uuid("chronology import", &text("agency_id")?)?),
        document_id: SourceDocumentId(uuid("chronology import", &text("document_id")?)?),
        file_name: text("file_name")?,
        sha256: text("sha256")?,
        format: text("format")?,
        mapping: text("mapping")?,
        entries: row.try_get("entries").map_err(map)?,
        problems: row.try_get("problems").map_err(map)?,
        imported_at: from_millis(
            "chronology import",
            &id,
            row.try_get("imported_at").map_err(map)?,
        )?,
        imported_by: parse_user(
            "chronology import",
            &id,
            row.try_get("imported_by").map_err(map)?,
        )?,
        replaced_by: replaced
            .map(|r| uuid("chronology import", &r))
            .transpose()?,
    })
}

pub(crate) async fn imports(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<ChronologyImport>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, review_id, agency_id, document_id, file_name, sha256, format, mapping, entries, \
         problems, imported_at, imported_by, replaced_by FROM chronology_imports \
         WHERE review_id = $1 ORDER BY imported_at DESC, id",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter().map(read_import).collect()
}

/// The whole import, inside the caller's transaction: the file in the document register, the
/// entries as one block with the import row (see [`crate::submissions`]), and the agency's
/// current submission, if any, replaced.
pub(crate) async fn import(
    conn: &mut AnyConnection,
    import: &ChronologyImport,
    document: &SourceDocument,
    block: Vec<u8>,
    staged: Option<Uuid>,
    progress: casewindow_store::Progress<'_>,
    change: &Change,
) -> Result<(), StoreError> {
    if let Some(staged) = staged {
        sqlx::query("DELETE FROM staged_uploads WHERE id = $1")
            .bind(staged.to_string())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    }
    // The agency's current submission, if any, is replaced.
    let current: Option<(String, String, Option<String>)> = sqlx::query(
        "SELECT id, document_id, entry_prefix FROM chronology_imports \
         WHERE review_id = $1 AND agency_id = $2 AND replaced_by IS NULL",
    )
    .bind(import.review_id.0.to_string())
    .bind(import.agency_id.0.to_string())
    .fetch_optional(&mut *conn)
    .await
    .map_err(map)?
    .map(
        |row| -> Result<(String, String, Option<String>), StoreError> {
            Ok((
                row.try_get("id").map_err(map)?,
                row.try_get("document_id").map_err(map)?,
                row.try_get("entry_prefix").map_err(map)?,
            ))
        },
    )
    .transpose()?;

    let meta = RecordMeta::created(change);
    let erased = document
        .erase(meta)
        .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    records::insert(conn, &erased).await?;

    if let Some((old_import, old_document, old_prefix)) = &current {
        let reason = submissions::replaced_reason(&import.file_name, &import.id.to_string());
        // Decisions on the replaced entries go with them (the audit trail keeps them): entries
        // with rows from the replaced file, and entries of its block (by their prefix).
        let sql = format!(
            "DELETE FROM alignment_decisions WHERE review_id = $1 AND (\
             entry_a IN (SELECT id FROM chronology_entries WHERE source_document_id = $2) OR \
             entry_b IN (SELECT id FROM chronology_entries WHERE source_document_id = $3) OR \
             substr(entry_a, 1, {SUBMISSION_PREFIX_LEN}) = $4 OR \
             substr(entry_b, 1, {SUBMISSION_PREFIX_LEN}) = $5)"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(import.review_id.0.to_string())
            .bind(old_document.clone())
            .bind(old_document.clone())
            .bind(old_prefix.clone())
            .bind(old_prefix.clone())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        // Entries with rows of their own (imported before blocks, or edited since) are kept
        // as revisions, in one statement; the replaced block itself stays with its import.
        sqlx::query(
            "INSERT INTO revisions (table_name, record_id, version, body, replaced_at, replaced_by, reason) \
             SELECT 'chronology_entries', id, version, body, $1, $2, $3 FROM chronology_entries \
             WHERE source_document_id = $4",
        )
        .bind(millis(change.at))
        .bind(user_text(change.actor))
        .bind(reason)
        .bind(old_document.clone())
        .execute(&mut *conn)
        .await
        .map_err(map)?;
        sqlx::query("DELETE FROM chronology_entries WHERE source_document_id = $1")
            .bind(old_document.clone())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        insert_row(conn, import, block).await?;
        sqlx::query("UPDATE chronology_imports SET replaced_by = $1 WHERE id = $2")
            .bind(import.id.to_string())
            .bind(old_import.clone())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    } else {
        insert_row(conn, import, block).await?;
    }
    progress(usize::try_from(import.entries).unwrap_or(0));
    let mut event = audit::for_reference(
        if current.is_some() {
            "replace"
        } else {
            "create"
        },
        "chronology_imports",
        import.id,
        change,
    );
    event.review_id = Some(import.review_id);
    audit::append(conn, &event).await
}

async fn insert_row(
    conn: &mut AnyConnection,
    import: &ChronologyImport,
    block: Vec<u8>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO chronology_imports (id, review_id, agency_id, document_id, file_name, sha256, \
         format, mapping, entries, problems, imported_at, imported_by, replaced_by, entry_prefix, \
         entries_body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14)",
    )
    .bind(import.id.to_string())
    .bind(import.review_id.0.to_string())
    .bind(import.agency_id.0.to_string())
    .bind(import.document_id.0.to_string())
    .bind(import.file_name.clone())
    .bind(import.sha256.clone())
    .bind(import.format.clone())
    .bind(import.mapping.clone())
    .bind(import.entries)
    .bind(import.problems)
    .bind(millis(import.imported_at))
    .bind(user_text(import.imported_by))
    .bind(submission_prefix(import.id))
    .bind(block)
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

/// Keeps an uploaded file, purging those staged before `purge_before`.
pub(crate) async fn stage(
    conn: &mut AnyConnection,
    upload: &StagedUpload,
    purge_before: chrono::DateTime<chrono::Utc>,
    change: &Change,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staged_uploads WHERE staged_at < $1")
        .bind(millis(purge_before))
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    sqlx::query(
        "INSERT INTO staged_uploads (id, review_id, agency_id, user_id, file_name, bytes, staged_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(upload.id.to_string())
    .bind(upload.review_id.0.to_string())
    .bind(upload.agency_id.0.to_string())
    .bind(upload.user_id.0.to_string())
    .bind(upload.file_name.clone())
    .bind(upload.bytes.clone())
    .bind(millis(upload.staged_at))
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    let mut event = audit::for_reference("create", "staged_uploads", upload.id, change);
    event.review_id = Some(upload.review_id);
    audit::append(conn, &event).await
}

pub(crate) async fn staged(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<StagedUpload>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT id, review_id, agency_id, user_id, file_name, bytes, staged_at \
         FROM staged_uploads WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(map)?
    else {
        return Ok(None);
    };
    let text = |name: &str| row.try_get::<String, _>(name).map_err(map);
    let key = id.to_string();
    Ok(Some(StagedUpload {
        id,
        review_id: ReviewId(uuid("staged upload", &text("review_id")?)?),
        agency_id: AgencyId(uuid("staged upload", &text("agency_id")?)?),
        user_id: casewindow_domain::ids::UserId(uuid("staged upload", &text("user_id")?)?),
        file_name: text("file_name")?,
        bytes: row.try_get("bytes").map_err(map)?,
        staged_at: from_millis(
            "staged upload",
            &key,
            row.try_get("staged_at").map_err(map)?,
        )?,
    }))
}

/// Replaces the decisions on the given pairs (and removes those on the `undo` pairs).
pub(crate) async fn decide(
    conn: &mut AnyConnection,
    review: ReviewId,
    decisions: &[LinkDecision],
    undo: &[(ChronologyEntryId, ChronologyEntryId)],
    change: &Change,
) -> Result<(), StoreError> {
    let pairs = decisions
        .iter()
        .map(|d| (d.a, d.b))
        .chain(undo.iter().copied());
    for (a, b) in pairs {
        sqlx::query("DELETE FROM alignment_decisions WHERE entry_a = $1 AND entry_b = $2")
            .bind(a.0.to_string())
            .bind(b.0.to_string())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    }
    for decision in decisions {
        if decision.a.0.to_string() >= decision.b.0.to_string() || decision.review_id != review {
            return Err(StoreError::Integrity(format!(
                "alignment decision on {} and {} out of order or review",
                decision.a.0, decision.b.0
            )));
        }
        for entry in [decision.a, decision.b] {
            if !submissions::exists(conn, review.0, entry.0).await? {
                return Err(StoreError::NotFound {
                    kind: "chronology entry",
                    id: entry.0.to_string(),
                });
            }
        }
        sqlx::query(
            "INSERT INTO alignment_decisions (review_id, entry_a, entry_b, same, decided_at, decided_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(review.0.to_string())
        .bind(decision.a.0.to_string())
        .bind(decision.b.0.to_string())
        .bind(i64::from(decision.same))
        .bind(millis(decision.decided_at))
        .bind(user_text(decision.decided_by))
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    }
    let mut event = audit::for_reference("update", "alignment_decisions", review.0, change);
    event.review_id = Some(review);
    audit::append(conn, &event).await
}

pub(crate) async fn decisions(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<LinkDecision>, StoreError> {
    let rows = sqlx::query(
        "SELECT entry_a, entry_b, same, decided_at, decided_by FROM alignment_decisions \
         WHERE review_id = $1 ORDER BY decided_at, entry_a, entry_b",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let a: String = row.try_get("entry_a").map_err(map)?;
            let b: String = row.try_get("entry_b").map_err(map)?;
            Ok(LinkDecision {
                review_id: review,
                a: ChronologyEntryId(uuid("alignment decision", &a)?),
                b: ChronologyEntryId(uuid("alignment decision", &b)?),
                same: row.try_get::<i64, _>("same").map_err(map)? == 1,
                decided_at: from_millis(
                    "alignment decision",
                    &a,
                    row.try_get("decided_at").map_err(map)?,
                )?,
                decided_by: parse_user(
                    "alignment decision",
                    &a,
                    row.try_get("decided_by").map_err(map)?,
                )?,
            })
        })
        .collect()
}
