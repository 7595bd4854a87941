//! Library pages kept until anything in the library changes.
//!
//! A library page counts and charts every finding the reader may read, which at a nation's scale
//! is tens of thousands. Its content is built once per state of the library and reader, and kept:
//! the key is the library stamp (read before the content, so what is kept is never older than
//! its key), the set of reviews the reader may read, whether they read de-identified, and the
//! page's own choices. Every request still reads the stamp, so a change made through any server
//! is seen at once through every other. Each page is built once however many ask for it at
//! once; whoever waits for it finds it kept. The portfolio, the action tracker, the codebook and
//! search answers are kept the same way.
//!
//! Candidate issues take longest to find; they are also kept in the database under a stable
//! hash of the reader's reviews, so a server that has just started shows what another found.

use crate::access::Permission;
use crate::{Actor, App, AppResult, CandidateIssue};
use casewindow_store::Store;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Pages kept at once.
const KEPT: usize = 32;
/// Readers whose candidate issues are kept at once.
const KEPT_CANDIDATES: usize = 64;
/// How long a page waits for candidate issues being looked for before it says they are being
/// looked for; the search goes on and keeps what it finds.
const CANDIDATES_WAIT: Duration = Duration::from_secs(2);
/// How long it waits when earlier ones are known, before it shows those.
const CANDIDATES_WAIT_KNOWN: Duration = Duration::from_millis(300);

/// Candidate issues as last found for a reader.
#[derive(Clone, Debug)]
pub struct KeptCandidates {
    pub candidates: Arc<Vec<CandidateIssue>>,
    /// When they were looked for.
    pub at: DateTime<Utc>,
    /// Whether the library has changed since (a new search is under way).
    pub current: bool,
}

type Reader = (u64, bool);
/// Candidate issues found at a library stamp, and when.
type Found = ((i64, i64), Arc<Vec<CandidateIssue>>, DateTime<Utc>);

/// Candidate issues by reader, each with the library stamp it was found at, and the readers
/// whose candidates are being looked for.
#[derive(Default)]
pub struct Candidates {
    kept: Mutex<HashMap<Reader, Found>>,
    running: Mutex<HashSet<Reader>>,
}

/// What a library page's content depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryKey {
    stamp: (i64, i64),
    reader: u64,
    analyst: bool,
    view: String,
}

/// A kept page or view, of whatever type its key's view names.
type Value = Arc<dyn std::any::Any + Send + Sync>;
/// A reader, the library stamp at which their reviews were read, and the hash of those.
type KnownReader = (Actor, (i64, i64), u64);

/// Pages and views across reviews, the most recently used first; and the set of reviews each
/// reader may read, at the library stamp it was read at.
#[derive(Default)]
pub struct LibraryPages {
    items: Mutex<Vec<(LibraryKey, Value)>>,
    readers: Mutex<Vec<KnownReader>>,
    /// A turn for each key being built, so one page is built once however many ask at once,
    /// and different pages are built side by side.
    turns: Mutex<Vec<(LibraryKey, Arc<tokio::sync::Mutex<()>>)>>,
    /// Each person's roles in every review, at the library stamp they were read at.
    roles: Mutex<Vec<KnownRoles>>,
}

/// A person's participations, read at a library stamp.
type KnownRoles = (
    casewindow_domain::ids::UserId,
    (i64, i64),
    Arc<Vec<casewindow_store::Stored<casewindow_domain::participation::Participation>>>,
);

impl LibraryPages {
    /// A person's participations as read at `stamp`, if they were.
    pub(crate) fn roles_at(
        &self,
        user: casewindow_domain::ids::UserId,
        stamp: (i64, i64),
    ) -> Option<Arc<Vec<casewindow_store::Stored<casewindow_domain::participation::Participation>>>>
    {
        let roles = self.roles.lock().unwrap_or_else(PoisonError::into_inner);
        roles
            .iter()
            .find(|(u, s, _)| *u == user && *s == stamp)
            .map(|(_, _, p)| Arc::clone(p))
    }

