-- Personal access tokens for programs using the JSON API: only the token's SHA-256 is kept.
-- `reviews` is a JSON array of review ids (empty: every review the owner takes part in).
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    reviews TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE INDEX api_tokens_user ON api_tokens(user_id);
