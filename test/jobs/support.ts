/**
 * Test support for job and notification tests: both queue backends (Redis with a unique
 * key prefix, BullMQ's PostgreSQL backend with a unique schema), an isolated Postgres
 * schema per spec file (so relays only ever see this file's outbox rows), polling, and
 * cleanup.
 */
import net from 'node:net';
import pg from 'pg';
import type { JobsOptions } from 'bullmq';
import { migrate } from '../../services/db/migrate.js';
import { createPool, type Db } from '../../services/db/pool.js';
import { createLogger, type Logger } from '../../services/logger.js';
import { createJobBackend, type JobBackend, type QueueName } from '../../services/jobs/queues.js';
import { deleteQueueData } from '../support/queue-data.js';
import { RUN_ID, TEST_DATABASE_URL, TEST_QUEUE_PREFIX, TEST_REDIS_URL } from '../setup.js';

export const silentLogger: Logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export type BackendKind = 'redis' | 'postgres';
export const BACKEND_KINDS: BackendKind[] = ['redis', 'postgres'];

let prefixCounter = 0;

/** A queue prefix no other test uses. */
export function uniquePrefix(): string {
  prefixCounter += 1;
  return `${TEST_QUEUE_PREFIX}-${prefixCounter}`;
}

/** Creates backends with prefixes unique to this run; `cleanup()` closes them and deletes their data. */
export class TestBackends {
  private readonly created: Array<{ backend: JobBackend; kind: BackendKind; prefix: string }> = [];

  create(kind: BackendKind, opts: { prefix?: string; redisUrl?: string; jobOptions?: Partial<Record<QueueName, JobsOptions>> } = {}): JobBackend {
    const prefix = opts.prefix ?? uniquePrefix();
    const backend = createJobBackend({
      redisUrl: kind === 'redis' ? (opts.redisUrl ?? TEST_REDIS_URL) : undefined,
      postgresUrl: TEST_DATABASE_URL,
      prefix,
      logger: silentLogger,
      jobOptions: opts.jobOptions,
    });
    this.created.push({ backend, kind, prefix });
    return backend;
  }

  async cleanup(): Promise<void> {
    const all = this.created.splice(0);
    await Promise.allSettled(all.map((c) => c.backend.close()));
    if (process.env.KEEP_TEST_SCHEMA) return;
    const urls = { databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL };
    for (const kind of ['redis', 'postgres'] as const) {
      await deleteQueueData(kind, [...new Set(all.filter((c) => c.kind === kind).map((c) => c.prefix))], urls);
    }
  }
}

/** A freshly migrated schema of its own, for tests whose relays must not see other rows. */
export async function isolatedDb(label: string): Promise<{ db: Db; schema: string; drop: () => Promise<void> }> {
  const schema = `t_${RUN_ID}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  await migrate({ url: TEST_DATABASE_URL, schema });
  const db = createPool({ url: TEST_DATABASE_URL, schema, max: 10 });
  return {
    db,
    schema,
    drop: async () => {
      await db.end();
      if (process.env.KEEP_TEST_SCHEMA) return;
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Poll until `fn` returns a truthy value (or throw after `timeoutMs`). */
export async function eventually<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
