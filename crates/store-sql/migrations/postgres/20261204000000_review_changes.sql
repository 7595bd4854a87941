-- The sequence number of the latest audited change in each review ('' for changes outside any
-- review: agencies, users, recurrent issues, the report template). The store writes it in the
-- same transaction as the change (and its audit event), so a reader can tell with one small
-- read whether anything in a review changed since it last looked. Reads, reveals and sign-ins
-- are audited but change nothing, and leave it alone.

CREATE TABLE review_changes (
    review_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);

-- Every event so far counts as a change: a stamp only has to move whenever the content does.
INSERT INTO review_changes (review_id, seq)
SELECT COALESCE(review_id, ''), MAX(seq) FROM audit_events GROUP BY COALESCE(review_id, '');
