-- Testing the analysis together (issue 18).

-- Meetings of the review team, the case group, or both: a versioned record like the others.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL
);
CREATE INDEX meetings_review ON meetings(review_id, sort_key);

-- What reviewers shared with an audience: a pseudonymised copy of one version of a KPE or a
-- finding, made when it was shared. Rows are only inserted; sharing the same version with the
-- same audience again adds nothing.
CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    audience TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_version BIGINT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    review_state TEXT NOT NULL,
    note TEXT NOT NULL,
    shared_at BIGINT NOT NULL,
    shared_by TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX shares_item ON shares (review_id, audience, item_id, item_version);

-- Comments on a shared item, or on a section of a frozen report version, and the review
-- team's answer (given once, by one conditional statement).
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    share_id TEXT REFERENCES shares(id),
    version_id TEXT REFERENCES report_versions(id),
    section TEXT,
    author_id TEXT NOT NULL REFERENCES users(id),
    audience TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    answer TEXT,
    answer_note TEXT,
    answered_by TEXT REFERENCES users(id),
    answered_at BIGINT,
    CHECK ((share_id IS NULL) <> (version_id IS NULL))
);
CREATE INDEX comments_review ON comments (review_id, created_at);

-- Assessments against the quality markers; the latest for a marker stands, earlier ones are
-- kept.
CREATE TABLE quality_assessments (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    marker TEXT NOT NULL,
    rating TEXT NOT NULL,
    evidence TEXT NOT NULL,
    role TEXT NOT NULL,
    assessed_by TEXT REFERENCES users(id),
    assessed_at BIGINT NOT NULL
);
CREATE INDEX quality_assessments_review ON quality_assessments (review_id, marker, assessed_at);

-- A partner signatory's decision on a version at partner sign-off: once per version and person.
CREATE TABLE version_sign_offs (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    version_id TEXT NOT NULL REFERENCES report_versions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX version_sign_offs_once ON version_sign_offs (version_id, user_id);

-- The fingerprint of the report and briefing a version was frozen from (see the identifier
-- scan): a final version must match the anonymisation sign-off.
ALTER TABLE report_versions ADD COLUMN fingerprint TEXT;
