//! The binary form of a chronology submission block, without SQL: each entry's fields written
//! compactly (ids, review, agency and file not repeated), in LZ4 parts packed and unpacked on
//! every core, behind a format byte. Any bytes unpack to entries or an error, never a panic.

use crate::error::corrupt;
use casewindow_domain::evidence::{
    ChronologyEntry, DatePrecision, FuzzyDate, Provenance, SourceDocument,
};
use casewindow_domain::ids::{AgencyId, ReviewId, SourceDocumentId, SubjectId};
use casewindow_store::{ChronologyImport, Record, StoreError, entry_id};
use chrono::{Datelike as _, NaiveDate, NaiveTime, Timelike as _};
use uuid::Uuid;

/// The block's first byte: its format. Format 1: the review, agency and file every entry of
/// the submission shares (16 bytes each; every entry comes from the import's file, so only its
/// row is kept), then the parts: their number (a varint), and for each
/// its compressed length (4 bytes, little-endian) and the part as one LZ4 block after its own
/// length. A part is the index of its first entry and its number of entries (varints), then
/// each entry's fields (see [`write_entry`]). Entry `i` has the id `entry_id(import, i)`, so no
/// id is stored. Parts are packed and unpacked on several cores.
pub(super) const FORMAT: u8 = 1;

pub(super) const KIND: &str = "chronology submission";

/// Entries per part, at least: fewer are not worth a thread.
pub(super) const ENTRIES_PER_PART: usize = 8192;

