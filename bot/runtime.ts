/**
 * What every process (bot, worker, the local all-in-one) opens first: Postgres
 * (embedded when DATABASE_URL is unset), migrations, demo data, bootstrap admins and
 * the job backend (Redis when REDIS_URL is set, else BullMQ's Postgres backend).
 */
import type { Config } from '../services/config.js';
import type { Logger } from '../services/logger.js';
import { createPool, type Db } from '../services/db/pool.js';
import { migrate } from '../services/db/migrate.js';
import { startEmbeddedPostgres } from '../services/db/embedded.js';
import { PartnerDirectory } from '../services/access/directory.js';
import { ProcessLiveness } from '../services/db/liveness.js';
import { seedDemoData } from '../services/seed/demo.js';
import { createJobBackend, type JobBackend } from '../services/jobs/queues.js';

export interface Runtime {
  db: Db;
  databaseUrl: string;
  jobs: JobBackend;
  /** This process's liveness lock (services/db/liveness.ts): the worker's delivery leases name it. */
  liveness: ProcessLiveness;
  queuePing: () => Promise<void>;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger, opts: { role: string }): Promise<Runtime> {
  const embedded = config.database.url ? null : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.database.embeddedPort, logger });
  const databaseUrl = config.database.url ?? embedded!.url;
  const applied = await migrate({ url: databaseUrl, schema: config.database.schema, logger });
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const db = createPool({ url: databaseUrl, schema: config.database.schema, max: config.database.poolMax, applicationName: `csp-desk-${opts.role}` });
  if (config.seedDemoData) await seedDemoData(db, { logger });
  await new PartnerDirectory(db).bootstrapGlobalAdmins(config.bootstrapGlobalAdmins);
  const liveness = await ProcessLiveness.hold(db, logger);
  const jobs = createJobBackend({ redisUrl: config.queue.redisUrl, postgresUrl: databaseUrl, prefix: config.queue.prefix, logger });
  logger.info({ queue: config.queue.redisUrl ? 'redis' : 'postgres (BullMQ Postgres backend)', database: embedded ? 'embedded' : 'external' }, 'runtime ready');
  return {
    db,
    databaseUrl,
    jobs,
    liveness,
    queuePing: () => jobs.ping(),
    close: async () => {
      await jobs.close();
      await liveness.close();
      await db.end();
      await embedded?.stop();
    },
  };
}

/** SIGTERM/SIGINT → `stop` once (bounded by the caller), then exit. A second signal exits at once. */
export function installShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stoppingSince = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince) {
      // The same Ctrl+C often arrives twice (from the terminal and relayed by npm/tsx).
      if (Date.now() - stoppingSince < 2000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
