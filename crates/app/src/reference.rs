//! Reference data the pages and the command line show beside a review's records: partnerships,
//! agencies, people's names, the library's recurrent issues and a review's lifecycle history.
//! Read through here so that no page or command touches the store.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::findings::RecurrentIssue;
use casewindow_domain::ids::{PartnershipId, ReviewId, UserId};
use casewindow_domain::organisation::{Agency, Partnership, User};
use casewindow_store::{Store, Stored, StoredTransition};
use std::collections::HashMap;

impl<S: Store> App<S> {
    /// The engine the store runs on, once it answers ("sqlite" or "postgres"): the health check.
    pub async fn health(&self) -> AppResult<&'static str> {
        self.store.partnerships().await?;
        Ok(self.store.backend().name())
    }

    /// Every partnership, for choosing one when a review is opened.
    pub async fn partnerships(&self, actor: &Actor) -> AppResult<Vec<Partnership>> {
        member_only(actor)?;
        Ok(self.store.partnerships().await?)
    }

    /// A partnership by id, for those who take part in reviews.
    pub async fn partnership(&self, actor: &Actor, id: PartnershipId) -> AppResult<Partnership> {
        member_only(actor)?;
        Ok(self.store.partnership(id).await?)
    }

    /// Every agency of the instance (the command line and the episode form, which may keep an
    /// agency of another partnership an episode already names).
    pub async fn all_agencies(&self, actor: &Actor) -> AppResult<Vec<Agency>> {
        member_only(actor)?;
        Ok(self.store.agencies().await?)
    }

    /// People's display names by id, to say who did what (never their email addresses).
    pub async fn user_names(&self, actor: &Actor) -> AppResult<HashMap<UserId, String>> {
        member_only(actor)?;
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    /// The person with this email address, for someone adding them to a review they manage.
    pub async fn user_by_email(
        &self,
        actor: &Actor,
        review: ReviewId,
        email: &str,
    ) -> AppResult<Option<User>> {
        self.authorize(actor, review, Permission::ManageParticipants)
            .await?;
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim())))
    }

    /// The person with this email address, for an operator at the command line (the system
    /// actor) or a platform administrator.
    pub async fn account_holder(&self, actor: &Actor, email: &str) -> AppResult<Option<User>> {
        if actor.user.is_some() && !actor.platform_admin {
            return Err(AppError::NotFound {
                what: "user".to_owned(),
            });
        }
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim())))
    }

    /// Whether a platform administrator exists yet (the first run's set-up is open until one
    /// does).
    pub async fn has_platform_admin(&self) -> AppResult<bool> {
        Ok(self.store.has_platform_admin().await?)
    }

    /// Every recurrent issue of the library, for linking findings to them.
    pub async fn recurrent_issues(&self, actor: &Actor) -> AppResult<Vec<Stored<RecurrentIssue>>> {
        member_only(actor)?;
        Ok(self.store.list_all::<RecurrentIssue>().await?)
    }

    /// A review's lifecycle history, oldest first.
    pub async fn lifecycle_history(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<StoredTransition>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        Ok(self.store.transitions(review).await?)
    }
}

/// Platform administrators run the instance and national analysts read only the de-identified
/// library: neither reads reference data about reviews.
fn member_only(actor: &Actor) -> AppResult<()> {
    if actor.is_member() {
        Ok(())
    } else {
        Err(AppError::NotFound {
            what: "page".to_owned(),
        })
    }
}
