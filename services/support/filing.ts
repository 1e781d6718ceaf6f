/**
 * The filing job (BullMQ queue `support-tickets`, job data `{ supportRequestId }`, written to
 * the outbox by the submit and by `support retry`): files the request at the configured
 * support desk and tells the requester the ticket number (R21).
 *
 * Exactly one ticket, at least once: every try sends the request's own key at the desk
 * (`desk_key`, a UUID: idempotency key and external id, ./ticket.ts), which the desk honours or
 * looks up (./desk.ts), so a retried job, a worker killed mid-call, a resend of the job or a
 * second filing after a failure make one ticket. The outcome is written under the request row's
 * lock, only from `queued` and only by a job of the request's current filing (a left-over run of
 * an earlier filing changes nothing), so the notification goes out once (its dedupe key is the
 * request's and the filing's).
 *
 * Nothing lost: a job that fails for good without reaching the desk (a database error on its
 * last attempt) still marks the request failed and tells the requester; a job lost altogether
 * (a worker killed twice mid-job, Redis losing its data) is found by `sweep()`, which the worker
 * runs every few minutes: a queued request no job has tried for SWEEP_GRACE_MS gets a new one.
 *
 * Failures: a desk that refuses the bot's credentials (401/403) or the request (400/422) will
 * not change its mind — the request is marked failed at once and the requester told what to
 * do. A rate limit (429: no sooner than Retry-After), a timeout or a 5xx is retried with
 * backoff; after the last attempt the request is marked failed (`unavailable`) and the
 * requester told. Either way nothing is lost: the request stays on the record, and
 * `support retry <id>` files it again.
 */
import type { ActivityLog } from '../activity/activity-log.js';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { enqueueInTx } from '../jobs/outbox.js';
import { JOB_NAMES, QUEUES, RetryLaterError, type JobProcessor, type QueueJob } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import type { NotificationService } from '../notifications/notifications.js';
import { isSupportDeskError, type SupportDesk, type TicketAttachment } from './desk.js';
import { filingJobId } from './support-service.js';
import { ticketRequest, type TicketSource } from './ticket.js';

/** A queued request no filing job has tried for this long has lost its job (longer than the longest backoff, 10 minutes, plus a try). */
export const SWEEP_GRACE_MS = 30 * 60_000;

export interface FilingDeps {
  db: Db;
  desk: SupportDesk;
  notifications: Pick<NotificationService, 'notifyRequester'>;
  activity: ActivityLog;
  logger: Logger;
  now?: () => Date;
}

/** What one run did (the job's return value, logged: ids and statuses only). */
export type FilingResult =
  | { status: 'missing' }
  | { status: 'filed'; ticketNumber: string; existing: boolean }
  | { status: 'failed'; reason: 'unauthorized' | 'rejected' | 'unavailable' }
  | { status: 'already'; was: 'filed' | 'failed' }
  /** The job belongs to an earlier filing of the request (`support retry` has started another). */
  | { status: 'superseded' };

interface RequestRow {
  id: string;
  desk_key: string;
  partner_id: string;
  requested_by: string | null;
  conversation_ref_id: string | null;
  order_id: string;
  cancellation_id: string | null;
  cancellation_status: string | null;
  cancellation_code: string | null;
  customer_id: string;
  customer_name: string;
  customer_tenant_id: string;
  customer_domain: string | null;
  product_title: string;
  impact: TicketSource['impact'];
  title: string;
  description: string;
  refund_reason: string;
  currency: string;
  amount_minor: string;
  order_total_minor: string;
  contact_name: string;
  contact_email: string;
  contact_phone: string;
  status: 'queued' | 'filed' | 'failed';
  filings: number;
}

const ROW_SELECT = `
  SELECT r.*, c.status AS cancellation_status, c.failure_code AS cancellation_code
    FROM support_requests r LEFT JOIN cancellations c ON c.id = r.cancellation_id`;

export class SupportFiling {
  private readonly now: () => Date;

