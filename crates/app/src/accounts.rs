//! Accounts, sign-in and sessions.
//!
//! Passwords are hashed with Argon2id. The password policy follows NCSC guidance: a minimum
//! length and a deny-list of very common passwords, no composition rules. Repeated failures
//! lock the account for a while. Sessions are stored in the database (so several server
//! instances share them) under the SHA-256 of their token, with idle and absolute timeouts.

use crate::{Actor, App, AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use casewindow_domain::ids::UserId;
use casewindow_domain::organisation::User;
use casewindow_interchange::Problem;
use casewindow_store::{Account, Session, Store};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (hashing cost is bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Failed sign-ins before the account is locked.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// A session ends after this long without use.
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// A session ends this long after sign-in, whatever happens.
pub const ABSOLUTE_TIMEOUT_HOURS: i64 = 12;

/// Very common passwords, refused whatever their length (checked case-insensitively, also with
/// digits and punctuation stripped from the end).
const DENY_LIST: &[&str] = &[
    "password",
    "passw0rd",
    "password1",
    "password123",
    "passwordpassword",
    "qwerty",
    "qwertyuiop",
    "qwerty123",
    "123456789012",
    "1234567890",
    "123456789",
    "12345678",
    "111111111111",
    "000000000000",
    "abc123",
    "abcdefghijkl",
    "iloveyou",
    "letmein",
    "welcome",
    "welcome123",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno1",
    "superman",
    "batman",
    "starwars",
    "whatever",
    "changeme",
    "administrator",
    "admin",
    "adminadmin",
    "safeguarding",
    "casewindow",
    "socialwork",
    "socialworker",
    "childprotection",
    "london",
    "manchester",
    "liverpool",
    "arsenal",
    "chelsea",
    "summer",
    "winter",
    "autumn",
    "spring",
    "default",
];

/// A new user with a fresh id, or the problems with its name and email.
fn new_user(display_name: &str, email: &str) -> AppResult<User> {
    let user = User {
        id: UserId(uuid::Uuid::new_v4()),
        display_name: display_name.trim().to_owned(),
        email: email.trim().to_owned(),
    };
    crate::error::check_fields(&user)?;
    Ok(user)
}

pub(crate) fn problem(path: &str, reason: &str) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }])
}

