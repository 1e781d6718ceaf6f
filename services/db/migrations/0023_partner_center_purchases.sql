-- Up Migration

-- Purchases the bot asked Partner Center for (issue 12, R6/R7; services/partner-center/orders.ts).
-- Partner Center buys with two writes — `POST /customers/{c}/carts` (a cart: harmless, nothing is
-- bought) and `POST /customers/{c}/carts/{cart}/checkout` (the purchase) — and deduplicates a write
-- on its MS-RequestId (headers.md: "If there's a timeout, the retry call should include the same
-- value"). A row here is written BEFORE the first of them, with both request ids, so that every
-- retry of the purchase — a timeout, a 5xx, a repeated click, another bot process, a restart —
-- sends the same ids and Partner Center makes one order.
--
-- - partner_id, idempotency_key: the purchase intent (the port's createOrder idempotencyKey); unique.
-- - customer_id: the customer's tenant id (lower case).
-- - lines: what was asked and priced, as the port's order lines without numbers
--   (productId, skuId, quantity, title, kind, term, billing, unit price, policy) — JSON.
-- - market, currency, tax_included, total_minor: the priced order's.
-- - created_by: users.id of the buyer (NULL when the user was removed since).
-- - cart_request_id, checkout_request_id: the MS-RequestIds of the two writes, fixed at insert.
-- - cart_id: Partner Center's cart, once created (NULL: not yet, or its answer was lost).
-- - state: pending (recorded; writes under way or interrupted), ordered (checkout answered with
--   at least one order), failed (checkout or cart refused: failure_code, failure_message).
-- - orders: the checkout's orders as Partner Center answered them (ids, line numbers, offer ids,
--   status, creationDate) — JSON; order_errors: its orderErrors.
-- - attempt_at: when a process last began to work on the row (a second process that finds it
--   recent waits for it instead of sending the same writes at the same moment).
CREATE TABLE partner_center_purchases (
  partner_id           bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  idempotency_key      text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  customer_id          uuid NOT NULL,
  created_by           bigint REFERENCES users(id) ON DELETE SET NULL,
  lines                jsonb NOT NULL,
  market               text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
  currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_included         boolean NOT NULL,
  total_minor          bigint NOT NULL CHECK (total_minor >= 0),
  cart_request_id      uuid NOT NULL,
  checkout_request_id  uuid NOT NULL,
  cart_id              text CHECK (length(cart_id) <= 128),
  state                text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ordered', 'failed')),
  orders               jsonb,
  order_errors         jsonb,
  failure_code         text CHECK (length(failure_code) <= 64),
  failure_message      text CHECK (length(failure_message) <= 1024),
  requested_at         timestamptz NOT NULL,
  attempt_at           timestamptz NOT NULL,
  finished_at          timestamptz,
  PRIMARY KEY (partner_id, idempotency_key),
  CHECK ((state = 'ordered') = (orders IS NOT NULL)),
  CHECK ((state = 'failed') = (failure_code IS NOT NULL))
);
CREATE INDEX partner_center_purchases_customer ON partner_center_purchases (partner_id, customer_id, requested_at DESC);

-- Partner Center's order ids are case-sensitive and hold underscores
-- ("2y6dF_rVgDAXMxypQPPnTquuXhKVK_3N1", cancel-software-purchases.md): the ledger takes them.
ALTER TABLE purchases DROP CONSTRAINT purchases_order_id_check;
ALTER TABLE purchases ADD CONSTRAINT purchases_order_id_check CHECK (order_id ~ '^[A-Za-z0-9_-]{1,128}$');
-- An order id typed in any case finds its purchase (PurchaseLedger.canonicalOrderIds).
CREATE INDEX purchases_order_id_upper ON purchases (partner_id, upper(order_id));

-- Down Migration
DROP INDEX purchases_order_id_upper;
ALTER TABLE purchases DROP CONSTRAINT purchases_order_id_check;
ALTER TABLE purchases ADD CONSTRAINT purchases_order_id_check CHECK (order_id ~ '^[A-Za-z0-9-]{1,64}$');
DROP TABLE partner_center_purchases;
