//! Appending to and reading the hash-chained audit trail.

use crate::error::{corrupt, map, uuid_column};
use crate::records::{from_millis, millis, parse_user, user_text};
use casewindow_domain::ids::ReviewId;
use casewindow_store::audit::{AuditEntry, AuditEvent, GENESIS, chain_of, event_hash};
use casewindow_store::{Change, ErasedRecord, RecordKind, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// Takes the lock of the instance's audit chain (events outside any review) for the rest of
/// the transaction: writers of instance-wide state that check something before writing call
/// this first, so two of them cannot both pass the check.
pub(crate) async fn lock_instance_chain(conn: &mut AnyConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_chains SET position = position WHERE chain = ''")
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(())
}

/// Appends the event of a change inside the caller's transaction, and moves the change stamp of
/// its review (or of the instance, for a change outside any review) to it.
pub(crate) async fn append(conn: &mut AnyConnection, entry: &AuditEntry) -> Result<(), StoreError> {
    let seq = append_event(conn, entry).await?;
    sqlx::query(
        "INSERT INTO review_changes (review_id, seq) VALUES ($1, $2) \
         ON CONFLICT (review_id) DO UPDATE SET seq = excluded.seq",
    )
    .bind(stamp_key(entry.review_id))
    .bind(seq)
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    Ok(())
}

/// The key of a review's change stamp; the instance's is empty.
fn stamp_key(review: Option<ReviewId>) -> String {
    review.map(|r| r.0.to_string()).unwrap_or_default()
}

/// The change stamps of a review and of the instance (0 where nothing has changed yet).
pub(crate) async fn change_stamp(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<casewindow_store::ChangeStamp, StoreError> {
    let key = stamp_key(Some(review));
    let rows = sqlx::query(
        "SELECT review_id, seq FROM review_changes WHERE review_id = $1 OR review_id = ''",
    )
    .bind(key.clone())
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    let mut stamp = casewindow_store::ChangeStamp::default();
    for row in rows {
        let id: String = row.try_get("review_id").map_err(map)?;
        let seq: i64 = row.try_get("seq").map_err(map)?;
        if id == key {
            stamp.review = seq;
        } else {
            stamp.instance = seq;
        }
    }
    Ok(stamp)
}

/// The review part of every review's change stamp.
pub(crate) async fn change_stamps(
    conn: &mut AnyConnection,
) -> Result<std::collections::HashMap<ReviewId, i64>, StoreError> {
    let rows = sqlx::query("SELECT review_id, seq FROM review_changes WHERE review_id <> ''")
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
    rows.iter()
        .map(|row| {
            let review = uuid_column(row, "review_id", "change stamp")?;
            Ok((ReviewId(review), row.try_get("seq").map_err(map)?))
        })
        .collect()
}

/// The sum of every change stamp and how many there are.
pub(crate) async fn library_stamp(conn: &mut AnyConnection) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(seq), 0) AS BIGINT) AS total, COUNT(*) AS n FROM review_changes",
    )
    .fetch_one(conn)
    .await
    .map_err(map)?;
    Ok((
        row.try_get("total").map_err(map)?,
        row.try_get("n").map_err(map)?,
    ))
}

/// Appends an event inside the caller's transaction without moving any change stamp (a read,
/// a reveal, a sign-in: nothing changed). Returns its sequence number.
pub(crate) async fn append_event(
    conn: &mut AnyConnection,
    entry: &AuditEntry,
) -> Result<i64, StoreError> {
    append_to_chain(conn, &chain_of(entry), std::slice::from_ref(entry)).await
}

/// Appends events inside the caller's transaction, each to its chain in the order given;
/// returns the last sequence number. Chains are taken in the order of their names, so two
/// batches never wait for each other in a circle.
pub(crate) async fn append_events(
    conn: &mut AnyConnection,
    entries: &[AuditEntry],
) -> Result<i64, StoreError> {
    let mut chains: Vec<String> = entries.iter().map(chain_of).collect();
    chains.sort();
    chains.dedup();
    let mut last = 0;
    for chain in chains {
        let mine: Vec<AuditEntry> = entries
            .iter()
            .filter(|e| chain_of(e) == chain)
            .cloned()
            .collect();
        last = last.max(append_to_chain(conn, &chain, &mine).await?);
    }
    Ok(last)
}

