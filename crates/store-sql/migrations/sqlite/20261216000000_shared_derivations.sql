-- What one server works out from the library, kept so that every server on the database uses
-- it instead of working it out again.
--
-- Candidate recurrent issues last found for a set of readable reviews: reader is a stable hash
-- of that set (and of whether it is read de-identified), with the library stamp they were found
-- at; a later find replaces an earlier one by one conditional upsert.
CREATE TABLE candidate_runs (
    reader TEXT PRIMARY KEY,
    stamp_total BIGINT NOT NULL,
    stamp_count BIGINT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL
);

-- Sentence embeddings by model (its name and a hash of its files) and by the SHA-256 of the
-- text embedded: written once, when a server first embeds the text, as little-endian floats.
CREATE TABLE embeddings (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
