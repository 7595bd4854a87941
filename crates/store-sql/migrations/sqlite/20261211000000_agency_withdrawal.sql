-- An agency added by mistake is withdrawn with a reason, never deleted: records that name it
-- keep its name.
ALTER TABLE agencies ADD COLUMN withdrawn_on TEXT;
ALTER TABLE agencies ADD COLUMN withdrawn_reason TEXT;
