-- Up Migration

-- Proactive messages to a conversation (Teams) or channel/DM (Slack). Written in the
-- transaction of the change that causes them, together with a job_outbox intent; the
-- notifications worker delivers them. Payloads are never secret (no keys, no links).
CREATE TABLE notifications (
  id                   bigserial PRIMARY KEY,
  partner_id           bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  conversation_ref_id  bigint NOT NULL REFERENCES conversation_refs(id) ON DELETE CASCADE,
  -- { text?: string, card?: Adaptive Card attachment (Teams), blocks?: Block Kit array (Slack) }
  payload              jsonb NOT NULL,
  -- The same logical notification (e.g. 'cancellation-done:<id>') is created only once.
  dedupe_key           text NOT NULL UNIQUE,
  status               text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'sent', 'failed', 'undeliverable')),
  attempts             integer NOT NULL DEFAULT 0,
  last_error           text,
  -- A delivery in progress holds this lease, so a second run of the same job (BullMQ is
  -- at-least-once) waits instead of sending in parallel.
  lease_until          timestamptz,
  -- Teams activity id / Slack message ts of the delivered message.
  provider_message_id  text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz
);
CREATE INDEX notifications_conversation ON notifications (conversation_ref_id, created_at);
CREATE INDEX notifications_pending ON notifications (created_at) WHERE status = 'queued';

-- Fixed-window counters of rate-limiter-flexible's RateLimiterPostgres (per conversation /
-- channel / tenant send limits), shared by every worker process.
CREATE TABLE notification_rate_limits (
  key     text PRIMARY KEY,
  points  integer NOT NULL DEFAULT 0,
  expire  bigint
);

-- Down Migration
DROP TABLE notification_rate_limits;
DROP TABLE notifications;
