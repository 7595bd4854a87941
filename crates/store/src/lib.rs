//! The storage contract.
//!
//! [`Store`] is what the application layer needs from a database: reference data
//! (partnerships, agencies, users, the typology), versioned analytical records with optimistic
//! concurrency and a kept revision for every change, lifecycle transitions, the identity vault,
//! and an atomic import of a whole review.
//!
//! Analytical records are handled generically through [`Record`]: each record kind declares its
//! table, its scope (usually the review), a sort key, the typed columns the database indexes or
//! constrains, and its many-to-many links. The record itself travels as JSON.
//!
//! This crate holds no SQL and does no I/O; `casewindow-store-sql` implements it.

mod account;
pub mod audit;
mod chronology;
mod collaboration;
mod error;
mod facts;
mod record;
mod records;

pub use records::key as column_key;

pub use account::{Account, ApiToken, Session};
pub use chronology::{
    ChronologyImport, LinkDecision, Progress, SUBMISSION_PREFIX_LEN, StagedUpload, entry_id,
    prefix_of_entry, submission_prefix,
};
pub use collaboration::{
    Comment, CommentOn, GivenAnswer, QualityAssessment, Share, VersionSignOff,
};
pub use error::StoreError;
pub use facts::{
    FoundCandidates, NewReportVersion, Reference, ReportVersion, ScanRun, StagedCodebook,
    StagedReport, SuggestionRun, Target, ThematicVersion,
};
pub use record::{
    Change, ColumnValue, ErasedRecord, LinkKind, Record, RecordKind, RecordMeta, Revision, Stored,
    StoredTransition,
};

use async_trait::async_trait;

use casewindow_domain::ids::{AgencyId, PartnershipId, ReviewId, SubjectId, UserId};
use casewindow_domain::lifecycle::Transition;
use casewindow_domain::organisation::{Agency, Partnership, User};
use casewindow_domain::review::Review;
use casewindow_domain::typology::{TypologyMapping, TypologyVersion};
use uuid::Uuid;

/// Every area of the store, for code that holds a concrete store: `use casewindow_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Accounts as _, Across as _, Audit as _, Chronologies as _, Collaboration as _, Facts as _,
        Records as _, ReferenceData as _, Sealed as _, Search as _, Store,
    };
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Lower-case name, as shown in logs and test output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A whole review to be written in one transaction: reference data first (skipped when a row
/// with the same id exists), then the review's records in dependency order, their revisions
/// and the lifecycle history.
/// Where a review's changes stand (see [`Records::change_stamp`]): the sequence numbers of the
/// audit events of the latest change in the review and of the latest change outside any review.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChangeStamp {
    pub review: i64,
    pub instance: i64,
}

#[derive(Clone, Debug, Default)]
pub struct ReviewBundle {
    /// The review's partnership, and any other partnership its agencies belong to.
    pub partnerships: Vec<Partnership>,
    pub agencies: Vec<Agency>,
    pub users: Vec<User>,
    /// Recurrent issues the review's findings refer to; existing ones are kept as they are.
    pub recurrent_issues: Vec<ErasedRecord>,
    /// The review and its records, parents before children.
    pub records: Vec<ErasedRecord>,
    pub revisions: Vec<(RecordKind, Uuid, Revision)>,
    pub transitions: Vec<StoredTransition>,
    /// Who imports the bundle, when and why (for the audit trail).
    pub actor: Option<UserId>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub reason: String,
    /// The one-time key of the form that asks for it (see [`Records::create`]): a bundle sent
    /// again with the same key by the same actor writes nothing.
    pub once: Option<String>,
}

/// What an import wrote and what it found already present.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub records: usize,
    pub revisions: usize,
    pub transitions: usize,
    /// Reference rows (partnership, agencies, users, recurrent issues) already present and kept.
    pub kept_existing: usize,
    /// The record the bundle's one-time key created first, when it had been used: then nothing
    /// was written.
    pub already: Option<Uuid>,
}

