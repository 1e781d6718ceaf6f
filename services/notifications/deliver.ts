/**
 * The notifications job processor. Job data is `{ notificationId }`; everything else is
 * loaded from Postgres. The stored message (./messages.ts) is rendered here, at delivery, by
 * the channel layer's renderer, in the recipient's language as their user row says it now.
 *
 * At-least-once delivery without double sends:
 * - a notification already `sent` (or given up on) is skipped;
 * - a delivery holds a lease on the row while it sends, so a second run of the same job
 *   (a stalled job recovered while the first run is still going) waits instead of
 *   sending in parallel;
 * - the row is marked `sent` right after the send succeeds;
 * - the lease names its worker (`liveness`): when that worker is killed mid-delivery, the next
 *   run (BullMQ hands a stalled job out again within its stalled-check interval) takes the
 *   lease at once instead of waiting out its two minutes.
 * What remains is the window between the provider accepting the message and that UPDATE: a
 * worker killed there sends it once more — the provider call itself (a Teams or Slack round
 * trip) plus one UPDATE. Neither Teams nor Slack accept an idempotency key for a new message.
 *
 * Rate limits: when the conversation's window is full the job moves itself to the
 * delayed set for as long as the limiter says (no attempt is used up). Failures:
 * retryable → thrown as RetryLaterError with the server's Retry-After, the queue's
 * backoff honours it; gone → the conversation reference is deactivated, the
 * notification is undeliverable, UnrecoverableError; rejected → failed, UnrecoverableError.
 */
import { UnrecoverableError } from 'bullmq';
import type { Db } from '../db/pool.js';
import { LIVENESS_LOCK_CLASS, type ProcessLiveness } from '../db/liveness.js';
import type { Logger } from '../logger.js';
import { delayJob, RetryLaterError, type JobProcessor, type QueueJob } from '../jobs/queues.js';
import { DeliveryError, type ChannelSender, type NotificationChannel, type NotificationPayload } from './channel-sender.js';
import type { DeliveryRateLimiter, DeliveryTarget } from './rate-limit.js';
import { NotificationError, validatePayload, type NotificationStatus } from './notifications.js';
import type { NotificationMessage } from './messages.js';

/**
 * Turns a stored message into what the channel shows (bot/notifications.ts, which may use
 * cards/). `locale`: the recipient's as last seen; null when the conversation names no user.
 */
export type NotificationRenderer = (message: NotificationMessage, to: { channel: NotificationChannel; locale: string | null }) => NotificationPayload;

export interface NotificationDeliveryDeps {
  db: Db;
  senders: Partial<Record<NotificationChannel, ChannelSender>>;
  render: NotificationRenderer;
  rateLimiter: DeliveryRateLimiter;
  logger: Logger;
  /** How long a delivery may hold the row before another run may take over (default 2 min). */
  leaseMs?: number;
  /** This worker's liveness lock: a lease whose holder is gone is free at once, not when it runs out. */
  liveness?: Pick<ProcessLiveness, 'id'>;
}

export type DeliveryOutcome = 'sent' | 'already-sent' | 'already-failed' | 'already-undeliverable' | 'missing';

interface NotificationRow {
  id: string;
  status: NotificationStatus;
  /** What to say, rendered at delivery. */
  message: NotificationMessage | null;
  /** A payload rendered when it was written, by a version from before messages were stored (delivered as it is). */
  payload: NotificationPayload | null;
  /** The recipient's locale as their user row says it now. */
  locale: string | null;
  conversation_ref_id: string;
  channel: NotificationChannel;
  conversation_id: string;
  reference: Record<string, unknown>;
  active: boolean;
  inactive_reason: string | null;
}

