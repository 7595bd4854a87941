//! Reviews: the portfolio, a review's content, its lifecycle and statutory clocks.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::ChronologyEntry;
use casewindow_domain::evidence::Conversation;
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ParticipationId;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::lifecycle::{
    self, ContentNeeds, ReviewContent, ReviewState, TransitionRequest,
};
use casewindow_domain::organisation::Partnership;
use casewindow_domain::participation::{Participation, Role};
use casewindow_domain::response::Action;
use casewindow_domain::review::{Deadline, Review, TermsOfReference};
use casewindow_interchange::Problem;
use casewindow_store::{ErasedRecord, Record, RecordMeta, ReviewBundle, Store, Stored};

/// How many records of each kind a review holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OverviewCounts {
    pub chronology_entries: usize,
    pub conversations: usize,
    pub kpes: usize,
    pub findings: usize,
    pub actions: usize,
}

/// What the overview page shows.
#[derive(Clone, Debug)]
pub struct Overview {
    pub review: Stored<Review>,
    pub permissions: Vec<Permission>,
    pub steps: Vec<(ReviewState, Vec<lifecycle::Unmet>)>,
    pub counts: OverviewCounts,
}

/// One line of the portfolio.
#[derive(Clone, Debug)]
pub struct ReviewSummary {
    pub review: Stored<Review>,
    pub partnership: Partnership,
    /// The next statutory deadline not yet met, if any.
    pub next_deadline: Option<Deadline>,
    /// Working days from today to that deadline (negative when overdue).
    pub working_days_left: Option<i64>,
    /// Whether the actor reads the review's pages; otherwise they take part only through what
    /// is shared with them (case group and family members).
    pub readable: bool,
    /// The actor's roles in the review (none for the system itself).
    pub roles: Vec<Role>,
}

/// What the portfolio shows: words in the title, a stage, a partnership, a page.
#[derive(Clone, Debug, Default)]
pub struct PortfolioQuery {
    pub text: String,
    pub state: Option<ReviewState>,
    pub partnership: Option<casewindow_domain::ids::PartnershipId>,
    /// Only the reviews where the person has this role.
    pub role: Option<Role>,
    /// From 1.
    pub page: usize,
}

/// One page of the portfolio, and what its filters can offer.
#[derive(Clone, Debug)]
pub struct Portfolio {
    pub rows: Vec<ReviewSummary>,
    /// Reviews the person takes part in, and how many of them match the query.
    pub total: usize,
    pub matching: usize,
    pub page: usize,
    pub pages: usize,
    /// The partnerships, stages and the person's roles across their reviews, for the filters.
    pub partnerships: Vec<Partnership>,
    pub states: Vec<ReviewState>,
    pub roles: Vec<Role>,
}

/// Reviews on one page of the portfolio.
pub const PORTFOLIO_PAGE: usize = 25;

fn records<R>(list: Vec<Stored<R>>) -> Vec<R> {
    list.into_iter().map(|stored| stored.record).collect()
}

