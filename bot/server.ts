/**
 * Composition root of the `bot` process (HTTP): config → database → domain (the same one
 * the worker builds, services/domain.ts) → adapters → dialogs → routes, in one readable
 * place (as BotBuilder's core-bot index.ts).
 * `npm run start:bot` runs this file; `npm start` (bot/start-local.ts) composes the
 * same pieces together with the worker and the local chat client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { CloudAdapter } from 'botbuilder';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../services/config.js';
import { createLogger, logDestination, type Logger } from '../services/logger.js';
import type { Db } from '../services/db/pool.js';
import { ProcessLiveness } from '../services/db/liveness.js';
import { createDomain, keyCipherFor, openCommerce } from '../services/domain.js';
import type { CommerceBackend } from '../services/commerce/port.js';
import { DialogRunner, type Flow } from '../dialogs/runner.js';
import { PrefetchedStorage } from '../dialogs/prefetched-storage.js';
import { CancelDialog } from '../dialogs/cancel.js';
import { RolesDialog } from '../dialogs/roles.js';
import { BuyDialog } from '../dialogs/buy.js';
import { OrdersDialog } from '../dialogs/orders.js';
import { SoftwareDialog } from '../dialogs/software.js';
import { SupportDialog } from '../dialogs/support.js';
import { CustomerStepDialog } from '../dialogs/customer-step.js';
import { ActivityDialog } from '../dialogs/activity.js';
import { createActivityChannel } from './activity-channel.js';
import { createExportRouter } from './http/exports.js';
import { EmbeddedArtifactStore, SignedUrlArtifactStore, type ArtifactStore } from '../services/software/artifacts.js';
import { createDownloadLimiter, createDownloadRouter } from './http/downloads.js';
import { TeamsPersonalChat } from './teams/personal-chat.js';
import { createHttpApp, finishHttpApp } from './http/app.js';
import { createDrain } from './http/drain.js';
import { PostgresStorage } from './postgres-storage.js';
import { createSlackSide, type SlackSide } from './slack/app.js';
import { createSupportChannel } from './support-channel.js';
import { createTeamsAdapter } from './teams/adapter.js';
import { TeamsBot } from './teams/bot.js';

export interface BotServer {
  url: string;
  server: http.Server;
  teamsAdapter: CloudAdapter;
  slack: SlackSide | null;
  /** Stop taking requests, let in-flight turns finish (bounded), then stop. */
  close(timeoutMs?: number): Promise<void>;
}

export interface BotServerDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** Throws when the job backend is unreachable (for /readyz). */
  queuePing: () => Promise<void>;
  /** Redis (REDIS_URL): the download budget is shared by all bot processes; else per process. */
  redis?: Redis;
  flows?: readonly Flow[];
  /** The commerce backend `openCommerce` opened (start-local shares one with the worker); opened here when left out. */
  commerce?: CommerceBackend;
}

function artifactStoreFor(config: Config, db: Db): ArtifactStore {
  return config.artifactStore
    ? new SignedUrlArtifactStore({ baseUrl: config.artifactStore.url, signingKey: config.artifactStore.signingKey })
    : new EmbeddedArtifactStore({
        productTitle: async (productId) => (await db.query<{ title: string }>('SELECT title FROM products WHERE id = $1', [productId])).rows[0]?.title ?? null,
      });
}

