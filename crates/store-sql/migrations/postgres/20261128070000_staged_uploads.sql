-- Chronology files uploaded through the pages and waiting for the reviewer to check the preview
-- and import them. Each belongs to the user who uploaded it, is removed by the import that uses
-- it, and is purged after a day.

CREATE TABLE staged_uploads (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    file_name TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    staged_at BIGINT NOT NULL
);

CREATE INDEX staged_uploads_age ON staged_uploads(staged_at);
