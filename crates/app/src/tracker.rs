//! The partnership-wide action tracker: every action of every review the actor may see, so a
//! business manager can follow each one through to evidence of impact.

use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::response::Action;
use casewindow_store::Store;
use std::collections::HashMap;

/// One action with what a tracker shows about it.
#[derive(Clone, Debug)]
pub struct TrackedAction {
    pub action: Action,
    pub review_id: ReviewId,
    pub review_title: String,
    pub partnership: String,
    pub owner: String,
    /// The number of the finding the action answers, when it answers one.
    pub finding_number: Option<u32>,
    /// Due before today and not closed.
    pub overdue: bool,
}

impl<S: Store> App<S> {
    /// Every action in the reviews the actor may see, overdue first, then by due date.
    pub async fn action_tracker(&self, actor: &Actor) -> AppResult<Vec<TrackedAction>> {
        if !actor.is_member() {
            return Err(AppError::NotFound {
                what: "the action tracker".to_owned(),
            });
        }
        let reviews = self.viewable_reviews(actor).await?;
        let partnerships: HashMap<_, String> = self
            .store
            .partnerships()
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let agencies: HashMap<_, String> = self
            .store
            .agencies()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let today = self.today();
        let mut tracked = Vec::new();
        for (review_id, review) in &reviews {
            let actions = self.store.list::<Action>(review_id.0).await?;
            if actions.is_empty() {
                continue;
            }
            let findings: HashMap<_, u32> = self
                .store
                .list::<Finding>(review_id.0)
                .await?
                .into_iter()
                .map(|f| (f.record.id, f.record.position))
                .collect();
            for stored in actions {
                let action = stored.record;
                tracked.push(TrackedAction {
                    review_id: *review_id,
                    review_title: review.title.clone(),
                    partnership: partnerships
                        .get(&review.partnership_id)
                        .cloned()
                        .unwrap_or_default(),
                    owner: agencies
                        .get(&action.owner_agency_id)
                        .cloned()
                        .unwrap_or_else(|| "Unknown agency".to_owned()),
                    finding_number: action.finding_id.and_then(|f| findings.get(&f).copied()),
                    overdue: action.is_overdue(today),
                    action,
                });
            }
        }
        tracked.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(
                    a.action
                        .status
                        .is_closed()
                        .cmp(&b.action.status.is_closed()),
                )
                .then(a.action.due_on.is_none().cmp(&b.action.due_on.is_none()))
                .then(a.action.due_on.cmp(&b.action.due_on))
                .then(a.review_title.cmp(&b.review_title))
        });
        Ok(tracked)
    }
}
