/**
 * Transactional outbox (table `job_outbox`). A job's intent is written in the same
 * Postgres transaction as the change that calls for it (`enqueueInTx`), so a job can
 * never be lost because the queue backend was unavailable at commit time. The
 * `OutboxRelay` moves pending intents into BullMQ.
 *
 * Exactly-once enqueueing across several relays (several processes): a tick claims
 * pending rows with `FOR UPDATE SKIP LOCKED` and keeps them locked until it has added
 * them and marked them `enqueued_at` in the same transaction, so no other relay sees
 * them meanwhile. Each job is added with `jobId` = the row's job_id, so even a replay
 * (e.g. the commit after a successful add failed) is deduplicated by BullMQ as long as
 * the job is still kept (completed jobs are kept 24 h) — and processors are idempotent
 * anyway (at-least-once).
 */
import type { Db, Queryable } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { OUTBOX_CHANNEL, OutboxWakeup } from './outbox-wakeup.js';
import { isQueueName, withTimeout, type JobData, type JobBackend, type QueueName } from './queues.js';

export interface OutboxIntent<Q extends QueueName> {
  queue: Q;
  /** BullMQ job name (see JOB_NAMES). */
  name: string;
  /** Unique per queue; the same intent twice is stored once. Not an integer, no ':'. */
  jobId: string;
  data: JobData<Q>;
  /** Run no earlier than this. */
  delayUntil?: Date;
}

/** BullMQ refuses integer-looking custom ids and ids with ':'. */
export function assertValidJobId(jobId: string): void {
  if (!jobId || jobId.length > 200 || /^\d+$/.test(jobId) || jobId.includes(':')) {
    throw new Error(`invalid job id ${JSON.stringify(jobId)}: must be 1–200 chars, not an integer, without ':'`);
  }
}

/**
 * Record a job intent inside the caller's transaction. Idempotent on (queue, jobId):
 * returns `false` when the same intent was already recorded. A new intent also notifies
 * the listening relays (./outbox-wakeup.ts), which Postgres does when the transaction commits.
 */
export async function enqueueInTx<Q extends QueueName>(client: Queryable, intent: OutboxIntent<Q>): Promise<boolean> {
  assertValidJobId(intent.jobId);
  const res = await client.query(
    `WITH inserted AS (
       INSERT INTO job_outbox (queue, job_name, job_id, data, delay_until)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (queue, job_id) DO NOTHING
       RETURNING 1)
     SELECT pg_notify('${OUTBOX_CHANNEL}', current_schema()) FROM inserted`,
    [intent.queue, intent.name, intent.jobId, JSON.stringify(intent.data), intent.delayUntil ?? null],
  );
  return res.rowCount === 1;
}

/** What the relay needs of a job backend (a JobBackend fits). */
export interface OutboxTarget {
  queue(name: QueueName): {
    addBulk(jobs: Array<{ name: string; data: unknown; opts?: { jobId?: string; delay?: number } }>): Promise<unknown>;
  };
  ping(timeoutMs?: number): Promise<void>;
}

export interface OutboxRelayOptions {
  db: Db;
  backend: OutboxTarget | JobBackend;
  logger: Logger;
  /** Poll interval (config OUTBOX_RELAY_INTERVAL_MS). */
  intervalMs?: number;
  /** Rows claimed per transaction. */
  batchSize?: number;
  /** Bound on one add to the backend; a hung add counts as a failure. */
  addTimeoutMs?: number;
  /** Longest pause between ticks while the backend keeps failing. */
  maxBackoffMs?: number;
  /**
   * Also tick as soon as intents are committed anywhere (Postgres LISTEN on a connection of
   * the relay's own, ./outbox-wakeup.ts); the interval stays the safety net. Default off.
   */
  listen?: boolean;
}

interface PendingRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  data: unknown;
  delay_ms: string | null;
}

