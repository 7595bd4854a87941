-- Full-text search in the database, so every server on one database searches one index that is
-- always current, and nothing is built when a server starts. A review's documents (findings,
-- key practice episodes, narrative sections, chronology entries) are written together, at the
-- review's change stamp (search_indexed), and replaced whole when the stamp has moved: the
-- claim is one conditional upsert of search_indexed, so two servers never both write them.
-- The text itself is indexed by the engine's own full-text search: here a tsvector (English
-- stemming; the title weighted above the body) with a GIN index, in SQLite an FTS5 table. The
-- schema test leaves those engine-specific parts out.

CREATE TABLE search_documents (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    agency_id TEXT,
    pattern TEXT NOT NULL,
    year INTEGER,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    review_title TEXT NOT NULL,
    tsv tsvector NOT NULL GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'D')
    ) STORED
);

CREATE INDEX search_documents_review ON search_documents(review_id);
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);

CREATE TABLE search_indexed (
    review_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