impl<S: Store> App<S> {
    /// Every review the actor takes part in (every review, for the system), with its
    /// partnership and next statutory deadline.
    pub async fn reviews(&self, actor: &Actor) -> AppResult<Vec<ReviewSummary>> {
        if actor.platform_admin {
            return Ok(Vec::new());
        }
        // One read of the person's roles decides which reviews they see and read.
        let mut roles: std::collections::HashMap<ReviewId, Vec<Role>> = Default::default();
        let mut readable: std::collections::HashSet<ReviewId> = Default::default();
        let limited = actor.user.is_some();
        if limited && !actor.national_analyst {
            for taking_part in self.participations_of(actor).await? {
                let p = taking_part.record;
                if crate::access::permits(p.role, Permission::ViewReview)
                    && crate::access::token_allows(actor, Permission::ViewReview)
                {
                    readable.insert(p.review_id);
                }
                roles.entry(p.review_id).or_default().push(p.role);
            }
        }
        let partnerships: std::collections::HashMap<_, Partnership> = self
            .store
            .partnerships()
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        // A person in a few reviews has them read one by one; otherwise every review is read
        // at once and those they take no part in are passed over.
        let listed: Vec<Stored<Review>> = if limited && roles.len() <= 64 {
            let mut list = Vec::with_capacity(roles.len());
            for id in roles.keys() {
                match self.store.get::<Review>(id.0).await {
                    Ok(review) => list.push(review),
                    Err(casewindow_store::StoreError::NotFound { .. }) => {}
                    Err(other) => return Err(other.into()),
                }
            }
            list
        } else {
            // The library's reviews, read once for every view across reviews: at a server's
            // start this waits for the read already under way instead of reading every review
            // a second time beside it (1.4-2.1 s for the first portfolio at 5,000 reviews).
            self.library_snapshot().await?.reviews.clone()
        };
        let today = self.today();
        // Many reviews share a deadline's date; each date's working days are counted once.
        let mut days_to: std::collections::HashMap<chrono::NaiveDate, i64> = Default::default();
        let mut summaries = Vec::new();
        for review in listed {
            let id = review.record.id;
            if limited && !roles.contains_key(&id) {
                continue;
            }
            let Some(partnership) = partnerships.get(&review.record.partnership_id) else {
                continue;
            };
            let next_deadline = self
                .deadlines(&review.record)
                .into_iter()
                .find(|d| d.met_on.is_none());
            let working_days_left = next_deadline.as_ref().map(|d| {
                *days_to
                    .entry(d.due_on)
                    .or_insert_with(|| d.working_days_left(self.calendar(), today))
            });
            summaries.push(ReviewSummary {
                review,
                partnership: partnership.clone(),
                next_deadline,
                working_days_left,
                readable: !limited || readable.contains(&id),
                roles: roles.get(&id).cloned().unwrap_or_default(),
            });
        }
        summaries.sort_by(|a, b| {
            (
                &a.partnership.name,
                &a.review.record.title,
                a.review.record.id,
            )
                .cmp(&(
                    &b.partnership.name,
                    &b.review.record.title,
                    b.review.record.id,
                ))
        });
        Ok(summaries)
    }

    /// The person's reviews as the portfolio shows them: the most pressing statutory deadline
    /// first (overdue before due, sooner before later, then those with no clock running), then
    /// by title; filtered by the query and cut to its page.
    ///
    /// Kept until anything changes (or the day does), for this reader and query.
    pub async fn portfolio(&self, actor: &Actor, query: &PortfolioQuery) -> AppResult<Portfolio> {
        let view = format!("portfolio {} {actor:?} {query:?}", self.today());
        let key = self.library_key(actor, &view).await?;
        let page = self
            .kept_across(key, || self.portfolio_now(actor, query))
            .await?;
        Ok((*page).clone())
    }

    async fn portfolio_now(&self, actor: &Actor, query: &PortfolioQuery) -> AppResult<Portfolio> {
        let mut all = self.reviews(actor).await?;
        all.sort_by_cached_key(|s| {
            (
                s.working_days_left.unwrap_or(i64::MAX),
                s.review.record.title.to_lowercase(),
            )
        });
        let total = all.len();
        let mut partnerships: Vec<Partnership> = Vec::new();
        let mut states: Vec<ReviewState> = Vec::new();
        let mut roles: Vec<Role> = Vec::new();
        for summary in &all {
            for role in &summary.roles {
                if !roles.contains(role) {
                    roles.push(*role);
                }
            }
            if !partnerships.iter().any(|p| p.id == summary.partnership.id) {
                partnerships.push(summary.partnership.clone());
            }
            if !states.contains(&summary.review.record.state) {
                states.push(summary.review.record.state);
            }
        }
        partnerships.sort_by(|a, b| a.name.cmp(&b.name));
        states.sort_by_key(|s| ReviewState::ALL.iter().position(|x| x == s));
        roles.sort_by_key(|r| Role::ALL.iter().position(|x| x == r));
        let words: Vec<String> = query
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let matching: Vec<ReviewSummary> = all
            .into_iter()
            .filter(|s| {
                query
                    .state
                    .is_none_or(|state| s.review.record.state == state)
            })
            .filter(|s| query.partnership.is_none_or(|p| s.partnership.id == p))
            .filter(|s| query.role.is_none_or(|r| s.roles.contains(&r)))
            .filter(|s| {
                let title = s.review.record.title.to_lowercase();
                words.iter().all(|w| title.contains(w.as_str()))
            })
            .collect();
        let pages = matching.len().div_ceil(PORTFOLIO_PAGE).max(1);
        let page = query.page.clamp(1, pages);
        let count = matching.len();
        let rows = matching
            .into_iter()
            .skip((page - 1) * PORTFOLIO_PAGE)
            .take(PORTFOLIO_PAGE)
            .collect();
        Ok(Portfolio {
            rows,
            total,
            matching: count,
            page,
            pages,
            partnerships,
            states,
            roles,
        })
    }