/// Checks a new password against the policy.
pub fn check_password_policy(password: &str, email: &str) -> Result<(), AppError> {
    let n_chars = password.chars().count();
    if n_chars < MIN_PASSWORD_CHARS {
        return Err(problem(
            "password",
            &format!(
                "must be at least {MIN_PASSWORD_CHARS} characters; a few unrelated words make a strong one"
            ),
        ));
    }
    if n_chars > MAX_PASSWORD_CHARS {
        return Err(problem(
            "password",
            &format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    if DENY_LIST.contains(&lower.as_str())
        || DENY_LIST.contains(&stem)
        || (local_part.chars().count() >= 4 && lower.contains(&local_part))
    {
        return Err(problem(
            "password",
            "is too easy to guess; choose something less common",
        ));
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err(problem(
            "password",
            "is too easy to guess; choose something less common",
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| {
            AppError::Store(casewindow_store::StoreError::Unexpected(
                format!("password hashing failed: {err}").into(),
            ))
        })
}

/// A fresh random token, 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A successful password check: the token for the cookie, and the session's CSRF token.
/// When `second_factor_needed`, the token names a session that grants nothing until
/// [`App::complete_second_factor`] accepts a code for it.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub csrf_token: String,
    pub second_factor_needed: bool,
}

/// What an account may do across the instance, beyond its roles in reviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Whatever their roles in reviews allow.
    Member,
    /// Runs the instance; sees no case content.
    PlatformAdmin,
    /// Reads the de-identified findings of every review, and nothing else of any review.
    NationalAnalyst,
}

/// The user behind a valid session.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub platform_admin: bool,
    pub national_analyst: bool,
    pub second_factor: bool,
    pub csrf_token: String,
    /// The reason given for reading restricted content of one review (from this request).
    pub purpose: Option<(casewindow_domain::ids::ReviewId, String)>,
}

impl CurrentUser {
    /// The user as an actor for use cases.
    pub fn actor(&self) -> Actor {
        Actor {
            user: Some(self.user.id),
            label: format!("user:{}", self.user.id),
            platform_admin: self.platform_admin,
            national_analyst: self.national_analyst,
            purpose: self.purpose.clone(),
            token: None,
        }
    }
}

/// A second factor being set up: the secret to type or scan, not yet saved.
#[derive(Clone, Debug)]
pub struct SecondFactorSetup {
    /// The secret in base32, as authenticator apps take it when typed.
    pub secret: String,
    /// The `otpauth://` address for the QR code.
    pub uri: String,
}

/// How long the second step of a sign-in may take.
pub const SECOND_FACTOR_MINUTES: i64 = 5;

fn account_for(user_id: UserId, password_hash: String, standing: Standing) -> Account {
    Account {
        user_id,
        password_hash,
        platform_admin: standing == Standing::PlatformAdmin,
        national_analyst: standing == Standing::NationalAnalyst,
        failed_logins: 0,
        locked_until: None,
        totp_secret: None,
        totp_last_step: 0,
    }
}

impl<S: Store> App<S> {
    /// Creates a user with a password; a platform administrator when `platform_admin`.
    pub async fn create_account(
        &self,
        display_name: &str,
        email: &str,
        password: &str,
        platform_admin: bool,
    ) -> AppResult<User> {
        let standing = if platform_admin {
            Standing::PlatformAdmin
        } else {
            Standing::Member
        };
        self.create_account_as(display_name, email, password, standing)
            .await
    }

    /// Creates a user with a password and a standing in the instance.
    pub async fn create_account_as(
        &self,
        display_name: &str,
        email: &str,
        password: &str,
        standing: Standing,
    ) -> AppResult<User> {
        let (user, account) = self
            .new_account(display_name, email, password, standing)
            .await?;
        let change = casewindow_store::Change {
            actor: None,
            at: self.now(),
            reason: "account created".to_owned(),
        };
        self.store
            .insert_user_with_account(&user, &account, &change)
            .await?;
        Ok(user)
    }

    /// A new user and their account, checked (fields, password policy, an unused email) but not
    /// stored.
    pub(crate) async fn new_account(
        &self,
        display_name: &str,
        email: &str,
        password: &str,
        standing: Standing,
    ) -> AppResult<(User, Account)> {
        let user = new_user(display_name, email)?;
        check_password_policy(password, email)?;
        if self.store.account_by_email(&user.email).await?.is_some() {
            return Err(problem("email", "already has an account"));
        }
        let account = account_for(user.id, hash_password(password)?, standing);
        Ok((user, account))
    }

    /// Gives an existing user (for example one from an imported review) a password.
    pub async fn add_account(&self, user: UserId, password: &str) -> AppResult<()> {
        let existing = self.store.user(user).await?;
        check_password_policy(password, &existing.email)?;
        if self.store.account(user).await?.is_some() {
            return Err(problem("email", "already has an account"));
        }
        let account = account_for(user, hash_password(password)?, Standing::Member);
        Ok(self
            .store
            .insert_account(&account, &self.account_change(user, "account created"))
            .await?)
    }

    /// Sets a user's password (creating their account if they have none) and ends every
    /// session they have.
    pub async fn set_password(&self, user: UserId, password: &str) -> AppResult<()> {
        let existing = self.store.user(user).await?;
        check_password_policy(password, &existing.email)?;
        let password_hash = hash_password(password)?;
        match self.store.account(user).await? {
            Some(mut account) => {
                account.password_hash = password_hash;
                account.failed_logins = 0;
                account.locked_until = None;
                self.store
                    .update_password(&account, &self.account_change(user, "password set"))
                    .await?;
            }
            None => {
                let account = account_for(user, password_hash, Standing::Member);
                self.store
                    .insert_account(&account, &self.account_change(user, "account created"))
                    .await?;
            }
        }
        Ok(self.store.delete_sessions_of(user).await?)
    }

    async fn audit_account(&self, user: UserId, action: &str) -> AppResult<()> {
        let entry = casewindow_store::audit::AuditEntry {
            at: self.now(),
            actor: Some(user),
            review_id: None,
            action: action.to_owned(),
            entity: "accounts".to_owned(),
            entity_id: user.to_string(),
            reason: String::new(),
        };
        Ok(self.store.audit(&entry).await?)
    }

    fn account_change(&self, _user: UserId, reason: &str) -> casewindow_store::Change {
        casewindow_store::Change {
            actor: None,
            at: self.now(),
            reason: reason.to_owned(),
        }
    }

    /// Signs a user in. The same message answers an unknown email and a wrong password.
    pub async fn sign_in(&self, email: &str, password: &str) -> AppResult<SignedIn> {
        let refused = || problem("email", "The email address or password is not right");
        let now = self.now();
        let Some((user, account)) = self.store.account_by_email(email).await? else {
            // Spend the same time as a real check, so timing does not reveal which emails exist.
            let _ = Argon2::default().verify_password(password.as_bytes(), DUMMY_HASH.as_str());
            return Err(refused());
        };
        if account.locked_until.is_some_and(|until| until > now) {
            return Err(problem(
                "email",
                &format!(
                    "Too many failed attempts: this account is locked for up to {LOCK_MINUTES} minutes"
                ),
            ));
        }
        let valid = Argon2::default()
            .verify_password(password.as_bytes(), account.password_hash.as_str())
            .is_ok();
        if !valid {
            // Counted in the database in one statement, so parallel guesses all count.
            let locked = self
                .store
                .count_failed_sign_in(
                    user.id,
                    MAX_FAILED_SIGN_INS,
                    now + Duration::minutes(LOCK_MINUTES),
                )
                .await?;
            self.audit_account(
                user.id,
                if locked {
                    "locked_out"
                } else {
                    "sign_in_failed"
                },
            )
            .await?;
            return Err(refused());
        }
        let pending = account.totp_secret.is_some();
        if !pending && (account.failed_logins != 0 || account.locked_until.is_some()) {
            self.store.clear_failed_sign_ins(user.id, now).await?;
        }
        if pending {
            // The failure count carries over to the code: guessing codes locks the account too.
            self.audit_account(user.id, "password_accepted").await?;
        }
        self.start_session(user, pending).await
    }

    /// A new session (a new token at every sign-in and at the second step, so a session id
    /// planted before sign-in is never promoted).
    async fn start_session(&self, user: User, pending_second_factor: bool) -> AppResult<SignedIn> {
        let now = self.now();
        let token = random_token();
        let session = Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: now,
            last_seen_at: now,
            pending_second_factor,
        };
        self.store.insert_session(&session).await?;
        if !pending_second_factor {
            self.audit_account(user.id, "sign_in").await?;
        }
        Ok(SignedIn {
            user,
            token,
            csrf_token: session.csrf_token,
            second_factor_needed: pending_second_factor,
        })
    }

    /// The user waiting to type their code, for a pending sign-in's token.
    pub async fn pending_second_factor(&self, token: &str) -> AppResult<Option<User>> {
        let hash = token_hash(token);
        let Some((session, user, _)) = self.store.session_user(&hash).await? else {
            return Ok(None);
        };
        if !session.pending_second_factor {
            return Ok(None);
        }
        if self.now() - session.created_at > Duration::minutes(SECOND_FACTOR_MINUTES) {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        Ok(Some(user))
    }

    /// The second step of a sign-in: a code from the user's authenticator app for a pending
    /// session. The pending session is replaced by a full one under a new token; wrong codes
    /// count towards the same lockout as wrong passwords, and a code is never accepted twice.
    pub async fn complete_second_factor(&self, token: &str, code: &str) -> AppResult<SignedIn> {
        let expired = || {
            problem(
                "code",
                &format!(
                    "Your sign-in was not finished within {SECOND_FACTOR_MINUTES} minutes: sign in again"
                ),
            )
        };
        let hash = token_hash(token);
        let Some(user) = self.pending_second_factor(token).await? else {
            return Err(expired());
        };
        let now = self.now();
        let Some(account) = self.store.account(user.id).await? else {
            return Err(expired());
        };
        if account.locked_until.is_some_and(|until| until > now) {
            self.store.delete_session(&hash).await?;
            return Err(problem(
                "code",
                &format!(
                    "Too many failed attempts: this account is locked for up to {LOCK_MINUTES} minutes"
                ),
            ));
        }
        let secret = match &account.totp_secret {
            Some(sealed) => self.vault()?.open_secret(user.id, sealed).map_err(|_| {
                AppError::Internal("a second-factor secret cannot be opened".to_owned())
            })?,
            None => return Err(expired()),
        };
        let wrong = || {
            problem(
                "code",
                "The code is not right: type the 6-digit code your authenticator app shows now",
            )
        };
        match crate::totp::verify(&secret, code, now.timestamp(), account.totp_last_step) {
            Some(step) => {
                // Both in one statement each: a code is accepted once, and a pending sign-in
                // becomes one session, however many requests carry them at the same moment.
                if !self.store.accept_totp_step(user.id, step).await? {
                    self.audit_account(user.id, "second_factor_replayed")
                        .await?;
                    return Err(wrong());
                }
                if !self.store.take_pending_session(&hash).await? {
                    return Err(expired());
                }
                self.start_session(user, false).await
            }
            None => {
                let locked = self
                    .store
                    .count_failed_sign_in(
                        user.id,
                        MAX_FAILED_SIGN_INS,
                        now + Duration::minutes(LOCK_MINUTES),
                    )
                    .await?;
                if locked {
                    self.store.delete_session(&hash).await?;
                }
                self.audit_account(
                    user.id,
                    if locked {
                        "locked_out"
                    } else {
                        "second_factor_failed"
                    },
                )
                .await?;
                Err(wrong())
            }
        }
    }

    /// A fresh secret for setting up a second factor (nothing is saved until a code from it is
    /// confirmed). Needs the vault, which keeps the saved secret encrypted.
    pub fn begin_second_factor(&self, user: &User) -> AppResult<SecondFactorSetup> {
        self.second_factor_vault()?;
        let secret = crate::totp::new_secret();
        Ok(SecondFactorSetup {
            secret: crate::totp::base32(&secret),
            uri: crate::totp::provisioning_uri("casewindow", &user.email, &secret),
        })
    }

    fn second_factor_vault(&self) -> AppResult<&crate::vault::Vault> {
        self.vault().map_err(|_| {
            problem(
                "code",
                "Two-step sign-in is not available on this server: it needs the vault key \
                 (CASEWINDOW_VAULT_KEY) so that the secret is stored encrypted",
            )
        })
    }

    /// Turns on the second factor with `secret` (from [`App::begin_second_factor`]) once a code
    /// from it is right. Replacing a second factor that is on also needs a current code from
    /// the one in use (`current_code`), so a session left open cannot move the second factor
    /// to someone else's phone. Audited.
    pub async fn enable_second_factor(
        &self,
        user: UserId,
        secret: &str,
        code: &str,
        current_code: Option<&str>,
    ) -> AppResult<()> {
        let vault = self.second_factor_vault()?;
        let secret = crate::totp::from_base32(secret)
            .filter(|s| s.len() == crate::totp::SECRET_BYTES)
            .ok_or_else(|| problem("code", "The set-up expired: start again"))?;
        let Some(mut account) = self.store.account(user).await? else {
            return Err(problem("code", "This user has no account"));
        };
        let now = self.now().timestamp();
        let mut last_step = 0;
        if let Some(sealed) = &account.totp_secret {
            let current = vault.open_secret(user, sealed).map_err(|_| {
                AppError::Internal("a second-factor secret cannot be opened".to_owned())
            })?;
            let Some(step) = current_code
                .and_then(|c| crate::totp::verify(&current, c, now, account.totp_last_step))
            else {
                return Err(problem(
                    "current_code",
                    "Type the 6-digit code your current authenticator app shows now: \
                     replacing two-step sign-in needs it",
                ));
            };
            last_step = step;
        }
        let Some(step) = crate::totp::verify(&secret, code, now, 0) else {
            return Err(problem(
                "code",
                "The code is not right: check that your phone's clock is set automatically, \
                 and type the 6-digit code the app shows now",
            ));
        };
        let expected = account.totp_secret.clone();
        account.totp_secret = Some(vault.seal_secret(user, &secret));
        account.totp_last_step = step.max(last_step);
        let saved = self
            .store
            .update_second_factor(
                &account,
                expected.as_deref(),
                &self.account_change(user, "second factor turned on"),
            )
            .await?;
        if saved {
            Ok(())
        } else {
            Err(problem(
                "code",
                "Two-step sign-in was changed at the same time from somewhere else: start again",
            ))
        }
    }

    /// Turns the second factor off: by the user with a current code, or (`code` = `None`) by an
    /// operator at the command line when a phone is lost. Audited.
    pub async fn disable_second_factor(&self, user: UserId, code: Option<&str>) -> AppResult<()> {
        let Some(mut account) = self.store.account(user).await? else {
            return Err(problem("code", "This user has no account"));
        };
        let Some(sealed) = account.totp_secret.clone() else {
            return Ok(());
        };
        if let Some(code) = code {
            let secret = self
                .second_factor_vault()?
                .open_secret(user, &sealed)
                .map_err(|_| {
                    AppError::Internal("a second-factor secret cannot be opened".to_owned())
                })?;
            let Some(step) = crate::totp::verify(
                &secret,
                code,
                self.now().timestamp(),
                account.totp_last_step,
            ) else {
                return Err(problem(
                    "code",
                    "The code is not right: type the 6-digit code your authenticator app shows now",
                ));
            };
            account.totp_last_step = step;
        }
        account.totp_secret = None;
        let saved = self
            .store
            .update_second_factor(
                &account,
                Some(&sealed),
                &self.account_change(user, "second factor turned off"),
            )
            .await?;
        if saved {
            Ok(())
        } else {
            Err(problem(
                "code",
                "Two-step sign-in was changed at the same time from somewhere else: look again",
            ))
        }
    }

    /// The user behind a session token, if the session is valid; expired sessions are removed.
    pub async fn session_user(&self, token: &str) -> AppResult<Option<CurrentUser>> {
        let hash = token_hash(token);
        let Some((session, user, account)) = self.store.session_user(&hash).await? else {
            return Ok(None);
        };
        if session.pending_second_factor {
            return Ok(None);
        }
        let now = self.now();
        if expired(&session, now) {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        // Touch at most once a minute to keep writes down.
        if now - session.last_seen_at > Duration::minutes(1) {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(CurrentUser {
            user,
            platform_admin: account.platform_admin,
            national_analyst: account.national_analyst,
            second_factor: account.totp_secret.is_some(),
            csrf_token: session.csrf_token,
            purpose: None,
        }))
    }

    /// Ends one session.
    pub async fn sign_out(&self, token: &str) -> AppResult<()> {
        Ok(self.store.delete_session(&token_hash(token)).await?)
    }

    /// Ends every session of a user.
    pub async fn sign_out_everywhere(&self, user: UserId) -> AppResult<()> {
        Ok(self.store.delete_sessions_of(user).await?)
    }
}

fn expired(session: &Session, now: DateTime<Utc>) -> bool {
    now - session.last_seen_at > Duration::minutes(IDLE_TIMEOUT_MINUTES)
        || now - session.created_at > Duration::hours(ABSOLUTE_TIMEOUT_HOURS)
}

/// A hash of a random string, verified against when the email is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()).unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_checks_length_and_common_passwords_not_composition() {
        assert!(check_password_policy("short", "a@b.org").is_err());
        assert!(
            check_password_policy("Password123!", "a@b.org").is_err(),
            "a deny-listed stem with digits"
        );
        assert!(check_password_policy("aaaaaaaaaaaaaaa", "a@b.org").is_err());
        assert!(
            check_password_policy("jane.smith.2026", "jane.smith@b.org").is_err(),
            "contains the email name"
        );
        assert!(
            check_password_policy("correct horse battery staple", "a@b.org").is_ok(),
            "no composition rules"
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
