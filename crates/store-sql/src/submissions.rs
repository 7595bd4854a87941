//! Imported chronology submissions kept as one block each (migration
//! `20261205000000_chronology_submissions.sql`): the block's format, the blocks of a review and
//! the one holding an entry, and how block entries sit among the rows of `chronology_entries`.
//!
//! Entry `i` of the submission imported as `import` has the id
//! [`casewindow_store::entry_id`]`(import, i)`, so every id of a submission starts with the
//! import's `entry_prefix`. A row in `chronology_entries` with the same id (an imported entry a
//! reviewer has edited) takes the block's place for that entry. A replaced submission's block
//! stays as its history.

use crate::error::{corrupt, map};
use crate::records::{self, from_millis, parse_user};
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_store::{
    Record, RecordMeta, Revision, SUBMISSION_PREFIX_LEN, StoreError, Stored, entry_id,
};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row as _};
use std::collections::HashSet;
use uuid::Uuid;

/// The block's first byte: its format. Format 1 is the length of the entries' JSON array
/// (4 bytes, little-endian) and the array compressed as one LZ4 block.
const FORMAT: u8 = 1;

const KIND: &str = "chronology submission";

/// The block holding `entries` (a JSON array of their bodies, each exactly as a row's body).
pub(crate) fn pack(entries: &[ChronologyEntry]) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(entries).map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    let length = u32::try_from(json.len()).map_err(|_| {
        StoreError::Integrity(format!(
            "a submission of {} bytes is larger than a block holds",
            json.len()
        ))
    })?;
    let mut block = vec![0u8; 5 + lz4_flex::block::get_maximum_output_size(json.len())];
    block[0] = FORMAT;
    block[1..5].copy_from_slice(&length.to_le_bytes());
    let written = lz4_flex::block::compress_into(&json, &mut block[5..])
        .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    block.truncate(5 + written);
    Ok(block)
}

/// The entries of a block, in order.
pub(crate) fn unpack<R: DeserializeOwned>(
    import: &str,
    block: &[u8],
) -> Result<Vec<R>, StoreError> {
    let bad = |reason: String| corrupt(KIND, import, reason);
    let Some((&FORMAT, rest)) = block.split_first() else {
        return Err(bad("the entries are in an unknown block format".to_owned()));
    };
    let json = lz4_flex::block::decompress_size_prepended(rest)
        .map_err(|e| bad(format!("the entries cannot be decompressed: {e}")))?;
    serde_json::from_slice(&json).map_err(|e| bad(format!("the entries cannot be read: {e}")))
}

/// One submission's block and what its entries share.
pub(crate) struct Block {
    pub import: String,
    pub entries: i64,
    /// Every entry of the block was created (and last changed) by its import.
    pub meta: RecordMeta,
    pub replaced_by: Option<String>,
    pub body: Vec<u8>,
}

impl Block {
    fn read(row: &AnyRow) -> Result<Self, StoreError> {
        let import: String = row.try_get("id").map_err(map)?;
        let at = from_millis(KIND, &import, row.try_get("imported_at").map_err(map)?)?;
        let by = parse_user(KIND, &import, row.try_get("imported_by").map_err(map)?)?;
        Ok(Self {
            entries: row.try_get("entries").map_err(map)?,
            meta: RecordMeta {
                version: 1,
                created_at: at,
                created_by: by,
                updated_at: at,
                updated_by: by,
            },
            replaced_by: row.try_get("replaced_by").map_err(map)?,
            body: row.try_get("entries_body").map_err(map)?,
            import,
        })
    }

    /// The block's entries with their metadata, leaving out those in `skip`.
    fn stored<R: Record>(&self, skip: &HashSet<Uuid>) -> Result<Vec<Stored<R>>, StoreError> {
        Ok(unpack::<R>(&self.import, &self.body)?
            .into_iter()
            .filter(|record| !skip.contains(&record.id()))
            .map(|record| Stored {
                record,
                meta: self.meta.clone(),
            })
            .collect())
    }
}

const BLOCK_COLUMNS: &str = "id, entries, imported_at, imported_by, replaced_by, entries_body";

/// The prefix of an entry id that names its submission.
fn prefix_of(id: Uuid) -> String {
    let mut text = id.hyphenated().to_string();
    text.truncate(SUBMISSION_PREFIX_LEN);
    text
}