export function createDeliverNotification(deps: NotificationDeliveryDeps): JobProcessor<'notifications'> {
  const leaseMs = deps.leaseMs ?? 120_000;

  return async function deliverNotification(job: QueueJob<'notifications'>, token?: string): Promise<DeliveryOutcome> {
    const { notificationId } = job.data;
    const { rows } = await deps.db.query<NotificationRow>(
      `SELECT n.id, n.status, n.message, n.payload, n.conversation_ref_id, COALESCE(u.preferred_locale, u.locale) AS locale,
              r.channel, r.conversation_id, r.reference, r.active, r.inactive_reason
         FROM notifications n JOIN conversation_refs r ON r.id = n.conversation_ref_id
         LEFT JOIN users u ON u.id = r.user_id
        WHERE n.id = $1`,
      [notificationId],
    );
    const n = rows[0];
    if (!n) return 'missing';
    if (n.status !== 'queued') return `already-${n.status}`;

    if (!n.active) {
      await finish(deps.db, n.id, 'undeliverable', `conversation inactive: ${n.inactive_reason ?? 'unknown'}`);
      throw new UnrecoverableError(`conversation ${n.conversation_ref_id} is inactive`);
    }
    const sender = deps.senders[n.channel];
    if (!sender) {
      await finish(deps.db, n.id, 'failed', `no ${n.channel} sender configured`);
      throw new UnrecoverableError(`no ${n.channel} sender configured`);
    }
    let payload: NotificationPayload;
    try {
      payload = n.message ? deps.render(n.message, { channel: n.channel, locale: n.locale }) : n.payload!;
      validatePayload(n.channel, payload);
    } catch (err) {
      // A message this version cannot render, or a rendering the channel would refuse: retrying changes nothing.
      const why = err instanceof NotificationError ? err.message : `cannot render ${n.message?.kind ?? 'the notification'}: ${(err as Error)?.message ?? String(err)}`;
      await finish(deps.db, n.id, 'failed', why);
      throw new UnrecoverableError(why);
    }

    const decision = await deps.rateLimiter.acquire(deliveryTarget(n));
    if (!decision.ok) {
      await delayJob(job, token, decision.retryInMs);
    }

    // Claim: only one run sends at a time; a run that finds the lease taken waits it out — unless
    // the worker holding it is gone (killed mid-delivery): then the lease is free now.
    const claim = await deps.db.query<{ attempts: number }>(
      `UPDATE notifications
          SET attempts = attempts + 1, lease_until = now() + make_interval(secs => $2::double precision / 1000), lease_owner = $3
        WHERE id = $1 AND status = 'queued'
          AND (lease_until IS NULL OR lease_until <= now()
               OR (lease_owner IS NOT NULL AND $3::int IS NOT NULL AND lease_owner <> $3 AND pg_try_advisory_xact_lock_shared(${LIVENESS_LOCK_CLASS}, lease_owner)))
        RETURNING attempts`,
      [n.id, leaseMs, deps.liveness?.id ?? null],
    );
    if (claim.rowCount === 0) {
      const now = await deps.db.query<{ status: NotificationStatus; wait_ms: string | null }>(
        `SELECT status, ceil(extract(epoch FROM (lease_until - now())) * 1000)::bigint AS wait_ms FROM notifications WHERE id = $1`,
        [n.id],
      );
      const current = now.rows[0];
      if (!current) return 'missing';
      if (current.status !== 'queued') return `already-${current.status}`;
      await delayJob(job, token, Math.max(Number(current.wait_ms ?? 0), 100));
    }

    let messageId: string | undefined;
    try {
      ({ messageId } = await sender.send({ channel: n.channel, conversationId: n.conversation_id, reference: n.reference }, payload));
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError('retryable', (err as Error)?.message ?? String(err), { cause: err });
      await recordFailure(deps, job, n, failure);
      if (failure.kind === 'retryable') throw new RetryLaterError(failure.message, failure.retryAfterMs, { cause: failure });
      throw new UnrecoverableError(failure.message);
    }

    await markSent(deps, n.id, messageId);
    return 'sent';
  };
}

function deliveryTarget(n: NotificationRow): DeliveryTarget {
  if (n.channel === 'msteams') {
    const conversation = n.reference.conversation as { id?: string; tenantId?: string } | undefined;
    return { channel: 'msteams', conversationId: conversation?.id ?? n.conversation_id, tenantId: conversation?.tenantId };
  }
  const ref = n.reference as { teamId?: string; channelId?: string; userId?: string };
  return { channel: 'slack', teamId: ref.teamId, channelId: ref.channelId ?? ref.userId ?? n.conversation_id };
}


async function finish(db: Db, id: string, status: 'failed' | 'undeliverable', error: string): Promise<void> {
  await db.query('UPDATE notifications SET status = $2, last_error = $3, lease_until = NULL WHERE id = $1 AND status = $4', [id, status, error.slice(0, 1000), 'queued']);
}

async function recordFailure(deps: NotificationDeliveryDeps, job: QueueJob<'notifications'>, n: NotificationRow, failure: DeliveryError): Promise<void> {
  const error = failure.message.slice(0, 1000);
  if (failure.kind === 'gone') {
    const client = await deps.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `UPDATE conversation_refs SET active = false, inactive_reason = $2, updated_at = now() WHERE id = $1`,
        [n.conversation_ref_id, `${n.channel}:${failure.code ?? failure.status ?? 'gone'}`],
      );
      await client.query(`UPDATE notifications SET status = 'undeliverable', last_error = $2, lease_until = NULL WHERE id = $1`, [n.id, error]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    deps.logger.warn({ notificationId: n.id, conversationRefId: n.conversation_ref_id, code: failure.code, status: failure.status }, 'conversation unreachable; reference deactivated');
    return;
  }
  const lastAttempt = failure.kind === 'rejected' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  await deps.db.query(
    `UPDATE notifications SET status = $2, last_error = $3, lease_until = NULL WHERE id = $1`,
    [n.id, lastAttempt ? 'failed' : 'queued', error],
  );
}

/** Marking sent must not be lost to a blip: a resend is the price of losing it. */
async function markSent(deps: NotificationDeliveryDeps, id: string, messageId: string | undefined): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.db.query(
        `UPDATE notifications SET status = 'sent', sent_at = now(), provider_message_id = $2, last_error = NULL, lease_until = NULL WHERE id = $1`,
        [id, messageId ?? null],
      );
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      deps.logger.warn({ err, notificationId: id, attempt }, 'could not mark notification sent; retrying');
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}
