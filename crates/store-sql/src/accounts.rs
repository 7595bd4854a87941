//! Accounts, sessions and per-user participations.

use crate::error::{corrupt, map};
use crate::records::{from_millis, millis};
use casewindow_domain::ids::UserId;
use casewindow_domain::organisation::User;
use casewindow_store::{Account, Session, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

fn user_id(text: &str) -> Result<UserId, StoreError> {
    Uuid::parse_str(text)
        .map(UserId)
        .map_err(|e| corrupt("account", text, e))
}

fn read_account(row: &AnyRow) -> Result<Account, StoreError> {
    let id: String = row.try_get("user_id").map_err(map)?;
    let locked: Option<i64> = row.try_get("locked_until").map_err(map)?;
    Ok(Account {
        user_id: user_id(&id)?,
        password_hash: row.try_get("password_hash").map_err(map)?,
        platform_admin: row.try_get::<i64, _>("platform_admin").map_err(map)? != 0,
        national_analyst: row.try_get::<i64, _>("national_analyst").map_err(map)? != 0,
        failed_logins: row.try_get("failed_logins").map_err(map)?,
        locked_until: locked
            .map(|ms| from_millis("account", &id, ms))
            .transpose()?,
        totp_secret: row.try_get("totp_secret").map_err(map)?,
        totp_last_step: row.try_get("totp_last_step").map_err(map)?,
    })
}

pub(crate) async fn insert_account(
    conn: &mut AnyConnection,
    account: &Account,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO accounts (user_id, password_hash, platform_admin, national_analyst, failed_logins, locked_until, totp_secret, totp_last_step) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(account.user_id.0.to_string())
        .bind(account.password_hash.clone())
        .bind(i64::from(account.platform_admin))
        .bind(i64::from(account.national_analyst))
        .bind(account.failed_logins)
        .bind(account.locked_until.map(millis))
        .bind(account.totp_secret.clone())
        .bind(account.totp_last_step)
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

const ACCOUNT_COLUMNS: &str = "a.user_id, a.password_hash, a.platform_admin, a.national_analyst, a.failed_logins, a.locked_until, a.totp_secret, a.totp_last_step";

pub(crate) async fn account_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<(User, Account)>, StoreError> {
    let sql = format!(
        "SELECT u.display_name, u.email, {ACCOUNT_COLUMNS} FROM users u JOIN accounts a ON a.user_id = u.id WHERE LOWER(u.email) = LOWER($1)"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(email.trim().to_owned())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    row.map(|row| {
        let account = read_account(&row)?;
        let user = User {
            id: account.user_id,
            display_name: row.try_get("display_name").map_err(map)?,
            email: row.try_get("email").map_err(map)?,
        };
        Ok((user, account))
    })
    .transpose()
}

pub(crate) async fn account(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.user_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.0.to_string())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    row.as_ref().map(read_account).transpose()
}

pub(crate) async fn update_password(
    conn: &mut AnyConnection,
    account: &Account,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET password_hash = $1, failed_logins = $2, locked_until = $3 WHERE user_id = $4")
        .bind(account.password_hash.clone())
        .bind(account.failed_logins)
        .bind(account.locked_until.map(millis))
        .bind(account.user_id.0.to_string())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

/// Counts a failed sign-in in one statement (see `Store::count_failed_sign_in`); whether the
/// account is now locked.
pub(crate) async fn count_failed_sign_in(
    conn: &mut AnyConnection,
    user: UserId,
    max: i64,
    lock_until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let locked: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE accounts SET \
           locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END, \
           failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 ELSE failed_logins + 1 END \
         WHERE user_id = $3 RETURNING locked_until",
    )
    .bind(max)
    .bind(millis(lock_until))
    .bind(user.0.to_string())
    .fetch_optional(conn)
    .await
    .map_err(map)?;
    Ok(locked.flatten() == Some(millis(lock_until)))
}

pub(crate) async fn clear_failed_sign_ins(
    conn: &mut AnyConnection,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL \
         WHERE user_id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL) \
         AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(user.0.to_string())
    .bind(millis(now))
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

pub(crate) async fn accept_totp_step(
    conn: &mut AnyConnection,
    user: UserId,
    step: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE accounts SET totp_last_step = $1, failed_logins = 0, locked_until = NULL \
         WHERE user_id = $2 AND totp_last_step < $1 AND totp_secret IS NOT NULL",
    )
    .bind(step)
    .bind(user.0.to_string())
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn take_pending_session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND pending_second_factor = 1")
            .bind(token_hash.to_owned())
            .execute(conn)
            .await
            .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the second factor if the stored secret is still `expected`.
pub(crate) async fn update_second_factor(
    conn: &mut AnyConnection,
    account: &Account,
    expected: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE accounts SET totp_secret = $1, totp_last_step = $2 \
         WHERE user_id = $3 AND COALESCE(totp_secret, '') = $4",
    )
    .bind(account.totp_secret.clone())
    .bind(account.totp_last_step)
    .bind(account.user_id.0.to_string())
    .bind(expected.unwrap_or_default().to_owned())
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn insert_session(
    conn: &mut AnyConnection,
    session: &Session,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, pending_second_factor) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(session.token_hash.clone())
        .bind(session.user_id.0.to_string())
        .bind(session.csrf_token.clone())
        .bind(millis(session.created_at))
        .bind(millis(session.last_seen_at))
        .bind(i64::from(session.pending_second_factor))
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn session_user(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<(Session, User, Account)>, StoreError> {
    let sql = format!(
        "SELECT s.token_hash, s.csrf_token, s.created_at, s.last_seen_at, s.pending_second_factor, u.display_name, u.email, {ACCOUNT_COLUMNS} \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.user_id = s.user_id WHERE s.token_hash = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash.to_owned())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    row.map(|row| {
        let account = read_account(&row)?;
        let user_id = account.user_id;
        let session = Session {
            token_hash: row.try_get("token_hash").map_err(map)?,
            user_id,
            csrf_token: row.try_get("csrf_token").map_err(map)?,
            created_at: from_millis("session", "", row.try_get("created_at").map_err(map)?)?,
            last_seen_at: from_millis("session", "", row.try_get("last_seen_at").map_err(map)?)?,
            pending_second_factor: row
                .try_get::<i64, _>("pending_second_factor")
                .map_err(map)?
                != 0,
        };
        let user = User {
            id: user_id,
            display_name: row.try_get("display_name").map_err(map)?,
            email: row.try_get("email").map_err(map)?,
        };
        Ok((session, user, account))
    })
    .transpose()
}

pub(crate) async fn touch_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(millis(at))
        .bind(token_hash.to_owned())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn delete_session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_owned())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn delete_sessions_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.0.to_string())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