/// The current submissions kept as blocks, in one review or in all.
async fn current(conn: &mut AnyConnection, review: Option<Uuid>) -> Result<Vec<Block>, StoreError> {
    let mut sql = format!(
        "SELECT {BLOCK_COLUMNS} FROM chronology_imports \
         WHERE entries_body IS NOT NULL AND replaced_by IS NULL"
    );
    if review.is_some() {
        sql.push_str(" AND review_id = $1");
    }
    sql.push_str(" ORDER BY id");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(review) = review {
        query = query.bind(review.to_string());
    }
    let rows = query.fetch_all(&mut *conn).await.map_err(map)?;
    rows.iter().map(Block::read).collect()
}

/// Ids of rows that take the place of an entry in a current block (of one review or of all).
async fn overridden(
    conn: &mut AnyConnection,
    review: Option<Uuid>,
) -> Result<HashSet<Uuid>, StoreError> {
    let current = "SELECT entry_prefix FROM chronology_imports \
                   WHERE entry_prefix IS NOT NULL AND replaced_by IS NULL";
    let sql = match review {
        Some(_) => format!(
            "SELECT id FROM chronology_entries WHERE review_id = $1 \
             AND substr(id, 1, {SUBMISSION_PREFIX_LEN}) IN ({current} AND review_id = $2)"
        ),
        None => format!(
            "SELECT id FROM chronology_entries \
             WHERE substr(id, 1, {SUBMISSION_PREFIX_LEN}) IN ({current})"
        ),
    };
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(review) = review {
        query = query.bind(review.to_string()).bind(review.to_string());
    }
    let rows = query.fetch_all(&mut *conn).await.map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id").map_err(map)?;
            Uuid::parse_str(&id).map_err(|e| corrupt("chronology entry", &id, e))
        })
        .collect()
}

/// The entries of the current blocks (of one review, or of all) that have no row of their own.
pub(crate) async fn entries<R: Record>(
    conn: &mut AnyConnection,
    review: Option<Uuid>,
) -> Result<Vec<Stored<R>>, StoreError> {
    let blocks = current(conn, review).await?;
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let skip = overridden(conn, review).await?;
    let mut all = Vec::new();
    for block in &blocks {
        all.extend(block.stored::<R>(&skip)?);
    }
    Ok(all)
}

/// How many entries a review's current blocks add to its rows.
pub(crate) async fn count(conn: &mut AnyConnection, review: Uuid) -> Result<usize, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(entries), 0) AS BIGINT) AS n FROM chronology_imports \
         WHERE review_id = $1 AND entries_body IS NOT NULL AND replaced_by IS NULL",
    )
    .bind(review.to_string())
    .fetch_one(&mut *conn)
    .await
    .map_err(map)?;
    let in_blocks: i64 = row.try_get("n").map_err(map)?;
    let in_blocks = usize::try_from(in_blocks).unwrap_or(0);
    if in_blocks == 0 {
        return Ok(0);
    }
    Ok(in_blocks.saturating_sub(overridden(conn, Some(review)).await?.len()))
}

/// The block whose submission `id` belongs to, current or replaced, and the entry's index in it.
async fn holding(conn: &mut AnyConnection, id: Uuid) -> Result<Option<(Block, usize)>, StoreError> {
    let sql = format!("SELECT {BLOCK_COLUMNS} FROM chronology_imports WHERE entry_prefix = $1");
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(prefix_of(id))
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?
    else {
        return Ok(None);
    };
    let block = Block::read(&row)?;
    let index = u32::from_be_bytes([
        id.as_bytes()[12],
        id.as_bytes()[13],
        id.as_bytes()[14],
        id.as_bytes()[15],
    ]);
    let import = Uuid::parse_str(&block.import).map_err(|e| corrupt(KIND, &block.import, e))?;
    let in_range = i64::from(index) < block.entries;
    if !in_range || entry_id(import, index).0 != id {
        return Ok(None);
    }
    Ok(Some((block, index as usize)))
}

