-- Reviewers' decisions on whether two agencies' chronology entries record the same occurrence:
-- confirming or adding a link (same = 1) or splitting one the alignment proposed (same = 0).
-- One decision per pair (entry_a < entry_b); a decision goes with its entries when an agency's
-- submission is replaced (the audit trail keeps it).

CREATE TABLE alignment_decisions (
    review_id TEXT NOT NULL REFERENCES reviews(id),
    entry_a TEXT NOT NULL REFERENCES chronology_entries(id) ON DELETE CASCADE,
    entry_b TEXT NOT NULL REFERENCES chronology_entries(id) ON DELETE CASCADE,
    same BIGINT NOT NULL CHECK (same IN (0, 1)),
    decided_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    PRIMARY KEY (entry_a, entry_b),
    CHECK (entry_a < entry_b)
);

CREATE INDEX alignment_decisions_review ON alignment_decisions(review_id);
