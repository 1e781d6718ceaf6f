-- Up Migration

-- The bot's own ledger of what it bought (services/ledger/purchase-ledger.ts), written by the
-- purchase for every commerce backend. Keys, download links, revocations, the activity log
-- and (later) cancellations reference it, never a backend's tables: with a Partner Center
-- backend there are no `orders` rows here at all, and Partner Center lists a new order only up
-- to 15 minutes after it was placed.
--
-- A purchase is one order of one partner's customer; its lines snapshot what was bought and
-- the rules that applied then (title, kind, term, price, cancellation policy), so a later
-- catalog change rewrites no history. `status` is the bot's view of the purchase (active →
-- cancelling → cancelled); `backend` names the commerce backend that holds the order and
-- `backend_ref` is that backend's own reference to it, opaque to everything but the backend.
CREATE TABLE purchases (
  partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  order_id      text NOT NULL CHECK (order_id ~ '^[A-Za-z0-9-]{1,64}$'),
  customer_id   uuid NOT NULL,
  purchased_by  bigint REFERENCES users(id) ON DELETE SET NULL,
  purchased_at  timestamptz NOT NULL,
  market        text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_included  boolean NOT NULL,
  total_minor   bigint NOT NULL CHECK (total_minor >= 0),
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelling', 'cancelled')),
  status_at     timestamptz NOT NULL,
  backend       text NOT NULL CHECK (backend ~ '^[a-z][a-z0-9_]{0,31}$'),
  backend_ref   jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, order_id)
);
CREATE INDEX purchases_customer_newest ON purchases (partner_id, customer_id, purchased_at DESC, order_id DESC);

CREATE TABLE purchase_lines (
  partner_id                bigint NOT NULL,
  order_id                  text NOT NULL,
  line_number               integer NOT NULL CHECK (line_number >= 0),
  product_id                text NOT NULL CHECK (btrim(product_id) <> ''),
  sku_id                    text NOT NULL CHECK (btrim(sku_id) <> ''),
  product_kind              text NOT NULL CHECK (product_kind IN ('azure_reservation', 'server_subscription', 'perpetual_software', 'software_plan')),
  title                     text NOT NULL,
  quantity                  integer NOT NULL CHECK (quantity >= 1),
  term                      text NOT NULL CHECK (term IN ('one_time', 'P1Y', 'P3Y')),
  billing                   text NOT NULL CHECK (billing IN ('one_time', 'monthly', 'annual')),
  unit_price_minor          bigint NOT NULL CHECK (unit_price_minor >= 0),
  line_total_minor          bigint NOT NULL CHECK (line_total_minor >= 0),
  cancellable               boolean NOT NULL,
  cancellation_window_days  integer NOT NULL CHECK (cancellation_window_days >= 0),
  credit_policy             text NOT NULL CHECK (credit_policy IN ('full', 'prorated', 'none')),
  PRIMARY KEY (partner_id, order_id, line_number),
  FOREIGN KEY (partner_id, order_id) REFERENCES purchases (partner_id, order_id) ON DELETE CASCADE
);

-- What can be downloaded for a product (R9): Version × Language × File type/OS. The software
-- module's own table (services/software/variants.ts), keyed by the catalog's product id but
-- not tied to a backend's products table. Ids are kept from product_variants, which it
-- replaces, so download links keep pointing at the same rows.
CREATE TABLE software_variants (
  id          bigserial PRIMARY KEY,
  product_id  text NOT NULL CHECK (btrim(product_id) <> ''),
  version     text NOT NULL CHECK (btrim(version) <> ''),
  language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  file_type   text NOT NULL CHECK (btrim(file_type) <> ''),
  file_name   text,
  UNIQUE (product_id, version, language, file_type)
);
INSERT INTO software_variants (id, product_id, version, language, file_type, file_name)
  SELECT id, product_id, version, language, file_type, file_name FROM product_variants;
SELECT setval(pg_get_serial_sequence('software_variants', 'id'), COALESCE((SELECT max(id) FROM software_variants), 0) + 1, false);

-- Everything the embedded backend sold so far, into the ledger.
INSERT INTO purchases (partner_id, order_id, customer_id, purchased_by, purchased_at, market, currency, tax_included, total_minor,
                       status, status_at, backend, backend_ref)
  SELECT o.partner_id, o.id, o.customer_id, o.created_by, o.purchased_at, o.market, o.currency, o.tax_included, o.total_minor,
         CASE o.status WHEN 'cancel_pending' THEN 'cancelling' WHEN 'cancelled' THEN 'cancelled' ELSE 'active' END,
         o.purchased_at, 'embedded', jsonb_build_object('orderId', o.id)
    FROM orders o;
INSERT INTO purchase_lines (partner_id, order_id, line_number, product_id, sku_id, product_kind, title, quantity, term, billing,
                            unit_price_minor, line_total_minor, cancellable, cancellation_window_days, credit_policy)
  SELECT o.partner_id, l.order_id, l.line_number, l.product_id, l.sku_id, l.product_kind, l.title, l.quantity, l.term, l.billing,
         l.unit_price_minor, l.line_total_minor, l.cancellable, l.cancellation_window_days, l.credit_policy
    FROM order_lines l JOIN orders o ON o.id = l.order_id;

