-- Up Migration

-- A CSP partner organisation; every row of every table below belongs to one.
CREATE TABLE partners (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- How a partner is recognised on a channel: its Teams tenant id or its Slack team id.
CREATE TABLE partner_channels (
  channel      text NOT NULL CHECK (channel IN ('msteams', 'slack')),
  external_id  text NOT NULL,
  partner_id   bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  PRIMARY KEY (channel, external_id)
);

-- A chat user of a partner (Teams AAD object id / Slack user id).
CREATE TABLE users (
  id                bigserial PRIMARY KEY,
  partner_id        bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  channel           text NOT NULL CHECK (channel IN ('msteams', 'slack')),
  external_id       text NOT NULL,
  display_name      text,
  locale            text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_seen_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (partner_id, channel, external_id)
);

CREATE TABLE user_roles (
  user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('admin_agent', 'sales_agent', 'helpdesk_agent', 'global_admin',
                                            'account_admin', 'billing_admin', 'referral_admin', 'marketing_content_admin')),
  granted_at  timestamptz NOT NULL DEFAULT now(),
  granted_by  bigint REFERENCES users(id) ON DELETE SET NULL,
  PRIMARY KEY (user_id, role)
);

-- Where to reach a user proactively. Teams: the botbuilder ConversationReference;
-- Slack: { teamId, channelId, userId }. Upserted on every inbound activity.
CREATE TABLE conversation_refs (
  id               bigserial PRIMARY KEY,
  partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  channel          text NOT NULL CHECK (channel IN ('msteams', 'slack')),
  conversation_id  text NOT NULL,
  user_id          bigint REFERENCES users(id) ON DELETE SET NULL,
  conversation_type text NOT NULL DEFAULT 'personal',
  reference        jsonb NOT NULL,
  active           boolean NOT NULL DEFAULT true,
  inactive_reason  text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, conversation_id)
);
CREATE INDEX conversation_refs_user ON conversation_refs (user_id) WHERE active;

-- botbuilder Storage (dialog and conversation state), with optimistic concurrency.
CREATE TABLE bot_state (
  key         text PRIMARY KEY,
  document    jsonb NOT NULL,
  etag        bigint NOT NULL DEFAULT 1,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Inbound requests already handled (Teams activity ids, Slack retries): a retried
-- request never repeats an effect.
CREATE TABLE processed_inbound (
  channel      text NOT NULL,
  request_key  text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, request_key)
);
CREATE INDEX processed_inbound_received ON processed_inbound (received_at);

-- Transactional outbox: a job's intent is written in the same transaction as the
-- change that triggers it; the relay enqueues it into BullMQ with job_id as the job's id
-- (BullMQ ignores a job id it already has, so a second enqueue changes nothing).
CREATE TABLE job_outbox (
  id           bigserial PRIMARY KEY,
  queue        text NOT NULL,
  job_name     text NOT NULL,
  job_id       text NOT NULL,
  data         jsonb NOT NULL,
  delay_until  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  enqueued_at  timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  UNIQUE (queue, job_id)
);
CREATE INDEX job_outbox_pending ON job_outbox (id) WHERE enqueued_at IS NULL;

-- Down Migration
DROP TABLE job_outbox;
DROP TABLE processed_inbound;
DROP TABLE bot_state;
DROP TABLE conversation_refs;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE partner_channels;
DROP TABLE partners;
