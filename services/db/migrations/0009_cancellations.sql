-- Up Migration

-- Cancelling a purchase (R14–R20). The bot's side: a cancellation per request (who, when,
-- which purchase and lines, the credit computed then, where it stands), written in one
-- transaction with the purchase's move to 'cancelling' and the tracking job's outbox
-- intent (services/cancellation/). Then the tracking job asks the commerce backend to
-- cancel (with `backend_request_id`, the same on every retry) and polls it until it has
-- finished, failed, asked for more information, or the deadline passed.
CREATE TABLE cancellations (
  id                  bigserial PRIMARY KEY,
  partner_id          bigint NOT NULL,
  order_id            text NOT NULL,
  customer_id         uuid NOT NULL,
  -- The customer's name when it was requested (for the notification, whatever the backend).
  customer_name       text NOT NULL CHECK (length(customer_name) <= 500),
  requested_by        bigint REFERENCES users(id) ON DELETE SET NULL,
  requested_at        timestamptz NOT NULL,
  -- Where the user submitted it: the notification's place when they have no personal chat (or DM) with the bot.
  conversation_ref_id bigint REFERENCES conversation_refs(id) ON DELETE SET NULL,
  -- The submit's own key (the notice card's), so a double submit, a resend or a retry is one cancellation.
  request_key         text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
  backend             text NOT NULL CHECK (backend ~ '^[a-z][a-z0-9_]{0,31}$'),
  backend_request_id  uuid NOT NULL,
  -- The backend's reference to the cancellation once it accepted it; opaque here.
  backend_ref         jsonb,
  -- requested: recorded, the backend not yet asked; submitted: the backend accepted it and works on it;
  -- finished: cancelled (keys and links revoked, credit booked); failed / needs_information: the backend
  -- could not complete it (R20); timed_out: the backend had not finished days after deadline_at.
  status              text NOT NULL DEFAULT 'requested'
                      CHECK (status IN ('requested', 'submitted', 'finished', 'failed', 'needs_information', 'timed_out')),
  status_at           timestamptz NOT NULL,
  -- When the requester is told that it takes longer than usual: deadline minutes after the submit,
  -- and again from when the backend accepted it. The job keeps following it after that (slowly)
  -- and gives up days later (timed_out).
  deadline_at         timestamptz NOT NULL,
  overdue_at          timestamptz,
  -- When the tracking job looks next: a live cancellation far past it has lost its job (a sweep re-enqueues it).
  next_check_at       timestamptz NOT NULL,
  sweeps              integer NOT NULL DEFAULT 0,
  polls               integer NOT NULL DEFAULT 0,
  -- Transient backend errors in a row (timeouts, 429, 5xx): each makes the next look later.
  errors              integer NOT NULL DEFAULT 0,
  last_error          text CHECK (length(last_error) <= 500),
  failure_code        text CHECK (length(failure_code) <= 64),
  failure_detail      text CHECK (length(failure_detail) <= 500),
  currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  credit_minor        bigint NOT NULL CHECK (credit_minor >= 0),
  UNIQUE (partner_id, request_key),
  FOREIGN KEY (partner_id, order_id) REFERENCES purchases (partner_id, order_id) ON DELETE CASCADE
);
-- One live or finished cancellation per purchase: two users pressing Submit on the same
-- order make one cancellation. A failed or timed-out one may be followed by a new request.
CREATE UNIQUE INDEX cancellations_one_per_purchase ON cancellations (partner_id, order_id)
  WHERE status IN ('requested', 'submitted', 'finished');
CREATE INDEX cancellations_partner_requested ON cancellations (partner_id, requested_at DESC);
CREATE INDEX cancellations_live ON cancellations (next_check_at) WHERE status IN ('requested', 'submitted');

-- Credits are records of their own (R17, R19): per cancelled line, what it cost, the policy,
-- the days used of the term, and the amount credited — computed for the day the cancellation
-- was submitted (the notice showed it for the day it was shown) and booked when it finished.
CREATE TABLE credits (
  id                bigserial PRIMARY KEY,
  cancellation_id   bigint NOT NULL REFERENCES cancellations(id) ON DELETE CASCADE,
  partner_id        bigint NOT NULL,
  order_id          text NOT NULL,
  line_number       integer NOT NULL CHECK (line_number >= 0),
  currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  policy            text NOT NULL CHECK (policy IN ('full', 'prorated', 'none')),
  line_total_minor  bigint NOT NULL CHECK (line_total_minor >= 0),
  amount_minor      bigint NOT NULL CHECK (amount_minor >= 0 AND amount_minor <= line_total_minor),
  used_days         integer NOT NULL CHECK (used_days >= 0),
  term_days         integer NOT NULL CHECK (term_days >= 0),
  computed_at       timestamptz NOT NULL,
  booked_at         timestamptz,
  UNIQUE (cancellation_id, line_number),
  FOREIGN KEY (partner_id, order_id, line_number) REFERENCES purchase_lines (partner_id, order_id, line_number) ON DELETE CASCADE
);
CREATE INDEX credits_purchase ON credits (partner_id, order_id);

-- The embedded backend's side (services/commerce/embedded.ts), as Partner Center behaves:
-- a cancellation request is accepted at once and completes later. Its outcome comes from
-- the catalog: products.demo_cancellation_outcome (NULL: the configured default,
-- EMBEDDED_CANCELLATION_OUTCOME, itself 'completes' unless set).
ALTER TABLE products
  ADD COLUMN demo_cancellation_outcome text CHECK (demo_cancellation_outcome IN ('completes', 'fails', 'needs_information'));
CREATE TABLE order_cancellations (
  request_id    uuid PRIMARY KEY,
  order_id      text NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  line_numbers  integer[] NOT NULL,
  requested_at  timestamptz NOT NULL,
  completes_at  timestamptz NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('completes', 'fails', 'needs_information')),
  completed_at  timestamptz
);
CREATE INDEX order_cancellations_order ON order_cancellations (order_id);

ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked',
                     'cancellation_requested', 'cancellation_finished', 'cancellation_failed')),
  DROP CONSTRAINT activity_log_outcome_check,
  ADD CONSTRAINT activity_log_outcome_check
    CHECK (outcome IN ('ok', 'expired', 'used_up', 'revoked', 'unknown', 'forbidden', 'not_available', 'undelivered',
                       'failed', 'needs_information', 'timed_out'));

-- Down Migration
DELETE FROM activity_log WHERE event IN ('cancellation_requested', 'cancellation_finished', 'cancellation_failed');
ALTER TABLE activity_log
  DROP CONSTRAINT activity_log_outcome_check,
  ADD CONSTRAINT activity_log_outcome_check
    CHECK (outcome IN ('ok', 'expired', 'used_up', 'revoked', 'unknown', 'forbidden', 'not_available', 'undelivered')),
  DROP CONSTRAINT activity_log_event_check,
  ADD CONSTRAINT activity_log_event_check
    CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked'));
DROP TABLE order_cancellations;
ALTER TABLE products DROP COLUMN demo_cancellation_outcome;
DROP TABLE credits;
DROP TABLE cancellations;
