-- The report template (standard wording and PDF layout) an administrator edits. Every saved
-- version is kept; the highest version is the one in use.
CREATE TABLE report_templates (
    version BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT
);