/// Persistence for casewindow, by area; every method is one transaction. A store is all of
/// them, on one engine.
///
/// Code generic over `S: Store` may call every area's methods; code holding a concrete store
/// imports the areas it uses, or [`prelude`].
pub trait Store:
    ReferenceData
    + Records
    + Accounts
    + Audit
    + Chronologies
    + Sealed
    + Facts
    + Collaboration
    + Search
    + Across
    + Clone
    + Send
    + Sync
    + 'static
{
    /// The engine behind this store.
    fn backend(&self) -> Backend;
}

/// Reference data: the typology, partnerships, agencies, users, and who takes part in which review.
#[async_trait]
pub trait ReferenceData: Send + Sync + 'static {
    /// Writes the built-in typology versions and mappings, leaving existing ones unchanged.
    async fn seed_typology(
        &self,
        versions: &[TypologyVersion],
        mappings: &[TypologyMapping],
    ) -> StoreResult<()>;
    /// Every typology version with its categories, and every mapping.
    async fn typology(&self) -> StoreResult<(Vec<TypologyVersion>, Vec<TypologyMapping>)>;
    async fn insert_partnership(
        &self,
        partnership: &Partnership,
        change: &Change,
    ) -> StoreResult<()>;
    async fn partnership(&self, id: PartnershipId) -> StoreResult<Partnership>;
    async fn partnerships(&self) -> StoreResult<Vec<Partnership>>;
    async fn insert_agency(&self, agency: &Agency, change: &Change) -> StoreResult<()>;
    /// Sets (or with `None` clears) what published documents call an agency, audited in the
    /// review where it was changed; `false` when there is no such agency.
    async fn set_agency_publication_name(
        &self,
        review: ReviewId,
        id: AgencyId,
        name: Option<&str>,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Withdraws an agency (added by mistake) with why, audited in the review where it was
    /// withdrawn; `false` when there is no such agency or it already was.
    async fn withdraw_agency(
        &self,
        review: ReviewId,
        id: AgencyId,
        withdrawal: &casewindow_domain::validation::Withdrawal,
        change: &Change,
    ) -> StoreResult<bool>;
    async fn agency(&self, id: AgencyId) -> StoreResult<Agency>;
    /// All agencies, ordered by name.
    async fn agencies(&self) -> StoreResult<Vec<Agency>>;
    async fn insert_user(&self, user: &User, change: &Change) -> StoreResult<()>;
    async fn user(&self, id: UserId) -> StoreResult<User>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// The participations of one user in one review.
    async fn participations_in(
        &self,
        user: UserId,
        review: ReviewId,
    ) -> StoreResult<Vec<Stored<casewindow_domain::participation::Participation>>>;
    /// Every participation of one user, across reviews.
    async fn participations_of(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<Stored<casewindow_domain::participation::Participation>>>;
}

/// Versioned analytical records: created, changed with optimistic concurrency (every prior version kept), read, counted, and whole reviews written at once; lifecycle transitions.
#[async_trait]
pub trait Records: Send + Sync + 'static {
    /// Stores a new record at version 1.
    async fn insert<R: Record>(&self, record: &R, change: &Change) -> StoreResult<Stored<R>>;
    /// Creates a record at version 1, in one transaction: a numbered kind (see
    /// [`RecordKind::numbered`]) takes the next number in its review, whatever number it
    /// carries; and with a one-time key (`once`, from a create form), the key is claimed for the
    /// change's actor, so a repeated submission writes nothing and answers with the record the
    /// first one created.
    async fn create<R: Record>(
        &self,
        record: &R,
        once: Option<&str>,
        change: &Change,
    ) -> StoreResult<Stored<R>>;
    /// The references among `references` that name nothing: a record of another review, or of
    /// none, an agency or user that does not exist (recurrent issues are looked up in the whole
    /// library). One read, however many references.
    async fn dangling(
        &self,
        review: ReviewId,
        references: &[Reference],
    ) -> StoreResult<Vec<Reference>>;
    /// Creates and updates records of any kinds in one transaction, each audited like
    /// [`Records::insert`] and [`Records::update`]: all of it is written, or none (a stale
    /// version anywhere is a `Conflict` and nothing is written).
    async fn write_all(
        &self,
        creates: &[ErasedRecord],
        updates: &[(ErasedRecord, i64)],
        change: &Change,
    ) -> StoreResult<()>;
    /// Replaces a record if it is still at `expected_version`, keeping the prior version as a
    /// revision with who, when and why. A stale version is refused with [`StoreError::Conflict`].
    async fn update<R: Record>(
        &self,
        record: &R,
        expected_version: i64,
        change: &Change,
    ) -> StoreResult<Stored<R>>;
    async fn get<R: Record>(&self, id: Uuid) -> StoreResult<Stored<R>>;
    /// Records of one kind within a scope (a review; a partnership for reviews), in sort order.
    async fn list<R: Record>(&self, scope: Uuid) -> StoreResult<Vec<Stored<R>>>;
    /// Records of one kind across every scope, in sort order.
    async fn list_all<R: Record>(&self) -> StoreResult<Vec<Stored<R>>>;
    /// Prior versions of a record, oldest first.
    async fn revisions(&self, kind: RecordKind, id: Uuid) -> StoreResult<Vec<Revision>>;
    /// Saves the review's new state and records the transition, in one transaction, if the
    /// review is still at `expected_version`.
    async fn transition_review(
        &self,
        review: &Review,
        expected_version: i64,
        transition: &Transition,
        change: &Change,
    ) -> StoreResult<Stored<Review>>;
    /// The review's lifecycle history, oldest first.
    async fn transitions(&self, review_id: ReviewId) -> StoreResult<Vec<StoredTransition>>;
    /// Writes a whole review atomically: either all of it is stored or none of it.
    async fn import_bundle(&self, bundle: &ReviewBundle) -> StoreResult<ImportSummary>;
    /// Records of one kind within a scope, counted without reading them.
    async fn count<R: Record>(&self, scope: Uuid) -> StoreResult<usize>;
}

