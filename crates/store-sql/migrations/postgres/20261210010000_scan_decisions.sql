-- A scan run keeps what it showed (so it can be shown again) and what its runner judged not
-- identifying, with their reasons, which the sign-off then carries.
ALTER TABLE scan_runs ADD COLUMN found TEXT;
ALTER TABLE scan_runs ADD COLUMN accepted TEXT;
