/**
 * Cancellations end to end (R14–R19): N concurrent Submits (N = 50 and 500) through
 * /api/messages of the bot server (its own process, bench/target.ts), a worker in its own
 * process (bench/cancellation-worker.ts: bot/worker.ts's startWorker — outbox relay, the
 * `cancellation-tracking` job, notification delivery — on a real BullMQ queue: Redis, then
 * BullMQ's PostgreSQL backend; a queue prefix of its own per run), the embedded commerce
 * backend's cancellation delay at 0 (EMBEDDED_CANCELLATION_DELAY_MS=0), and a fake Bot
 * Connector (test/fakes/bot-connector.ts) in this process that receives the notifications.
 *
 * Each cancellation is its own Admin agent's, in their own personal conversation (the
 * notification goes to the requester's personal chat; one user with N orders would get all N
 * in one conversation, under that conversation's rate limit), with an order placed directly
 * (embedded backend + ledger, as test/support/purchases.ts does). Before the clock starts,
 * every user says `cancel <order id>` and gets the notice card (its noticeId); then all N
 * Submits go out at once. Measured per cancellation: Submit sent → its notification arrives at
 * the fake connector. Duplicates: deliveries per conversation beyond the first (each
 * conversation expects exactly one), after a quiet period once all have arrived. Stages from
 * the database: the Submit's commit (cancellations.requested_at) → the tracking job enqueued by
 * the relay (job_outbox.enqueued_at) → finished (cancellations.status_at) → the notification's
 * job enqueued by the relay → delivered.
 *
 * The tracking job's cost: the worker counts the statements of its domain pool per job queue
 * (./count-queries.ts, a wrapped pool; pg_stat_statements is not loaded here). With delay 0 a
 * cancellation finishes at the tracking job's first look, so a pending poll never happens in
 * these rows; the cost of one look at a pending cancellation is measured afterwards, in this
 * process, by calling CancellationTracker.track (what the job runs) on cancellations whose
 * backend takes an hour.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Db } from '../services/db/pool.js';
import { loadConfig } from '../services/config.js';
import { createLogger } from '../services/logger.js';
import { createDomain } from '../services/domain.js';
import { EmbeddedCommerceBackend } from '../services/commerce/embedded.js';
import { PurchaseLedger } from '../services/ledger/purchase-ledger.js';
import { CancellationTracker } from '../services/cancellation/tracking.js';
import { PLAYGROUND_TENANT_ID } from '../services/seed/demo.js';
import { startFakeBotConnector } from '../test/fakes/bot-connector.js';
import { deleteQueueData } from '../test/support/queue-data.js';
import { countQueries } from './count-queries.js';
import { postgresCpuMs, processCpuMs } from './cpu.js';

const WS_DATACENTER = { productId: 'DG7GMGF0D7FV', skuId: '0001' };
const ALEX = '00000000-0000-0000-0000-0000000000020';

export type QueueBackendKind = 'redis' | 'postgres';

export interface Stat { p50: number; p99: number; max: number }

export interface CancellationResult {
  backend: QueueBackendKind;
  n: number;
  /** First Submit sent → last notification delivered. */
  seconds: number;
  /** Submit sent → notification delivered, ms. */
  latency: Stat;
  /** The Submit turn itself (its HTTP answer), ms. */
  submitTurn: Stat;
  stages: Array<{ name: string; stat: Stat }>;
  delivered: number;
  /** Deliveries beyond the first per conversation. */
  duplicates: number;
  /** Deliveries that do not name their conversation's order. */
  misdirected: number;
  /** Deliveries per order (an order named by more than one delivery counts its extras). */
  duplicatesPerOrder: number;
  /** cancellations.polls → how many cancellations (1 = finished at the first look). */
  polls: Record<string, number>;
  /** cancellations.status → count; notifications.status → count. */
  cancellationStatus: Record<string, number>;
  notificationStatus: Record<string, number>;
  /** Notifications claimed more than once (attempts > 1). */
  notificationRetries: number;
  /** Runs of the notification job per notification (its first statement counted); a run beyond the first waited for a rate-limit window. */
  notificationRuns: number;
  /** Outbox rows not yet enqueued, and BullMQ job counts, after the quiet period. */
  outboxPending: number;
  queueCounts: Record<string, Record<string, number>>;
  /** SQL statements of the worker's domain pool per cancellation, by scope. */
  statementsPerCancellation: Record<string, number>;
  /** Per statement of the tracking job, per cancellation (the first row is printed). */
  trackingStatements?: Array<[string, number]>;
  worker: { relayIntervalMs: number; concurrency: number; poolMax: number };
  /**
   * CPU ms per cancellation, from /proc (null without it): the bot process during the Submit
   * burst (first Submit sent → last answered), and from the first Submit to the last
   * notification: the bot, the worker, all Postgres processes, this process (load generator
   * and fake connector).
   */
  cpu: { botPerSubmit: number; bot: number; worker: number; postgres: number; load: number } | null;
}