/// Accounts, sign-in state and sessions. State two requests can change at once changes in one conditional statement.
#[async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Creates a user and their account together.
    async fn insert_user_with_account(
        &self,
        user: &User,
        account: &Account,
        change: &Change,
    ) -> StoreResult<()>;
    /// The user and account with this email address (compared case-insensitively).
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<(User, Account)>>;
    async fn account(&self, user: UserId) -> StoreResult<Option<Account>>;
    /// Adds an account to an existing user (for example a demo or imported user).
    async fn insert_account(&self, account: &Account, change: &Change) -> StoreResult<()>;
    /// Saves a new password hash (and clears the failed-login state).
    async fn update_password(&self, account: &Account, change: &Change) -> StoreResult<()>;
    /// Counts one failed sign-in (password or code) in one statement; at the `max`-th failure
    /// in a row the account is locked until `lock_until` and the count starts again. Answers
    /// whether the account is now locked.
    async fn count_failed_sign_in(
        &self,
        user: UserId,
        max: i64,
        lock_until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<bool>;
    /// Clears the failed-sign-in count and an expired lock after a right password.
    async fn clear_failed_sign_ins(
        &self,
        user: UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Accepts TOTP step `step` for the user if it is later than every step accepted before,
    /// in one statement (clearing the failed count); `false` if it was used or overtaken, so
    /// one code is accepted once however many requests carry it.
    async fn accept_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool>;
    /// Ends a session waiting for its second factor; `false` if it no longer exists (another
    /// request completed or ended it first).
    async fn take_pending_session(&self, token_hash: &str) -> StoreResult<bool>;
    /// Saves (or, with `None`, removes) the account's sealed TOTP secret and the last step
    /// used, if the account's secret is still `expected` (the one a current code was checked
    /// against; `None` when it had none); audited as a change. `false`, writing nothing, if the
    /// secret changed meanwhile.
    async fn update_second_factor(
        &self,
        account: &Account,
        expected: Option<&str>,
        change: &Change,
    ) -> StoreResult<bool>;
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// A session with its user and their account, in one read.
    async fn session_user(&self, token_hash: &str)
    -> StoreResult<Option<(Session, User, Account)>>;
    async fn touch_session(
        &self,
        token_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Signs a user out everywhere.
    async fn delete_sessions_of(&self, user: UserId) -> StoreResult<()>;
    /// Keeps a new API token (audited as a change of its owner's account).
    async fn insert_api_token(&self, token: &ApiToken, change: &Change) -> StoreResult<()>;
    /// A user's API tokens, newest first, revoked and expired ones included.
    async fn api_tokens_of(&self, user: UserId) -> StoreResult<Vec<ApiToken>>;
    /// Revokes token `id` of `user` in one conditional statement (audited); `false` if it is
    /// not theirs or was revoked already.
    async fn revoke_api_token(
        &self,
        user: UserId,
        id: uuid::Uuid,
        change: &Change,
    ) -> StoreResult<bool>;
    /// The live token with this hash (not revoked, not expired at `now`) with its owner and
    /// their account; its last use is moved to `now` when it was more than a minute ago.
    async fn use_api_token(
        &self,
        token_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Option<(ApiToken, User, Account)>>;
    /// Whether any platform administrator has an account.
    async fn has_platform_admin(&self) -> StoreResult<bool>;
    /// Creates the first platform administrator, unless one exists by the time the transaction
    /// runs (then nothing is written and the answer is `false`).
    async fn insert_first_admin(
        &self,
        user: &User,
        account: &Account,
        change: &Change,
    ) -> StoreResult<bool>;
}

/// The append-only, hash-chained audit trail and the change stamps derived from it.
#[async_trait]
pub trait Audit: Send + Sync + 'static {
    /// Appends an event that is not part of a change (a read of restricted data, a sign-in).
    /// Changes are audited by the store itself, in the same transaction as the change.
    async fn audit(&self, entry: &audit::AuditEntry) -> StoreResult<()>;
    /// Where a review's changes stand: moves with every change to the review's records (and,
    /// in `instance`, with every change outside any review), so an unchanged stamp means
    /// nothing a view of the review was built from has changed.
    async fn change_stamp(&self, review: ReviewId) -> StoreResult<ChangeStamp>;
    /// The review part of every review's change stamp, in one read.
    async fn change_stamps(&self) -> StoreResult<std::collections::HashMap<ReviewId, i64>>;
    /// Where the whole library stands: the sum of every change stamp (each review's and the
    /// instance's) and how many there are. Stamps only grow, so it moves with every change
    /// anywhere, whatever order transactions commit in.
    async fn library_stamp(&self) -> StoreResult<(i64, i64)>;
    /// A review's events, newest first, at most `limit`.
    async fn audit_events(
        &self,
        review: ReviewId,
        limit: usize,
    ) -> StoreResult<Vec<audit::AuditEvent>>;
    /// Checks the whole chain; the number of events, or the first problem found.
    async fn verify_audit(&self) -> StoreResult<Result<usize, String>>;
}

/// Agency chronology submissions, staged uploads and reviewers' alignment decisions.
#[async_trait]
pub trait Chronologies: Send + Sync + 'static {
    /// Stores an agency's imported chronology in one transaction: the file in the document
    /// register, and the import itself with every entry (and removes the staged upload it came
    /// from, if any). Entry `i` must have the id [`entry_id`]`(import.id, i)`. The agency's
    /// current submission in the review, if any, is replaced: its entries leave the review's
    /// lists (kept as history: [`Records::revisions`] gives each one's last version) along with
    /// the reviewers' link decisions on them, and its import row names the new one. The
    /// entries are then read, counted and changed like any other record. Audited.
    async fn import_chronology(
        &self,
        import: &ChronologyImport,
        document: &casewindow_domain::evidence::SourceDocument,
        entries: &[casewindow_domain::evidence::ChronologyEntry],
        staged: Option<uuid::Uuid>,
        progress: Progress<'_>,
        change: &Change,
    ) -> StoreResult<()>;
    /// Every import of a review, newest first.
    async fn chronology_imports(&self, review: ReviewId) -> StoreResult<Vec<ChronologyImport>>;
    /// Keeps an uploaded file until it is imported (the import removes it, `staged` above),
    /// and purges uploads staged before `purge_before`. Audited.
    async fn stage_upload(
        &self,
        upload: &StagedUpload,
        purge_before: chrono::DateTime<chrono::Utc>,
        change: &Change,
    ) -> StoreResult<()>;
    /// A staged upload by id.
    async fn staged_upload(&self, id: uuid::Uuid) -> StoreResult<Option<StagedUpload>>;
    /// Records reviewers' decisions on pairs of entries in one transaction, each replacing any
    /// earlier decision on its pair; `undo` pairs lose their decision. Audited.
    async fn decide_links(
        &self,
        review: ReviewId,
        decisions: &[LinkDecision],
        undo: &[(
            casewindow_domain::ids::ChronologyEntryId,
            casewindow_domain::ids::ChronologyEntryId,
        )],
        change: &Change,
    ) -> StoreResult<()>;
    /// Every decision on a review's alignment.
    async fn link_decisions(&self, review: ReviewId) -> StoreResult<Vec<LinkDecision>>;
}

/// What a sealed value is, for re-sealing them all under a new key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealedKind {
    Identity,
    Characteristics,
    DocumentFile,
    Gazetteer,
    SecondFactor,
}

