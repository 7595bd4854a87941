//! Accounts and sessions as stored.

use casewindow_domain::ids::UserId;
use chrono::{DateTime, Utc};

/// Sign-in credentials and security state of a user.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub user_id: UserId,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Platform administrators run the instance and see no case content.
    pub platform_admin: bool,
    /// National analysts read the de-identified findings of every review and nothing else.
    pub national_analyst: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// The second factor's TOTP secret, sealed by the vault; `None` when the user has none.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted, so a code is never accepted twice.
    pub totp_last_step: i64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user_id", &self.user_id)
            .field("platform_admin", &self.platform_admin)
            .field("national_analyst", &self.national_analyst)
            .field("second_factor", &self.totp_secret.is_some())
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// A signed-in session. The token itself is only ever in the user's cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session token, hex encoded.
    pub token_hash: String,
    pub user_id: UserId,
    /// The synchroniser token every form of this session must carry.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The password was right but the second factor is still to come: such a session grants
    /// nothing except typing the code.
    pub pending_second_factor: bool,
}

/// A personal access token for programs using the JSON API. The token itself is shown once,
/// when it is made; only its SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: uuid::Uuid,
    pub user_id: UserId,
    /// What its owner called it ("performance dashboard").
    pub name: String,
    /// SHA-256 of the token, hex encoded.
    pub token_hash: String,
    /// Whether it may change records (otherwise it only reads).
    pub write: bool,
    /// The reviews it reaches; empty: every review its owner takes part in.
    pub reviews: Vec<casewindow_domain::ids::ReviewId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}
