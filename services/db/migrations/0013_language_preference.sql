-- Up Migration

-- The language a user chose in chat (`language de`), over the one their client sends with each
-- activity (users.locale, rewritten every turn). NULL: follow the client.
ALTER TABLE users ADD COLUMN preferred_locale text CHECK (preferred_locale IN ('en', 'de'));

-- Down Migration

ALTER TABLE users DROP COLUMN preferred_locale;
