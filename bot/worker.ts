/**
 * Composition root of the `worker` process: the domain (the same one the bot builds,
 * services/domain.ts), the channel senders, BullMQ processors and the outbox relay.
 * `npm run start:worker` runs this file; `npm start` runs it inside the local
 * all-in-one process. Stateless: run as many as you like against one Postgres and
 * one Redis.
 */
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../services/config.js';
import { createLogger, logDestination, type Logger } from '../services/logger.js';
import type { Db } from '../services/db/pool.js';
import type { ProcessLiveness } from '../services/db/liveness.js';
import type { JobBackend } from '../services/jobs/queues.js';
import { markJobSettled, OutboxRelay, requeueLostJobs } from '../services/jobs/outbox.js';
import { startWorkers } from '../services/jobs/worker-host.js';
import { createDeliverNotification } from '../services/notifications/deliver.js';
import { PostgresDeliveryRateLimiter } from '../services/notifications/rate-limit.js';
import { CancellationTracker } from '../services/cancellation/tracking.js';
import type { CommerceBackend } from '../services/commerce/port.js';
import { createDomain, openCommerce } from '../services/domain.js';
import type { PartnerCenterConnection } from '../services/partner-center/connect.js';
import { DEFAULT_RETENTION, pruneExpired } from '../services/maintenance.js';
import { createExpireLinkProcessor } from '../services/software/link-expiry.js';
import { SupportFiling } from '../services/support/filing.js';
import { renderNotification } from './notifications.js';
import { SlackSender } from './slack/sender.js';
import { createTeamsAdapter } from './teams/adapter.js';
import { TeamsSender } from './teams/sender.js';

/** How often the worker looks for Partner Center markets whose cached catalog is due. */
const CATALOG_CHECK_INTERVAL_MS = 15 * 60_000;

export interface WorkerProcess {
  relay: OutboxRelay;
  /** Stop the relay and intake, let running jobs finish up to the bound. */
  close(timeoutMs?: number): Promise<void>;
}