/// What every entry of a submission shares with its import.
#[derive(Clone, Copy)]
pub(super) struct Shared {
    import: Uuid,
    review: Uuid,
    agency: Uuid,
    document: Uuid,
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(super) fn put_signed(out: &mut Vec<u8>, n: i64) {
    put_varint(out, ((n << 1) ^ (n >> 63)) as u64);
}

pub(super) fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Each date precision's code in a block is its place here.
pub(super) const PRECISIONS: [DatePrecision; 5] = [
    DatePrecision::Day,
    DatePrecision::Month,
    DatePrecision::Year,
    DatePrecision::Approximate,
    DatePrecision::Range,
];

/// One entry's fields. Every field is named, so a field added to [`ChronologyEntry`] does not
/// compile until the block writes it.
pub(super) fn write_entry(out: &mut Vec<u8>, entry: &ChronologyEntry) {
    let ChronologyEntry {
        id: _,
        review_id: _,
        agency_id: _,
        occurred,
        actor_role,
        contact_type,
        description,
        subjects,
        source,
    } = entry;
    let FuzzyDate {
        precision,
        start,
        end,
        time,
    } = occurred;
    let code = PRECISIONS.iter().position(|p| p == precision).unwrap_or(0);
    out.push(code as u8);
    put_signed(out, i64::from(start.num_days_from_ce()));
    put_signed(out, (*end - *start).num_days());
    match time {
        None => put_varint(out, 0),
        Some(time) => {
            put_varint(out, u64::from(time.num_seconds_from_midnight()) + 1);
            put_varint(out, u64::from(time.nanosecond()));
        }
    }
    put_text(out, actor_role);
    put_text(out, contact_type);
    put_text(out, description);
    put_varint(out, subjects.len() as u64);
    for subject in subjects {
        out.extend_from_slice(subject.0.as_bytes());
    }
    // Every entry comes from the import's file ([`pack`] checks): only the row is kept.
    let row = source.and_then(|s| s.row).map_or(0, |r| u64::from(r) + 1);
    put_varint(out, row);
}

/// Reads what [`write_entry`] wrote; `None` when the bytes end early or hold a value no entry
/// has.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn signed(&mut self) -> Option<i64> {
        let n = self.varint()?;
        Some(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn text(&mut self) -> Option<String> {
        let n = usize::try_from(self.varint()?).ok()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn uuid(&mut self) -> Option<Uuid> {
        Uuid::from_slice(self.take(16)?).ok()
    }

    fn day(&mut self) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(i32::try_from(self.signed()?).ok()?)
    }

    fn entry(&mut self, index: u32, shared: Shared) -> Option<ChronologyEntry> {
        let precision = *PRECISIONS.get(usize::from(self.byte()?))?;
        let start = self.day()?;
        let end = start.checked_add_signed(chrono::Duration::try_days(self.signed()?)?)?;
        let time = match self.varint()? {
            0 => None,
            seconds => NaiveTime::from_num_seconds_from_midnight_opt(
                u32::try_from(seconds - 1).ok()?,
                u32::try_from(self.varint()?).ok()?,
            )
            .map(Some)?,
        };
        let actor_role = self.text()?;
        let contact_type = self.text()?;
        let description = self.text()?;
        let subjects = (0..self.varint()?)
            .map(|_| self.uuid().map(SubjectId))
            .collect::<Option<Vec<_>>>()?;
        let row = match self.varint()? {
            0 => None,
            n => Some(u32::try_from(n - 1).ok()?),
        };
        let source = Some(Provenance {
            document_id: SourceDocumentId(shared.document),
            row,
        });
        Some(ChronologyEntry {
            id: entry_id(shared.import, index),
            review_id: ReviewId(shared.review),
            agency_id: AgencyId(shared.agency),
            occurred: FuzzyDate {
                precision,
                start,
                end,
                time,
            },
            actor_role,
            contact_type,
            description,
            subjects,
            source,
        })
    }
}

/// How many parts `n` entries are packed in.
pub(super) fn parts(n: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(n / ENTRIES_PER_PART)
        .max(1)
}

/// Runs `work` on each item, on a thread each when there are several, in order.
pub(super) fn on_threads<T: Sync, U: Send>(items: &[T], work: impl Fn(&T) -> U + Sync) -> Vec<U> {
    if items.len() <= 1 {
        return items.iter().map(&work).collect();
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .iter()
            .map(|item| scope.spawn(move || work(item)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The block holding the entries of the submission `import`, made before its transaction.
/// The import must describe its entries and its file, entry `i` have the id
/// `entry_id(import, i)`, and every entry belong to the import's review and agency and come
/// from its file.
pub(crate) fn pack(
    import: &ChronologyImport,
    document: &SourceDocument,
    entries: &[ChronologyEntry],
) -> Result<Vec<u8>, StoreError> {
    if import.entries != entries.len() as i64 || document.id != import.document_id {
        return Err(StoreError::Integrity(format!(
            "chronology import {} does not describe its entries or file",
            import.id
        )));
    }
    let shared = Shared {
        import: import.id,
        review: import.review_id.0,
        agency: import.agency_id.0,
        document: import.document_id.0,
    };
    for (index, entry) in entries.iter().enumerate() {
        let id = u32::try_from(index).map(|i| entry_id(import.id, i));
        let from_file = entry
            .source
            .is_some_and(|s| s.document_id == import.document_id);
        if id.ok() != Some(entry.id)
            || entry.review_id.0 != shared.review
            || entry.agency_id.0 != shared.agency
            || !from_file
        {
            return Err(StoreError::Integrity(format!(
                "chronology entry {} is not entry {index} of import {}",
                entry.id, import.id
            )));
        }
    }
    let share = entries.len().div_ceil(parts(entries.len())).max(1);
    let chunks: Vec<(usize, &[ChronologyEntry])> = entries
        .chunks(share)
        .enumerate()
        .map(|(i, chunk)| (i * share, chunk))
        .collect();
    let packed = on_threads(&chunks, |&(first, chunk)| {
        let mut raw = Vec::with_capacity(chunk.len() * 256);
        put_varint(&mut raw, first as u64);
        put_varint(&mut raw, chunk.len() as u64);
        for entry in chunk {
            write_entry(&mut raw, entry);
        }
        lz4_flex::block::compress_prepend_size(&raw)
    });
    let mut block = Vec::with_capacity(64 + packed.iter().map(|p| p.len() + 4).sum::<usize>());
    block.push(FORMAT);
    for id in [shared.review, shared.agency, shared.document] {
        block.extend_from_slice(id.as_bytes());
    }
    put_varint(&mut block, packed.len() as u64);
    for part in &packed {
        let length = u32::try_from(part.len()).map_err(|_| {
            StoreError::Integrity(format!("a part of import {} is too large", import.id))
        })?;
        block.extend_from_slice(&length.to_le_bytes());
        block.extend_from_slice(part);
    }
    Ok(block)
}

/// A block's shared values and its parts, still compressed.
pub(super) fn parts_of<'a>(
    import: &str,
    block: &'a [u8],
) -> Result<(Shared, Vec<&'a [u8]>), StoreError> {
    let bad = |reason: &str| corrupt(KIND, import, reason);
    let import_id = Uuid::parse_str(import).map_err(|e| corrupt(KIND, import, e))?;
    let mut reader = Reader { bytes: block };
    if reader.byte() != Some(FORMAT) {
        return Err(bad("the entries are in an unknown block format"));
    }
    let damaged = || bad("the block of entries is damaged");
    let (review, agency, document) = (
        reader.uuid().ok_or_else(damaged)?,
        reader.uuid().ok_or_else(damaged)?,
        reader.uuid().ok_or_else(damaged)?,
    );
    let shared = Shared {
        import: import_id,
        review,
        agency,
        document,
    };
    let count = reader.varint().ok_or_else(damaged)?;
    let mut parts = Vec::new();
    for _ in 0..count {
        let length = reader.take(4).ok_or_else(damaged)?;
        let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]);
        parts.push(reader.take(length as usize).ok_or_else(damaged)?);
    }
    if !reader.bytes.is_empty() {
        return Err(damaged());
    }
    Ok((shared, parts))
}

/// A part decompressed: the index of its first entry, its number of entries, and the entries'
/// bytes.
pub(super) struct Part {
    first: u64,
    count: u64,
    raw: Vec<u8>,
    /// Where the entries start in `raw`.
    start: usize,
}

impl Part {
    fn open(part: &[u8]) -> Option<Self> {
        // The size written before the part: no more than LZ4 can expand to (255 to 1), so a
        // damaged size never asks for gigabytes.
        let (size, compressed) = part.split_first_chunk::<4>()?;
        let size = u32::from_le_bytes(*size) as usize;
        if size > compressed.len().saturating_mul(255) {
            return None;
        }
        let raw = lz4_flex::block::decompress(compressed, size).ok()?;
        let mut reader = Reader { bytes: &raw };
        let first = reader.varint()?;
        let count = reader.varint()?;
        let start = raw.len() - reader.bytes.len();
        Some(Self {
            first,
            count,
            raw,
            start,
        })
    }

    /// The part's entries, up to and including the one at `last` (all when `None`).
    fn entries(&self, shared: Shared, last: Option<u64>) -> Option<Vec<ChronologyEntry>> {
        let mut reader = Reader {
            bytes: self.raw.get(self.start..)?,
        };
        let end = last.map_or(self.count, |l| (l + 1).min(self.count));
        let mut entries = Vec::with_capacity(usize::try_from(end).ok()?.min(self.raw.len()));
        for i in 0..end {
            entries.push(reader.entry(u32::try_from(self.first + i).ok()?, shared)?);
        }
        (last.is_some() || reader.bytes.is_empty()).then_some(entries)
    }
}

/// The entries of the block of the submission `import`, in order.
pub(super) fn unpack_entries(
    import: &str,
    block: &[u8],
) -> Result<Vec<ChronologyEntry>, StoreError> {
    let damaged = || corrupt(KIND, import, "the block of entries is damaged");
    let (shared, parts) = parts_of(import, block)?;
    let unpacked = on_threads(&parts, |part| {
        let part = Part::open(part)?;
        Some((part.first, part.entries(shared, None)?))
    });
    let mut all = Vec::new();
    for part in unpacked {
        let (first, entries) = part.ok_or_else(damaged)?;
        if first != all.len() as u64 {
            return Err(damaged());
        }
        all.extend(entries);
    }
    Ok(all)
}

/// Entry `index` of the block of the submission `import`: only the part holding it is read.
pub(super) fn unpack_one(
    import: &str,
    block: &[u8],
    index: usize,
) -> Result<ChronologyEntry, StoreError> {
    let damaged = || corrupt(KIND, import, format!("entry {index} cannot be read"));
    let (shared, parts) = parts_of(import, block)?;
    let index = index as u64;
    for part in parts {
        let part = Part::open(part).ok_or_else(damaged)?;
        if (part.first..part.first + part.count).contains(&index) {
            return part
                .entries(shared, Some(index - part.first))
                .and_then(|mut entries| entries.pop())
                .ok_or_else(damaged);
        }
    }
    Err(damaged())
}

/// A value read from a block as the type asked for, which is the block's type whenever the
/// store reads a block for chronology entries.
pub(super) fn cast<R: 'static>(value: impl std::any::Any) -> Result<R, StoreError> {
    let value: Box<dyn std::any::Any> = Box::new(value);
    value
        .downcast::<R>()
        .map(|b| *b)
        .map_err(|_| StoreError::Integrity("only chronology entries are kept in blocks".to_owned()))
}

/// The entries of a block as the record type asked for.
pub(crate) fn unpack<R: Record>(import: &str, block: &[u8]) -> Result<Vec<R>, StoreError> {
    cast(unpack_entries(import, block)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use casewindow_domain::ids::ChronologyEntryId;

    fn import(n: u32) -> (ChronologyImport, Vec<ChronologyEntry>) {
        let import = ChronologyImport {
            id: Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef),
            review_id: ReviewId(Uuid::from_u128(1)),
            agency_id: AgencyId(Uuid::from_u128(2)),
            document_id: SourceDocumentId(Uuid::from_u128(3)),
            file_name: "health.csv".to_owned(),
            sha256: String::new(),
            format: "CSV".to_owned(),
            mapping: "{}".to_owned(),
            entries: i64::from(n),
            problems: 0,
            imported_at: chrono::DateTime::from_timestamp_millis(0).expect("epoch"),
            imported_by: None,
            replaced_by: None,
        };
        let day =
            |d: i64| NaiveDate::from_ymd_opt(2019, 3, 1).expect("day") + chrono::Duration::days(d);
        let entries = (0..n)
            .map(|i| ChronologyEntry {
                id: entry_id(import.id, i),
                review_id: import.review_id,
                agency_id: import.agency_id,
                occurred: match i % 4 {
                    0 => FuzzyDate::day(day(i64::from(i % 900))),
                    1 => FuzzyDate::day_at(
                        day(3),
                        NaiveTime::from_hms_nano_opt(14, 30, 5, 7).expect("time"),
                    ),
                    2 => FuzzyDate::approximate(day(-400), day(-300)),
                    _ => FuzzyDate::month(1890, 12).expect("month"),
                },
                actor_role: if i % 2 == 0 {
                    "Health visitor".to_owned()
                } else {
                    String::new()
                },
                contact_type: "Home visit ✓".to_owned(),
                description: format!("Home visit {i}, \"quoted\" and\nmulti-line"),
                subjects: if i % 5 == 0 {
                    vec![SubjectId(Uuid::from_u128(u128::from(i) + 9))]
                } else {
                    Vec::new()
                },
                source: Some(Provenance {
                    document_id: import.document_id,
                    row: (i % 3 != 1).then_some(i + 2),
                }),
            })
            .collect();
        (import, entries)
    }

    /// The file of the import, in the document register.
    fn file(import: &ChronologyImport) -> SourceDocument {
        SourceDocument {
            id: import.document_id,
            review_id: import.review_id,
            agency_id: Some(import.agency_id),
            title: "Chronology: health.csv".to_owned(),
            kind: casewindow_domain::evidence::SourceDocumentKind::Chronology,
            received_on: None,
            reference: "health.csv".to_owned(),
            sha256: None,
            retain_until: None,
            legal_basis: None,
            access: Default::default(),
            file: None,
        }
    }

    #[test]
    fn a_block_gives_back_the_entries_it_was_packed_from() {
        for n in [0, 1, 7, 3 * ENTRIES_PER_PART as u32 + 5] {
            let (import, entries) = import(n);
            let block = pack(&import, &file(&import), &entries).expect("packs");
            assert_eq!(block[0], FORMAT);
            let back: Vec<ChronologyEntry> =
                unpack(&import.id.to_string(), &block).expect("unpacks");
            assert_eq!(back, entries, "{n} entries");
            // One entry alone, from whichever part holds it.
            let id = import.id.to_string();
            for index in [0, n / 2, n.saturating_sub(1)] {
                if let Some(expected) = entries.get(index as usize) {
                    let one = unpack_one(&id, &block, index as usize).expect("one entry");
                    assert_eq!(&one, expected, "entry {index} of {n}");
                }
            }
            assert!(unpack_one(&id, &block, n as usize).is_err());
            let prefix = casewindow_store::prefix_of_entry(entry_id(import.id, 0).0);
            assert!(back.iter().all(|e| e.id.0.to_string().starts_with(&prefix)));
        }
    }

    #[test]
    fn entries_that_do_not_belong_to_the_import_are_refused() {
        let (import, mut entries) = import(3);
        entries[1].id = ChronologyEntryId(Uuid::new_v4());
        assert!(matches!(
            pack(&import, &file(&import), &entries),
            Err(StoreError::Integrity(_))
        ));
        let (import, mut entries) = self::import(3);
        entries[2].agency_id = AgencyId(Uuid::from_u128(99));
        assert!(matches!(
            pack(&import, &file(&import), &entries),
            Err(StoreError::Integrity(_))
        ));
        let (import, mut entries) = self::import(3);
        entries[0].source = None;
        assert!(matches!(
            pack(&import, &file(&import), &entries),
            Err(StoreError::Integrity(_))
        ));
    }

    proptest::proptest! {
        /// Any bytes at all, alone or after a real block's header: an answer, never a panic.
        #[test]
        fn any_bytes_unpack_without_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096),
            keep in 0usize..80,
        ) {
            let (import, entries) = import(30);
            let id = import.id.to_string();
            let _ = unpack::<ChronologyEntry>(&id, &bytes);
            let mut spliced = pack(&import, &file(&import), &entries).expect("packs");
            spliced.truncate(keep.min(spliced.len()));
            spliced.extend_from_slice(&bytes);
            let _ = unpack::<ChronologyEntry>(&id, &spliced);
        }
    }

    #[test]
    fn a_damaged_block_is_reported_as_corrupt_not_a_panic() {
        let (import, entries) = import(40);
        let id = import.id.to_string();
        let block = pack(&import, &file(&import), &entries).expect("packs");
        let mut damaged = vec![
            Vec::new(),
            vec![9, 1, 2],
            vec![FORMAT, 255, 255, 255, 127, 0],
        ];
        for cut in [1, 17, 49, 50, 54, block.len() / 2, block.len() - 1] {
            damaged.push(block[..cut].to_vec());
        }
        let mut longer = block.clone();
        longer.push(0);
        damaged.push(longer);
        for flip in (0..block.len()).step_by(7) {
            let mut changed = block.clone();
            changed[flip] ^= 0x5a;
            // A changed byte may still read as other valid entries; it must never panic.
            let _ = unpack::<ChronologyEntry>(&id, &changed);
        }
        for bad in damaged {
            let err = unpack::<ChronologyEntry>(&id, &bad).unwrap_err();
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        }
    }
}
