-- Full-text search in the database, so every server on one database searches one index that is
-- always current, and nothing is built when a server starts. A review's documents (findings,
-- key practice episodes, narrative sections, chronology entries) are written together, at the
-- review's change stamp (search_indexed), and replaced whole when the stamp has moved: the
-- claim is one conditional upsert of search_indexed, so two servers never both write them.
-- The text itself is indexed by the engine's own full-text search: here FTS5 (search_text,
-- English Porter stemming, reading its text from search_documents by rowid: the store writes
-- both, and removes a document's terms before the document), on PostgreSQL a tsvector column
-- with a GIN index. The schema test leaves those engine-specific parts out.

CREATE TABLE search_documents (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    agency_id TEXT,
    pattern TEXT NOT NULL,
    year INTEGER,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    review_title TEXT NOT NULL
);

CREATE INDEX search_documents_review ON search_documents(review_id);

CREATE TABLE search_indexed (
    review_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);

CREATE VIRTUAL TABLE search_text USING fts5(
    title,
    body,
    content = 'search_documents',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
