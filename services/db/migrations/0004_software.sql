-- Up Migration

-- Activation keys (R9, R11): one per purchased order line and product version, stored
-- encrypted (AES-256-GCM; services/software/key-crypto.ts). The additional authenticated
-- data binds a ciphertext to its row (order, line, version), so a ciphertext copied to
-- another row does not decrypt. key_id names the encryption key (rotation).
-- R19: a cancelled purchase's keys are revoked (revoked_at) and never shown again.
CREATE TABLE software_keys (
  id           bigserial PRIMARY KEY,
  partner_id   bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  order_id     text NOT NULL,
  line_number  integer NOT NULL,
  version      text NOT NULL,
  key_id       text NOT NULL,
  iv           bytea NOT NULL CHECK (length(iv) = 12),
  tag          bytea NOT NULL CHECK (length(tag) = 16),
  ciphertext   bytea NOT NULL,
  simulated    boolean NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  UNIQUE (order_id, line_number, version),
  FOREIGN KEY (order_id, line_number) REFERENCES order_lines (order_id, line_number) ON DELETE CASCADE
);

-- R19: purchases whose keys and links are revoked (a cancellation). No key or link is
-- issued for them any more, also for a version nobody had asked for before.
CREATE TABLE revoked_purchases (
  order_id    text PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
  partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  revoked_at  timestamptz NOT NULL,
  reason      text NOT NULL CHECK (reason IN ('cancelled', 'admin')),
  revoked_by  bigint
);

-- Download links (R10, R11). Only the SHA-256 of the token is stored; the token itself
-- (32 bytes from a CSPRNG, base64url) exists only in the reply to the Admin agent.
-- A redemption is one UPDATE that checks every limit (deadline, count, revocation) and
-- counts, so exactly max_downloads succeed however many run at once, and none after the
-- deadline even if the expiry job is late. Asking again issues a new link with its own
-- two weeks / 50 downloads; earlier links keep their own limits.
CREATE TABLE download_links (
  id              bigserial PRIMARY KEY,
  token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  partner_id      bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
  customer_id     uuid NOT NULL,
  order_id        text NOT NULL,
  line_number     integer NOT NULL,
  product_id      text NOT NULL,
  variant_id      bigint NOT NULL REFERENCES product_variants(id),
  created_by      bigint REFERENCES users(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  max_downloads   integer NOT NULL CHECK (max_downloads >= 1),
  download_count  integer NOT NULL DEFAULT 0 CHECK (download_count >= 0 AND download_count <= max_downloads),
  -- Set by the link-expiry job (bookkeeping only: redemption checks expires_at itself).
  expired_at      timestamptz,
  revoked_at      timestamptz,
  revoked_reason  text CHECK (revoked_reason IN ('cancelled', 'admin')),
  CHECK (expires_at > created_at),
  FOREIGN KEY (order_id, line_number) REFERENCES order_lines (order_id, line_number) ON DELETE CASCADE
);
CREATE INDEX download_links_order ON download_links (order_id, line_number);

-- The activity log (R12): every key view, link issued, download, expiry and revocation,
-- and every failed attempt, with who (chat user, or for downloads IP and user agent),
-- when, partner, customer, product, order and link. Never the key or the token.
-- No foreign keys: the log outlives what it names, and every download writes a row
-- (a foreign-key check per row would cost each download a lookup).
CREATE TABLE software_activity (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  partner_id   bigint,
  event        text NOT NULL CHECK (event IN ('key_view', 'link_issued', 'download', 'link_expired', 'revoked')),
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'expired', 'used_up', 'revoked', 'unknown', 'forbidden', 'not_available')),
  user_id      bigint,
  customer_id  uuid,
  order_id     text,
  line_number  integer,
  product_id   text,
  variant_id   bigint,
  link_id      bigint,
  ip           inet,
  user_agent   text CHECK (length(user_agent) <= 512),
  detail       text CHECK (length(detail) <= 200)
);
CREATE INDEX software_activity_partner_at ON software_activity (partner_id, at DESC);

-- Down Migration
DROP TABLE software_activity;
DROP TABLE download_links;
DROP TABLE revoked_purchases;
DROP TABLE software_keys;
