/**
 * The cancellation-tracking job (BullMQ queue `cancellation-tracking`, job data
 * `{ cancellationId }`, written to the outbox by the submit): asks the commerce backend to
 * cancel, then polls it with backoff until the cancellation has finished, failed, needed more
 * information, or the deadline passed — and then, in one transaction, records the outcome
 * and queues the requester's notification.
 *
 * Finished (R18, R19): every key and download link of the purchase is revoked
 * (SoftwareService.revokePurchase), the credits are booked, the purchase is marked cancelled,
 * the activity log gets an entry, and the notification goes out through the notifier (rate
 * limits, retries, 403 handling are its business). Failed / needs information (R20): the
 * purchase is active again, the reason kept on the cancellation, and the notification says how
 * to go on. Deadline passed: the same, saying that the backend may still finish it.
 *
 * Idempotent, at-least-once safe: the backend request carries the cancellation's own
 * `backend_request_id` (the same on every retry — never a second cancellation); each outcome is
 * written under the cancellation row's lock and only from a live status, so a job run twice, a
 * worker killed mid-run or a Redis outage changes nothing twice and loses nothing (the outbox
 * keeps the intent; a stalled job is taken up by another worker and continues from the stored
 * status). Transient backend errors (anything but a CommerceError) are thrown and retried by
 * BullMQ with the queue's backoff; polling between checks uses moveToDelayed, which uses no attempt.
 */
import { DelayedError } from 'bullmq';
import type { ActivityLog } from '../activity/activity-log.js';
import { isCommerceError } from '../commerce/errors.js';
import type { CommerceBackend } from '../commerce/port.js';
import type { CancellationProgress } from '../commerce/types.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { RetryLaterError, type JobProcessor, type QueueJob } from '../jobs/queues.js';
import type { PurchaseLedger } from '../ledger/purchase-ledger.js';
import type { Logger } from '../logger.js';
import type { CancellationFailure, NotificationMessage } from '../notifications/messages.js';
import { personalConversation, type NotificationService } from '../notifications/notifications.js';
import type { SoftwareService } from '../software/software-service.js';

export type CancellationStatus = 'requested' | 'submitted' | 'finished' | 'failed' | 'needs_information' | 'timed_out';

/** Waits between two looks at a pending cancellation: quick at first, then every minute (Partner Center: up to 15 minutes). */
export const DEFAULT_POLL_DELAYS_MS: readonly number[] = [1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000];

export interface TrackingDeps {
  db: Db;
  commerce: Pick<CommerceBackend, 'requestCancellation' | 'cancellationStatus'>;
  ledger: PurchaseLedger;
  software: Pick<SoftwareService, 'revokePurchase'>;
  notifications: Pick<NotificationService, 'notify'>;
  activity: ActivityLog;
  logger: Logger;
  now?: () => Date;
  /** The n-th wait is pollDelaysMs[min(n, length − 1)]. */
  pollDelaysMs?: readonly number[];
  /** For the timed-out message. */
  deadlineMinutes: number;
}

interface CancellationRow {
  id: string;
  partner_id: string;
  order_id: string;
  customer_id: string;
  customer_name: string;
  requested_by: string | null;
  status: CancellationStatus;
  backend_request_id: string;
  deadline_at: Date;
  polls: number;
  currency: string;
  credit_minor: string;
  line_numbers: number[];
  title: string | null;
  product_id: string | null;
}

const ROW_SELECT = `
  SELECT c.*, COALESCE((SELECT array_agg(cr.line_number ORDER BY cr.line_number) FROM credits cr WHERE cr.cancellation_id = c.id), '{}') AS line_numbers,
         (SELECT l.title FROM purchase_lines l WHERE l.partner_id = c.partner_id AND l.order_id = c.order_id ORDER BY l.line_number LIMIT 1) AS title,
         (SELECT l.product_id FROM purchase_lines l WHERE l.partner_id = c.partner_id AND l.order_id = c.order_id ORDER BY l.line_number LIMIT 1) AS product_id
    FROM cancellations c`;

const LIVE: readonly CancellationStatus[] = ['requested', 'submitted'];

/** What one run of the job did (the job's return value, logged; ids and statuses only). */
export type TrackingResult =
  | { status: 'missing' }
  | { status: CancellationStatus; polls: number; note?: 'already_done' }
  | { status: 'pending'; polls: number; nextCheckInMs: number };