export class OutboxRelay {
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly addTimeoutMs: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private kicked = false;
  private failures = 0;
  private wakeup: OutboxWakeup | undefined;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.batchSize = opts.batchSize ?? 100;
    this.addTimeoutMs = opts.addTimeoutMs ?? 5000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  }

  /** Poll every `intervalMs` until `stop()`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
    if (this.opts.listen) {
      this.wakeup = new OutboxWakeup({ db: this.opts.db, logger: this.opts.logger, onWake: () => this.kick() });
      void this.wakeup.start();
    }
  }

  /** Whether the relay is listening for committed intents (see `listen`). */
  get listening(): boolean {
    return this.wakeup?.listening ?? false;
  }

  /** Run a tick now (e.g. right after committing a transaction that wrote intents). */
  kick(): void {
    if (!this.started) return;
    // While the backend keeps failing, the backoff decides when to try again: a burst of
    // commits during a Redis outage must not turn into a burst of doomed ticks.
    if (this.failures > 0) return;
    if (this.running) {
      this.kicked = true;
      return;
    }
    this.schedule(0);
  }

  /** Stop polling; resolves once the tick in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.wakeup?.stop();
    this.wakeup = undefined;
    await this.running;
  }

  /**
   * One pass: claim up to `batchSize` pending intents, add them to the backend, mark
   * them. Returns how many were enqueued. Safe to call concurrently from many relays.
   */
  async runOnce(): Promise<{ enqueued: number; failed: number; claimed: number }> {
    const client = await this.opts.db.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<PendingRow>(
        `SELECT id, queue, job_name, job_id, data,
                CASE WHEN delay_until > now()
                     THEN ceil(extract(epoch FROM (delay_until - now())) * 1000)::bigint END AS delay_ms
           FROM job_outbox
          WHERE enqueued_at IS NULL
          ORDER BY id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return { enqueued: 0, failed: 0, claimed: 0 };
      }

      const done: string[] = [];
      const failed: Array<{ id: string; error: string }> = [];
      const byQueue = new Map<QueueName, PendingRow[]>();
      for (const row of rows) {
        if (!isQueueName(row.queue)) {
          failed.push({ id: row.id, error: `unknown queue ${row.queue}` });
          continue;
        }
        byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
      }

      let backendError: string | undefined;
      try {
        // Fail fast while the backend is down instead of letting adds hang on reconnects.
        await this.opts.backend.ping(this.addTimeoutMs);
      } catch (err) {
        backendError = errorText(err);
      }
      for (const [queue, group] of byQueue) {
        if (backendError) {
          for (const row of group) failed.push({ id: row.id, error: backendError });
          continue;
        }
        try {
          await withTimeout(
            this.opts.backend.queue(queue).addBulk(
              group.map((row) => ({
                name: row.job_name,
                data: row.data,
                opts: { jobId: row.job_id, ...(row.delay_ms ? { delay: Number(row.delay_ms) } : {}) },
              })),
            ),
            this.addTimeoutMs,
            'queue backend',
          );
          done.push(...group.map((r) => r.id));
        } catch (err) {
          const error = errorText(err);
          for (const row of group) failed.push({ id: row.id, error });
        }
      }

      if (done.length > 0) {
        await client.query('UPDATE job_outbox SET enqueued_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])', [done]);
      }
      for (const f of failed) {
        await client.query('UPDATE job_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [f.id, f.error.slice(0, 1000)]);
      }
      await client.query('COMMIT');
      if (failed.length > 0) {
        this.opts.logger.warn({ failed: failed.length, enqueued: done.length, error: failed[0]!.error }, 'outbox: could not enqueue jobs; will retry');
      } else {
        this.opts.logger.debug({ enqueued: done.length }, 'outbox: jobs enqueued');
      }
      return { enqueued: done.length, failed: failed.length, claimed: rows.length };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    let next = this.intervalMs;
    try {
      const result = await this.runOnce();
      if (result.failed > 0 && result.enqueued === 0) {
        this.failures += 1;
        next = Math.min(this.intervalMs * 2 ** Math.min(this.failures, 10), this.maxBackoffMs);
      } else {
        this.failures = 0;
        // A full batch means more may be waiting: go again at once.
        if (result.claimed >= this.batchSize) next = 0;
      }
    } catch (err) {
      this.failures += 1;
      next = Math.min(this.intervalMs * 2 ** Math.min(this.failures, 10), this.maxBackoffMs);
      this.opts.logger.warn({ err }, 'outbox relay tick failed; will retry');
    }
    if (!this.started) return;
    if (this.kicked) {
      this.kicked = false;
      // A commit (or the listener's reconnect) during a tick that failed does not cut the backoff short either.
      if (this.failures === 0) next = 0;
    }
    this.schedule(next);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The job of an intent has settled — completed, or failed for good — so the sweep below leaves
 * it alone and housekeeping may prune it. A job that was not relayed from the outbox matches nothing.
 */
export async function markJobSettled(db: Queryable, queue: QueueName, jobId: string): Promise<void> {
  await db.query({ name: 'outbox.settled', text: 'UPDATE job_outbox SET done_at = now() WHERE queue = $1 AND job_id = $2 AND done_at IS NULL', values: [queue, jobId] });
}

/** What the sweep needs of a job backend (a JobBackend fits): whether a queue still holds a job. */
export interface JobLookup {
  queue(name: QueueName): { getJob(jobId: string): Promise<unknown> };
}

/** A just-relayed intent is given this long before the sweep looks for its job. */
const SWEEP_GRACE = '1 minute';

/**
 * Intents relayed but never settled whose job the queue no longer holds — Redis lost its data (a
 * restart without persistence, a failover) — are made pending again, and the relay adds them anew:
 * idempotent by job id, a delayed one delayed to its `delay_until` again. A queue that cannot be
 * asked fails the sweep (tried again next time); it never counts as "lost". Returns the counts.
 */
export async function requeueLostJobs(db: Db, backend: JobLookup, logger: Logger, batchSize = 500): Promise<{ checked: number; requeued: number }> {
  let checked = 0;
  let requeued = 0;
  for (let after = '0'; ; ) {
    const { rows } = await db.query<{ id: string; queue: string; job_id: string }>(
      `SELECT id, queue, job_id FROM job_outbox
        WHERE enqueued_at IS NOT NULL AND done_at IS NULL AND enqueued_at < now() - interval '${SWEEP_GRACE}' AND id > $1
        ORDER BY id LIMIT $2`,
      [after, batchSize],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    checked += rows.length;
    const held = await Promise.all(rows.map((r) => (isQueueName(r.queue) ? backend.queue(r.queue).getJob(r.job_id) : Promise.resolve(true))));
    const lost = rows.filter((_, i) => !held[i]).map((r) => r.id);
    if (lost.length === 0) continue;
    const { rowCount } = await db.query(
      `WITH reset AS (
         UPDATE job_outbox SET enqueued_at = NULL, requeued = requeued + 1
          WHERE id = ANY($1::bigint[]) AND enqueued_at IS NOT NULL AND done_at IS NULL
         RETURNING 1)
       SELECT pg_notify('${OUTBOX_CHANNEL}', current_schema()) FROM reset`,
      [lost],
    );
    requeued += rowCount ?? 0;
  }
  if (requeued > 0) logger.warn({ checked, requeued }, 'outbox: the queue had lost jobs (Redis restarted without its data?); relaying them again');
  return { checked, requeued };
}
