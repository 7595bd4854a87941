-- Frozen versions of a review's report: the text and document they were made from, the Word and
-- PDF files and their hashes. Rows are only ever inserted.
CREATE TABLE report_versions (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    number BIGINT NOT NULL CHECK (number >= 1),
    stage TEXT NOT NULL,
    content TEXT NOT NULL,
    document TEXT NOT NULL,
    docx BLOB NOT NULL,
    pdf BLOB NOT NULL,
    docx_sha256 TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX report_versions_number ON report_versions (review_id, number);
