-- Up Migration

-- Download requests with a well-formed token of no link (guesses, a mistyped link), counted per
-- client address and 10-minute window instead of one activity_log row each (issue 14): thousands
-- of guesses could flood the audit log. Kept as long as the activity log.
CREATE TABLE unknown_token_attempts (
  -- The client address, or 'unknown' when it was not one.
  ip               text NOT NULL CHECK (length(ip) BETWEEN 1 AND 64),
  window_start     timestamptz NOT NULL,
  attempts         integer NOT NULL CHECK (attempts > 0),
  first_at         timestamptz NOT NULL,
  last_at          timestamptz NOT NULL,
  last_user_agent  text CHECK (length(last_user_agent) <= 512),
  PRIMARY KEY (ip, window_start)
);
CREATE INDEX unknown_token_attempts_window ON unknown_token_attempts (window_start);

-- Down Migration

DROP TABLE unknown_token_attempts;
