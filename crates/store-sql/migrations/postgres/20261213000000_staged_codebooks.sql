-- REFI-QDA codebooks uploaded to be imported as proposed recurrent issues, waiting for the
-- person who uploaded them to choose each code's pattern. Each belongs to that person, is
-- removed by the import that uses it (in the same transaction as the issues it makes), and is
-- purged after a day.

CREATE TABLE staged_codebooks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    file_name TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    staged_at BIGINT NOT NULL
);

CREATE INDEX staged_codebooks_age ON staged_codebooks(staged_at);
