-- Thematic analyses across reviews, each kept as made: its scope, the library stamp it was made
-- at and the analysis itself (JSON), so it can be read again and compared with a later one.
-- audience: 'national' (de-identified, every national analyst) or 'user:' and the maker's id.
CREATE TABLE thematic_versions (
    id TEXT PRIMARY KEY,
    made_at BIGINT NOT NULL,
    made_by TEXT REFERENCES users(id),
    audience TEXT NOT NULL,
    scope TEXT NOT NULL,
    library_state TEXT NOT NULL,
    analysis TEXT NOT NULL
);
CREATE INDEX thematic_versions_by_audience ON thematic_versions (audience, made_at);
