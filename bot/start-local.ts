/**
 * `npm start`: everything a newcomer needs, in one command and with no configuration —
 * Postgres (embedded when DATABASE_URL is unset), the job backend (BullMQ on Postgres
 * when REDIS_URL is unset), migrations, demo data, the bot, the worker, and the
 * Microsoft 365 Agents Playground (a local Teams-like chat client) pointed at the bot.
 * With credentials in the environment it runs the same pieces against real services.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../services/config.js';
import { openCommerce } from '../services/domain.js';
import { createLogger, logDestination } from '../services/logger.js';
import { startPlayground } from './playground.js';
import { installShutdown, openRuntime } from './runtime.js';
import { startBotServer, type BotServer } from './server.js';
import { startWorker, type WorkerProcess } from './worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'local' }, await logDestination({ production: config.env === 'production' }));
  const runtime = await openRuntime(config, logger, { role: 'local' });
  // Signals are handled from here on, also while the rest is still starting.
  const running: { stopping: boolean; bot?: BotServer; worker?: WorkerProcess; playground?: ChildProcess } = { stopping: false };
  installShutdown(logger, async () => {
    running.stopping = true;
    running.playground?.kill('SIGTERM');
    await running.bot?.close();
    await running.worker?.close();
    await runtime.close();
  });
  stopWhenOrphaned();
  const commerce = await openCommerce({ config, db: runtime.db, logger });
  const bot = await startBotServer({ config, db: runtime.db, logger, queuePing: runtime.queuePing, commerce: commerce.commerce });
  running.bot = bot;
  running.worker = startWorker({ config, db: runtime.db, jobs: runtime.jobs, logger, liveness: runtime.liveness, commerce });
  const botUrl = bot.url.replace('127.0.0.1', 'localhost');
  running.playground = startPlayground(bot.url, config.playgroundPort, (code) => {
    if (!running.stopping) logger.warn({ code }, 'the Agents Playground stopped; the bot keeps running (npm run playground restarts it)');
  });

  const chat = `http://localhost:${config.playgroundPort}`;
  const lines = [
    '',
    '  CSP Software Desk is running.',
    '',
    `  Chat with it:   ${chat}   (Microsoft 365 Agents Playground — a local Teams client)`,
    `                  type "help"; you are Alex Wilber, Admin agent and Global admin of the demo partner`,
    `  Bot endpoint:   ${botUrl}/api/messages   (Teams)   ${config.slack.signingSecret && config.slack.botToken ? `${botUrl}/slack/events   (Slack)` : '(Slack: off — see the README to try it)'}`,
    `  Health:         ${botUrl}/healthz   ${botUrl}/readyz`,
    `  Data:           ${config.database.url ? 'DATABASE_URL' : `embedded Postgres in ${config.dataDir}`}; jobs on ${runtime.jobs.kind === 'redis' ? 'Redis' : 'Postgres (BullMQ)'}`,
    '',
    '  Ctrl+C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

}

/**
 * Stop when the launcher is gone — killed (SIGKILL, or a SIGTERM to npm that tsx answers by
 * killing it), or its terminal closed (SIGHUP) — so this process never runs on unseen as an
 * orphan, holding the ports and the embedded Postgres. (Linux re-parents an orphan: its
 * parent process id changes.) The same SIGTERM as a Ctrl+C: everything stops in order.
 */
function stopWhenOrphaned(): void {
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  timer.unref();
}

/**
 * The terminal's Ctrl+C goes to its whole foreground process group — npm, tsx, this
 * process and the embedded Postgres it spawned, which would stop at once, under the bot
 * and worker still using it. So this process only launches the real one in a process
 * group of its own and hands it one SIGTERM: everything then stops in order.
 */
function launch(): void {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--in-own-group'], { stdio: 'inherit', detached: true });
  let forwarded = false;
  const forward = () => {
    if (forwarded) return;
    forwarded = true;
    child.kill('SIGTERM');
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  // The terminal closed: stop too (the app would otherwise notice only once this process is gone).
  process.on('SIGHUP', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv.includes('--in-own-group')) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
} else {
  launch();
}
