//! Personal access tokens: how a program acts for a person through the JSON API.
//!
//! A token is made by its owner, who chooses what it may do (read, or read and write), which of
//! their reviews it reaches and when it expires. It is shown once; only its SHA-256 is kept.
//! A program using it acts as its owner, within those limits: [`crate::access`] applies them
//! wherever it decides, so a token never reaches more than its owner and never more than it was
//! made for. Making and revoking a token are audited changes; every use is an audited event.

use crate::accounts::{random_token, token_hash};
use crate::{Actor, App, AppError, AppResult, TokenLimits};
use casewindow_domain::ids::ReviewId;
use casewindow_interchange::Problem;
use casewindow_store::{ApiToken, Store};
use chrono::{DateTime, Duration, Utc};

/// What every token starts with, so it is recognised when it leaks (in a log, a repository).
pub const TOKEN_PREFIX: &str = "cwpat_";
/// The longest a token may live.
pub const MAX_TOKEN_DAYS: i64 = 366;
/// The longest name a token may have.
const MAX_NAME_CHARS: usize = 80;

/// A token its owner asks for.
#[derive(Clone, Debug, Default)]
pub struct NewToken {
    pub name: String,
    /// May it change records (otherwise it only reads)?
    pub write: bool,
    /// The reviews it reaches; empty: every review the owner takes part in.
    pub reviews: Vec<ReviewId>,
    /// Days until it expires.
    pub days: i64,
}

/// A token as its owner sees it on their account page (never the token itself).
#[derive(Clone, Debug)]
pub struct TokenView {
    pub id: uuid::Uuid,
    pub name: String,
    pub write: bool,
    /// The reviews it reaches, with their titles (empty: every review of the owner).
    pub reviews: Vec<(ReviewId, String)>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub live: bool,
}

fn problem(path: &str, reason: &str) -> Problem {
    Problem {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

impl<S: Store> App<S> {
    /// Makes a token for the actor; answers with it as listed and the token itself, which is
    /// shown this once. Platform administrators, who see no case content, and programs (an
    /// actor already using a token) make none.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        new: &NewToken,
    ) -> AppResult<(TokenView, String)> {
        let user = self.token_owner(actor)?;
        let mut problems = Vec::new();
        let name = new.name.trim();
        if name.is_empty() {
            problems.push(problem(
                "name",
                "name the token after the program that will use it",
            ));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push(problem(
                "name",
                &format!("at most {MAX_NAME_CHARS} characters"),
            ));
        }
        if !(1..=MAX_TOKEN_DAYS).contains(&new.days) {
            problems.push(problem(
                "days",
                &format!("a token lives from 1 to {MAX_TOKEN_DAYS} days"),
            ));
        }
        let mine = self.reviews(actor).await?;
        let mut reviews = new.reviews.clone();
        reviews.sort();
        reviews.dedup();
        for (idx, review) in reviews.iter().enumerate() {
            if !mine.iter().any(|s| s.review.record.id == *review) {
                problems.push(problem(
                    &format!("reviews[{idx}]"),
                    "not one of your reviews",
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let now = self.now();
        let secret = format!("{TOKEN_PREFIX}{}", random_token());
        let token = ApiToken {
            id: uuid::Uuid::new_v4(),
            user_id: user,
            name: name.to_owned(),
            token_hash: token_hash(&secret),
            write: new.write,
            reviews,
            created_at: now,
            expires_at: now + Duration::days(new.days),
            revoked_at: None,
            last_used_at: None,
        };
        self.store
            .insert_api_token(&token, &self.change(actor, "made an API token"))
            .await?;
        let titles = mine
            .into_iter()
            .map(|s| (s.review.record.id, s.review.record.title))
            .collect();
        Ok((self.token_view(token, &titles), secret))
    }

    /// The actor's tokens, newest first, with those revoked or expired.
    pub async fn api_tokens(&self, actor: &Actor) -> AppResult<Vec<TokenView>> {
        let user = self.token_owner(actor)?;
        let titles = self.review_titles(actor).await?;
        Ok(self
            .store
            .api_tokens_of(user)
            .await?
            .into_iter()
            .map(|token| self.token_view(token, &titles))
            .collect())
    }

    /// Revokes one of the actor's tokens at once (audited).
    pub async fn revoke_api_token(&self, actor: &Actor, id: uuid::Uuid) -> AppResult<()> {
        let user = self.token_owner(actor)?;
        if self
            .store
            .revoke_api_token(user, id, &self.change(actor, "revoked an API token"))
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound {
                what: format!("live API token {id}"),
            })
        }
    }

    /// The actor a request carrying `secret` acts as: the token's owner within its limits;
    /// `None` for a token that is unknown, revoked or expired, or whose owner is locked out.
    pub async fn token_actor(&self, secret: &str) -> AppResult<Option<Actor>> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
            return Ok(None);
        }
        let now = self.now();
        let Some((token, user, account)) =
            self.store.use_api_token(&token_hash(secret), now).await?
        else {
            return Ok(None);
        };
        if account.locked_until.is_some_and(|until| until > now) || account.platform_admin {
            return Ok(None);
        }
        Ok(Some(Actor {
            user: Some(user.id),
            label: format!("token:{}", token.id),
            platform_admin: false,
            national_analyst: account.national_analyst,
            purpose: None,
            token: Some(TokenLimits {
                id: token.id,
                write: token.write,
                reviews: token.reviews,
            }),
        }))
    }

    /// Records one use of a token: the operation (its route template, never its values).
    pub async fn audit_token_use(&self, actor: &Actor, operation: &str) -> AppResult<()> {
        let Some(token) = &actor.token else {
            return Ok(());
        };
        let entry = casewindow_store::audit::AuditEntry {
            at: self.now(),
            actor: actor.user,
            review_id: None,
            action: "use".to_owned(),
            entity: "api_tokens".to_owned(),
            entity_id: token.id.to_string(),
            reason: operation.to_owned(),
        };
        Ok(self.store.audit(&entry).await?)
    }

    /// The user who owns (or would own) the actor's tokens.
    fn token_owner(&self, actor: &Actor) -> AppResult<casewindow_domain::ids::UserId> {
        match actor.user {
            Some(user) if !actor.platform_admin && actor.token.is_none() => Ok(user),
            _ => Err(AppError::NotFound {
                what: "API tokens".to_owned(),
            }),
        }
    }

    async fn review_titles(
        &self,
        actor: &Actor,
    ) -> AppResult<std::collections::HashMap<ReviewId, String>> {
        Ok(self
            .reviews(actor)
            .await?
            .into_iter()
            .map(|s| (s.review.record.id, s.review.record.title))
            .collect())
    }

    fn token_view(
        &self,
        token: ApiToken,
        titles: &std::collections::HashMap<ReviewId, String>,
    ) -> TokenView {
        let now = self.now();
        TokenView {
            id: token.id,
            name: token.name,
            write: token.write,
            reviews: token
                .reviews
                .iter()
                .map(|id| {
                    let title = titles
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| "a review you no longer take part in".to_owned());
                    (*id, title)
                })
                .collect(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            revoked_at: token.revoked_at,
            last_used_at: token.last_used_at,
            live: token.revoked_at.is_none() && token.expires_at > now,
        }
    }
}
