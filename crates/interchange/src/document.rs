//! The document types of format version 1, and conversion to and from the store's forms.

use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::collaboration::Meeting;
use casewindow_domain::evidence::{
    ChronologyEntry, Conversation, NarrativeSection, SourceDocument,
};
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::ids::UserId;
use casewindow_domain::lifecycle::{ReviewState, Transition};
use casewindow_domain::organisation::{Agency, Partnership, User};
use casewindow_domain::participation::{Participation, Subject};
use casewindow_domain::response::{Action, PartnershipResponse};
use casewindow_domain::review::{Review, TermsOfReference};
use casewindow_store::{
    Change, ErasedRecord, Record, RecordMeta, ReviewBundle, Revision, Stored, StoredTransition,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The format's name, written in every document.
pub const FORMAT: &str = "casewindow.review";
/// The format version this casewindow writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Version and authorship of a record. Optional on import (a hand-written file is version 1,
/// created by the importer now); always written on export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaDoc {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<UserId>,
}

/// A prior version of a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionDoc {
    pub version: i64,
    pub replaced_at: DateTime<Utc>,
    pub replaced_by: Option<UserId>,
    pub reason: String,
    /// The record as it was (kept as written then, even if the record's shape has since grown).
    pub record: serde_json::Value,
}

/// One record with its metadata and history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry<T> {
    pub record: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<RevisionDoc>,
}

/// A lifecycle transition as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionDoc {
    pub from: ReviewState,
    pub to: ReviewState,
    #[serde(default)]
    pub reason: Option<String>,
    pub on: NaiveDate,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub by: Option<UserId>,
}

/// A whole review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDocument {
    pub format: String,
    pub format_version: u32,
    pub partnership: Partnership,
    /// Partnerships of agencies from outside the review's own partnership.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_partnerships: Vec<Partnership>,
    #[serde(default)]
    pub agencies: Vec<Agency>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub recurrent_issues: Vec<Entry<RecurrentIssue>>,
    pub review: Entry<Review>,
    #[serde(default)]
    pub lifecycle_history: Vec<TransitionDoc>,
    #[serde(default)]
    pub terms_of_reference: Option<Entry<TermsOfReference>>,
    #[serde(default)]
    pub participants: Vec<Entry<Participation>>,
    #[serde(default)]
    pub subjects: Vec<Entry<Subject>>,
    #[serde(default)]
    pub source_documents: Vec<Entry<SourceDocument>>,
    #[serde(default)]
    pub chronology: Vec<Entry<ChronologyEntry>>,
    #[serde(default)]
    pub key_practice_episodes: Vec<Entry<KeyPracticeEpisode>>,
    #[serde(default)]
    pub conversations: Vec<Entry<Conversation>>,
    #[serde(default)]
    pub narrative: Vec<Entry<NarrativeSection>>,
    #[serde(default)]
    pub findings: Vec<Entry<Finding>>,
    #[serde(default)]
    pub responses: Vec<Entry<PartnershipResponse>>,
    #[serde(default)]
    pub actions: Vec<Entry<Action>>,
    /// Meetings with the case group and their disagreement logs (absent from documents made
    /// before meetings were kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meetings: Vec<Entry<Meeting>>,
}

impl MetaDoc {
    fn from_meta(meta: &RecordMeta) -> Self {
        Self {
            version: meta.version,
            created_at: meta.created_at,
            created_by: meta.created_by,
            updated_at: meta.updated_at,
            updated_by: meta.updated_by,
        }
    }

    fn to_meta(&self) -> RecordMeta {
        RecordMeta {
            version: self.version,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        }
    }
}

impl<T: Record> Entry<T> {
    /// An entry for export, from a stored record and its revisions.
    pub fn from_stored(
        stored: Stored<T>,
        revisions: &[Revision],
    ) -> Result<Self, serde_json::Error> {
        let revisions = revisions
            .iter()
            .map(|revision| {
                Ok(RevisionDoc {
                    version: revision.version,
                    replaced_at: revision.replaced_at,
                    replaced_by: revision.replaced_by,
                    reason: revision.reason.clone(),
                    record: serde_json::from_str(&revision.body)?,
                })
            })
            .collect::<Result<_, serde_json::Error>>()?;
        Ok(Self {
            record: stored.record,
            meta: Some(MetaDoc::from_meta(&stored.meta)),
            revisions,
        })
    }

    fn meta_or(&self, import: &Change) -> RecordMeta {
        self.meta
            .as_ref()
            .map_or_else(|| RecordMeta::created(import), MetaDoc::to_meta)
    }

    fn push_into(
        &self,
        import: &Change,
        records: &mut Vec<ErasedRecord>,
        bundle_revisions: &mut Vec<(casewindow_store::RecordKind, uuid::Uuid, Revision)>,
    ) {
        let erased = self
            .record
            .erase(self.meta_or(import))
            .expect("domain records always serialise");
        for revision in &self.revisions {
            bundle_revisions.push((
                T::KIND,
                erased.id,
                Revision {
                    version: revision.version,
                    body: revision.record.to_string(),
                    replaced_at: revision.replaced_at,
                    replaced_by: revision.replaced_by,
                    reason: revision.reason.clone(),
                },
            ));
        }
        records.push(erased);
    }
}

impl TransitionDoc {
    /// A transition for export.
    pub fn from_stored(stored: &StoredTransition) -> Self {
        let transition = &stored.transition;
        Self {
            from: transition.from,
            to: transition.to,
            reason: transition.reason.clone(),
            on: transition.on,
            at: stored.at,
            by: stored.by,
        }
    }
}

impl ReviewDocument {
    /// The records to write, parents before children. Records without metadata are attributed
    /// to `import` (version 1).
    pub fn into_bundle(&self, import: &Change) -> ReviewBundle {
        let mut records = Vec::new();
        let mut revisions = Vec::new();
        let mut issues = Vec::new();
        for issue in &self.recurrent_issues {
            issue.push_into(import, &mut issues, &mut Vec::new());
        }
        self.review.push_into(import, &mut records, &mut revisions);
        if let Some(terms) = &self.terms_of_reference {
            terms.push_into(import, &mut records, &mut revisions);
        }
        macro_rules! push_all {
            ($($list:ident),*) => {$(
                for entry in &self.$list {
                    entry.push_into(import, &mut records, &mut revisions);
                }
            )*};
        }
        push_all!(
            participants,
            subjects,
            source_documents,
            chronology,
            key_practice_episodes,
            conversations,
            narrative,
            findings,
            responses,
            actions,
            meetings
        );
        let transitions = self
            .lifecycle_history
            .iter()
            .map(|t| StoredTransition {
                review_id: self.review.record.id,
                transition: Transition {
                    from: t.from,
                    to: t.to,
                    reason: t.reason.clone(),
                    on: t.on,
                },
                at: t.at,
                by: t.by,
            })
            .collect();
        ReviewBundle {
            partnerships: std::iter::once(&self.partnership)
                .chain(&self.other_partnerships)
                .cloned()
                .collect(),
            agencies: self.agencies.clone(),
            users: self.users.clone(),
            recurrent_issues: issues,
            records,
            revisions,
            transitions,
            actor: import.actor,
            at: import.at,
            reason: import.reason.clone(),
            once: None,
        }
    }
}