    /// The statutory deadlines of a review, in working days.
    pub fn deadlines(&self, review: &Review) -> Vec<Deadline> {
        review.statutory.deadlines(self.calendar())
    }

    /// A review and its version, if the actor may see it.
    pub async fn review(&self, actor: &Actor, id: ReviewId) -> AppResult<Stored<Review>> {
        self.authorize(actor, id, Permission::ViewReview).await?;
        Ok(self.store.get::<Review>(id.0).await?)
    }

    /// The parts of a review's content a guard needs; the rest is left empty. Not authorised:
    /// callers have already checked the actor may see the review.
    async fn load_content(
        &self,
        review: &Stored<Review>,
        needs: ContentNeeds,
    ) -> AppResult<ReviewContent> {
        let scope = review.record.id.0;
        Ok(ReviewContent {
            review: review.record.clone(),
            terms: if needs.terms {
                self.store
                    .list::<TermsOfReference>(scope)
                    .await?
                    .pop()
                    .map(|s| s.record)
            } else {
                None
            },
            participations: if needs.participations {
                records(self.store.list(scope).await?)
            } else {
                Vec::new()
            },
            chronology_entries: if needs.counts {
                self.store.count::<ChronologyEntry>(scope).await?
            } else {
                0
            },
            conversations: if needs.counts {
                self.store.count::<Conversation>(scope).await?
            } else {
                0
            },
            kpes: if needs.kpes {
                records(self.store.list(scope).await?)
            } else {
                Vec::new()
            },
            findings: if needs.findings {
                records(self.store.list(scope).await?)
            } else {
                Vec::new()
            },
            responses: if needs.responses {
                records(self.store.list(scope).await?)
            } else {
                Vec::new()
            },
            actions: if needs.actions {
                records(self.store.list(scope).await?)
            } else {
                Vec::new()
            },
            testing: if needs.testing {
                self.testing_in(review.record.id).await?
            } else {
                Vec::new()
            },
            final_version: if needs.final_version {
                self.final_version(review.record.id)
                    .await?
                    .and_then(|v| v.fingerprint)
            } else {
                None
            },
        })
    }

    /// A review with the actor's permissions in it, from one look-up of their roles; "not
    /// found" unless they hold `needed`.
    pub async fn review_access(
        &self,
        actor: &Actor,
        id: ReviewId,
        needed: Permission,
    ) -> AppResult<(Stored<Review>, Vec<Permission>)> {
        let permissions = self.permissions(actor, id).await?;
        if !permissions.contains(&needed) {
            return Err(AppError::NotFound {
                what: format!("review {id}"),
            });
        }
        Ok((self.store.get::<Review>(id.0).await?, permissions))
    }

    /// What the overview page shows: the review, the actor's permissions, the next steps with
    /// what stands in their way, and how many records of each kind the review holds.
    pub async fn overview(&self, actor: &Actor, id: ReviewId) -> AppResult<Overview> {
        let (review, permissions) = self
            .review_access(actor, id, Permission::ViewReview)
            .await?;
        let next = review.record.state.next_states();
        let needs = next.iter().fold(ContentNeeds::default(), |acc, state| {
            acc.and(ContentNeeds::to_enter(*state))
        });
        let content = self.load_content(&review, needs).await?;
        let steps = next
            .iter()
            .map(|state| (*state, lifecycle::guard(&content, *state)))
            .collect();
        let scope = id.0;
        let counts = OverviewCounts {
            chronology_entries: self.store.count::<ChronologyEntry>(scope).await?,
            conversations: self.store.count::<Conversation>(scope).await?,
            kpes: self.store.count::<KeyPracticeEpisode>(scope).await?,
            findings: self.store.count::<Finding>(scope).await?,
            actions: self.store.count::<Action>(scope).await?,
        };
        Ok(Overview {
            review,
            permissions,
            steps,
            counts,
        })
    }

