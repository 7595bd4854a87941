-- An agency's name is unique within its partnership, whatever its case, so two people adding
-- the same agency at once make one (the second is refused by this index, not by a read first).
-- Names already repeated keep the first and get their id appended, so the index can be made.
UPDATE agencies SET name = name || ' (' || id || ')'
WHERE partnership_id IS NOT NULL
  AND id NOT IN (
    SELECT MIN(id) FROM agencies WHERE partnership_id IS NOT NULL
    GROUP BY partnership_id, lower(name)
  );
CREATE UNIQUE INDEX agencies_partnership_name ON agencies (partnership_id, lower(name));