    pub(crate) fn keep_roles(
        &self,
        user: casewindow_domain::ids::UserId,
        stamp: (i64, i64),
        found: Arc<Vec<casewindow_store::Stored<casewindow_domain::participation::Participation>>>,
    ) {
        let mut roles = self.roles.lock().unwrap_or_else(PoisonError::into_inner);
        roles.retain(|(u, s, _)| *s == stamp && *u != user);
        roles.insert(0, (user, stamp, found));
        roles.truncate(KEPT * 8);
    }
}

impl LibraryPages {
    fn get(&self, key: &LibraryKey) -> Option<Value> {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        let at = items.iter().position(|(k, _)| k == key)?;
        let item = items.remove(at);
        let value = Arc::clone(&item.1);
        items.insert(0, item);
        Some(value)
    }

    fn put(&self, key: LibraryKey, value: Value) {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        // Pages of older states of the library are never asked for again.
        items.retain(|(k, _)| k.stamp == key.stamp && *k != key);
        items.insert(0, (key, value));
        items.truncate(KEPT);
    }
}

impl<S: Store> App<S> {
    /// The key a library page's content is kept under, for this reader and `view` (the page's
    /// name and choices, as the caller writes them).
    pub async fn library_key(&self, actor: &Actor, view: &str) -> AppResult<LibraryKey> {
        let stamp = self.store.library_stamp().await?;
        // Who reads what changes only with a change somewhere, which moves the stamp.
        let known = {
            let readers = self
                .library_pages
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            readers
                .iter()
                .find(|(a, s, _)| a == actor && *s == stamp)
                .map(|(_, _, r)| *r)
        };
        let reader = match known {
            Some(reader) => reader,
            None => {
                let reader = match self
                    .reviews_taking_part(actor, Some(Permission::ViewReview))
                    .await?
                {
                    Some(set) if !actor.national_analyst => {
                        // A hash that is the same in every process, as candidate issues are
                        // kept in the database by it.
                        let mut ids: Vec<_> = set.into_iter().map(|r| r.0).collect();
                        ids.sort_unstable();
                        let mut hasher = Sha256::new();
                        for id in ids {
                            hasher.update(id.as_bytes());
                        }
                        let digest = hasher.finalize();
                        u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
                    }
                    // The system and national analysts read every review.
                    _ => 0,
                };
                let mut readers = self
                    .library_pages
                    .readers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                readers.retain(|(a, s, _)| *s == stamp && a != actor);
                readers.insert(0, (actor.clone(), stamp, reader));
                readers.truncate(KEPT * 8);
                reader
            }
        };
        Ok(LibraryKey {
            stamp,
            reader,
            analyst: actor.national_analyst,
            view: view.to_owned(),
        })
    }

    /// A library page's content kept under `key`, or built by `build` (one at a time; a
    /// request that waited for another's build finds it kept) and kept.
    pub async fn library_page<F, Fut, E>(&self, key: LibraryKey, build: F) -> Result<Arc<str>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<String, E>>,
    {
        let page = self
            .kept_across(key, || async { build().await.map(Arc::<str>::from) })
            .await?;
        Ok(Arc::clone(&page))
    }

    /// A view across reviews kept under `key` (whose view names its type), or built by
    /// `build`, one at a time, and kept.
    pub(crate) async fn kept_across<T, F, Fut, E>(
        &self,
        key: LibraryKey,
        build: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let found = |pages: &LibraryPages| pages.get(&key).and_then(|v| Arc::downcast::<T>(v).ok());
        if let Some(value) = found(&self.library_pages) {
            return Ok(value);
        }
        let turn = {
            let mut turns = self
                .library_pages
                .turns
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match turns.iter().find(|(k, _)| *k == key) {
                Some((_, turn)) => Arc::clone(turn),
                None => {
                    let turn = Arc::new(tokio::sync::Mutex::new(()));
                    turns.push((key.clone(), Arc::clone(&turn)));
                    turn
                }
            }
        };
        let _turn = turn.lock().await;
        if let Some(value) = found(&self.library_pages) {
            return Ok(value);
        }
        let built = build().await.map(Arc::new);
        if let Ok(value) = &built {
            self.library_pages
                .put(key.clone(), Arc::clone(value) as Value);
        }
        self.library_pages
            .turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(k, _)| *k != key);
        built
    }
}

