-- A subject's special-category characteristics (sex, ethnicity, disability), sealed by the
-- identity vault like identities: the key is never in the database.
CREATE TABLE subject_characteristics (
    subject_id TEXT PRIMARY KEY REFERENCES subjects(id),
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sealed TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);
CREATE INDEX subject_characteristics_review ON subject_characteristics (review_id);
