/**
 * `npm run bench`: turns through /api/messages (delivery mode expectReplies, real
 * Postgres) at 1 and 50 concurrent conversations — the `help` turn, and every turn of the
 * whole purchase flow (buy <customer> → product → SKU and quantity → review → confirm, an
 * order each time) — against a bare echo bot on the same CloudAdapter (the framework's
 * floor). Numbers only; no pass/fail.
 *
 * The servers run in their own processes (bench/target.ts); this one only generates load.
 *
 * Then download-link redemptions (bench/downloads.ts), and cancellations end to end — Submit
 * through the bot, a worker on a real BullMQ queue (Redis, then BullMQ's PostgreSQL backend),
 * the notification at a fake Bot Connector (bench/cancellations.ts). Then support requests end to
 * end — `support <order id>` → Review → Submit through the bot, a worker filing them at the
 * embedded desk and at a fake Zendesk over HTTP, the "filed" notification at a fake Bot Connector
 * (bench/support.ts). Then the activity log view and export (R13) against 1,000,000 rows per
 * partner: the plans, pages and summaries in this process, each export in a process of its own
 * (bench/activity.ts). Then the Slack path — signed `/csp help`, `/csp buy <customer>` and the
 * block actions of clicks on the buy card (a product, then the SKU card's Cancel), sent to
 * /slack/events of the bot server with Slack on (a target of its own, against a fake Slack Web
 * API in this process), at 1 and 50 concurrent requesters: acknowledgement latency, answer
 * latency at the response_url, requests/s and Slack calls per request (bench/slack.ts).
 *
 * Env: BENCH_DATABASE_URL (default the local test database), BENCH_REDIS_URL (default the local
 * Redis), BENCH_TURNS (default 2000), BENCH_REDEMPTIONS (default 100000), BENCH_SUPPORT_REQUESTS
 * (default 200 per row), BENCH_SUPPORT_BACKLOG (default 500), BENCH_SLACK_REQUESTS (default 2000
 * per row), BENCH_ONLY (turns | downloads | cancellations | support | activity | slack | partner-center),
 * BENCH_ACTIVITY_ROWS, BENCH_ACTIVITY_CALLS,
 * BENCH_ACTIVITY_ROUNDS (bench/activity.ts), BENCH_PROFILE (a directory: CPU profiles of the
 * targets, the workers and the export process). The cancellation and support workers also take
 * OUTBOX_RELAY_INTERVAL_MS, WORKER_CONCURRENCY and DATABASE_POOL_MAX from the environment
 * (services/config.ts; defaults otherwise), the support worker SUPPORT_DESK_TIMEOUT_MS too.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { createLogger } from '../services/logger.js';
import { createPool } from '../services/db/pool.js';
import { migrate } from '../services/db/migrate.js';
import { seedDemoData, PLAYGROUND_TENANT_ID } from '../services/seed/demo.js';
import { postgresCpuMs, processCpuMs } from './cpu.js';
import { benchDownloads, type DownloadResult } from './downloads.js';
import { benchCancellations, printCancellations, type CancellationReport } from './cancellations.js';
import { benchSupport, printSupport, type SupportReport } from './support.js';
import { benchActivity, printActivity, type ActivityReport } from './activity.js';
import { benchSlack, printSlack, type SlackReport } from './slack.js';
import { postActivity, teamsMessage, type TurnInput } from './harness.js';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TURNS = Number(process.env.BENCH_TURNS ?? 2000);
const REDEMPTIONS = Number(process.env.BENCH_REDEMPTIONS ?? 100_000);
const SUPPORT_REQUESTS = Number(process.env.BENCH_SUPPORT_REQUESTS ?? 200);
const SUPPORT_BACKLOG = Number(process.env.BENCH_SUPPORT_BACKLOG ?? 500);
const SLACK_REQUESTS = Number(process.env.BENCH_SLACK_REQUESTS ?? 2000);
/** `turns`, `downloads`, `cancellations`, `support`, `activity` or `slack`: run only that part (the others still buy a few orders first, as warm-up). */
const ONLY = process.env.BENCH_ONLY;
const runs = (part: 'turns' | 'downloads' | 'cancellations' | 'support' | 'activity' | 'slack' | 'partner-center') => ONLY === undefined || ONLY === '' || ONLY === part;
const SCHEMA = `bench_${Date.now().toString(36)}`;

interface Result { name: string; concurrency: number; turns: number; seconds: number; p50: number; p99: number; rssMb: number; cpu: CpuPerTurn | null }

