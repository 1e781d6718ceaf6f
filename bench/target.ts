/**
 * A benchmark target in its own process (so the load generator does not share its event
 * loop): `csp` — the real bot server on real Postgres; `echo` — a bare echo bot on the same
 * CloudAdapter and Express (the framework's floor). Prints `READY <url>` when listening;
 * stops on SIGTERM.
 *
 * argv: `<kind> <database url> <schema> [<Slack API url> <signing secret>]` — with the last two,
 * the `csp` bot has Slack on (`/slack/events`, its Web API calls to that URL: ./slack.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { loadConfig } from '../services/config.js';
import { createLogger } from '../services/logger.js';
import { createPool } from '../services/db/pool.js';
import { startBotServer } from '../bot/server.js';

const [kind, databaseUrl = '', schema = 'public', slackApiUrl, slackSigningSecret] = process.argv.slice(2);

async function echo(): Promise<void> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const bot = new ActivityHandler();
  bot.onMessage(async (ctx, next) => {
    await ctx.sendActivity(`Echo: ${ctx.activity.text}`);
    await next();
  });
  const app = express();
  app.post('/api/messages', express.json(), (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx)));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function csp(): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  const db = createPool({ url: databaseUrl, schema, max: 20 });
  // One load generator on one address: no per-address download budget.
  const slack = slackApiUrl && slackSigningSecret ? { SLACK_API_URL: slackApiUrl, SLACK_SIGNING_SECRET: slackSigningSecret, SLACK_BOT_TOKEN: 'xoxb-bench' } : {};
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '1000', DOWNLOADS_PER_MINUTE: '1000000', ...slack });
  const bot = await startBotServer({ config, db, logger, queuePing: () => Promise.resolve() });
  console.log(`READY ${bot.url}`);
  process.on('SIGTERM', () => {
    void bot.close(1000).then(() => db.end()).then(() => process.exit(0));
  });
}

await (kind === 'echo' ? echo() : csp());
