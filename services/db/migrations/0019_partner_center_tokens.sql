-- Up Migration

-- The Secure Application Model's refresh token (issue 12; research notes §1): one per partner
-- tenant (the CSP partner's Entra ID tenant id, lower-case GUID). The consent script
-- (scripts/partner-center-consent.ts) stores it after an MFA sign-in of the integration account;
-- services/partner-center/auth.ts exchanges it for access tokens and stores the new one Entra ID
-- hands out on each exchange (rotation). Only ever stored encrypted: AES-256-GCM
-- (services/software/key-crypto.ts) with the tenant id in the additional authenticated data, so a
-- ciphertext copied to another tenant's row does not open; key_id names the encryption key
-- (rotation of KEY_ENCRYPTION_KEY).
--
-- For the operator: `account` is who consented (UPN); `consented_at` the last consent;
-- `rotated_at` the last time an exchange replaced the token (NULL: not since the consent);
-- `last_error` Entra ID's code and a short message of the last refused exchange (never a token),
-- at `last_error_at`. A failure after both consented_at and rotated_at means consent is broken now.
CREATE TABLE partner_center_tokens (
  partner_tenant_id  text PRIMARY KEY CHECK (partner_tenant_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
  key_id             text NOT NULL,
  iv                 bytea NOT NULL CHECK (length(iv) = 12),
  tag                bytea NOT NULL CHECK (length(tag) = 16),
  ciphertext         bytea NOT NULL,
  account            text CHECK (length(account) <= 320),
  consented_at       timestamptz NOT NULL,
  rotated_at         timestamptz,
  last_error         text CHECK (length(last_error) <= 500),
  last_error_at      timestamptz
);

-- Down Migration
DROP TABLE partner_center_tokens;
