-- Up Migration

-- The worker process holding a delivery's lease (its liveness lock id, services/db/liveness.ts).
-- A worker killed mid-delivery no longer makes the next run wait out the whole lease (2 minutes):
-- once its owner is gone, the lease is free. A notification is then sent twice only if the
-- worker died after the provider accepted it and before it was marked sent (issue 14).
ALTER TABLE notifications ADD COLUMN lease_owner integer;

-- Down Migration

ALTER TABLE notifications DROP COLUMN lease_owner;
