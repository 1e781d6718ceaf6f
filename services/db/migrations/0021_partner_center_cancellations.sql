-- Up Migration

-- What the bot asked Partner Center to cancel (issue 12, cancelling R14–R18;
-- services/partner-center/cancellations.ts). Partner Center cancels lines of an order with
-- `PATCH /customers/{customer}/orders/{order}` (status cancelled, lineItems) and keeps no
-- record of that request the bot could read back by its id: this table does, so that a
-- repeat with the same request id (a retry after a timeout, a 429 or a 5xx, a job run twice)
-- is recognised and never starts a second cancellation, and so that `cancellationStatus`
-- knows which lines of which order to look at.
--
-- A row is written BEFORE the PATCH is sent: a process that dies between the two leaves a
-- pending row, which the status check (the order read back) and a repeat of the request
-- (the PATCH sent again with the same MS-RequestId, which Partner Center deduplicates on)
-- pick up.
--
-- - partner_id: the bot's partner whose Partner Center account was asked.
-- - request_id: the caller's request id, sent as MS-RequestId on every attempt; unique per partner.
-- - customer_id: the customer's tenant id (lower case); order_id: Partner Center's order id,
--   as Partner Center spells it (its ids are case-sensitive, e.g. "2y6dF_rVgDAXMxypQPPnTquuXhKVK_3N1").
-- - line_numbers: the order's lineItemNumbers to cancel, distinct and ascending.
-- - state: pending (recorded; Partner Center asked, or about to be), finished (every line
--   read back at quantity 0), failed (Partner Center refused: failure_code, failure_message).
-- - requested_at: when it was recorded; accepted_at: when Partner Center answered the PATCH
--   with 200 (NULL: no answer seen yet — the PATCH may not have reached it, or its answer was
--   lost; a repeat of the request sends it again); finished_at: when it ended, finished or failed.
CREATE TABLE partner_center_cancellations (
  partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  request_id       uuid NOT NULL,
  customer_id      uuid NOT NULL,
  order_id         text NOT NULL CHECK (order_id ~ '^[A-Za-z0-9_-]{1,128}$'),
  line_numbers     integer[] NOT NULL CHECK (cardinality(line_numbers) > 0 AND 0 <= ALL (line_numbers)),
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'finished', 'failed')),
  requested_at     timestamptz NOT NULL,
  accepted_at      timestamptz,
  finished_at      timestamptz,
  -- Partner Center's error code as a string ('900117'), or `http_<status>` when its answer had none.
  failure_code     text CHECK (length(failure_code) <= 64),
  failure_message  text CHECK (length(failure_message) <= 1024),
  UNIQUE (partner_id, request_id),
  CHECK ((state = 'pending') = (finished_at IS NULL)),
  CHECK ((state = 'failed') = (failure_code IS NOT NULL))
);
-- One unfinished cancellation per order (Partner Center itself refuses a second adjustment of an
-- order while one is pending, 800014): two requests racing for one order make one cancellation.
CREATE UNIQUE INDEX partner_center_cancellations_one_pending ON partner_center_cancellations (partner_id, order_id)
  WHERE state = 'pending';

-- Down Migration
DROP TABLE partner_center_cancellations;
