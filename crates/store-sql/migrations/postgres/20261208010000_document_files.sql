-- The files of the document register, sealed by the identity vault (the key is never in the
-- database): one per source document, written in the transaction that registers it.
CREATE TABLE document_files (
    document_id TEXT PRIMARY KEY REFERENCES source_documents(id),
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id)
);
CREATE INDEX document_files_review ON document_files (review_id);
