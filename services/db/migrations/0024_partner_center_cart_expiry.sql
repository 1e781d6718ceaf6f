-- Up Migration

-- A purchase's cart may be made ahead, when the review card is shown (issue 12: the confirm turn
-- then makes one Partner Center round trip, the checkout). Carts expire (create-a-cart.md: 7 days;
-- older samples show minutes), so the purchase keeps when its cart expires and whether its
-- checkout was ever sent (services/partner-center/orders.ts):
-- - cart_expires_at: the cart's expirationTimestamp as Partner Center answered it (NULL: not said).
-- - checkout_sent_at: when the checkout was first sent (NULL: never). A cart whose checkout was
--   never sent and that has expired, or is about to, is made again with new request ids before
--   the checkout; once a checkout was sent, its request id is kept for every repeat.
ALTER TABLE partner_center_purchases ADD COLUMN cart_expires_at timestamptz, ADD COLUMN checkout_sent_at timestamptz;

-- Down Migration
ALTER TABLE partner_center_purchases DROP COLUMN cart_expires_at, DROP COLUMN checkout_sent_at;
