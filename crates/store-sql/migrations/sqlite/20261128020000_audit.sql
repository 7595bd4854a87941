-- The audit trail: append-only and hash-chained. Each event's hash covers its fields and the
-- previous event's hash, so changing, inserting or deleting an event breaks the chain where it
-- happened. audit_head holds the last sequence number and hash; updating it inside the same
-- transaction as the change serialises writers, so the chain never forks.

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
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

CREATE INDEX audit_events_review ON audit_events(review_id, seq);
