//! Creating and changing a review's records: field validation, reference checks within the
//! review, and optimistic concurrency.

use crate::transfer::History;
use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::Validate;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{
    ChronologyEntry, Conversation, NarrativeSection, SourceDocument,
};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::participation::{Participation, Subject};
use casewindow_domain::response::{Action, PartnershipResponse};
use casewindow_domain::review::{Review, TermsOfReference};
use casewindow_interchange::{Entry, Problem, ReviewDocument};
use casewindow_store::audit::AuditEntry;
use casewindow_store::{Record, RecordKind, Revision, Store, Stored};

/// A record that belongs to one review and can be checked in the context of that review.
pub trait InReview: Record + Validate {
    /// The review the record belongs to.
    fn review_id(&self) -> ReviewId;
    /// Puts the record into `document` (replacing the entry with the same id) and returns the
    /// JSON path of its entry.
    fn place(&self, document: &mut ReviewDocument) -> String;
    /// The agency whose submission this is, for records an agency submits (chronology entries
    /// and source documents): agency records liaisons see and write only their own agency's.
    fn submitted_by(&self) -> Option<casewindow_domain::ids::AgencyId> {
        None
    }
}

fn place_in<T: Record + Clone>(list: &mut Vec<Entry<T>>, name: &str, record: &T) -> String {
    let entry = Entry {
        record: record.clone(),
        meta: None,
        revisions: Vec::new(),
    };
    let idx = match list.iter().position(|e| e.record.id() == record.id()) {
        Some(idx) => {
            list[idx] = entry;
            idx
        }
        None => {
            list.push(entry);
            list.len() - 1
        }
    };
    format!("{name}[{idx}]")
}

macro_rules! in_review {
    ($($ty:ty => $list:ident $(, submitted by $agency:expr)?);* $(;)?) => {$(
        impl InReview for $ty {
            fn review_id(&self) -> ReviewId {
                self.review_id
            }
            fn place(&self, document: &mut ReviewDocument) -> String {
                place_in(&mut document.$list, stringify!($list), self)
            }
            $(fn submitted_by(&self) -> Option<casewindow_domain::ids::AgencyId> {
                let agency: fn(&Self) -> Option<casewindow_domain::ids::AgencyId> = $agency;
                agency(self)
            })?
        }
    )*};
}

in_review!(
    Participation => participants;
    Subject => subjects;
    SourceDocument => source_documents, submitted by |d| d.agency_id;
    ChronologyEntry => chronology, submitted by |e| Some(e.agency_id);
    KeyPracticeEpisode => key_practice_episodes;
    Conversation => conversations;
    NarrativeSection => narrative;
    Finding => findings;
    PartnershipResponse => responses;
    Action => actions;
);

impl InReview for TermsOfReference {
    fn review_id(&self) -> ReviewId {
        self.review_id
    }
    fn place(&self, document: &mut ReviewDocument) -> String {
        document.terms_of_reference = Some(Entry {
            record: self.clone(),
            meta: None,
            revisions: Vec::new(),
        });
        "terms_of_reference".to_owned()
    }
}

impl InReview for Review {
    fn review_id(&self) -> ReviewId {
        self.id
    }
    fn place(&self, document: &mut ReviewDocument) -> String {
        document.review.record = self.clone();
        "review".to_owned()
    }
}

impl<S: Store> App<S> {
    /// Adds a record to its review after checking its fields and references.
    pub async fn create<R: InReview>(&self, actor: &Actor, record: &R) -> AppResult<Stored<R>> {
        self.authorize(actor, record.review_id(), Permission::to_write(R::KIND))
            .await?;
        self.check_own_agency(actor, record).await?;
        self.check_in_review(record).await?;
        Ok(self
            .store
            .insert(record, &self.change(actor, "created"))
            .await?)
    }

    /// Replaces a record that is still at `expected_version`, keeping the prior version with
    /// the actor, time and `reason`. A stale version is refused as a conflict.
    pub async fn update<R: InReview>(
        &self,
        actor: &Actor,
        record: &R,
        expected_version: i64,
        reason: &str,
    ) -> AppResult<Stored<R>> {
        if reason.trim().is_empty() {
            return Err(AppError::Invalid(vec![Problem {
                path: "reason".to_owned(),
                reason: "say why the record is changing".to_owned(),
            }]));
        }
        let current = self.store.get::<R>(record.id()).await?;
        self.authorize(
            actor,
            current.record.review_id(),
            Permission::to_write(R::KIND),
        )
        .await?;
        if current.record.review_id() != record.review_id() {
            return Err(AppError::NotFound {
                what: format!("{} {}", R::KIND, record.id()),
            });
        }
        self.check_own_agency(actor, &current.record).await?;
        self.check_own_agency(actor, record).await?;
        self.check_in_review(record).await?;
        Ok(self
            .store
            .update(record, expected_version, &self.change(actor, reason.trim()))
            .await?)
    }

