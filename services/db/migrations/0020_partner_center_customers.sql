-- Up Migration

-- What Partner Center's customer LIST does not give (issue 12, customers R1;
-- services/partner-center/customers.ts). `GET /v1/customers` answers only id, companyProfile
-- { tenantId, domain, companyName } and relationshipToPartner; the billing country — the
-- customer's market (R1) — takes one more call per customer (`GET /customers/{id}/profiles/
-- billing`, defaultAddress.country). This cache keeps that country, per partner and customer
-- tenant, for a while (PartnerCenterCustomers' countryTtlMs, 24 h by default): a fresh row
-- saves the call, a stale one is fetched and rewritten.
--
-- - partner_id: the bot's partner whose Partner Center account the customer was read from;
--   a customer tenant may be a customer of several partners, so it is part of the key.
-- - customer_id: the customer's tenant id (Partner Center's customer id), lower case.
-- - company_name, domain: as Partner Center last said (domain lower case).
-- - country: ISO 3166-1 alpha-2 of the billing address, upper case. Deliberately no foreign
--   key to `markets`: Partner Center may name a country this product has no market for (the
--   service answers it as an unknown market, currency XXX).
-- - first_fetched_at: when this product first read the customer; stands in for the customer's
--   creation time (Customer.createdAt), which Partner Center does not give. Never updated.
-- - fetched_at: when the row was last read from Partner Center (its freshness).
CREATE TABLE partner_center_customers (
  partner_id        bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  customer_id       uuid NOT NULL,
  company_name      text NOT NULL,
  domain            text NOT NULL CHECK (domain = lower(domain)),
  country           text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  first_fetched_at  timestamptz NOT NULL,
  fetched_at        timestamptz NOT NULL,
  PRIMARY KEY (partner_id, customer_id)
);

-- Down Migration
DROP TABLE partner_center_customers;