/** How a backend refusal of the request reads as the outcome (R20). A cancellation the backend says is done already is done. */
function failureOfRefusal(err: unknown): { state: 'finished' } | { state: 'failed'; reason: CancellationFailure; code: string } | null {
  if (!isCommerceError(err)) return null;
  switch (err.code) {
    case 'already_cancelled':
      return { state: 'finished' };
    case 'cancellation_window_passed':
      return { state: 'failed', reason: 'window_passed', code: '900117' };
    case 'not_cancellable':
      return { state: 'failed', reason: 'not_cancellable', code: err.code };
    case 'order_not_found':
    case 'cancellation_not_found':
      return { state: 'failed', reason: 'not_found', code: err.code };
    default:
      return { state: 'failed', reason: 'failed', code: err.code };
  }
}

export class CancellationTracker {
  private readonly now: () => Date;
  private readonly delays: readonly number[];

  constructor(private readonly deps: TrackingDeps) {
    this.now = deps.now ?? (() => new Date());
    this.delays = deps.pollDelaysMs && deps.pollDelaysMs.length > 0 ? deps.pollDelaysMs : DEFAULT_POLL_DELAYS_MS;
  }

  /** The BullMQ processor: one look at the cancellation; pending → back to the delayed set for the next look. */
  processor(): JobProcessor<'cancellation-tracking'> {
    return async (job, token) => {
      const result = await this.track(job.data.cancellationId);
      if (result.status === 'pending') await delayJob(job, token, result.nextCheckInMs);
      return result;
    };
  }

  /** One step of tracking cancellation `id` (also what the processor runs). */
  async track(id: string): Promise<TrackingResult> {
    if (!/^\d{1,18}$/.test(String(id))) return { status: 'missing' };
    const row = await this.load(this.deps.db, id);
    if (!row) return { status: 'missing' };
    if (!LIVE.includes(row.status)) return { status: row.status, polls: row.polls, note: 'already_done' };
    const partnerId = Number(row.partner_id);

    let progress: CancellationProgress;
    try {
      progress = row.status === 'requested'
        ? await this.deps.commerce.requestCancellation(partnerId, {
          customerId: row.customer_id, orderId: row.order_id, lineNumbers: row.line_numbers, requestId: row.backend_request_id,
        })
        : await this.deps.commerce.cancellationStatus(partnerId, { orderId: row.order_id, requestId: row.backend_request_id });
    } catch (err) {
      const outcome = failureOfRefusal(err);
      if (!outcome) throw err; // transient: BullMQ retries with backoff, the same request id
      this.deps.logger.warn({ cancellationId: id, orderId: row.order_id, code: (err as Error & { code?: string }).code }, 'the backend refused the cancellation');
      return outcome.state === 'finished'
        ? this.finish(id)
        : this.fail(id, outcome.reason, outcome.code, (err as Error).message);
    }

    switch (progress.state) {
      case 'finished':
        return this.finish(id);
      case 'failed':
        return this.fail(id, 'failed', progress.code, progress.message);
      case 'needs_information':
        return this.fail(id, 'needs_information', null, progress.message);
      case 'pending': {
        const polls = row.polls + 1;
        await this.deps.db.query(
          `UPDATE cancellations SET polls = $2, backend_ref = $3,
                  status = CASE WHEN status = 'requested' THEN 'submitted' ELSE status END,
                  status_at = CASE WHEN status = 'requested' THEN $4 ELSE status_at END
            WHERE id = $1 AND status IN ('requested', 'submitted')`,
          [id, polls, JSON.stringify(progress.reference), this.now()],
        );
        if (this.now() >= row.deadline_at) return this.fail(id, 'timed_out', null, 'the backend had not finished by the deadline');
        const wait = this.delays[Math.min(polls - 1, this.delays.length - 1)]!;
        return { status: 'pending', polls, nextCheckInMs: Math.min(wait, Math.max(0, row.deadline_at.getTime() - this.now().getTime())) };
      }
    }
  }

