/**
 * The worker process of an end-to-end benchmark part, its side (bench/cancellation-worker.ts,
 * bench/support-worker.ts; the parent's side is ./harness.ts): bot/worker.ts's `startWorker` —
 * outbox relay, the jobs, notification delivery — on the benchmark's schema and a queue prefix
 * of its own, configured as the worker reads it (services/config.ts): LOG_LEVEL silent,
 * SHUTDOWN_TIMEOUT_MS 2000, the part's own settings, and the variables the part lets through
 * from the environment its parent gives it (always OUTBOX_RELAY_INTERVAL_MS, WORKER_CONCURRENCY
 * and DATABASE_POOL_MAX); defaults otherwise.
 *
 * The domain pool's statements are counted per job queue (./count-queries.ts). The parent asks
 * over IPC, `{ type }` answered by `{ type, …reply }` (or `{ type: 'error', message }`):
 * `stats` → statements per scope and statement; `reset`; `queues` → BullMQ job counts per
 * queue; `memory` → this process's RSS, its peak and the heap (after a full garbage collection
 * when started with --expose-gc); and the part's own requests. Prints `READY <settings as JSON>`
 * (WorkerSettings) once started; stops on SIGTERM.
 */
import { loadConfig } from '../services/config.js';
import { createLogger, currentCorrelationId } from '../services/logger.js';
import { createPool } from '../services/db/pool.js';
import { createJobBackend, QUEUE_NAMES, type JobBackend } from '../services/jobs/queues.js';
import { startWorker } from '../bot/worker.js';
import { countQueries } from './count-queries.js';

/** What the worker answers to each request every bench worker takes. */
export interface WorkerReplies {
  /** scope (`job:<queue>`, or the relay and housekeeping) → statement → count. */
  stats: { statements: Array<[string, Array<[string, number]>]> };
  reset: object;
  /** queue → state → count. */
  queues: { counts: Array<[string, Record<string, number>]> };
  memory: { rssMb: number; peakRssMb: number; heapMb: number };
}

/** The worker's configuration as it prints it once started. */
export interface WorkerSettings { desk: string; relayIntervalMs: number; concurrency: number; poolMax: number }

/** The statements of the outbox relay and housekeeping: counted outside any job. */
export const OUTSIDE_JOBS = 'outside jobs (outbox relay, housekeeping)';

const TUNING = ['OUTBOX_RELAY_INTERVAL_MS', 'WORKER_CONCURRENCY', 'DATABASE_POOL_MAX'] as const;

export interface BenchWorkerOptions {
  databaseUrl: string;
  schema: string;
  /** QUEUE_PREFIX: the part's own, per run. */
  prefix: string;
  /** BullMQ on this Redis; undefined: BullMQ's PostgreSQL backend on the database. */
  redisUrl: string | undefined;
  /** Configuration variables fixed for this part. */
  settings?: Record<string, string>;
  /** Configuration variables taken from the environment when set, besides the tuning ones. */
  passThrough?: readonly string[];
  /** The part's own requests: name → its reply (the fields besides `type`). */
  requests?: (jobs: JobBackend) => Record<string, () => Promise<object> | object>;
}

/** Starts the worker and answers its parent until SIGTERM. */
export function runBenchWorker(opts: BenchWorkerOptions): void {
  const { databaseUrl, schema, prefix } = opts;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...opts.settings,
    DATABASE_SCHEMA: schema,
    QUEUE_PREFIX: prefix,
    ...Object.fromEntries([...(opts.passThrough ?? []), ...TUNING].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
  });
  const logger = createLogger({ level: 'silent' });
  const pool = createPool({ url: databaseUrl, schema, max: config.database.poolMax, applicationName: 'csp-desk-worker' });
  /** `job:<queue>` inside a job (the job host's correlation id is `job:<queue>:<jobId>`), else the relay / housekeeping. */
  const counter = countQueries(pool, () => {
    const id = currentCorrelationId();
    return id?.startsWith('job:') ? id.split(':').slice(0, 2).join(':') : OUTSIDE_JOBS;
  });
  const jobs = createJobBackend({ redisUrl: opts.redisUrl, postgresUrl: databaseUrl, prefix, logger });
  const worker = startWorker({ config, db: counter.db, jobs, logger });

  const replies: { [K in keyof WorkerReplies]: () => Promise<WorkerReplies[K]> | WorkerReplies[K] } = {
    stats: () => ({ statements: [...counter.byStatement()].map(([scope, per]): [string, Array<[string, number]>] => [scope, [...per]]) }),
    reset: () => {
      counter.reset();
      return {};
    },
    queues: async () => ({
      counts: await Promise.all(QUEUE_NAMES.map(async (q): Promise<[string, Record<string, number>]> => [q, await jobs.queue(q).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed')])),
    }),
    memory: () => {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      // maxRSS is in kilobytes.
      return { rssMb: rss / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024, heapMb: heapUsed / 2 ** 20 };
    },
  };
  const handlers = new Map<string, () => Promise<object> | object>(Object.entries({ ...replies, ...opts.requests?.(jobs) }));

  process.on('message', (msg: { type?: string }) => {
    const handler = msg.type === undefined ? undefined : handlers.get(msg.type);
    if (!handler) return;
    Promise.resolve().then(handler).then(
      (reply) => process.send?.({ type: msg.type, ...reply }),
      (err: unknown) => process.send?.({ type: 'error', message: String(err) }),
    );
  });

  process.on('SIGTERM', () => {
    void worker.close(2000)
      .then(() => jobs.close())
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });

  const settings: WorkerSettings = { desk: config.support.desk.kind, relayIntervalMs: config.queue.outboxRelayIntervalMs, concurrency: config.queue.concurrency, poolMax: config.database.poolMax };
  console.log(`READY ${JSON.stringify(settings)}`);
}
