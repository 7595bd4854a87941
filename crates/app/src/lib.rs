//! Use cases: the one boundary the web layer and the command line call.
//!
//! [`App`] wraps a [`Store`] and adds what storage alone does not know: validation of every
//! record and of its references within its review, the lifecycle rules, statutory clocks, the
//! whole-review export and import, and the demo data. Every change carries an [`Actor`] and a
//! reason, and is stored with them.
//!
//! Authorisation belongs here too, in one place, so that pages, API and command line enforce
//! the same rules (see the access-control issue); the command line acts as the system.

mod access;
mod accounts;
pub mod alignment;
mod checkback;
mod chronology_import;
mod codebook;
mod deidentify;
mod demo;
pub mod documents;
mod error;
pub mod exchange;
mod identity;
mod library;
mod library_pages;
mod library_snapshot;
mod mindset;
pub mod patterns;
pub mod published;
pub mod quality;
mod records;
mod reference;
pub mod reports;
mod reviews;
mod search;
mod setup;
pub mod sharing;
mod spreadsheet;
pub mod thematic;
mod tokens;
pub mod totp;
pub mod tracker;
mod transfer;
mod vault;
pub mod versions;

pub use access::{Permission, permits, reason_required};
pub use accounts::{
    CurrentUser, SECOND_FACTOR_MINUTES, SecondFactorSetup, SignedIn, Standing,
    check_password_policy, random_token,
};
pub use checkback::{CheckBackReply, Waiting};
pub use chronology_import::{ImportFile, ImportPreview, StagedPreview};
pub use codebook::{CodebookIssue, IssueDecision};
pub use deidentify::review_code;
pub use demo::{DemoSummary, demo_documents};
pub use error::AppError;
pub use identity::NewSubject;
pub use library::{
    CandidateIssue, FindingDraft, FindingSuggestions, LibraryFinding, PatternLibrary, Reason,
    SimilarFinding, SuggestedIssue, pattern_choice,
};
pub use library_pages::{KeptCandidates, LibraryKey};
pub use mindset::OfferedAccount;
pub use records::{ChronologyView, Edited, InReview, Kept, Memo};
pub use reviews::{
    NEW_REVIEW_TYPOLOGY, NewReview, Overview, OverviewCounts, PORTFOLIO_PAGE, PartnershipChoice,
    Portfolio, PortfolioQuery, ReviewSummary,
};
pub use search::SearchAnswer;
pub use setup::new_setup_code;
pub use tokens::{NewToken, TOKEN_PREFIX, TokenView};
pub use vault::{Vault, VaultError};

use casewindow_domain::calendar::WorkingCalendar;
use casewindow_domain::ids::UserId;
use casewindow_domain::typology::{builtin_mappings, builtin_versions};
use casewindow_store::{Change, Store};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// Result of a use case.
pub type AppResult<T> = Result<T, AppError>;

/// Who is acting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user; `None` for the system itself.
    pub user: Option<UserId>,
    /// How the actor is described in logs (never personal data).
    pub label: String,
    /// Platform administrators run the instance and see no case content.
    pub platform_admin: bool,
    /// National analysts read de-identified findings across reviews and nothing else.
    pub national_analyst: bool,
    /// Why the actor is reading a review's restricted content, where their role must say
    /// (see [`reason_required`]): the review and the reason, recorded with every read.
    pub purpose: Option<(casewindow_domain::ids::ReviewId, String)>,
    /// What a program acting with one of the user's API tokens is limited to; `None` for the
    /// user themselves.
    pub token: Option<TokenLimits>,
}

/// The limits of an API token: what its owner chose when making it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenLimits {
    /// The token, for the audit trail.
    pub id: uuid::Uuid,
    /// Whether it may change records; otherwise it only reads.
    pub write: bool,
    /// The reviews it reaches; empty: every review its owner takes part in.
    pub reviews: Vec<casewindow_domain::ids::ReviewId>,
}

