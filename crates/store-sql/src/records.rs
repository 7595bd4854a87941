//! Generic SQL for versioned records: insert, optimistic update with a kept revision, fetch,
//! list, and the many-to-many link tables. Table and column names come only from the closed
//! [`RecordKind`] description, never from input, so building SQL text here is safe.

use crate::error::{corrupt, map};
use casewindow_domain::ids::UserId;
use casewindow_store::{
    Change, ColumnValue, ErasedRecord, LinkKind, RecordKind, RecordMeta, Revision, StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

type AnyQuery = Query<'static, Any, AnyArguments>;

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(
    kind: &'static str,
    id: &str,
    ms: i64,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| corrupt(kind, id, format!("timestamp {ms} is out of range")))
}

pub(crate) fn user_text(user: Option<UserId>) -> Option<String> {
    user.map(|u| u.0.to_string())
}

pub(crate) fn parse_user(
    kind: &'static str,
    id: &str,
    text: Option<String>,
) -> Result<Option<UserId>, StoreError> {
    text.map(|t| {
        Uuid::parse_str(&t)
            .map(UserId)
            .map_err(|e| corrupt(kind, id, e))
    })
    .transpose()
}

fn bind_column(query: AnyQuery, value: &ColumnValue) -> AnyQuery {
    match value {
        ColumnValue::Text(text) => query.bind(text.clone()),
        ColumnValue::Int(int) => query.bind(*int),
    }
}

fn check_columns(record: &ErasedRecord) -> Result<(), StoreError> {
    let expected = record.kind.columns().len();
    if record.columns.len() != expected
        || record.scope.is_some() != record.kind.scope_column().is_some()
    {
        return Err(StoreError::Integrity(format!(
            "{} {} has {} column values for {expected} columns",
            record.kind,
            record.id,
            record.columns.len()
        )));
    }
    Ok(())
}

/// Inserts a record with the version and authorship in its metadata.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    record: &ErasedRecord,
) -> Result<(), StoreError> {
    insert_many(conn, std::slice::from_ref(record), &|_| {}).await
}

/// Bind parameters per statement. Measured: statements with tens of thousands of parameters
/// cost far more per row through the driver than several of about a thousand (10,000 entries:
/// 12 s at 30,000, 2.5 s at 4,000, 2.0 s at 999, 3.4 s at 250; debug build).
const MAX_BINDS: usize = 999;

