//! Agency chronologies imported from files, as stored.

use casewindow_domain::ids::{AgencyId, ReviewId, SourceDocumentId, UserId};
use chrono::{DateTime, Utc};

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
