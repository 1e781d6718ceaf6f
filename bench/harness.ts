/**
 * What the end-to-end parts of `npm run bench` (./cancellations.ts, ./support.ts; ./activity.ts
 * some of it) share on the load generator's side: percentiles, a bounded pool of tasks, CPU
 * snapshots from /proc, Teams turns posted to the bot server's /api/messages over keep-alive
 * connections, the worker process and its IPC (the worker's side: ./worker-ipc.ts), a one-shot
 * measuring process, the notifications at the fake Bot Connector, what the worker counted during
 * a row, and the tables both print alike.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import type { FakeBotConnector } from '../test/fakes/bot-connector.js';
import { postgresCpuMs, processCpuMs } from './cpu.js';
import { OUTSIDE_JOBS, type WorkerReplies, type WorkerSettings } from './worker-ipc.js';

export interface Stat { p50: number; p95: number; p99: number; max: number }

export function stat(values: number[]): Stat {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** The Stat of what `f` makes of each row, rows it makes nothing of (null, NaN) left out. */
export function statOf<T>(rows: T[], f: (row: T) => number | null): Stat {
  return stat(rows.map(f).filter((v): v is number => v !== null && Number.isFinite(v)));
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pooled<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  }));
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms so far of the bot and the worker process, of every Postgres process, and of this one (null: no /proc). */
export interface CpuSnapshot { bot: number | null; worker: number | null; postgres: number | null; load: number }

export function cpuSnapshot(botPid: number, workerPid: number): CpuSnapshot {
  const own = process.cpuUsage();
  return { bot: processCpuMs(botPid), worker: processCpuMs(workerPid), postgres: postgresCpuMs(), load: (own.user + own.system) / 1000 };
}

/** What a user sends in one turn: text, or a card's submitted data. */
export interface TurnInput { text?: string; value?: Record<string, unknown> }

/** A Teams user in their personal conversation with the bot. */
export interface PersonalChat { aadObjectId: string; name: string; conversationId: string; tenantId: string }

/** The activity (JSON) Teams sends for `input`, answered inline (expectReplies); the bot's proactive messages go to `serviceUrl`. */
export function teamsMessage(serviceUrl: string, chat: PersonalChat, input: TurnInput): string {
  return JSON.stringify({
    type: 'message', id: randomUUID(), channelId: 'msteams', serviceUrl, deliveryMode: 'expectReplies', locale: 'en-US', ...input,
    from: { id: `29:${chat.aadObjectId}`, name: chat.name, aadObjectId: chat.aadObjectId }, recipient: { id: '28:bot' },
    conversation: { id: chat.conversationId, conversationType: 'personal', tenantId: chat.tenantId },
  });
}

/**
 * POSTs an activity to the bot server's /api/messages over `agent` (keep-alive connections,
 * reused by every turn as the Bot Connector keeps its own); resolves to the response body (the
 * bot's replies, JSON), rejects on any status but 200.
 */
