-- What published documents call an agency ("the primary school"), since its own name can
-- identify the family; empty means its sector's name.
ALTER TABLE agencies ADD COLUMN publication_name TEXT;