    /// Moves a review through its lifecycle if the guards allow it and the review is still at
    /// `expected_version`. The transition is stored with the new state in one transaction.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: ReviewId,
        expected_version: i64,
        request: &TransitionRequest,
    ) -> AppResult<Stored<Review>> {
        let (review, _) = self
            .review_access(actor, id, Permission::ManageLifecycle)
            .await?;
        let needs = match request {
            TransitionRequest::Advance(to) => ContentNeeds::to_enter(*to),
            _ => ContentNeeds::default(),
        };
        let content = self.load_content(&review, needs).await?;
        if review.meta.version != expected_version {
            return Err(AppError::Conflict(casewindow_store::StoreError::Conflict {
                kind: casewindow_store::RecordKind::Review,
                id: id.to_string(),
                expected: expected_version,
                actual: review.meta.version,
            }));
        }
        let (next, transition) = lifecycle::apply(&content, request, self.today())?;
        let reason = match &transition.reason {
            Some(reason) => format!("{} → {}: {reason}", transition.from, transition.to),
            None => format!("{} → {}", transition.from, transition.to),
        };
        Ok(self
            .store
            .transition_review(
                &next,
                expected_version,
                &transition,
                &self.change(actor, &reason),
            )
            .await?)
    }
}

/// The typology version a new review's findings are placed in.
pub const NEW_REVIEW_TYPOLOGY: &str = casewindow_domain::typology::ORIGINAL_2008;

/// Where a new review belongs: a partnership that exists, or a new one opened with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartnershipChoice {
    Existing(casewindow_domain::ids::PartnershipId),
    New {
        name: String,
        jurisdiction: casewindow_domain::organisation::Jurisdiction,
    },
}

/// What a person says when opening a review; the application decides the rest (its id, first
/// state, typology version, the day it opened, and the opener as lead reviewer).
#[derive(Clone, Debug, PartialEq)]
pub struct NewReview {
    pub title: String,
    pub partnership: PartnershipChoice,
    pub kind: casewindow_domain::review::ReviewKind,
    pub methodology: casewindow_domain::review::Methodology,
    pub period_start: Option<chrono::NaiveDate>,
    pub period_end: Option<chrono::NaiveDate>,
    pub local_authority_aware_on: Option<chrono::NaiveDate>,
    pub notified_on: Option<chrono::NaiveDate>,
    pub harm_types: Vec<casewindow_domain::review::HarmType>,
}

impl<S: Store> App<S> {
    /// Opens a new review: a review the national panel was notified of (or the local authority
    /// knew of) starts as notified, so its statutory clocks run; any other starts as
    /// commissioned. A new partnership, the review and the actor's part as its lead reviewer
    /// are written in one transaction, so nothing is left half made.
    pub async fn open_review(
        &self,
        actor: &Actor,
        new: NewReview,
        once: Option<&str>,
    ) -> AppResult<Stored<Review>> {
        use casewindow_domain::lifecycle::ReviewState;
        use casewindow_domain::review::{ReviewFacets, StatutoryDates};
        let partnership = match new.partnership {
            PartnershipChoice::Existing(id) => {
                if actor.is_member() {
                    self.store.partnership(id).await?;
                }
                (id, None)
            }
            PartnershipChoice::New { name, jurisdiction } => {
                let partnership = Partnership {
                    id: casewindow_domain::ids::PartnershipId(uuid::Uuid::new_v4()),
                    name,
                    jurisdiction,
                    kind: casewindow_domain::organisation::PartnershipKind::SafeguardingPartnership,
                };
                crate::error::check_fields(&partnership)?;
                (partnership.id, Some(partnership))
            }
        };
        let notified = new.notified_on.is_some() || new.local_authority_aware_on.is_some();
        let review = Review {
            id: ReviewId(uuid::Uuid::new_v4()),
            partnership_id: partnership.0,
            title: new.title.trim().to_owned(),
            kind: new.kind,
            methodology: new.methodology,
            state: if notified {
                ReviewState::Notified
            } else {
                ReviewState::Commissioned
            },
            on_hold: None,
            withdrawn_reason: None,
            period_start: new.period_start,
            period_end: new.period_end,
            opened_on: self.today(),
            typology_version: NEW_REVIEW_TYPOLOGY.to_owned(),
            parallel_processes: Vec::new(),
            statutory: StatutoryDates {
                local_authority_aware_on: new.local_authority_aware_on,
                notified_on: new.notified_on,
                ..StatutoryDates::default()
            },
            facets: ReviewFacets {
                harm_types: new.harm_types,
                child_age_band: None,
            },
            anonymisation_sign_off: None,
            publication: None,
        };
        self.write_new_review(actor, &review, partnership.1, once)
            .await
    }

