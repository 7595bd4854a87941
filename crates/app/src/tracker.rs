//! The partnership-wide action tracker: every action of every review the actor may see, so a
//! business manager can follow each one through to evidence of impact.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::{AgencyId, ReviewId};
use casewindow_domain::response::{Action, ActionStatus};
use casewindow_domain::review::Review;
use casewindow_store::{ActionQuery, Store};
use std::collections::HashMap;

/// Actions on one page of the tracker.
pub const TRACKER_PAGE: usize = 50;

/// What the tracker shows: a status, a review, an owner, overdue only, a page (from 1).
#[derive(Clone, Debug, Default)]
pub struct TrackerQuery {
    pub status: Option<ActionStatus>,
    pub review: Option<ReviewId>,
    pub owner: Option<AgencyId>,
    pub overdue_only: bool,
    pub page: usize,
}

/// One page of the tracker, with counts over every action that matched.
#[derive(Clone, Debug, Default)]
pub struct TrackerPage {
    pub rows: Vec<TrackedAction>,
    /// Actions in the reader's reviews, and how many match the query.
    pub total: usize,
    pub matching: usize,
    pub page: usize,
    pub pages: usize,
    /// Of those matching, how many at each status (not overdue), and how many overdue.
    pub by_status: Vec<(ActionStatus, usize)>,
    pub overdue: usize,
    /// Every owning agency with an action in the reader's reviews, by name.
    pub owners: Vec<(AgencyId, String)>,
    /// Every review with an action, by title; `None` when there are too many to list.
    pub reviews: Option<Vec<(ReviewId, String)>>,
}

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

/// Partnerships' and agencies' names, by id.
type Names = (
    HashMap<casewindow_domain::ids::PartnershipId, String>,
    HashMap<AgencyId, String>,
);

/// An agency's name, or that it is not known.
fn agency_name(agencies: &HashMap<AgencyId, String>, agency: AgencyId) -> String {
    agencies
        .get(&agency)
        .cloned()
        .unwrap_or_else(|| "Unknown agency".to_owned())
}

impl<S: Store> App<S> {
    /// Partnerships' and agencies' names, as the tracker shows them.
    async fn tracker_names(&self) -> AppResult<Names> {
        let partnerships = self
            .store
            .partnerships()
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let agencies = self
            .store
            .agencies()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        Ok((partnerships, agencies))
    }

    /// One page of the actions in the reviews the actor may see, overdue first, then open
    /// before closed, then by due date; filtered, counted and paged by the database.
    ///
    /// Kept until anything changes (or the day does), for this reader and query.
    pub async fn action_tracker_page(
        &self,
        actor: &Actor,
        query: &TrackerQuery,
    ) -> AppResult<TrackerPage> {
        if !actor.is_member() {
            return Err(AppError::NotFound {
                what: "the action tracker".to_owned(),
            });
        }
        let view = format!("action tracker {} {actor:?} {query:?}", self.today());
        let key = self.library_key(actor, &view).await?;
        let page = self
            .kept_across(key, || self.tracker_page(actor, query))
            .await?;
        Ok((*page).clone())
    }

    async fn tracker_page(&self, actor: &Actor, query: &TrackerQuery) -> AppResult<TrackerPage> {
        let reviews: Vec<ReviewId> = match self
            .reviews_taking_part(actor, Some(Permission::ViewReview))
            .await?
        {
            Some(ids) => ids.into_iter().collect(),
            None => self
                .store
                .list_all::<Review>()
                .await?
                .into_iter()
                .map(|r| r.record.id)
                .collect(),
        };
        let today = self.today();
        let mut store_query = ActionQuery {
            reviews,
            status: query.status.map(|s| casewindow_store::column_key(&s)),
            review: query.review,
            owner: query.owner,
            overdue_only: query.overdue_only,
            closed: ActionStatus::ALL
                .iter()
                .filter(|s| s.is_closed())
                .map(casewindow_store::column_key)
                .collect(),
            today,
            offset: query.page.max(1).saturating_sub(1) * TRACKER_PAGE,
            limit: TRACKER_PAGE,
        };
        let mut found = self.store.actions_page(&store_query).await?;
        let pages = found.matching.div_ceil(TRACKER_PAGE).max(1);
        let page = query.page.clamp(1, pages);
        if (page - 1) * TRACKER_PAGE != store_query.offset {
            // Asked for a page past the last: the last.
            store_query.offset = (page - 1) * TRACKER_PAGE;
            found = self.store.actions_page(&store_query).await?;
        }
        let (partnerships, agencies) = self.tracker_names().await?;
        let mut titles: HashMap<ReviewId, (String, String)> = HashMap::new();
        let mut wanted: Vec<ReviewId> = found.actions.iter().map(|a| a.record.review_id).collect();
        if found.reviews.len() <= casewindow_store::REVIEWS_LISTED {
            wanted.extend(found.reviews.iter().copied());
        }
        for review in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = titles.entry(review) {
                let r = self.store.get::<Review>(review.0).await?.record;
                let partnership = partnerships
                    .get(&r.partnership_id)
                    .cloned()
                    .unwrap_or_default();
                slot.insert((r.title, partnership));
            }
        }
        let mut rows = Vec::with_capacity(found.actions.len());
        for stored in found.actions {
            let action = stored.record;
            let finding_number = match action.finding_id {
                Some(f) => self
                    .store
                    .get::<Finding>(f.0)
                    .await
                    .ok()
                    .map(|f| f.record.position),
                None => None,
            };
            let (title, partnership) = titles.get(&action.review_id).cloned().unwrap_or_default();
            rows.push(TrackedAction {
                review_id: action.review_id,
                review_title: title,
                partnership,
                owner: agency_name(&agencies, action.owner_agency_id),
                finding_number,
                overdue: action.is_overdue(today),
                action,
            });
        }
        let mut owners: Vec<(AgencyId, String)> = found
            .owners
            .iter()
            .map(|o| (*o, agency_name(&agencies, *o)))
            .collect();
        owners.sort_by(|a, b| a.1.cmp(&b.1));
        let reviews = (found.reviews.len() <= casewindow_store::REVIEWS_LISTED).then(|| {
            let mut list: Vec<(ReviewId, String)> = found
                .reviews
                .iter()
                .map(|r| (*r, titles.get(r).map(|t| t.0.clone()).unwrap_or_default()))
                .collect();
            list.sort_by(|a, b| a.1.cmp(&b.1));
            list
        });
        Ok(TrackerPage {
            rows,
            total: found.total,
            matching: found.matching,
            page,
            pages,
            by_status: ActionStatus::ALL
                .iter()
                .map(|s| {
                    let key = casewindow_store::column_key(s);
                    let n = found
                        .by_status
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map_or(0, |(_, n)| *n);
                    (*s, n)
                })
                .collect(),
            overdue: found.overdue,
            owners,
            reviews,
        })
    }

    /// Every action in the reviews the actor may see, overdue first, then by due date (the
    /// spreadsheet of them all).
    pub async fn action_tracker(&self, actor: &Actor) -> AppResult<Vec<TrackedAction>> {
        if !actor.is_member() {
            return Err(AppError::NotFound {
                what: "the action tracker".to_owned(),
            });
        }
        let reviews = self.viewable_reviews(actor).await?;
        let (partnerships, agencies) = self.tracker_names().await?;
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
                    owner: agency_name(&agencies, action.owner_agency_id),
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