impl<S: Store> App<S> {
    /// Candidate new recurrent issues for this reader: found at the library's present state
    /// when that takes no more than a moment; otherwise the last found (`current` false) while
    /// a search for the present state goes on, or `None` when there are none yet. Across a
    /// nation's library, discovery reads every unlinked finding, so it never holds up a page.
    pub async fn kept_candidate_issues(&self, actor: &Actor) -> AppResult<Option<KeptCandidates>> {
        let key = self.library_key(actor, "candidates").await?;
        let reader: Reader = (key.reader, key.analyst);
        let stored_as = format!("{:016x}{}", reader.0, if reader.1 { "-d" } else { "" });
        let kept = |app: &Self| {
            app.candidates
                .kept
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&reader)
                .cloned()
        };
        let mut known = kept(self);
        if known
            .as_ref()
            .is_none_or(|(stamp, _, _)| *stamp != key.stamp)
        {
            // Another server (or this one, before it started) may have found them.
            if let Some(found) = self.store.found_candidates(&stored_as).await?
                && known
                    .as_ref()
                    .is_none_or(|(stamp, _, _)| stamp.0 <= found.stamp.0)
                && let Ok(candidates) = serde_json::from_str::<Vec<CandidateIssue>>(&found.body)
            {
                let found: Found = (found.stamp, Arc::new(candidates), found.at);
                self.keep_found(reader, found.clone());
                known = Some(found);
            }
        }
        if let Some((stamp, found, at)) = &known
            && *stamp == key.stamp
        {
            return Ok(Some(KeptCandidates {
                candidates: Arc::clone(found),
                at: *at,
                current: true,
            }));
        }
        let started = self
            .candidates
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(reader);
        if started {
            let (app, actor, stamp) = (self.clone(), actor.clone(), key.stamp);
            let search = tokio::spawn(async move {
                let outcome = app.candidate_issues(&actor).await;
                let kept = match &outcome {
                    Ok(found) => {
                        let at = app.now();
                        app.keep_found(reader, (stamp, Arc::new(found.clone()), at));
                        match serde_json::to_string(found) {
                            Ok(body) => {
                                app.store
                                    .keep_candidates(&casewindow_store::FoundCandidates {
                                        reader: stored_as,
                                        stamp,
                                        at,
                                        body,
                                    })
                                    .await
                            }
                            Err(err) => {
                                Err(casewindow_store::StoreError::Unexpected(Box::new(err)))
                            }
                        }
                    }
                    Err(_) => Ok(()),
                };
                app.candidates
                    .running
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&reader);
                outcome?;
                kept.map_err(crate::AppError::from)
            });
            let wait = if known.is_some() {
                CANDIDATES_WAIT_KNOWN
            } else {
                CANDIDATES_WAIT
            };
            match tokio::time::timeout(wait, search).await {
                Ok(Ok(outcome)) => outcome?,
                Ok(Err(joined)) => {
                    return Err(crate::AppError::Internal(format!(
                        "looking for candidate issues: {joined}"
                    )));
                }
                // Still looking: the last found, if any, are shown meanwhile.
                Err(_) => {}
            }
        }
        Ok(kept(self).map(|(stamp, found, at)| KeptCandidates {
            candidates: found,
            at,
            current: stamp == key.stamp,
        }))
    }

    /// Keeps candidate issues found for a reader in this process.
    fn keep_found(&self, reader: Reader, found: Found) {
        let mut kept = self
            .candidates
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= KEPT_CANDIDATES && !kept.contains_key(&reader) {
            kept.clear();
        }
        if kept
            .get(&reader)
            .is_none_or(|(stamp, _, _)| stamp.0 <= found.0.0)
        {
            kept.insert(reader, found);
        }
    }
}