export async function startBotServer(deps: BotServerDeps): Promise<BotServer> {
  const { config, db, logger } = deps;
  // Download links point to PUBLIC_URL, else to the address this server listens on (known after listen()).
  let listeningUrl = '';
  const publicUrl = () => config.publicUrl ?? listeningUrl;
  const commerce = deps.commerce ?? (await openCommerce({ config, db, logger })).commerce;
  const domain = createDomain({ config, db, logger, cipher: await keyCipherFor(config), publicUrl, commerce });
  const { purchases, customers, software } = domain;
  const teamsAdapter = createTeamsAdapter(config.teams, logger);
  // The support form's contact details and files, as each channel gives them. Files from loopback
  // addresses (the Playground, the Emulator, tests) only in emulator mode — no Teams app id — and never in production.
  const supportChannel = createSupportChannel({ slack: config.slack, allowLoopback: config.env !== 'production' && !config.teams.appId, logger });
  const personalChat = new TeamsPersonalChat({ db, adapter: teamsAdapter, botAppId: config.teams.appId ?? '', logger });
  const flows: Flow[] = deps.flows
    ? [...deps.flows]
    : [
        { command: 'buy', dialog: new BuyDialog(purchases, customers) },
        { command: 'orders', dialog: new OrdersDialog(purchases) },
        { command: 'keys', dialog: new SoftwareDialog(software, personalChat) },
        { command: 'cancel', dialog: new CancelDialog(domain.cancellations) },
        { command: 'roles', dialog: new RolesDialog(domain.roles) },
        { command: 'support', dialog: new SupportDialog(domain.support, supportChannel) },
        {
          command: 'activity',
          dialog: new ActivityDialog({
            query: domain.activityView.query, exporter: domain.activityView.export, links: domain.activityView.links, customers,
            channel: createActivityChannel({ slack: config.slack, logger }), personalChat, publicUrl, retentionMonths: config.activityRetentionMonths, logger,
          }),
        },
      ];
  // The steps flows begin as child dialogs: the customer step (R1) of buy, orders, keys and cancel.
  const steps = [new CustomerStepDialog(customers)];
  // While this process lives it owns its turns in flight; once it is gone, a redelivery runs them again.
  const liveness = await ProcessLiveness.hold(db, logger);
  const runner = new DialogRunner({ storage: new PrefetchedStorage(new PostgresStorage(db)), directory: domain.partners, access: domain.access, flows, steps, logger, liveness });
  const teamsBot = new TeamsBot(runner, logger);
  const drain = createDrain();
  const app = createHttpApp({
    drain,
    trustProxy: config.trustProxy,
    teamsAdapter,
    teamsBot,
    logger,
    readiness: {
      postgres: async () => {
        await db.query('SELECT 1');
      },
      queue: deps.queuePing,
    },
  });
  app.use(createDownloadRouter({
    redeem: (token, client) => software.redeem(token, client),
    inspect: (token) => software.inspect(token),
    artifacts: artifactStoreFor(config, db),
    logger,
    limiter: createDownloadLimiter({ perMinute: config.downloadsPerMinute, ...(deps.redis ? { redis: deps.redis, keyPrefix: `${config.queue.prefix}:downloads` } : {}) }),
  }));
  app.use(createExportRouter({
    links: domain.activityView.links,
    exporter: domain.activityView.export,
    logger,
    limiter: createDownloadLimiter({ perMinute: config.downloadsPerMinute, ...(deps.redis ? { redis: deps.redis, keyPrefix: `${config.queue.prefix}:exports` } : {}) }),
  }));
  const slack = createSlackSide({ config: config.slack, expressApp: app, runner, logger });
  if (!slack || slack.socketMode) {
    app.post('/slack/events', (_req, res) => {
      res.status(503).json({ error: slack ? 'Slack runs in Socket Mode on this bot' : 'Slack is not configured on this bot (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN)' });
    });
  }
  finishHttpApp(app, logger);
  if (slack?.socketMode) await slack.app.start();

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  listeningUrl = url.replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, 'http://localhost');
  logger.info({ url, teams: config.teams.appId ? 'authenticated' : 'emulator mode (no app id)', slack: slack ? (slack.socketMode ? 'socket mode' : 'http') : 'off' }, 'bot listening');

  return {
    url,
    server,
    teamsAdapter,
    slack,
    close: async (timeoutMs = config.shutdownTimeoutMs) => {
      // New requests, kept-alive connections' too, are turned away from here on (503); those in flight finish.
      drain.begin();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const bound = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([Promise.all([closed, slack?.drain()]), bound]);
      server.closeAllConnections();
      if (slack?.socketMode) await slack.app.stop();
      // Last: the turns cut off above are run again when their channel redelivers them.
      await liveness.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'bot' }, await logDestination({ production: config.env === 'production' }));
  // Loaded here so that tests of startBotServer do not pull in the runtime (embedded Postgres, jobs).
  const { openRuntime, installShutdown } = await import('./runtime.js');
  const runtime = await openRuntime(config, logger, { role: 'bot' });
  // Shared 429 budgets for download links. Fails fast while Redis is away or hangs (no offline
  // queue, a command timeout), and the limiter then uses its per-process budget.
  const redis = config.queue.redisUrl ? new Redis(config.queue.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, connectionName: `${config.queue.prefix}:ratelimit` }) : undefined;
  redis?.on('error', (err: Error) => logger.warn({ err }, 'rate-limit redis connection error'));
  // Signals are handled from here on, also while the server is still starting.
  const running: { bot?: BotServer } = {};
  installShutdown(logger, async () => {
    await running.bot?.close();
    redis?.disconnect();
    await runtime.close();
  });
  running.bot = await startBotServer({ config, db: runtime.db, logger, queuePing: runtime.queuePing, ...(redis ? { redis } : {}) });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