    /// Opens a review as given (for tests and importers that fix its fields); the actor
    /// becomes its lead reviewer. Written in one transaction.
    pub async fn create_review(&self, actor: &Actor, review: &Review) -> AppResult<Stored<Review>> {
        self.store.partnership(review.partnership_id).await?;
        self.write_new_review(actor, review, None, None).await
    }

    async fn write_new_review(
        &self,
        actor: &Actor,
        review: &Review,
        partnership: Option<Partnership>,
        once: Option<&str>,
    ) -> AppResult<Stored<Review>> {
        let Some(user) = actor.user else {
            return Err(AppError::Invalid(vec![Problem {
                path: "actor".to_owned(),
                reason: "a review is opened by a signed-in user, who becomes its lead reviewer"
                    .to_owned(),
            }]));
        };
        if !actor.is_member() {
            return Err(AppError::NotFound {
                what: "page".to_owned(),
            });
        }
        if let Some(token) = &actor.token {
            if !token.write {
                return Err(AppError::ReadOnlyToken);
            }
            if !token.reviews.is_empty() {
                return Err(AppError::Invalid(vec![Problem {
                    path: "token".to_owned(),
                    reason: "this token reaches only the reviews it was made for, so it cannot \
                             open a new one: use a token for all your reviews"
                        .to_owned(),
                }]));
            }
        }
        crate::error::check_fields(review)?;
        let lead = Participation {
            id: ParticipationId(uuid::Uuid::new_v4()),
            review_id: review.id,
            user_id: Some(user),
            label: "Lead reviewer".to_owned(),
            role: Role::LeadReviewer,
            agency_id: None,
            // Nobody invited them: they opened the review.
            invited_on: None,
            consent: None,
            declined_on: None,
            contribution: String::new(),
            withdrawn: None,
        };
        let change = self.change(actor, "opened the review");
        let meta = RecordMeta::created(&change);
        let erase = |result: Result<ErasedRecord, serde_json::Error>| {
            result
                .map_err(|e| AppError::Store(casewindow_store::StoreError::Unexpected(Box::new(e))))
        };
        let bundle = ReviewBundle {
            partnerships: partnership.into_iter().collect(),
            records: vec![
                erase(review.erase(meta.clone()))?,
                erase(lead.erase(meta.clone()))?,
            ],
            actor: actor.user,
            at: change.at,
            reason: change.reason.clone(),
            // A key is what the page made (a few dozen characters); anything else is no key.
            once: once
                .map(str::trim)
                .filter(|key| !key.is_empty() && key.len() <= 128)
                .map(str::to_owned),
            ..ReviewBundle::default()
        };
        // The same form sent again opens no second review: the first one is the answer.
        if let Some(first) = self.store.import_bundle(&bundle).await?.already {
            let opened = self.store.get::<Review>(first).await;
            return opened.map_err(|_| {
                AppError::Invalid(vec![Problem {
                    path: "once".to_owned(),
                    reason: "this form was already used; open it again".to_owned(),
                }])
            });
        }
        Ok(Stored {
            record: review.clone(),
            meta,
        })
    }
}

impl<S: Store> App<S> {
    /// Adds a safeguarding partnership (any signed-in user who is not a platform administrator).
    pub async fn create_partnership(
        &self,
        actor: &Actor,
        partnership: &Partnership,
    ) -> AppResult<()> {
        if actor.platform_admin {
            return Err(AppError::NotFound {
                what: "page".to_owned(),
            });
        }
        crate::error::check_fields(partnership)?;
        Ok(self
            .store
            .insert_partnership(partnership, &self.change(actor, "added a partnership"))
            .await?)
    }

