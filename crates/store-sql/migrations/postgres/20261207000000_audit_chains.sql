-- One audit chain per review, and one for the instance (events outside any review), instead of
-- one chain for everything. A writer moves the head of its own chain only, so editors of
-- different reviews no longer queue on one row to audit their saves, and each chain still
-- shows any edit, insertion or deletion of its events.
--
-- The existing trail becomes the instance's chain, unchanged: its events keep their hashes,
-- and their position in it is their sequence number. New events of a review start the
-- review's own chain.

CREATE TABLE audit_chains (
    chain TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_chains (chain, position, hash) SELECT '', seq, hash FROM audit_head WHERE id = 1;
DROP TABLE audit_head;

ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN position BIGINT;
UPDATE audit_events SET position = seq;
ALTER TABLE audit_events ALTER COLUMN position SET NOT NULL;
CREATE UNIQUE INDEX audit_events_chain ON audit_events(chain, position);

-- The order of writing across chains comes from a sequence, which writers share without
-- waiting for each other's transactions to end.
CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq;
SELECT setval('audit_events_seq', COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1, false);
ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq');
