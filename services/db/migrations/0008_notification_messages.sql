-- Up Migration

-- A notification stores what it says as data (`message`: a kind and its facts,
-- services/notifications/messages.ts) and the worker renders it at delivery time, in the
-- recipient's channel and language. `payload` — a card rendered when the row was written —
-- stays for rows written before this version (and by one still running during a rolling
-- upgrade); the worker delivers those as they are.
ALTER TABLE notifications
  ADD COLUMN message jsonb,
  ALTER COLUMN payload DROP NOT NULL,
  ADD CONSTRAINT notifications_content CHECK (message IS NOT NULL OR payload IS NOT NULL);

-- Down Migration
-- The previous version can only deliver rendered payloads: notifications that hold a message
-- only and are still waiting are dropped (their jobs find no row and end).
DELETE FROM notifications WHERE payload IS NULL;
ALTER TABLE notifications
  DROP CONSTRAINT notifications_content,
  ALTER COLUMN payload SET NOT NULL,
  DROP COLUMN message;