impl SealedKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Identity,
        Self::Characteristics,
        Self::DocumentFile,
        Self::Gazetteer,
        Self::SecondFactor,
    ];
}

/// Turns one sealed value into its re-sealed form (or says why it cannot).
pub type Reseal<'a> = dyn Fn(SealedKind, Uuid, &str) -> Result<String, String> + Send + Sync + 'a;

/// What is kept sealed by the vault: real identities behind subjects and a review's gazetteer. The store never sees plain text or the key.
#[async_trait]
pub trait Sealed: Send + Sync + 'static {
    /// Stores or replaces the sealed (encrypted) identity behind a subject (the identity vault).
    /// The store never sees the plain identity or the key.
    async fn put_identity(
        &self,
        subject_id: SubjectId,
        sealed: &str,
        change: &Change,
    ) -> StoreResult<()>;
    /// Reads the sealed identity behind a subject (for revealing it with a reason, and for the
    /// report's pseudonym map and de-identification, which replace real names).
    async fn identity(&self, subject_id: SubjectId) -> StoreResult<Option<String>>;
    /// Re-seals every sealed value (identities, characteristics, document files, gazetteers,
    /// second-factor secrets) with `reseal`, in one transaction, each row changed only if it
    /// still holds what was read: all of them, or none. Audited; the number re-sealed.
    async fn reseal_all(&self, reseal: &Reseal<'_>, change: &Change) -> StoreResult<usize>;
    /// Stores or replaces a subject's sealed special-category characteristics.
    async fn put_characteristics(
        &self,
        review: ReviewId,
        subject_id: SubjectId,
        sealed: &str,
        change: &Change,
    ) -> StoreResult<()>;
    /// The sealed characteristics of a review's subjects, by subject.
    async fn review_characteristics(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<(SubjectId, String)>>;
    /// Registers a document and its sealed file in one transaction: the record at version 1
    /// (with a one-time key as in [`Records::create`]), the file, and the audit event; or
    /// nothing.
    async fn create_document(
        &self,
        document: &casewindow_domain::evidence::SourceDocument,
        sealed_file: &str,
        once: Option<&str>,
        change: &Change,
    ) -> StoreResult<Stored<casewindow_domain::evidence::SourceDocument>>;
    /// A document's sealed file, if it has one.
    async fn document_file(
        &self,
        document: casewindow_domain::ids::SourceDocumentId,
    ) -> StoreResult<Option<String>>;
    /// A review's sealed gazetteer for the identifier scan, if one was saved.
    async fn review_gazetteer(&self, review: ReviewId) -> StoreResult<Option<String>>;
    /// Saves (replaces) a review's sealed gazetteer.
    async fn put_review_gazetteer(
        &self,
        review: ReviewId,
        sealed: &str,
        change: &Change,
    ) -> StoreResult<()>;
}

/// Facts the server established and later requests name by id (suggestion runs, identifier scans), and the report template's versions.
#[async_trait]
pub trait Facts: Send + Sync + 'static {
    /// Candidate issues last found for `reader` (a stable hash of a reader's reviews), if any.
    async fn found_candidates(&self, reader: &str) -> StoreResult<Option<FoundCandidates>>;
    /// Keeps candidate issues for their reader, in place of any found at an earlier library
    /// stamp; ones found at a later stamp stay (one conditional upsert).
    async fn keep_candidates(&self, found: &FoundCandidates) -> StoreResult<()>;
    /// Sentence embeddings of `model` kept for these texts (by SHA-256, hex), as `(hash, vector)`.
    async fn embeddings(
        &self,
        model: &str,
        hashes: &[String],
    ) -> StoreResult<Vec<(String, Vec<f32>)>>;
    /// Keeps sentence embeddings of `model` by their text's hash; one already kept stays.
    async fn keep_embeddings(&self, model: &str, vectors: &[(String, Vec<f32>)])
    -> StoreResult<()>;
    /// Keeps a thematic analysis as a version, with an audit event (of the instance's chain;
    /// the library itself does not change, so no change stamp moves).
    async fn keep_thematic(&self, version: &ThematicVersion, change: &Change) -> StoreResult<()>;
    /// The thematic analyses `audience` may read, newest first, at most `limit`.
    async fn thematic_versions(
        &self,
        audience: &str,
        limit: usize,
    ) -> StoreResult<Vec<ThematicVersion>>;
    /// One kept thematic analysis, whoever may read it (the caller checks).
    async fn thematic_version(&self, id: Uuid) -> StoreResult<Option<ThematicVersion>>;
    /// Keeps the pattern library's suggestion for a text, for the finding written with it.
    async fn put_suggestion_run(&self, run: &SuggestionRun) -> StoreResult<()>;
    /// A kept suggestion by id.
    async fn suggestion_run(&self, id: Uuid) -> StoreResult<Option<SuggestionRun>>;
    /// Keeps an uploaded codebook until it is imported, in place of any other its uploader
    /// staged, and purges codebooks staged before `purge_before`. Audited.
    async fn stage_codebook(
        &self,
        staged: &StagedCodebook,
        purge_before: chrono::DateTime<chrono::Utc>,
        change: &Change,
    ) -> StoreResult<()>;
    /// A staged codebook by id.
    async fn staged_codebook(&self, id: Uuid) -> StoreResult<Option<StagedCodebook>>;
    /// Imports a staged codebook of `user`'s in one transaction: claims it (removing it, in one
    /// conditional statement) and creates `issues`, audited. `false`, with nothing written,
    /// when it is no longer there (already imported, or purged).
    async fn import_codebook(
        &self,
        id: Uuid,
        user: casewindow_domain::ids::UserId,
        issues: &[ErasedRecord],
        change: &Change,
    ) -> StoreResult<bool>;
    /// Keeps an uploaded report for a reviewer to confirm its findings, audited; when the same
    /// file (by hash) is already kept, keeps nothing and gives that one's id. `(id, new)`.
    async fn stage_report(
        &self,
        staged: &StagedReport,
        change: &Change,
    ) -> StoreResult<(Uuid, bool)>;
    /// Every kept report, newest first, without its file or proposal.
    async fn staged_reports(&self) -> StoreResult<Vec<StagedReport>>;
    /// A kept report with its file and proposal.
    async fn staged_report(&self, id: Uuid) -> StoreResult<Option<StagedReport>>;
    /// Imports a kept report's confirmed findings as a review in one transaction: claims the
    /// report (one conditional UPDATE setting its review) and writes `bundle`, audited. `None`,
    /// with nothing written, when it was already imported or is gone.
    async fn import_report(
        &self,
        id: Uuid,
        bundle: &ReviewBundle,
    ) -> StoreResult<Option<ImportSummary>>;
    /// Removes a kept report not yet imported, audited; `false` when there was none.
    async fn discard_report(&self, id: Uuid, change: &Change) -> StoreResult<bool>;
    /// Keeps an identifier scan and audits it, in one transaction.
    async fn put_scan_run(&self, run: &ScanRun, change: &Change) -> StoreResult<()>;
    /// A kept identifier scan by id.
    async fn scan_run(&self, id: Uuid) -> StoreResult<Option<ScanRun>>;
    /// Records what the runner of a scan judged not identifying (see [`ScanRun::accepted`]);
    /// `false` unless `user` ran it.
    async fn accept_scan_hits(
        &self,
        review: ReviewId,
        run: Uuid,
        user: Option<casewindow_domain::ids::UserId>,
        accepted: &[casewindow_domain::review::AcceptedHit],
        change: &Change,
    ) -> StoreResult<bool>;
    /// Freezes a version of a review's report, numbered next in the review in the same
    /// statement (two freezes at once cannot take one number); audited. Its number.
    async fn freeze_report(&self, version: &NewReportVersion, change: &Change) -> StoreResult<i64>;
    /// A review's frozen report versions, oldest first (without their files).
    async fn report_versions(&self, review: ReviewId) -> StoreResult<Vec<ReportVersion>>;
    /// A frozen version's Word (`docx`) or PDF (`pdf`) file, with the review it belongs to.
    async fn report_version_file(
        &self,
        id: Uuid,
        format: &str,
    ) -> StoreResult<Option<(ReviewId, Vec<u8>)>>;
    /// The report template in use: its version and its JSON body; `None` until one is saved.
    async fn report_template(&self) -> StoreResult<Option<(i64, String)>>;
    /// Saves a new version of the report template, if `expected` is still the latest version
    /// (0 when none was saved yet); returns the new version.
    async fn save_report_template(
        &self,
        body: &str,
        expected: i64,
        change: &Change,
    ) -> StoreResult<i64>;
}

