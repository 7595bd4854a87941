-- Published review reports uploaded to bring their findings into the library. Each waits, with
-- the findings casewindow proposes (JSON), for a reviewer to confirm; confirming creates a
-- findings-only review and sets review_id in the same transaction (one conditional UPDATE, so
-- a report is imported once). The file is kept, with its hash and pages; the same file (by
-- hash) is staged only once.

CREATE TABLE report_imports (
    id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    pages INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    title TEXT NOT NULL,
    findings INTEGER NOT NULL,
    proposal TEXT NOT NULL,
    staged_by TEXT REFERENCES users(id),
    staged_at BIGINT NOT NULL,
    review_id TEXT,
    imported_at BIGINT
);

CREATE INDEX report_imports_staged ON report_imports(staged_at);
