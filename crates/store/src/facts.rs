//! What the server itself established and a later request names by id, so that no form can
//! supply it: the pattern library's suggestion for a finding's text, and the identifier scan a
//! sign-off rests on. Also the references a record makes, checked against what exists.

use crate::record::RecordKind;
use casewindow_domain::ids::{ReviewId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What a record may refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Any agency of the instance.
    Agency,
    /// Any user of the instance.
    User,
    /// A record of this kind in the same review (recurrent issues: in the library).
    Record(RecordKind),
}

impl Target {
    /// How the target is named to a reader.
    pub fn label(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::User => "user",
            Self::Record(kind) => kind.label(),
        }
    }
}

/// One reference a record makes: to what, and the id it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub target: Target,
    pub id: Uuid,
}

/// The pattern library's suggestion for one text, as the server computed it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SuggestionRun {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub user_id: Option<UserId>,
    pub at: DateTime<Utc>,
    /// The first pattern and its confidence in percent.
    pub suggested: casewindow_domain::typology::Pattern,
    pub confidence_percent: u8,
    pub runner_up: Option<casewindow_domain::typology::Pattern>,
    /// Which engine computed it (lexical, or with sentence embeddings).
    pub engine: String,
}

/// One identifier scan of a review's report and briefing before publication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanRun {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub user_id: Option<UserId>,
    pub at: DateTime<Utc>,
    /// The fingerprint of the documents the scan read.
    pub fingerprint: String,
    /// How many possible identifiers it showed.
    pub hits: u32,
    /// What it showed, as the application keeps it (JSON), so the run can be shown again.
    pub found: String,
    /// What the person who ran it judged not identifying, with their reasons.
    pub accepted: Vec<casewindow_domain::review::AcceptedHit>,
}

/// A frozen version of a review's report: what it said (its text and the document's JSON) and
/// its Word and PDF files with their hashes. Never changed once written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportVersion {
    pub id: Uuid,
    pub review_id: ReviewId,
    /// 1, 2, 3… within the review.
    pub number: i64,
    /// The stage's key (`draft`, `family_preview`, `final`…).
    pub stage: String,
    /// The report's text, one paragraph a line (what versions are compared by).
    pub text: String,
    pub docx_sha256: String,
    pub pdf_sha256: String,
    /// The fingerprint of the report and briefing it was frozen from (see the identifier
    /// scan); versions frozen before fingerprints were kept have none.
    pub fingerprint: Option<String>,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
}

/// A version to freeze, with its files.
#[derive(Clone, Debug)]
pub struct NewReportVersion {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub stage: String,
    pub text: String,
    /// The `Document` the files were rendered from, as JSON.
    pub document: String,
    pub docx: Vec<u8>,
    pub pdf: Vec<u8>,
    pub docx_sha256: String,
    pub pdf_sha256: String,
    pub fingerprint: String,
}

/// A REFI-QDA codebook uploaded to be imported as proposed recurrent issues, waiting for its
/// uploader to choose each code's pattern. Only that person may use it.
#[derive(Clone, PartialEq, Eq)]
pub struct StagedCodebook {
    pub id: Uuid,
    pub user_id: casewindow_domain::ids::UserId,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub staged_at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Debug for StagedCodebook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedCodebook")
            .field("id", &self.id)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// A published review report uploaded for its findings, waiting for a reviewer to confirm them
/// (or, with `review_id`, already imported as that findings-only review).
#[derive(Clone, PartialEq, Eq)]
pub struct StagedReport {
    pub id: Uuid,
    pub file_name: String,
    /// SHA-256 of the file, lower-case hex: the same file is staged once.
    pub sha256: String,
    pub pages: u32,
    pub bytes: Vec<u8>,
    /// The title the report states (or its file name).
    pub title: String,
    /// How many findings casewindow proposed.
    pub findings: u32,
    /// What casewindow proposed, as JSON (the ingest crate's `Proposal`).
    pub proposal: String,
    pub staged_by: Option<casewindow_domain::ids::UserId>,
    pub staged_at: chrono::DateTime<chrono::Utc>,
    pub review_id: Option<casewindow_domain::ids::ReviewId>,
    pub imported_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Debug for StagedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedReport")
            .field("id", &self.id)
            .field("bytes", &self.bytes.len())
            .field("pages", &self.pages)
            .field("findings", &self.findings)
            .field("review_id", &self.review_id)
            .finish_non_exhaustive()
    }
}

/// Candidate recurrent issues one server found for a set of readable reviews, kept so that
/// every server can show them without looking again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundCandidates {
    /// A stable hash of the readers' reviews and whether they read de-identified.
    pub reader: String,
    /// The library stamp they were found at.
    pub stamp: (i64, i64),
    pub at: chrono::DateTime<chrono::Utc>,
    /// The candidates, as the application writes them (JSON).
    pub body: String,
}

/// A thematic analysis across reviews as it was made: kept as a version with its scope and the
/// library's state, so it can be read again and compared with a later one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThematicVersion {
    pub id: Uuid,
    pub made_at: DateTime<Utc>,
    /// Who made it (`None`: the command line).
    pub made_by: Option<UserId>,
    /// Who may read it: `national` (de-identified, every national analyst and the command
    /// line) or `user:` and the id of the person who made it.
    pub audience: String,
    /// What it covers, as the application writes it (JSON).
    pub scope: String,
    /// The library stamp it was made at.
    pub library_state: String,
    /// The analysis, as the application writes it (JSON).
    pub analysis: String,
}
