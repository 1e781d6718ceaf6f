/**
 * `npm start`: everything a newcomer needs, in one command and with no configuration —
 * Postgres (embedded when DATABASE_URL is unset), the job backend (BullMQ on Postgres
 * when REDIS_URL is unset), migrations, demo data, the bot, the worker, and the
 * Microsoft 365 Agents Playground (a local Teams-like chat client) pointed at the bot.
 * With credentials in the environment it runs the same pieces against real services.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../services/config.js';
import { createLogger } from '../services/logger.js';
import { installShutdown, openRuntime } from './runtime.js';
import { startBotServer } from './server.js';
import { startWorker } from './worker.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function startPlayground(botUrl: string, port: number, onExit: (code: number | null) => void): ChildProcess {
  const bin = path.join(ROOT, 'node_modules', '.bin', 'agentsplayground');
  const child = spawn(bin, ['-e', `${botUrl}/api/messages`, '-c', 'msteams', '-p', String(port), '--disable-telemetry'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', onExit);
  return child;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'local' });
  const runtime = await openRuntime(config, logger, { role: 'local' });
  const bot = await startBotServer({ config, db: runtime.db, logger, queuePing: runtime.queuePing });
  const worker = startWorker({ config, db: runtime.db, jobs: runtime.jobs, logger });
  const botUrl = bot.url.replace('127.0.0.1', 'localhost');
  let stopping = false;
  const playground = startPlayground(bot.url, config.playgroundPort, (code) => {
    if (!stopping) logger.warn({ code }, 'the Agents Playground stopped; the bot keeps running (npm run playground restarts it)');
  });

  const chat = `http://localhost:${config.playgroundPort}`;
  const lines = [
    '',
    '  CSP Software Desk is running.',
    '',
    `  Chat with it:   ${chat}   (Microsoft 365 Agents Playground — a local Teams client)`,
    `                  type "help"; you are Alex Wilber, Admin agent and Global admin of the demo partner`,
    `  Bot endpoint:   ${botUrl}/api/messages   (Teams)   ${botUrl}/slack/events   (Slack)`,
    `  Health:         ${botUrl}/healthz   ${botUrl}/readyz`,
    `  Data:           ${config.database.url ? 'DATABASE_URL' : `embedded Postgres in ${config.dataDir}`}; jobs on ${runtime.jobs.kind === 'redis' ? 'Redis' : 'Postgres (BullMQ)'}`,
    '',
    '  Ctrl+C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  installShutdown(logger, async () => {
    stopping = true;
    playground.kill('SIGTERM');
    await bot.close();
    await worker.close();
    await runtime.close();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
