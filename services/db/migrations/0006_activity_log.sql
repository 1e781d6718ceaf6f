-- Up Migration

-- The activity log (R12) is the whole product's, not the keys module's: cancellations and
-- support requests will record to it as well (services/activity/activity-log.ts is its one
-- writer). Renamed, with its constraints, index and sequence; rows stay as they are.
ALTER TABLE software_activity RENAME TO activity_log;
ALTER INDEX software_activity_partner_at RENAME TO activity_log_partner_at;
ALTER SEQUENCE software_activity_id_seq RENAME TO activity_log_id_seq;
ALTER TABLE activity_log RENAME CONSTRAINT software_activity_pkey TO activity_log_pkey;
ALTER TABLE activity_log RENAME CONSTRAINT software_activity_event_check TO activity_log_event_check;
ALTER TABLE activity_log RENAME CONSTRAINT software_activity_outcome_check TO activity_log_outcome_check;
ALTER TABLE activity_log RENAME CONSTRAINT software_activity_user_agent_check TO activity_log_user_agent_check;
ALTER TABLE activity_log RENAME CONSTRAINT software_activity_detail_check TO activity_log_detail_check;

-- Down Migration
ALTER TABLE activity_log RENAME CONSTRAINT activity_log_detail_check TO software_activity_detail_check;
ALTER TABLE activity_log RENAME CONSTRAINT activity_log_user_agent_check TO software_activity_user_agent_check;
ALTER TABLE activity_log RENAME CONSTRAINT activity_log_outcome_check TO software_activity_outcome_check;
ALTER TABLE activity_log RENAME CONSTRAINT activity_log_event_check TO software_activity_event_check;
ALTER TABLE activity_log RENAME CONSTRAINT activity_log_pkey TO software_activity_pkey;
ALTER SEQUENCE activity_log_id_seq RENAME TO software_activity_id_seq;
ALTER INDEX activity_log_partner_at RENAME TO software_activity_partner_at;
ALTER TABLE activity_log RENAME TO software_activity;
