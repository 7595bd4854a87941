-- Each agency chronology imported from a file. The current submission of an agency in a review
-- has no replaced_by; re-importing replaces it (its entries' bodies kept in revisions) and the
-- row stays as history.

CREATE TABLE chronology_imports (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    document_id TEXT NOT NULL REFERENCES source_documents(id),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    mapping TEXT NOT NULL,
    entries BIGINT NOT NULL,
    problems BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    imported_by TEXT REFERENCES users(id),
    replaced_by TEXT REFERENCES chronology_imports(id)
);

CREATE INDEX chronology_imports_review ON chronology_imports(review_id, agency_id);
CREATE INDEX chronology_entries_document ON chronology_entries(source_document_id);