/// Bodies and metadata of one user's participations in one review.
pub(crate) async fn participations_in(
    conn: &mut AnyConnection,
    user: UserId,
    review: casewindow_domain::ids::ReviewId,
) -> Result<Vec<(String, casewindow_store::RecordMeta)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, body, version, created_at, created_by, updated_at, updated_by FROM participations \
         WHERE user_id = $1 AND review_id = $2 ORDER BY sort_key, id",
    )
    .bind(user.0.to_string())
    .bind(review.0.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| crate::records::read_row(casewindow_store::RecordKind::Participation, row))
        .collect()
}

/// Bodies and metadata of every participation of one user.
pub(crate) async fn participations_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Vec<(String, casewindow_store::RecordMeta)>, StoreError> {
    crate::records::list_by(
        conn,
        casewindow_store::RecordKind::Participation,
        "user_id",
        &user.0.to_string(),
    )
    .await
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.name, t.token_hash, t.scope, t.reviews, t.created_at, t.expires_at, t.revoked_at, t.last_used_at";

fn read_token(row: &AnyRow) -> Result<casewindow_store::ApiToken, StoreError> {
    let id: String = row.try_get("id").map_err(map)?;
    let owner: String = row.try_get("user_id").map_err(map)?;
    let reviews: String = row.try_get("reviews").map_err(map)?;
    let at = |column: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        let ms: Option<i64> = row.try_get(column).map_err(map)?;
        ms.map(|ms| from_millis("api token", &id, ms)).transpose()
    };
    Ok(casewindow_store::ApiToken {
        id: Uuid::parse_str(&id).map_err(|e| corrupt("api token", &id, e))?,
        user_id: user_id(&owner)?,
        name: row.try_get("name").map_err(map)?,
        token_hash: row.try_get("token_hash").map_err(map)?,
        write: row.try_get::<String, _>("scope").map_err(map)? == "write",
        reviews: serde_json::from_str(&reviews).map_err(|e| corrupt("api token", &id, e))?,
        created_at: at("created_at")?.ok_or_else(|| corrupt("api token", &id, "no created_at"))?,
        expires_at: at("expires_at")?.ok_or_else(|| corrupt("api token", &id, "no expires_at"))?,
        revoked_at: at("revoked_at")?,
        last_used_at: at("last_used_at")?,
    })
}

pub(crate) async fn insert_api_token(
    conn: &mut AnyConnection,
    token: &casewindow_store::ApiToken,
) -> Result<(), StoreError> {
    let reviews = serde_json::to_string(&token.reviews)
        .map_err(|e| StoreError::Integrity(format!("api token reviews: {e}")))?;
    sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, scope, reviews, created_at, expires_at, revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)")
        .bind(token.id.to_string())
        .bind(token.user_id.0.to_string())
        .bind(token.name.clone())
        .bind(token.token_hash.clone())
        .bind(if token.write { "write" } else { "read" })
        .bind(reviews)
        .bind(millis(token.created_at))
        .bind(millis(token.expires_at))
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn api_tokens_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Vec<casewindow_store::ApiToken>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.0.to_string())
        .fetch_all(conn)
        .await
        .map_err(map)?
        .iter()
        .map(read_token)
        .collect()
}

/// Revokes a token of `user` that is not revoked yet, in one statement.
pub(crate) async fn revoke_api_token(
    conn: &mut AnyConnection,
    user: UserId,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(millis(at))
    .bind(id.to_string())
    .bind(user.0.to_string())
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

/// The live token with this hash, with its owner and their account.
pub(crate) async fn live_api_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(casewindow_store::ApiToken, User, Account)>, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, u.display_name, u.email, {ACCOUNT_COLUMNS} \
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN accounts a ON a.user_id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash.to_owned())
        .bind(millis(now))
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    row.map(|row| {
        let token = read_token(&row)?;
        let account = read_account(&row)?;
        let user = User {
            id: token.user_id,
            display_name: row.try_get("display_name").map_err(map)?,
            email: row.try_get("email").map_err(map)?,
        };
        Ok((token, user, account))
    })
    .transpose()
}

/// Moves a token's last use to `at` if it was more than a minute before (one statement).
pub(crate) async fn touch_api_token(
    conn: &mut AnyConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(millis(at))
    .bind(id.to_string())
    .bind(millis(at) - 60_000)
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}
