-- A review's gazetteer for the identifier scan (schools, GP practices, places, conditions),
-- sealed by the identity vault: the key is never in the database.
CREATE TABLE review_gazetteers (
    review_id TEXT PRIMARY KEY REFERENCES reviews(id),
    sealed TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
