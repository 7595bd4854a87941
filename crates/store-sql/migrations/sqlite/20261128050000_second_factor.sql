-- The optional second factor (a TOTP secret, sealed by the vault, and the last time step used so
-- a code is never accepted twice), national analysts (de-identified findings only), and sessions
-- that still wait for the second factor (they grant nothing but typing the code).

ALTER TABLE accounts ADD COLUMN national_analyst BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN pending_second_factor BIGINT NOT NULL DEFAULT 0;