export function postActivity(botUrl: string, agent: http.Agent, body: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = http.request(`${botUrl}/api/messages`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A worker process (a script that runs ./worker-ipc.ts's runBenchWorker) and its IPC. */
export interface WorkerProcess<Replies extends object = WorkerReplies> {
  pid: number;
  settings: WorkerSettings;
  ask<K extends keyof Replies & string>(type: K): Promise<Replies[K]>;
  stop(): Promise<void>;
}

/** node's argv for a bench script in a process of its own: the tsx loader, CPU-profiled into BENCH_PROFILE when set. */
function benchNodeArgs(script: string, args: string[], nodeFlags: string[] = []): string[] {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  return [...profile, ...nodeFlags, '--import', 'tsx', script, ...args];
}

/** Starts `script` (argv `args`) in its own process (CPU-profiled into BENCH_PROFILE when set), once it is READY. */
export async function startWorkerProcess<Replies extends object = WorkerReplies>(
  name: string,
  script: string,
  args: string[],
  opts: { nodeFlags?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<WorkerProcess<Replies>> {
  const child = spawn(process.execPath, benchNodeArgs(script, args, opts.nodeFlags), {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: opts.env,
  });
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY ([^\n]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    pid: child.pid!,
    settings: JSON.parse(ready) as WorkerSettings,
    ask: <K extends keyof Replies & string>(type: K) =>
      new Promise<Replies[K]>((resolve, reject) => {
        const onMessage = (msg: { type: string; message?: string }) => {
          if (msg.type === 'error') {
            child.off('message', onMessage);
            reject(new Error(msg.message));
          } else if (msg.type === type) {
            child.off('message', onMessage);
            resolve(msg as Replies[K]);
          }
        };
        child.on('message', onMessage);
        child.send({ type });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Runs `script` (argv `args`) once in a process of its own, started as the worker processes are
 * (the tsx loader; CPU-profiled into BENCH_PROFILE when set), and resolves to what it reported:
 * the JSON of its stdout's `RESULT <json>` line, once it has exited with 0. Rejects when it exits
 * otherwise or reports nothing. For what must be measured apart from the load generator, such
 * as a process's peak RSS (a high-water mark: one process per measurement).
 */
export function runBenchProcess<T>(name: string, script: string, args: string[], opts: { nodeFlags?: string[] } = {}): Promise<T> {
  const child = spawn(process.execPath, benchNodeArgs(script, args, opts.nodeFlags), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /^RESULT ([^\n]+)$/m.exec(out);
      if (code === 0 && m) resolve(JSON.parse(m[1]!) as T);
      else reject(new Error(`${name} exited with ${code}${m ? '' : ' and reported no RESULT'}`));
    });
  });
}

/** A proactive message at the fake Bot Connector: when (performance.now(), and the epoch for the database's clock), where, and what (its JSON). */
export interface Arrival { at: number; epoch: number; conversationId: string; text: string }

/** The proactive messages the fake Bot Connector receives while recording (every request is recorded by the fake; this notes arrival times). */
export interface NotificationLog {
  arrivals: Arrival[];
  /** Forgets what arrived, then records. */
  start(): void;
  stop(): void;
  /**
   * Waits until `n` conversations have a message (or 2 minutes + 0.5 s per conversation);
   * resolves to when the last one arrived (performance.now(); now, when none did).
   */
  untilConversations(n: number): Promise<number>;
  byConversation(): Map<string, Arrival[]>;
}

export function logNotifications(connector: FakeBotConnector): NotificationLog {
  const arrivals: Arrival[] = [];
  let recording = false;
  connector.script((seen) => {
    if (recording && seen.method === 'POST' && seen.conversationId !== undefined) {
      arrivals.push({ at: performance.now(), epoch: Date.now(), conversationId: seen.conversationId, text: JSON.stringify(seen.body ?? null) });
    }
    return undefined;
  });
  return {
    arrivals,
    start: () => {
      arrivals.length = 0;
      recording = true;
    },
    stop: () => {
      recording = false;
    },
    untilConversations: async (n) => {
      const deadline = performance.now() + 120_000 + 500 * n;
      const seen = () => new Set(arrivals.map((x) => x.conversationId)).size;
      while (seen() < n && performance.now() < deadline) await sleep(20);
      return arrivals.length > 0 ? Math.max(...arrivals.map((x) => x.at)) : performance.now();
    },
    byConversation: () => {
      const by = new Map<string, Arrival[]>();
      for (const x of arrivals) by.set(x.conversationId, [...(by.get(x.conversationId) ?? []), x]);
      return by;
    },
  };
}

/** After the last expected notification, for late duplicates: longer than two relay intervals and a rate-limit window. */
export const quietPeriodMs = (settings: WorkerSettings) => Math.max(3000, 3 * settings.relayIntervalMs);

/** `sql`'s rows (k, n) as k → n. */
export async function countsBy(db: Db, sql: string, params: unknown[]): Promise<Record<string, number>> {
  return Object.fromEntries((await db.query<{ k: string; n: number }>(sql, params)).rows.map((r) => [r.k, r.n]));
}

/** What the worker and the outbox show after a row of `n` (cancellations, filings): the counts per item are divided by n. */
export interface WorkerTally {
  /** Outbox rows not yet enqueued. */
  outboxPending: number;
  /** BullMQ job counts per queue and state. */
  queueCounts: Record<string, Record<string, number>>;
  /** SQL statements of the worker's domain pool per item, by scope. */
  statementsPerItem: Record<string, number>;
  /** Per statement of the row's own job, per item, most first. */
  jobStatements: Array<[string, number]>;
  /** Runs of the notification job per item (its first statement counted); a run beyond the first waited for a rate-limit window. */
  notificationRuns: number;
}

export async function tallyWorker(db: Db, worker: WorkerProcess<Pick<WorkerReplies, 'queues' | 'stats'>>, n: number, jobQueue: string): Promise<WorkerTally> {
  const outboxPending = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM job_outbox WHERE enqueued_at IS NULL')).rows[0]!.n;
  const { counts } = await worker.ask('queues');
  const { statements } = await worker.ask('stats');
  const ofScope = (scope: string) => statements.find(([s]) => s === scope)?.[1] ?? [];
  const deliveryRuns = ofScope('job:notifications').filter(([text]) => text.startsWith('SELECT n.id, n.status')).reduce((sum, [, c]) => sum + c, 0);
  return {
    outboxPending,
    queueCounts: Object.fromEntries(counts),
    statementsPerItem: Object.fromEntries(statements.map(([scope, per]) => [scope, per.reduce((s, [, c]) => s + c, 0) / n])),
    jobStatements: ofScope(`job:${jobQueue}`).map(([text, c]): [string, number] => [text, c / n]).sort((a, b) => b[1] - a[1]),
    notificationRuns: deliveryRuns / n,
  };
}

/** `<job> / notification job / relay + housekeeping` statements per item. */
export function sqlPerItem(statements: Record<string, number>, jobQueue: string): string {
  return `${(statements[`job:${jobQueue}`] ?? 0).toFixed(1)} / ${(statements['job:notifications'] ?? 0).toFixed(1)} / ${(statements[OUTSIDE_JOBS] ?? 0).toFixed(2)}`;
}

/** Milliseconds as printed: whole, or n/a. */
export const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');

/** The stage table (markdown): a column per row. */
export function printStages<R extends { stages: Array<{ name: string; stat: Stat }> }>(rows: R[], label: (row: R) => string): void {
  console.log('\nWhere the time goes (p50 / p99 / max ms per stage):\n');
  console.log(`| stage | ${rows.map(label).join(' | ')} |`);
  console.log(`|---|${rows.map(() => '---:').join('|')}|`);
  for (let i = 0; i < rows[0]!.stages.length; i++) {
    console.log(`| ${rows[0]!.stages[i]!.name} | ${rows.map((r) => { const s = r.stages[i]!.stat; return `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`; }).join(' | ')} |`);
  }
}

/** The queues (of `only`, when given) with jobs waiting, active, delayed, prioritized or failed: `<queue>: waiting 2, failed 1`. */
export function jobsLeft(queueCounts: Record<string, Record<string, number>>, only?: string[]): string[] {
  return Object.entries(queueCounts)
    .filter(([q]) => only === undefined || only.includes(q))
    .map(([q, c]) => [q, ['waiting', 'active', 'delayed', 'prioritized', 'failed'].filter((k) => (c[k] ?? 0) > 0).map((k) => `${k} ${c[k]}`)] as const)
    .filter(([, ks]) => ks.length > 0)
    .map(([q, ks]) => `${q}: ${ks.join(', ')}`);
}