/// Inserts records of one kind with multi-row statements (a bulk import of thousands of rows
/// costs a few statements, not one round trip each).
pub(crate) async fn insert_many(
    conn: &mut AnyConnection,
    records: &[ErasedRecord],
    progress: casewindow_store::Progress<'_>,
) -> Result<(), StoreError> {
    let Some(first) = records.first() else {
        return Ok(());
    };
    let kind = first.kind;
    for record in records {
        check_columns(record)?;
        if record.kind != kind {
            return Err(StoreError::Integrity(format!(
                "{} {} in a batch of {kind}",
                record.kind, record.id
            )));
        }
    }
    let mut names = vec!["id"];
    names.extend(kind.scope_column());
    names.extend([
        "sort_key",
        "version",
        "body",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]);
    names.extend(kind.columns());
    let width = names.len();
    // SQLite looks each numbered parameter up by name in a list, so binding n numbered
    // parameters costs n² (measured: most of a 100,000-row import); its anonymous `?` costs
    // nothing to look up. PostgreSQL needs the numbers.
    let anonymous = conn.backend_name() == "SQLite";
    let mut stored = 0;
    for chunk in records.chunks((MAX_BINDS / width).max(1)) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let cells: Vec<String> = (1..=width)
                    .map(|c| {
                        if anonymous {
                            "?".to_owned()
                        } else {
                            format!("${}", r * width + c)
                        }
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            kind.table(),
            names.join(", "),
            rows.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for record in chunk {
            query = query.bind(record.id.to_string());
            if let Some(scope) = record.scope {
                query = query.bind(scope.to_string());
            }
            let meta = &record.meta;
            query = query
                .bind(record.sort_key.clone())
                .bind(meta.version)
                .bind(record.body.clone())
                .bind(millis(meta.created_at))
                .bind(user_text(meta.created_by))
                .bind(millis(meta.updated_at))
                .bind(user_text(meta.updated_by));
            for value in &record.columns {
                query = bind_column(query, value);
            }
        }
        query.execute(&mut *conn).await.map_err(map)?;
        stored += chunk.len();
        progress(stored);
    }
    for record in records {
        insert_links(conn, record.id, &record.links).await?;
    }
    Ok(())
}

/// Replaces a record still at `expected_version`, keeping the prior body as a revision.
/// Returns the new metadata.
pub(crate) async fn update(
    conn: &mut AnyConnection,
    record: &ErasedRecord,
    expected_version: i64,
    change: &Change,
) -> Result<RecordMeta, StoreError> {
    check_columns(record)?;
    let kind = record.kind;
    let id = record.id.to_string();
    // Claim the row first. The no-op update takes the row's write lock (PostgreSQL) or the
    // database's (SQLite); a concurrent writer that got there first makes this match nothing,
    // after waiting for it to commit, so exactly one of several writers from one version wins.
    let claim = format!(
        "UPDATE {} SET version = version WHERE id = $1 AND version = $2",
        kind.table()
    );
    let claimed = sqlx::query(AssertSqlSafe(claim))
        .bind(id.clone())
        .bind(expected_version)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    if claimed.rows_affected() == 0 {
        return Err(match current_version(conn, kind, &id).await? {
            Some(actual) => StoreError::Conflict {
                kind,
                id,
                expected: expected_version,
                actual,
            },
            None => StoreError::NotFound {
                kind: kind.label(),
                id,
            },
        });
    }
    // Keep the prior version: the row is ours until the transaction ends.
    let keep = format!(
        "INSERT INTO revisions (table_name, record_id, version, body, replaced_at, replaced_by, reason) \
         SELECT $1, id, version, body, $2, $3, $4 FROM {} WHERE id = $5 AND version = $6",
        kind.table()
    );
    let kept = sqlx::query(AssertSqlSafe(keep))
        .bind(kind.table())
        .bind(millis(change.at))
        .bind(user_text(change.actor))
        .bind(change.reason.clone())
        .bind(id.clone())
        .bind(expected_version)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    if kept.rows_affected() == 0 {
        return Err(match current_version(conn, kind, &id).await? {
            Some(actual) => StoreError::Conflict {
                kind,
                id,
                expected: expected_version,
                actual,
            },
            None => StoreError::NotFound {
                kind: kind.label(),
                id,
            },
        });
    }
    let mut sets = vec![
        "sort_key = $1".to_owned(),
        "version = $2".to_owned(),
        "body = $3".to_owned(),
        "updated_at = $4".to_owned(),
        "updated_by = $5".to_owned(),
    ];
    for (idx, column) in kind.columns().iter().enumerate() {
        sets.push(format!("{column} = ${}", idx + 6));
    }
    let next = kind.columns().len() + 6;
    let mut sql = format!(
        "UPDATE {} SET {} WHERE id = ${next} AND version = ${}",
        kind.table(),
        sets.join(", "),
        next + 1
    );
    if let Some(scope_column) = kind.scope_column() {
        sql.push_str(&format!(" AND {scope_column} = ${}", next + 2));
    }
    sql.push_str(" RETURNING created_at, created_by");
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(record.sort_key.clone())
        .bind(expected_version + 1)
        .bind(record.body.clone())
        .bind(millis(change.at))
        .bind(user_text(change.actor));
    for value in &record.columns {
        query = bind_column(query, value);
    }
    query = query.bind(id.clone()).bind(expected_version);
    if let Some(scope) = record.scope {
        query = query.bind(scope.to_string());
    }
    let row = query
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?
        .ok_or_else(|| {
            StoreError::Integrity(format!(
                "{kind} {id} cannot be moved to another review or partnership"
            ))
        })?;
    delete_links(conn, record.id, kind).await?;
    insert_links(conn, record.id, &record.links).await?;
    Ok(RecordMeta {
        version: expected_version + 1,
        created_at: from_millis(kind.label(), &id, row.try_get("created_at").map_err(map)?)?,
        created_by: parse_user(kind.label(), &id, row.try_get("created_by").map_err(map)?)?,
        updated_at: change.at,
        updated_by: change.actor,
    })
}

async fn current_version(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: &str,
) -> Result<Option<i64>, StoreError> {
    let sql = format!("SELECT version FROM {} WHERE id = $1", kind.table());
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_owned())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?;
    row.map(|r| r.try_get::<i64, _>("version").map_err(map))
        .transpose()
}