/// Testing the analysis together: shares, comments and answers, report stages, partner
/// sign-offs, quality assessments. Each change is audited in its transaction.
#[async_trait]
pub trait Collaboration: Send + Sync + 'static {
    /// Shares a copy of a record's version with an audience; `false` (and nothing written)
    /// when that version was already shared with them.
    async fn share(&self, share: &Share, change: &Change) -> StoreResult<bool>;
    /// A review's shares, oldest first.
    async fn shares(&self, review: ReviewId) -> StoreResult<Vec<Share>>;
    /// Adds a comment.
    async fn add_comment(&self, comment: &Comment, change: &Change) -> StoreResult<()>;
    /// A review's comments, oldest first.
    async fn comments(&self, review: ReviewId) -> StoreResult<Vec<Comment>>;
    /// Answers a comment of `review` that has no answer yet, in one conditional statement;
    /// `false` when there is no such unanswered comment.
    async fn answer_comment(
        &self,
        review: ReviewId,
        comment: Uuid,
        answer: &GivenAnswer,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Moves a version of `review` from stage `from` to `to` (stage keys), in one conditional
    /// statement; `false` when it is not at `from` (someone moved it first).
    async fn move_version(
        &self,
        review: ReviewId,
        version: Uuid,
        from: &str,
        to: &str,
        change: &Change,
    ) -> StoreResult<bool>;
    /// A frozen version's document JSON, with its review.
    async fn report_version_document(&self, id: Uuid) -> StoreResult<Option<(ReviewId, String)>>;
    /// Records a partner's decision on a version; `false` when they had recorded one already.
    async fn sign_off_version(
        &self,
        sign_off: &VersionSignOff,
        change: &Change,
    ) -> StoreResult<bool>;
    /// A review's partner sign-offs, oldest first.
    async fn version_sign_offs(&self, review: ReviewId) -> StoreResult<Vec<VersionSignOff>>;
    /// Records an assessment of a quality marker.
    async fn assess_quality(
        &self,
        assessment: &QualityAssessment,
        change: &Change,
    ) -> StoreResult<()>;
    /// A review's quality assessments, oldest first.
    async fn quality_assessments(&self, review: ReviewId) -> StoreResult<Vec<QualityAssessment>>;
}

