-- One way in: what two requests could change at once is decided by the database.
--
-- Findings, key practice episodes and narrative sections are numbered within their review, and
-- the number is their sort key: the database now keeps the numbers apart. Numbers that an
-- earlier version let two simultaneous requests share are renumbered first (the later-created
-- record, by id, moves to the end of its review), so the index can be made.

CREATE TEMP TABLE renumber_findings AS
SELECT d.id AS id,
       (SELECT MAX(CAST(m.sort_key AS INTEGER)) FROM findings m WHERE m.review_id = d.review_id)
       + ROW_NUMBER() OVER (PARTITION BY d.review_id ORDER BY d.sort_key, d.id) AS position
FROM findings d
WHERE EXISTS (SELECT 1 FROM findings e WHERE e.review_id = d.review_id AND e.sort_key = d.sort_key AND e.id < d.id);
UPDATE findings
SET sort_key = (SELECT printf('%010d', r.position) FROM renumber_findings r WHERE r.id = findings.id),
    body = json_set(body, '$.position', (SELECT r.position FROM renumber_findings r WHERE r.id = findings.id))
WHERE id IN (SELECT id FROM renumber_findings);
DROP TABLE renumber_findings;
CREATE UNIQUE INDEX findings_review_position ON findings (review_id, sort_key);

CREATE TEMP TABLE renumber_kpes AS
SELECT d.id AS id,
       (SELECT MAX(CAST(m.sort_key AS INTEGER)) FROM kpes m WHERE m.review_id = d.review_id)
       + ROW_NUMBER() OVER (PARTITION BY d.review_id ORDER BY d.sort_key, d.id) AS position
FROM kpes d
WHERE EXISTS (SELECT 1 FROM kpes e WHERE e.review_id = d.review_id AND e.sort_key = d.sort_key AND e.id < d.id);
UPDATE kpes
SET sort_key = (SELECT printf('%010d', r.position) FROM renumber_kpes r WHERE r.id = kpes.id),
    body = json_set(body, '$.position', (SELECT r.position FROM renumber_kpes r WHERE r.id = kpes.id))
WHERE id IN (SELECT id FROM renumber_kpes);
DROP TABLE renumber_kpes;
CREATE UNIQUE INDEX kpes_review_position ON kpes (review_id, sort_key);

CREATE TEMP TABLE renumber_narrative_sections AS
SELECT d.id AS id,
       (SELECT MAX(CAST(m.sort_key AS INTEGER)) FROM narrative_sections m WHERE m.review_id = d.review_id)
       + ROW_NUMBER() OVER (PARTITION BY d.review_id ORDER BY d.sort_key, d.id) AS position
FROM narrative_sections d
WHERE EXISTS (SELECT 1 FROM narrative_sections e WHERE e.review_id = d.review_id AND e.sort_key = d.sort_key AND e.id < d.id);
UPDATE narrative_sections
SET sort_key = (SELECT printf('%010d', r.position) FROM renumber_narrative_sections r WHERE r.id = narrative_sections.id),
    body = json_set(body, '$.position', (SELECT r.position FROM renumber_narrative_sections r WHERE r.id = narrative_sections.id))
WHERE id IN (SELECT id FROM renumber_narrative_sections);
DROP TABLE renumber_narrative_sections;
CREATE UNIQUE INDEX narrative_sections_review_position ON narrative_sections (review_id, sort_key);

-- A create form's one-time key, claimed in the same transaction as the record it created: a
-- repeated submission of the same form finds the key taken and answers with the first record.
-- The key is stored with its user ('system' for the command line), so one user's key never
-- names another's record.
CREATE TABLE creations (
    user_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What the pattern library suggested for a finding's text, as the server computed it: a
-- finding names the run it was written with, never a suggestion typed into a form.
CREATE TABLE suggestion_runs (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    user_id TEXT REFERENCES users(id),
    at BIGINT NOT NULL,
    body TEXT NOT NULL
);

-- Identifier scans of a review's report and briefing before publication: who ran each, when,
-- the fingerprint of the documents it read and how many possible identifiers it showed. An
-- anonymisation sign-off names one of these.
CREATE TABLE scan_runs (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    user_id TEXT REFERENCES users(id),
    at BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    hits BIGINT NOT NULL
);
CREATE INDEX scan_runs_review ON scan_runs (review_id, at);