impl TokenLimits {
    /// Whether the token reaches `review`.
    pub fn reaches(&self, review: casewindow_domain::ids::ReviewId) -> bool {
        self.reviews.is_empty() || self.reviews.contains(&review)
    }
}

impl Actor {
    /// The system acting on an operator's command (command line, demo loader).
    pub fn system(label: &str) -> Self {
        Self {
            user: None,
            label: format!("system:{label}"),
            platform_admin: false,
            national_analyst: false,
            purpose: None,
            token: None,
        }
    }

    /// The reason the actor gave for reading `review`'s restricted content, if any.
    pub fn purpose_in(&self, review: casewindow_domain::ids::ReviewId) -> Option<&str> {
        self.purpose
            .as_ref()
            .filter(|(r, reason)| *r == review && !reason.trim().is_empty())
            .map(|(_, reason)| reason.as_str())
    }

    /// Whether the actor takes part in reviews (not a platform administrator, who sees no
    /// case content, nor a national analyst, who sees only de-identified findings).
    pub fn is_member(&self) -> bool {
        !self.platform_admin && !self.national_analyst
    }
}

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The application: use cases over a store.
#[derive(Clone)]
pub struct App<S> {
    store: S,
    calendar: Arc<WorkingCalendar>,
    clock: Clock,
    vault: Option<Arc<vault::Vault>>,
    library: Arc<library::PatternLibrary>,
    /// The one-time code that lets the first platform administrator be created in the browser.
    setup_code: Arc<std::sync::Mutex<Option<String>>>,
    /// Chronology views kept until their review changes.
    chronologies: Arc<records::ChronologyCache>,
    /// Rendered texts kept until their review changes.
    memo: Arc<records::Memo>,
    /// Library pages kept until the library changes.
    library_pages: Arc<library_pages::LibraryPages>,
    /// Candidate issues as last found for each reader.
    candidates: Arc<library_pages::Candidates>,
    /// The whole library at its last read state, shared by every reader.
    snapshots: Arc<library_snapshot::Snapshots>,
}

impl<S: Store> App<S> {
    /// An application over `store`, with the England and Wales calendar and the system clock.
    pub fn new(store: S) -> Self {
        Self {
            store,
            calendar: Arc::new(WorkingCalendar::england_and_wales()),
            clock: Arc::new(Utc::now),
            vault: None,
            library: Arc::new(library::PatternLibrary::lexical()),
            setup_code: Arc::new(std::sync::Mutex::new(None)),
            chronologies: Arc::default(),
            memo: Arc::default(),
            library_pages: Arc::default(),
            candidates: Arc::default(),
            snapshots: Arc::default(),
        }
    }

    /// The same application with a pattern library that also uses sentence embeddings.
    pub fn with_pattern_library(mut self, library: library::PatternLibrary) -> Self {
        self.library = Arc::new(library);
        self
    }

    /// The same application with a fixed or simulated clock (for tests).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The same application with the identity vault's key.
    pub fn with_vault(mut self, vault: vault::Vault) -> Self {
        self.vault = Some(Arc::new(vault));
        self
    }

    pub(crate) fn vault(&self) -> AppResult<&vault::Vault> {
        self.vault.as_deref().ok_or_else(|| {
            AppError::Invalid(vec![casewindow_interchange::Problem {
                path: "vault".to_owned(),
                reason: vault::VaultError::NotConfigured.to_string(),
            }])
        })
    }

    /// The working-day calendar.
    pub fn calendar(&self) -> &WorkingCalendar {
        &self.calendar
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Today's date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Seeds reference data that every instance needs (the typology). Safe to run at every start.
    pub async fn prepare(&self) -> AppResult<()> {
        self.store
            .seed_typology(&builtin_versions(), &builtin_mappings())
            .await?;
        Ok(())
    }

    fn change(&self, actor: &Actor, reason: &str) -> Change {
        Change {
            actor: actor.user,
            at: self.now(),
            reason: reason.to_owned(),
        }
    }
}