/// What one reader may see of one review, for a search: these kinds of document, and of
/// chronology entries only one agency's when `agency` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchScope {
    pub review: ReviewId,
    pub kinds: Vec<casewindow_search::Kind>,
    pub agency: Option<Uuid>,
}

/// Full-text search in the database: one index every server shares, kept per review at the
/// review's change stamp.
#[async_trait]
pub trait Search: Send + Sync + 'static {
    /// The reviews whose search documents are older than their change stamp (or missing), with
    /// that stamp.
    async fn stale_search_reviews(&self) -> StoreResult<Vec<(ReviewId, i64)>>;
    /// Replaces a review's search documents by `docs`, written at change stamp `stamp`, in one
    /// transaction; `false` (and nothing written) when they were already written at that stamp
    /// or a later one (by another server, or a search that got there first). The claim is one
    /// conditional statement, so two writers never both replace them.
    async fn index_review(
        &self,
        review: ReviewId,
        stamp: i64,
        docs: &[casewindow_search::Doc],
    ) -> StoreResult<bool>;
    /// The best matches of `query` (at most `limit`, best first) among the documents `scopes`
    /// allow, and nothing else.
    async fn search_matches(
        &self,
        query: &casewindow_search::Query,
        scopes: &[SearchScope],
        limit: usize,
    ) -> StoreResult<Vec<casewindow_search::Match>>;
    /// For each document named, its text with the matches of `query` marked
    /// ([`casewindow_search::MATCH_START`] … [`casewindow_search::MATCH_END`]) around a passage
    /// of about `words` words, and its whole text; documents that are gone are left out.
    async fn search_snippets(
        &self,
        query: &casewindow_search::Query,
        ids: &[Uuid],
        words: usize,
    ) -> StoreResult<std::collections::HashMap<Uuid, (String, String)>>;
}

