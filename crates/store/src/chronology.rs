//! Agency chronologies imported from files, as stored.

use casewindow_domain::ids::{AgencyId, ReviewId, SourceDocumentId, UserId};
use chrono::{DateTime, Utc};

/// The id of the entry at `index` in the submission imported as `import`: the import's first
/// twelve bytes (marked as a version 8, custom-layout UUID) followed by the index. Every entry
/// of a submission therefore shares [`submission_prefix`], which is how the store finds the
/// submission holding an entry without reading any other.
pub fn entry_id(import: uuid::Uuid, index: u32) -> casewindow_domain::ids::ChronologyEntryId {
    let mut bytes = *import.as_bytes();
    bytes[12..].copy_from_slice(&index.to_be_bytes());
    casewindow_domain::ids::ChronologyEntryId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// The text every entry id of the submission imported as `import` starts with (see
/// [`entry_id`]): 28 characters of the hyphenated form.
pub fn submission_prefix(import: uuid::Uuid) -> String {
    prefix_of_entry(entry_id(import, 0).0)
}

/// The text naming the submission an entry id would belong to (see [`submission_prefix`]).
pub fn prefix_of_entry(id: uuid::Uuid) -> String {
    let mut text = id.hyphenated().to_string();
    text.truncate(SUBMISSION_PREFIX_LEN);
    text
}

/// Length of [`submission_prefix`]: the first twelve bytes of a hyphenated UUID.
pub const SUBMISSION_PREFIX_LEN: usize = 28;

/// Told how many entries of a bulk import are stored so far (for a progress bar).
pub type Progress<'a> = &'a (dyn Fn(usize) + Send + Sync);

/// One import of one agency's chronology file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChronologyImport {
    pub id: uuid::Uuid,
    pub review_id: ReviewId,
    pub agency_id: AgencyId,
    /// The file in the document register.
    pub document_id: SourceDocumentId,
    pub file_name: String,
    /// SHA-256 of the file, hex encoded.
    pub sha256: String,
    /// "CSV", "Excel workbook (.xlsx)"...
    pub format: String,
    /// The column mapping used, as JSON (kept per agency for the next import).
    pub mapping: String,
    pub entries: i64,
    /// Rows that could not be read (an import is stored only when there are none).
    pub problems: i64,
    pub imported_at: DateTime<Utc>,
    pub imported_by: Option<UserId>,
    /// The import that replaced this one; `None` for an agency's current submission.
    pub replaced_by: Option<uuid::Uuid>,
}

/// A chronology file uploaded through the pages, waiting for its preview to be checked and
/// imported. Only the user who uploaded it may use it.
#[derive(Clone, PartialEq, Eq)]
pub struct StagedUpload {
    pub id: uuid::Uuid,
    pub review_id: ReviewId,
    pub agency_id: AgencyId,
    pub user_id: UserId,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub staged_at: DateTime<Utc>,
}

impl std::fmt::Debug for StagedUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The file's content is personal data: never in debug output or logs.
        f.debug_struct("StagedUpload")
            .field("id", &self.id)
            .field("review_id", &self.review_id)
            .field("agency_id", &self.agency_id)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// A reviewer's decision on whether two entries (of different agencies) record the same
/// occurrence. `a` sorts before `b` (one decision per pair).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkDecision {
    pub review_id: ReviewId,
    pub a: casewindow_domain::ids::ChronologyEntryId,
    pub b: casewindow_domain::ids::ChronologyEntryId,
    /// `true`: the same occurrence (a link confirmed or added); `false`: not (split).
    pub same: bool,
    pub decided_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
}