    /// The records of one kind in a review, if the actor may read them.
    pub async fn records<R: InReview>(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<Stored<R>>> {
        self.authorize(actor, review, Permission::to_read(R::KIND))
            .await?;
        self.audit_read(actor, review, R::KIND, "all").await?;
        let limit = match R::KIND {
            RecordKind::ChronologyEntry | RecordKind::SourceDocument => {
                self.agency_limit(actor, review).await?
            }
            _ => None,
        };
        let mut list = self.store.list::<R>(review.0).await?;
        if let Some(agency) = limit {
            list.retain(|stored| stored.record.submitted_by().is_none_or(|a| a == agency));
        }
        Ok(list)
    }

    /// Refuses a record another agency submitted, for an actor limited to their own agency.
    async fn check_own_agency<R: InReview>(&self, actor: &Actor, record: &R) -> AppResult<()> {
        let Some(submitted_by) = record.submitted_by() else {
            return Ok(());
        };
        match self.agency_limit(actor, record.review_id()).await? {
            Some(own) if own != submitted_by => Err(AppError::NotFound {
                what: format!("{} {}", R::KIND, record.id()),
            }),
            _ => Ok(()),
        }
    }

    /// Records a read of restricted content (conversations, chronologies, source documents).
    pub(crate) async fn audit_read(
        &self,
        actor: &Actor,
        review: ReviewId,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<()> {
        if !matches!(
            kind,
            RecordKind::Conversation | RecordKind::ChronologyEntry | RecordKind::SourceDocument
        ) {
            return Ok(());
        }
        let reason = actor.purpose_in(review).unwrap_or_default();
        self.audit_event(actor, review, "read", kind.table(), id, reason)
            .await
    }

    /// Appends an event that is not part of a change: a read of restricted data, a reveal.
    pub(crate) async fn audit_event(
        &self,
        actor: &Actor,
        review: ReviewId,
        action: &str,
        entity: &str,
        entity_id: &str,
        reason: &str,
    ) -> AppResult<()> {
        let entry = AuditEntry {
            at: self.now(),
            actor: actor.user,
            review_id: Some(review),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_owned(),
            reason: reason.to_owned(),
        };
        Ok(self.store.audit(&entry).await?)
    }

    /// One record, if the actor may read it ("not found" otherwise).
    pub async fn record<R: InReview>(&self, actor: &Actor, id: uuid::Uuid) -> AppResult<Stored<R>> {
        let stored = self.store.get::<R>(id).await?;
        self.authorize(
            actor,
            stored.record.review_id(),
            Permission::to_read(R::KIND),
        )
        .await?;
        self.check_own_agency(actor, &stored.record).await?;
        self.audit_read(actor, stored.record.review_id(), R::KIND, &id.to_string())
            .await?;
        Ok(stored)
    }

    /// Prior versions of a record, if the actor may read it.
    pub async fn record_history<R: InReview>(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
    ) -> AppResult<(Stored<R>, Vec<Revision>)> {
        let stored = self.record::<R>(actor, id).await?;
        let revisions = self.store.revisions(R::KIND, id).await?;
        Ok((stored, revisions))
    }

    /// Field checks plus reference checks: everything the record refers to must be part of
    /// the same review (or its partnership's agencies, or a known user).
    async fn check_in_review<R: InReview>(&self, record: &R) -> AppResult<()> {
        let mut document = self
            .export_document(record.review_id(), History::Omit)
            .await?;
        // Any agency or user of the instance may be newly referenced.
        document.agencies = self.store.agencies().await?;
        document.users = self.store.users().await?;
        document.lifecycle_history.clear();
        let path = record.place(&mut document);
        let problems: Vec<Problem> = casewindow_interchange::validate(&document)
            .into_iter()
            .filter(|p| {
                p.path == path
                    || p.path.starts_with(&format!("{path}."))
                    || p.path.starts_with(&format!("{path}["))
            })
            .map(|p| Problem {
                path: p
                    .path
                    .strip_prefix(&format!("{path}.record."))
                    .map(str::to_owned)
                    .unwrap_or(p.path),
                reason: p.reason,
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(problems))
        }
    }
}

/// Everything the chronology pages show, read (and audited) as one view.
pub struct ChronologyView {
    pub entries: Vec<casewindow_domain::evidence::ChronologyEntry>,
    pub documents: Vec<casewindow_domain::evidence::SourceDocument>,
    pub agencies: Vec<casewindow_domain::organisation::Agency>,
    /// Where the review's changes stood when this was read: the same stamp means the same
    /// content, so what is built from the view may be kept with it.
    pub stamp: casewindow_store::ChangeStamp,
    /// The only agency whose records this view holds (an agency's records liaison), if any.
    pub agency_limit: Option<casewindow_domain::ids::AgencyId>,
}

/// Things built from a review's content, each kept under the review's change stamp until the
/// review changes, the most recently used first. Only ever filled and read with the stamp of a
/// view the caller was authorised to read; the key names everything else the value depends on.
pub struct Kept<K, V> {
    capacity: usize,
    items: std::sync::Mutex<Vec<(ReviewId, casewindow_store::ChangeStamp, K, V)>>,
}

impl<K: PartialEq, V: Clone> Kept<K, V> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity,
            items: std::sync::Mutex::default(),
        }
    }

    /// The value kept for this review, stamp and key, if any.
    pub fn get(
        &self,
        review: ReviewId,
        stamp: casewindow_store::ChangeStamp,
        key: &K,
    ) -> Option<V> {
        let mut items = self
            .items
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = items
            .iter()
            .position(|(r, s, k, _)| *r == review && *s == stamp && k == key)?;
        let item = items.remove(at);
        let value = item.3.clone();
        items.insert(0, item);
        Some(value)
    }

    /// Keeps a value; what was kept of the review at other stamps (never asked for again) and
    /// under the same key goes.
    pub fn put(&self, review: ReviewId, stamp: casewindow_store::ChangeStamp, key: K, value: V) {
        let mut items = self
            .items
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        items.retain(|(r, s, k, _)| !(*r == review && (*s != stamp || *k == key)));
        items.insert(0, (review, stamp, key, value));
        items.truncate(self.capacity);
    }
}

