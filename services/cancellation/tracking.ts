/**
 * The cancellation-tracking job (BullMQ queue `cancellation-tracking`, job data
 * `{ cancellationId }`, written to the outbox by the submit): asks the commerce backend to
 * cancel, then polls it with backoff until the cancellation has finished, failed or needed more
 * information — and then, in one transaction, records the outcome and queues the requester's
 * notification.
 *
 * Finished (R18, R19): every key and download link of the purchase is revoked
 * (SoftwareService.revokePurchase), the credits are booked, the purchase is marked cancelled,
 * the activity log gets an entry, and the notification goes out through the notifier (rate
 * limits, retries, 403 handling are its business). Failed / needs information (R20): the
 * purchase is active again, the reason kept on the cancellation, and the notification says how
 * to go on.
 *
 * Taking long: `deadlineMinutes` after the backend accepted it (or after the submit, while the
 * backend has not been reached) the requester is told once that it takes longer than usual;
 * the job goes on looking, every `slowPollMs`, because the backend may still finish it — and
 * the bot must then still revoke the keys and book the credit. Only `giveUpAfterMs` after that
 * deadline does it stop (timed_out): the purchase is active again here and the requester is told
 * to check Partner Center (a new `cancel` of the order then finishes the bot's side if Partner
 * Center did cancel it). A backend that says a cancellation of the order is already under way
 * (an earlier request) is followed the same way: asked again until it answers.
 *
 * Idempotent, at-least-once safe: the backend request carries the cancellation's own
 * `backend_request_id` (the same on every retry — never a second cancellation); each outcome is
 * written under the cancellation row's lock and only from a live status, so a job run twice, two
 * jobs for one cancellation, a worker killed mid-run or a Redis outage change nothing twice.
 * Transient backend errors (anything but a CommerceError: a timeout, a 429, a 5xx) do not use up
 * the job's attempts: the next look is delayed (moveToDelayed) with backoff. A job lost anyway
 * (a worker killed twice mid-run, Redis losing its data) is found by `sweep()`, which the worker
 * runs every few minutes: a live cancellation whose next look is long overdue gets a new job.
 */
import type { ActivityLog } from '../activity/activity-log.js';
import { isCommerceError } from '../commerce/errors.js';
import type { CommerceBackend } from '../commerce/port.js';
import type { CancellationProgress } from '../commerce/types.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { enqueueInTx } from '../jobs/outbox.js';
import { delayJob, JOB_NAMES, QUEUES, type JobProcessor } from '../jobs/queues.js';
import type { PurchaseLedger } from '../ledger/purchase-ledger.js';
import type { Logger } from '../logger.js';
import type { CancellationFailure, NotificationMessage } from '../notifications/messages.js';
import type { NotificationService } from '../notifications/notifications.js';
import type { SoftwareService } from '../software/software-service.js';

export type CancellationStatus = 'requested' | 'submitted' | 'finished' | 'failed' | 'needs_information' | 'timed_out';

/** Waits between two looks at a pending cancellation: quick at first, then every minute (Partner Center: up to 15 minutes). */
export const DEFAULT_POLL_DELAYS_MS: readonly number[] = [1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000];
/** After the deadline: one look every 15 minutes. */
export const DEFAULT_SLOW_POLL_MS = 15 * 60_000;
/** How long after the deadline the job still follows a cancellation: a week. */
export const DEFAULT_GIVE_UP_AFTER_MS = 7 * 86_400_000;
/** A live cancellation whose next look is this overdue has lost its job: `sweep()` gives it a new one. */
export const SWEEP_GRACE_MS = 10 * 60_000;
/** Transient backend errors in a row: the n-th makes the next look 15 s × 2^(n−1) later, at most 15 minutes. */
const ERROR_BACKOFF_MS = 15_000;

export interface TrackingDeps {
  db: Db;
  commerce: Pick<CommerceBackend, 'requestCancellation' | 'cancellationStatus'>;
  ledger: PurchaseLedger;
  software: Pick<SoftwareService, 'revokePurchase'>;
  notifications: Pick<NotificationService, 'notifyRequester'>;
  activity: ActivityLog;
  logger: Logger;
  now?: () => Date;
  /** The n-th wait is pollDelaysMs[min(n, length − 1)]. */
  pollDelaysMs?: readonly number[];
  /** When the requester is told that it takes longer (config CANCELLATION_DEADLINE_MINUTES). */
  deadlineMinutes: number;
  slowPollMs?: number;
  giveUpAfterMs?: number;
}

