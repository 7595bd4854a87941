//! The demo data: one complete fictional review and a library of fictional reviews with
//! findings, embedded in the binary.

use crate::{Actor, App, AppResult};
use casewindow_domain::review::Review;
use casewindow_store::Store;

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// The embedded demo documents: (file name, JSON).
pub fn demo_documents() -> &'static [(&'static str, &'static str)] {
    DEMO_FILES
}

/// What loading the demo did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub reviews_loaded: usize,
    pub records: usize,
    /// True when the database already held reviews and nothing was loaded.
    pub skipped: bool,
}

impl<S: Store> App<S> {
    /// Loads the demo reviews unless the database already holds reviews. Each review is
    /// imported atomically; `progress` is told after each one.
    pub async fn load_demo(
        &self,
        mut progress: impl FnMut(usize, usize, &str),
    ) -> AppResult<DemoSummary> {
        if !self.store.list_all::<Review>().await?.is_empty() {
            return Ok(DemoSummary {
                skipped: true,
                ..DemoSummary::default()
            });
        }
        let actor = Actor::system("demo");
        let mut summary = DemoSummary::default();
        let total = DEMO_FILES.len();
        for (done, (name, text)) in DEMO_FILES.iter().enumerate() {
            let (_, imported) = self.import_review(&actor, text).await?;
            summary.reviews_loaded += 1;
            summary.records += imported.records;
            progress(done + 1, total, name);
        }
        Ok(summary)
    }
}
