-- One audit chain per review, and one for the instance (events outside any review), instead of
-- one chain for everything. A writer moves the head of its own chain only, so editors of
-- different reviews no longer queue on one row to audit their saves (on PostgreSQL; SQLite
-- has one writer at a time anyway), and each chain still shows any edit, insertion or
-- deletion of its events.
--
-- The existing trail becomes the instance's chain, unchanged: its events keep their hashes,
-- and their position in it is their sequence number. New events of a review start the
-- review's own chain. The sequence number becomes the row id, given by SQLite on insert.

CREATE TABLE audit_chains (
    chain TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_chains (chain, position, hash) SELECT '', seq, hash FROM audit_head WHERE id = 1;
DROP TABLE audit_head;

CREATE TABLE audit_events_chained (
    seq INTEGER PRIMARY KEY NOT NULL,
    chain TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT,
    review_id TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_events_chained
    (seq, chain, position, at, actor, review_id, action, entity, entity_id, reason, prev_hash, hash)
SELECT seq, '', seq, at, actor, review_id, action, entity, entity_id, reason, prev_hash, hash
FROM audit_events;

DROP TABLE audit_events;
ALTER TABLE audit_events_chained RENAME TO audit_events;
CREATE INDEX audit_events_review ON audit_events(review_id, seq);
CREATE UNIQUE INDEX audit_events_chain ON audit_events(chain, position);
