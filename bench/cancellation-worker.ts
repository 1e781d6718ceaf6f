/**
 * The worker process of the cancellation benchmark (bench/cancellations.ts): bot/worker.ts's
 * `startWorker` — outbox relay, `cancellation-tracking`, notification delivery — on the
 * benchmark's schema and a job backend of its own (`redis`: BullMQ on Redis; `postgres`:
 * BullMQ's PostgreSQL backend), with the embedded commerce backend's cancellation delay at 0.
 * Configuration as the worker reads it (services/config.ts), defaults except
 * EMBEDDED_CANCELLATION_DELAY_MS=0; OUTBOX_RELAY_INTERVAL_MS, WORKER_CONCURRENCY and
 * DATABASE_POOL_MAX are taken from the environment when set.
 *
 * The domain pool's statements are counted per job queue (./count-queries.ts); the parent asks
 * over IPC: `{ type: 'stats' }` → statements per scope and statement, `{ type: 'reset' }`,
 * `{ type: 'queues' }` → BullMQ job counts per queue. Prints `READY` once started; stops on
 * SIGTERM.
 *
 * argv: <databaseUrl> <schema> <redis|postgres> <queuePrefix> <redisUrl>
 */
import { loadConfig } from '../services/config.js';
import { createLogger, currentCorrelationId } from '../services/logger.js';
import { createPool } from '../services/db/pool.js';
import { createJobBackend, QUEUE_NAMES } from '../services/jobs/queues.js';
import { startWorker } from '../bot/worker.js';
import { countQueries } from './count-queries.js';

const [databaseUrl = '', schema = 'public', kind = 'redis', prefix = 'bench', redisUrl = 'redis://127.0.0.1:6379'] = process.argv.slice(2);

const passThrough = ['OUTBOX_RELAY_INTERVAL_MS', 'WORKER_CONCURRENCY', 'DATABASE_POOL_MAX'] as const;
const config = loadConfig({
  LOG_LEVEL: 'silent',
  SHUTDOWN_TIMEOUT_MS: '2000',
  EMBEDDED_CANCELLATION_DELAY_MS: '0',
  DATABASE_SCHEMA: schema,
  QUEUE_PREFIX: prefix,
  ...Object.fromEntries(passThrough.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
});
const logger = createLogger({ level: 'silent' });
const pool = createPool({ url: databaseUrl, schema, max: config.database.poolMax, applicationName: 'csp-desk-worker' });
/** `job:<queue>` inside a job (the job host's correlation id is `job:<queue>:<jobId>`), else the relay / housekeeping. */
const counter = countQueries(pool, () => {
  const id = currentCorrelationId();
  return id?.startsWith('job:') ? id.split(':').slice(0, 2).join(':') : 'outside jobs (outbox relay, housekeeping)';
});
const jobs = createJobBackend({ redisUrl: kind === 'redis' ? redisUrl : undefined, postgresUrl: databaseUrl, prefix, logger });
const worker = startWorker({ config, db: counter.db, jobs, logger });

process.on('message', (msg: { type?: string }) => {
  void (async () => {
    switch (msg.type) {
      case 'stats': {
        const statements = [...counter.byStatement()].map(([scope, per]) => [scope, [...per]] as const);
        process.send?.({ type: 'stats', statements });
        return;
      }
      case 'reset':
        counter.reset();
        process.send?.({ type: 'reset' });
        return;
      case 'queues': {
        const counts = await Promise.all(QUEUE_NAMES.map(async (q) => [q, await jobs.queue(q).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed')] as const));
        process.send?.({ type: 'queues', counts });
        return;
      }
    }
  })().catch((err: unknown) => process.send?.({ type: 'error', message: String(err) }));
});

process.on('SIGTERM', () => {
  void worker.close(2000)
    .then(() => jobs.close())
    .then(() => pool.end())
    .finally(() => process.exit(0));
});

console.log(`READY ${config.queue.outboxRelayIntervalMs} ${config.queue.concurrency} ${config.database.poolMax}`);