-- The software records now stand on the ledger and on the software module's variants.
ALTER TABLE software_keys
  DROP CONSTRAINT software_keys_order_id_line_number_fkey,
  ADD CONSTRAINT software_keys_purchase_line_fkey FOREIGN KEY (partner_id, order_id, line_number)
    REFERENCES purchase_lines (partner_id, order_id, line_number) ON DELETE CASCADE;
ALTER TABLE download_links
  DROP CONSTRAINT download_links_order_id_line_number_fkey,
  DROP CONSTRAINT download_links_variant_id_fkey,
  ADD CONSTRAINT download_links_purchase_line_fkey FOREIGN KEY (partner_id, order_id, line_number)
    REFERENCES purchase_lines (partner_id, order_id, line_number) ON DELETE CASCADE,
  ADD CONSTRAINT download_links_variant_id_fkey FOREIGN KEY (variant_id) REFERENCES software_variants (id);
ALTER TABLE revoked_purchases
  DROP CONSTRAINT revoked_purchases_order_id_fkey,
  DROP CONSTRAINT revoked_purchases_pkey,
  ADD PRIMARY KEY (partner_id, order_id),
  ADD CONSTRAINT revoked_purchases_purchase_fkey FOREIGN KEY (partner_id, order_id) REFERENCES purchases (partner_id, order_id) ON DELETE CASCADE;
-- An order id is unique within its partner's ledger (another backend's ids need not be unique
-- across partners), so a key belongs to the partner's order line and version.
ALTER TABLE software_keys
  DROP CONSTRAINT software_keys_order_id_line_number_version_key,
  ADD CONSTRAINT software_keys_partner_order_line_version_key UNIQUE (partner_id, order_id, line_number, version);
DROP TABLE product_variants;
-- For processes of the previous version still running during a rolling upgrade (they read
-- variants under the old name). Read-only in effect; a later migration drops it.
CREATE VIEW product_variants AS SELECT id, product_id, version, language, file_type, file_name FROM software_variants;

-- Down Migration
-- Back to the embedded backend's tables. Purchases the embedded backend has no order for
-- (another backend's) cannot keep keys or links there: those are removed with them.
DROP VIEW product_variants;
CREATE TABLE product_variants (
  id          bigserial PRIMARY KEY,
  product_id  text NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  version     text NOT NULL CHECK (btrim(version) <> ''),
  language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  file_type   text NOT NULL CHECK (btrim(file_type) <> ''),
  file_name   text,
  UNIQUE (product_id, version, language, file_type)
);
DELETE FROM download_links d
 WHERE NOT EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE l.order_id = d.order_id AND l.line_number = d.line_number AND o.partner_id = d.partner_id)
    OR NOT EXISTS (SELECT 1 FROM software_variants v JOIN products p ON p.id = v.product_id WHERE v.id = d.variant_id);
DELETE FROM software_keys k
 WHERE NOT EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id
                    WHERE l.order_id = k.order_id AND l.line_number = k.line_number AND o.partner_id = k.partner_id);
DELETE FROM revoked_purchases r WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = r.order_id AND o.partner_id = r.partner_id);
INSERT INTO product_variants (id, product_id, version, language, file_type, file_name)
  SELECT v.id, v.product_id, v.version, v.language, v.file_type, v.file_name FROM software_variants v JOIN products p ON p.id = v.product_id;
SELECT setval(pg_get_serial_sequence('product_variants', 'id'), COALESCE((SELECT max(id) FROM product_variants), 0) + 1, false);
-- What the ledger knows of a cancellation goes back onto the embedded order.
UPDATE orders o SET status = CASE p.status WHEN 'cancelling' THEN 'cancel_pending' WHEN 'cancelled' THEN 'cancelled' ELSE o.status END
  FROM purchases p WHERE p.order_id = o.id AND p.partner_id = o.partner_id AND p.status <> 'active';
ALTER TABLE revoked_purchases
  DROP CONSTRAINT revoked_purchases_purchase_fkey,
  DROP CONSTRAINT revoked_purchases_pkey,
  ADD PRIMARY KEY (order_id),
  ADD CONSTRAINT revoked_purchases_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE;
ALTER TABLE software_keys
  DROP CONSTRAINT software_keys_partner_order_line_version_key,
  ADD CONSTRAINT software_keys_order_id_line_number_version_key UNIQUE (order_id, line_number, version);
ALTER TABLE download_links
  DROP CONSTRAINT download_links_purchase_line_fkey,
  DROP CONSTRAINT download_links_variant_id_fkey,
  ADD CONSTRAINT download_links_order_id_line_number_fkey FOREIGN KEY (order_id, line_number) REFERENCES order_lines (order_id, line_number) ON DELETE CASCADE,
  ADD CONSTRAINT download_links_variant_id_fkey FOREIGN KEY (variant_id) REFERENCES product_variants(id);
ALTER TABLE software_keys
  DROP CONSTRAINT software_keys_purchase_line_fkey,
  ADD CONSTRAINT software_keys_order_id_line_number_fkey FOREIGN KEY (order_id, line_number) REFERENCES order_lines (order_id, line_number) ON DELETE CASCADE;
DROP TABLE software_variants;
DROP TABLE purchase_lines;
DROP TABLE purchases;
