//! Creating and changing a review's records: field validation, reference checks within the
//! review, and optimistic concurrency.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::Validate;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::collaboration::{Meeting, Topic};
use casewindow_domain::evidence::{
    ChronologyEntry, Citation, CitationTarget, Conversation, NarrativeSection, SourceDocument,
};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::participation::{Participation, Role, Subject};
use casewindow_domain::response::{Action, PartnershipResponse};
use casewindow_domain::review::{Review, TermsOfReference};
use casewindow_interchange::Problem;
use casewindow_store::audit::AuditEntry;
use casewindow_store::{Record, RecordKind, Reference, Revision, Store, Stored, Target};

/// A record that belongs to one review and can be checked in the context of that review.
pub trait InReview: Record + Validate {
    /// The review the record belongs to.
    fn review_id(&self) -> ReviewId;
    /// Everything the record refers to, each with the path of the field that names it: records
    /// of the same review, recurrent issues of the library, agencies and users.
    fn references(&self) -> Vec<(String, Reference)>;
    /// The agency whose submission this is, for records an agency submits (chronology entries
    /// and source documents): agency records liaisons see and write only their own agency's.
    fn submitted_by(&self) -> Option<casewindow_domain::ids::AgencyId> {
        None
    }
    /// Whether only the lead and co-reviewers (and the agency that sent it) may read it: a
    /// document registered for them alone.
    fn leads_only(&self) -> bool {
        false
    }
    /// For a participation: whose part it is and the role it grants (role changes are
    /// guarded, see [`crate::access::check_role_grant`]).
    fn granted_role(&self) -> Option<(Option<casewindow_domain::ids::UserId>, Role)> {
        None
    }
}

/// Collects a record's references with the paths of the fields naming them.
#[derive(Default)]
struct Refs(Vec<(String, Reference)>);

impl Refs {
    fn one(mut self, path: &str, target: Target, id: impl Into<uuid::Uuid>) -> Self {
        self.0.push((
            path.to_owned(),
            Reference {
                target,
                id: id.into(),
            },
        ));
        self
    }

    fn maybe(self, path: &str, target: Target, id: Option<impl Into<uuid::Uuid>>) -> Self {
        match id {
            Some(id) => self.one(path, target, id),
            None => self,
        }
    }

    fn each<I: Into<uuid::Uuid> + Copy>(mut self, path: &str, target: Target, ids: &[I]) -> Self {
        for (idx, id) in ids.iter().enumerate() {
            self = self.one(&format!("{path}[{idx}]"), target, *id);
        }
        self
    }

    fn citations(mut self, path: &str, citations: &[Citation]) -> Self {
        for (idx, citation) in citations.iter().enumerate() {
            let (target, id) = match citation.target {
                CitationTarget::ChronologyEntry(id) => {
                    (Target::Record(RecordKind::ChronologyEntry), id.0)
                }
                CitationTarget::Conversation(id) => {
                    (Target::Record(RecordKind::Conversation), id.0)
                }
                CitationTarget::SourceDocument(id) => {
                    (Target::Record(RecordKind::SourceDocument), id.0)
                }
            };
            self = self.one(&format!("{path}[{idx}].target"), target, id);
        }
        self
    }
}

const AGENCY: Target = Target::Agency;
const USER: Target = Target::User;
const PARTICIPANT: Target = Target::Record(RecordKind::Participation);
const KPE: Target = Target::Record(RecordKind::Kpe);

macro_rules! in_review {
    ($($ty:ty => |$r:ident| $refs:expr $(, submitted by $agency:expr)?);* $(;)?) => {$(
        impl InReview for $ty {
            fn review_id(&self) -> ReviewId {
                self.review_id
            }
            fn references(&self) -> Vec<(String, Reference)> {
                let $r = self;
                let refs: Refs = $refs;
                refs.0
            }
            $(fn submitted_by(&self) -> Option<casewindow_domain::ids::AgencyId> {
                let agency: fn(&Self) -> Option<casewindow_domain::ids::AgencyId> = $agency;
                agency(self)
            })?
        }
    )*};
}