export interface PendingPollCost {
  cancellations: number;
  /** The first look (the backend is asked to cancel; it answers pending): statements. */
  firstLook: number;
  /** A later look at a pending cancellation (status asked; still pending): statements. */
  poll: number;
  pollStatements: Array<[string, number]>;
  firstLookStatements: Array<[string, number]>;
}

export interface CancellationReport {
  rows: CancellationResult[];
  pending: PendingPollCost;
}

interface CpuSnapshot { bot: number | null; worker: number | null; postgres: number | null; load: number }

function cpuSnapshot(botPid: number, workerPid: number): CpuSnapshot {
  const own = process.cpuUsage();
  return { bot: processCpuMs(botPid), worker: processCpuMs(workerPid), postgres: postgresCpuMs(), load: (own.user + own.system) / 1000 };
}

function stat(values: number[]): Stat {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  }));
  return out;
}

/** The worker process and its IPC. */
interface WorkerHandle {
  kind: QueueBackendKind;
  pid: number;
  prefix: string;
  settings: CancellationResult['worker'];
  ask<T>(type: 'stats' | 'reset' | 'queues'): Promise<T>;
  stop(): Promise<void>;
}

async function startWorkerProcess(kind: QueueBackendKind, opts: { databaseUrl: string; schema: string; redisUrl: string }): Promise<WorkerHandle> {
  const prefix = `bench-cancel-${kind}-${Date.now().toString(36)}`;
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/cancellation-worker.ts', opts.databaseUrl, opts.schema, kind, prefix, opts.redisUrl], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY ([^\n]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`cancellation worker exited with ${code}`)));
  });
  const [relayIntervalMs, concurrency, poolMax] = ready.split(' ').map(Number) as [number, number, number];
  return {
    kind,
    pid: child.pid!,
    prefix,
    settings: { relayIntervalMs, concurrency, poolMax },
    ask: <T>(type: 'stats' | 'reset' | 'queues') =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (msg: { type: string; message?: string }) => {
          if (msg.type === 'error') {
            child.off('message', onMessage);
            reject(new Error(msg.message));
          } else if (msg.type === type) {
            child.off('message', onMessage);
            resolve(msg as T);
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

interface Agent { userId: number; aadObjectId: string; conversationId: string; orderId: string; customerId?: string; noticeId?: string }

export async function benchCancellations(db: Db, opts: { botUrl: string; botPid: number; databaseUrl: string; schema: string; redisUrl: string; sizes?: number[]; backends?: QueueBackendKind[] }): Promise<CancellationReport> {
  const sizes = opts.sizes ?? [50, 500];
  const backends = opts.backends ?? ['redis', 'postgres'];
  const partner = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1", [PLAYGROUND_TENANT_ID]);
  const partnerId = Number(partner.rows[0]!.partner_id);
  const customer = await db.query<{ id: string }>("SELECT id FROM customers WHERE partner_id = $1 AND primary_domain = 'contoso-de.onmicrosoft.com'", [partnerId]);
  const customerId = customer.rows[0]!.id;
  const commerce = new EmbeddedCommerceBackend(db);
  const ledger = new PurchaseLedger(db);

  // The fake Bot Connector: every request is recorded by the fake; the script only notes its arrival time.
  const connector = await startFakeBotConnector();
  const arrivals: Array<{ at: number; epoch: number; conversationId: string | undefined; text: string }> = [];
  let recording = false;
  connector.script((seen) => {
    if (recording && seen.method === 'POST' && seen.conversationId !== undefined) {
      arrivals.push({ at: performance.now(), epoch: Date.now(), conversationId: seen.conversationId, text: JSON.stringify(seen.body ?? null) });
    }
    return undefined;
  });

  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...sizes) });
  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(`${opts.botUrl}/api/messages`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const say = (a: Agent, input: { text?: string; value?: Record<string, unknown> }) =>
    post(JSON.stringify({
      type: 'message', id: randomUUID(), channelId: 'msteams', serviceUrl: connector.url, deliveryMode: 'expectReplies', locale: 'en-US', ...input,
      from: { id: `29:${a.aadObjectId}`, name: 'Bench Agent', aadObjectId: a.aadObjectId }, recipient: { id: '28:bot' },
      conversation: { id: a.conversationId, conversationType: 'personal', tenantId: PLAYGROUND_TENANT_ID },
    }));

  /** n Admin agents, each with an order of their own and the notice card of its cancellation. */
  async function prepare(n: number): Promise<Agent[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    const users = await db.query<{ id: string; external_id: string }>(
      `INSERT INTO users (partner_id, channel, external_id, display_name)
       SELECT $1, 'msteams', e, 'Bench Agent' FROM unnest($2::text[]) AS e RETURNING id, external_id`,
      [partnerId, ids],
    );
    await db.query("INSERT INTO user_roles (user_id, role) SELECT unnest($1::bigint[]), 'admin_agent'", [users.rows.map((u) => u.id)]);
    const agents = await pooled(users.rows, 10, async (u): Promise<Agent> => {
      // `cancel <order id>` takes a word for an order id only when it holds a digit (dialogs/cancel.ts ORDER_ID); the
      // embedded backend's ids have none about once in 90 ((22/32)^12) and are then searched as a customer name. Such an
      // order is left alone (it stays active) and another one placed.
      let result;
      do {
        result = await commerce.createOrder(partnerId, { customerId, createdBy: Number(u.id), lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
        await ledger.record({ order: result.order, backend: commerce.name, backendRef: result.reference });
      } while (!/\d/.test(result.order.id));
      return { userId: Number(u.id), aadObjectId: u.external_id, conversationId: `a:${randomUUID()}`, orderId: result.order.id };
    });
    await pooled(agents, 50, async (a) => {
      const answer = await say(a, { text: `cancel ${a.orderId}` });
      const m = /"action":"cancel\.submit","customerId":"([^"]+)","noticeId":"([^"]+)"/.exec(answer);
      if (!m) throw new Error(`no notice card for ${a.orderId}: ${(answer.match(/"text":"[^"]*"/g) ?? []).join(" ").slice(0, 600)}`);
      a.customerId = m[1];
      a.noticeId = m[2];
    });
    return agents;
  }

  async function row(worker: WorkerHandle, n: number, record: boolean): Promise<CancellationResult | null> {
    const agents = await prepare(n);
    await worker.ask('reset');
    arrivals.length = 0;
    recording = true;
    const sentAt = new Map<string, { at: number; epoch: number }>();
    const submitTurn: number[] = [];
    const cpu0 = cpuSnapshot(opts.botPid, worker.pid);
    const started = performance.now();
    await Promise.all(agents.map(async (a) => {
      const t0 = performance.now();
      sentAt.set(a.conversationId, { at: t0, epoch: Date.now() });
      const answer = await say(a, { value: { action: 'cancel.submit', customerId: a.customerId, noticeId: a.noticeId, orderId: a.orderId, acknowledged: 'true' } });
      submitTurn.push(performance.now() - t0);
      if (!answer.includes('Cancellation submitted')) throw new Error(`Submit of ${a.orderId} not answered as submitted: ${answer.slice(0, 300)}`);
    }));
    const cpuSubmits = cpuSnapshot(opts.botPid, worker.pid);
    // Until every conversation has its notification (or 2 minutes + 0.5 s per cancellation)…
    const deadline = performance.now() + 120_000 + 500 * n;
    const seen = () => new Set(arrivals.map((x) => x.conversationId)).size;
    while (seen() < n && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const last = Math.max(...arrivals.map((x) => x.at));
    const cpu1 = cpuSnapshot(opts.botPid, worker.pid);
    // …then a quiet period, for late duplicates: longer than two relay intervals and a rate-limit window.
    await new Promise((r) => setTimeout(r, Math.max(3000, 3 * worker.settings.relayIntervalMs)));
    recording = false;
    if (!record) return null;

    const byConversation = new Map<string, typeof arrivals>();
    for (const x of arrivals) byConversation.set(x.conversationId ?? '', [...(byConversation.get(x.conversationId ?? '') ?? []), x]);
    const latencies: number[] = [];
    const deliveredEpoch = new Map<string, number>();
    let duplicates = 0;
    let misdirected = 0;
    for (const a of agents) {
      const got = byConversation.get(a.conversationId) ?? [];
      if (got.length === 0) continue;
      duplicates += got.length - 1;
      misdirected += got.filter((x) => !x.text.includes(a.orderId) || !x.text.includes('Cancellation finished')).length;
      latencies.push(got[0]!.at - sentAt.get(a.conversationId)!.at);
      deliveredEpoch.set(a.orderId, got[0]!.epoch);
    }
    const perOrder = new Map<string, number>();
    for (const x of arrivals) for (const a of agents) if (x.text.includes(a.orderId)) perOrder.set(a.orderId, (perOrder.get(a.orderId) ?? 0) + 1);
    const duplicatesPerOrder = [...perOrder.values()].reduce((s, c) => s + Math.max(0, c - 1), 0);

    // Stages, from the database (the bot's, the relay's and Postgres's clocks: the same machine).
    const orderIds = agents.map((a) => a.orderId);
    const { rows: stageRows } = await db.query<{ order_id: string; requested_at: Date; tracking_enqueued_at: Date | null; finished_at: Date; notification_enqueued_at: Date | null }>(
      `SELECT c.order_id, c.requested_at, t.enqueued_at AS tracking_enqueued_at, c.status_at AS finished_at, o.enqueued_at AS notification_enqueued_at
         FROM cancellations c
         LEFT JOIN job_outbox t ON t.queue = 'cancellation-tracking' AND t.job_id = 'cancellation-' || c.id
         LEFT JOIN notifications n ON n.dedupe_key = 'cancellation-finished:' || c.id
         LEFT JOIN job_outbox o ON o.queue = 'notifications' AND o.job_id = 'notify-' || n.id
        WHERE c.order_id = ANY($1::text[])`,
      [orderIds],
    );
    const sentEpoch = new Map(agents.map((a) => [a.orderId, sentAt.get(a.conversationId)!.epoch]));
    const stage = (f: (r: (typeof stageRows)[number]) => number | null) => stat(stageRows.map(f).filter((v): v is number => v !== null && Number.isFinite(v)));
    const stages = [
      { name: 'Submit sent → committed (the turn)', stat: stage((r) => r.requested_at.getTime() - sentEpoch.get(r.order_id)!) },
      { name: 'committed → tracking job enqueued (relay)', stat: stage((r) => (r.tracking_enqueued_at ? r.tracking_enqueued_at.getTime() - r.requested_at.getTime() : null)) },
      { name: 'enqueued → finished (job picked up, backend, finish transaction)', stat: stage((r) => (r.tracking_enqueued_at ? r.finished_at.getTime() - r.tracking_enqueued_at.getTime() : null)) },
      { name: 'finished → notification job enqueued (relay)', stat: stage((r) => (r.notification_enqueued_at ? r.notification_enqueued_at.getTime() - r.finished_at.getTime() : null)) },
      { name: 'notification enqueued → delivered (job, rate limits, send)', stat: stage((r) => (r.notification_enqueued_at && deliveredEpoch.has(r.order_id) ? deliveredEpoch.get(r.order_id)! - r.notification_enqueued_at.getTime() : null)) },
    ];

    const tally = async (sql: string): Promise<Record<string, number>> =>
      Object.fromEntries((await db.query<{ k: string; n: number }>(sql, [orderIds])).rows.map((r) => [r.k, r.n]));
    const polls = await tally('SELECT polls::text AS k, count(*)::int AS n FROM cancellations WHERE order_id = ANY($1::text[]) GROUP BY polls ORDER BY polls');
    const cancellationStatus = await tally('SELECT status AS k, count(*)::int AS n FROM cancellations WHERE order_id = ANY($1::text[]) GROUP BY status');
    const notificationStatus = await tally(
      `SELECT n.status AS k, count(*)::int AS n FROM notifications n JOIN cancellations c ON n.dedupe_key LIKE 'cancellation-%:' || c.id
        WHERE c.order_id = ANY($1::text[]) GROUP BY n.status`,
    );
    const retries = await tally(
      `SELECT 'retried' AS k, count(*)::int AS n FROM notifications n JOIN cancellations c ON n.dedupe_key LIKE 'cancellation-%:' || c.id
        WHERE c.order_id = ANY($1::text[]) AND n.attempts > 1`,
    );
    const outboxPending = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM job_outbox WHERE enqueued_at IS NULL')).rows[0]!.n;
    const { counts } = await worker.ask<{ counts: Array<[string, Record<string, number>]> }>('queues');
    const { statements } = await worker.ask<{ statements: Array<[string, Array<[string, number]>]> }>('stats');
    const statementsPerCancellation = Object.fromEntries(statements.map(([scope, per]) => [scope, per.reduce((s, [, c]) => s + c, 0) / n]));
    const tracking = statements.find(([scope]) => scope === 'job:cancellation-tracking')?.[1] ?? [];
    const delivery = statements.find(([scope]) => scope === 'job:notifications')?.[1] ?? [];
    const deliveryRuns = delivery.filter(([text]) => text.startsWith('SELECT n.id, n.status')).reduce((sum, [, c]) => sum + c, 0);

    return {
      backend: worker.kind,
      n,
      seconds: (last - started) / 1000,
      latency: stat(latencies),
      submitTurn: stat(submitTurn),
      stages,
      delivered: arrivals.length,
      duplicates,
      misdirected,
      duplicatesPerOrder,
      polls,
      cancellationStatus,
      notificationStatus,
      notificationRetries: retries.retried ?? 0,
      notificationRuns: deliveryRuns / n,
      outboxPending,
      queueCounts: Object.fromEntries(counts),
      statementsPerCancellation,
      trackingStatements: tracking.map(([text, c]) => [text, c / n] as [string, number]).sort((a, b) => b[1] - a[1]),
      worker: worker.settings,
      cpu: cpu0.bot !== null && cpuSubmits.bot !== null && cpu1.bot !== null && cpu0.worker !== null && cpu1.worker !== null && cpu0.postgres !== null && cpu1.postgres !== null
        ? {
          botPerSubmit: (cpuSubmits.bot - cpu0.bot) / n,
          bot: (cpu1.bot - cpu0.bot) / n,
          worker: (cpu1.worker - cpu0.worker) / n,
          postgres: (cpu1.postgres - cpu0.postgres) / n,
          load: (cpu1.load - cpu0.load) / n,
        }
        : null,
    };
  }

  const rows: CancellationResult[] = [];
  try {
    for (const kind of backends) {
      const worker = await startWorkerProcess(kind, opts);
      try {
        await row(worker, 20, false); // warm-up (JIT, connections), not recorded
        for (const n of sizes) rows.push((await row(worker, n, true))!);
      } finally {
        await worker.stop();
        await deleteQueueData(kind, [worker.prefix], { databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl });
      }
    }
  } finally {
    agent.destroy();
    await connector.close();
  }
  return { rows, pending: await pendingPollCost(db, { partnerId, customerId }) };
}

/**
 * What one look at a pending cancellation costs in SQL: CancellationTracker.track (the job's
 * body; the job then moves itself to the delayed set, a queue-backend call, no SQL here) on
 * cancellations the embedded backend finishes only after an hour. No worker runs by now, so
 * nothing else takes them up.
 */
async function pendingPollCost(db: Db, ids: { partnerId: number; customerId: string }): Promise<PendingPollCost> {
  const COUNT = 20;
  const logger = createLogger({ level: 'silent' });
  const counter = countQueries(db, () => 'track');
  const config = loadConfig({ LOG_LEVEL: 'silent', EMBEDDED_CANCELLATION_DELAY_MS: '3600000' });
  const domain = createDomain({ config, db: counter.db, logger });
  const tracker = new CancellationTracker({
    db: counter.db, commerce: domain.commerce, ledger: domain.ledger, software: domain.software, notifications: domain.notifications, activity: domain.activity,
    logger, deadlineMinutes: config.cancellation.deadlineMinutes,
  });
  const user = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'msteams' AND external_id = $2", [ids.partnerId, ALEX]);
  const actor = { userId: Number(user.rows[0]!.id), partnerId: ids.partnerId, channel: 'msteams' as const, externalId: ALEX, displayName: 'Alex Wilber', roles: ['admin_agent' as const], locale: 'en-US' };
  const first: number[] = [];
  const polls: number[] = [];
  let firstStatements: Map<string, number> | undefined;
  let pollStatements: Map<string, number> | undefined;
  for (let i = 0; i < COUNT; i++) {
    const placed = await domain.commerce.createOrder(ids.partnerId, { customerId: ids.customerId, createdBy: actor.userId, lines: [{ ...WS_DATACENTER, quantity: 8 }], idempotencyKey: randomUUID() });
    await domain.ledger.record({ order: placed.order, backend: domain.commerce.name, backendRef: placed.reference });
    const notice = await domain.cancellations.notice(actor, ids.customerId, { orderId: placed.order.id });
    const submitted = await domain.cancellations.submit(actor, { customerId: ids.customerId, orderId: placed.order.id, noticeId: notice.noticeId, acknowledged: true });
    const id = submitted.cancellation.cancellationId;
    counter.reset();
    const a = await tracker.track(id);
    if (a.status !== 'pending') throw new Error(`expected pending at the first look, got ${a.status}`);
    firstStatements = counter.byStatement().get('track');
    first.push([...(firstStatements?.values() ?? [])].reduce((s, c) => s + c, 0));
    counter.reset();
    const b = await tracker.track(id);
    if (b.status !== 'pending') throw new Error(`expected pending at the second look, got ${b.status}`);
    pollStatements = counter.byStatement().get('track');
    polls.push([...(pollStatements?.values() ?? [])].reduce((s, c) => s + c, 0));
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    cancellations: COUNT,
    firstLook: mean(first),
    poll: mean(polls),
    firstLookStatements: [...(firstStatements ?? [])],
    pollStatements: [...(pollStatements ?? [])],
  };
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');

/** Prints the report as the other rows of `npm run bench` are printed (markdown tables). */
export function printCancellations(report: CancellationReport): void {
  const { rows, pending } = report;
  if (rows.length === 0) return;
  const w = rows[0]!.worker;
  console.log(`\nCancellations end to end: N concurrent Submits through /api/messages (bot server in its own process) → outbox → worker (own process; relay every ${w.relayIntervalMs} ms, ${w.concurrency} jobs per queue, pool of ${w.poolMax}) → tracking job (embedded backend, EMBEDDED_CANCELLATION_DELAY_MS=0) → notification at a fake Bot Connector. One Admin agent and personal conversation per cancellation, all in one tenant.\n`);
  console.log('| queue backend | N | cancellations/s | p50 ms | p99 ms | max ms | duplicates | Submit turn p50 / p99 ms | SQL per cancellation: tracking job / notification job / relay + housekeeping | CPU ms per cancellation: bot (Submit turn) / worker / Postgres / load generator |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) {
    const s = r.statementsPerCancellation;
    const sql = `${(s['job:cancellation-tracking'] ?? 0).toFixed(1)} / ${(s['job:notifications'] ?? 0).toFixed(1)} / ${(s['outside jobs (outbox relay, housekeeping)'] ?? 0).toFixed(2)}`;
    // Postgres backends that exit during the row take their CPU time with them (BullMQ's PostgreSQL backend opens and closes connections): low, even negative, readings are shown as n/a.
    const cpu = r.cpu ? `${r.cpu.bot.toFixed(1)} (${r.cpu.botPerSubmit.toFixed(1)}) / ${r.cpu.worker.toFixed(1)} / ${r.cpu.postgres > 0 ? r.cpu.postgres.toFixed(1) : 'n/a'} / ${r.cpu.load.toFixed(1)}` : 'n/a';
    console.log(`| ${r.backend} | ${r.n} | ${(r.n / r.seconds).toFixed(1)} | ${f(r.latency.p50)} | ${f(r.latency.p99)} | ${f(r.latency.max)} | ${r.duplicates} | ${f(r.submitTurn.p50)} / ${f(r.submitTurn.p99)} | ${sql} | ${cpu} |`);
  }
  console.log('\nWhere the time goes (p50 / p99 / max ms per stage):\n');
  console.log(`| stage | ${rows.map((r) => `${r.backend} N=${r.n}`).join(' | ')} |`);
  console.log(`|---|${rows.map(() => '---:').join('|')}|`);
  for (let i = 0; i < rows[0]!.stages.length; i++) {
    console.log(`| ${rows[0]!.stages[i]!.name} | ${rows.map((r) => { const s = r.stages[i]!.stat; return `${f(s.p50)} / ${f(s.p99)} / ${f(s.max)}`; }).join(' | ')} |`);
  }
  console.log('\nChecks per row:');
  for (const r of rows) {
    const left = Object.entries(r.queueCounts)
      .map(([q, c]) => [q, ['waiting', 'active', 'delayed', 'prioritized', 'failed'].filter((k) => (c[k] ?? 0) > 0).map((k) => `${k} ${c[k]}`)] as const)
      .filter(([, ks]) => ks.length > 0);
    const stuck = left.length === 0 ? 'no job waiting, active, delayed or failed' : left.map(([q, ks]) => `${q}: ${ks.join(', ')}`).join('; ');
    console.log(`- ${r.backend} N=${r.n}: ${r.delivered} deliveries (duplicates per conversation ${r.duplicates}, per order ${r.duplicatesPerOrder}, not naming their order ${r.misdirected}); `
      + `cancellations ${JSON.stringify(r.cancellationStatus)}, looks per cancellation ${JSON.stringify(r.polls)}; notifications ${JSON.stringify(r.notificationStatus)}, claimed more than once ${r.notificationRetries}, job runs per notification ${r.notificationRuns.toFixed(2)}; `
      + `outbox rows not enqueued ${r.outboxPending}; queues after: ${stuck}`);
  }
  const first = rows[0]!;
  if (first.trackingStatements && first.trackingStatements.length > 0) {
    console.log(`\nStatements of the tracking job per cancellation (${first.backend} N=${first.n}; finished at the first look):`);
    for (const [text, c] of first.trackingStatements) console.log(`  ${c.toFixed(2)} × ${text}`);
  }
  console.log(`\nA pending cancellation (the backend not finished; CancellationTracker.track on ${pending.cancellations} cancellations, counted through a wrapped pool): `
    + `first look ${pending.firstLook.toFixed(1)} statements, each later poll ${pending.poll.toFixed(1)} statements (plus the queue backend's moveToDelayed).`);
  console.log('  a later poll:');
  for (const [text, c] of pending.pollStatements) console.log(`    ${c} × ${text}`);
}
