-- Up Migration

-- A key and link issued for a Teams group chat or channel go to the user's personal chat
-- (R11). When that message cannot be delivered, the link is withdrawn at once (nobody holds
-- it) and the activity log says so (R12): revoked_reason 'undelivered', outcome 'undelivered'.
ALTER TABLE download_links
  DROP CONSTRAINT download_links_revoked_reason_check,
  ADD CONSTRAINT download_links_revoked_reason_check CHECK (revoked_reason IN ('cancelled', 'admin', 'undelivered'));
ALTER TABLE software_activity
  DROP CONSTRAINT software_activity_outcome_check,
  ADD CONSTRAINT software_activity_outcome_check
    CHECK (outcome IN ('ok', 'expired', 'used_up', 'revoked', 'unknown', 'forbidden', 'not_available', 'undelivered'));

-- Down Migration
UPDATE download_links SET revoked_reason = 'admin' WHERE revoked_reason = 'undelivered';
UPDATE software_activity SET outcome = 'revoked' WHERE outcome = 'undelivered';
ALTER TABLE download_links
  DROP CONSTRAINT download_links_revoked_reason_check,
  ADD CONSTRAINT download_links_revoked_reason_check CHECK (revoked_reason IN ('cancelled', 'admin'));
ALTER TABLE software_activity
  DROP CONSTRAINT software_activity_outcome_check,
  ADD CONSTRAINT software_activity_outcome_check
    CHECK (outcome IN ('ok', 'expired', 'used_up', 'revoked', 'unknown', 'forbidden', 'not_available'));
