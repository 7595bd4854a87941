//! Imported chronology submissions kept as one block each (migration
//! `20261205000000_chronology_submissions.sql`): the block's format, the blocks of a review and
//! the one holding an entry, and how block entries sit among the rows of `chronology_entries`.
//!
//! Entry `i` of the submission imported as `import` has the id
//! [`casewindow_store::entry_id`]`(import, i)`, so every id of a submission starts with the
//! import's `entry_prefix`. A row in `chronology_entries` with the same id (an imported entry a
//! reviewer has edited) takes the block's place for that entry. A replaced submission's block
//! stays as its history.
//!
//! The block's binary form is in [`codec`]; this module holds its SQL.

mod codec;

#[allow(unused_imports)]
use codec::*;
pub(crate) use codec::{pack, unpack};

use crate::error::{corrupt, map};
use crate::records::{self, from_millis, parse_user};
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_store::{
    Record, RecordMeta, Revision, SUBMISSION_PREFIX_LEN, StoreError, Stored, entry_id,
    prefix_of_entry,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row as _};
use std::collections::HashSet;
use uuid::Uuid;

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
        .bind(prefix_of_entry(id))
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?
    else {
        return Ok(None);
    };
    let block = Block::read(&row)?;
    let import = Uuid::parse_str(&block.import).map_err(|e| corrupt(KIND, &block.import, e))?;
    Ok(index_in(import, block.entries, id).map(|index| (block, index as usize)))
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
    let record: R = cast(unpack_one(&block.import, &block.body, index)?)?;
    if record.id() != id {
        return Err(corrupt(
            KIND,
            &block.import,
            format!("entry {index} is not {id}"),
        ));
    }
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
    // Only the import's id and size are read, not its block.
    let sql = "SELECT id, entries FROM chronology_imports WHERE entry_prefix = $1 \
               AND review_id = $2 AND replaced_by IS NULL";
    let Some(row) = sqlx::query(sql)
        .bind(prefix_of_entry(id))
        .bind(review.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?
    else {
        return Ok(false);
    };
    let import: String = row.try_get("id").map_err(map)?;
    let entries: i64 = row.try_get("entries").map_err(map)?;
    let import = Uuid::parse_str(&import).map_err(|e| corrupt(KIND, &import, e))?;
    Ok(index_in(import, entries, id).is_some())
}

/// The index of entry `id` in the submission `import` of `entries` entries, if it is one.
fn index_in(import: Uuid, entries: i64, id: Uuid) -> Option<u32> {
    let bytes = id.as_bytes();
    let index = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    (i64::from(index) < entries && entry_id(import, index).0 == id).then_some(index)
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
    let entry = unpack_one(&block.import, &block.body, index)?;
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
