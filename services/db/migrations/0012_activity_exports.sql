-- Up Migration

-- Exports of the activity log (R13). Slack: the CSV is uploaded into the user's DM. Teams: a
-- short-lived link in the personal chat, served by the bot (GET /exports/:token), which streams
-- the CSV from Postgres when it is opened. As for download links, only the SHA-256 of the token
-- is stored; the token itself exists only in the card sent to the user's personal chat. Opening
-- the link checks the user's roles again (a revoked admin's link stops working) and is recorded.
CREATE TABLE activity_exports (
  id                  bigserial PRIMARY KEY,
  partner_id          bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash          bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  range_from          timestamptz NOT NULL,
  range_to            timestamptz NOT NULL CHECK (range_to > range_from),
  -- { customerId?, userId?, kind? }: the view's filter, checked again when the link is opened.
  filter              jsonb NOT NULL DEFAULT '{}'::jsonb,
  zone                text NOT NULL CHECK (zone ~ '^[A-Za-z0-9_+/-]{1,64}$'),
  created_at          timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL CHECK (expires_at > created_at),
  downloads           integer NOT NULL DEFAULT 0 CHECK (downloads >= 0),
  last_downloaded_at  timestamptz
);
-- Housekeeping deletes links some days after they expired.
CREATE INDEX activity_exports_expires_at ON activity_exports (expires_at);

-- An export delivered (a Slack upload, a Teams link issued or opened) or refused.
ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed',
                     'support_requested', 'support_filed', 'support_failed',
                     'log_viewed', 'log_exported'));

-- Down Migration
DELETE FROM activity_log WHERE event = 'log_exported';
ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed',
                     'support_requested', 'support_filed', 'support_failed',
                     'log_viewed'));
DROP TABLE activity_exports;
