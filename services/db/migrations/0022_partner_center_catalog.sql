-- Up Migration

-- The Partner Center catalog cache (issue 12, R2–R5; services/partner-center/catalog.ts). With
-- the Partner Center backend, products, skus and prices (migration 0002) are a CACHE of Partner
-- Center's catalog, filled per market by a refresh job (`PartnerCenterCatalog.refreshMarket`:
-- `GET /v1/products?country&targetView` → `…/skus` → `…/availabilities`, prices from the price
-- sheet API), so that a purchase turn reads the catalog in one round trip as the embedded
-- backend does. Those tables get no new columns: what only Partner Center knows of a SKU is
-- kept here, and so is each market's refresh state.
--
-- Availability ids and catalogItemIds are NOT stored anywhere: "This ID can change over time…
-- It should only be accessed and used at the time of purchase" (product-resources.md). A
-- purchase reads them fresh (`readAvailability`).

-- A SKU as Partner Center listed it (at least once, in some market): a row here means the
-- refresh job manages that SKU's prices (a refresh replaces them in its market, and removes
-- them where Partner Center no longer lists the SKU or no longer sells it). SKUs that came
-- from elsewhere (`npm run import`, the demo seed) have no row and are left alone.
--
-- - product_id, sku_id: the SKU (skus' key; a row goes with its SKU).
-- - target_view: the `targetView` of the product list it was found in (SoftwarePerpetual,
--   SoftwareSubscriptions, SoftwareSUSELinux, AzureReservations); it decided the product's kind.
-- - purchase_prerequisites: the SKU's `purchasePrerequisites` as Partner Center spells them
--   ("InventoryCheck": check inventory before buying, "AzureSubscriptionRegistration": the
--   customer's Azure subscription must be registered first); empty when none.
-- - provisioning_variables: its `provisioningVariables` ("Scope", "SubscriptionId", "Duration"):
--   what the cart line's provisioningContext must carry; empty when none.
-- - refreshed_at: when a refresh last read the SKU from Partner Center.
CREATE TABLE partner_center_skus (
  product_id              text NOT NULL,
  sku_id                  text NOT NULL,
  target_view             text NOT NULL
                          CHECK (target_view IN ('SoftwarePerpetual', 'SoftwareSubscriptions', 'SoftwareSUSELinux', 'AzureReservations')),
  purchase_prerequisites  text[] NOT NULL DEFAULT '{}',
  provisioning_variables  text[] NOT NULL DEFAULT '{}',
  refreshed_at            timestamptz NOT NULL,
  PRIMARY KEY (product_id, sku_id),
  FOREIGN KEY (product_id, sku_id) REFERENCES skus (product_id, id) ON DELETE CASCADE
);

-- Each market's refresh, one row per country ever refreshed.
--
-- - country: ISO 3166-1 alpha-2, upper case. No foreign key to `markets`: a failed refresh of
--   a country this product has no market for is recorded too.
-- - refreshed_at: when the last SUCCESSFUL refresh read Partner Center (NULL: none yet); the
--   cache of the market is as of then.
-- - products, skus, prices: what that refresh wrote: products with at least one SKU on sale,
--   SKUs on sale (purchasable, of a term the skus table can say), price rows. A SKU on sale
--   without a price is not offered.
-- - attempted_at: when the last refresh, successful or not, began.
-- - last_error: why the last refresh failed (at most 1024 characters), NULL after a success;
--   last_error_at: when it failed. A failed refresh leaves the cache as the last success left it.
CREATE TABLE partner_center_catalog_refreshes (
  country        text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
  refreshed_at   timestamptz,
  products       integer NOT NULL DEFAULT 0 CHECK (products >= 0),
  skus           integer NOT NULL DEFAULT 0 CHECK (skus >= 0),
  prices         integer NOT NULL DEFAULT 0 CHECK (prices >= 0),
  attempted_at   timestamptz NOT NULL,
  last_error     text CHECK (length(last_error) <= 1024),
  last_error_at  timestamptz,
  CHECK ((last_error IS NULL) = (last_error_at IS NULL))
);

-- Down Migration
DROP TABLE partner_center_catalog_refreshes;
DROP TABLE partner_center_skus;