/** CPU ms per turn of the target process, of every Postgres process, and of this load generator. */
interface CpuPerTurn { target: number; postgres: number; load: number }

/** Snapshot now; call the result after the row to get CPU ms per turn (backends that exit mid-row are missed). */
function cpuMeter(targetPid: number): (turns: number) => CpuPerTurn | null {
  const target0 = processCpuMs(targetPid);
  const pg0 = postgresCpuMs();
  const load0 = process.cpuUsage();
  return (turns) => {
    const target1 = processCpuMs(targetPid);
    const pg1 = postgresCpuMs();
    const load = process.cpuUsage(load0);
    if (target0 === null || target1 === null || pg0 === null || pg1 === null || turns === 0) return null;
    return { target: (target1 - target0) / turns, postgres: (pg1 - pg0) / turns, load: (load.user + load.system) / 1000 / turns };
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** One turn: what the user sends; resolves to the response body (the bot's replies, JSON). */
type Send = (input: TurnInput) => Promise<string>;
/** What one virtual user does, once, in a fresh conversation. */
type Scenario = (send: Send) => Promise<void>;

const ALEX = '00000000-0000-0000-0000-0000000000020'; // demo Admin agent + Global admin
const WS_DATACENTER = 'DG7GMGF0D7FV';

const helpScenario: Scenario = async (send) => {
  await send({ text: 'help' });
};

/** The whole purchase: customer by domain → product → SKU and quantity → review → confirm. */
const purchaseScenario: Scenario = async (send) => {
  await send({ text: 'buy contoso-de.onmicrosoft.com' });
  await send({ value: { action: 'buy.product', productId: WS_DATACENTER } });
  const review = await send({ value: { action: 'buy.review', productId: WS_DATACENTER, skuId: '0001', quantity: '16' } });
  const reviewId = /"action":"buy\.confirm","reviewId":"([^"]+)"/.exec(review)?.[1];
  if (!reviewId) throw new Error('no review card in the answer');
  const done = await send({ value: { action: 'buy.confirm', reviewId } });
  if (!done.includes('Order placed')) throw new Error('no order confirmation in the answer');
};

async function load(name: string, target: Target, concurrency: number, turns: number, scenario: Scenario, user?: string): Promise<Result> {
  const { url, agent } = target;
  const meter = cpuMeter(target.pid);
  const latencies: number[] = [];
  let sent = 0;
  // Ramp-up: each virtual user's first scenario is not recorded. All of them start in the same
  // instant with the same (for the purchase: the heaviest) step, a burst that no steady state
  // has and that would otherwise make up the slowest percent of the row. The row's clock starts
  // with the first recorded turn; CPU per turn counts every turn sent, ramp-up included.
  let started: bigint | undefined;
  let rampUpTurns = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let first = true; sent < turns; first = false) {
        const who = user ?? `00000000-0000-0000-0000-${randomUUID().slice(-12)}`;
        const conv = `a:${randomUUID()}`;
        const record = !first;
        await scenario(async (input) => {
          if (record) sent++;
          else rampUpTurns++;
          const body = teamsMessage('http://127.0.0.1:9/', { aadObjectId: who, name: 'Bench', conversationId: conv, tenantId: PLAYGROUND_TENANT_ID }, input);
          const t0 = process.hrtime.bigint();
          if (record) started ??= t0;
          const answer = await postActivity(url, agent, body);
          if (record) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          return answer;
        });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - (started ?? process.hrtime.bigint())) / 1e9;
  latencies.sort((a, b) => a - b);
  const cpu = meter(latencies.length + rampUpTurns);
  return { name, concurrency, turns: latencies.length, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), rssMb: process.memoryUsage().rss / 2 ** 20, cpu };
}

const echoScenario: Scenario = async (send) => {
  await send({ text: 'hi' });
};

/**
 * A target and the keep-alive connections to it, reused by every row (as the Bot Connector
 * keeps its connections): the rows measure turns, not TCP set-up.
 */
interface Target { url: string; pid: number; agent: http.Agent; stop: () => Promise<void> }

