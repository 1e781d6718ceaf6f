-- Up Migration

-- A notification stores what it says as data (`message`: a kind and its facts,
-- services/notifications/messages.ts) and the worker renders it at delivery time, in the
-- recipient's channel and language. `payload` — a card rendered when the row was written —
-- stays for rows written before this version (and by a bot of the previous version still
-- running during a rolling upgrade); the worker delivers those as they are. A worker of the
-- previous version cannot render a message: upgrade the workers before the bots.
ALTER TABLE notifications
  ADD COLUMN message jsonb,
  ALTER COLUMN payload DROP NOT NULL,
  ADD CONSTRAINT notifications_content CHECK (message IS NOT NULL OR payload IS NOT NULL);

-- Down Migration
-- The previous version can only deliver rendered payloads: a message-only notification still
-- waiting is dropped (its job finds no row and ends); one already sent or given up on keeps its
-- row (and its dedupe key) with a stand-in text, as history.
DELETE FROM notifications WHERE payload IS NULL AND status = 'queued';
UPDATE notifications SET payload = jsonb_build_object('text', 'notification: ' || coalesce(message->>'kind', 'message')) WHERE payload IS NULL;
ALTER TABLE notifications
  DROP CONSTRAINT notifications_content,
  ALTER COLUMN payload SET NOT NULL,
  DROP COLUMN message;