/// The chronology views read most recently, by agency scope: a long chronology costs far more
/// to read and decode than to check for changes.
pub(crate) type ChronologyCache =
    Kept<Option<casewindow_domain::ids::AgencyId>, std::sync::Arc<ChronologyView>>;

impl Default for ChronologyCache {
    fn default() -> Self {
        Self::with_capacity(16)
    }
}

/// Text built from a review's content (a rendered section of a page), by the caller's key.
pub type Memo = Kept<String, std::sync::Arc<str>>;

impl Default for Memo {
    fn default() -> Self {
        Self::with_capacity(32)
    }
}

impl<S: Store> App<S> {
    /// Texts built from reviews' content, kept until the review changes (see [`Memo`]).
    pub fn memo(&self) -> &Memo {
        &self.memo
    }

    /// A review's chronology entries, document register and agencies, recorded in the audit
    /// trail as one reading of the chronology. The view is shared with other readers of the
    /// same review and scope until the review changes.
    pub async fn chronology(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<std::sync::Arc<ChronologyView>> {
        let roles = self
            .authorize_roles(actor, review, Permission::ViewChronology)
            .await?;
        self.audit_read(actor, review, RecordKind::ChronologyEntry, "all")
            .await?;
        // The system actor has no roles, and so no limit.
        let limit = crate::access::agency_limit_of(&roles);
        // The stamp is read before the records, so a view is never older than its stamp.
        let stamp = self.store.change_stamp(review).await?;
        if let Some(view) = self.chronologies.get(review, stamp, &limit) {
            return Ok(view);
        }
        let partnership = self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?
            .record
            .partnership_id;
        let own = |agency: Option<casewindow_domain::ids::AgencyId>| {
            limit.is_none_or(|l| agency == Some(l))
        };
        let entries: Vec<casewindow_domain::evidence::ChronologyEntry> = self
            .store
            .list(review.0)
            .await?
            .into_iter()
            .map(|s: Stored<_>| s.record)
            .collect();
        let documents: Vec<casewindow_domain::evidence::SourceDocument> = self
            .store
            .list(review.0)
            .await?
            .into_iter()
            .map(|s: Stored<_>| s.record)
            .collect();
        let view = std::sync::Arc::new(ChronologyView {
            entries: entries
                .into_iter()
                .filter(|e| own(Some(e.agency_id)))
                .collect(),
            documents: documents.into_iter().filter(|d| own(d.agency_id)).collect(),
            agencies: self
                .store
                .agencies()
                .await?
                .into_iter()
                .filter(|a| a.partnership_id == Some(partnership))
                .collect(),
            stamp,
            agency_limit: limit,
        });
        self.chronologies
            .put(review, stamp, limit, std::sync::Arc::clone(&view));
        Ok(view)
    }
}
