//! Generic description of versioned analytical records and their metadata.

use casewindow_domain::ids::UserId;
use casewindow_domain::lifecycle::Transition;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use uuid::Uuid;

/// The kinds of versioned record. Each maps to one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Review,
    TermsOfReference,
    Participation,
    Subject,
    SourceDocument,
    ChronologyEntry,
    Conversation,
    NarrativeSection,
    Kpe,
    Finding,
    RecurrentIssue,
    Response,
    Action,
    Meeting,
}

/// A typed value for an indexed or constrained column.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnValue {
    Text(Option<String>),
    Int(Option<i64>),
}

impl ColumnValue {
    /// A UUID column (stored as text).
    pub fn id(id: impl Into<Uuid>) -> Self {
        Self::Text(Some(id.into().to_string()))
    }

    /// An optional UUID column.
    pub fn opt_id<T: Into<Uuid>>(id: Option<T>) -> Self {
        Self::Text(id.map(|id| id.into().to_string()))
    }

    /// A text column.
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(Some(value.into()))
    }
}

/// Many-to-many links kept in their own tables, so the database enforces them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// A finding shows in a key practice episode.
    FindingKpe,
    /// A finding is an instance of a recurrent issue.
    FindingIssue,
}

impl RecordKind {
    /// Every kind, parents before children (the order a whole review is written in).
    pub const ALL: [RecordKind; 14] = [
        Self::RecurrentIssue,
        Self::Review,
        Self::TermsOfReference,
        Self::Participation,
        Self::Subject,
        Self::SourceDocument,
        Self::ChronologyEntry,
        Self::Kpe,
        Self::Conversation,
        Self::NarrativeSection,
        Self::Finding,
        Self::Response,
        Self::Action,
        Self::Meeting,
    ];

    /// The table holding this kind.
    pub fn table(self) -> &'static str {
        match self {
            Self::Review => "reviews",
            Self::TermsOfReference => "terms_of_reference",
            Self::Participation => "participations",
            Self::Subject => "subjects",
            Self::SourceDocument => "source_documents",
            Self::ChronologyEntry => "chronology_entries",
            Self::Conversation => "conversations",
            Self::NarrativeSection => "narrative_sections",
            Self::Kpe => "kpes",
            Self::Finding => "findings",
            Self::RecurrentIssue => "recurrent_issues",
            Self::Response => "responses",
            Self::Action => "actions",
            Self::Meeting => "meetings",
        }
    }

    /// The column naming the record's scope, if it has one.
    pub fn scope_column(self) -> Option<&'static str> {
        match self {
            Self::Review => Some("partnership_id"),
            Self::RecurrentIssue => None,
            _ => Some("review_id"),
        }
    }

    /// The typed columns besides the common ones, in the order [`Record::columns`] fills them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Review => &["state", "title"],
            Self::TermsOfReference => &[],
            Self::Participation => &["user_id", "agency_id", "role"],
            Self::Subject => &[],
            Self::SourceDocument => &["agency_id"],
            Self::ChronologyEntry => &[
                "agency_id",
                "source_document_id",
                "occurred_start",
                "occurred_end",
            ],
            Self::Conversation => &["participant_id"],
            Self::NarrativeSection => &[],
            Self::Kpe => &[],
            Self::Finding => &["pattern", "polarity", "status"],
            Self::RecurrentIssue => &["pattern", "code", "status"],
            Self::Response => &["finding_id"],
            Self::Action => &["finding_id", "owner_agency_id", "status", "due_on"],
            Self::Meeting => &["kind", "held_on"],
        }
    }

    /// Whether records of this kind are numbered within their review (1, 2, 3...). Their sort
    /// key is the number, which the database keeps unique within the review, and a new record
    /// takes the next number when it is created (see `Records::create`).
    pub fn numbered(self) -> bool {
        matches!(self, Self::Finding | Self::Kpe | Self::NarrativeSection)
    }

    /// Human-readable name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Review => "review",
            Self::TermsOfReference => "terms of reference",
            Self::Participation => "participant",
            Self::Subject => "subject",
            Self::SourceDocument => "source document",
            Self::ChronologyEntry => "chronology entry",
            Self::Conversation => "conversation",
            Self::NarrativeSection => "narrative section",
            Self::Kpe => "key practice episode",
            Self::Finding => "finding",
            Self::RecurrentIssue => "recurrent issue",
            Self::Response => "partnership response",
            Self::Action => "action",
            Self::Meeting => "meeting",
        }
    }

    /// Parses a table name back into a kind.
    pub fn from_table(table: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.table() == table)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A versioned analytical record.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: RecordKind;
    /// The record's id.
    fn id(&self) -> Uuid;
    /// The id of its scope (see [`RecordKind::scope_column`]).
    fn scope(&self) -> Option<Uuid>;
    /// Orders records within a scope; ties are broken by id.
    fn sort_key(&self) -> String;
    /// Values of the kind's typed columns, in [`RecordKind::columns`] order.
    fn columns(&self) -> Vec<ColumnValue>;
    /// Gives a numbered record (see [`RecordKind::numbered`]) its number; other kinds have none.
    fn set_position(&mut self, _position: u32) {}
    /// Many-to-many links from this record.
    fn links(&self) -> Vec<(LinkKind, Uuid)> {
        Vec::new()
    }

    /// The record in its storable, type-erased form.
    fn erase(&self, meta: RecordMeta) -> Result<ErasedRecord, serde_json::Error> {
        Ok(ErasedRecord {
            kind: Self::KIND,
            id: self.id(),
            scope: self.scope(),
            sort_key: self.sort_key(),
            columns: self.columns(),
            links: self.links(),
            body: serde_json::to_string(self)?,
            meta,
        })
    }
}

/// Who changed a record, when, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The user; `None` for the system itself (command line, demo loader).
    pub actor: Option<UserId>,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Version and authorship of a stored record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMeta {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<UserId>,
}

impl RecordMeta {
    /// Metadata of a record created by `change`.
    pub fn created(change: &Change) -> Self {
        Self {
            version: 1,
            created_at: change.at,
            created_by: change.actor,
            updated_at: change.at,
            updated_by: change.actor,
        }
    }
}

/// A record as stored, with its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored<R> {
    pub record: R,
    pub meta: RecordMeta,
}

/// A prior version of a record, kept when it was replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub version: i64,
    /// The record as it was, as JSON.
    pub body: String,
    /// When and by whom it was replaced, and why.
    pub replaced_at: DateTime<Utc>,
    pub replaced_by: Option<UserId>,
    pub reason: String,
}

/// A record in storable form: JSON body plus the values the database indexes.
#[derive(Clone, Debug, PartialEq)]
pub struct ErasedRecord {
    pub kind: RecordKind,
    pub id: Uuid,
    pub scope: Option<Uuid>,
    pub sort_key: String,
    pub columns: Vec<ColumnValue>,
    pub links: Vec<(LinkKind, Uuid)>,
    pub body: String,
    pub meta: RecordMeta,
}

/// A lifecycle transition as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTransition {
    pub review_id: casewindow_domain::ids::ReviewId,
    pub transition: Transition,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
}
