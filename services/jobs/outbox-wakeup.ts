/**
 * Wakes outbox relays when job intents are committed, in whatever process wrote them: every
 * `enqueueInTx` also sends a Postgres NOTIFY on OUTBOX_CHANNEL, which Postgres delivers only
 * when (and if) the writing transaction commits. A relay listening on a connection of its own
 * runs a tick at once instead of at its next poll — a cancellation submitted on a bot reaches
 * the worker's queue in milliseconds rather than up to OUTBOX_RELAY_INTERVAL_MS later.
 *
 * The polling interval stays the safety net: a notification lost while the listening
 * connection was down (Postgres restarted, a network blip) is made up by the next poll, and
 * by one tick right after the listener has reconnected.
 *
 * Channels are per database, schemas are not: the payload names the writer's schema
 * (current_schema()) and a listener ignores other schemas' intents (test runs share a
 * database, each in a schema of its own).
 */
import pg from 'pg';
import type { Db } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { withTimeout } from './queues.js';

export const OUTBOX_CHANNEL = 'csp_job_outbox';

export interface OutboxWakeupOptions {
  db: Db;
  /** Called when intents of this schema were committed (and once after each (re)connect). */
  onWake: () => void;
  logger: Logger;
  /** First wait before reconnecting after the connection is lost; doubles up to 30 s. */
  reconnectMs?: number;
  /** How often the listening connection is checked (a half-open connection notifies nothing and errs nowhere). */
  checkMs?: number;
}

export class OutboxWakeup {
  private client: pg.Client | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private schema: string | undefined;
  private connecting: Promise<void> | undefined;
  private check: NodeJS.Timeout | undefined;

  constructor(private readonly opts: OutboxWakeupOptions) {}

  /** Listen from now on; resolves once listening (or once the first attempt failed: it retries in the background). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.connect();
    this.check = setInterval(() => void this.checkAlive(), this.opts.checkMs ?? 60_000);
    this.check.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.check);
    this.check = undefined;
    // A connect under way ends its own connection once it sees `stopped`.
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Whether a listening connection is open (for tests and health). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** The listening connection's server process id (tests end it to see the reconnect). */
  get backendPid(): number | undefined {
    // pg sets it from the server's BackendKeyData; its types do not declare it.
    const pid: unknown = (this.client as unknown as { processID?: unknown } | undefined)?.processID;
    return typeof pid === 'number' ? pid : undefined;
  }

  private connect(): Promise<void> {
    this.connecting = this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** A round trip on the listening connection; a connection that does not answer within 10 s is treated as lost. */
  private async checkAlive(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await withTimeout(client.query('SELECT 1'), 10_000, 'the outbox listener');
    } catch (err) {
      this.lost(client, err);
    }
  }

  private async open(): Promise<void> {
    // The pool's own settings (connection string, search_path), on a connection outside the pool.
    const client = new pg.Client({ ...this.opts.db.options, application_name: 'csp-desk-outbox-listener', keepAlive: true });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      if (msg.channel === OUTBOX_CHANNEL && msg.payload === this.schema) this.opts.onWake();
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
      this.schema = rows[0]?.schema;
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.retry(err);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    // Whatever was committed while nobody listened.
    this.opts.onWake();
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.retry(err);
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    const wait = Math.min((this.opts.reconnectMs ?? 1000) * 2 ** Math.min(this.failures - 1, 10), 30_000);
    this.opts.logger.warn({ err, retryInMs: wait }, 'outbox: not listening for new job intents; polling meanwhile');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, wait);
    this.timer.unref();
  }
}
