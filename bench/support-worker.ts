/**
 * The worker process of the support benchmark (bench/support.ts): bot/worker.ts's
 * `startWorker` — outbox relay, the `support-tickets` filing job, notification delivery — on
 * the benchmark's schema and a BullMQ queue on Redis with a prefix of its own. The support desk
 * is configured as the worker reads it (services/config.ts): SUPPORT_DESK (embedded | zendesk),
 * and for Zendesk ZENDESK_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN, SUPPORT_DESK_TIMEOUT_MS; like
 * OUTBOX_RELAY_INTERVAL_MS, WORKER_CONCURRENCY and DATABASE_POOL_MAX they are taken from the
 * environment the parent gives it, defaults otherwise.
 *
 * The domain pool's statements are counted per job queue (./count-queries.ts). The parent asks
 * over IPC: `stats` → statements per scope and statement; `reset`; `queues` → BullMQ job counts
 * per queue; `pause` / `resume` → the `support-tickets` queue paused (jobs pile up, nothing is
 * filed) and resumed; `memory` → this process's RSS, its peak and the heap after a full garbage
 * collection (the parent starts it with --expose-gc). Prints
 * `READY <desk> <relay ms> <concurrency> <pool max>` once started; stops on SIGTERM.
 *
 * argv: <databaseUrl> <schema> <queuePrefix> <redisUrl>
 */
import { loadConfig } from '../services/config.js';
import { createLogger, currentCorrelationId } from '../services/logger.js';
import { createPool } from '../services/db/pool.js';
import { createJobBackend, QUEUE_NAMES, QUEUES } from '../services/jobs/queues.js';
import { startWorker } from '../bot/worker.js';
import { countQueries } from './count-queries.js';

const [databaseUrl = '', schema = 'public', prefix = 'bench-support', redisUrl = 'redis://127.0.0.1:6379'] = process.argv.slice(2);

const passThrough = [
  'SUPPORT_DESK', 'ZENDESK_URL', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN', 'SUPPORT_DESK_TIMEOUT_MS',
  'OUTBOX_RELAY_INTERVAL_MS', 'WORKER_CONCURRENCY', 'DATABASE_POOL_MAX',
] as const;
const config = loadConfig({
  LOG_LEVEL: 'silent',
  SHUTDOWN_TIMEOUT_MS: '2000',
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
const jobs = createJobBackend({ redisUrl, postgresUrl: databaseUrl, prefix, logger });
const worker = startWorker({ config, db: counter.db, jobs, logger });
const filingQueue = jobs.queue(QUEUES.supportTickets);

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
      case 'pause':
        await filingQueue.pause();
        process.send?.({ type: 'pause' });
        return;
      case 'resume':
        await filingQueue.resume();
        process.send?.({ type: 'resume' });
        return;
      case 'memory': {
        (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        // maxRSS is in kilobytes.
        process.send?.({ type: 'memory', rssMb: rss / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024, heapMb: heapUsed / 2 ** 20 });
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

console.log(`READY ${config.support.desk.kind} ${config.queue.outboxRelayIntervalMs} ${config.queue.concurrency} ${config.database.poolMax}`);