impl InReview for SourceDocument {
    fn review_id(&self) -> ReviewId {
        self.review_id
    }
    fn references(&self) -> Vec<(String, Reference)> {
        Refs::default().maybe("agency_id", AGENCY, self.agency_id).0
    }
    fn submitted_by(&self) -> Option<casewindow_domain::ids::AgencyId> {
        self.agency_id
    }
    fn leads_only(&self) -> bool {
        self.access == casewindow_domain::evidence::DocumentAccess::LeadReviewers
    }
}

impl InReview for Participation {
    fn review_id(&self) -> ReviewId {
        self.review_id
    }
    fn references(&self) -> Vec<(String, Reference)> {
        Refs::default()
            .maybe("user_id", USER, self.user_id)
            .maybe("agency_id", AGENCY, self.agency_id)
            .0
    }
    fn granted_role(&self) -> Option<(Option<casewindow_domain::ids::UserId>, Role)> {
        Some((self.user_id, self.role))
    }
}

in_review!(
    Subject => |r| r.relationships.iter().enumerate().fold(Refs::default(), |refs, (idx, rel)| {
        refs.one(&format!("relationships[{idx}].to"), Target::Record(RecordKind::Subject), rel.to.0)
    });

    ChronologyEntry => |r| Refs::default()
        .one("agency_id", AGENCY, r.agency_id)
        .maybe(
            "source.document_id",
            Target::Record(RecordKind::SourceDocument),
            r.source.map(|s| s.document_id),
        )
        .each("subjects", Target::Record(RecordKind::Subject), &r.subjects),
        submitted by |e| Some(e.agency_id);
    KeyPracticeEpisode => |r| {
        let mut refs = Refs::default().each("agencies", AGENCY, &r.agencies);
        for (idx, account) in r.local_rationality.iter().enumerate() {
            refs = refs.one(
                &format!("local_rationality[{idx}].participant_id"),
                PARTICIPANT,
                account.participant_id,
            );
        }
        refs.citations("evidence", &r.evidence)
    };
    Conversation => |r| {
        let mut refs = Refs::default()
            .one("participant_id", PARTICIPANT, r.participant_id)
            .each("reviewers_present", PARTICIPANT, &r.reviewers_present);
        for (idx, note) in r.mindset.iter().enumerate() {
            refs = refs.maybe(&format!("mindset[{idx}].kpe_id"), KPE, note.kpe_id);
        }
        refs
    };
    NarrativeSection => |r| Refs::default()
        .maybe("perspective_agency_id", AGENCY, r.perspective_agency_id)
        .citations("citations", &r.citations);
    Finding => |r| Refs::default()
        .each("kpe_ids", KPE, &r.kpe_ids)
        .each(
            "recurrent_issue_ids",
            Target::Record(RecordKind::RecurrentIssue),
            &r.recurrent_issue_ids,
        );
    PartnershipResponse => |r| Refs::default()
        .one("finding_id", Target::Record(RecordKind::Finding), r.finding_id);
    Action => |r| Refs::default()
        .one("owner_agency_id", AGENCY, r.owner_agency_id)
        .maybe("finding_id", Target::Record(RecordKind::Finding), r.finding_id);
    TermsOfReference => |r| Refs::default()
        .each("agencies_in_scope", AGENCY, &r.agencies_in_scope);
    Meeting => |r| {
        let mut refs = Refs::default().each("attendees", PARTICIPANT, &r.attendees);
        let topic = |refs: Refs, path: String, topic: Topic| match topic {
            Topic::Kpe(id) => refs.one(&path, KPE, id),
            Topic::Finding(id) => refs.one(&path, Target::Record(RecordKind::Finding), id),
            Topic::Chronology => refs,
        };
        for (idx, item) in r.items.iter().enumerate() {
            refs = topic(refs, format!("items[{idx}].topic"), item.topic);
        }
        for (idx, d) in r.disagreements.iter().enumerate() {
            refs = topic(refs, format!("disagreements[{idx}].about"), d.about);
            for (j, view) in d.views.iter().enumerate() {
                refs = refs.one(&format!("disagreements[{idx}].views[{j}].holder"), PARTICIPANT, view.holder);
            }
        }
        refs
    };
);

