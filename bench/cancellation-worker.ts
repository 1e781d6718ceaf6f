/**
 * The worker process of the cancellation benchmark (bench/cancellations.ts): bot/worker.ts's
 * `startWorker` — outbox relay, `cancellation-tracking`, notification delivery — on the
 * benchmark's schema and a job backend of its own (`redis`: BullMQ on Redis; `postgres`:
 * BullMQ's PostgreSQL backend), with the embedded commerce backend's cancellation delay at 0.
 * Configuration as the worker reads it (services/config.ts), defaults except
 * EMBEDDED_CANCELLATION_DELAY_MS=0; OUTBOX_RELAY_INTERVAL_MS, WORKER_CONCURRENCY and
 * DATABASE_POOL_MAX are taken from the environment when set.
 *
 * The statement counts, the IPC (`stats`, `reset`, `queues`), `READY` and SIGTERM are those of
 * every bench worker (./worker-ipc.ts).
 *
 * argv: <databaseUrl> <schema> <redis|postgres> <queuePrefix> <redisUrl>
 */
import { runBenchWorker } from './worker-ipc.js';

const [databaseUrl = '', schema = 'public', kind = 'redis', prefix = 'bench', redisUrl = 'redis://127.0.0.1:6379'] = process.argv.slice(2);

runBenchWorker({
  databaseUrl,
  schema,
  prefix,
  redisUrl: kind === 'redis' ? redisUrl : undefined,
  settings: { EMBEDDED_CANCELLATION_DELAY_MS: '0' },
});