/// Which actions a page of the action tracker shows, among the reader's reviews.
#[derive(Clone, Debug, Default)]
pub struct ActionQuery {
    /// The reviews whose actions the reader may see; nothing else is read.
    pub reviews: Vec<ReviewId>,
    /// Only actions at this status (its key), shown as not overdue.
    pub status: Option<String>,
    pub review: Option<ReviewId>,
    pub owner: Option<casewindow_domain::ids::AgencyId>,
    pub overdue_only: bool,
    /// Statuses (keys) that need no further work: such an action is never overdue.
    pub closed: Vec<String>,
    /// An action not closed and due before this day is overdue.
    pub today: chrono::NaiveDate,
    pub offset: usize,
    pub limit: usize,
}

/// Reviews listed for a page's review filter, at most: with more, `ActionPage::reviews` holds
/// one more than this, and the page does not list them.
pub const REVIEWS_LISTED: usize = 100;

/// One page of the action tracker, with counts over every action that matched.
#[derive(Clone, Debug, Default)]
pub struct ActionPage {
    /// Overdue first, then open before closed, then by due date (none last), review title.
    pub actions: Vec<Stored<casewindow_domain::response::Action>>,
    /// Actions in the reader's reviews, and how many of them match the query.
    pub total: usize,
    pub matching: usize,
    /// Of those matching: how many at each status (key) that are not overdue, and how many
    /// overdue.
    pub by_status: Vec<(String, usize)>,
    pub overdue: usize,
    /// Every owner and review with an action in the reader's reviews, for the filters.
    pub owners: Vec<casewindow_domain::ids::AgencyId>,
    pub reviews: Vec<ReviewId>,
}

