//! Facts the server established (suggestion runs, identifier scans), one-time creation keys,
//! and the reference check of a single record.

use crate::error::{corrupt, map};
use crate::records::{from_millis, millis, parse_user, user_text};
use casewindow_domain::ids::ReviewId;
use casewindow_store::{Change, RecordKind, Reference, ScanRun, StoreError, SuggestionRun, Target};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashSet;
use uuid::Uuid;

pub(crate) async fn put_suggestion_run(
    conn: &mut AnyConnection,
    run: &SuggestionRun,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(run).map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO suggestion_runs (id, review_id, user_id, at, body) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(run.id.to_string())
    .bind(run.review_id.0.to_string())
    .bind(user_text(run.user_id))
    .bind(millis(run.at))
    .bind(body)
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

pub(crate) async fn suggestion_run(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<SuggestionRun>, StoreError> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM suggestion_runs WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    body.map(|body| {
        serde_json::from_str(&body).map_err(|e| corrupt("suggestion run", &id.to_string(), e))
    })
    .transpose()
}

pub(crate) async fn put_scan_run(
    conn: &mut AnyConnection,
    run: &ScanRun,
    change: &Change,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scan_runs (id, review_id, user_id, at, fingerprint, hits, found, accepted) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(run.id.to_string())
    .bind(run.review_id.0.to_string())
    .bind(user_text(run.user_id))
    .bind(millis(run.at))
    .bind(run.fingerprint.clone())
    .bind(i64::from(run.hits))
    .bind(run.found.clone())
    .bind(
        serde_json::to_string(&run.accepted)
            .map_err(|e| corrupt("scan run", &run.id.to_string(), e))?,
    )
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    // A scan reads the documents and changes nothing in the review: audited as an event,
    // without moving the review's change stamp.
    let mut entry = crate::audit::for_reference("scan", "scan_runs", run.id, change);
    entry.review_id = Some(run.review_id);
    crate::audit::append_event(conn, &entry).await?;
    Ok(())
}

pub(crate) async fn scan_run(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<ScanRun>, StoreError> {
    let row = sqlx::query(
        "SELECT review_id, user_id, at, fingerprint, hits, found, accepted FROM scan_runs WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(map)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let text = id.to_string();
    let review: String = row.try_get("review_id").map_err(map)?;
    let user: Option<String> = row.try_get("user_id").map_err(map)?;
    let hits: i64 = row.try_get("hits").map_err(map)?;
    Ok(Some(ScanRun {
        id,
        review_id: ReviewId(Uuid::parse_str(&review).map_err(|e| corrupt("scan run", &text, e))?),
        user_id: parse_user("scan run", &text, user)?,
        at: from_millis("scan run", &text, row.try_get("at").map_err(map)?)?,
        fingerprint: row.try_get("fingerprint").map_err(map)?,
        hits: u32::try_from(hits).map_err(|e| corrupt("scan run", &text, e))?,
        found: row
            .try_get::<Option<String>, _>("found")
            .map_err(map)?
            .unwrap_or_else(|| "[]".to_owned()),
        accepted: match row.try_get::<Option<String>, _>("accepted").map_err(map)? {
            Some(json) => serde_json::from_str(&json).map_err(|e| corrupt("scan run", &text, e))?,
            None => Vec::new(),
        },
    }))
}

/// Records what the person who ran a scan judged not identifying: only the scan's own runner
/// may, in one conditional statement; `false` when the run is not theirs (or not there).
pub(crate) async fn accept_scan_hits(
    conn: &mut AnyConnection,
    review: ReviewId,
    run: Uuid,
    user: Option<casewindow_domain::ids::UserId>,
    accepted: &[casewindow_domain::review::AcceptedHit],
    change: &Change,
) -> Result<bool, StoreError> {
    let Some(user) = user_text(user) else {
        return Ok(false);
    };
    let json =
        serde_json::to_string(accepted).map_err(|e| corrupt("scan run", &run.to_string(), e))?;
    let done = sqlx::query(
        "UPDATE scan_runs SET accepted = $1 WHERE id = $2 AND user_id = $3 AND review_id = $4",
    )
    .bind(json)
    .bind(run.to_string())
    .bind(user)
    .bind(review.0.to_string())
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let mut entry = crate::audit::for_reference("update", "scan_runs", run, change);
    entry.review_id = Some(review);
    crate::audit::append_event(conn, &entry).await?;
    Ok(true)
}

/// Claims a create form's one-time key for the change's actor. `None` when it was free (and is
/// now taken by `id`); otherwise the kind and id of the record the key created first.
pub(crate) async fn claim_once(
    conn: &mut AnyConnection,
    key: &str,
    kind: RecordKind,
    id: Uuid,
    change: &Change,
) -> Result<Option<(String, Uuid)>, StoreError> {
    let user_key = format!(
        "{}:{key}",
        user_text(change.actor).unwrap_or_else(|| "system".to_owned())
    );
    let claimed = sqlx::query(
        "INSERT INTO creations (user_key, kind, record_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_key) DO NOTHING",
    )
    .bind(user_key.clone())
    .bind(kind.table())
    .bind(id.to_string())
    .bind(millis(change.at))
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    if claimed.rows_affected() == 1 {
        return Ok(None);
    }
    let row = sqlx::query("SELECT kind, record_id FROM creations WHERE user_key = $1")
        .bind(user_key)
        .fetch_one(conn)
        .await
        .map_err(map)?;
    let table: String = row.try_get("kind").map_err(map)?;
    let record: String = row.try_get("record_id").map_err(map)?;
    let record = Uuid::parse_str(&record).map_err(|e| corrupt("creation", key, e))?;
    Ok(Some((table, record)))
}

/// The next number in `review` for a numbered kind, inside the caller's write transaction. On
/// PostgreSQL the review's row is locked first, so creators in one review take their numbers
/// in turn (SQLite's write transactions already run one at a time); the unique index on
/// (review, number) stands behind both.
pub(crate) async fn next_position(
    conn: &mut AnyConnection,
    backend: casewindow_store::Backend,
    kind: RecordKind,
    review: Uuid,
) -> Result<u32, StoreError> {
    if backend == casewindow_store::Backend::Postgres {
        sqlx::query("SELECT id FROM reviews WHERE id = $1 FOR NO KEY UPDATE")
            .bind(review.to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(map)?;
    }
    let sql = format!(
        "SELECT MAX(sort_key) FROM {} WHERE review_id = $1",
        kind.table()
    );
    let last: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(review.to_string())
        .fetch_one(conn)
        .await
        .map_err(map)?;
    let last = match last {
        Some(key) => key
            .parse::<u32>()
            .map_err(|e| corrupt(kind.label(), &key, e))?,
        None => 0,
    };
    Ok(last + 1)
}

/// The references that name nothing (see `Store::dangling`).
pub(crate) async fn dangling(
    conn: &mut AnyConnection,
    review: ReviewId,
    references: &[Reference],
) -> Result<Vec<Reference>, StoreError> {
    let mut targets: Vec<Target> = references.iter().map(|r| r.target).collect();
    targets.sort_by_key(|t| format!("{t:?}"));
    targets.dedup();
    let mut found: HashSet<Reference> = HashSet::new();
    for target in targets {
        let ids: Vec<Uuid> = references
            .iter()
            .filter(|r| r.target == target)
            .map(|r| r.id)
            .collect();
        let (table, scoped) = match target {
            Target::Agency => ("agencies", false),
            Target::User => ("users", false),
            Target::Record(RecordKind::Review) => ("reviews", false),
            Target::Record(RecordKind::RecurrentIssue) => ("recurrent_issues", false),
            Target::Record(kind) => (kind.table(), true),
        };
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let mut sql = format!(
            "SELECT id FROM {table} WHERE id IN ({})",
            placeholders.join(", ")
        );
        let review_column = match target {
            Target::Record(RecordKind::Review) => Some("id"),
            _ if scoped => Some("review_id"),
            _ => None,
        };
        if let Some(column) = review_column {
            sql.push_str(&format!(" AND {column} = ${}", ids.len() + 1));
        }
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
        for id in &ids {
            query = query.bind(id.to_string());
        }
        if review_column.is_some() {
            query = query.bind(review.0.to_string());
        }
        for id in query.fetch_all(&mut *conn).await.map_err(map)? {
            if let Ok(id) = Uuid::parse_str(&id) {
                found.insert(Reference { target, id });
            }
        }
        if target == Target::Record(RecordKind::ChronologyEntry) {
            for id in ids {
                let reference = Reference { target, id };
                if !found.contains(&reference)
                    && crate::submissions::exists(conn, review.0, id).await?
                {
                    found.insert(reference);
                }
            }
        }
    }
    let mut missing: Vec<Reference> = references
        .iter()
        .filter(|r| !found.contains(r))
        .copied()
        .collect();
    missing.dedup();
    Ok(missing)
}

/// Freezes a report version, numbered next in its review by the insert itself.
pub(crate) async fn freeze_report(
    conn: &mut AnyConnection,
    version: &casewindow_store::NewReportVersion,
    change: &Change,
) -> Result<i64, StoreError> {
    let review = version.review_id.0.to_string();
    sqlx::query(
        "INSERT INTO report_versions (id, review_id, number, stage, content, document, docx, pdf, \
         docx_sha256, pdf_sha256, created_at, created_by, fingerprint) \
         SELECT $1, $2, COALESCE(MAX(number), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
         FROM report_versions WHERE review_id = $2",
    )
    .bind(version.id.to_string())
    .bind(review.clone())
    .bind(version.stage.clone())
    .bind(version.text.clone())
    .bind(version.document.clone())
    .bind(version.docx.clone())
    .bind(version.pdf.clone())
    .bind(version.docx_sha256.clone())
    .bind(version.pdf_sha256.clone())
    .bind(millis(change.at))
    .bind(crate::records::user_text(change.actor))
    .bind(version.fingerprint.clone())
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    sqlx::query_scalar("SELECT number FROM report_versions WHERE id = $1")
        .bind(version.id.to_string())
        .fetch_one(conn)
        .await
        .map_err(map)
}

/// A review's report versions, oldest first, without their files.
pub(crate) async fn report_versions(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<casewindow_store::ReportVersion>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, number, stage, content, docx_sha256, pdf_sha256, fingerprint, created_at, \
         created_by \
         FROM report_versions WHERE review_id = $1 ORDER BY number",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id").map_err(map)?;
            let by: Option<String> = row.try_get("created_by").map_err(map)?;
            Ok(casewindow_store::ReportVersion {
                id: Uuid::parse_str(&id).map_err(|e| corrupt("report version", &id, e))?,
                review_id: review,
                number: row.try_get("number").map_err(map)?,
                stage: row.try_get("stage").map_err(map)?,
                text: row.try_get("content").map_err(map)?,
                docx_sha256: row.try_get("docx_sha256").map_err(map)?,
                pdf_sha256: row.try_get("pdf_sha256").map_err(map)?,
                fingerprint: row.try_get("fingerprint").map_err(map)?,
                at: from_millis(
                    "report version",
                    &id,
                    row.try_get("created_at").map_err(map)?,
                )?,
                by: parse_user("report version", &id, by)?,
            })
        })
        .collect()
}

/// A version's Word or PDF file, with its review.
pub(crate) async fn report_version_file(
    conn: &mut AnyConnection,
    id: Uuid,
    format: &str,
) -> Result<Option<(ReviewId, Vec<u8>)>, StoreError> {
    let sql = match format {
        "docx" => "SELECT review_id, docx AS file FROM report_versions WHERE id = $1",
        "pdf" => "SELECT review_id, pdf AS file FROM report_versions WHERE id = $1",
        _ => return Ok(None),
    };
    let row = sqlx::query(sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let review: String = row.try_get("review_id").map_err(map)?;
    let text = id.to_string();
    Ok(Some((
        ReviewId(Uuid::parse_str(&review).map_err(|e| corrupt("report version", &text, e))?),
        row.try_get("file").map_err(map)?,
    )))
}

pub(crate) async fn stage_codebook(
    conn: &mut AnyConnection,
    staged: &casewindow_store::StagedCodebook,
    purge_before: chrono::DateTime<chrono::Utc>,
    change: &Change,
) -> Result<(), StoreError> {
    // Purged after a while, and one per person: a new upload replaces their last.
    sqlx::query("DELETE FROM staged_codebooks WHERE staged_at < $1 OR user_id = $2")
        .bind(millis(purge_before))
        .bind(staged.user_id.0.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    sqlx::query(
        "INSERT INTO staged_codebooks (id, user_id, file_name, bytes, staged_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(staged.id.to_string())
    .bind(staged.user_id.0.to_string())
    .bind(staged.file_name.clone())
    .bind(staged.bytes.clone())
    .bind(millis(staged.staged_at))
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    crate::audit::append(
        conn,
        &crate::audit::for_reference("create", "staged_codebooks", staged.id, change),
    )
    .await
}

pub(crate) async fn staged_codebook(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<casewindow_store::StagedCodebook>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT user_id, file_name, bytes, staged_at FROM staged_codebooks WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(map)?
    else {
        return Ok(None);
    };
    let key = id.to_string();
    let user: String = row.try_get("user_id").map_err(map)?;
    Ok(Some(casewindow_store::StagedCodebook {
        id,
        user_id: casewindow_domain::ids::UserId(
            Uuid::parse_str(&user).map_err(|e| corrupt("staged codebook", &key, e))?,
        ),
        file_name: row.try_get("file_name").map_err(map)?,
        bytes: row.try_get("bytes").map_err(map)?,
        staged_at: from_millis(
            "staged codebook",
            &key,
            row.try_get("staged_at").map_err(map)?,
        )?,
    }))
}

/// Claims a staged codebook of `user`'s: `true` when this call removed it.
pub(crate) async fn claim_codebook(
    conn: &mut AnyConnection,
    id: Uuid,
    user: casewindow_domain::ids::UserId,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM staged_codebooks WHERE id = $1 AND user_id = $2")
        .bind(id.to_string())
        .bind(user.0.to_string())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

const REPORT_COLUMNS: &str =
    "id, file_name, sha256, pages, title, findings, staged_by, staged_at, review_id, imported_at";

fn staged_report_from(
    row: &sqlx::any::AnyRow,
    with_file: bool,
) -> Result<casewindow_store::StagedReport, StoreError> {
    let key: String = row.try_get("id").map_err(map)?;
    let id = Uuid::parse_str(&key).map_err(|e| corrupt("report import", &key, e))?;
    let review: Option<String> = row.try_get("review_id").map_err(map)?;
    let imported_at: Option<i64> = row.try_get("imported_at").map_err(map)?;
    let pages: i64 = row.try_get("pages").map_err(map)?;
    let findings: i64 = row.try_get("findings").map_err(map)?;
    Ok(casewindow_store::StagedReport {
        id,
        file_name: row.try_get("file_name").map_err(map)?,
        sha256: row.try_get("sha256").map_err(map)?,
        pages: u32::try_from(pages).unwrap_or(0),
        bytes: if with_file {
            row.try_get("bytes").map_err(map)?
        } else {
            Vec::new()
        },
        title: row.try_get("title").map_err(map)?,
        findings: u32::try_from(findings).unwrap_or(0),
        proposal: if with_file {
            row.try_get("proposal").map_err(map)?
        } else {
            String::new()
        },
        staged_by: parse_user(
            "report import",
            &key,
            row.try_get("staged_by").map_err(map)?,
        )?,
        staged_at: from_millis(
            "report import",
            &key,
            row.try_get("staged_at").map_err(map)?,
        )?,
        review_id: review
            .map(|r| Uuid::parse_str(&r).map(ReviewId))
            .transpose()
            .map_err(|e| corrupt("report import", &key, e))?,
        imported_at: imported_at
            .map(|at| from_millis("report import", &key, at))
            .transpose()?,
    })
}

/// Keeps an uploaded report unless the same file is kept already: `(id, new)`.
pub(crate) async fn stage_report(
    conn: &mut AnyConnection,
    staged: &casewindow_store::StagedReport,
    change: &Change,
) -> Result<(Uuid, bool), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO report_imports (id, file_name, sha256, pages, bytes, title, findings, proposal, staged_by, staged_at, review_id, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(staged.id.to_string())
    .bind(staged.file_name.clone())
    .bind(staged.sha256.clone())
    .bind(i64::from(staged.pages))
    .bind(staged.bytes.clone())
    .bind(staged.title.clone())
    .bind(i64::from(staged.findings))
    .bind(staged.proposal.clone())
    .bind(user_text(staged.staged_by))
    .bind(millis(staged.staged_at))
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    if inserted.rows_affected() == 1 {
        crate::audit::append(
            conn,
            &crate::audit::for_reference("create", "report_imports", staged.id, change),
        )
        .await?;
        return Ok((staged.id, true));
    }
    let row = sqlx::query("SELECT id FROM report_imports WHERE sha256 = $1")
        .bind(staged.sha256.clone())
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    let key: String = row.try_get("id").map_err(map)?;
    Ok((
        Uuid::parse_str(&key).map_err(|e| corrupt("report import", &key, e))?,
        false,
    ))
}

pub(crate) async fn staged_reports(
    conn: &mut AnyConnection,
) -> Result<Vec<casewindow_store::StagedReport>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM report_imports ORDER BY staged_at DESC, id"
    )))
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter().map(|r| staged_report_from(r, false)).collect()
}

pub(crate) async fn staged_report(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<casewindow_store::StagedReport>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS}, bytes, proposal FROM report_imports WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(map)?;
    row.map(|r| staged_report_from(&r, true)).transpose()
}

/// Claims a kept report for `review`: `true` when this statement set it.
pub(crate) async fn claim_report(
    conn: &mut AnyConnection,
    id: Uuid,
    review: ReviewId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE report_imports SET review_id = $1, imported_at = $2 WHERE id = $3 AND review_id IS NULL",
    )
    .bind(review.0.to_string())
    .bind(millis(at))
    .bind(id.to_string())
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn discard_report(
    conn: &mut AnyConnection,
    id: Uuid,
    change: &Change,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM report_imports WHERE id = $1 AND review_id IS NULL")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    if done.rows_affected() == 1 {
        crate::audit::append(
            conn,
            &crate::audit::for_reference("delete", "report_imports", id, change),
        )
        .await?;
    }
    Ok(done.rows_affected() == 1)
}
