/**
 * The worker process of the support benchmark (bench/support.ts): bot/worker.ts's
 * `startWorker` — outbox relay, the `support-tickets` filing job, notification delivery — on
 * the benchmark's schema and a BullMQ queue on Redis with a prefix of its own. The support desk
 * is configured as the worker reads it (services/config.ts): SUPPORT_DESK (embedded | zendesk),
 * and for Zendesk ZENDESK_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN, SUPPORT_DESK_TIMEOUT_MS; like
 * OUTBOX_RELAY_INTERVAL_MS, WORKER_CONCURRENCY and DATABASE_POOL_MAX they are taken from the
 * environment the parent gives it, defaults otherwise.
 *
 * The statement counts, the IPC (`stats`, `reset`, `queues`, `memory` — the parent starts it
 * with --expose-gc), `READY` and SIGTERM are those of every bench worker (./worker-ipc.ts); its
 * own requests: `pause` / `resume` → the `support-tickets` queue paused (jobs pile up, nothing
 * is filed) and resumed.
 *
 * argv: <databaseUrl> <schema> <queuePrefix> <redisUrl>
 */
import { QUEUES } from '../services/jobs/queues.js';
import { runBenchWorker } from './worker-ipc.js';

const [databaseUrl = '', schema = 'public', prefix = 'bench-support', redisUrl = 'redis://127.0.0.1:6379'] = process.argv.slice(2);

runBenchWorker({
  databaseUrl,
  schema,
  prefix,
  redisUrl,
  passThrough: ['SUPPORT_DESK', 'ZENDESK_URL', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN', 'SUPPORT_DESK_TIMEOUT_MS'],
  requests: (jobs) => {
    const filingQueue = jobs.queue(QUEUES.supportTickets);
    return {
      pause: async () => {
        await filingQueue.pause();
        return {};
      },
      resume: async () => {
        await filingQueue.resume();
        return {};
      },
    };
  },
});