impl InReview for Review {
    fn review_id(&self) -> ReviewId {
        self.id
    }
    fn references(&self) -> Vec<(String, Reference)> {
        Refs::default()
            .maybe(
                "anonymisation_sign_off.signed_off_by",
                USER,
                self.anonymisation_sign_off
                    .as_ref()
                    .map(|s| s.signed_off_by),
            )
            .0
    }
}

impl<S: Store> App<S> {
    /// Adds a record to its review after checking its fields and references. A numbered
    /// record (finding, key practice episode, narrative section) takes the next number in its
    /// review, whatever number it carries.
    pub async fn create<R: InReview>(&self, actor: &Actor, record: &R) -> AppResult<Stored<R>> {
        self.create_once(actor, record, None).await
    }

    /// [`App::create`] with the one-time key of the form that asked for it: the same form
    /// submitted again (a double click, a resent request) creates nothing more and answers with
    /// the record the first submission created.
    pub async fn create_once<R: InReview>(
        &self,
        actor: &Actor,
        record: &R,
        once: Option<&str>,
    ) -> AppResult<Stored<R>> {
        let roles = self
            .authorize_roles(actor, record.review_id(), Permission::to_write(R::KIND))
            .await?;
        own_agency(&roles, record)?;
        crate::access::check_role_grant(actor, &roles, None, record.granted_role())?;
        self.check_record(record).await?;
        // A key is what the page made (a few dozen characters); anything else is no key.
        let once = once
            .map(str::trim)
            .filter(|key| !key.is_empty() && key.len() <= 128);
        let created = self
            .store
            .create(record, once, &self.change(actor, "created"))
            .await?;
        // A key names what its own form created: never a record of another review.
        if created.record.review_id() != record.review_id() {
            return Err(AppError::Invalid(vec![Problem {
                path: "once".to_owned(),
                reason: "this form was already used; open it again".to_owned(),
            }]));
        }
        Ok(created)
    }

    /// Replaces a record that is still at `expected_version`, keeping the prior version with
    /// the actor, time and `reason`. A stale version is refused as a conflict; a record saved
    /// unchanged writes nothing and answers with the record as it is.
    pub async fn update<R: InReview>(
        &self,
        actor: &Actor,
        record: &R,
        expected_version: i64,
        reason: &str,
    ) -> AppResult<Stored<R>> {
        let edited = self
            .edit(
                actor,
                record.review_id(),
                record.id(),
                expected_version,
                reason,
                |_| Ok::<R, std::convert::Infallible>(record.clone()),
            )
            .await?;
        match edited {
            Edited::Saved(stored) => Ok(stored),
            Edited::Refused { why, .. } => match why {},
        }
    }

