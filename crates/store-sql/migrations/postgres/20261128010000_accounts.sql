-- Accounts and sessions. Passwords are stored only as Argon2id PHC strings; session tokens only
-- as SHA-256 hashes, so a copy of the database does not let anyone sign in.

CREATE TABLE accounts (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    password_hash TEXT NOT NULL,
    platform_admin BIGINT NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX participations_user ON participations(user_id);