    /// Adds an agency to the review's partnership (for those who manage the review's participants).
    pub async fn create_agency(
        &self,
        actor: &Actor,
        review: ReviewId,
        name: &str,
        sector: casewindow_domain::organisation::AgencySector,
    ) -> AppResult<casewindow_domain::organisation::Agency> {
        self.authorize(actor, review, Permission::ManageParticipants)
            .await?;
        let partnership = self
            .store
            .get::<Review>(review.0)
            .await?
            .record
            .partnership_id;
        let agency = casewindow_domain::organisation::Agency {
            id: casewindow_domain::ids::AgencyId(uuid::Uuid::new_v4()),
            partnership_id: Some(partnership),
            name: name.trim().to_owned(),
            sector,
            publication_name: None,
            withdrawn: None,
        };
        crate::error::check_fields(&agency)?;
        // The database refuses a second agency of the same name in a partnership (any case), so
        // two people adding it at once make one.
        match self
            .store
            .insert_agency(&agency, &self.change(actor, "added an agency"))
            .await
        {
            Ok(()) => Ok(agency),
            Err(casewindow_store::StoreError::Duplicate { .. }) => {
                Err(AppError::Invalid(vec![Problem {
                    path: "name".to_owned(),
                    reason: "is already an agency of this partnership".to_owned(),
                }]))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Sets what published documents call one of the review's partnership's agencies (empty:
    /// its sector's name), for those who manage the review's participants; audited.
    pub async fn set_agency_publication_name(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: casewindow_domain::ids::AgencyId,
        name: &str,
    ) -> AppResult<casewindow_domain::organisation::Agency> {
        self.authorize(actor, review, Permission::ManageParticipants)
            .await?;
        let Some(mut found) = self
            .agencies_of(actor, review)
            .await?
            .into_iter()
            .find(|a| a.id == agency)
        else {
            return Err(AppError::NotFound {
                what: "agency".to_owned(),
            });
        };
        let name = name.trim();
        found.publication_name = (!name.is_empty()).then(|| name.to_owned());
        crate::error::check_fields(&found)?;
        if !self
            .store
            .set_agency_publication_name(
                review,
                agency,
                found.publication_name.as_deref(),
                &self.change(actor, "named an agency for publication"),
            )
            .await?
        {
            return Err(AppError::NotFound {
                what: "agency".to_owned(),
            });
        }
        Ok(found)
    }

    /// Withdraws an agency added by mistake, with why: it is no longer offered for new
    /// records (entries, imports, participants, actions), and records that name it keep its
    /// name. Never deleted; audited in this review.
    pub async fn withdraw_agency(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: casewindow_domain::ids::AgencyId,
        reason: &str,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::ManageParticipants)
            .await?;
        let known = self
            .agencies_of(actor, review)
            .await?
            .into_iter()
            .any(|a| a.id == agency);
        if !known {
            return Err(AppError::NotFound {
                what: "agency".to_owned(),
            });
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid(vec![Problem {
                path: "withdraw_reason".to_owned(),
                reason: "say why the agency is withdrawn".to_owned(),
            }]));
        }
        let withdrawal = casewindow_domain::validation::Withdrawal {
            on: self.today(),
            reason: reason.to_owned(),
        };
        let done = self
            .store
            .withdraw_agency(
                review,
                agency,
                &withdrawal,
                &self.change(actor, &format!("withdrew an agency: {reason}")),
            )
            .await?;
        if !done {
            return Err(AppError::Invalid(vec![Problem {
                path: "withdraw_reason".to_owned(),
                reason: "the agency is already withdrawn".to_owned(),
            }]));
        }
        Ok(())
    }

    /// The agencies of the review's partnership, plus any other agency its records refer to.
    pub async fn agencies_of(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<casewindow_domain::organisation::Agency>> {
        if !self.may(actor, review, Permission::ViewReview).await? {
            self.authorize(actor, review, Permission::ViewChronology)
                .await?;
        }
        let stored = self.store.get::<Review>(review.0).await?;
        Ok(self
            .store
            .agencies()
            .await?
            .into_iter()
            .filter(|a| a.partnership_id == Some(stored.record.partnership_id))
            .collect())
    }
}