/// The entry `id` of a current block, as it was imported.
pub(crate) async fn entry<R: Record>(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Stored<R>>, StoreError> {
    let Some((block, index)) = holding(conn, id).await? else {
        return Ok(None);
    };
    if block.replaced_by.is_some() {
        return Ok(None);
    }
    let record = unpack::<R>(&block.import, &block.body)?
        .into_iter()
        .nth(index)
        .filter(|record| record.id() == id)
        .ok_or_else(|| corrupt(KIND, &block.import, format!("entry {index} is not {id}")))?;
    Ok(Some(Stored {
        record,
        meta: block.meta,
    }))
}

/// Gives an entry of a current block a row of its own (as imported, version 1), so that it can
/// be changed like any record; nothing when it has one already or is not in a block.
pub(crate) async fn materialise(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    let has_row = sqlx::query("SELECT 1 AS one FROM chronology_entries WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?
        .is_some();
    if has_row {
        return Ok(());
    }
    if let Some(stored) = entry::<ChronologyEntry>(conn, id).await? {
        let erased = stored
            .record
            .erase(stored.meta)
            .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
        records::insert(conn, &erased).await?;
    }
    Ok(())
}

/// Whether a review holds the entry, as a row or in a current block.
pub(crate) async fn exists(
    conn: &mut AnyConnection,
    review: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT 1 AS one FROM chronology_entries WHERE id = $1 AND review_id = $2")
            .bind(id.to_string())
            .bind(review.to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(map)?;
    if row.is_some() {
        return Ok(true);
    }
    let sql = "SELECT 1 AS one FROM chronology_imports WHERE entry_prefix = $1 AND review_id = $2 \
               AND replaced_by IS NULL";
    let in_review = sqlx::query(sql)
        .bind(prefix_of(id))
        .bind(review.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?
        .is_some();
    Ok(in_review && holding(conn, id).await?.is_some())
}

/// The version an entry of a replaced block had, kept as its history: the block's entry with
/// the replacing import as who replaced it, when and why. `None` when the entry is not in a
/// replaced block.
pub(crate) async fn replaced_revision(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Revision>, StoreError> {
    let Some((block, index)) = holding(conn, id).await? else {
        return Ok(None);
    };
    let Some(by) = &block.replaced_by else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT file_name, imported_at, imported_by FROM chronology_imports WHERE id = $1",
    )
    .bind(by.clone())
    .fetch_one(&mut *conn)
    .await
    .map_err(map)?;
    let file_name: String = row.try_get("file_name").map_err(map)?;
    let entry = unpack::<ChronologyEntry>(&block.import, &block.body)?
        .into_iter()
        .nth(index)
        .ok_or_else(|| corrupt(KIND, &block.import, format!("entry {index} is missing")))?;
    Ok(Some(Revision {
        version: 1,
        body: serde_json::to_string(&entry).map_err(|e| StoreError::Unexpected(Box::new(e)))?,
        replaced_at: from_millis(KIND, by, row.try_get("imported_at").map_err(map)?)?,
        replaced_by: parse_user(KIND, by, row.try_get("imported_by").map_err(map)?)?,
        reason: replaced_reason(&file_name, by),
    }))
}

/// Why the entries of a replaced submission were replaced.
pub(crate) fn replaced_reason(file_name: &str, import: &str) -> String {
    format!("replaced by the re-import of {file_name} ({import})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use casewindow_domain::evidence::{FuzzyDate, Provenance};
    use casewindow_domain::ids::{AgencyId, ReviewId, SourceDocumentId};

    #[test]
    fn a_block_gives_back_the_entries_it_was_packed_from() {
        let import = Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
        let entries: Vec<ChronologyEntry> = (0..3u32)
            .map(|i| ChronologyEntry {
                id: entry_id(import, i),
                review_id: ReviewId(Uuid::from_u128(1)),
                agency_id: AgencyId(Uuid::from_u128(2)),
                occurred: FuzzyDate::month(2019, 3).expect("month"),
                actor_role: "Health visitor".to_owned(),
                contact_type: String::new(),
                description: format!("Home visit {i}, \"quoted\" and\nmulti-line"),
                subjects: Vec::new(),
                source: Some(Provenance {
                    document_id: SourceDocumentId(Uuid::from_u128(3)),
                    row: Some(i + 2),
                }),
            })
            .collect();
        let block = pack(&entries).expect("packs");
        assert_eq!(block[0], FORMAT);
        let back: Vec<ChronologyEntry> = unpack("import", &block).expect("unpacks");
        assert_eq!(back, entries);
        for (i, entry) in back.iter().enumerate() {
            assert!(
                entry
                    .id
                    .0
                    .to_string()
                    .starts_with(&prefix_of(entry_id(import, 0).0))
            );
            assert_eq!(entry.id, entry_id(import, i as u32));
        }
    }

    #[test]
    fn a_damaged_block_is_reported_as_corrupt_not_a_panic() {
        let entries: Vec<ChronologyEntry> = Vec::new();
        let mut block = pack(&entries).expect("packs");
        for bad in [
            Vec::new(),
            vec![9, 1, 2],
            block[..block.len() - 1].to_vec(),
            vec![FORMAT, 255, 255, 255, 127, 0],
        ] {
            let err = unpack::<ChronologyEntry>("import", &bad).unwrap_err();
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        }
        block.push(0);
        assert!(unpack::<ChronologyEntry>("import", &block).is_err());
    }
}