  private async load(q: Queryable, id: string, lock = false): Promise<CancellationRow | null> {
    const { rows } = await q.query<CancellationRow>(`${ROW_SELECT} WHERE c.id = $1${lock ? ' FOR UPDATE OF c' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /** R18, R19: revoke, book, mark cancelled, log, notify — once. */
  private async finish(id: string): Promise<TrackingResult> {
    return inTransaction(this.deps.db, async (tx) => {
      const row = await this.load(tx, id, true);
      if (!row) return { status: 'missing' as const };
      if (!LIVE.includes(row.status)) return { status: row.status, polls: row.polls, note: 'already_done' as const };
      const now = this.now();
      const partnerId = Number(row.partner_id);
      const requestedBy = row.requested_by === null ? null : Number(row.requested_by);
      const revoked = await this.deps.software.revokePurchase(tx, { partnerId, orderId: row.order_id, reason: 'cancelled', userId: requestedBy });
      await tx.query('UPDATE credits SET booked_at = $2 WHERE cancellation_id = $1 AND booked_at IS NULL', [id, now]);
      await this.deps.ledger.setStatus(tx, { partnerId, orderId: row.order_id, status: 'cancelled', at: now });
      await tx.query("UPDATE cancellations SET status = 'finished', status_at = $2, polls = polls + 1 WHERE id = $1", [id, now]);
      await this.deps.activity.record({
        at: now, partnerId, event: 'cancellation_finished', outcome: 'ok', userId: requestedBy, customerId: row.customer_id, orderId: row.order_id,
        lineNumber: row.line_numbers[0] ?? null, productId: row.product_id,
        detail: `cancellation ${id}: credit ${row.credit_minor} ${row.currency} (minor units); ${revoked.keys} keys and ${revoked.links} links revoked`,
      }, tx);
      await this.notifyRequester(tx, row, {
        kind: 'cancellationFinished', cancellationId: id, orderId: row.order_id, title: row.title ?? row.order_id, customerName: row.customer_name,
        currency: row.currency, creditMinor: Number(row.credit_minor), keysRevoked: revoked.keys, linksRevoked: revoked.links,
      }, `cancellation-finished:${id}`);
      return { status: 'finished' as const, polls: row.polls + 1 };
    });
  }

  /** R20: record why it did not finish and tell the requester; the purchase is active again. */
  private async fail(id: string, reason: CancellationFailure, code: string | null, detail: string): Promise<TrackingResult> {
    const status: CancellationStatus = reason === 'needs_information' ? 'needs_information' : reason === 'timed_out' ? 'timed_out' : 'failed';
    return inTransaction(this.deps.db, async (tx) => {
      const row = await this.load(tx, id, true);
      if (!row) return { status: 'missing' as const };
      if (!LIVE.includes(row.status)) return { status: row.status, polls: row.polls, note: 'already_done' as const };
      const now = this.now();
      const partnerId = Number(row.partner_id);
      // Not cancelled (as far as the bot knows): the purchase is active again, its keys and links usable. After the
      // deadline the backend may still finish it; `orders` then shows the backend's 'cancelled', and a new `cancel`
      // of the order is answered already_cancelled by the backend, which finishes it here (revoked, credited).
      await this.deps.ledger.setStatus(tx, { partnerId, orderId: row.order_id, status: 'active', at: now });
      await tx.query(
        'UPDATE cancellations SET status = $2, status_at = $3, failure_code = $4, failure_detail = $5 WHERE id = $1',
        [id, status, now, code?.slice(0, 64) ?? null, detail.slice(0, 500)],
      );
      await this.deps.activity.record({
        at: now, partnerId, event: 'cancellation_failed', outcome: status === 'failed' ? 'failed' : status, userId: row.requested_by === null ? null : Number(row.requested_by),
        customerId: row.customer_id, orderId: row.order_id, lineNumber: row.line_numbers[0] ?? null, productId: row.product_id,
        detail: `cancellation ${id}: ${reason}${code ? ` (${code})` : ''}`,
      }, tx);
      await this.notifyRequester(tx, row, {
        kind: 'cancellationFailed', cancellationId: id, orderId: row.order_id, title: row.title ?? row.order_id, customerName: row.customer_name,
        reason, code, ...(reason === 'timed_out' ? { deadlineMinutes: this.deps.deadlineMinutes } : {}),
      }, `cancellation-${status}:${id}`);
      return { status, polls: row.polls };
    });
  }

  /** The requester's personal chat (Teams) or DM (Slack), else the conversation they last wrote from. */
  private async notifyRequester(tx: Queryable, row: CancellationRow, message: NotificationMessage, dedupeKey: string): Promise<void> {
    if (row.requested_by === null) {
      this.deps.logger.warn({ cancellationId: row.id }, 'the requester of the cancellation is gone; nobody to notify');
      return;
    }
    const personal = await personalConversation(tx, row.requested_by, row.partner_id);
    const conversationRefId = personal?.id ?? (await tx.query<{ id: string }>(
      'SELECT id FROM conversation_refs WHERE user_id = $1 AND partner_id = $2 AND active ORDER BY updated_at DESC LIMIT 1',
      [row.requested_by, row.partner_id],
    )).rows[0]?.id;
    if (!conversationRefId) {
      this.deps.logger.warn({ cancellationId: row.id, userId: row.requested_by }, 'the requester has no conversation with the bot any more; the outcome is recorded, not notified');
      return;
    }
    await this.deps.notifications.notify(tx, { partnerId: row.partner_id, conversationRefId, message, dedupeKey });
  }
}

/** Back to the delayed set for `ms` without using an attempt. */
async function delayJob(job: QueueJob<'cancellation-tracking'>, token: string | undefined, ms: number): Promise<never> {
  if (!token) throw new RetryLaterError('cannot delay a job without its lock token', ms);
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}
