/**
 * This process's liveness, as Postgres sees it: a session advisory lock, held on a connection
 * of its own for as long as the process lives. When the process dies — kill -9, a crash, the end
 * of a shutdown that cut its last turns — Postgres ends the session and the lock goes with it.
 * Another process asks whether an owner is alive with `pg_try_advisory_xact_lock_shared(CLASS, id)`
 * in its own statement: it gets the lock only if the owner no longer holds it (issue 14: a turn cut
 * off mid-way runs again when the channel redelivers it; one still running elsewhere does not).
 * Shared, so that several such questions about the same dead owner at once (its turns, its
 * deliveries) do not take each other for the owner.
 *
 * The connection is one more than the pool's. If it drops (Postgres restarted), the lock is gone
 * until it reconnects and takes it again: meanwhile this process's turns in flight look ownerless
 * and a redelivery may run one again — the services' own idempotency (a purchase's key, a
 * cancellation's state) still holds then.
 */
import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { Db } from './pool.js';
import type { Logger } from '../logger.js';

/** The advisory-lock class of liveness locks (the two-int key space; 'CSPL'): no other lock of ours uses it. */
export const LIVENESS_LOCK_CLASS = 0x4353504c;

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export class ProcessLiveness {
  /** This process's id in `LIVENESS_LOCK_CLASS`: what processed_inbound.owner records. */
  readonly id = randomInt(1, 2 ** 31 - 1);
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private backoff = RECONNECT_MIN_MS;

  private constructor(
    private readonly options: pg.ClientConfig,
    private readonly logger: Logger,
  ) {}

  /** Holds the lock from here on (on the pool's database, with a connection of its own). */
  static async hold(db: Db, logger: Logger): Promise<ProcessLiveness> {
    const { connectionString, options, application_name: name } = db.options as pg.ClientConfig & { connectionString?: string };
    const liveness = new ProcessLiveness({ connectionString, options, application_name: `${name ?? 'csp-desk'}-liveness` }, logger);
    await liveness.connect();
    return liveness;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options);
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1, $2)', [LIVENESS_LOCK_CLASS, this.id]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.backoff = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.logger.warn({ err, liveness: this.id }, 'liveness connection to Postgres lost: this process\'s turns in flight may be run again on redelivery until it is back');
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().then(
        () => this.logger.info({ liveness: this.id }, 'liveness lock held again'),
        () => {
          this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
          this.reconnectLater();
        },
      );
    }, this.backoff);
    this.retry.unref();
  }

  /** Lets go (the end of a shutdown): from here on this process's unfinished turns may be taken over. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (!client) return;
    // Unlocked first: the session's own end releases it too, but only once its backend has exited.
    await client.query('SELECT pg_advisory_unlock($1, $2)', [LIVENESS_LOCK_CLASS, this.id]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
