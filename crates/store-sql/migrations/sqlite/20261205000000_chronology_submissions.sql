-- An imported submission keeps its entries with its import row, as one compressed block
-- (entries_body: each entry's fields in a compact binary form, LZ4-compressed, behind a format
-- byte; see crates/store-sql/src/submissions.rs), instead of a row per entry. Every entry id of the submission starts with
-- entry_prefix (see casewindow_store::entry_id), so an entry is found without reading any other
-- submission. A replaced submission's block stays, as its history. An imported entry a reviewer
-- edits gets a row in chronology_entries (its first version kept in revisions), which takes the
-- block's place for that entry. Imports made before this migration keep their rows.
ALTER TABLE chronology_imports ADD COLUMN entry_prefix TEXT;
ALTER TABLE chronology_imports ADD COLUMN entries_body BLOB;
CREATE UNIQUE INDEX chronology_imports_prefix ON chronology_imports(entry_prefix);

-- Decisions can name entries that live in a block, so they no longer reference
-- chronology_entries; the store checks that both entries exist, and removes a replaced
-- submission's decisions itself.
CREATE TABLE alignment_decisions_next (
    review_id TEXT NOT NULL REFERENCES reviews(id),
    entry_a TEXT NOT NULL,
    entry_b TEXT NOT NULL,
    same BIGINT NOT NULL CHECK (same IN (0, 1)),
    decided_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    PRIMARY KEY (entry_a, entry_b),
    CHECK (entry_a < entry_b)
);
INSERT INTO alignment_decisions_next (review_id, entry_a, entry_b, same, decided_at, decided_by)
    SELECT review_id, entry_a, entry_b, same, decided_at, decided_by FROM alignment_decisions;
DROP TABLE alignment_decisions;
ALTER TABLE alignment_decisions_next RENAME TO alignment_decisions;
CREATE INDEX alignment_decisions_review ON alignment_decisions(review_id);
