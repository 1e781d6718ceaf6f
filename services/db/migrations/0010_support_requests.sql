-- Up Migration

-- Support requests (R20, R21): refund and cancellation requests a user files in chat. The bot's
-- side is the request as reviewed and submitted (who, when, the order it is about, every field
-- of Partner Center's form, the files), written in one transaction with the filing job's outbox
-- intent (services/support/). The job files it at the configured support desk and keeps the
-- ticket number here; a request that could not be filed stays, and can be filed again.
CREATE TABLE support_requests (
  id                  bigserial PRIMARY KEY,
  partner_id          bigint NOT NULL,
  requested_by        bigint REFERENCES users(id) ON DELETE SET NULL,
  requested_at        timestamptz NOT NULL,
  -- The review card's key: a double Submit, a resend or a retry is one request.
  request_key         text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
  -- Where the user submitted it: the notification's place when they have no personal chat (or DM) with the bot.
  conversation_ref_id bigint REFERENCES conversation_refs(id) ON DELETE SET NULL,
  order_id            text NOT NULL,
  -- The cancellation that could not be completed (R20), when the request follows one.
  cancellation_id     bigint REFERENCES cancellations(id) ON DELETE SET NULL,
  customer_id         uuid NOT NULL,
  customer_name       text NOT NULL CHECK (length(customer_name) <= 500),
  customer_tenant_id  text NOT NULL CHECK (length(customer_tenant_id) <= 64),
  customer_domain     text CHECK (length(customer_domain) <= 255),
  product_title       text NOT NULL CHECK (length(product_title) <= 500),
  impact              text NOT NULL CHECK (impact IN ('critical', 'moderate', 'minimal')),
  title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  description         text NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
  refund_reason       text NOT NULL CHECK (length(refund_reason) BETWEEN 1 AND 5000),
  currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  amount_minor        bigint NOT NULL CHECK (amount_minor >= 0),
  order_total_minor   bigint NOT NULL CHECK (order_total_minor >= 0 AND amount_minor <= order_total_minor),
  contact_name        text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 200),
  contact_email       text NOT NULL CHECK (length(contact_email) BETWEEN 3 AND 254),
  contact_phone       text NOT NULL CHECK (length(contact_phone) <= 40),
  -- The desk it goes to ('embedded', 'zendesk'), as configured when it was submitted.
  desk                text NOT NULL CHECK (desk ~ '^[a-z][a-z0-9_]{0,31}$'),
  -- queued: waiting for (or in) the filing job; filed: the desk made the ticket; failed: the desk
  -- refused it or did not answer through the retries (kept; `support retry` queues it again).
  status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'filed', 'failed')),
  status_at           timestamptz NOT NULL,
  -- The request's key at the desk (its idempotency key and external id): unique beyond this database,
  -- so a reset database or a second installation filing to the same desk never meets another's ticket.
  desk_key            uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  -- Each filing (the first, and each `support retry`) is its own job; the desk's key stays the request's.
  filings             integer NOT NULL DEFAULT 1 CHECK (filings >= 1),
  attempts            integer NOT NULL DEFAULT 0,
  -- When a filing job last tried (or the sweep last gave it a job): a queued request long past it has lost its job.
  last_attempt_at     timestamptz,
  sweeps              integer NOT NULL DEFAULT 0,
  last_error          text CHECK (length(last_error) <= 500),
  failure_reason      text CHECK (failure_reason IN ('unauthorized', 'rejected', 'unavailable')),
  ticket_number       text CHECK (length(ticket_number) <= 100),
  ticket_url          text CHECK (length(ticket_url) <= 1000),
  ticket_status       text CHECK (length(ticket_status) <= 64),
  filed_at            timestamptz,
  UNIQUE (partner_id, request_key),
  FOREIGN KEY (partner_id, order_id) REFERENCES purchases (partner_id, order_id) ON DELETE CASCADE
);
CREATE INDEX support_requests_requester ON support_requests (partner_id, requested_by, requested_at DESC);
CREATE INDEX support_requests_queued ON support_requests (status_at) WHERE status = 'queued';

-- Files: uploaded while the form is open (draft_key: the form's draft, no request yet), then
-- attached to the request on Submit. Unclaimed drafts are pruned by housekeeping after a day.
CREATE TABLE support_files (
  id                  bigserial PRIMARY KEY,
  partner_id          bigint NOT NULL,
  user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  draft_key           text NOT NULL CHECK (length(draft_key) BETWEEN 1 AND 200),
  support_request_id  bigint REFERENCES support_requests(id) ON DELETE CASCADE,
  filename            text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
  content_type        text NOT NULL CHECK (length(content_type) <= 255),
  size_bytes          integer NOT NULL CHECK (size_bytes >= 0),
  content             bytea NOT NULL,
  uploaded_at         timestamptz NOT NULL
);
CREATE INDEX support_files_draft ON support_files (partner_id, user_id, draft_key);
CREATE INDEX support_files_request ON support_files (support_request_id);

-- The embedded support desk (services/support/embedded-desk.ts): the bot's own ticket records,
-- as a helpdesk keeps them. One ticket per idempotency key, whatever the number of tries.
CREATE SEQUENCE support_ticket_numbers START 1001;
CREATE TABLE support_tickets (
  id               bigserial PRIMARY KEY,
  number           text NOT NULL UNIQUE,
  idempotency_key  text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  external_id      text NOT NULL,
  problem_type     text NOT NULL,
  impact           text NOT NULL,
  title            text NOT NULL,
  body             text NOT NULL,
  requester_name   text NOT NULL,
  requester_email  text NOT NULL,
  requester_phone  text,
  tags             text[] NOT NULL DEFAULT '{}',
  attachments      jsonb NOT NULL DEFAULT '[]',
  status           text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'pending', 'solved', 'closed')),
  created_at       timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed',
                     'support_requested', 'support_filed', 'support_failed'));

-- Down Migration
DELETE FROM activity_log WHERE event IN ('support_requested', 'support_filed', 'support_failed');
ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed'));
DROP TABLE support_tickets;
DROP SEQUENCE support_ticket_numbers;
DROP TABLE support_files;
DROP TABLE support_requests;