  constructor(private readonly deps: FilingDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The BullMQ processor: one try; a retryable failure is thrown (with Retry-After) until the last attempt. */
  processor(): JobProcessor<'support-tickets'> {
    return async (job: QueueJob<'support-tickets'>) => {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const { supportRequestId: id, filing } = job.data;
      try {
        return await this.file(id, { lastAttempt, filing });
      } catch (err) {
        // A fault before or after the desk (the database) on the last attempt: kept as failed and told, never silently lost.
        if (lastAttempt && !(err instanceof RetryLaterError)) {
          this.deps.logger.warn({ supportRequestId: id, err }, 'the filing job failed for good; the request is kept as failed');
          await this.fail(id, 'unavailable', err instanceof Error ? `${err.name}: ${err.message}` : String(err), filing);
          return { status: 'failed', reason: 'unavailable' } satisfies FilingResult;
        }
        throw err;
      }
    };
  }

  /**
   * One try at filing request `id`. `lastAttempt`: a retryable failure now fails the request
   * instead of being retried. `filing`: the filing the job belongs to (omitted: the current one).
   */
  async file(id: string, opts: { lastAttempt: boolean; filing?: number }): Promise<FilingResult> {
    if (!/^\d{1,18}$/.test(String(id))) return { status: 'missing' };
    const row = await this.load(this.deps.db, id);
    if (!row) return { status: 'missing' };
    if (row.status !== 'queued') return { status: 'already', was: row.status };
    const filing = opts.filing ?? row.filings;
    if (row.filings !== filing) return { status: 'superseded' };
    const attachments = await this.attachments(id);
    let ticket;
    try {
      ticket = await this.deps.desk.createTicket(ticketRequest(sourceOf(row), attachments));
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (isSupportDeskError(err) && !err.retryable) {
        // The desk's reason (its error summarised; a desk never puts its credentials in it) is for the administrator.
        this.deps.logger.warn({ supportRequestId: id, desk: this.deps.desk.name, kind: err.kind, status: err.details.status, reason: err.message }, 'the support desk refused the request');
        const reason = err.kind === 'unauthorized' ? 'unauthorized' : 'rejected';
        await this.fail(id, reason, message, filing);
        return { status: 'failed', reason };
      }
      if (opts.lastAttempt) {
        this.deps.logger.warn({ supportRequestId: id, desk: this.deps.desk.name, error: message }, 'the support desk did not answer through the retries; the request is kept as failed');
        await this.fail(id, 'unavailable', message, filing);
        return { status: 'failed', reason: 'unavailable' };
      }
      await this.deps.db.query(
        "UPDATE support_requests SET attempts = attempts + 1, last_error = $2, last_attempt_at = $3 WHERE id = $1 AND status = 'queued' AND filings = $4",
        [id, message.slice(0, 500), this.now(), filing],
      );
      const retryAfterMs = isSupportDeskError(err) ? err.retryAfterMs : undefined;
      throw new RetryLaterError(`the support desk did not file request ${id}: ${message}`, retryAfterMs);
    }
    return inTransaction(this.deps.db, async (tx) => {
      const locked = await this.load(tx, id, true);
      if (!locked) return { status: 'missing' as const };
      if (locked.status !== 'queued') return { status: 'already' as const, was: locked.status };
      // The ticket exists at the desk whichever filing made it: recorded (a later filing's job then finds it 'already').
      const now = this.now();
      await tx.query(
        `UPDATE support_requests SET status = 'filed', status_at = $2, filed_at = $2, attempts = attempts + 1, last_attempt_at = $2, last_error = NULL,
                ticket_number = $3, ticket_url = $4, ticket_status = $5 WHERE id = $1`,
        [id, now, ticket.ticketNumber.slice(0, 100), ticket.url?.slice(0, 1000) ?? null, ticket.status.slice(0, 64)],
      );
      await this.deps.activity.record({
        at: now, partnerId: Number(row.partner_id), event: 'support_filed', outcome: 'ok', userId: row.requested_by === null ? null : Number(row.requested_by),
        customerId: row.customer_id, orderId: row.order_id, detail: `support request ${id}: ticket ${ticket.ticketNumber} at the ${this.deps.desk.name} desk`,
      }, tx);
      await this.notify(tx, locked, {
        kind: 'supportFiled', requestId: id, orderId: row.order_id, title: row.product_title, ticketNumber: ticket.ticketNumber, ticketUrl: ticket.url,
      }, `support-filed:${id}`);
      return { status: 'filed' as const, ticketNumber: ticket.ticketNumber, existing: ticket.existing };
    });
  }

  /**
   * Re-enqueues queued requests no filing job has tried for SWEEP_GRACE_MS (their job was lost).
   * A job that is merely slow and runs after all does no harm: the desk's key makes one ticket.
   */
  async sweep(limit = 100): Promise<string[]> {
    const now = this.now();
    return inTransaction(this.deps.db, async (tx) => {
      const { rows } = await tx.query<{ id: string; filings: number; sweeps: number }>(
        `WITH lost AS (
           SELECT id FROM support_requests
            WHERE status = 'queued' AND COALESCE(last_attempt_at, status_at) < $1
            ORDER BY status_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE support_requests r SET sweeps = r.sweeps + 1, last_attempt_at = $3 FROM lost WHERE r.id = lost.id
         RETURNING r.id, r.filings, r.sweeps`,
        [new Date(now.getTime() - SWEEP_GRACE_MS), limit, now],
      );
      for (const r of rows) {
        await enqueueInTx(tx, {
          queue: QUEUES.supportTickets, name: JOB_NAMES['support-tickets'], jobId: `${filingJobId(r.id, r.filings)}-s${r.sweeps}`, data: { supportRequestId: r.id, filing: r.filings },
        });
      }
      if (rows.length > 0) this.deps.logger.warn({ supportRequests: rows.map((r) => r.id) }, 'support requests whose filing job was lost were given a new one');
      return rows.map((r) => r.id);
    });
  }

  /** Marks the request failed (kept for `support retry`) and tells the requester — once per filing. */
  private async fail(id: string, reason: 'unauthorized' | 'rejected' | 'unavailable', error: string, filing: number): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const row = await this.load(tx, id, true);
      if (!row || row.status !== 'queued' || row.filings !== filing) return;
      const now = this.now();
      await tx.query(
        "UPDATE support_requests SET status = 'failed', status_at = $2, failure_reason = $3, attempts = attempts + 1, last_attempt_at = $2, last_error = $4 WHERE id = $1",
        [id, now, reason, error.slice(0, 500)],
      );
      await this.deps.activity.record({
        at: now, partnerId: Number(row.partner_id), event: 'support_failed', outcome: 'failed', userId: row.requested_by === null ? null : Number(row.requested_by),
        customerId: row.customer_id, orderId: row.order_id, detail: `support request ${id}: ${reason} at the ${this.deps.desk.name} desk`,
      }, tx);
      await this.notify(tx, row, { kind: 'supportFailed', requestId: id, orderId: row.order_id, title: row.product_title, reason }, `support-failed:${id}:${row.filings}`);
    });
  }

  private async notify(tx: Queryable, row: RequestRow, message: Parameters<NotificationService['notifyRequester']>[1]['message'], dedupeKey: string): Promise<void> {
    if (row.requested_by === null) {
      this.deps.logger.warn({ supportRequestId: row.id }, 'the requester of the support request is gone; nobody to notify');
      return;
    }
    const sent = await this.deps.notifications.notifyRequester(tx, { partnerId: row.partner_id, userId: row.requested_by, askedFrom: row.conversation_ref_id, message, dedupeKey });
    if (!sent) this.deps.logger.warn({ supportRequestId: row.id }, 'the requester has no conversation with the bot to be told in; the outcome is recorded, not notified');
  }

  private async load(q: Queryable, id: string, lock = false): Promise<RequestRow | null> {
    const { rows } = await q.query<RequestRow>(`${ROW_SELECT} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`, [id]);
    return rows[0] ?? null;
  }

  private async attachments(id: string): Promise<TicketAttachment[]> {
    const { rows } = await this.deps.db.query<{ filename: string; content_type: string; content: Buffer }>(
      'SELECT filename, content_type, content FROM support_files WHERE support_request_id = $1 ORDER BY id',
      [id],
    );
    return rows.map((r) => ({ filename: r.filename, contentType: r.content_type, content: r.content }));
  }
}

function sourceOf(r: RequestRow): TicketSource {
  return {
    id: r.id, deskKey: r.desk_key, partnerId: r.partner_id, orderId: r.order_id, customerName: r.customer_name, customerTenantId: r.customer_tenant_id, customerDomain: r.customer_domain,
    productTitle: r.product_title, impact: r.impact, title: r.title, description: r.description, refundReason: r.refund_reason, currency: r.currency,
    amountMinor: Number(r.amount_minor), orderTotalMinor: Number(r.order_total_minor), contactName: r.contact_name, contactEmail: r.contact_email,
    contactPhone: r.contact_phone, cancellation: r.cancellation_id && r.cancellation_status ? { id: r.cancellation_id, status: r.cancellation_status, code: r.cancellation_code } : null,
  };
}
