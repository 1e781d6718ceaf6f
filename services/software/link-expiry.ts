/**
 * The link-expiry job (BullMQ queue `link-expiry`, job data `{ downloadLinkId }`): at a
 * download link's deadline, mark it expired and record that in the activity log (R12).
 * Bookkeeping only — every download checks the deadline itself in SQL, so a late or
 * lost job can never let a download through. Idempotent: a repeated or late run changes
 * nothing; a run before the deadline (clock skew, a job moved early) is put back until the
 * deadline without using up an attempt (it was re-delayed by at most 10 minutes, and failed for
 * good once its attempts were spent — issue 14).
 */
import { insertActivityFrom } from '../activity/activity-log.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { delayJob, type JobProcessor, type QueueJob } from '../jobs/queues.js';

export type ExpiryOutcome =
  | { status: 'expired' | 'alreadyExpired' | 'revoked' | 'missing' }
  | { status: 'notDue'; dueInMs: number };

/** The log entry of a link marked expired, returned as `e` ($2 now). */
const EXPIRED_LINK_LOGGED = insertActivityFrom('e', {
  at: '$2', partner_id: 'partner_id', event: "'link_expired'", outcome: "'expired'", customer_id: 'customer_id', order_id: 'order_id',
  line_number: 'line_number', product_id: 'product_id', variant_id: 'variant_id', link_id: 'id',
});

/** Mark link `linkId` expired if its deadline has passed at `now`. */
export async function expireDownloadLink(db: Db, linkId: string, now: Date): Promise<ExpiryOutcome> {
  if (!/^\d{1,18}$/.test(linkId)) return { status: 'missing' };
  const { rows } = await db.query<{ id: string }>(
    `WITH e AS (
       UPDATE download_links SET expired_at = $2
        WHERE id = $1 AND expired_at IS NULL AND revoked_at IS NULL AND expires_at <= $2
        RETURNING id, partner_id, customer_id, order_id, line_number, product_id, variant_id
     ), logged AS (${EXPIRED_LINK_LOGGED})
     SELECT id FROM e`,
    [linkId, now],
  );
  if (rows.length === 1) return { status: 'expired' };
  const { rows: links } = await db.query<{ expires_at: Date; expired_at: Date | null; revoked_at: Date | null }>(
    'SELECT expires_at, expired_at, revoked_at FROM download_links WHERE id = $1',
    [linkId],
  );
  const link = links[0];
  if (!link) return { status: 'missing' };
  if (link.expired_at) return { status: 'alreadyExpired' };
  if (link.revoked_at) return { status: 'revoked' };
  return { status: 'notDue', dueInMs: link.expires_at.getTime() - now.getTime() };
}

export function createExpireLinkProcessor(deps: { db: Db; logger: Logger; now?: () => Date }): JobProcessor<'link-expiry'> {
  const now = deps.now ?? (() => new Date());
  return async function expireLink(job: QueueJob<'link-expiry'>, token?: string): Promise<ExpiryOutcome> {
    const outcome = await expireDownloadLink(deps.db, String(job.data.downloadLinkId), now());
    if (outcome.status === 'notDue') return delayJob(job, token, outcome.dueInMs);
    deps.logger.debug({ linkId: job.data.downloadLinkId, outcome: outcome.status }, 'link expiry');
    return outcome;
  };
}