/// Appends events to one chain. Moving the chain's head first takes its row lock until the
/// transaction ends, so every event of the chain follows exactly one predecessor; writers in
/// other reviews, whose chains are other rows, do not wait.
async fn append_to_chain(
    conn: &mut AnyConnection,
    chain: &str,
    entries: &[AuditEntry],
) -> Result<i64, StoreError> {
    let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let head = sqlx::query(
        "INSERT INTO audit_chains (chain, position, hash) VALUES ($1, $2, $3) \
         ON CONFLICT (chain) DO UPDATE SET position = audit_chains.position + excluded.position \
         RETURNING position, hash",
    )
    .bind(chain.to_owned())
    .bind(count)
    .bind(GENESIS)
    .fetch_one(&mut *conn)
    .await
    .map_err(map)?;
    let last_position: i64 = head.try_get("position").map_err(map)?;
    let mut prev_hash: String = head.try_get("hash").map_err(map)?;
    let mut last_seq = 0;
    for (position, entry) in (last_position - count + 1..).zip(entries) {
        let hash = event_hash(position, entry, &prev_hash);
        last_seq = sqlx::query_scalar(
            "INSERT INTO audit_events (chain, position, at, actor, review_id, action, entity, entity_id, reason, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq",
        )
        .bind(chain.to_owned())
        .bind(position)
        .bind(millis(entry.at))
        .bind(user_text(entry.actor))
        .bind(entry.review_id.map(|r| r.0.to_string()))
        .bind(entry.action.clone())
        .bind(entry.entity.clone())
        .bind(entry.entity_id.clone())
        .bind(entry.reason.clone())
        .bind(std::mem::take(&mut prev_hash))
        .bind(hash.clone())
        .fetch_one(&mut *conn)
        .await
        .map_err(map)?;
        prev_hash = hash;
    }
    sqlx::query("UPDATE audit_chains SET hash = $1 WHERE chain = $2")
        .bind(prev_hash)
        .bind(chain.to_owned())
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(last_seq)
}

/// The entry for a change to a record.
pub(crate) fn for_record(action: &str, record: &ErasedRecord, change: &Change) -> AuditEntry {
    let review = match record.kind {
        RecordKind::Review => Some(record.id),
        RecordKind::RecurrentIssue => None,
        _ => record.scope,
    };
    AuditEntry {
        at: change.at,
        actor: change.actor,
        review_id: review.map(ReviewId),
        action: action.to_owned(),
        entity: record.kind.table().to_owned(),
        entity_id: record.id.to_string(),
        reason: change.reason.clone(),
    }
}

/// The entry for a change to reference data (partnerships, agencies, users, accounts).
pub(crate) fn for_reference(action: &str, entity: &str, id: Uuid, change: &Change) -> AuditEntry {
    AuditEntry {
        at: change.at,
        actor: change.actor,
        review_id: None,
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: id.to_string(),
        reason: change.reason.clone(),
    }
}

fn read(row: &AnyRow) -> Result<AuditEvent, StoreError> {
    let seq: i64 = row.try_get("seq").map_err(map)?;
    let label = seq.to_string();
    let review: Option<String> = row.try_get("review_id").map_err(map)?;
    Ok(AuditEvent {
        seq,
        chain: row.try_get("chain").map_err(map)?,
        position: row.try_get("position").map_err(map)?,
        entry: AuditEntry {
            at: from_millis("audit event", &label, row.try_get("at").map_err(map)?)?,
            actor: parse_user("audit event", &label, row.try_get("actor").map_err(map)?)?,
            review_id: review
                .map(|r| {
                    Uuid::parse_str(&r)
                        .map(ReviewId)
                        .map_err(|e| corrupt("audit event", &label, e))
                })
                .transpose()?,
            action: row.try_get("action").map_err(map)?,
            entity: row.try_get("entity").map_err(map)?,
            entity_id: row.try_get("entity_id").map_err(map)?,
            reason: row.try_get("reason").map_err(map)?,
        },
        prev_hash: row.try_get("prev_hash").map_err(map)?,
        hash: row.try_get("hash").map_err(map)?,
    })
}

const COLUMNS: &str = "seq, chain, position, at, actor, review_id, action, entity, entity_id, reason, prev_hash, hash";

/// A review's events, newest first.
pub(crate) async fn for_review(
    conn: &mut AnyConnection,
    review: ReviewId,
    limit: usize,
) -> Result<Vec<AuditEvent>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE review_id = $1 ORDER BY seq DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(review.0.to_string())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
    rows.iter().map(read).collect()
}

/// Checks every chain against its head.
pub(crate) async fn verify(conn: &mut AnyConnection) -> Result<Result<usize, String>, StoreError> {
    let mut heads = std::collections::BTreeMap::new();
    for row in sqlx::query("SELECT chain, position, hash FROM audit_chains")
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?
    {
        let chain: String = row.try_get("chain").map_err(map)?;
        let position: i64 = row.try_get("position").map_err(map)?;
        let hash: String = row.try_get("hash").map_err(map)?;
        heads.insert(chain, (position, hash));
    }
    if !heads.contains_key("") {
        return Ok(Err(
            "the record of the instance's trail's end is missing".to_owned()
        ));
    }
    let sql = format!("SELECT {COLUMNS} FROM audit_events");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
    let mut events: Vec<AuditEvent> = rows.iter().map(read).collect::<Result<_, _>>()?;
    // Ordered here, by the bytes of the chain's name, as the heads are (a database collation
    // might order names differently).
    events.sort_by(|a, b| (&a.chain, a.position).cmp(&(&b.chain, b.position)));
    Ok(casewindow_store::audit::verify_chains(&heads, &events))
}