fn link_table(link: LinkKind) -> (&'static str, &'static str, &'static str) {
    match link {
        LinkKind::FindingKpe => ("finding_kpes", "finding_id", "kpe_id"),
        LinkKind::FindingIssue => ("finding_issues", "finding_id", "issue_id"),
    }
}

fn links_of(kind: RecordKind) -> &'static [LinkKind] {
    match kind {
        RecordKind::Finding => &[LinkKind::FindingKpe, LinkKind::FindingIssue],
        _ => &[],
    }
}

async fn insert_links(
    conn: &mut AnyConnection,
    from: Uuid,
    links: &[(LinkKind, Uuid)],
) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    for (link, to) in links {
        if !seen.insert((*link, *to)) {
            continue;
        }
        let (table, from_column, to_column) = link_table(*link);
        let sql = format!("INSERT INTO {table} ({from_column}, {to_column}) VALUES ($1, $2)");
        sqlx::query(AssertSqlSafe(sql))
            .bind(from.to_string())
            .bind(to.to_string())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    }
    Ok(())
}

async fn delete_links(
    conn: &mut AnyConnection,
    from: Uuid,
    kind: RecordKind,
) -> Result<(), StoreError> {
    for link in links_of(kind) {
        let (table, from_column, _) = link_table(*link);
        let sql = format!("DELETE FROM {table} WHERE {from_column} = $1");
        sqlx::query(AssertSqlSafe(sql))
            .bind(from.to_string())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
    }
    Ok(())
}

pub(crate) const SELECT_COLUMNS: &str =
    "id, body, version, created_at, created_by, updated_at, updated_by";

pub(crate) fn read_row(kind: RecordKind, row: &AnyRow) -> Result<(String, RecordMeta), StoreError> {
    let id: String = row.try_get("id").map_err(map)?;
    let label = kind.label();
    let meta = RecordMeta {
        version: row.try_get("version").map_err(map)?,
        created_at: from_millis(label, &id, row.try_get("created_at").map_err(map)?)?,
        created_by: parse_user(label, &id, row.try_get("created_by").map_err(map)?)?,
        updated_at: from_millis(label, &id, row.try_get("updated_at").map_err(map)?)?,
        updated_by: parse_user(label, &id, row.try_get("updated_by").map_err(map)?)?,
    };
    Ok((row.try_get("body").map_err(map)?, meta))
}

/// The stored body and metadata of one record.
pub(crate) async fn fetch(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: Uuid,
) -> Result<(String, RecordMeta), StoreError> {
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM {} WHERE id = $1",
        kind.table()
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?;
    let row = row.ok_or_else(|| StoreError::NotFound {
        kind: kind.label(),
        id: id.to_string(),
    })?;
    read_row(kind, &row)
}

/// Bodies and metadata of every record of a kind in a scope (or in every scope), in order.
pub(crate) async fn list(
    conn: &mut AnyConnection,
    kind: RecordKind,
    scope: Option<Uuid>,
) -> Result<Vec<(String, RecordMeta)>, StoreError> {
    let rows = match (scope, kind.scope_column()) {
        (Some(scope), Some(column)) => {
            let sql = format!(
                "SELECT {SELECT_COLUMNS} FROM {} WHERE {column} = $1 ORDER BY sort_key, id",
                kind.table()
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(scope.to_string())
                .fetch_all(&mut *conn)
                .await
        }
        _ => {
            let sql = format!(
                "SELECT {SELECT_COLUMNS} FROM {} ORDER BY sort_key, id",
                kind.table()
            );
            sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *conn).await
        }
    }
    .map_err(map)?;
    rows.iter().map(|row| read_row(kind, row)).collect()
}

