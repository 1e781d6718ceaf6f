-- Up Migration

-- A turn cut off by a crash is run again when the channel redelivers it (issue 14); a finished
-- one never. `owner` is the liveness lock id of the bot process running the turn
-- (services/db/liveness.ts): while that process lives, a redelivery is a duplicate of a turn in
-- flight; once it is gone and the turn has no `finished_at`, the redelivery takes the turn over.
-- Rows from before have no owner and are never taken over.
ALTER TABLE processed_inbound ADD COLUMN owner integer, ADD COLUMN finished_at timestamptz;

-- Down Migration

ALTER TABLE processed_inbound DROP COLUMN owner, DROP COLUMN finished_at;
