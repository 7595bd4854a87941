-- An imported submission keeps its entries with its import row, as one compressed block
-- (entries_body: each entry's fields in a compact binary form, LZ4-compressed, behind a format
-- byte; see crates/store-sql/src/submissions.rs), instead of a row per entry. Every entry id of the submission starts with
-- entry_prefix (see casewindow_store::entry_id), so an entry is found without reading any other
-- submission. A replaced submission's block stays, as its history. An imported entry a reviewer
-- edits gets a row in chronology_entries (its first version kept in revisions), which takes the
-- block's place for that entry. Imports made before this migration keep their rows.
ALTER TABLE chronology_imports ADD COLUMN entry_prefix TEXT, ADD COLUMN entries_body BYTEA;
-- The block is compressed already: stored out of line without another attempt at compression.
ALTER TABLE chronology_imports ALTER COLUMN entries_body SET STORAGE EXTERNAL;
CREATE UNIQUE INDEX chronology_imports_prefix ON chronology_imports(entry_prefix);

-- Decisions can name entries that live in a block, so they no longer reference
-- chronology_entries; the store checks that both entries exist, and removes a replaced
-- submission's decisions itself.
ALTER TABLE alignment_decisions
    DROP CONSTRAINT alignment_decisions_entry_a_fkey,
    DROP CONSTRAINT alignment_decisions_entry_b_fkey;