/// Records of a kind whose typed `column` equals `value`, in order. `column` must be one of
/// the kind's declared columns.
pub(crate) async fn list_by(
    conn: &mut AnyConnection,
    kind: RecordKind,
    column: &'static str,
    value: &str,
) -> Result<Vec<(String, RecordMeta)>, StoreError> {
    if !kind.columns().contains(&column) {
        return Err(StoreError::Integrity(format!(
            "{kind} has no column {column}"
        )));
    }
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM {} WHERE {column} = $1 ORDER BY sort_key, id",
        kind.table()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(value.to_owned())
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
    rows.iter().map(|row| read_row(kind, row)).collect()
}

/// How many records of a kind a scope holds.
pub(crate) async fn count(
    conn: &mut AnyConnection,
    kind: RecordKind,
    scope: Uuid,
) -> Result<usize, StoreError> {
    let Some(column) = kind.scope_column() else {
        return Err(StoreError::Integrity(format!("{kind} has no scope")));
    };
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {} WHERE {column} = $1",
        kind.table()
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(scope.to_string())
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    let n: i64 = row.try_get("n").map_err(map)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Prior versions of a record, oldest first.
pub(crate) async fn revisions(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: Uuid,
) -> Result<Vec<Revision>, StoreError> {
    let rows = sqlx::query(
        "SELECT version, body, replaced_at, replaced_by, reason FROM revisions \
         WHERE table_name = $1 AND record_id = $2 ORDER BY version",
    )
    .bind(kind.table())
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    let id = id.to_string();
    rows.iter()
        .map(|row| {
            Ok(Revision {
                version: row.try_get("version").map_err(map)?,
                body: row.try_get("body").map_err(map)?,
                replaced_at: from_millis(
                    kind.label(),
                    &id,
                    row.try_get("replaced_at").map_err(map)?,
                )?,
                replaced_by: parse_user(
                    kind.label(),
                    &id,
                    row.try_get("replaced_by").map_err(map)?,
                )?,
                reason: row.try_get("reason").map_err(map)?,
            })
        })
        .collect()
}

/// Stores a revision as given (used when importing a review with its history).
pub(crate) async fn insert_revision(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: Uuid,
    revision: &Revision,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO revisions (table_name, record_id, version, body, replaced_at, replaced_by, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kind.table())
    .bind(id.to_string())
    .bind(revision.version)
    .bind(revision.body.clone())
    .bind(millis(revision.replaced_at))
    .bind(user_text(revision.replaced_by))
    .bind(revision.reason.clone())
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    Ok(())
}

/// A list as one JSON array of `[id, version, created_at, created_by, updated_at, updated_by,
/// body]` arrays, built by the database. One row instead of one per record: the driver's
/// per-row cost dominated long lists.
pub(crate) async fn list_json(
    conn: &mut AnyConnection,
    backend: casewindow_store::Backend,
    kind: RecordKind,
    scope: Uuid,
) -> Result<String, StoreError> {
    let Some(column) = kind.scope_column() else {
        return Err(StoreError::Integrity(format!("{kind} has no scope")));
    };
    let table = kind.table();
    // Bodies are JSON written by casewindow itself, so the array is built by concatenation
    // rather than re-parsed by the database's JSON functions; ids are UUIDs and need no escaping.
    let element = "'[\"' || id || '\",' || version || ',' || created_at || ',' || \
                   COALESCE('\"' || created_by || '\"', 'null') || ',' || updated_at || ',' || \
                   COALESCE('\"' || updated_by || '\"', 'null') || ',' || body || ']'";
    let sql = match backend {
        casewindow_store::Backend::Sqlite => format!(
            "SELECT COALESCE('[' || group_concat(element, ',') || ']', '[]') AS rows FROM \
             (SELECT {element} AS element FROM {table} WHERE {column} = $1 ORDER BY sort_key, id)"
        ),
        casewindow_store::Backend::Postgres => format!(
            "SELECT COALESCE('[' || string_agg({element}, ',' ORDER BY sort_key, id) || ']', '[]') AS rows \
             FROM {table} WHERE {column} = $1"
        ),
    };
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(scope.to_string())
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
    row.try_get("rows").map_err(map)
}