export function startWorker(deps: {
  config: Config;
  db: Db;
  jobs: JobBackend;
  logger: Logger;
  /** The process's liveness lock: a delivery lease of a worker killed mid-delivery is free at once. */
  liveness?: Pick<ProcessLiveness, 'id'>;
  /** What `openCommerce` opened (required for COMMERCE_BACKEND=partner-center: its catalog is refreshed here). */
  commerce?: { commerce: CommerceBackend; partnerCenter?: PartnerCenterConnection };
}): WorkerProcess {
  const { config, db, jobs, logger } = deps;
  // The domain the bot uses, less the activation-key cipher (the worker shows no keys): the
  // cancellation tracking job revokes keys (no cipher needed) and asks the commerce backend.
  const domain = createDomain({ config, db, logger, ...(deps.commerce ? { commerce: deps.commerce.commerce } : {}) });
  const tracker = new CancellationTracker({
    db, commerce: domain.commerce, ledger: domain.ledger, software: domain.software, notifications: domain.notifications, activity: domain.activity,
    logger: logger.child({ component: 'cancellations' }), deadlineMinutes: config.cancellation.deadlineMinutes,
  });
  const filing = new SupportFiling({
    db, desk: domain.supportDesk, notifications: domain.notifications, activity: domain.activity, logger: logger.child({ component: 'support' }),
  });
  logger.debug({ commerce: domain.commerce.name, supportDesk: domain.supportDesk.name }, 'worker domain ready');
  const teamsAdapter = createTeamsAdapter(config.teams, logger);
  const senders = {
    msteams: new TeamsSender({ adapter: teamsAdapter, botAppId: config.teams.appId ?? '', logger }),
    ...(config.slack.botToken ? { slack: new SlackSender({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger }) } : {}),
  };
  const workers = startWorkers(
    jobs,
    {
      notifications: createDeliverNotification({
        db, senders, render: renderNotification, rateLimiter: new PostgresDeliveryRateLimiter(db), logger, ...(deps.liveness ? { liveness: deps.liveness } : {}),
      }),
      'link-expiry': createExpireLinkProcessor({ db, logger }),
      'cancellation-tracking': tracker.processor(),
      'support-tickets': filing.processor(),
    },
    { concurrency: config.queue.concurrency, logger, lockDuration: config.queue.jobLockMs, settled: (queue, jobId) => markJobSettled(db, queue, jobId) },
  );
  // Listening: an intent committed by any process (a bot's submit, this worker's jobs) is relayed at once.
  const relay = new OutboxRelay({ db, backend: jobs, logger, intervalMs: config.queue.outboxRelayIntervalMs, listen: true });
  relay.start();
  const housekeeping = every(3_600_000, () => pruneExpired(db, new Date(), { ...DEFAULT_RETENTION, activityLogMonths: config.activityRetentionMonths }).then((removed) => logger.debug({ removed }, 'housekeeping')), 'housekeeping failed; next try in an hour', logger);
  // Cancellations whose tracking job was lost (failed for good, stalled twice, gone with Redis's data) get a new one.
  const sweeping = every(5 * 60_000, () => tracker.sweep().then(() => undefined), 'the cancellation sweep failed; next try in five minutes', logger);
  // Any job intent relayed but never settled whose job the queue lost (Redis restarted empty) is relayed again.
  const outboxSweeping = every(config.queue.outboxSweepIntervalMs, () => requeueLostJobs(db, jobs, logger).then(() => undefined), 'the outbox sweep failed; it runs again at its next interval', logger);
  // Partner Center: every market whose cached catalog passed its staleness bound (PARTNER_CENTER_CATALOG_REFRESH_HOURS), or a new customer's market never read, is read again.
  const partnerCenter = deps.commerce?.partnerCenter;
  const stopCatalog = new AbortController();
  const catalogRefreshing = partnerCenter
    ? every(CATALOG_CHECK_INTERVAL_MS, () => partnerCenter.refreshDueMarkets(stopCatalog.signal).then(() => undefined), 'the Partner Center catalog refresh failed; next try in 15 minutes', logger)
    : undefined;
  // Support requests whose filing job was lost likewise.
  const supportSweeping = every(5 * 60_000, () => filing.sweep().then(() => undefined), 'the support-request sweep failed; next try in five minutes', logger);
  logger.info({ queues: [...workers.workers.keys()], concurrency: config.queue.concurrency, backend: jobs.kind }, 'worker running');
  return {
    relay,
    close: async (timeoutMs = config.shutdownTimeoutMs) => {
      await housekeeping.stop();
      await sweeping.stop();
      await supportSweeping.stop();
      // A refresh under way ends after the market it is reading.
      stopCatalog.abort();
      await catalogRefreshing?.stop();
      await outboxSweeping.stop();
      await relay.stop();
      const { forced } = await workers.close(timeoutMs);
      if (forced) logger.warn('jobs still running at shutdown were handed back (their locks expire and another worker retries them)');
    },
  };
}

/** Runs `task` now and every `ms`, never overlapping; a failure is logged and waits for the next turn. */
function every(ms: number, task: () => Promise<void>, failed: string, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = task().catch((err: unknown) => logger.warn({ err }, failed));
  };
  run();
  const timer = setInterval(() => {
    void running.then(run);
  }, ms);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' }, await logDestination({ production: config.env === 'production' }));
  const { openRuntime, installShutdown } = await import('./runtime.js');
  const runtime = await openRuntime(config, logger, { role: 'worker' });
  // Signals are handled from here on, also while the worker is still starting.
  const running: { worker?: WorkerProcess } = {};
  installShutdown(logger, async () => {
    await running.worker?.close();
    await runtime.close();
  });
  running.worker = startWorker({ config, db: runtime.db, jobs: runtime.jobs, logger, liveness: runtime.liveness, commerce: await openCommerce({ config, db: runtime.db, logger }) });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
