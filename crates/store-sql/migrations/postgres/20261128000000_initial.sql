-- Initial schema. Analytical records share one shape: identity, scope, sort key, version,
-- a JSON body and authorship, plus typed columns for the links and facets the database
-- constrains or queries. Generated for both dialects from one description; never edit a
-- released migration, add a new one.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE
);

CREATE TABLE partnerships (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    partnership_id TEXT REFERENCES partnerships(id),
    name TEXT NOT NULL,
    sector TEXT NOT NULL
);

CREATE TABLE typology_versions (
    version_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    year INTEGER NOT NULL
);

CREATE TABLE typology_categories (
    version_key TEXT NOT NULL REFERENCES typology_versions(version_key),
    code TEXT NOT NULL,
    pattern TEXT NOT NULL,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (version_key, code)
);

CREATE TABLE typology_mappings (
    from_version TEXT NOT NULL,
    from_code TEXT NOT NULL,
    to_version TEXT NOT NULL,
    to_code TEXT NOT NULL,
    PRIMARY KEY (from_version, from_code, to_version, to_code),
    FOREIGN KEY (from_version, from_code) REFERENCES typology_categories(version_key, code),
    FOREIGN KEY (to_version, to_code) REFERENCES typology_categories(version_key, code)
);

CREATE TABLE recurrent_issues (
    id TEXT PRIMARY KEY,
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    pattern TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL
);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnerships(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    state TEXT NOT NULL,
    title TEXT NOT NULL
);

CREATE TABLE terms_of_reference (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL UNIQUE REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

CREATE TABLE participations (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    user_id TEXT REFERENCES users(id),
    agency_id TEXT REFERENCES agencies(id),
    role TEXT NOT NULL
);

CREATE TABLE subjects (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

CREATE TABLE subject_identities (
    subject_id TEXT PRIMARY KEY REFERENCES subjects(id),
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

CREATE TABLE source_documents (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    agency_id TEXT REFERENCES agencies(id)
);

CREATE TABLE chronology_entries (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    source_document_id TEXT REFERENCES source_documents(id),
    occurred_start TEXT NOT NULL,
    occurred_end TEXT NOT NULL
);

CREATE TABLE kpes (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    participant_id TEXT NOT NULL REFERENCES participations(id)
);

CREATE TABLE narrative_sections (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    pattern TEXT,
    polarity TEXT,
    status TEXT NOT NULL
);

CREATE TABLE finding_kpes (
    finding_id TEXT NOT NULL REFERENCES findings(id),
    kpe_id TEXT NOT NULL REFERENCES kpes(id),
    PRIMARY KEY (finding_id, kpe_id)
);

CREATE TABLE finding_issues (
    finding_id TEXT NOT NULL REFERENCES findings(id),
    issue_id TEXT NOT NULL REFERENCES recurrent_issues(id),
    PRIMARY KEY (finding_id, issue_id)
);

CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    finding_id TEXT NOT NULL REFERENCES findings(id)
);

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    sort_key TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    finding_id TEXT REFERENCES findings(id),
    owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    due_on TEXT
);

CREATE TABLE revisions (
    id BIGSERIAL PRIMARY KEY,
    table_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    replaced_at BIGINT NOT NULL,
    replaced_by TEXT REFERENCES users(id),
    reason TEXT NOT NULL,
    UNIQUE (table_name, record_id, version)
);

CREATE TABLE review_transitions (
    id BIGSERIAL PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews(id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    on_date TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_user TEXT REFERENCES users(id)
);

CREATE INDEX reviews_partnership ON reviews(partnership_id, sort_key);
CREATE INDEX participations_review ON participations(review_id, sort_key);
CREATE INDEX subjects_review ON subjects(review_id, sort_key);
CREATE INDEX source_documents_review ON source_documents(review_id, sort_key);
CREATE INDEX chronology_review ON chronology_entries(review_id, sort_key);
CREATE INDEX chronology_agency ON chronology_entries(review_id, agency_id, occurred_start);
CREATE INDEX kpes_review ON kpes(review_id, sort_key);
CREATE INDEX conversations_review ON conversations(review_id, sort_key);
CREATE INDEX narrative_review ON narrative_sections(review_id, sort_key);
CREATE INDEX findings_review ON findings(review_id, sort_key);
CREATE INDEX findings_pattern ON findings(pattern, polarity);
CREATE INDEX finding_kpes_kpe ON finding_kpes(kpe_id);
CREATE INDEX finding_issues_issue ON finding_issues(issue_id);
CREATE INDEX responses_review ON responses(review_id, sort_key);
CREATE INDEX actions_review ON actions(review_id, sort_key);
CREATE INDEX actions_owner ON actions(owner_agency_id, status);
CREATE INDEX revisions_record ON revisions(table_name, record_id, version);
CREATE INDEX transitions_review ON review_transitions(review_id, id);
