/**
 * Housekeeping of tables that would otherwise grow for ever. Idempotent and safe to run
 * from several worker processes at once; deletes in small batches so it never holds
 * long locks. The worker runs it at start-up and every hour.
 */
import type { Db } from './db/pool.js';

export interface Retention {
  /** Ids of handled inbound requests: only resends and retries within minutes matter. */
  processedInboundDays: number;
  /** Job intents whose job has settled (completed or failed for good); until then the sweep may need them. */
  settledOutboxDays: number;
  /** Delivered or given-up notifications (their dedupe keys go with them). */
  finishedNotificationsDays: number;
  /** Dialog state of conversations nobody has touched since (an abandoned flow). */
  idleBotStateDays: number;
  /** Files uploaded to a support form that was never submitted. */
  unclaimedSupportFilesDays: number;
  /** Links to exports of the activity log, days after they expired (the log records their use). */
  expiredExportLinksDays: number;
  /** The activity log (R12, R13): calendar months (ACTIVITY_RETENTION_MONTHS; Partner Center itself keeps 90 days). */
  activityLogMonths: number;
}

export const DEFAULT_RETENTION: Retention = {
  processedInboundDays: 7,
  settledOutboxDays: 7,
  finishedNotificationsDays: 180,
  idleBotStateDays: 90,
  unclaimedSupportFilesDays: 1,
  expiredExportLinksDays: 7,
  activityLogMonths: 13,
};

const BATCH = 5000;

/** The instant `months` calendar months before `now` (UTC). */
export function monthsBefore(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - months);
  return d;
}

type Prune = { table: string; where: string; before: (now: Date, r: Retention) => Date };
const days = (key: Exclude<keyof Retention, 'activityLogMonths'>) => (now: Date, r: Retention) => new Date(now.getTime() - r[key] * 86_400_000);

const PRUNES: Prune[] = [
  { table: 'processed_inbound', where: 'received_at < $1', before: days('processedInboundDays') },
  { table: 'job_outbox', where: 'done_at < $1', before: days('settledOutboxDays') },
  { table: 'notifications', where: "status IN ('sent', 'failed', 'undeliverable') AND created_at < $1", before: days('finishedNotificationsDays') },
  { table: 'bot_state', where: 'updated_at < $1', before: days('idleBotStateDays') },
  { table: 'support_files', where: 'support_request_id IS NULL AND uploaded_at < $1', before: days('unclaimedSupportFilesDays') },
  { table: 'activity_exports', where: 'expires_at < $1', before: days('expiredExportLinksDays') },
  { table: 'activity_log', where: 'at < $1', before: (now, r) => monthsBefore(now, r.activityLogMonths) },
  { table: 'unknown_token_attempts', where: 'window_start < $1', before: (now, r) => monthsBefore(now, r.activityLogMonths) },
];

/** Deletes what is past its retention; returns the number of rows removed per table. */
export async function pruneExpired(db: Db, now: Date = new Date(), retention: Retention = DEFAULT_RETENTION): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const { table, where, before: cutoff } of PRUNES) {
    const before = cutoff(now, retention);
    removed[table] = 0;
    for (;;) {
      const { rowCount } = await db.query(
        `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${where} LIMIT ${BATCH})`,
        [before],
      );
      removed[table] += rowCount ?? 0;
      if ((rowCount ?? 0) < BATCH) break;
    }
  }
  return removed;
}