/** Start a benchmark target (bench/target.ts) in its own process; `args` after the database's (the bot's Slack settings). */
async function startTarget(kind: 'csp' | 'echo', args: string[] = []): Promise<Target> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []), '--import', 'tsx', 'bench/target.ts', kind, DATABASE_URL, SCHEMA, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`${kind} target exited with ${code}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  return {
    url,
    pid: child.pid!,
    agent,
    stop: () => new Promise<void>((resolve) => {
      agent.destroy();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'silent' });
  await migrate({ url: DATABASE_URL, schema: SCHEMA });
  const db = createPool({ url: DATABASE_URL, schema: SCHEMA, max: 20 });
  await seedDemoData(db, { logger });
  const bot = await startTarget('csp');
  const echo = await startTarget('echo');
  const results: Result[] = [];
  let downloads: DownloadResult[] = [];
  let cancellations: CancellationReport | undefined;
  let support: SupportReport | undefined;
  let activity: ActivityReport | undefined;
  let slack: SlackReport | undefined;
  try {
    // Warm-up (JIT, pool connections, user rows), not measured.
    const full = runs('turns');
    await load('warm-up', bot, 50, full ? 3000 : 200, helpScenario);
    await load('warm-up', bot, 50, full ? 2000 : 200, purchaseScenario, ALEX);
    await load('warm-up', echo, 50, full ? 5000 : 200, echoScenario);
    for (const concurrency of full ? [1, 50] : []) {
      results.push(await load('echo bot (floor)', echo, concurrency, TURNS, echoScenario));
      results.push(await load('help turn', bot, concurrency, TURNS, helpScenario));
      results.push(await load('purchase flow turn (4 per order)', bot, concurrency, TURNS, purchaseScenario, ALEX));
    }
    if (runs('downloads')) downloads = await benchDownloads(db, { botUrl: bot.url, redemptions: REDEMPTIONS });
    if (runs('cancellations')) cancellations = await benchCancellations(db, { botUrl: bot.url, botPid: bot.pid, databaseUrl: DATABASE_URL, schema: SCHEMA, redisUrl: REDIS_URL });
    if (runs('support')) support = await benchSupport(db, { botUrl: bot.url, botPid: bot.pid, databaseUrl: DATABASE_URL, schema: SCHEMA, redisUrl: REDIS_URL, requests: SUPPORT_REQUESTS, backlog: SUPPORT_BACKLOG });
    if (runs('activity')) activity = await benchActivity(db, { databaseUrl: DATABASE_URL, schema: SCHEMA });
    if (runs('slack')) slack = await benchSlack(db, { startBot: (s) => startTarget('csp', [s.apiUrl, s.signingSecret]), requests: SLACK_REQUESTS });
    if (runs('partner-center')) { const pc = await import('./partner-center.js'); pc.printPartnerCenter(await pc.benchPartnerCenter(db)); }
  } finally {
    await db.end();
    await bot.stop();
    await echo.stop();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
    await admin.end();
  }
  if (results.length > 0) console.log(`\n/api/messages, expectReplies, real Postgres, server in its own process — ${TURNS} turns per row after a ramp-up (each virtual user's first scenario, not recorded); rss = load generator\n`);
  if (results.length > 0) console.log('| what | concurrency | turns/s | p50 ms | p99 ms | CPU ms per turn: server / Postgres / load generator | rss MB |\n|---|---:|---:|---:|---:|---|---:|');
  for (const r of results) {
    const cpu = r.cpu ? `${r.cpu.target.toFixed(2)} / ${r.cpu.postgres.toFixed(2)} / ${r.cpu.load.toFixed(2)}` : 'n/a';
    console.log(`| ${r.name} | ${r.concurrency} | ${(r.turns / r.seconds).toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${cpu} | ${r.rssMb.toFixed(0)} |`);
  }
  if (downloads.length > 0) console.log(`\nDownload-link redemptions, 200 concurrent clients, real Postgres (pool of 20); heap of this process every 10k redemptions\n`);
  if (downloads.length > 0) console.log('| what | redemptions | per s | p50 ms | p99 ms | heap MB (every 10k) |\n|---|---:|---:|---:|---:|---|');
  for (const r of downloads) {
    console.log(`| ${r.name} | ${r.redemptions} | ${(r.redemptions / r.seconds).toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.heapMb.map((m) => m.toFixed(1)).join(' ')} |`);
  }
  const [floor, service] = downloads;
  if (floor && service) {
    console.log(`\nservice / floor throughput: ${((service.redemptions / service.seconds) / (floor.redemptions / floor.seconds) * 100).toFixed(0)} %`);
  }
  if (cancellations) printCancellations(cancellations);
  if (support) printSupport(support);
  if (activity) printActivity(activity);
  if (slack) printSlack(slack);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
