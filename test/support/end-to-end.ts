/**
 * The end-to-end setting of the proactive paths (a cancellation finished, a support ticket
 * filed, a role granted): a schema of its own, the real bot against the fake Bot Connector,
 * and a worker started when the test says so. Call inside a `describe`: it registers the hooks
 * and tears everything down after.
 */
import { startWorker, type WorkerProcess } from '../../bot/worker.js';
import { loadConfig } from '../../services/config.js';
import type { Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { seedDemoData } from '../../services/seed/demo.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { TestBackends, isolatedDb, type BackendKind } from '../jobs/support.js';
import { startTestBot, type TestBot } from './bot-harness.js';

export interface EndToEnd {
  readonly db: Db;
  readonly connector: FakeBotConnector;
  readonly bot: TestBot;
  /** The bot again after the test closed it (a restart). */
  restartBot(): Promise<TestBot>;
  /** A worker on a queue backend of `kind`, with short relay and shutdown times plus `env`; closed after the tests. */
  startWorker(env?: Record<string, string>, kind?: BackendKind): WorkerProcess;
}

export function endToEnd(label: string, opts: { seedDemo?: boolean } = {}): EndToEnd {
  const backends = new TestBackends();
  let isolated: { db: Db; drop: () => Promise<void> };
  let connector: FakeBotConnector;
  let bot: TestBot;
  let worker: WorkerProcess | undefined;

  before(async () => {
    isolated = await isolatedDb(label);
    if (opts.seedDemo) await seedDemoData(isolated.db, { logger: createLogger({ level: 'silent' }) });
    connector = await startFakeBotConnector();
    bot = await startTestBot({ db: isolated.db });
  });
  after(async () => {
    await worker?.close(2000);
    await bot.close();
    await backends.cleanup();
    await connector.close();
    await isolated.drop();
  });

  return {
    get db() {
      return isolated.db;
    },
    get connector() {
      return connector;
    },
    get bot() {
      return bot;
    },
    restartBot: async () => {
      bot = await startTestBot({ db: isolated.db });
      return bot;
    },
    startWorker: (env = {}, kind = 'postgres') => {
      const config = loadConfig({ OUTBOX_RELAY_INTERVAL_MS: '100', WORKER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '2000', ...env });
      worker = startWorker({ config, db: isolated.db, jobs: backends.create(kind), logger: createLogger({ level: 'silent' }) });
      return worker;
    },
  };
}
