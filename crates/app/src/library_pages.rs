//! Library pages kept until anything in the library changes.
//!
//! A library page counts and charts every finding the reader may read, which at a nation's scale
//! is tens of thousands. Its content is built once per state of the library and reader, and kept:
//! the key is the library stamp (read before the content, so what is kept is never older than
//! its key), the set of reviews the reader may read, whether they read de-identified, and the
//! page's own choices. Every request still reads the stamp and the reader's roles, so a change
//! made through any server is seen at once through every other. One page is built at a time;
//! whoever waits for it finds it kept.

use crate::access::Permission;
use crate::{Actor, App, AppResult};
use casewindow_store::Store;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

/// Pages kept at once.
const KEPT: usize = 32;

/// What a library page's content depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryKey {
    stamp: (i64, i64),
    reader: u64,
    analyst: bool,
    view: String,
}

/// Library pages' content, the most recently used first.
#[derive(Default)]
pub struct LibraryPages {
    items: Mutex<Vec<(LibraryKey, Arc<str>)>>,
    turn: tokio::sync::Mutex<()>,
}

impl LibraryPages {
    fn get(&self, key: &LibraryKey) -> Option<Arc<str>> {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        let at = items.iter().position(|(k, _)| k == key)?;
        let item = items.remove(at);
        let value = Arc::clone(&item.1);
        items.insert(0, item);
        Some(value)
    }

    fn put(&self, key: LibraryKey, value: Arc<str>) {
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
        let reader = match self
            .reviews_taking_part(actor, Some(Permission::ViewReview))
            .await?
        {
            Some(set) if !actor.national_analyst => {
                let mut ids: Vec<_> = set.into_iter().map(|r| r.0).collect();
                ids.sort_unstable();
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                ids.hash(&mut hasher);
                hasher.finish()
            }
            // The system and national analysts read every review.
            _ => 0,
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
        if let Some(page) = self.library_pages.get(&key) {
            return Ok(page);
        }
        let _turn = self.library_pages.turn.lock().await;
        if let Some(page) = self.library_pages.get(&key) {
            return Ok(page);
        }
        let page: Arc<str> = Arc::from(build().await?);
        self.library_pages.put(key, Arc::clone(&page));
        Ok(page)
    }
}