interface CancellationRow {
  id: string;
  partner_id: string;
  order_id: string;
  customer_id: string;
  customer_name: string;
  requested_by: string | null;
  conversation_ref_id: string | null;
  status: CancellationStatus;
  backend_request_id: string;
  deadline_at: Date;
  overdue_at: Date | null;
  polls: number;
  errors: number;
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

/** What the backend's answer means for the cancellation. */
type Outcome =
  | { state: 'finished' }
  | { state: 'failed'; reason: CancellationFailure; code: string | null; detail: string }
  /** Not finished yet; `accepted`: the backend has taken this request (its reference), else it is busy with an earlier one. */
  | { state: 'pending'; accepted: boolean; reference?: unknown }
  /** A timeout, a 429, a 5xx: look again later. */
  | { state: 'error'; error: string };

function outcomeOf(progress: CancellationProgress): Outcome {
  switch (progress.state) {
    case 'finished':
      return { state: 'finished' };
    case 'failed':
      return { state: 'failed', reason: 'failed', code: progress.code, detail: progress.message };
    case 'needs_information':
      return { state: 'failed', reason: 'needs_information', code: null, detail: progress.message };
    case 'pending':
      return { state: 'pending', accepted: true, reference: progress.reference };
  }
}

/** Partner Center's code for "the cancellation window has passed", kept as the failure code of such a cancellation. */
const WINDOW_PASSED_CODE = '900117';

/**
 * Why a cancellation that did not finish did not (R20), from what `fail` stored — its status and
 * failure code: the reverse of outcomeOfError, kept beside it (the support flow reads it back).
 */
export function failureOfRecord(status: string, failureCode: string | null): CancellationFailure {
  if (status === 'needs_information') return 'needs_information';
  if (status === 'timed_out') return 'timed_out';
  switch (failureCode) {
    case WINDOW_PASSED_CODE:
      return 'window_passed';
    case 'not_cancellable':
      return 'not_cancellable';
    case 'order_not_found':
    case 'cancellation_not_found':
      return 'not_found';
    default:
      return 'failed';
  }
}

/** How a backend's refusal reads as the outcome (R20); anything else it throws is transient. */
function outcomeOfError(err: unknown): Outcome {
  if (!isCommerceError(err)) return { state: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  const detail = err.message;
  switch (err.code) {
    case 'already_cancelled':
      return { state: 'finished' };
    case 'cancellation_in_progress':
      return { state: 'pending', accepted: false };
    case 'cancellation_window_passed':
      return { state: 'failed', reason: 'window_passed', code: WINDOW_PASSED_CODE, detail };
    case 'not_cancellable':
      return { state: 'failed', reason: 'not_cancellable', code: err.code, detail };
    case 'order_not_found':
    case 'cancellation_not_found':
      return { state: 'failed', reason: 'not_found', code: err.code, detail };
    default:
      return { state: 'failed', reason: 'failed', code: err.code, detail };
  }
}

export class CancellationTracker {
  private readonly now: () => Date;
  private readonly delays: readonly number[];
  private readonly slowPollMs: number;
  private readonly giveUpAfterMs: number;

  constructor(private readonly deps: TrackingDeps) {
    this.now = deps.now ?? (() => new Date());
    this.delays = deps.pollDelaysMs && deps.pollDelaysMs.length > 0 ? deps.pollDelaysMs : DEFAULT_POLL_DELAYS_MS;
    this.slowPollMs = deps.slowPollMs ?? DEFAULT_SLOW_POLL_MS;
    this.giveUpAfterMs = deps.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
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
    let outcome: Outcome;
    try {
      outcome = outcomeOf(row.status === 'requested'
        ? await this.deps.commerce.requestCancellation(partnerId, {
          customerId: row.customer_id, orderId: row.order_id, lineNumbers: row.line_numbers, requestId: row.backend_request_id,
        })
        : await this.deps.commerce.cancellationStatus(partnerId, { orderId: row.order_id, requestId: row.backend_request_id }));
    } catch (err) {
      outcome = outcomeOfError(err);
      if (outcome.state !== 'error') {
        this.deps.logger.info({ cancellationId: id, orderId: row.order_id, code: (err as Error & { code?: string }).code }, 'the backend answered the cancellation with a refusal');
      }
    }
    switch (outcome.state) {
      case 'finished':
        return this.finish(id);
      case 'failed':
        return this.fail(id, outcome.reason, outcome.code, outcome.detail);
      case 'pending':
      case 'error':
        return this.later(row, outcome);
    }
  }

  /**
   * Re-enqueues live cancellations whose next look is more than SWEEP_GRACE_MS overdue (their
   * job was lost: failed for good, stalled twice, or gone with Redis's data). A job that is
   * merely late and runs after all does no harm: two looks at one cancellation change nothing twice.
   */
  async sweep(limit = 100): Promise<string[]> {
    const now = this.now();
    return inTransaction(this.deps.db, async (tx) => {
      const { rows } = await tx.query<{ id: string; sweeps: number }>(
        `WITH lost AS (
           SELECT id FROM cancellations
            WHERE status IN ('requested', 'submitted') AND next_check_at < $1
            ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE cancellations c SET sweeps = c.sweeps + 1, next_check_at = $3 FROM lost WHERE c.id = lost.id
         RETURNING c.id, c.sweeps`,
        [new Date(now.getTime() - SWEEP_GRACE_MS), limit, now],
      );
      for (const r of rows) {
        await enqueueInTx(tx, { queue: QUEUES.cancellationTracking, name: JOB_NAMES['cancellation-tracking'], jobId: `cancellation-${r.id}-s${r.sweeps}`, data: { cancellationId: r.id } });
      }
      if (rows.length > 0) this.deps.logger.warn({ cancellations: rows.map((r) => r.id) }, 'cancellations whose tracking job was lost were given a new one');
      return rows.map((r) => r.id);
    });
  }

  private async load(q: Queryable, id: string, lock = false): Promise<CancellationRow | null> {
    const { rows } = await q.query<CancellationRow>(`${ROW_SELECT} WHERE c.id = $1${lock ? ' FOR UPDATE OF c' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /** Not finished yet (or the backend did not answer): when to look next, and — once — tell the requester that it takes longer. */
  private async later(row: CancellationRow, outcome: Extract<Outcome, { state: 'pending' | 'error' }>): Promise<TrackingResult> {
    const now = this.now();
    const accepted = outcome.state === 'pending' && outcome.accepted;
    const firstAccepted = accepted && row.status === 'requested';
    // Asked once more and still no end, long after the deadline: stop following it (unless the backend has only just taken it).
    if (!firstAccepted && now.getTime() >= row.deadline_at.getTime() + this.giveUpAfterMs) {
      return this.fail(row.id, 'timed_out', null, 'the backend had not finished long after the deadline');
    }
    const polls = row.polls + 1;
    const errors = outcome.state === 'error' ? row.errors + 1 : 0;
    // The deadline runs from when the backend took the request: a worker or queue that was down
    // for a while before the first look does not count against the backend.
    const deadline = firstAccepted ? new Date(now.getTime() + this.deps.deadlineMinutes * 60_000) : row.deadline_at;
    const overdue = now >= deadline;
    const wait = outcome.state === 'error'
      ? Math.min(ERROR_BACKOFF_MS * 2 ** Math.min(errors - 1, 10), this.slowPollMs)
      : overdue ? this.slowPollMs : this.delays[Math.min(polls - 1, this.delays.length - 1)]!;
    const nextCheckInMs = overdue ? wait : Math.min(wait, Math.max(0, deadline.getTime() - now.getTime()));
    if (outcome.state === 'error') {
      this.deps.logger.warn({ cancellationId: row.id, orderId: row.order_id, error: outcome.error, errors, nextCheckInMs }, 'the backend did not answer about the cancellation; looking again later');
    }
    const update = (q: Queryable) => q.query(
      `UPDATE cancellations
          SET polls = $2, errors = $3, last_error = $4, next_check_at = $5, deadline_at = $6,
              backend_ref = CASE WHEN $7 THEN $8::jsonb ELSE backend_ref END,
              status = CASE WHEN $7 THEN 'submitted' ELSE status END,
              status_at = CASE WHEN $7 AND status = 'requested' THEN $9 ELSE status_at END,
              overdue_at = CASE WHEN $10 THEN COALESCE(overdue_at, $9) ELSE overdue_at END
        WHERE id = $1 AND status IN ('requested', 'submitted')`,
      [row.id, polls, errors, outcome.state === 'error' ? outcome.error.slice(0, 500) : null, new Date(now.getTime() + nextCheckInMs), deadline,
        accepted, accepted ? JSON.stringify(outcome.reference ?? null) : null, now, overdue],
    );
    if (!overdue || row.overdue_at !== null) {
      // The usual look: one statement.
      await update(this.deps.db);
    } else {
      // The first look past the deadline: marked overdue and the requester told, together.
      await inTransaction(this.deps.db, async (tx) => {
        if ((await update(tx)).rowCount !== 1) return;
        await this.notifyRequester(tx, row, {
          kind: 'cancellationDelayed', cancellationId: row.id, orderId: row.order_id, title: row.title ?? row.order_id, customerId: row.customer_id, customerName: row.customer_name,
          minutes: this.deps.deadlineMinutes,
        }, `cancellation-delayed:${row.id}`);
      });
    }
    return { status: 'pending', polls, nextCheckInMs };
  }

  /** R18, R19: revoke, book, mark cancelled, log, notify — once. */
  private async finish(id: string): Promise<TrackingResult> {
    return this.underLock(id, async (tx, row, now) => {
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
        kind: 'cancellationFinished', cancellationId: id, orderId: row.order_id, title: row.title ?? row.order_id, customerId: row.customer_id, customerName: row.customer_name,
        currency: row.currency, creditMinor: Number(row.credit_minor), keysRevoked: revoked.keys, linksRevoked: revoked.links,
      }, `cancellation-finished:${id}`);
      return { status: 'finished' as const, polls: row.polls + 1 };
    });
  }

  /** R20: record why it did not finish and tell the requester; the purchase is active again. */
  private async fail(id: string, reason: CancellationFailure, code: string | null, detail: string): Promise<TrackingResult> {
    const status: CancellationStatus = reason === 'needs_information' ? 'needs_information' : reason === 'timed_out' ? 'timed_out' : 'failed';
    return this.underLock(id, async (tx, row, now) => {
      const partnerId = Number(row.partner_id);
      // Not cancelled (as far as the bot knows): the purchase is active again, its keys and links usable. After giving
      // up the backend may still finish it; `orders` then shows the backend's 'cancelled', and a new `cancel` of the
      // order is answered already_cancelled by the backend, which finishes it here (revoked, credited).
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
        kind: 'cancellationFailed', cancellationId: id, orderId: row.order_id, title: row.title ?? row.order_id, customerId: row.customer_id, customerName: row.customer_name,
        reason, code, ...(reason === 'timed_out' ? { followedMinutes: Math.round((now.getTime() - row.deadline_at.getTime()) / 60_000) + this.deps.deadlineMinutes } : {}),
      }, `cancellation-${status}:${id}`);
      return { status, polls: row.polls };
    });
  }

  /** Runs `write` on the cancellation locked, if it is still live (once: a second run finds it done). */
  private async underLock(id: string, write: (tx: Queryable, row: CancellationRow, now: Date) => Promise<TrackingResult>): Promise<TrackingResult> {
    return inTransaction(this.deps.db, async (tx) => {
      const row = await this.load(tx, id, true);
      if (!row) return { status: 'missing' as const };
      if (!LIVE.includes(row.status)) return { status: row.status, polls: row.polls, note: 'already_done' as const };
      return write(tx, row, this.now());
    });
  }

  /**
   * The requester's personal chat (Teams) or DM (Slack); when they have none, the conversation
   * they submitted from — never another shared conversation they happened to write in last.
   */
  private async notifyRequester(tx: Queryable, row: CancellationRow, message: NotificationMessage, dedupeKey: string): Promise<void> {
    if (row.requested_by === null) {
      this.deps.logger.warn({ cancellationId: row.id }, 'the requester of the cancellation is gone; nobody to notify');
      return;
    }
    const sent = await this.deps.notifications.notifyRequester(tx, {
      partnerId: row.partner_id, userId: row.requested_by, askedFrom: row.conversation_ref_id, message, dedupeKey,
    });
    if (!sent) this.deps.logger.warn({ cancellationId: row.id, userId: row.requested_by }, 'the requester has no conversation with the bot to be told in; the outcome is recorded, not notified');
  }
}

