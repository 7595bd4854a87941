//! What one server works out from the library and every other server may use instead of
//! working it out again: candidate issues found for a set of readable reviews, and sentence
//! embeddings by model and text.

use crate::across::expand;
use crate::error::{corrupt, map, uuid_column};
use crate::records::{from_millis, millis};
use casewindow_domain::ids::UserId;
use casewindow_store::{Backend, Change, FoundCandidates, StoreError, ThematicVersion};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

pub(crate) async fn found_candidates(
    conn: &mut AnyConnection,
    reader: &str,
) -> Result<Option<FoundCandidates>, StoreError> {
    let row = sqlx::query(
        "SELECT stamp_total, stamp_count, at, body FROM candidate_runs WHERE reader = $1",
    )
    .bind(reader)
    .fetch_optional(conn)
    .await
    .map_err(map)?;
    row.map(|row| {
        Ok(FoundCandidates {
            reader: reader.to_owned(),
            stamp: (
                row.try_get("stamp_total").map_err(map)?,
                row.try_get("stamp_count").map_err(map)?,
            ),
            at: from_millis("candidate issues", reader, row.try_get("at").map_err(map)?)?,
            body: row.try_get("body").map_err(map)?,
        })
    })
    .transpose()
}

/// A library stamp only grows (change stamps only move forward and are never removed), so the
/// later of two finds is the one with the larger stamp.
pub(crate) async fn keep_candidates(
    conn: &mut AnyConnection,
    found: &FoundCandidates,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO candidate_runs (reader, stamp_total, stamp_count, at, body) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (reader) DO UPDATE SET stamp_total = excluded.stamp_total, \
         stamp_count = excluded.stamp_count, at = excluded.at, body = excluded.body \
         WHERE candidate_runs.stamp_total < excluded.stamp_total \
         OR (candidate_runs.stamp_total = excluded.stamp_total \
         AND candidate_runs.stamp_count <= excluded.stamp_count)",
    )
    .bind(&found.reader)
    .bind(found.stamp.0)
    .bind(found.stamp.1)
    .bind(millis(found.at))
    .bind(&found.body)
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

pub(crate) async fn embeddings(
    conn: &mut AnyConnection,
    backend: Backend,
    model: &str,
    hashes: &[String],
) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT text_hash, vector FROM embeddings WHERE model = $1 AND text_hash IN ({})",
        expand(backend, "$2")
    );
    let wanted = serde_json::to_string(hashes).map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(model)
        .bind(wanted)
        .fetch_all(conn)
        .await
        .map_err(map)?;
    rows.into_iter()
        .map(|row| {
            let hash: String = row.try_get("text_hash").map_err(map)?;
            let bytes: Vec<u8> = row.try_get("vector").map_err(map)?;
            let vector = unpack(&bytes).ok_or_else(|| {
                corrupt(
                    "embedding",
                    &hash,
                    format!("{} bytes is not a whole number of floats", bytes.len()),
                )
            })?;
            Ok((hash, vector))
        })
        .collect()
}

pub(crate) async fn keep_embeddings(
    conn: &mut AnyConnection,
    model: &str,
    vectors: &[(String, Vec<f32>)],
) -> Result<(), StoreError> {
    for (hash, vector) in vectors {
        sqlx::query(
            "INSERT INTO embeddings (model, text_hash, vector) VALUES ($1, $2, $3) \
             ON CONFLICT (model, text_hash) DO NOTHING",
        )
        .bind(model)
        .bind(hash)
        .bind(pack(vector))
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    }
    Ok(())
}

/// A vector as little-endian 32-bit floats.
fn pack(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn unpack(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

pub(crate) async fn keep_thematic(
    conn: &mut AnyConnection,
    version: &ThematicVersion,
    change: &Change,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO thematic_versions \
         (id, made_at, made_by, audience, scope, library_state, analysis) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(version.id.to_string())
    .bind(millis(version.made_at))
    .bind(version.made_by.map(|u| u.0.to_string()))
    .bind(&version.audience)
    .bind(&version.scope)
    .bind(&version.library_state)
    .bind(&version.analysis)
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    crate::audit::append_event(
        conn,
        &crate::audit::for_reference("create", "thematic_versions", version.id, change),
    )
    .await
    .map(|_| ())
}

const THEMATIC: &str = "id, made_at, made_by, audience, scope, library_state, analysis";

fn thematic_from(row: &AnyRow) -> Result<ThematicVersion, StoreError> {
    let id = uuid_column(row, "id", "thematic analysis")?;
    let label = id.to_string();
    let made_by: Option<String> = row.try_get("made_by").map_err(map)?;
    Ok(ThematicVersion {
        id,
        made_at: from_millis(
            "thematic analysis",
            &label,
            row.try_get("made_at").map_err(map)?,
        )?,
        made_by: made_by
            .map(|u| {
                Uuid::parse_str(&u)
                    .map(UserId)
                    .map_err(|e| corrupt("thematic analysis", &label, e))
            })
            .transpose()?,
        audience: row.try_get("audience").map_err(map)?,
        scope: row.try_get("scope").map_err(map)?,
        library_state: row.try_get("library_state").map_err(map)?,
        analysis: row.try_get("analysis").map_err(map)?,
    })
}

pub(crate) async fn thematic_versions(
    conn: &mut AnyConnection,
    audience: &str,
    limit: usize,
) -> Result<Vec<ThematicVersion>, StoreError> {
    let sql = format!(
        "SELECT {THEMATIC} FROM thematic_versions WHERE audience = $1 \
         ORDER BY made_at DESC, id LIMIT $2"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(audience)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await
        .map_err(map)?;
    rows.iter().map(thematic_from).collect()
}

pub(crate) async fn thematic_version(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<ThematicVersion>, StoreError> {
    let sql = format!("SELECT {THEMATIC} FROM thematic_versions WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    row.as_ref().map(thematic_from).transpose()
}

#[cfg(test)]
mod tests {
    #[test]
    fn vectors_read_back_as_written() {
        let v = vec![0.0, -1.5, f32::MIN_POSITIVE, 3.25e7];
        assert_eq!(super::unpack(&super::pack(&v)), Some(v));
        assert_eq!(super::unpack(&[1, 2, 3]), None);
    }
}
