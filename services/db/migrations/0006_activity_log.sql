-- Up Migration

-- The activity log (R12) is the whole product's, not the keys module's: cancellations and
-- support requests will record to it as well (services/activity/activity-log.ts is its one
-- writer). Renamed; rows, constraints and the index stay as they are.
ALTER TABLE software_activity RENAME TO activity_log;
ALTER INDEX software_activity_partner_at RENAME TO activity_log_partner_at;
ALTER SEQUENCE software_activity_id_seq RENAME TO activity_log_id_seq;

-- Down Migration
ALTER SEQUENCE activity_log_id_seq RENAME TO software_activity_id_seq;
ALTER INDEX activity_log_partner_at RENAME TO software_activity_partner_at;
ALTER TABLE activity_log RENAME TO software_activity;
