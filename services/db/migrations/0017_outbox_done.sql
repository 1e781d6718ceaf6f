-- Up Migration

-- A job intent stays recoverable from Postgres until its job has settled (issue 14): when Redis
-- loses its data (a restart without persistence, a failover), the worker's sweep finds the
-- intents relayed but never settled whose jobs the queue no longer has, and relays them again
-- (idempotent by job id). `done_at`: the job completed or failed for good (the worker marks it);
-- `requeued`: how often a lost job was relayed again. Pruning goes by `done_at`: an intent whose
-- job waits 14 days in the queue (a link's expiry) is kept as long.
ALTER TABLE job_outbox ADD COLUMN done_at timestamptz, ADD COLUMN requeued integer NOT NULL DEFAULT 0;
-- Intents relayed before this version whose time has come are taken as done; future ones stay open.
UPDATE job_outbox SET done_at = enqueued_at WHERE enqueued_at IS NOT NULL AND (delay_until IS NULL OR delay_until <= now());
CREATE INDEX job_outbox_open ON job_outbox (id) WHERE enqueued_at IS NOT NULL AND done_at IS NULL;
CREATE INDEX job_outbox_done ON job_outbox (done_at) WHERE done_at IS NOT NULL;

-- Down Migration

DROP INDEX job_outbox_done;
DROP INDEX job_outbox_open;
ALTER TABLE job_outbox DROP COLUMN done_at, DROP COLUMN requeued;