    /// Changes record `id` of `review` in one pass: it is read once, the actor's roles are
    /// read once, `change` turns the record as it stands into the new one (or refuses, and the
    /// record as read comes back with its reason, for the form to be shown again), and the new
    /// one is checked and written if the record is still at `expected_version`. Four round
    /// trips to the store when it has references to check, three when it has none.
    pub async fn edit<R: InReview, E>(
        &self,
        actor: &Actor,
        review: ReviewId,
        id: uuid::Uuid,
        expected_version: i64,
        reason: &str,
        change: impl FnOnce(&R) -> Result<R, E>,
    ) -> AppResult<Edited<R, E>> {
        if reason.trim().is_empty() {
            return Err(AppError::Invalid(vec![Problem {
                path: "reason".to_owned(),
                reason: "say why the record is changing".to_owned(),
            }]));
        }
        let current = self.store.get::<R>(id).await?;
        if current.record.review_id() != review {
            return Err(AppError::NotFound {
                what: format!("{} {id}", R::KIND),
            });
        }
        let roles = self
            .authorize_roles(actor, review, Permission::to_write(R::KIND))
            .await?;
        own_agency(&roles, &current.record)?;
        let record = match change(&current.record) {
            Ok(record) => record,
            Err(why) => return Ok(Edited::Refused { current, why }),
        };
        if record.id() != id || record.review_id() != review {
            return Err(AppError::NotFound {
                what: format!("{} {id}", R::KIND),
            });
        }
        own_agency(&roles, &record)?;
        if current.meta.version == expected_version && same(&current.record, &record) {
            return Ok(Edited::Saved(current));
        }
        crate::access::check_role_grant(
            actor,
            &roles,
            current.record.granted_role(),
            record.granted_role(),
        )?;
        if let (Some((_, Role::LeadReviewer)), Some((user, role))) =
            (current.record.granted_role(), record.granted_role())
            && (role != Role::LeadReviewer || user.is_none())
        {
            self.keep_a_lead(review, id).await?;
        }
        self.check_record(&record).await?;
        Ok(Edited::Saved(
            self.store
                .update(
                    &record,
                    expected_version,
                    &self.change(actor, reason.trim()),
                )
                .await?,
        ))
    }

