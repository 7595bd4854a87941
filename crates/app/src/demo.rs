//! The demo data: one complete fictional review and a library of fictional reviews with
//! findings, embedded in the binary.

use crate::{Actor, App, AppResult};
use casewindow_domain::ids::ParticipationId;
use casewindow_domain::participation::{Participation, Role};
use casewindow_domain::review::Review;
use casewindow_store::{Change, Store};

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
    /// The demo account to sign in with (email), when accounts were created.
    pub sign_in_email: Option<String>,
}

impl<S: Store> App<S> {
    /// Loads the demo reviews unless the database already holds reviews. Each review is
    /// imported atomically; `progress` is told after each one. When `password` is given, every
    /// demo user gets an account with it, and the first lead reviewer also observes every other
    /// demo review, so one sign-in shows the whole demo.
    pub async fn load_demo(
        &self,
        password: Option<&str>,
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
        let mut reviews = Vec::new();
        for (done, (name, text)) in DEMO_FILES.iter().enumerate() {
            let (review, imported) = self.import_review(&actor, text).await?;
            reviews.push(review);
            summary.reviews_loaded += 1;
            summary.records += imported.records;
            progress(done + 1, total, name);
        }
        if let Some(password) = password {
            summary.sign_in_email = self.demo_accounts(password, &reviews).await?;
        }
        Ok(summary)
    }

    async fn demo_accounts(
        &self,
        password: &str,
        reviews: &[casewindow_domain::ids::ReviewId],
    ) -> AppResult<Option<String>> {
        for user in self.store.users().await? {
            if self.store.account(user.id).await?.is_none() {
                self.set_password(user.id, password).await?;
            }
        }
        let mut lead = None;
        for review in reviews {
            let participations = self.store.list::<Participation>(review.0).await?;
            if let Some(found) = participations
                .iter()
                .find(|p| p.record.role == Role::LeadReviewer && p.record.user_id.is_some())
            {
                lead = found.record.user_id;
                break;
            }
        }
        let Some(lead) = lead else { return Ok(None) };
        let change = Change {
            actor: None,
            at: self.now(),
            reason: "demo: lets the demo account see every demo review".to_owned(),
        };
        for review in reviews {
            let participations = self.store.list::<Participation>(review.0).await?;
            if participations
                .iter()
                .any(|p| p.record.user_id == Some(lead))
            {
                continue;
            }
            let observer = Participation {
                id: ParticipationId(uuid::Uuid::new_v4()),
                review_id: *review,
                user_id: Some(lead),
                label: "Demo observer".to_owned(),
                role: Role::Observer,
                agency_id: None,
                invited_on: None,
                consent: None,
                declined_on: None,
                contribution: String::new(),
                withdrawn: None,
            };
            self.store.insert(&observer, &change).await?;
        }
        Ok(Some(self.store.user(lead).await?.email))
    }
}