/// Reads across many reviews, counted and paged in the database, so a page costs the same with
/// five reviews or five thousand.
#[async_trait]
pub trait Across: Send + Sync + 'static {
    /// Those of `reviews` with anything shared with readers or any report version (what a
    /// participant's comments or sign-off may be waited for on).
    async fn reviews_sharing(&self, reviews: &[ReviewId]) -> StoreResult<Vec<ReviewId>>;
    /// Each review with each agency whose practitioners take part in it, once.
    async fn review_agencies(
        &self,
    ) -> StoreResult<Vec<(ReviewId, casewindow_domain::ids::AgencyId)>>;
    /// One page of the actions of the reader's reviews.
    async fn actions_page(&self, query: &ActionQuery) -> StoreResult<ActionPage>;
    /// The conversations held with any of these participants, in any review.
    async fn conversations_with(
        &self,
        participants: &[casewindow_domain::ids::ParticipationId],
    ) -> StoreResult<Vec<Stored<casewindow_domain::evidence::Conversation>>>;
    /// For each recurrent issue linked to any finding: how many findings are linked to it and
    /// from how many reviews, counted in the database.
    async fn issue_reach(
        &self,
    ) -> StoreResult<
        std::collections::HashMap<casewindow_domain::ids::RecurrentIssueId, (usize, usize)>,
    >;
}