    /// The records of one kind in a review, if the actor may read them.
    /// Withdraws a record (a narrative section, a participant) with the reason, from the
    /// version the user saw: kept with its history and shown as withdrawn, never deleted; the
    /// reason is the change's reason in the history and the audit trail.
    pub async fn withdraw<R: InReview + casewindow_domain::validation::Withdrawable>(
        &self,
        actor: &Actor,
        review: ReviewId,
        id: uuid::Uuid,
        expected_version: i64,
        reason: &str,
    ) -> AppResult<Stored<R>> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid(vec![Problem {
                path: "withdraw_reason".to_owned(),
                reason: "say why it is withdrawn".to_owned(),
            }]));
        }
        let today = self.today();
        let edited = self
            .edit::<R, Problem>(
                actor,
                review,
                id,
                expected_version,
                &format!("withdrew it: {reason}"),
                |record| {
                    if record.withdrawn().is_some() {
                        return Err(Problem {
                            path: "withdraw_reason".to_owned(),
                            reason: "it is already withdrawn".to_owned(),
                        });
                    }
                    let mut changed = record.clone();
                    changed.withdraw(casewindow_domain::validation::Withdrawal {
                        on: today,
                        reason: reason.to_owned(),
                    });
                    Ok(changed)
                },
            )
            .await?;
        match edited {
            Edited::Saved(saved) => Ok(saved),
            Edited::Refused { why, .. } => Err(AppError::Invalid(vec![why])),
        }
    }

    pub async fn records<R: InReview>(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<Stored<R>>> {
        let roles = self
            .authorize_roles(actor, review, Permission::to_read(R::KIND))
            .await?;
        self.audit_read(actor, review, R::KIND, "all").await?;
        let mut list = self.store.list::<R>(review.0).await?;
        list.retain(|stored| visible_to(&roles, &stored.record));
        Ok(list)
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
        let roles = self
            .authorize_roles(
                actor,
                stored.record.review_id(),
                Permission::to_read(R::KIND),
            )
            .await?;
        own_agency(&roles, &stored.record)?;
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

    /// Refuses to take the lead reviewer's role from participation `leaving` unless another
    /// participant with an account is lead reviewer too: a review always has someone to run it.
    async fn keep_a_lead(&self, review: ReviewId, leaving: uuid::Uuid) -> AppResult<()> {
        let others = self.store.list::<Participation>(review.0).await?;
        if others.iter().any(|p| {
            p.record.id.0 != leaving
                && p.record.role == Role::LeadReviewer
                && p.record.user_id.is_some()
        }) {
            return Ok(());
        }
        Err(AppError::Invalid(vec![Problem {
            path: "role".to_owned(),
            reason: "A review needs a lead reviewer: make someone else lead reviewer first"
                .to_owned(),
        }]))
    }

    /// The record's own fields, then its references, read in one go: everything it names must
    /// be part of the same review (recurrent issues: of the library; agencies and users: of the
    /// instance). A finding has at most one partnership response.
    pub(crate) async fn check_record<R: InReview>(&self, record: &R) -> AppResult<()> {
        let mut problems: Vec<Problem> = record
            .problems()
            .into_iter()
            .map(|p| Problem {
                path: p.field,
                reason: p.reason,
            })
            .collect();
        let references = record.references();
        if !references.is_empty() {
            let wanted: Vec<Reference> = references.iter().map(|(_, r)| *r).collect();
            let dangling = self.store.dangling(record.review_id(), &wanted).await?;
            for (path, reference) in references {
                if dangling.contains(&reference) {
                    let reason = match reference.target {
                        Target::Record(RecordKind::RecurrentIssue) => {
                            "names a recurrent issue that is not in the library".to_owned()
                        }
                        Target::Agency | Target::User => {
                            format!("names an {} that does not exist", reference.target.label())
                                .replace("an user", "a user")
                        }
                        Target::Record(_) => format!(
                            "names a {} that is not part of this review",
                            reference.target.label()
                        ),
                    };
                    problems.push(Problem { path, reason });
                }
            }
        }
        if R::KIND == RecordKind::Response && problems.is_empty() {
            let others = self.store.list::<R>(record.review_id().0).await?;
            if others
                .iter()
                .any(|o| o.record.id() != record.id() && o.record.columns() == record.columns())
            {
                problems.push(Problem {
                    path: "finding_id".to_owned(),
                    reason: "the finding already has a response".to_owned(),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(problems))
        }
    }
}

/// What [`App::edit`] did.
pub enum Edited<R, E> {
    /// Saved (or saved unchanged): the record as it now stands.
    Saved(Stored<R>),
    /// The change refused the record as it stood; nothing was written.
    Refused { current: Stored<R>, why: E },
}

/// Whether two versions of a record are the same (as they would be stored).
fn same<R: Record>(a: &R, b: &R) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Refuses a record another agency submitted, for an actor whose roles limit them to their
/// own agency's submissions ("not found", as for anything else they may not see).
fn own_agency<R: InReview>(roles: &[Participation], record: &R) -> AppResult<()> {
    if visible_to(roles, record) {
        Ok(())
    } else {
        Err(AppError::NotFound {
            what: format!("{} {}", R::KIND, record.id()),
        })
    }
}

/// Whether roles in a review (none: the system actor) let their holder see a record: a
/// liaison sees only their own agency's submissions, and a document for the leads only is seen
/// by them and by the agency that sent it.
pub(crate) fn visible_to<R: InReview>(roles: &[Participation], record: &R) -> bool {
    // A liaison sees their own agency's submissions only: not another agency's, and not papers
    // from no agency (a rapid review paper, a court document). Other kinds of record are not
    // limited by agency (a liaison who is also, say, business manager keeps that role's view).
    let agency_kind = matches!(
        R::KIND,
        RecordKind::ChronologyEntry | RecordKind::SourceDocument
    );
    if agency_kind
        && let Some(own) = crate::access::agency_limit_of(roles)
        && record.submitted_by() != Some(own)
    {
        return false;
    }
    !record.leads_only()
        || roles.is_empty()
        || crate::access::may_read_leads_only(roles, record.submitted_by())
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
    /// The period under review, as far as it is set.
    pub period: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
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
        let reviewed = self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?
            .record;
        let partnership = reviewed.partnership_id;
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
            // Documents for the leads only are in the register, not in this shared view.
            documents: documents
                .into_iter()
                .filter(|d| own(d.agency_id) && !d.leads_only())
                .collect(),
            agencies: self
                .store
                .agencies()
                .await?
                .into_iter()
                .filter(|a| a.partnership_id == Some(partnership))
                .collect(),
            stamp,
            agency_limit: limit,
            period: (reviewed.period_start, reviewed.period_end),
        });
        self.chronologies
            .put(review, stamp, limit, std::sync::Arc::clone(&view));
        Ok(view)
    }
}
