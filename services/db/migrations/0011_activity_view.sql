-- Up Migration

-- The activity log view (R13): a partner's key and download events for a date range, newest
-- first, paged by (at, id) — the keyset an index must serve exactly, ties included.
CREATE INDEX activity_log_partner_at_id ON activity_log (partner_id, at DESC, id DESC);
DROP INDEX activity_log_partner_at;
-- Retention (ACTIVITY_RETENTION_MONTHS): housekeeping deletes what is older, in batches, across partners.
CREATE INDEX activity_log_at ON activity_log (at);

-- Who looked at the log, and who was refused (R13: the refusal is recorded).
ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed',
                     'support_requested', 'support_filed', 'support_failed',
                     'log_viewed'));

-- Down Migration
DELETE FROM activity_log WHERE event = 'log_viewed';
ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed',
                     'support_requested', 'support_filed', 'support_failed'));
CREATE INDEX activity_log_partner_at ON activity_log (partner_id, at DESC);
DROP INDEX activity_log_at;
DROP INDEX activity_log_partner_at_id;
